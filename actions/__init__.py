"""Rasa custom actions (issue 3): read slots, ask `knowledge.query`, format one reply per channel."""
