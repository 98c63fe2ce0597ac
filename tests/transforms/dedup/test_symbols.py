"""Paragraphs without letters or digits (``* * *``, ``—``, emoji, table rules): exact dedup on
:func:`core.symbol_form` within and across articles, as site template, through the release
index, and in the streaming path; real Reuters-21578 tables ("- - - -" rows) and synthetic lines."""
from __future__ import annotations

import json

import pytest

from pipelines.config import config_from_dict
from tests.conftest import read, run_newsetl
from transforms.dedup import batch, core, exact
from transforms.dedup import streaming_core as sc
from transforms.records import (
    BOILERPLATE, DUPLICATE_ACROSS, DUPLICATE_ARTICLE, DUPLICATE_WITHIN, KEPT, TITLE, Article, ParagraphDecision,
)

CONFIG = config_from_dict({})
CFG = CONFIG.dedup
TEXT = ("The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
        "citing persistent inflation in services and a tight labour market.")


@pytest.mark.parametrize("text, form", [
    ("* * *", "* * *"), (" *  *\t* ", "* * *"), ("***", "***"), ("—", "—"), ("• • •", "• • •"),
    ("👍 👎", "👍 👎"), ("| --- | --- |", "| --- | --- |"), (">>>", ">>>"), ("\u200b", "\u200b"),
    ("＊＊＊", "***"),  # NFKC, as the matching form: full-width asterisks are asterisks
    ("•\xa0•\u2003•", "• • •"),  # any white space collapses to one space
    ("™", ""), ("①", ""),  # NFKC makes them letters and digits: matching form "tm", "1"
    ("LONDON (Reuters) -", ""),  # a bare dateline has letters (its matching form is empty)
    ("Shr 1.22 dlrs", ""), ("   ", ""), ("", ""),
])
def test_symbol_form(text, form):
    assert core.symbol_form(text) == form


def test_paragraph_key_of_text_and_symbol_lines():
    assert core.paragraph_key(TEXT) == (core.matching_form(TEXT), core.exact_key(core.matching_form(TEXT)))
    assert core.paragraph_key("* * *") == ("", core.exact_key("* * *"))
    assert core.paragraph_key("*  * *") == core.paragraph_key("* * *") != core.paragraph_key("***")
    assert core.paragraph_key("AP --") == ("", core.exact_key(""))  # a bare dateline: what it always was


def _article(aid, *paragraphs, domain="reuters", published_us=None):
    return Article(aid, None, domain, f"Story {aid}", published_us, None, None, tuple(paragraphs), "utf-8", "f", 0)


def _assemble(article, across, **cfg):
    within, _ = core.dedup_within(article, CONFIG.clean, CFG)
    return core.assemble(article, within, across, CFG.model_copy(update=cfg))


def test_whole_article_rule_counts_symbol_lines_as_kept_whatever_their_decision():
    # Five text paragraphs dropped across, one symbol line dropped across: 1 of 6 "kept" as
    # before (< 20%), so a whole-article duplicate of the article holding the dropped text.
    texts = [f"{TEXT} Paragraph {k}." for k in range(5)]
    article = _article("x", *texts, "= " * 500)  # more characters than the five text paragraphs
    across = [(k + 1, DUPLICATE_ACROSS, "near", "o/1", f"o/{k + 1}", 0.9) for k in range(5)]
    across.append((6, DUPLICATE_ACROSS, "exact", "s/1", "s/1", 1.0))
    decisions, dup = _assemble(article, across)
    assert dup == "o" and decisions[6].status == DUPLICATE_ACROSS  # the symbol line weighs no text
    decisions, dup = _assemble(article, across, whole_article_action="drop")
    assert dup == "o" and [d.status for d in decisions[1:]] == [DUPLICATE_ACROSS] * 6
    # The symbol line is the only paragraph dropped across: not a whole-article duplicate (it
    # was kept before), although 1 kept of 3 content paragraphs is under the share.
    article = _article("y", TEXT, TEXT, "* * *")
    across = [(1, KEPT, None, None, None, None), (3, DUPLICATE_ACROSS, "exact", "s/1", "s/1", 1.0)]
    decisions, dup = _assemble(article, across, whole_article_min_kept_share=0.5)  # 1 < 0.5 * 3, 2 is not
    assert dup is None and [d.status for d in decisions] == [TITLE, KEPT, DUPLICATE_WITHIN, DUPLICATE_ACROSS]
    decisions, dup = _assemble(_article("z", "* * *", "— —"), [(1, KEPT, None, None, None, None),
                                                             (2, DUPLICATE_ACROSS, "exact", "s/2", "s/2", 1.0)],
                               whole_article_action="drop", whole_article_min_kept_share=0.6)
    assert dup is None and decisions[1].status == KEPT


def test_streaming_and_batch_decide_symbol_lines_alike():
    """Across articles: batch exact groups (exact.member_decisions) and streaming buckets
    (streaming_core) both make the later copy of a symbol line an exact duplicate of the first."""
    articles = [_article("a", TEXT, "• • •", published_us=1), _article("b", "Other words here today.", "•  • •", "— —", published_us=2)]
    results = batch.dedup_within_batch(articles, CONFIG.clean, CFG)
    ranks = [core.order_rank(a, CFG.keep_order, CFG.source_priority) for a in articles]
    pendings = [p for _, p in results]
    # batch
    across = {}
    for _, payload in exact.pending_rows("b1", articles, pendings, ranks, 4):
        for aid, decision in exact.member_decisions(exact.build_groups([payload]), {}, {}, CFG, tail=(None,))["b1"]:
            across[f"{aid}/{decision[0]}"] = decision[1:5]
    # streaming: every candidate's bucket entries through one decide_bucket call per bucket
    cands = core.with_band_keys([c for cs in batch.candidates(articles, pendings, ranks, None) for c in cs], CFG)
    buckets = {}
    for c in cands:
        for key, item in sc.bucket_entries(c, (1 if c.article_id == "a" else 2) * 1_000_000):
            buckets.setdefault(key, []).append(item)
    verdicts = {}
    for items in buckets.values():
        for v in sc.decide_bucket(items, [], 2_000_000, CFG, 10**12)[0]:
            verdicts.setdefault(v.pid, []).append(v)
    streamed = {pid: sc.merge_verdicts(pid, vs)[1][1:] for pid, vs in verdicts.items()}
    assert across["b/2"] == (DUPLICATE_ACROSS, "exact", "a/2", "a/2")
    assert streamed["b/2"] == (DUPLICATE_ACROSS, "exact", None, "a/2", 1.0)
    assert across["b/3"][0] == streamed["b/3"][0] == across["a/2"][0] == streamed["a/2"][0] == KEPT
    assert [c.shingles for c in cands if c.index == 2] == [b"", b""]  # symbol lines: exact path only


@pytest.fixture(scope="module")
def reuters_runs(tmp_path_factory):
    """Real Reuters-21578 tables whose rows are separated by "- - - -", "----" and "---" lines
    (reut2-013: a release; reut2-014/015: a later run against it), plus twelve synthetic pages
    of one site that all end in the same symbol line (a site template)."""
    from benchmarks.reuters import read_sgm
    from tests.conftest import data_dir

    wanted = {"NEWID13692", "NEWID13722", "NEWID13730", "NEWID13850", "NEWID13851", "NEWID13855",
              "NEWID14419", "NEWID14748", "NEWID15193"}
    stories = {s["id"]: s for n in (13, 14, 15)
               for s in read_sgm(data_dir() / "reuters-21578" / f"reut2-{n:03d}.sgm.gz") if s["id"] in wanted}
    assert set(stories) == wanted
    site = [{"id": f"site{k}", "title": f"Local news {k}", "domain": "site.example", "published": "2020-01-01T00:00:00Z",
             "text": f"{TEXT} Item number {k} of the day.\n\n{'Council meeting ' * (k + 1)}adjourned.\n\n◆ ◆ ◆"}
            for k in range(12)]
    root = tmp_path_factory.mktemp("symbols")
    first = [stories[i] for i in sorted(wanted) if i < "NEWID14"] + site
    later = [stories[i] for i in sorted(wanted) if i > "NEWID14"]
    for name, records in (("first.jsonl", first), ("later.jsonl", later)):
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert run_newsetl("run", "--input", root / "first.jsonl", "--output", root / "release") == 0
    assert run_newsetl("run", "--input", root / "later.jsonl", "--output", root / "later",
                       "--dedup-against", root / "release") == 0
    paras = {name: {r["paragraph_id"]: r for r in read(root / name, "paragraphs")} for name in ("release", "later")}
    return root, paras


def _decision(row):
    return row["status"], row["reason"], row["duplicate_of"]


def test_real_table_rules_are_exact_duplicates_within_and_across_articles(reuters_runs):
    _, paras = reuters_runs
    rows = paras["release"]
    # NEWID13692: a table with a "- - - -" line between its 11 rows: the first is kept, the others repeat it
    rules = [r for r in rows.values() if r["article_id"] == "NEWID13692" and r["text"] == "- - - -"]
    assert len(rules) == 11 and _decision(rows["NEWID13692/2"]) == (KEPT, None, None)
    assert {_decision(r) for r in rules} - {(KEPT, None, None)} == {(DUPLICATE_WITHIN, "exact", "NEWID13692/2")}
    # "----" under the heading of three more tables is one exact group across articles; "-----" differs
    assert [_decision(rows[f"NEWID{n}/3"]) for n in (13850, 13851, 13855)] == [(DUPLICATE_ACROSS, "exact", "NEWID13722/2")] * 3
    assert (rows["NEWID13722/2"]["status"], rows["NEWID13722/2"]["cluster_id"]) == (KEPT, "NEWID13722/2")
    assert (rows["NEWID13730/2"]["text"], _decision(rows["NEWID13730/2"])) == ("-----", (KEPT, None, None))
    # the text paragraphs of those articles are decided as before (no whole-article flag from a rule line)
    assert all(r["duplicate_of_article"] is None for r in rows.values() if r["article_id"].startswith("NEWID"))


def test_a_symbol_line_on_every_page_of_a_site_is_site_template(reuters_runs):
    _, paras = reuters_runs
    rows = paras["release"]
    assert [_decision(rows[f"site{k}/3"]) for k in range(12)] == [(BOILERPLATE, "site_template", None)] * 12
    assert {rows[f"site{k}/3"]["cluster_id"] for k in range(12)} == {"site0/3"}
    assert all(rows[f"site{k}/1"]["status"] == KEPT for k in range(12))


def test_the_release_index_holds_symbol_lines_and_a_later_run_drops_their_copies(reuters_runs):
    root, paras = reuters_runs
    index = {r["paragraph_id"]: r for r in read(root / "release", "index")}
    assert {"NEWID13692/2", "NEWID13722/2", "NEWID13730/2"} <= set(index)
    assert "NEWID13692/4" not in index and "site0/3" not in index  # duplicates and boilerplate: not indexed
    assert (index["NEWID13692/2"]["form"], index["NEWID13692/2"]["exact_key"]) == ("", core.exact_key("- - - -"))
    release = json.loads((root / "release" / "report.json").read_text())["index"]["release"]
    later = paras["later"]
    # NEWID14419 repeats NEWID13692's table: its first rule line is a duplicate of the release's
    row = later["NEWID14419/2"]
    assert (*_decision(row), row["duplicate_of_release"]) == (DUPLICATE_ACROSS, "exact", "NEWID13692/2", release)
    assert _decision(later["NEWID14419/4"]) == (DUPLICATE_WITHIN, "exact", "NEWID14419/2")
    # "---" is new in the later run: one exact group across its two articles
    assert (_decision(later["NEWID14748/2"]), later["NEWID14748/2"]["cluster_id"]) == ((KEPT, None, None), "NEWID14748/2")
    assert _decision(later["NEWID15193/5"]) == (DUPLICATE_ACROSS, "exact", "NEWID14748/2")
    assert later["NEWID15193/5"]["duplicate_of_release"] is None


def test_index_rows_of_kept_symbol_lines_are_decided_by_the_article_rules():
    """duplicate_article (whole_article_action: drop) keeps a symbol line in the index, as text."""
    article = _article("d", TEXT, "* * *")
    decisions = [ParagraphDecision("d", 0, "Story d", TITLE), ParagraphDecision("d", 1, TEXT, DUPLICATE_ACROSS, "near", None, "o/1", 0.9),
                 ParagraphDecision("d", 2, "* * *", DUPLICATE_ARTICLE, "whole_article_duplicate")]
    from transforms.dedup import index

    rows = index.index_batch([(article, decisions, "o")], CFG).to_pylist()
    assert [(r["paragraph_id"], r["form"], r["exact_key"]) for r in rows] == [("d/2", "", core.exact_key("* * *"))]


def test_is_symbol_line_is_symbol_form_non_empty(data):
    from tests.transforms.dedup.test_batch import EDGE_TEXTS, SYMBOL_TEXTS, _bbc_articles

    texts = [t for a in _bbc_articles(data, 50) for t in (a.title, *a.paragraphs)] + EDGE_TEXTS + SYMBOL_TEXTS
    texts += ["* * *", "＊＊＊", "™", "\u200b", "👍 👎", "\t", "", "..."]
    assert [core.is_symbol_line(t) for t in texts] == [bool(core.symbol_form(t)) for t in texts]
    assert sum(map(core.is_symbol_line, texts)) == 15  # 4 edge texts, 6 symbol texts, 5 above
