"""Words hyphenated at a hard line wrap: joined with their hyphen, never across a paragraph break."""
from __future__ import annotations

import re

from pipelines.config import config_from_dict
from transforms.clean.core import clean_paragraph
from transforms.clean.wraps import join_wrapped_hyphens
from transforms.ingest import core, reuters
from transforms.records import Article


def test_join_wrapped_hyphens_rules():
    assert [clean_paragraph(t) for t in (
        "the percent-\nage rose", "state-\r\n  owned", "1985-\n86", "U.S.-\nbased", "extra\u00ad\nordinary",
        "word --\nnext", "word -\nnext", "medium-\nand long-term", "end-\n(x)", "percent-\n\nage")] == [
        "the percent-age rose", "state-owned", "1985-86", "U.S.-based", "extraordinary",
        "word -- next", "word - next", "medium- and long-term", "end- (x)", "percent- age"]
    assert join_wrapped_hyphens("no wrap-here") == "no wrap-here"


def test_a_text_file_paragraph_is_joined_but_not_across_its_blank_line(tmp_path):
    """The trial's case: a text input wrapped inside a paragraph ("percent-\\nage") gave
    "percent- age"; a hyphen that ends a paragraph stays where it is."""
    (tmp_path / "a.txt").write_text("Title\n\nThe share of voters in per-\ncent-\nage terms rose-\n\nnew paragraph.\n", encoding="utf-8")
    [article] = list(core.read_file(str(tmp_path / "a.txt"), str(tmp_path), config_from_dict({}).ingest))
    assert isinstance(article, Article)
    assert [clean_paragraph(p) for p in article.paragraphs] == ["The share of voters in per-cent-age terms rose-", "new paragraph."]


def test_reuters_bodies_join_hyphenated_line_ends(data):
    """Reuters-21578 wraps its bodies at ~70 characters: 53 of 145,122 titles and paragraphs (52 of 19,043
    stories) joined a hyphenated word with a space before (e.g. NEWID79 "English- language"); 5
    suspended hyphens ("medium- and") stay. An indented line after a hyphen is a new paragraph."""
    path = data / "reuters-21578" / "reut2-000.sgm.gz"
    stories = {a.article_id: a for a in core.read_file(str(path), str(path.parent), config_from_dict({}).ingest) if isinstance(a, Article)}
    assert "its second English-language paper and its sixth daily newspaper" in stories["NEWID79"].paragraphs[4]
    spaced = [m for a in stories.values() for p in a.paragraphs for m in re.findall(r"\S*\w- \S+", p)]
    assert spaced == ["over-the-counter- trading", "Fat- and", "fat- and"]  # the first is on one line in the source
    assert reuters.body_paragraphs("    ST.CHRISTOPHER-\n NEVIS  nil\n    rose by end-\nJanuary, medium-\nand long-term") == [
        "ST.CHRISTOPHER-", "NEVIS nil", "rose by end-January, medium- and long-term"]
