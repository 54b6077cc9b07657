"""The action server reads every item's records at start-up and again, in the background, whenever
they are forgotten; a refill begun before a newer publication never stores stale records."""

from __future__ import annotations

import time

import pytest

from actions.kb_gateway import KnowledgeGateway


@pytest.fixture
def preloaded(kb_engine) -> KnowledgeGateway:
    kb = KnowledgeGateway(engine=kb_engine, cache_seconds=0)  # no age-limited caching: only the preload
    kb.warm_up()
    kb.preload_records()
    return kb


def every_item(kb: KnowledgeGateway):
    return [(region.key, key) for region in kb.regions() for key in kb.item_keys(region.key)]


def refuse_reads(kb: KnowledgeGateway, monkeypatch) -> None:
    def refuse(*_):
        raise AssertionError("read from the database on the message's path")

    monkeypatch.setattr(kb, "_read_records", refuse)
    monkeypatch.setattr(kb, "_read_next_guide", refuse)


def test_after_the_preload_no_message_reads_a_record_from_the_database(preloaded, monkeypatch):
    items = every_item(preloaded)
    assert len(items) > 100
    refuse_reads(preloaded, monkeypatch)
    assert all(preloaded.records(region, key) for region, key in items)
    for region, key in items:
        preloaded.next_guide_records(region, key)


def test_forgotten_records_are_read_again_in_the_background(preloaded, monkeypatch):
    filled = len(preloaded._cache)
    preloaded._forget_records()  # as a publication does
    deadline = time.monotonic() + 30
    while len(preloaded._cache) < filled and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(preloaded._cache) == filled
    refuse_reads(preloaded, monkeypatch)
    region, key = every_item(preloaded)[0]
    assert preloaded.records(region, key)


def test_a_fill_begun_before_a_newer_publication_stores_nothing(preloaded):
    stale = preloaded._generation
    preloaded._forget_records(refill=False)
    preloaded._fill(stale)
    assert preloaded._cache == {}
