"""Short lines that the site-template rule and within-article exact dedup used to drop as
repeats (real Reuters-21578 earnings stories): ``dedup.boilerplate_short_min_domain_share``
keeps the ``Year`` header of an earnings story's annual figures but drops the ``Reuter``
sign-off; ``dedup.min_words_within`` keeps a table row repeated in the year section
(``Avg shrs 13.9 mln vs 13.8 mln``) but not a body captured twice (the seed article)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.reuters import read_sgm
from pipelines.config import ConfigError, config_from_dict
from tests.conftest import data_dir
from transforms.dedup import batch, core, exact
from transforms.records import Article

ROOT = Path(__file__).resolve().parents[3]
CONFIG = config_from_dict({})
CFG = CONFIG.dedup


def _story(path: str, newid: str) -> Article:
    s = next(s for s in read_sgm(data_dir() / "reuters-21578" / path) if s["id"] == newid)
    return Article(s["id"], None, s["domain"], s["title"],
                   int(datetime.fromisoformat(s["published"].replace("Z", "+00:00")).timestamp() * 10**6),
                   None, None, tuple(s["text"].split("\n\n")), "utf-8", "f", 0)


def _decide(article: Article, across: dict[int, tuple], cfg=CFG):
    """Within-article decisions of the real story, then assemble with the given across-article
    decisions (index -> (status, reason, cluster_id, duplicate_of, similarity)); the others kept."""
    (within, pending), = batch.dedup_within_batch([article], CONFIG.clean, cfg)
    rows = [(i, *across.get(i, ("kept", None, None, None, None)), None) for i, *_ in pending]
    decisions, dup_article = core.assemble(article, within, rows, cfg)
    return {d.index: (d.text, d.status, d.reason, d.duplicate_of, d.similarity) for d in decisions}, dup_article


def test_defaults_and_validation():
    assert (CFG.boilerplate_short_min_domain_share, CFG.min_words_within) == (0.2, 10)
    with pytest.raises(ConfigError, match="boilerplate_short_min_domain_share"):
        config_from_dict({"dedup": {"boilerplate_short_min_domain_share": 1.5}})
    with pytest.raises(ConfigError, match="min_words_within"):
        config_from_dict({"dedup": {"min_words_within": -1}})


def test_a_template_decision_carries_its_domain_share():
    # reut2-001 run on its own: 930 stories of domain reuters; "Year" heads 52 annual sections,
    # the sign-off ("Reuter", "REUTER", "reuter": one matching form) ends 923 stories
    totals = {"reuters": 930}
    assert core.boilerplate_share((("reuters", 52),), totals, CFG) == pytest.approx(52 / 930)
    assert core.boilerplate_share((("reuters", 923), (None, 4)), totals, CFG) == pytest.approx(923 / 930)
    assert core.boilerplate_share((("reuters", 9),), {"reuters": 20}, CFG) is None  # < boilerplate_min_articles
    assert core.boilerplate_share((("reuters", 46),), totals, CFG) is None  # 4.9% < 5%
    node = core.GroupNode(b"k" * 16, (), "NEWID1001/5", b"", (("reuters", 52),))
    group = core.singleton_decision(node, 52, totals, CFG)
    assert (group.status, group.similarity) == ("boilerplate", round(52 / 930, 6))
    assert core.member_decision("NEWID1002", 5, node, group) == ("boilerplate", "site_template", "NEWID1001/5", None, 0.055914)


def test_year_header_is_kept_below_the_short_line_share_and_reuter_is_dropped(data):
    """Stop and Shop's fourth quarter and year (reut2-000, NEWID422), as a single-file run decides
    its template lines: "Year" on 5.6% of the stories, "Reuter" on 95%."""
    article = _story("reut2-000.sgm.gz", "NEWID422")
    assert article.paragraphs[4] == "Year" and article.paragraphs[11] == "Reuter"
    template = ("boilerplate", "site_template", "NEWID1/5", None, 0.0559)
    decided, dup_article = _decide(article, {5: template, 12: ("boilerplate", "site_template", "NEWID1/18", None, 0.95)})
    assert decided[5] == ("Year", "kept", None, None, None)
    assert decided[12] == ("Reuter", "boilerplate", "site_template", None, None)  # the share is not written
    assert dup_article is None
    # a template from the key's share on (at 0.05, the share test alone, it is the template it was)
    for share, status in ((0.05, "boilerplate"), (0.0559, "boilerplate"), (0.056, "kept"), (0.2, "kept")):
        cfg = CFG.model_copy(update={"boilerplate_short_min_domain_share": share})
        assert _decide(article, {5: template}, cfg)[0][5][1] == status, share
    # a line of min_words_across words or more is a template at 5% as before
    long_line = CFG.model_copy(update={"min_words_across": 1})
    assert _decide(article, {5: template}, long_line)[0][5][:2] == ("Year", "boilerplate")


def test_a_table_row_repeated_in_the_year_section_is_kept(data):
    article = _story("reut2-000.sgm.gz", "NEWID422")
    assert article.paragraphs[3] == article.paragraphs[8] == "Avg shrs 13.9 mln vs 13.8 mln"
    decided, _ = _decide(article, {})
    assert decided[9] == ("Avg shrs 13.9 mln vs 13.8 mln", "kept", "short_repeat", None, None)
    assert [i for i, d in decided.items() if d[1] == "duplicate_within"] == []
    # it follows its first occurrence: a copy when the first is a copy of another story's row
    decided, _ = _decide(article, {4: ("duplicate_across", "exact", "NEWID400/4", "NEWID400/4", 1.0)})
    assert decided[9][1:4] == ("duplicate_across", "exact", "NEWID400/4")
    off = CFG.model_copy(update={"min_words_within": 0})
    assert _decide(article, {}, off)[0][9][1:4] == ("duplicate_within", "exact", "NEWID422/4")


def test_a_repeated_run_and_a_thrice_repeated_line_are_still_duplicates(data):
    # the seed article: its body captured twice, a run of paragraphs, one clean copy comes out
    text = (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8")
    title, *body = [p.strip() for p in text.split("\n\n") if p.strip()]
    seed = Article("seed", None, "example.org", title, None, None, None, tuple(body), "utf-8", "f", 0)
    decided, _ = _decide(seed, {})
    assert [i for i, d in decided.items() if d[1] == "duplicate_within"] == list(range(29, 58))  # title + 28 paragraphs
    assert [decided[i][0] for i in (35, 46, 52)] == [  # short lines of the run (< 10 words): still duplicates
        "Mr. Guterres lists COVID-19, other challenges", "Global digital pacts", "UNODC Commemoration Day"]
    assert [d[0] for i, d in sorted(decided.items()) if d[1] == "kept"] == list(body[:28]) + list(body[57:])
    # NEWID105 (reut2-000): a quota table whose header rows repeat three times stay deduplicated
    article = _story("reut2-000.sgm.gz", "NEWID105")
    decided, _ = _decide(article, {})
    heads = [(i, d[1]) for i, d in decided.items() if d[0] == "IMPORTS ALLOCATIONS"]
    assert heads == [(3, "kept")] + [(i, "duplicate_within") for i in (12, 23, 33, 45)]


def test_a_story_of_coincidental_lines_is_no_whole_article_copy(data):
    """E-Systems' payout (reut2-001, NEWID1708), with the decisions a run over all of Reuters
    gives its lines: the 12-word dividend line is a near duplicate (J 0.875) of Maui Land's, the
    pay and record lines equal two other companies' (short: kept). One line in common with the
    article it would copy is no copy: the story is written (it was lost whole)."""
    article = _story("reut2-001.sgm.gz", "NEWID1708")
    assert article.paragraphs[:3] == ("Qtly div 12-1/2 cts vs 12-1/2 cts prior", "Pay April One", "Record March 13")
    across = {1: ("duplicate_across", "near", "NEWID1345/1", "NEWID1345/1", 0.875),
              2: ("duplicate_across", "exact", "NEWID71/2", "NEWID71/2", 1.0),
              3: ("duplicate_across", "exact", "NEWID36/3", "NEWID36/3", 1.0),
              4: ("boilerplate", "site_template", "NEWID1/18", None, 0.988)}
    decided, dup_article = _decide(article, across)
    assert dup_article is None
    assert [decided[i][1:3] for i in (1, 2, 3, 4)] == [
        ("duplicate_across", "near"), ("kept", None), ("kept", None), ("boilerplate", "site_template")]
    # the same lines all from one earlier story (a re-sent payout): a copy, the short lines go with it
    resent = {i: (s, r, "NEWID1345/1", f"NEWID1345/{i}", sim) for i, (s, r, _, _, sim) in across.items() if i < 4}
    decided, dup_article = _decide(article, {**resent, 4: across[4]})
    assert dup_article == "NEWID1345"
    assert [decided[i][1:4] for i in (1, 2, 3)] == [("duplicate_across", "near", "NEWID1345/1"),
                                                     ("duplicate_across", "exact", "NEWID1345/2"),
                                                     ("duplicate_across", "exact", "NEWID1345/3")]
