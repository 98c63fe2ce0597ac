"""Reuters-21578 (Lewis 1997) SGML -> article dicts, parsed with lxml's recovering XML parser.

Used to build the shipped ``make run`` sample and by ``make eval``. A paragraph starts at a
body line indented by white space (the collection's own paragraph convention).
"""
from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from lxml import etree

_PARA_BREAK = re.compile(r"\n(?=[ \t]+\S)")


def parse_date(text: str) -> str | None:
    """``26-FEB-1987 15:01:01.79`` -> ISO 8601 (UTC assumed)."""
    try:
        return datetime.strptime(text.strip()[:20], "%d-%b-%Y %H:%M:%S").isoformat() + "Z"
    except ValueError:
        return None


def body_paragraphs(body: str) -> list[str]:
    """Split a Reuters ``<BODY>`` into paragraphs with their line breaks unwrapped."""
    return [" ".join(p.split()) for p in _PARA_BREAK.split(body) if p.strip()]


def read_sgm(path: str | Path) -> Iterator[dict]:
    """Yield ``{id, title, published, dateline, text}`` for every story with a ``<BODY>``.

    ``text`` holds the paragraphs joined by a blank line. The one stray 0xFC byte in
    reut2-017 is decoded as Latin-1, as the collection's SOURCE.md says.
    """
    raw = gzip.open(path, "rb").read() if str(path).endswith(".gz") else Path(path).read_bytes()
    text = raw.decode("latin-1")
    text = re.sub(r"&#(\d+);", lambda m: "" if int(m.group(1)) < 32 else m.group(0), text)  # control chars
    parser = etree.XMLParser(recover=True, resolve_entities=False, huge_tree=True)
    root = etree.fromstring(("<root>" + text.replace('<!DOCTYPE lewis SYSTEM "lewis.dtd">', "") + "</root>").encode("utf-8"), parser)
    for story in root.iter("REUTERS"):
        body = story.find(".//BODY")
        if body is None or not "".join(body.itertext()).strip():
            continue
        title = story.find(".//TITLE")
        date = story.find("DATE")
        yield {
            "id": f"NEWID{story.get('NEWID')}",
            "title": " ".join("".join(title.itertext()).split()) if title is not None else None,
            "published": parse_date("".join(date.itertext())) if date is not None else None,
            "domain": "reuters",
            "text": "\n\n".join(body_paragraphs("".join(body.itertext()))),
        }
