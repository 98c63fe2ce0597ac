"""HTML news pages -> Article: charset detection, main-text extraction, metadata (no Beam import).

Charset order (WHATWG "determine the character encoding", simplified): byte-order mark, then the
HTTP ``Content-Type`` charset, then a ``<meta charset>`` / ``<meta http-equiv>`` declaration in
the first :data:`META_PRESCAN_BYTES` bytes, then UTF-8 if the bytes are valid UTF-8, then
charset-normalizer's detector. One exception: bytes that are valid UTF-8 with at least one
multi-byte sequence are read as UTF-8 even when a header or ``<meta>`` declares another charset
(a stale declaration; recorded as ``utf-8 (valid utf-8 over meta gb18030)``).
Labels are mapped as the WHATWG Encoding Standard maps them: ``iso-8859-1``, ``latin1`` and
``ascii`` are decoded as windows-1252, ``gb2312``/``gbk`` as gb18030, ``shift_jis`` as cp932,
and so on. Bytes that are invalid in the chosen charset become U+FFFD, as in a browser.

Extraction: trafilatura (Barbaresi 2021, ACL demo) with metadata; its plain-text output puts
every block (paragraph, heading, list item, table row) on its own line, and each line becomes
one paragraph, except a table or a code block, which is one paragraph with its line breaks
(transforms/ingest/blocks.py). trafilatura never fetches anything here: only already-read bytes are passed.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from transforms.ingest.blocks import block_texts, group_lines
from transforms.ingest.core import derived_article_id, domain_of, parse_published, published_unparsed
from transforms.records import Article

META_PRESCAN_BYTES = 8192  # WHATWG prescans 1024 bytes; real pages put <meta> after long <head> scripts
# WHATWG labels whose encoding differs from Python's codec of the same name.
_WHATWG_ALIASES = {
    "iso-8859-1": "windows-1252", "iso8859-1": "windows-1252", "latin1": "windows-1252",
    "latin-1": "windows-1252", "l1": "windows-1252", "ascii": "windows-1252", "us-ascii": "windows-1252",
    "cp819": "windows-1252", "ibm819": "windows-1252", "iso-ir-100": "windows-1252", "x-cp1252": "windows-1252",
    "iso-8859-9": "windows-1254", "latin5": "windows-1254", "iso-8859-11": "windows-874", "tis-620": "windows-874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
    "euc-kr": "cp949", "ks-c-5601-1987": "cp949", "big5": "big5hkscs", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_HTTP_EQUIV = re.compile(rb"""http-equiv\s*=\s*["']?\s*content-type""", re.IGNORECASE)
_LANG = re.compile(r"""^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$""")


def normalise_label(label: str | bytes | None) -> str | None:
    """Map a charset label to a Python codec name by the WHATWG rules; None if unknown."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", errors="ignore")
    label = label.strip().strip("\"'").lower().replace("_", "-")
    name = _WHATWG_ALIASES.get(label, label)
    if re.fullmatch(r"cp125\d", name):  # detector output: record the WHATWG name
        name = "windows-" + name[2:]
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    if name in ("utf-16", "utf-16-le", "utf-16-be"):  # WHATWG: a <meta> or header claiming UTF-16 means UTF-8
        return "utf-8"
    return name


def meta_charset(data: bytes) -> str | None:
    """The charset declared by ``<meta charset>`` or ``<meta http-equiv="Content-Type" content=...>``
    in the first :data:`META_PRESCAN_BYTES` bytes, as a raw label (None if none)."""
    for tag in _META.finditer(data[:META_PRESCAN_BYTES]):
        text = tag.group(0)
        m = re.search(rb"""\scharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", text, re.IGNORECASE)
        if m and not _HTTP_EQUIV.search(text):
            return m.group(1).decode("ascii")
        if _HTTP_EQUIV.search(text):
            m = _CHARSET_PARAM.search(text)
            if m:
                return m.group(1).decode("ascii")
    return None


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP ``Content-Type`` value, as a raw label."""
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type.encode("latin-1", errors="replace"))
    return m.group(1).decode("ascii") if m else None


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page's bytes.

    Args:
        data: the page body (de-chunked, content-decoded).
        content_type: the HTTP ``Content-Type`` header value, if there was one.

    Returns:
        ``(text, charset)`` where ``charset`` is ``"<codec> (<source>)"`` with source one of
        ``bom``, ``http``, ``meta``, ``detected``, ``default`` (valid UTF-8, nothing declared) or
        ``valid utf-8 over <source> <declared>``, e.g. ``"windows-1252 (meta)"``.
        Invalid bytes become U+FFFD (never raises).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), f"{name} (bom)"
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    for source, label in (("http", header_charset(content_type)), ("meta", meta_charset(data))):
        name = normalise_label(label)
        if name:
            if utf8 is not None and name != "utf-8" and not utf8.isascii():
                # Valid multi-byte UTF-8 is almost never text in another charset: the declaration is
                # stale (a page converted to UTF-8 that kept its old <meta>).
                return utf8, f"utf-8 (valid utf-8 over {source} {name})"
            return data.decode(name, errors="replace"), f"{name} ({source})"
    if utf8 is not None:
        return utf8, "utf-8 (default)"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    name = normalise_label(best.encoding) if best is not None else None
    if name:
        return data.decode(name, errors="replace"), f"{name} (detected)"
    return data.decode("utf-8", errors="replace"), "utf-8 (default)"


@dataclass(frozen=True, slots=True)
class Extracted:
    """What trafilatura found in one page. ``paragraphs`` are its text lines, in order, a table's
    or code block's lines joined into one (their positions in ``blocks``)."""

    title: str | None
    paragraphs: tuple[str, ...]
    published: str | None
    author: str | None
    url: str | None
    language: str | None
    blocks: tuple[int, ...] = ()


def _language(tree) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        for meta in tree.iterfind(".//meta"):
            if (meta.get("http-equiv") or "").lower() == "content-language" or (meta.get("property") or "").lower() == "og:locale":
                lang = meta.get("content")
                break
    if not lang:
        return None
    lang = lang.strip().split(",")[0].strip().replace("_", "-")
    return lang if _LANG.match(lang) and not lang.lower().startswith(("utf", "iso")) else None


def extract(text: str, url: str | None = None, favor: str | None = None, captured_us: int | None = None) -> Extracted | None:
    """Extract the main text and metadata of a decoded HTML page with trafilatura.

    Args:
        text: the decoded page.
        url: the capture URL, if known (trafilatura uses it for metadata and relative links).
        favor: ``"precision"``, ``"recall"`` or None (trafilatura's balanced default).
        captured_us: capture time (µs since the epoch, UTC), if known: the latest publication
            date htmldate may return (a page is not published after it was captured). Without
            it htmldate's default bound, today, applies.

    Returns:
        The extraction, or None when the page cannot be parsed or has no main text.
    """
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        return None
    language = _language(tree)
    dates = None
    if captured_us is not None and captured_us >= 0:
        day = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=captured_us)
        dates = {"original_date": True, "extensive_search": True, "max_date": day.strftime("%Y-%m-%d")}
    doc = bare_extraction(tree, url=url, with_metadata=True, include_comments=False, include_tables=True,
                          favor_precision=favor == "precision", favor_recall=favor == "recall",
                          date_extraction_params=dates)
    if doc is None or not (doc.text or "").strip():
        return None
    lines = [line.strip() for line in doc.text.split("\n") if line.strip()]
    paragraphs, blocks = group_lines(lines, block_texts(doc.body))
    return Extracted(title=doc.title, paragraphs=paragraphs, published=doc.date, author=doc.author,
                     url=url or doc.url, language=language, blocks=blocks)


def page_to_article(data: bytes, *, content_type: str | None, url: str | None, source_file: str, rel_path: str,
                    record: int, article_id: str | None = None, favor: str | None = None,
                    captured_us: int | None = None) -> Article | None:
    """Decode and extract one HTML page into an :class:`Article` (None if it has no main text).

    Args:
        data: the page bytes; ``content_type`` the HTTP header, if any; ``url`` the capture URL.
        article_id: the id to use; default :func:`derived_article_id` of ``rel_path`` and ``record``.
        captured_us: the capture time, if known (see :func:`extract`).
    """
    text, charset = decode_html(data, content_type)
    found = extract(text, url, favor, captured_us)
    if found is None:
        return None
    published = parse_published(found.published)
    return Article(
        article_id=article_id or derived_article_id(rel_path, record),
        url=found.url, domain=domain_of(found.url), title=found.title, published_us=published,
        language=found.language, author=found.author, paragraphs=found.paragraphs, charset=charset,
        source_file=source_file, source_record=record, published_unparsed=published_unparsed(found.published, published),
        blocks=found.blocks,
    )
