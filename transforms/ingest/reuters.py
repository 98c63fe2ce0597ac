"""Reuters-21578 (Lewis 1997, Distribution 1.0) SGML files -> article records.

The collection's ``reut2-NNN.sgm`` files hold ``<REUTERS NEWID=...>`` stories with ``<DATE>``,
``<TITLE>`` and ``<BODY>``; they are not well-formed XML (unescaped ``&``, stray control
characters), so they are parsed with lxml's recovering parser, the maintained tool for such
markup, not with regular expressions. A paragraph starts at a body line indented by white space
(the collection's own convention). No Beam import here.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from transforms.clean.wraps import join_wrapped_hyphens

_PARA_BREAK = re.compile(r"\n(?=[ \t]+\S)")
_CONTROL_REF = re.compile(r"&#(\d+);")


def parse_date(text: str) -> str | None:
    """``26-FEB-1987 15:01:01.79`` or `` 5-MAR-1987 ...`` -> ISO 8601 (UTC assumed); None if unparseable.

    Days below 10 are written with a leading space and one digit, so the fraction of a second
    is cut at the dot, not at a fixed width.
    """
    try:
        return datetime.strptime(text.strip().split(".")[0], "%d-%b-%Y %H:%M:%S").isoformat() + "Z"
    except ValueError:
        return None


# A word a sentence does not end on: a wrapped line that ends with one goes on below.
_OPEN_END = re.compile(
    r"(?:^|\s)(?:the|a|an|of|to|and|or|but|by|for|with|at|in|on|from|into|its|their|than|vs|was|were"
    r"|is|are|be|been|has|have|had|that|which|as|per|about|against|under|over)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.:;?!\"')-]$")
_TABLE_ROW = re.compile(r"\S {2,}\S")  # columns: a run of spaces inside the line
_UNIT_HEAD = re.compile(r"(?:mln|billion)\b", re.IGNORECASE)


def continues(previous: str, line: str) -> bool:
    """True when the indented body ``line`` continues ``previous`` instead of starting a paragraph.

    The collection starts a paragraph (or a table row) at an indented line, but its wire
    copy also wraps some sentences onto a line indented by one space (``"...current market"``
    / ``" price."``) or, in results tables, puts a figure's unit on the next indented line
    (``"...372.5 billion vs 348.2"`` / ``"    Billion"``). A line continues when neither line
    is a table row (a run of two spaces inside it), it is not the ``Reuter`` sign-off, and
    either it is indented by one space and starts in lower case or with a ``<ticker>`` after
    a line that ends no sentence, or follows a word no sentence ends on (``the``, ``of``,
    ``vs`` ...), or (indented up to four spaces) it starts with ``Mln``/``Billion`` after a
    number or follows a line ending in ``vs``. Measured on all of Reuters-21578 (README).
    """
    text, before = line.strip(), previous.strip()
    if not before or not text or _TABLE_ROW.search(before) or _TABLE_ROW.search(text):
        return False
    if text.lower().startswith(("reuter", "more")):
        return False
    indent = len(line) - len(line.lstrip())
    if indent == 1 and not _SENTENCE_END.search(before):
        if text[0].islower() or text[0] == "<" or _OPEN_END.search(before):
            return True
    if indent <= 4:
        return before.lower().endswith(" vs") or (before[-1].isdigit() and _UNIT_HEAD.match(text) is not None)
    return False


def _rejoin(pieces: list[str]) -> list[str]:
    """``pieces`` (the body cut before every indented line, where a paragraph starts) with each
    piece whose first line :func:`continues` the last line of the piece before joined back to
    it (line break kept)."""
    out: list[str] = []
    for piece in pieces:
        if out and continues(out[-1].rsplit("\n", 1)[-1], piece.split("\n", 1)[0]):
            out[-1] += "\n" + piece
        else:
            out.append(piece)
    return out


def body_paragraphs(body: str) -> list[str]:
    """Split a Reuters ``<BODY>`` into paragraphs with their line breaks unwrapped; a word
    hyphenated at a line end is joined, its hyphen kept (``end-\nJanuary`` -> ``end-January``,
    :func:`transforms.clean.wraps.join_wrapped_hyphens`)."""
    return [" ".join(join_wrapped_hyphens(p).split()) for p in _rejoin(_PARA_BREAK.split(body)) if p.strip()]


def stories(text: str) -> Iterator[tuple[int, dict | None, str]]:
    """Parse one decoded ``.sgm`` file.

    Yields:
        ``(story number in the file, record, excerpt)``; the record is
        ``{id, title, published, domain, text}`` with paragraphs joined by a blank line, or
        None for a story without a ``<BODY>`` (a title-only story: nothing to deduplicate).
    """
    text = _CONTROL_REF.sub(lambda m: "" if int(m.group(1)) < 32 else m.group(0), text)
    parser = etree.XMLParser(recover=True, resolve_entities=False, huge_tree=True, no_network=True)
    body = re.sub(r"<!DOCTYPE[^>]*>", "", text)
    root = etree.fromstring(("<root>" + body + "</root>").encode("utf-8"), parser)
    if root is None:
        return
    for number, story in enumerate(root.iter("REUTERS")):
        title = story.find(".//TITLE")
        title_text = " ".join("".join(title.itertext()).split()) if title is not None else None
        body_el = story.find(".//BODY")
        paragraphs = body_paragraphs("".join(body_el.itertext())) if body_el is not None else []
        excerpt = f"NEWID={story.get('NEWID')} {title_text or ''}"
        if not paragraphs:
            yield number, None, excerpt
            continue
        date = story.find("DATE")
        yield number, {
            "id": f"NEWID{story.get('NEWID')}",
            "title": title_text,
            "published": parse_date("".join(date.itertext())) if date is not None else None,
            "domain": "reuters",
            "text": "\n\n".join(paragraphs),
        }, excerpt
