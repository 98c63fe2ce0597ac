"""Merging within- and across-article decisions (core.assemble) and the decision wire format."""
from __future__ import annotations

from pipelines.config import config_from_dict
from transforms.dedup import core
from transforms.records import Article, ParagraphDecision

ARTICLE = Article("a1", None, "site.example", "Headline", None, None, None,
                  ("First body paragraph.", "Second body paragraph.", "Third body paragraph."), "utf-8", "f", 0)


def test_decisions_from_wire_puts_the_ids_and_texts_back():
    wire = ((0, "title", None, None, None, None, None), (2, "duplicate_within", "exact", None, "a1/1", 1.0, None))
    got = core.decisions_from_wire(ARTICLE, wire)
    assert got == [ParagraphDecision("a1", 0, "Headline", "title"),
                   ParagraphDecision("a1", 2, "Second body paragraph.", "duplicate_within", "exact", duplicate_of="a1/1", similarity=1.0)]
    assert got[1].text == "Second body paragraph." and got[1].duplicate_of_release is None
    assert core.decisions_to_wire(got) == wire


def test_assemble_takes_within_decisions_as_records_or_wire_tuples_alike():
    cfg = config_from_dict({"dedup": {"whole_article_action": "drop", "whole_article_min_kept_share": 0.5, "min_words_across": 0}}).dedup
    within = core.decisions_from_wire(ARTICLE, ((0, "title", None, None, None, None, None),))
    across = [(1, "duplicate_across", "near", "c1", "b9/1", 0.9), (2, "duplicate_across", "exact", "c2", "b9/2", 1.0),
              (3, "kept", None, None, None, None)]
    as_records = core.assemble(ARTICLE, within, across, cfg)
    as_wire = core.assemble(ARTICLE, core.decisions_to_wire(within), across, cfg)
    assert as_records == as_wire
    decisions, dup_article = as_records
    # 1 of 3 content paragraphs kept (< half): the article is a copy of b9, the survivor dropped with it
    assert dup_article == "b9"
    assert [(d.index, d.status, d.reason) for d in decisions] == [
        (0, "title", None), (1, "duplicate_across", "near"), (2, "duplicate_across", "exact"),
        (3, "duplicate_article", "whole_article_duplicate")]


def test_assemble_takes_across_decisions_with_or_without_the_release_field():
    """Across-article decisions come as 7-tuples from the pipeline (duplicate_of_release last)
    or as 6-tuples; both give the same records, and an exact article copy turns kept paragraphs
    (only those) into exact_article duplicates."""
    cfg = config_from_dict({"dedup": {"min_words_across": 0}}).dedup  # short texts: the rule of short lines off
    within = ((0, "title", None, None, None, None, None),)
    six = [(1, "kept", None, None, None, None), (2, "boilerplate", "site_template", "c2", None, None),
           (3, "kept", None, "c3", None, None)]
    seven = [d + (None,) for d in six]
    copy = {1: ("b9/1", 1.0), 2: ("b9/2", 1.0)}
    for exact_copy in (None, copy):
        assert core.assemble(ARTICLE, within, six, cfg, exact_copy) == core.assemble(ARTICLE, within, seven, cfg, exact_copy)
    decisions, dup_article = core.assemble(ARTICLE, within, seven, cfg, copy)
    assert [(d.index, d.status, d.reason, d.duplicate_of) for d in decisions] == [
        (0, "title", None, None), (1, "duplicate_across", "exact_article", "b9/1"), (2, "boilerplate", "site_template", None),
        (3, "kept", None, None)]
    assert dup_article is None  # 1 of 3 content paragraphs kept: not below the default share (0.2)
    released = core.assemble(ARTICLE, within, [(1, "duplicate_across", "near", "c1", "r/1", 0.9, "rel1")], cfg)[0]
    assert released[1].duplicate_of_release == "rel1" and released[1].similarity == 0.9
