"""JSONL files in chunks of whole lines: the cut (one pass over the decompressed stream) and the
parse of each chunk (JSON -> Article or Reject), so that one large file's parse can run on many
workers while reject record numbers and byte offsets stay those of a reading from the start.

No Beam import. :func:`chunks` streams a file (plain, .gz, .bz2, .zst through
:func:`transforms.ingest.core.open_binary`) and cuts it after the first newline past every
``chunk_bytes`` of decompressed text; each :class:`JsonlChunk` records the record number and the
decompressed byte offset it starts at, counted with the same blank-line and byte-order-mark rules
as :func:`parse`, which turns a chunk's lines into Articles and Rejects. Reading a file is
``parse`` of each of its chunks in order (:func:`transforms.ingest.core.read_jsonl`).
"""
from __future__ import annotations

import codecs
import io
import json
import os
import re
from collections.abc import Iterator
from itertools import chain
from typing import NamedTuple

from transforms.ingest import core, textfile
from transforms.ingest.core import _read_errors, _reject
from transforms.records import Article, Reject

CHUNK_BYTES = 4 << 20  # decompressed bytes a chunk holds at least (except a file's last)
READ_BYTES = 1 << 16  # one raw read, the buffer size of core.open_binary's reader


class JsonlChunk(NamedTuple):
    """A run of whole lines of a JSONL file.

    ``first_record`` is the record number (0-based count of the non-blank lines before it) of the
    chunk's first record, ``offset`` the decompressed byte offset of ``data[0]``; ``source_bytes``
    is the share of the file's stored (compressed) size this chunk accounts for (progress: the
    shares of a file sum to its size); ``last`` marks the file's last chunk and ``tail`` holds the
    Rejects that follow its lines (a damaged or too large file, or one without records).
    ``data`` is the lines' bytes (in a Beam pipeline, the path of a spill file holding them).
    ``codec`` is the file's codec for its lines that are not UTF-8, decided once a file by the
    cut (:func:`file_codec`): None when not decided (no such line in this chunk or before it),
    ``""`` for the fallback encoding, else a codec name (``"cp1251"``). ``charset`` is the
    encoding of a file read through :class:`Utf8Reader` (a UTF-16/32 byte-order mark:
    ``"utf-16-le"`` ...), which every record of it then shows; None for the others.
    """

    path: str
    rel_path: str
    data: bytes | str
    first_record: int
    offset: int
    source_bytes: int
    last: bool
    tail: tuple[Reject, ...]
    codec: str | None = None
    charset: str | None = None


class Utf8Reader:
    """A ``read1`` stream of UTF-8 over a binary stream in a UTF-16 or UTF-32 ``codec``.

    JSON Lines are cut into records at the byte ``\n``, which UTF-16/32 text does not hold
    alone, so a file that starts with such a byte-order mark (Windows PowerShell 5 writes
    UTF-16-LE with ``>``) is converted as it is read, by the standard library's incremental
    decoder, and everything after it (chunks, records, byte offsets) sees UTF-8: a reject's byte
    offset counts the converted bytes. The mark itself becomes a UTF-8 one, which :func:`parse`
    removes. Text that does not decode (a lone surrogate, a cut last character) raises
    ``UnicodeDecodeError`` (a ``ValueError``), which ends the file like damage: the records
    before it are read and one ``truncated_or_corrupt_file`` Reject stands for the rest.
    """

    def __init__(self, stream, codec: str):
        self._stream, self.raw = stream, getattr(stream, "raw", None)  # raw: the source position
        self._codec, self._decoder, self._error = codec, codecs.getincrementaldecoder(codec)("strict"), None

    def read1(self, size: int = -1) -> bytes:
        """Up to about ``size`` source bytes' worth of UTF-8 (b"" at the end); raises the
        ``UnicodeDecodeError`` of undecodable text after returning the text before it."""
        if self._error is not None:
            raise self._error
        while True:
            block = self._stream.read1(size)
            try:
                text = self._decoder.decode(block, final=not block)
            except UnicodeDecodeError as err:  # the text before the bad bytes now, the error at the next read
                self._error = err
                text = codecs.getincrementaldecoder(self._codec)("strict").decode(err.object[:err.start])
                if not text:
                    raise
            if text or not block:
                return text.encode("utf-8")


def _is_blank(raw: bytes) -> bool:
    """A line :func:`parse` skips: nothing but ASCII white space once ``\\r\\n`` is removed."""
    return not raw.rstrip(b"\r\n").strip()


# a newline followed by a blank line (bytes.strip()'s white space, then a newline): the regex
# engine finds the literal newline first, about as fast as bytes.count (a "^" anchor with
# re.MULTILINE is tried at every byte: 150 times slower)
_BEFORE_BLANK_LINE = re.compile(rb"\n(?=[ \t\r\x0b\x0c]*\n)")


def count_records(data: bytes, number: int) -> int:
    """The record number after the lines of ``data`` (whole lines; the last may lack its newline)
    when ``number`` is the record number before them (-1 at the start of a file).

    Records are the non-blank lines; before the first record a line's leading UTF-8 byte-order
    mark is removed first (both rules of :func:`parse`). Past the first record it counts newlines
    and blank lines in C (``bytes.count``, one regex) instead of a Python loop over lines.
    """
    if number == -1:  # before the first record: the byte-order-mark rule, line by line
        stream = io.BytesIO(data)
        for raw in stream:
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if not _is_blank(raw):
                return count_records(stream.read(), 0)
        return -1
    lines = data.count(b"\n")
    if not lines:
        return number + (0 if _is_blank(data) else 1)
    blank = len(_BEFORE_BLANK_LINE.findall(data)) + _is_blank(data[: data.find(b"\n")])  # the first line has no newline before it
    tail = data[data.rfind(b"\n") + 1:]  # an unterminated last line
    return number + lines - blank + (0 if _is_blank(tail) else 1)


def _source_position(stream) -> int:
    """Bytes of the stored file read so far by a :func:`core.open_binary` stream."""
    try:
        return stream.raw.source_position()
    except (AttributeError, OSError, ValueError):
        return 0


def chunks(path: str, rel_path: str, compression: str | None, cfg, chunk_bytes: int | None = None) -> Iterator[JsonlChunk]:
    """Cut a JSONL file into chunks of whole lines of at least ``chunk_bytes`` decompressed
    bytes (default :data:`CHUNK_BYTES`; the last may be smaller; a line is never cut).

    Reads the decompressed stream in raw reads of :data:`READ_BYTES`, the reads the line
    iterator of the same stream makes, so damage and the ``max_decompressed_bytes`` limit show at
    the same byte as when reading line by line: every complete line before them is in a chunk and
    the last chunk's ``tail`` has the ``truncated_or_corrupt_file`` / ``decompressed_too_large``
    Reject, numbered like the line that was cut. The first
    :data:`~transforms.ingest.textfile.SAMPLE_CHARS` bytes decide whether the file is binary
    (one ``binary_content`` Reject for the file, :func:`_binary_start`); after them each read
    of more than 1% control bytes (:func:`binary_share`) ends the file the same way as damage: the
    complete lines before the line of its first control byte are read and a ``binary_content``
    Reject stands for the rest. A file without records and without damage has
    the ``empty_file`` Reject in its tail. Yields at least one chunk (its data may be empty).
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    number, offset, accounted = -1, 0, 0  # record number before the pending bytes, their offset, source bytes given out
    pending: list[bytes] = []
    pending_len, tail, ready, checked, codec, charset = 0, (), None, False, None, None

    def cut(data: bytes, position: int, last: bool = False):
        nonlocal number, offset, accounted, codec
        share = (size if last else min(position, size)) - accounted
        if codec is None:  # once a file: from the first chunk that has lines that are not UTF-8
            codec = file_codec(data, cfg)
        out = JsonlChunk(path, rel_path, data, number + 1, offset, max(0, share), last, (), codec, charset)
        number, offset, accounted = count_records(data, number), offset + len(data), accounted + max(0, share)
        return out

    try:
        with core.open_binary(path, compression, cfg.max_decompressed_bytes) as stream:
            bom = textfile.bom_encoding(stream.peek(4)[:4])
            if bom is not None and bom[0] != "utf-8":  # UTF-16/32: read as the UTF-8 it converts to
                charset, stream = bom[0], Utf8Reader(stream, bom[0])
            while True:
                block = stream.read1(READ_BYTES)
                if not block:
                    break
                pending.append(block)
                pending_len += len(block)
                if not checked and pending_len >= min(textfile.SAMPLE_CHARS, chunk_bytes):  # before the first cut
                    checked = True
                    binary = _binary_start(path, pending)
                    if binary is not None:
                        yield JsonlChunk(path, rel_path, b"", 0, 0, size, True, (binary,))
                        return
                elif checked and binary_share(block) > textfile.MAX_CONTROL_SHARE:  # binary further on: read no further
                    pending, start = _before_binary(pending)
                    tail = (textfile.BINARY_CONTENT, f"not text from here on: {binary_share(block):.0%} of a {len(block):,}-byte "
                            "read are NUL or control characters; the records before it are read, the rest of the file is not",
                            start[:core.EXCERPT_CHARS].decode("latin-1").encode("unicode_escape"))
                    break
                if pending_len < chunk_bytes:
                    continue
                end = block.find(b"\n", max(0, chunk_bytes - (pending_len - len(block)))) + 1  # the first line end past chunk_bytes
                if not end:  # none in this read: cut in a later one
                    continue
                pending[-1] = block[:end]
                data = b"".join(pending)  # one copy of the chunk's bytes
                pending, pending_len = ([block[end:]], len(block) - end) if end < len(block) else ([], 0)
                if ready is not None:
                    yield ready
                ready = cut(data, _source_position(stream))
    except core.DecompressedSizeExceeded as err:
        pending, tail = _complete_lines(pending), ("decompressed_too_large", str(err), b"")
    except _read_errors() as err:
        pending, tail = _complete_lines(pending), ("truncated_or_corrupt_file", f"{type(err).__name__}: {err}", b"")
    binary = None if checked else _binary_start(path, pending)
    if binary is not None:
        yield JsonlChunk(path, rel_path, b"", 0, 0, size, True, (binary,))
        return
    data = b"".join(pending)
    if ready is not None and (data or tail):  # lines follow the last full chunk
        yield ready
        ready = None
    if ready is None:
        ready = cut(data, size, last=True)
    else:  # the file ended right after a full chunk
        ready = ready._replace(source_bytes=ready.source_bytes + max(0, size - accounted), last=True)
    if tail:
        rejects = (_reject(path, number + 1, offset, *tail),)
    else:
        rejects = (core.empty_file(path),) if number == -1 else ()
    yield ready._replace(tail=rejects)


def file_codec(data: bytes, cfg) -> str | None:
    """The codec of a JSONL file's lines that are not UTF-8, from the first chunk (``data``)
    that has any: :func:`transforms.ingest.textfile.lines_codec` of its lines (the first
    :data:`~transforms.ingest.textfile.DETECT_SAMPLE_BYTES` of them), ``""`` for the fallback
    encoding; None while undecided (every line UTF-8 so far) or when nothing is to be decided
    (an ``encoding`` declared, no fallback). So every chunk of a file decodes such lines
    alike, as a whole-file reading (CSV) does, instead of asking once a 4 MiB chunk."""
    if cfg.encoding or not cfg.fallback_encoding or data.isascii():
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    return textfile.lines_codec(io.BytesIO(data), cfg.fallback_encoding) or ""


def _binary_start(path: str, pending: list[bytes]) -> Reject | None:
    """The ``binary_content`` Reject (:func:`transforms.ingest.core.binary_content`) of a file
    whose first :data:`~transforms.ingest.textfile.SAMPLE_CHARS` bytes (``pending``, any UTF-8
    BOM removed) are not text: a gzip file or an image named ``.jsonl``/``.json``. (A UTF-16/32
    file with a byte-order mark arrives here converted to UTF-8, :class:`Utf8Reader`.) Their
    control characters are counted on the bytes (as latin-1: every ASCII-compatible encoding,
    UTF-8 included, has them as single bytes)."""
    sample = b"".join(pending)[: textfile.SAMPLE_CHARS].removeprefix(codecs.BOM_UTF8)
    return core.binary_content(path, -1, sample.decode("latin-1"), "bytes")


_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x1A)) + bytes(range(0x1C, 0x20))  # textfile._CONTROLS
_FIRST_CONTROL = re.compile(b"[" + re.escape(_CONTROL_BYTES) + b"]")


def binary_share(block: bytes) -> float:
    """Share (0-1) of NUL and control bytes (those of
    :func:`transforms.ingest.textfile.binary_share`) in ``block``, counted in C
    (``bytes.translate`` deleting them), over at least 4 KiB so that a short last read with one
    stray byte is not binary; 0 for ``b""``."""
    return (len(block) - len(block.translate(None, _CONTROL_BYTES))) / max(len(block), 1 << 12)


def _before_binary(pending: list[bytes]) -> tuple[list[bytes], bytes]:
    """``(complete lines before the line of the first control byte of the last read, the bytes
    from that line on)`` of ``pending``: a JSONL file that turns binary after its first
    :data:`~transforms.ingest.textfile.SAMPLE_CHARS` bytes keeps its records before that point."""
    data = b"".join(pending)
    first = _FIRST_CONTROL.search(data, len(data) - len(pending[-1]))
    end = data.rfind(b"\n", 0, first.start() if first else len(data)) + 1
    return [data[:end]], data[end:]


def _complete_lines(pending: list[bytes]) -> list[bytes]:
    """The bytes of ``pending`` up to its last newline (a line cut by damage is not read)."""
    data = b"".join(pending)
    return [data[: data.rfind(b"\n") + 1]]


def parse(chunk: JsonlChunk, data: bytes, cfg) -> Iterator[Article | Reject]:
    """The Articles and Rejects of a chunk's lines (``data``), in order, then its tail Rejects.
    The lines of a chunk with a ``charset`` (a UTF-16/32 file, :class:`Utf8Reader`) are UTF-8
    and their articles show that ``charset``.

    One record per non-blank line: a leading byte-order mark is removed before the file's first
    record, ``\\r\\n`` endings are accepted; a line over ``max_record_bytes``, undecodable,
    invalid JSON, not an object or without text is a Reject with the line's record number and
    byte offset (for undecodable: the offset of the bad byte). A line that is not UTF-8 (no
    ``encoding`` declared) is decoded with the codec charset-normalizer finds for the file's
    lines that are not UTF-8 (the chunk's ``codec``, decided once a file by :func:`chunks` with
    :func:`file_codec`; a chunk made otherwise asks :func:`transforms.ingest.textfile.lines_codec`
    at its first such line; charset ``"cp1251 (detected)"``), else with the fallback encoding.
    """
    path, mapper = chunk.path, core.RecordMapper(cfg)
    offset, number = chunk.offset, chunk.first_record - 1
    # the codec of the file's lines that are not UTF-8: the chunk's, else asked at the first of them
    codec, asked = (chunk.codec or None, True) if chunk.codec is not None else (None, False)
    stream = io.BytesIO(data)
    for raw in stream:
        line_offset, offset = offset, offset + len(raw)
        if number == -1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        number += 1
        if len(line) > cfg.max_record_bytes:
            yield _reject(path, number, line_offset, "record_too_large", f"{len(line)} bytes > max_record_bytes {cfg.max_record_bytes}", line)
            continue
        try:
            # a converted UTF-16/32 file's lines are UTF-8 whatever encoding is declared (its byte-order mark wins)
            text, charset = core.decode(line, None if chunk.charset else cfg.encoding, cfg.fallback_encoding)
        except UnicodeDecodeError as err:
            yield _reject(path, number, line_offset + err.start, "undecodable", f"byte 0x{line[err.start]:02x} is not valid {err.encoding}", line)
            continue
        if chunk.charset is not None:  # converted from UTF-16/32 as the file was read
            charset = chunk.charset
        elif charset.endswith(" (fallback)"):  # not UTF-8, no encoding declared
            if not asked:
                asked, codec = True, textfile.lines_codec(chain([line], io.BytesIO(data[stream.tell():])), cfg.fallback_encoding)
            if codec is not None:
                try:
                    text, charset = line.removeprefix(codecs.BOM_UTF8).decode(codec), f"{codec} (detected)"
                except UnicodeDecodeError:
                    pass
        try:
            record = json.loads(text)
        except (ValueError, RecursionError) as err:  # JSONDecodeError, 4300-digit ints, deep nesting
            yield _reject(path, number, line_offset, "invalid_json", f"{type(err).__name__}: {err}", line)
            continue
        result = mapper.to_article(record, path, chunk.rel_path, number, charset)
        if isinstance(result, str):
            why = core.missing_field_detail(record, mapper.fields["text"]) if result == "missing_text" else "a JSON line must be an object"
            yield _reject(path, number, line_offset, result, core.reject_detail(result, why), line)
        else:
            yield result
    yield from chunk.tail


def file_chunks(path: str, root: str, cfg, chunk_bytes: int | None = None) -> Iterator[JsonlChunk] | None:
    """:func:`chunks` of an input file found under ``root``, with its ``per_input`` config;
    None when the file is not JSONL (its format from :func:`transforms.ingest.core.detect_format`
    and ``ingest.format``) or a ``.json`` file holding one JSON document
    (:func:`transforms.ingest.core.json_document_bytes`), which
    :func:`transforms.ingest.core.read_file` then reads whole."""
    try:
        fmt, compression = core.detect_format(path, cfg.format)
    except ValueError:
        return None
    if fmt != "jsonl":
        return None
    rel_path = core.relative_path(path, root)
    cfg = cfg.for_file(path, rel_path)
    if core.json_document_bytes(path, compression, cfg, head_only=True) is not None:  # one JSON document: read whole
        return None
    return chunks(path, rel_path, compression, cfg, chunk_bytes)
