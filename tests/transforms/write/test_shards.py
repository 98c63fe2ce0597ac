"""The columnar write path (no Beam): rows built per batch, record batches split by shard and
month partition, shard files sorted by Arrow and byte-identical for any batching and order."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pyarrow.parquet as pq

from pipelines.config import config_from_dict
from transforms.records import Article, ParagraphDecision
from transforms.write import core

# Ids whose UTF-8 byte order and code point order must agree with Python's sort (BMP end, astral).
IDS = ["a", "Z", "é", "\uffff", "😀", "10", "9", "a b", "ab", "ä"]


def _paragraph_rows():
    rows = []
    for aid in IDS:
        for index in (0, 2, 10, 1):  # 10 before 2 as text, after it as a number
            rows.append({"paragraph_id": f"{aid}/{index}", "article_id": aid, "index": index, "text": f"text {aid} {index}",
                         "status": "kept" if index else "title", "reason": None, "cluster_id": None, "duplicate_of": None,
                         "similarity": None, "duplicate_of_article": None, "domain": "example.com", "duplicate_of_release": None})
    return rows


def _write_in_batches(rows, table, cfg, shards, directory, seed):
    """Shuffle, cut into random batches, ship as payloads, write one file per (partition, shard)."""
    rows = list(rows)
    rng = random.Random(seed)
    rng.shuffle(rows)
    groups = {}
    start = 0
    while start < len(rows):
        size = rng.randint(1, 7)
        for key, data in core.shard_payloads(core.rows_payload(rows[start: start + size], table), table, shards, cfg):
            groups.setdefault(key, []).append(data)
        start += size
    written = {}
    for (partition, shard), payloads in groups.items():
        rng.shuffle(payloads)
        path, n = core.write_payloads(str(directory), table, shard, shards, payloads, cfg, partition)
        written[path.split(str(directory), 1)[1]] = (n, open(path, "rb").read())
    return written


def test_shards_are_byte_identical_for_any_batching_and_sorted_like_python(tmp_path):
    cfg = config_from_dict({}).output
    rows = _paragraph_rows()
    a = _write_in_batches(rows, "paragraphs", cfg, 3, tmp_path / "a", seed=1)
    b = _write_in_batches(rows, "paragraphs", cfg, 3, tmp_path / "b", seed=2)
    assert a == b and len(a) == 3 and sum(n for n, _ in a.values()) == len(rows)
    for shard in range(3):
        got = pq.read_table(tmp_path / "a" / "paragraphs" / f"part-{shard:05d}-of-00003.parquet").to_pylist()
        want = sorted((r for r in rows if core.shard_of(r["article_id"], 3) == shard), key=lambda r: (r["article_id"], r["index"]))
        assert got == want
    # write_shard (rows as dicts, the streaming writer's path) gives the same bytes for one shard
    path, n = core.write_shard(str(tmp_path / "c"), "paragraphs", 0, 1, rows[::-1], cfg)
    one = _write_in_batches(rows, "paragraphs", cfg, 1, tmp_path / "d", seed=3)
    assert n == len(rows) and one["/paragraphs/part-00000-of-00001.parquet"] == (n, open(path, "rb").read())


def test_rejects_of_one_input_file_spread_over_the_shards(data, tmp_path):
    """``output.shards`` is the number of files per table, rejects included: the 26 rejects of one
    real WARC file (request, warcinfo, metadata and resource records) go to shards by (file,
    record), not by file alone (which put them all in one file); each file is sorted by the
    rejects key and byte-identical for any batching."""
    from transforms.ingest.core import read_file
    from transforms.records import Reject

    path = data / "warc-samples" / "dolma" / "sample-0000.warc.gz"
    cfg = config_from_dict({"ingest": {"format": "warc"}})
    rows = [{**core.reject_row(r), "source_file": "dolma/sample-0000.warc.gz"}  # as given, wherever the data is
            for r in read_file(str(path), str(path.parent), cfg.ingest) if isinstance(r, Reject)]
    assert len(rows) == 26
    a = _write_in_batches(rows, "rejects", cfg.output, 3, tmp_path / "a", seed=5)
    b = _write_in_batches(rows, "rejects", cfg.output, 3, tmp_path / "b", seed=6)
    assert a == b and {k: n for k, (n, _) in a.items()} == {
        "/rejects/part-00000-of-00003.parquet": 7, "/rejects/part-00001-of-00003.parquet": 8, "/rejects/part-00002-of-00003.parquet": 11}
    key = ("source_file", "source_record", "byte_offset", "stage", "reason", "detail")
    for shard in range(3):
        got = pq.read_table(tmp_path / "a" / "rejects" / f"part-{shard:05d}-of-00003.parquet").to_pylist()
        want = [r for r in rows if core.shard_of(f"{r['source_file']}\x00{r['source_record']}", 3) == shard]
        assert got == sorted(want, key=lambda r: tuple(r[c] for c in key))


def test_articles_split_by_month_partition(tmp_path):
    monthly = config_from_dict({"output": {"partition_by": "month"}}).output
    art = Article("x", None, None, "t", None, None, None, ("kept body",), "utf-8", "f.jsonl", 0)
    decisions = [ParagraphDecision("x", 0, "t", "title"), ParagraphDecision("x", 1, "kept body", "kept")]
    (template,) = core.article_batches([(art, decisions, None)])[0].to_pylist()
    when = [datetime(1987, 3, 9, 23, 59, tzinfo=timezone.utc), datetime(1987, 2, 28, tzinfo=timezone.utc),
            datetime(2026, 11, 1, tzinfo=timezone.utc), None, datetime(1987, 3, 1, tzinfo=timezone.utc)]
    rows = [{**template, "article_id": f"id{i}", "published": w} for i, w in enumerate(when)]
    written = _write_in_batches(rows, "articles", monthly, 1, tmp_path, seed=4)
    assert {k: n for k, (n, _) in written.items()} == {
        "/articles/published_month=1987-03/part-00000-of-00001.parquet": 2,
        "/articles/published_month=1987-02/part-00000-of-00001.parquet": 1,
        "/articles/published_month=2026-11/part-00000-of-00001.parquet": 1,
        "/articles/published_month=unknown/part-00000-of-00001.parquet": 1}
    march = pq.read_table(tmp_path / "articles" / "published_month=1987-03").column("article_id").to_pylist()
    assert march == ["id0", "id4"]


def test_article_batches_build_article_and_paragraph_rows():
    first = Article("A1", "https://example.com/1", "example.com", "Rates rise", 541_728_000_000_000, "en", None,
                    ("Rates rose on Tuesday.", "Rates rose on Tuesday.", "Subscribe now"), "utf-8", "f.jsonl", 7,
                    language_source="input")
    ds = [ParagraphDecision("A1", 0, "Rates rise", "title"), ParagraphDecision("A1", 1, "Rates rose on Tuesday.", "kept"),
          ParagraphDecision("A1", 2, "Rates rose on Tuesday.", "duplicate_within", "exact", "c1", "A1/1", 1.0),
          ParagraphDecision("A1", 3, "Subscribe now", "kept"), ParagraphDecision("A1", 4, "Oil fell.", "kept")]
    copy = Article("B2", None, "other.org", "Rates rise", None, None, "Ann Author", ("Rates rose on Tuesday.",), "latin-1", "g.jsonl", 0)
    copy_ds = [ParagraphDecision("B2", 0, "Rates rise", "title"),
               ParagraphDecision("B2", 1, "Rates rose on Tuesday.", "duplicate_article", "duplicate_article", "c1", "A1/1", 1.0)]
    articles, paragraphs = core.article_batches([(first, ds, None), (copy, copy_ds, "A1")])
    (row,) = articles.to_pylist()  # B2 keeps no body paragraph: no article row
    assert row["text"] == "Rates rose on Tuesday.\n\nSubscribe now\n\nOil fell."
    assert (row["paragraphs_total"], row["paragraphs_kept"], row["source_record"]) == (3, 3, 7)
    assert row["published"] == datetime(1987, 3, 3, tzinfo=timezone.utc) and row["language_source"] == "input"
    rows = paragraphs.to_pylist()
    assert [r["paragraph_id"] for r in rows] == ["A1/0", "A1/1", "A1/2", "A1/3", "A1/4", "B2/0", "B2/1"]
    assert [r["domain"] for r in rows] == ["example.com"] * 5 + ["other.org"] * 2
    assert [r["duplicate_of_article"] for r in rows] == [None] * 5 + ["A1"] * 2
    assert rows[2]["similarity"] == 1.0 and rows[2]["duplicate_of"] == "A1/1" and rows[6]["status"] == "duplicate_article"
    assert core.article_rows(copy, copy_ds, "A1") == (None, rows[5:])


def test_write_tables_writes_every_table_in_one_step_like_the_core_writer(tmp_path):
    """WriteTables (Beam): several tables through one GroupByKey and one writer step; each file is
    byte-identical to the pure writer's, rows-as-dicts and record-batch inputs alike."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.write.transforms import WriteTables

    cfg = config_from_dict({"output": {"shards": 2}}).output
    rows = _paragraph_rows()
    tally = [{"kind": "records", "key": "f", "count": 40}]
    with beam.Pipeline(runner=FnApiRunner()) as p:
        tables = {"paragraphs": p | "P" >> beam.Create([core.rows_payload(rows[:15], "paragraphs"), core.rows_payload(rows[15:], "paragraphs")]),
                  "_tally": p | "T" >> beam.Create(tally)}
        _ = tables | WriteTables(str(tmp_path / "beam"), cfg, batched=["paragraphs"], shards={"_tally": 1},
                                       spill_dir=str(tmp_path / "spill"))
        stages = sorted(label for label in p.applied_labels if label.endswith(("GroupByShard", "WriteShard")))

        class FlattenInputs(beam.pipeline.PipelineVisitor):
            producers = []

            def visit_transform(self, node):
                if node.full_label == "WriteTables/AllTables":
                    self.producers += sorted(pc.producer.full_label for pc in node.inputs)

        p.visit(FlattenInputs())
    assert stages == ["WriteTables/GroupByShard", "WriteTables/WriteShard"]
    # The Flatten is a stage of its own on the local runner: it must get spill paths, not the rows
    # (a 50 MB run's peak RSS doubled when the payloads were spilled after it).
    assert FlattenInputs.producers == ["WriteTables/SpillPayloads[_tally]", "WriteTables/SpillPayloads[paragraphs]"]
    assert _write_in_batches(rows, "paragraphs", cfg, 2, tmp_path / "pure", seed=4) == {
        f"/paragraphs/part-{s:05d}-of-00002.parquet": (n, (tmp_path / "beam" / "paragraphs" / f"part-{s:05d}-of-00002.parquet").read_bytes())
        for s, n in ((s, pq.read_metadata(tmp_path / "beam" / "paragraphs" / f"part-{s:05d}-of-00002.parquet").num_rows) for s in (0, 1))}
    assert pq.read_table(tmp_path / "beam" / "_tally" / "part-00000-of-00001.parquet").to_pylist() == tally


def test_every_promised_shard_file_exists_empty_ones_with_the_schema(tmp_path):
    """Trial 10: with ``output.shards: 3`` a shard no row went to was not written, so
    ``part-00001-of-00003`` named files that did not exist."""
    cfg = config_from_dict({"output": {"shards": 3}}).output
    rows = [r for r in _paragraph_rows() if core.shard_of(r["article_id"], 3) != 1]  # nothing for shard 1
    written = _write_in_batches(rows, "paragraphs", cfg, 3, tmp_path, seed=7)
    assert sorted(written) == ["/paragraphs/part-00000-of-00003.parquet", "/paragraphs/part-00002-of-00003.parquet"]
    monthly = config_from_dict({"output": {"partition_by": "month"}}).output
    core.write_shard(str(tmp_path), "articles", 2, 3, [], monthly, "published_month=unknown")  # partitioned: left as is
    core.ensure_tables(str(tmp_path), cfg, 3)
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.parquet"))
    assert names == ["_tally/part-00000-of-00001.parquet", "articles/published_month=unknown/part-00002-of-00003.parquet"] + [
        f"{t}/part-0000{s}-of-00003.parquet" for t in ("index", "paragraphs", "rejects") for s in range(3)]
    empty = pq.read_table(tmp_path / "paragraphs" / "part-00001-of-00003.parquet")
    assert empty.num_rows == 0 and empty.schema == core.TABLES["paragraphs"][0]
    assert pq.read_table(tmp_path / "paragraphs").num_rows == len(rows)
