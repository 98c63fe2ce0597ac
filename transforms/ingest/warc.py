"""Web captures -> Article records: WARC/ARC files and folders of HTML pages (no Beam import).

WARC and ARC records are parsed by warcio (``ArchiveIterator``, ARC records converted to WARC
``response`` records). The file is first decompressed by newsetl's own streaming gzip reader,
which continues across gzip members, so all three gzip layouts read the same way: one member
per record, the whole file as one member, and members that do not end at record boundaries
(warcio alone refuses the last two). Record byte offsets are therefore offsets in the
decompressed file, as for every other newsetl format.

Every record read is accounted for: a response that yields an article becomes an
:class:`~transforms.records.Article`; every other record becomes a
:class:`~transforms.records.Reject` whose reason says why it is not an article
(:data:`SKIP_REASONS`). Bodies are de-chunked and content-decoded by warcio's
``content_stream()`` (``br`` with brotli); a body that only claims ``Transfer-Encoding:
chunked`` and does not parse as chunks is left intact (warcio's fallback). A record whose block is shorter than its
``Content-Length`` (clipped capture) still yields what its bytes hold, plus a
``truncated_record`` reject naming how many bytes are missing.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import logging
import threading
from collections.abc import Iterator

import xxhash

from transforms.ingest.core import DecompressedSizeExceeded, _reject, empty_file, open_binary, parse_published
from transforms.ingest.html import page_to_article
from transforms.records import Article, Reject, replace_fields

# Reject reasons of records that are read but are no article (counted, never extracted).
SKIP_REASONS = {
    "revisit": "warc_revisit",  # a capture that points to an earlier identical payload
    "non_200": "warc_non_200",  # redirects, errors, or an ARC record without an HTTP status
    "non_html": "warc_non_html",  # images, JSON, PDF, ...
    "no_text": "no_main_text",  # HTML in which the extractor found no main text
}
HTML_TYPES = ("text/html", "application/xhtml+xml")


def not_response_reason(record_type: str) -> str:
    """Reject reason for a WARC record that is not a response, e.g. ``warc_request_record``."""
    return f"warc_{record_type}_record"


class _StopAtDamage(io.RawIOBase):
    """Wraps a decompressing stream: damage or a size-limit breach ends the stream cleanly.

    warcio then sees an ordinary end of file (and a short last record); the error is kept in
    :attr:`error` and reported by the caller after the records read before it.
    """

    def __init__(self, stream):
        self._stream, self.error, self.count = stream, None, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.error is not None:
            return 0
        try:
            data = self._stream.read1(len(buffer))  # one raw read: data before damage is never lost
        except (EOFError, OSError, DecompressedSizeExceeded, ValueError) as err:
            self.error = err
            return 0
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


class _WarcioNotices(logging.Handler):
    """What warcio says about damaged records, captured as rejects instead of printed to stderr.

    warcio reports two things itself, in the middle of newsetl's output: a record whose
    ``Content-Length`` does not end at the blank lines before the next record ("WARNING: Record
    not followed by newline", written with ``sys.stderr.write`` of its ``INC_RECORD`` template:
    :class:`_IncRecordTemplate` stands in for it and gives '', so nothing is written), and a
    ``WARC-Target-URI`` with spaces, which it repairs to ``%20`` (``logging.warning`` of the
    ``warcio`` logger: this handler, installed once on that logger, which then passes nothing on).
    Both are kept per reading thread in :attr:`found` as ``(reason, offset in the stream given to
    warcio or -1, excerpt)`` and become Rejects of the file (:func:`read_warc`).
    """

    LOGGER = "warcio"
    _installed = threading.Lock()

    def __init__(self):
        super().__init__(logging.WARNING)
        self._local = threading.local()

    @classmethod
    def install(cls) -> _WarcioNotices:
        """The handler on the ``warcio`` logger (added the first time; the logger stops propagating)."""
        logger = logging.getLogger(cls.LOGGER)
        with cls._installed:
            for handler in logger.handlers:
                if isinstance(handler, cls):
                    return handler
            handler = cls()
            logger.addHandler(handler)
            logger.propagate = False
            return handler

    @property
    def found(self) -> list:
        """This thread's notices since :meth:`drain` (a list, appended to by warcio's calls)."""
        if not hasattr(self._local, "found"):
            self._local.found = []
        return self._local.found

    def drain(self) -> list:
        """This thread's notices, in the order warcio gave them; the list is emptied."""
        out, self._local.found = self.found, []
        return out

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        reason = "warc_target_uri_repaired" if message.startswith("Replacing spaces") else "warc_warning"
        self.found.append((reason, -1, message))

    def inc_record_template(self) -> _IncRecordTemplate:
        """What to set as an ``ArchiveIterator``'s ``INC_RECORD``: its warning goes to :attr:`found`."""
        return _IncRecordTemplate(self)


class _IncRecordTemplate:
    """Stands in for warcio's ``ArchiveIterator.INC_RECORD`` template, which warcio formats with
    (offset, remainder) and writes to stderr: :meth:`format` keeps a ``warc_length_mismatch``
    notice instead and gives '' to write."""

    def __init__(self, notices: _WarcioNotices):
        self._notices = notices

    def format(self, offset: int, remainder=b"", *_args) -> str:
        """Keep the notice (``offset`` where unexpected bytes follow a record, ``remainder`` the
        line found there); '' is what warcio then writes."""
        self._notices.found.append(("warc_length_mismatch", offset, remainder))
        return ""


def _notice_rejects(notices: list, path: str, number: int, base: int, record_offset: int = -1) -> list[Reject]:
    """Rejects for :class:`_WarcioNotices` found on the way to record ``number + 1`` (or past the
    last record, ``number``): a wrong length belongs to the record before (``number``; its offset
    is where the unexpected bytes are, ``base`` + warcio's offset), a repaired URI to the record
    read (``number + 1`` at ``record_offset``). Record numbers are not taken from the records after."""
    out = []
    for reason, offset, excerpt in notices:
        if reason == "warc_length_mismatch":
            out.append(_reject(path, number, base + offset, reason, "bytes other than blank lines follow the record before "
                               "this offset: its Content-Length is wrong (it was read up to its Content-Length)", excerpt))
        else:
            uri = excerpt.split(": ", 1)[-1]
            detail = "WARC-Target-URI holds spaces: warcio replaced them with %20" if reason == "warc_target_uri_repaired" else excerpt
            out.append(_reject(path, number + 1, record_offset, reason, detail, uri))
    return out


def canonical_url(url: str | None) -> str | None:
    """The URL that groups captures: courlan's normalisation (host lower-cased, default port
    and tracking parameters removed, query sorted), without the fragment. None if unusable."""
    if not url:
        return None
    from courlan import normalize_url

    try:
        return normalize_url(url.strip()).split("#", 1)[0]
    except (ValueError, AttributeError):
        return None


def url_article_id(canonical: str) -> str:
    """Article id of a web capture: xxh64 of ``"url:<canonical URL>"`` as 16 hex digits, so all
    captures of one URL share it (and are grouped on it)."""
    return xxhash.xxh64_hexdigest(f"url:{canonical}".encode("utf-8"))


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by the HTTP ``Content-Type``; without one, by the first bytes of the body."""
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def select_capture(articles) -> tuple[Article, list[Article]]:
    """Choose the one article among captures of one canonical URL.

    Rule: the latest ``WARC-Date`` wins (an undated capture counts as oldest); ties go to the
    smallest sha1 of the body, then to the smallest ``(source_file, source_record)``. The order
    of ``articles`` does not matter.

    Returns:
        ``(chosen, superseded)`` with ``superseded`` in the same total order.
    """
    ordered = sorted(articles, key=lambda a: (-a.capture[0], a.capture[1], a.source_file, a.source_record))
    return ordered[0], ordered[1:]


def _target_uri(record) -> str | None:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    return uri.strip().strip("<>") if uri else None  # wget writes <http://...> in WARC/1.0


def _body(record, limit: int) -> bytes:
    """The HTTP payload, de-chunked and content-decoded, at most ``limit`` bytes (more = too large).

    warcio decodes gzip and deflate; ``br`` is decoded here with brotli (warcio's own brotli hook
    expects the unmaintained brotlipy), 16 KiB of input at a time so a bomb stops at ``limit``.
    """
    http = record.http_headers
    if (http.get_header("Content-Encoding") or "").strip().lower() != "br":
        return record.content_stream().read(limit)
    import brotli
    from warcio.bufferedreaders import ChunkedDataReader

    chunked = (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked"
    stream = ChunkedDataReader(record.raw_stream) if chunked else record.raw_stream
    decompressor, out, size = brotli.Decompressor(), [], 0
    while size < limit:
        data = stream.read(1 << 14)
        if not data:
            break
        out.append(decompressor.process(data))
        size += len(out[-1])
    return b"".join(out)[:limit]


def _response(record, path, rel_path, number, offset, cfg) -> Iterator[Article | Reject]:
    url = _target_uri(record)
    http = record.http_headers
    status = http.get_statuscode() if http is not None else None
    if status != "200":
        yield _reject(path, number, offset, SKIP_REASONS["non_200"], f"HTTP status {status or 'missing'} for {url}", url or "")
        return
    content_type = http.get_header("Content-Type")
    try:
        body = _body(record, cfg.max_record_bytes + 1)
    except Exception as err:  # a bad Content-Encoding stream (zlib, brotli) or a broken block
        yield _reject(path, number, offset, "undecodable_body", f"{type(err).__name__}: {err}", url or "")
        return
    if len(body) > cfg.max_record_bytes:
        yield _reject(path, number, offset, "record_too_large", f"body exceeds max_record_bytes {cfg.max_record_bytes}", url or "")
        return
    record.raw_stream.read()  # drain, so that the limit left tells whether the block was clipped
    missing = getattr(record.raw_stream, "limit", 0) or 0
    if not is_html(content_type, body):
        yield _reject(path, number, offset, SKIP_REASONS["non_html"], f"Content-Type {content_type or 'missing'} for {url}", url or "")
        return
    canonical = canonical_url(url)
    captured = parse_published(record.rec_headers.get_header("WARC-Date"))
    article = page_to_article(body, content_type=content_type, url=url, source_file=path, rel_path=rel_path,
                              record=number, article_id=url_article_id(canonical) if canonical else None,
                              favor=cfg.html_favor, captured_us=captured)
    if article is None:
        yield _reject(path, number, offset, SKIP_REASONS["no_text"], f"no main text found in {url}", body)
    else:
        yield replace_fields(article, capture=(captured if captured is not None else -1, hashlib.sha1(body).hexdigest()))
    if missing:
        yield _reject(path, number, offset, "truncated_record", f"record block is {missing} bytes shorter than its Content-Length; "
                      f"{'the article was extracted from the bytes present' if article else 'nothing was extracted'}", url or "")


MAX_RESYNCS = 1_000
_WARC_MARK = b"WARC/1."


class _Prefixed(io.RawIOBase):
    """``prefix`` bytes, then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream):
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n], self._prefix = self._prefix[:n], self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _seek_record(stream, start: int):
    """Skip to the first line that begins ``WARC/1.`` at or after decompressed offset ``start``.

    Used to resume after bytes warcio cannot parse (garbage between records, a broken header).

    Returns:
        ``(offset of that line, a raw stream that starts there)``, or None at end of data.
    """
    pos = 0
    while pos < start - 1:
        chunk = stream.read(min(1 << 16, start - 1 - pos))
        if not chunk:
            return None
        pos += len(chunk)
    buf = b""
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            return None
        buf += chunk
        i = buf.find(b"\n" + _WARC_MARK)
        if i >= 0:
            return pos + i + 1, _Prefixed(buf[i + 1:], stream)
        keep = len(_WARC_MARK)
        pos, buf = pos + len(buf) - keep, buf[-keep:]


def read_warc(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """Yield one Article per HTML response record with main text, and a Reject for every other record.

    Args:
        path: a ``.warc``, ``.warc.gz``, ``.arc`` or ``.arc.gz`` file (gzip is recognised by its
            magic bytes, whatever the name says).
        compression: the compression told from the name (used when the bytes are not gzip).

    Yields:
        Articles with ``capture = (WARC-Date in µs or -1, sha1 of the body)``, and Rejects:
        :data:`SKIP_REASONS`, ``warc_<type>_record`` for request/metadata/warcinfo/resource
        records, ``truncated_record``, ``invalid_warc_record`` and ``truncated_or_corrupt_file``.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    codec = "gzip" if gzipped else (compression if compression != "gzip" else None)
    number, offset, start, resyncs = -1, 0, 0, 0
    notices = _WarcioNotices.install()
    notices.drain()  # nothing left from an earlier file of this thread
    while True:
        stream = _StopAtDamage(open_binary(path, codec, cfg.max_decompressed_bytes))
        failed = False
        with stream:
            found = _seek_record(stream, start) if start else (0, stream)
            if found is None:
                break
            base, raw = found
            offset = base
            records = ArchiveIterator(io.BufferedReader(raw, 1 << 16), arc2warc=True)
            records.INC_RECORD = notices.inc_record_template()  # its "Record not followed by newline": a notice, not stderr
            try:
                for record in records:
                    offset = base + records.offset  # start of this record (get_record_offset() would consume it)
                    if notices.found:  # said on the way to this record (the length of the one before, its own URI)
                        yield from _notice_rejects(notices.drain(), path, number, base, offset)
                    number += 1
                    if record.rec_type == "response":
                        yield from _response(record, path, rel_path, number, offset, cfg)
                    elif record.rec_type == "revisit":
                        yield _reject(path, number, offset, SKIP_REASONS["revisit"], f"revisit of {_target_uri(record)}", _target_uri(record) or "")
                    else:
                        yield _reject(path, number, offset, not_response_reason(record.rec_type), f"{record.rec_type} record", _target_uri(record) or "")
            except Exception as err:  # warcio raises many types (AttributeError, OverflowError, ...) on damaged bytes
                number += 1
                yield _reject(path, number, offset, "invalid_warc_record", f"{type(err).__name__}: {err}; reading resumes at the next WARC record",
                              b"" if isinstance(err, ArchiveLoadFailed) else str(err))
                failed = True
            if notices.found:  # said after the last record (its length)
                yield from _notice_rejects(notices.drain(), path, number, base)
            if not failed:
                end = base + records.offset  # where the next record would start
                if stream.error is None and stream.count > end + 4:  # more than the closing CRLFs
                    number += 1
                    yield _reject(path, number, end, "truncated_record",
                                  f"{stream.count - end} bytes at the end are not a complete record", b"")
        if not failed or resyncs >= MAX_RESYNCS:
            break
        resyncs, start = resyncs + 1, offset + 1
    if stream.error is not None:
        reason = "decompressed_too_large" if isinstance(stream.error, DecompressedSizeExceeded) else "truncated_or_corrupt_file"
        yield _reject(path, number + 1, -1, reason, f"{type(stream.error).__name__}: {stream.error}", b"")


def read_html(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """One HTML page a file (``.html``, ``.htm``, ``.xhtml``, optionally ``.gz``): one Article or a Reject.

    There is no HTTP header: the charset comes from a BOM, ``<meta>`` or the detector. The id is
    derived from the relative path (a page's own canonical link is not trusted for grouping).
    """
    try:
        with open_binary(path, compression, cfg.max_decompressed_bytes) as stream:
            data = stream.read(cfg.max_record_bytes + 1)
    except DecompressedSizeExceeded as err:
        yield _reject(path, 0, -1, "decompressed_too_large", str(err), b"")
        return
    except (EOFError, OSError, ValueError) as err:
        yield _reject(path, 0, -1, "truncated_or_corrupt_file", f"{type(err).__name__}: {err}", b"")
        return
    if len(data) > cfg.max_record_bytes:
        yield _reject(path, 0, 0, "record_too_large", f"page exceeds max_record_bytes {cfg.max_record_bytes}", data)
        return
    if not data.removeprefix(codecs.BOM_UTF8).strip():  # blank (also compressed): as every format
        yield empty_file(path)
        return
    article = page_to_article(data, content_type=None, url=None, source_file=path, rel_path=rel_path, record=0, favor=cfg.html_favor)
    yield article if article is not None else _reject(path, 0, 0, SKIP_REASONS["no_text"], "no main text found in the page", data)
