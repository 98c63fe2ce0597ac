"""Preformatted blocks (a table, a code block) kept as ONE paragraph with its line breaks (no Beam import).

A web page's table or ``<pre>`` block is a unit: its rows or lines mean something only
together (a second table's header row, a ``}`` of a code listing). Split one paragraph a line,
within-article dedup dropped the repeated header rows of later tables and most lines of a code
listing (trial 11), and the short lines met page-junk rules one by one. Most extraction
pipelines keep such a block as one text unit with its rows joined by newlines (trafilatura's
own XML output has one ``<table>``/``<code>`` element; Readability keeps the ``<table>``/``<pre>``
element whole); so does newsetl: the paragraph's position is listed in ``Article.blocks`` and
cleaning keeps its line breaks (:func:`transforms.clean.core.clean_block`).

Two sources:
- HTML pages (trafilatura): :func:`block_texts` renders each outermost ``<table>`` (GFM rows, as
  trafilatura's text output writes them) and each multi-line ``<code>`` of the extracted body;
  :func:`group_lines` finds each block's lines, in order, in the page's text lines and joins
  them. A block whose lines are not found as a run stays a line a paragraph (the old result):
  the flattened text is always trafilatura's text, only grouped.
- A text field holding HTML: a ``<pre>`` element's text (:func:`pre_text`: tags removed,
  entities decoded by lxml's HTML parser, line breaks and indentation as written), a
  ``<table>`` element's rows (:func:`table_text`, in trafilatura's row format).
"""
from __future__ import annotations

import copy
import re

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, stripped."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def block_texts(body) -> list[str]:
    """The preformatted blocks of trafilatura's extracted body, in document order.

    Args:
        body: ``Document.body`` of ``trafilatura.bare_extraction`` (an lxml element), or None.

    Returns:
        For each outermost ``table`` element, its rows as trafilatura's text output renders them
        (``| a | b |`` lines, a ``|---|`` line after a header row), and for each ``code`` element
        (outside tables) whose text spans at least two lines, that text as written (indentation
        kept, ``<lb>`` as a line break). Blocks of fewer than two non-blank lines are left out
        (a one-row table, an inline code span: ordinary text).
    """
    if body is None:
        return []
    from trafilatura.xml import xmltotxt

    out = []
    for element in body.iter("table", "code"):
        if any(a.tag in ("table", "code") for a in element.iterancestors()):
            continue  # inside an outer block: part of its text
        element = copy.deepcopy(element)
        element.tail = None  # the text after the block is not part of it
        if element.tag == "table":
            text = xmltotxt(element, include_formatting=False)
        else:
            for lb in element.iter("lb"):
                lb.text = "\n"
            text = "".join(element.itertext())
        text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
        if len(_lines(text)) >= 2:
            out.append(text)
    return out


def group_lines(lines: list[str], blocks: list[str]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Join each block's lines in ``lines`` into one paragraph.

    Args:
        lines: a page's text lines, stripped, none blank (one paragraph each until now).
        blocks: :func:`block_texts`, in document order.

    Returns:
        ``(paragraphs, positions)``: ``lines`` with each block's run of lines (its non-blank
        lines, stripped, found in order after the previous block) replaced by the block's text
        (blank lines dropped, each line's indentation kept); ``positions`` (ascending) of those
        paragraphs. A block whose run is not found is skipped (its lines stay one a
        paragraph). Joining the paragraphs' stripped lines always gives ``lines`` back.
    """
    paragraphs: list[str] = []
    positions: list[int] = []
    start = 0
    for block in blocks:
        want = _lines(block)
        at = _find_run(lines, want, start)
        if at < 0:
            continue
        paragraphs += lines[start:at]
        positions.append(len(paragraphs))
        paragraphs.append("\n".join(line for line in block.split("\n") if line.strip()))
        start = at + len(want)
    paragraphs += lines[start:]
    return tuple(paragraphs), tuple(positions)


def _find_run(lines: list[str], want: list[str], start: int) -> int:
    """The first index ``i >= start`` with ``lines[i:i + len(want)] == want``, else -1."""
    n = len(want)
    first = want[0]
    for i in range(start, len(lines) - n + 1):
        if lines[i] == first and lines[i:i + n] == want:
            return i
    return -1


def pre_text(inner_html: str) -> str:
    """The text a browser shows for the content of a ``<pre>`` element: tags removed, entities
    decoded (lxml's HTML parser), ``<br>`` as a line break, one line break right after ``<pre>``
    ignored (the HTML standard), trailing spaces and blank lines at either end removed; line
    breaks and indentation as written."""
    from lxml import etree, html

    source = _BR.sub("\n", inner_html)
    try:
        text = html.fragment_fromstring(source, create_parent="pre").text_content() if source.strip() else ""
    except (etree.ParserError, ValueError):  # nothing an HTML parser can read: the source as text
        text = source
    if text.startswith("\n"):
        text = text[1:]
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def table_text(table_html: str) -> str:
    """A ``<table>`` element's rows as trafilatura writes a web page's tables: one ``| a | b |``
    line a row (``<td>``/``<th>`` cells, each cell's text with white space collapsed, ``|`` in
    it escaped as ``\\|``), a ``|---|---|`` line after a row of header cells; rows without text
    left out; '' when no row has text (parsed by lxml's HTML parser; nested tables' rows count
    as rows of their own)."""
    from lxml import etree, html

    try:
        table = html.fragment_fromstring(table_html)
    except (etree.ParserError, ValueError):
        return ""
    lines = []
    for row in table.iter("tr"):
        cells = [c for c in row if c.tag in ("td", "th")]
        texts = [" ".join(c.text_content().split()).replace("|", "\\|") for c in cells]
        if not any(texts):
            continue
        lines.append("| " + " | ".join(texts) + " |")
        if all(c.tag == "th" for c in cells):
            lines.append("|" + "---|" * len(cells))
    return "\n".join(lines)
