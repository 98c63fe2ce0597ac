"""The coder of Article batches: same values back, size estimated from text without pickling."""
from __future__ import annotations

import pickle

import apache_beam as beam

from transforms.batching import ArticleBatch, ArticleBatchCoder
from transforms.records import Article

SEED_TITLE = "Nigeria: Police arrest suspects"


def _articles():
    return [Article("a1", None, "site.example", SEED_TITLE, 5, "en", None, ("First paragraph.", "Second one."), "utf-8", "f", 0),
            Article("a2", None, None, None, None, None, None, ("Only body.",), "utf-8", "f", 1)]


def test_registry_gives_the_batch_coder():
    assert isinstance(beam.coders.registry.get_coder(ArticleBatch), ArticleBatchCoder)


def test_round_trip_of_a_batch_and_of_one_article():
    coder = ArticleBatchCoder()
    batch = _articles()
    assert coder.decode(coder.encode(batch)) == batch
    assert coder.decode(coder.encode(batch[0])) == batch[0]


def test_size_is_the_characters_of_text(monkeypatch):
    def no_pickle(*_a, **_k):
        raise AssertionError("estimate_size must not pickle")

    monkeypatch.setattr(pickle, "dumps", no_pickle)
    coder = ArticleBatchCoder()
    batch = _articles()
    assert coder.estimate_size(batch) == len(SEED_TITLE) + 16 + 11 + 10
    assert coder.estimate_size(batch[1]) == 10
    assert coder.estimate_size([]) == 0
    # an assembled batch: (Article, decisions, duplicate_of_article) items, sized by their articles
    assembled = [(a, [], None) for a in batch]
    assert coder.estimate_size(assembled) == len(SEED_TITLE) + 16 + 11 + 10
