"""Rasa custom actions (issue 3): read slots, ask `knowledge.query`, format one reply per channel."""


def warm_up() -> None:
    """Load the KB, its phrase matchers and the passage index before the first message needs them."""
    from actions.kb_gateway import gateway

    gateway().warm_up()
