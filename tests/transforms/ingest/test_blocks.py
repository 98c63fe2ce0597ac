"""Tables and code blocks as one paragraph (trial 11: within-article dedup dropped later tables'
header rows and most lines of a code listing, one paragraph a line); <pre> and escaped HTML in
text fields."""
from __future__ import annotations

import gzip

from transforms.ingest import blocks
from transforms.ingest.core import split_blocks, split_paragraphs
from transforms.ingest.html import page_to_article

BLANK_LINE = "\n\\s*\n"
BROWNS = "6a72de37e8f98f4eee6c0821e593b35ce536cef6c8b424c5e1dd747ebe6621ba"  # snap counts, four tables
HEADER = "| Pos | Player | Plays | % | Stats |\n|---|---|---|---|---|"


def _page(path):
    return page_to_article(gzip.open(path).read(), content_type=None, url=None, source_file=str(path),
                           rel_path=path.name, record=0, favor="precision")


def test_tables_of_a_real_page_are_one_paragraph_each(data):
    article = _page(data / "scrapinghub-article-extraction-benchmark" / "html" / f"{BROWNS}.html.gz")
    assert article.blocks == (2, 7, 14, 20)
    tables = [article.paragraphs[i] for i in article.blocks]
    assert all(t.startswith(HEADER + "\n") for t in tables)  # every table keeps its own header rows
    assert [t.count("\n") + 1 for t in tables] == [10, 6, 7, 7]
    assert "| LB | Joe Schobert | 74 | 100% |" in tables[1]
    # nothing else changes: the paragraphs' lines are trafilatura's text lines, in order
    assert len(article.paragraphs) == 23 and sum(p.count("\n") + 1 for p in article.paragraphs) == 19 + 30


def test_code_block_of_a_real_page_is_one_paragraph_with_its_indentation(data):
    article = _page(data / "mozilla-readability-news-pages" / "ars-1" / "source.html.gz")
    assert article.blocks == (5,)
    code = article.paragraphs[5].split("\n")
    assert len(code) == 26 and code[:3] == ["rekt: {", "    list: [", "        list: ["] and code[-1] == "}"
    assert article.paragraphs[4].endswith("This is a json representation of what it looks like.")


def test_group_lines_falls_back_to_one_line_a_paragraph():
    lines = ["Intro.", "| a | b |", "|---|---|", "| 1 | 2 |", "After."]
    assert blocks.group_lines(lines, ["| a | b |\n|---|---|\n| 1 | 2 |"]) == (
        ("Intro.", "| a | b |\n|---|---|\n| 1 | 2 |", "After."), (1,))
    assert blocks.group_lines(lines, ["| x | y |\n| 3 | 4 |"]) == (tuple(lines), ())  # not found: as before
    code = "if x:\n    y()\n\n    z()"
    assert blocks.group_lines(["A.", "if x:", "y()", "z()"], [code]) == (("A.", "if x:\n    y()\n    z()"), (1,))


def test_pre_in_a_text_field_is_one_paragraph_with_line_breaks():
    """Trial 11: a <pre> split by a blank line gave "<pre>code line 1 indented line 2" and
    "code after blank lines</pre>"."""
    text = ('<p>Intro &amp; more.</p>\n<pre class="x">\ncode line 1\n    indented &lt;line&gt; 2<br>\n\n'
            '<b>code</b> after blank lines</pre>\n<p>After.</p>')
    assert split_blocks(text, BLANK_LINE) == (
        ("Intro &amp; more.", "code line 1\n    indented <line> 2\n\n\ncode after blank lines", "After."), (1,))
    assert blocks.pre_text("") == "" and split_blocks("<p>A.</p><pre> </pre>", BLANK_LINE) == (("A.",), ())
    assert split_blocks("No markup.\n\nTwo.", BLANK_LINE) == (("No markup.", "Two."), ())


def test_escaped_html_paragraphs_are_split():
    """Trial 11: entity-escaped <p> paragraphs were joined into one."""
    text = "&lt;p&gt;First escaped paragraph with words.&lt;/p&gt;&lt;p&gt;Second escaped paragraph with words.&lt;/p&gt;"
    assert split_paragraphs(text, BLANK_LINE) == ("First escaped paragraph with words.", "Second escaped paragraph with words.")
    assert split_paragraphs("Line one.&lt;br&gt;Line two.&lt;br&gt;Three.", "\n") == ("Line one.", "Line two.", "Three.")
    # an entity in prose, or escaped markup beside real markup, is left for cleaning to decode
    assert split_paragraphs("if a &lt; b then &lt;/p&gt; is a tag", BLANK_LINE) == ("if a &lt; b then &lt;/p&gt; is a tag",)
    assert split_paragraphs("<p>Real.</p><p>Shown: &lt;/p&gt;</p>", BLANK_LINE) == ("Real.", "Shown: &lt;/p&gt;")


def test_table_in_a_text_field_is_one_paragraph_of_rows():
    """A <table> in a text field was one paragraph a row (its </tr> ended a paragraph): now one
    paragraph, rows as trafilatura writes a web page's tables, cells' tags gone and entities
    decoded, a "|" in a cell escaped, rows without text left out."""
    text = ('<p>Snap counts:</p>\n<table class="t"><tr><th>Pos</th><th>Player</th></tr>\n\n'
            '<tr><td>LB</td><td><a href="/x">Joe Schobert</a> &amp; co | 2</td></tr><tr><td> </td></tr></table>\n'
            '<p>After.</p>')
    assert split_blocks(text, BLANK_LINE) == (
        ("Snap counts:", "| Pos | Player |\n|---|---|\n| LB | Joe Schobert & co \\| 2 |", "After."), (1,))
    assert blocks.table_text("<table><tr><td></td></tr></table>") == ""
    assert split_blocks("<p>A.</p><table></table><p>B.</p>", BLANK_LINE) == (("A.", "B."), ())
