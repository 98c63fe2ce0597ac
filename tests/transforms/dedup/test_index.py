"""Pure functions of the release index (no Beam)."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.config import config_from_dict
from transforms.dedup import index
from transforms.records import Article, ParagraphDecision

CFG = config_from_dict({}).dedup
TEXT = ("The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
        "citing persistent inflation in services and a tight labour market.")


def _article(aid="a1", published_us=5):
    return Article(aid, None, "example.com", "A title", published_us, None, None, (TEXT, "Short one.", "***"), "utf-8", "f", 0)


def test_index_rows_match_the_candidates_dedup_used(tmp_path):
    from transforms.dedup import core

    article = _article()
    decisions = [ParagraphDecision("a1", 0, "A title", "title"), ParagraphDecision("a1", 1, TEXT, "kept"),
                 ParagraphDecision("a1", 2, "Short one.", "duplicate_across", "exact", None, "b/1", 1.0),
                 ParagraphDecision("a1", 3, "***", "kept", "no_matching_text")]
    rows = index.index_rows((article, decisions, None), CFG)
    assert [r["paragraph_id"] for r in rows] == ["a1/1"]  # title, duplicates, unmatchable lines: not indexed
    _, pending = core.dedup_within(article, config_from_dict({}).clean, CFG)
    (cand,) = [c for c in core.with_band_keys(core.make_candidates(article, pending, core.order_rank(article, "earliest", ()), CFG), CFG) if c.index == 1]
    assert len(rows[0]["band_keys"]) == 21 and json.loads(rows[0]["order_key"]) == [0, 5, "a1", 1]
    path = tmp_path / "index.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=index.INDEX_SCHEMA), path)
    (back,) = index.read_candidates(str(path), 3, CFG)  # through Parquet, as a later run reads it
    assert (back.exact_key, back.shingles, back.band_keys) == (cand.exact_key, cand.shingles, cand.band_keys)
    assert back.order == (float("-inf"), 3, 0, 5, "a1", 1) and back.article_id == index.release_article_id(3, "a1")


def test_exact_article_copies_stay_in_the_index():
    kept = ParagraphDecision("a1", 1, TEXT, "duplicate_across", "exact_article", None, "b/1", 0.9)
    near = ParagraphDecision("a1", 1, TEXT, "duplicate_across", "near", None, "b/1", 0.9)
    assert index.in_index(kept) and not index.in_index(near)


def test_release_ids_round_trip_and_decisions_are_routed():
    rid = index.release_article_id(1, "NEWID7")
    assert index.split_release_id(rid) == (1, "NEWID7") and index.split_release_id("NEWID7") == (None, "NEWID7")
    names = ("2026-01-01", "2026-01-02")
    new = ("x", (3, "duplicate_across", "near", f"{rid}/2", f"{rid}/2", 0.91))
    assert index.separate(new, names) == ("new", ("x", (3, "duplicate_across", "near", "NEWID7/2", "NEWID7/2", 0.91, "2026-01-02")))
    assert index.separate((rid, (2, "kept", None, f"{rid}/2", None, None)), names) is None
    assert index.separate((rid, (2, "boilerplate", "site_template", "y/1", None, None)), names) == (
        "boilerplate", ("2026-01-02", "NEWID7/2", "y/1"))
    own = ("x", (1, "kept", None, None, None, None))
    assert index.separate(own, names) == ("new", ("x", (1, "kept", None, None, None, None, None)))


def _release(tmp_path, params, success=True):
    rel = tmp_path / "rel"
    (rel / "index").mkdir(parents=True)
    (rel / "index" / "part-00000-of-00001.parquet").write_bytes(b"")
    (rel / "report.json").write_text(json.dumps({"index": {"release": "day-1", "params": params}}))
    if success:
        (rel / "_SUCCESS").write_text("{}")
    return rel


def test_check_release_names_what_differs(tmp_path):
    params = index.index_params(CFG)
    assert index.check_release(str(_release(tmp_path, params)), CFG) == "day-1"
    other = config_from_dict({"dedup": {"num_perm": 64, "bands": 10}}).dedup
    with pytest.raises(index.IndexMismatch, match=r"built with num_perm 128, this run uses 64 \(\+1 more\)"):
        index.check_release(str(tmp_path / "rel"), other)


def test_check_release_refuses_unfinished_and_old_releases(tmp_path):
    rel = _release(tmp_path, index.index_params(CFG), success=False)
    with pytest.raises(index.IndexMismatch, match="no _SUCCESS"):
        index.check_release(str(rel), CFG)
    (rel / "_SUCCESS").write_text("{}")
    (rel / "report.json").write_text("{}")
    with pytest.raises(index.IndexMismatch, match="has no paragraph index"):
        index.check_release(str(rel), CFG)
