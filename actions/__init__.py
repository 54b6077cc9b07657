"""Rasa custom actions (issue 3): read slots, ask `knowledge.query`, format one reply per channel."""


def warm_up() -> None:
    """Load the KB, its phrase matchers, the passage index and every item's records before the first
    message needs them."""
    from actions.kb_gateway import gateway

    kb = gateway()
    kb.warm_up()
    kb.preload_records()
