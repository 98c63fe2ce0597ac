"""Unique article ids decided in batches: partitions, the kept record, the superseded ones."""
from __future__ import annotations

import itertools

from transforms.ingest import unique
from transforms.records import Article


def _article(article_id, source_file, record, capture=(), url=None, title="t"):
    return Article(article_id, url, None, title, None, None, None, ("body",), "utf-8", source_file, record, capture=capture)


def test_id_partitions_scale_with_input_bytes():
    assert [unique.id_partitions(n) for n in (0, 1, 64 << 20, (64 << 20) + 1, 206_814_729)] == [1, 1, 1, 2, 4]


def test_partition_of_is_a_stable_hash_range():
    ids = [f"id{i}" for i in range(2000)]
    parts = [unique.partition_of(i, 4) for i in ids]
    assert [parts.count(p) for p in range(4)] == [529, 512, 456, 503]  # about a quarter each
    assert [unique.partition_of(i, 1) for i in ids[:50]] == [0] * 50
    # the xxh64 hash range, not Python's per-process hash(): same value in every worker
    assert unique.partition_of("id0", 1 << 16) == 0x0C05  # xxh64(b"id0") = 0x0c058e196eecf019: its top 16 bits


def test_choose_firsts_keeps_the_first_record_of_each_id_in_any_order():
    a = [_article("x", "b.jsonl", 0), _article("y", "a.jsonl", 5), _article("z", "a.jsonl", 6)]
    b = [_article("x", "a.jsonl", 9, title="T" * 300), _article("w", "a.jsonl", 1)]
    batches = [("s1", refs) for _, (_, refs) in unique.partition_refs(a, "s1", 1)] + \
              [("s2", refs) for _, (_, refs) in unique.partition_refs(b, "s2", 1)]
    for order in itertools.permutations(batches):
        kept, superseded = unique.choose_firsts(list(order))
        assert {k: sorted(v) for k, v in kept.items()} == {"s1": [1, 2], "s2": [0, 1]}
        assert [(s.ref.source_file, s.ref.source_record, s.reason, s.detail) for s in superseded] == [
            ("b.jsonl", 0, "duplicate_article_id", "article_id 'x' already read from a.jsonl record 9")]


def test_choose_firsts_takes_the_latest_capture():
    old = _article("u", "w.warc.gz", 0, capture=(1_600_000_000, "aa"), url="http://a/u")
    new = _article("u", "w.warc.gz", 7, capture=(1_700_000_000, "bb"), url="http://a/u?amp")
    (p, (path, refs)), = unique.partition_refs([old, new], "s", 1)
    assert p == 0 and path == "s" and [r[6] for r in refs] == [0, 1]
    kept, superseded = unique.choose_firsts([(path, refs)])
    assert kept == {"s": [1]}
    assert [(s.ref.source_record, s.reason, s.detail) for s in superseded] == [
        (0, "superseded_capture", "superseded by the capture of http://a/u?amp chosen (latest WARC-Date) from w.warc.gz record 7")]


def test_partition_refs_splits_a_batch_by_id_partition_with_spill_positions():
    arts = [_article(f"id{i}", "f", i, title="x" * 250) for i in range(40)]
    out = unique.partition_refs(arts, "spill", 3)
    assert [p for p, _ in out] == sorted({unique.partition_of(a.article_id, 3) for a in arts})
    refs = [r for _, (_, rs) in out for r in rs]
    assert sorted(r[6] for r in refs) == list(range(40)) and {len(r[5]) for r in refs} == {200}
    assert all(unique.partition_of(r[0], 3) == p for p, (_, rs) in out for r in rs)
