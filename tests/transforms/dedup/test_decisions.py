"""Dedup decisions on small inputs, each with the right value (runs the whole pipeline)."""
from __future__ import annotations

import json
import unicodedata

import pytest

from tests.conftest import read, run_newsetl, write_config

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber bronze copper dune ember "
         "frost glade harbor island jungle kettle lantern meadow nectar orchard prairie quartz river saddle "
         "timber umber valley willow yarrow zephyr anchor beacon cinder drift").split()
assert len(set(WORDS)) == len(WORDS) == 55


def run(tmp_path, records, config=None):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    args = ["run", "--input", src, "--output", tmp_path / "out"]
    if config:
        args += ["--config", write_config(tmp_path, config)]
    assert run_newsetl(*args) == 0
    paras = {(r["article_id"], r["index"]): r for r in read(tmp_path / "out", "paragraphs")}
    arts = {r["article_id"]: r for r in read(tmp_path / "out", "articles")}
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    return paras, arts, report


def art(aid, *paragraphs, published=None, url=None, title=None):
    return {"id": aid, "title": title or f"Title {aid}", "text": "\n\n".join(paragraphs), "published": published, "url": url}


def test_numbers_and_scores_keep_paragraphs_apart(tmp_path):
    r1 = ("Arsenal beat Chelsea 2-1 at the Emirates on Saturday in a match that saw both sides create chances, "
          "with the home team scoring late after a long spell of pressure and the visitors left to rue missed "
          "opportunities in the first half of the game.")
    r2 = r1.replace("2-1", "3-0")
    paras, _, _ = run(tmp_path, [art("a", "Shr 1.22 dlrs vs 1.10 dlrs", r1), art("b", "Shr 0.95 dlrs vs 1.02 dlrs", r2)])
    assert [paras[(a, i)]["status"] for a in "ab" for i in (1, 2)] == ["kept"] * 4


def test_short_punctuation_nfc_and_empty(tmp_path):
    nfc = "Café owners in Zürich protested the new rules on Monday."
    nfd = unicodedata.normalize("NFD", nfc)
    paras, arts, report = run(tmp_path, [
        art("a", "***", "He resigned on Monday.", nfc, "&nbsp;", "---", "< /p>"),  # the seed's stray tag (a "<p> </p>" in
        # the text would be HTML markup since session 9: a paragraph break, not a paragraph)
        art("b", "***", "She won the vote.", nfd, "More text here that is unique to b."),
    ], "dedup: {min_words_across: 0}\n")  # "***" across articles: the exact-key path (default: test_short_lines.py)
    got = {k: (v["status"], v["duplicate_of"]) for k, v in paras.items()}
    # a punctuation-only line matches its exact copy only (no shingles): "***" twice, "---" once
    assert got[("a", 1)] == ("kept", None) and got[("b", 1)] == ("duplicate_across", "a/1")
    assert (paras[("b", 1)]["reason"], paras[("a", 1)]["cluster_id"]) == ("exact", "a/1") and got[("a", 5)] == ("kept", None)
    assert got[("a", 2)] == ("kept", None) and got[("b", 2)] == ("kept", None)
    assert got[("a", 3)] == ("kept", None)
    assert got[("b", 3)] == ("duplicate_across", "a/3")  # NFD copy is the same paragraph
    assert got[("a", 4)] == ("empty", None)
    assert paras[("a", 3)]["text"] == nfc and unicodedata.is_normalized("NFC", paras[("b", 3)]["text"])
    assert got[("a", 6)] == ("empty", None)
    assert report["paragraphs"]["by_status"]["empty"] == 2


def test_whole_article_rule_a_b_c(tmp_path):
    p = "The central bank raised its benchmark interest rate by a quarter point on Tuesday, citing inflation."
    x = "Analysts had expected the move after a run of strong labour market data earlier this month."
    y = "Shares in European banks rose on the news while government bond yields edged higher."
    paras, arts, _ = run(tmp_path, [art("c", p, published="2020-01-03"), art("b", p, y, published="2020-01-02"),
                                   art("a", p, x, published="2020-01-01")])
    assert paras[("a", 1)]["status"] == "kept"
    assert (paras[("b", 1)]["status"], paras[("b", 1)]["duplicate_of"]) == ("duplicate_across", "a/1")
    assert (paras[("c", 1)]["status"], paras[("c", 1)]["duplicate_of"]) == ("duplicate_across", "a/1")
    assert paras[("c", 1)]["duplicate_of_article"] == "a"
    assert set(arts) == {"a", "b"}  # c kept nothing; its fate is in paragraphs/
    assert arts["b"]["duplicate_of_article"] is None


def test_chain_does_not_drop_c_for_a(tmp_path):
    a = " ".join(WORDS[0:44])
    b = " ".join(WORDS[4:48])
    c = " ".join(WORDS[8:52])
    paras, _, _ = run(tmp_path, [art("1", a, published="2020-01-01"), art("2", b, published="2020-01-02"),
                                 art("3", c, published="2020-01-03")])
    assert paras[("1", 1)]["status"] == "kept"
    assert paras[("2", 1)]["status"] == "duplicate_across" and paras[("2", 1)]["duplicate_of"] == "1/1"
    assert paras[("2", 1)]["similarity"] == pytest.approx(36 / 44)
    assert paras[("3", 1)]["status"] == "kept"  # J(A,C) = 32/48 < 0.8; C is not dropped for A
    assert paras[("1", 1)]["cluster_id"] == paras[("3", 1)]["cluster_id"] == "1/1"


def test_boilerplate_one_domain_vs_syndication(tmp_path):
    footer = "Subscribe to the Daily Bugle print edition and get home delivery every morning of the week."
    wire = "The company said quarterly revenue rose eight percent to a record on strong demand in Asia and Europe."
    records = [art(f"s{i:02d}", f"Unique story number {i} about {WORDS[i]} and {WORDS[i + 1]} with enough words.", footer,
                   url=f"https://bugle.example/{i}") for i in range(12)]
    records += [art(f"w{i:02d}", wire, url=f"https://outlet{i}.example/x") for i in range(12)]
    paras, _, report = run(tmp_path, records)
    assert {paras[(f"s{i:02d}", 2)]["status"] for i in range(12)} == {"boilerplate"}
    assert all(paras[(f"s{i:02d}", 2)]["duplicate_of"] is None for i in range(12))
    assert paras[("w00", 1)]["status"] == "kept"
    assert {paras[(f"w{i:02d}", 1)]["duplicate_of"] for i in range(1, 12)} == {"w00/1"}
    assert report["paragraphs"]["by_status"]["boilerplate"] == 12


def test_site_template_keeps_the_copy_on_another_site(tmp_path):
    """A paragraph that is one site's template (12 of its 12 articles) but also appears on
    another site is not lost (trial 10): an exact group with a member elsewhere is resolved as
    duplicates (one copy kept, the earliest); in a near-duplicate component, the nodes that
    appear only on the template site are boilerplate and the other site's node is kept."""
    quote = "The original report first published by the Bravo Times found that regional water bills rose by a third."
    footer = ("Read more from the Daily Bugle newsroom, subscribe for home delivery every morning of the week, "
              "follow our reporters on the county beat, send us your tips and letters, and join the readers panel today.")
    edited = footer.replace("today.", "tonight.")  # Jaccard 33/35 with the footer (word 5-grams)
    records = [art("b1", "A Bravo story about water bills and how maintenance spending fell over the years.", quote,
                   url="https://bravo.example/1", published="2024-01-01"),
               art("c1", "A Cedar story on newspapers and home delivery in the county and its villages.", edited,
                   url="https://cedar.example/1", published="2024-01-01")]
    records += [art(f"s{i:02d}", f"Unique story number {i} about {WORDS[i]} and {WORDS[i + 1]} with enough words.",
                    quote, footer, url=f"https://bugle.example/{i}", published="2024-02-01") for i in range(12)]
    paras, _, report = run(tmp_path, records)
    assert paras[("b1", 2)]["status"] == "kept" and paras[("c1", 2)]["status"] == "kept"
    assert {(paras[(f"s{i:02d}", 2)]["status"], paras[(f"s{i:02d}", 2)]["duplicate_of"]) for i in range(12)} == {
        ("duplicate_across", "b1/2")}
    assert {(paras[(f"s{i:02d}", 3)]["status"], paras[(f"s{i:02d}", 3)]["cluster_id"]) for i in range(12)} == {
        ("boilerplate", "c1/2")}  # one near-duplicate component with c1's edited copy
    assert report["paragraphs"]["by_status"]["boilerplate"] == 12


def test_dateline_does_not_hide_syndicated_copy(tmp_path):
    body = "Oil prices climbed to their highest level in three months as traders bet on tighter supplies from producers."
    paras, _, _ = run(tmp_path, [art("a", body, url="https://one.example/1", published="2004-01-01"),
                                 art("b", "LONDON (Reuters) - " + body, url="https://two.example/2", published="2004-01-02")])
    assert (paras[("b", 1)]["status"], paras[("b", 1)]["duplicate_of"]) == ("duplicate_across", "a/1")


def test_headline_repeated_in_body_is_within_duplicate(tmp_path):
    paras, arts, _ = run(tmp_path, [art("a", "Big News Today In Town Hall Meeting", "Body text of the story goes here.",
                                        title="Big News Today In Town Hall Meeting")])
    assert (paras[("a", 1)]["status"], paras[("a", 1)]["duplicate_of"]) == ("duplicate_within", "a/0")
    assert arts["a"]["text"] == "Body text of the story goes here."


def test_chinese_uses_character_shingles(tmp_path):
    zh = ("国家统计局今天发布数据显示，今年前三季度国内生产总值同比增长百分之五点二，经济运行总体回升向好。"
          "专家表示，消费和投资的恢复是主要动力，但外部环境依然复杂严峻，需要继续加大宏观政策调节力度。")
    zh2 = zh.replace("今天", "昨天")  # one character: 5 of 86 character 5-grams change, J = 81/91
    other = "北京市今天举行新闻发布会，介绍城市副中心建设的最新进展和下一步工作安排。"
    paras, _, _ = run(tmp_path, [art("a", zh, published="2023-01-01"), art("b", zh2, published="2023-01-02"),
                                 art("c", other, published="2023-01-03")])
    assert (paras[("b", 1)]["status"], paras[("b", 1)]["duplicate_of"]) == ("duplicate_across", "a/1")
    assert paras[("c", 1)]["status"] == "kept"


@pytest.mark.parametrize("order, extra, winner", [
    ("earliest", "", "z"),
    ("longest", "", "a"),
    ("source_priority", "  source_priority: [two.example]\n", "a"),
])
def test_keep_order(tmp_path, order, extra, winner):
    p = "Officials confirmed the bridge will close for repairs next week, diverting traffic onto the ring road."
    loser = "a" if winner == "z" else "z"
    paras, _, _ = run(tmp_path, [
        art("z", p, url="https://one.example/z", published="2001-01-01"),
        art("a", p, "An extra paragraph that makes this the longer version of the story.", url="https://two.example/a",
            published="2001-01-02"),
    ], config=f"dedup:\n  keep_order: {order}\n{extra}")
    assert paras[(winner, 1)]["status"] == "kept"
    assert paras[(loser, 1)]["duplicate_of"] == f"{winner}/1"


def test_whole_article_drop_never_orphans_a_duplicate_of(tmp_path):
    """X is a whole-article duplicate of W but holds K, which later Y duplicates: K must stay."""
    body = [" ".join(WORDS[i:i + 12]) for i in range(0, 40, 8)]  # five distinct 12-word paragraphs
    k = "A fresh paragraph only the second article carries, about harbour cranes and late ferries tonight."
    z = "Nothing else in the corpus says anything like this sentence about quiet mountain villages."
    paras, arts, report = run(tmp_path, [art("w", *body, published="2020-01-01"),
                                         art("x", *body, k, published="2020-01-02"),
                                         art("y", k, z, published="2020-01-03")],
                              config="dedup:\n  whole_article_action: drop\n")
    assert [paras[("x", i)]["status"] for i in range(1, 6)] == ["duplicate_across"] * 5
    assert paras[("x", 6)]["status"] == "kept" and arts["x"]["duplicate_of_article"] == "w"
    assert (paras[("y", 1)]["status"], paras[("y", 1)]["duplicate_of"]) == ("duplicate_across", "x/6")
    targets = {p["duplicate_of"] for p in paras.values() if p["duplicate_of"]}
    assert all(paras[tuple([t.split("/")[0], int(t.split("/")[1])])]["status"] in ("kept", "title") for t in targets)


def test_whole_article_drop_marks_survivors_without_dependants(tmp_path):
    body = [" ".join(WORDS[i:i + 12]) for i in range(0, 40, 8)]
    k = "A fresh paragraph only the second article carries, about harbour cranes and late ferries tonight."
    paras, arts, _ = run(tmp_path, [art("w", *body, published="2020-01-01"), art("x", *body, k, published="2020-01-02")],
                         config="dedup:\n  whole_article_action: drop\n")
    assert (paras[("x", 6)]["status"], paras[("x", 6)]["reason"]) == ("duplicate_article", "whole_article_duplicate")
    assert set(arts) == {"w"}
