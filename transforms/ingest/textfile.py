"""Whole-file decoding for the readers that read a file at once (CSV, plain text, Reuters SGML)
and JSON documents (a ``.json`` file holding one array or one object). No Beam import.

- Byte-order marks: a UTF-8 BOM is always removed; a UTF-16/UTF-32 BOM decodes the file in
  that encoding (:func:`decode_whole`).
- Mixed files: a file that is not valid UTF-8 as a whole is decoded line by line, each line
  UTF-8 when it is valid, else the fallback encoding (as JSON Lines decodes each record), so one
  latin-1 row does not turn the UTF-8 rows (or the BOM) into mojibake (:func:`decode_lines`).
- Undeclared non-UTF-8 text (:func:`decode_whole` with ``detect``; :func:`lines_codec` for the
  lines of CSV and JSON Lines that are not UTF-8): charset-normalizer's best
  guess when the fallback decoding reads as mess (charset-normalizer's ``mess_ratio`` over
  :data:`MESS_FALLBACK`) and the guess reads clean; else the fallback.
- Not text (:func:`binary_share`): NUL bytes or other control characters in more than
  :data:`MAX_CONTROL_SHARE` of the first :data:`SAMPLE_CHARS` characters.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable

# longest first: the UTF-32-LE mark starts with the UTF-16-LE one
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BOM_STARTS = frozenset(bom[:1] for bom, _ in BOMS)
SAMPLE_CHARS = 65_536
MAX_CONTROL_SHARE = 0.01  # NUL and C0 controls other than \t \n \v \f \r \x1a (DOS end of file) \x1b (escape)
MESS_FALLBACK = 0.2  # mess_ratio of the fallback decoding above which a detected charset may win
BINARY_CONTENT = "binary_content"
DETECT_SAMPLE_BYTES = 200_000  # bytes charset-normalizer is given (the bytes that are not UTF-8)
JSON_DOCUMENT_MAX_BYTES = 256 << 20  # a .json array/object file is parsed whole: 256 MiB at most
JSON_DOCUMENT_TOO_LARGE = "json_document_too_large"
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1c-\x1f]")


def binary_share(text: str) -> float:
    """Share (0-1) of NUL and control characters (C0 but tab, line ends, form feed, ``\\x1a``,
    ``\\x1b``) in the first :data:`SAMPLE_CHARS` characters of decoded ``text``; 0 for ''."""
    sample = text[:SAMPLE_CHARS]
    return len(_CONTROLS.findall(sample)) / len(sample) if sample else 0.0


def is_binary(text: str) -> bool:
    """True when ``text`` is not text: :func:`binary_share` over :data:`MAX_CONTROL_SHARE`."""
    return binary_share(text) > MAX_CONTROL_SHARE


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """``(codec, BOM length)`` of a leading byte-order mark (UTF-8, UTF-16, UTF-32), else None."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def _c1_handler(err: UnicodeDecodeError):
    return chr(err.object[err.start]), err.start + 1


codecs.register_error("_newsetl_c1", _c1_handler)


def fallback_decode(data: bytes, fallback: str) -> str:
    """``data`` decoded with the fallback encoding; windows-1252 leaves 5 bytes undefined, which
    are mapped to the C1 controls as browsers do.

    Raises:
        UnicodeDecodeError: the bytes are not valid in the fallback encoding.
    """
    return data.decode(fallback, errors="_newsetl_c1" if fallback.lower() in ("windows-1252", "cp1252") else "strict")


def detected_codec(data: bytes, text: str | None) -> str | None:
    """The codec of undeclared bytes that are not valid UTF-8, or None for the fallback:
    charset-normalizer's best match (on the first :data:`DETECT_SAMPLE_BYTES`) when ``text``, the
    fallback decoding of ``data`` (None: not valid in it), has a mess ratio (on its first
    :data:`SAMPLE_CHARS`) over :data:`MESS_FALLBACK` and the match's is lower than half of it
    (cp1251 Russian read as windows-1252: 1.2, as cp1251: 0.0); charset-normalizer alone calls
    short Western text cp1257 or cp1250, so text that reads clean keeps the fallback.

    Returns:
        The Python codec name (``cp1251``) or None.
    """
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    mess = mess_ratio(text[:SAMPLE_CHARS], maximum_threshold=1.0) if text is not None else 1.0
    if mess > MESS_FALLBACK:
        best = from_bytes(data[:DETECT_SAMPLE_BYTES]).best()
        if best is not None and best.chaos < mess / 2:
            try:
                return codecs.lookup(best.encoding).name
            except LookupError:
                pass
    return None


def lines_codec(lines: Iterable[bytes], fallback: str) -> str | None:
    """:func:`detected_codec` of the ``lines`` that are not valid UTF-8 (the first
    :data:`DETECT_SAMPLE_BYTES` of them): the codec of a file's (or a JSON Lines chunk's) lines
    that need more than UTF-8, asked once instead of once a line."""
    sample, size = [], 0
    for line in lines:
        if size >= DETECT_SAMPLE_BYTES:
            break
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            sample.append(line)
            size += len(line)
    data = b"".join(sample)
    try:
        text = fallback_decode(data, fallback)
    except UnicodeDecodeError:
        text = None
    return detected_codec(data, text) if data else None


def detect(data: bytes, fallback: str) -> tuple[str, str]:
    """Decode undeclared bytes that are not valid UTF-8: :func:`detected_codec`'s codec, else the
    fallback.

    Returns:
        ``(text, charset)``: ``"<codec> (detected)"`` or ``"<fallback> (fallback)"``.

    Raises:
        UnicodeDecodeError: the bytes are not valid in the fallback encoding.
    """
    try:
        text = fallback_decode(data, fallback)
    except UnicodeDecodeError:
        text = None
    codec = detected_codec(data, text)
    if codec is not None:
        try:
            return data.decode(codec), f"{codec} (detected)"
        except UnicodeDecodeError:
            pass
    if text is None:
        raise UnicodeDecodeError(fallback, data, 0, 1, "not valid in the fallback encoding")
    return text, f"{fallback.lower()} (fallback)"


def decode_whole(data: bytes, declared: str | None, fallback: str | None, detect_charset: bool = False) -> tuple[str, str]:
    """Decode a whole file: a BOM's encoding; else the declared one; else UTF-8; else (when
    ``detect_charset``) :func:`detect`, or the fallback encoding. A leading BOM is always removed.

    Returns:
        ``(text, charset)``: charset as :func:`transforms.ingest.core.decode` gives it, ``"utf-16-le"``
        ... for a BOM, ``"<codec> (detected)"`` for a detected one.

    Raises:
        UnicodeDecodeError: not valid in the BOM's or declared encoding, or not valid UTF-8
            without a fallback (``err.start`` is the byte offset).
    """
    bom = bom_encoding(data) if data[:1] in _BOM_STARTS else None  # one slice on the fast path
    if bom is not None and bom[0] != "utf-8" and not declared:
        return data[bom[1]:].decode(bom[0]), bom[0]
    if bom is not None and bom[0] == "utf-8" and (not declared or codecs.lookup(declared).name == "utf-8"):
        data = data[bom[1]:]
    if declared:
        text = data.decode(declared)
        return (text[1:] if text.startswith("\ufeff") else text), declared.lower()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if not fallback:
            raise
    if detect_charset:
        return detect(data, fallback)
    return fallback_decode(data, fallback), f"{fallback.lower()} (fallback)"


def decode_lines(data: bytes, declared: str | None, fallback: str | None) -> tuple[str, str, frozenset[int], str]:
    """Decode a whole file like JSON Lines decodes records: UTF-8 where a line is valid UTF-8,
    else, for that line only, the codec :func:`lines_codec` detects from the lines that are not
    UTF-8 when it decodes them all, or the fallback encoding (a BOM or declared encoding: the
    whole file).

    Returns:
        ``(text, charset, fallback_lines, fallback_charset)``: charset ``"utf-8"`` (or the BOM's
        or declared one), the 1-based numbers of the lines (``\\n``, ``\\r\\n`` or ``\\r``
        ended, as the csv module counts them) that are not UTF-8 and their charset,
        ``"<codec> (detected)"`` or ``"<fallback> (fallback)"``.

    Raises:
        UnicodeDecodeError: as :func:`decode_whole`; ``err.start`` is the byte offset in ``data``.
    """
    try:
        text, charset = decode_whole(data, declared, None)
        return text, charset, frozenset(), charset
    except UnicodeDecodeError:
        if not fallback or declared or (bom_encoding(data) or ("utf-8",))[0] != "utf-8":
            raise
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    parts, bad = [], {}
    for number, line in enumerate(data.splitlines(keepends=True)):
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append("")
            bad[number] = line
    codec, decoded = lines_codec(bad.values(), fallback), None
    if codec is not None:
        try:
            decoded, charset = {n: line.decode(codec) for n, line in bad.items()}, f"{codec} (detected)"
        except UnicodeDecodeError:  # one line the codec cannot read: the fallback for all, as before
            pass
    if decoded is None:
        decoded, charset = {n: fallback_decode(line, fallback) for n, line in bad.items()}, f"{fallback.lower()} (fallback)"
    for number, text in decoded.items():
        parts[number] = text
    return "".join(parts), "utf-8", frozenset(n + 1 for n in bad), charset


def json_document_start(first_line: bytes) -> bool:
    """True when the first line of a ``.json`` file (after any BOM) starts a JSON document
    rather than JSON Lines: it opens an array (``[``), or opens an object (``{``) but is not a
    whole JSON value by itself (a pretty-printed object such as news-please's one file per article)."""
    line = first_line.strip()
    if line.startswith(b"["):
        return True
    if not line.startswith(b"{"):
        return False
    try:
        json.loads(line)
        return False
    except (ValueError, RecursionError):
        return True


def json_document(data: bytes) -> list | None:
    """The records of a whole JSON document (:func:`json.loads`): an array's items, or
    ``[object]`` for one object; None when ``data`` does not parse or is another value (the file is
    then read as JSON Lines, each bad line a Reject)."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else None
