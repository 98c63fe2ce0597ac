"""Pure readers: one input file -> Article records and Reject dead letters.

No Beam import here. Every reader streams its file (nothing is read whole except plain-text
articles, which are one article a file), never raises on bad data and yields a
:class:`~transforms.records.Reject` with file, record number, byte offset and reason instead.
"""
from __future__ import annotations

import bz2
import codecs
import csv
import email.utils
import glob
import gzip
import html
import io
import json
import os
import re
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import urlsplit

import xxhash

from transforms.ingest import textfile
from transforms.ingest.blocks import pre_text, table_text
from transforms.records import Article, Reject

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
FORMATS = {
    ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv",
    ".txt": "text",
    ".parquet": "parquet",
    ".sgm": "reuters-sgml",
    ".warc": "warc", ".arc": "warc",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
DEFAULT_FIELDS = {
    "id": "id", "url": "url", "domain": "domain", "title": "title", "text": "text",
    "published": "published", "language": "language", "author": "author",
    "language_source": "language_source",  # the column newsetl writes: its own output read back keeps it
}
EXCERPT_CHARS = 200


class DecompressedSizeExceeded(IOError):
    """Raised by :class:`LimitedReader` when a file decompresses past the configured limit."""


def detect_format(path: str, configured: str = "auto") -> tuple[str, str | None]:
    """Return ``(format, compression)`` for a path from its extensions.

    Args:
        path: file path, e.g. ``dump.jsonl.zst``.
        configured: the configured format; anything but ``auto`` wins over the extension.

    Raises:
        ValueError: the format cannot be told from the name and none is configured.
    """
    name = path.lower()
    compression = None
    for ext, comp in COMPRESSIONS.items():
        if name.endswith(ext):
            compression, name = comp, name[: -len(ext)]
            break
    if configured != "auto":
        return configured, compression
    for ext, fmt in FORMATS.items():
        if name.endswith(ext):
            return fmt, compression
    raise ValueError(f"cannot tell the format of {path!r} from its name; set ingest.format")


class LimitedReader(io.RawIOBase):
    """A binary stream that raises :class:`DecompressedSizeExceeded` past ``limit`` bytes.

    Guards against decompression bombs: the limit is on decompressed bytes.
    """

    def __init__(self, raw: IO[bytes], limit: int):
        self._raw, self._limit, self.consumed = raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        self.consumed += len(data)
        if self.consumed > self._limit:
            raise DecompressedSizeExceeded(f"decompressed size exceeds {self._limit} bytes")
        buffer[: len(data)] = data
        return len(data)

    def source_position(self) -> int:
        """Bytes of the stored (compressed) file read so far (progress reporting).

        Raises:
            OSError, ValueError: the position cannot be told (e.g. the file is closed).
        """
        return self._raw.source_position() if isinstance(self._raw, _Decompressing) else self._raw.tell()

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Decompressing(io.RawIOBase):
    """Raw stream over a compressed file that hands out every byte decoded before damage.

    Uses the standard incremental decompressors (zlib for gzip, bz2, zstandard), feeding
    64 KiB at a time and continuing across concatenated members/frames. A file that ends
    inside a member raises ``EOFError`` only after all its decodable bytes were read.
    """

    def __init__(self, path: str, new_decompressor):
        self._file = open(path, "rb")
        self._new = new_decompressor
        self._dec = new_decompressor()
        self._pending = b""
        self._done = False
        self._in_member = False
        self._pos = 0
        self._out = 0
        self._error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._pos >= len(self._pending):
            self._pending, self._pos = b"", 0
        while not self._pending and not self._done:
            chunk = self._file.read(1 << 16)
            if not chunk:
                self._done = True
                if self._in_member:
                    raise EOFError("compressed file ended before the end-of-stream marker (truncated)")
                break
            while chunk:
                self._in_member = True
                try:
                    self._pending += self._dec.decompress(chunk)
                except Exception as err:  # damage: hand out what was decoded, then raise
                    self._error, self._done = err, True
                    break
                chunk = b""
                if self._dec.eof:  # a member/frame ended; the rest may start another
                    chunk, self._dec, self._in_member = self._dec.unused_data, self._new(), False
        if self._pos >= len(self._pending) and self._error is not None:
            err, self._error = self._error, None
            raise OSError(f"corrupt compressed data after byte {self._out}: {err}")
        n = min(len(buffer), len(self._pending) - self._pos)
        self._out += n
        buffer[:n] = self._pending[self._pos: self._pos + n]
        self._pos += n
        return n

    def source_position(self) -> int:
        """Bytes of the compressed file read so far."""
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


class _ZstdDecompressor:
    """zstandard's decompressobj with the ``eof``/``unused_data`` surface of zlib's."""

    def __init__(self):
        import zstandard

        self._obj = zstandard.ZstdDecompressor().decompressobj()

    def decompress(self, data: bytes) -> bytes:
        return self._obj.decompress(data)

    @property
    def eof(self) -> bool:
        return self._obj.eof

    @property
    def unused_data(self) -> bytes:
        return self._obj.unused_data


_DECOMPRESSORS = {
    "gzip": lambda: zlib.decompressobj(wbits=31),
    "bz2": bz2.BZ2Decompressor,
    "zstd": _ZstdDecompressor,
}


def open_binary(path: str, compression: str | None, max_bytes: int) -> IO[bytes]:
    """Open ``path`` for streaming binary reads, decompressing gzip, bz2 or zstd.

    Args:
        max_bytes: decompressed-size limit; reading past it raises DecompressedSizeExceeded.

    Raises:
        OSError: the file cannot be opened.
    """
    raw = _Decompressing(path, _DECOMPRESSORS[compression]) if compression else open(path, "rb", buffering=0)
    return io.BufferedReader(LimitedReader(raw, max_bytes), buffer_size=1 << 16)


def decode(data: bytes, declared: str | None, fallback: str | None) -> tuple[str, str]:
    """Decode one record's bytes.

    Order: the declared encoding if any; else UTF-8; else the fallback encoding (windows-1252
    by default), recorded as ``"<name> (fallback)"``. A leading UTF-8 byte-order mark is removed
    in every case (not only when the rest is valid UTF-8); a UTF-16/32 one decodes the bytes in
    that encoding (:func:`transforms.ingest.textfile.decode_whole`).

    Returns:
        ``(text, charset)``.

    Raises:
        UnicodeDecodeError: the bytes are not valid in the declared encoding, or not valid
            UTF-8 and the fallback is switched off. ``err.start`` is the byte offset in ``data``.
    """
    return textfile.decode_whole(data, declared, fallback)


def input_root(pattern: str) -> str:
    """Return the directory part of a glob before its first wildcard (the input root)."""
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    if head == pattern:  # no wildcard: a plain file
        return os.path.dirname(pattern)
    return head if head.endswith(os.sep) else os.path.dirname(head)


def _known_format(path: str) -> bool:
    try:
        detect_format(path)
        return True
    except ValueError:
        return False


# Names of the texts shipped beside data (licence, read-me, provenance, index), any case, alone or
# followed by ".", "-" or "_" and more: LICENSE, LICENSE.upstream.txt, README.TXT, readme.txt, SOURCE.md
NOTICE_NAMES = re.compile(r"^(licen[cs]e|notice|copying|copyright|readme|source|index)([._-].*)?$", re.IGNORECASE)
NOTICE_SKIPPED = "notice_file"  # the reasons of a file a directory input does not read
UNKNOWN_SKIPPED = "unknown_format"
DIRECTORY_SKIPPED = "glob_directory"  # a directory a glob matched beside files: a glob does not descend


def is_notice(path: str) -> bool:
    """True for a notice file: a name of :data:`NOTICE_NAMES` in no data format newsetl reads
    but plain text (``LICENSE``, ``README.TXT``, ``LICENSE.upstream.txt``, ``SOURCE.md``,
    ``notice.txt.gz``), so ``source.html.gz`` (a page in a folder of web pages) or
    ``index.jsonl`` is not one."""
    name = os.path.basename(path)
    if not NOTICE_NAMES.match(name):
        return False
    try:
        return detect_format(name)[0] == "text"
    except ValueError:
        return True


OUTPUT_SKIPPED = "newsetl_output"  # a directory below a directory input that holds a newsetl release


def _walk_inputs(pattern: str, root: str, onerror) -> tuple[list[str], list[str]]:
    """The files below the directory input ``root`` and the directories below it that hold
    newsetl's own output (:func:`pipelines.output_guard.newsetl_kind`: a release with
    ``_SUCCESS``, a dataset with newsetl's ``report.json``, a leftover staging directory or
    ``--streaming`` windows), which are not walked: their tables, ``report.html`` and
    ``index/`` are not news (an earlier run written into the input tree read 418 records
    instead of 321). Links to directories are not followed.

    Raises:
        FileNotFoundError: ``root`` itself is newsetl output (the message says how to read its
            articles back).
    """
    from pipelines.output_guard import newsetl_kind

    def output_kind(directory: str) -> str | None:
        try:
            return newsetl_kind(directory)
        except OSError:  # cannot be listed: os.walk reports it
            return None

    kind = output_kind(root)
    if kind is not None:
        articles = (f"the glob '{os.path.join(root, 'window=*', 'pane=*', 'articles', '*.parquet')}'"
                    if kind == "streaming output" else f"its articles directory ({os.path.join(root, 'articles')})")
        raise FileNotFoundError(f"input {pattern} is newsetl output ({kind}), not news to read: to read its articles "
                                f"back, give {articles} as the input")
    files, outputs = [], []
    for directory, subdirs, names in os.walk(root, onerror=onerror):
        below = [os.path.join(directory, d) for d in sorted(subdirs)]
        found = [d for d in below if output_kind(d) is not None]
        outputs += found
        subdirs[:] = [os.path.basename(d) for d in below if d not in found]
        files += [os.path.join(directory, n) for n in names]
    return files, outputs


def expand_inputs(patterns: list[str]) -> list[tuple[str, str]]:
    """:func:`list_inputs` without the skipped files: a sorted list of ``(file, root)``."""
    return list_inputs(patterns)[0]


def known_extensions() -> str:
    """The file name endings newsetl reads a format from, for messages: ``.jsonl, .json, ...
    (also .gz, .bz2, .zst)``."""
    return ", ".join(FORMATS) + " (also " + ", ".join(e for e in COMPRESSIONS if e != ".zstd") + ")"


def _extension(path: str) -> str:
    """The extension of a file name, a compression suffix included (``.xyz.gz``); ``"none"``."""
    name, compression = os.path.basename(path).lower(), ""
    for ext in COMPRESSIONS:
        if name.endswith(ext) and name != ext:
            name, compression = name[: -len(ext)], ext
            break
    return (os.path.splitext(name)[1] + compression) or "none"


def unreadable_input(pattern: str, unknown: list[str], notices: bool = False) -> str:
    """The one-line message of an input that names no file newsetl reads: ``unknown`` are the
    files of unknown format it found (their extensions are named), ``notices`` whether a
    directory held notice files only."""
    message = f"input {pattern!r} matches no file"
    if unknown:
        extensions = sorted({_extension(f) for f in unknown})
        shown = ", ".join(extensions[:5]) + (", ..." if len(extensions) > 5 else "")
        return (f"{message} newsetl reads: {len(unknown)} file(s) of unknown format (extension {shown}); newsetl reads "
                f"{known_extensions()}; to read other names, give them by a glob or path and set ingest.format")
    return message + (" but notice files (LICENSE, README ...)" if notices else "") + _bracket_hint(pattern)


def _bracket_hint(pattern: str) -> str:
    """For a glob with ``[``: the same glob with every ``[`` taken literally (``[[]``) when that
    one matches files (a directory named ``ünï [x]``: in a glob ``[x]`` matches the letter x)."""
    if "[" not in pattern:
        return ""
    literal = pattern.replace("[", "[[]")
    found = [f for f in glob.glob(literal, recursive=True) if os.path.isfile(f)]
    hint = "; in a glob, [...] matches one of the characters inside: write a literal [ as [[]"
    return hint + (f" ({literal!r} matches {len(found)} file(s))" if found else "")


def directories_matched(pattern: str, directories: list[str]) -> str:
    """The one-line message of a glob that matches directories and no file: a glob takes the
    files it matches, not the files below a directory. Names the directories (three at most)
    and the two ways to read them: the directories (or their parent) as ``--input`` (a directory
    input is read recursively), or a glob that reaches the files."""
    shown = ", ".join(d.rstrip(os.sep) + os.sep for d in directories[:3]) + (f", +{len(directories) - 3} more" if len(directories) > 3 else "")
    parents = sorted({os.path.dirname(d.rstrip(os.sep)) or "." for d in directories})
    parent = f"{parents[0]!r}, " if len(parents) == 1 else ""
    return (f"input {pattern!r} matches {len(directories)} director{'y' if len(directories) == 1 else 'ies'} and no file "
            f"({shown}); a glob reads the files it matches, not the files below a directory: give a directory as "
            f"--input ({parent}read recursively, every file of a known format below it), or a glob that reaches the "
            f"files ({(pattern.rstrip(os.sep) + os.sep + '*.EXT')!r}, {(pattern.rstrip(os.sep) + os.sep + '**' + os.sep + '*.EXT')!r})")


def _parents(path: str) -> Iterator[str]:
    """The directories above ``path``, as ``os.path.dirname`` gives them, nearest first."""
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)


def list_inputs(patterns: list[str], configured_format: str = "auto") -> tuple[list[tuple[str, str]], list[dict]]:
    """Expand input globs (or directories) to a sorted list of ``(file, root)`` and the files
    a directory input passed over on purpose.

    A glob (or a file path) takes every file it matches (an unknown format becomes a reject);
    a path that names an existing file is read as it is (not taken as a glob); every real file
    is read once (links and ``**`` through link loops: :func:`_one_path_a_file`);
    a directory takes the files below it with a known format extension (so a ``SOURCE.md``
    beside the dumps is not read) except notice files (:func:`is_notice`: ``LICENSE.txt``,
    ``README.TXT`` ...), which are returned as skipped: ``[{"path", "reason": "notice_file"}]``,
    sorted, for ``report.json`` and the run summary, as are its files of unknown format
    (``"unknown_format"``). Name one by a glob or path to read it. A glob reads the files it
    matches, not what is below the directories it matches: those are listed as skipped
    (``"glob_directory"``; not a directory some matched file is below, as with ``data/**``), and a glob that matches directories only is an error
    (:func:`directories_matched`).
    A glob or path whose every file has an unknown format (``'dumps/*.jsnol'``; not with
    ``configured_format``, ``ingest.format`` other than ``auto``), or a directory that holds no
    file of a known format, is an error naming the extensions found and those newsetl reads
    (:func:`unreadable_input`); an unknown file among known ones is read (an ``unknown_format``
    Reject) from a glob, and listed as skipped by a directory.

    Raises:
        FileNotFoundError: a pattern matches no file (or none of a known format), a directory
            below an input cannot be listed, a link below it is dangling, or a file cannot be
            read; the message names it.
    """
    seen: dict[str, str] = {}
    skipped: dict[str, str] = {}  # path -> reason

    def unlistable(err: OSError):
        raise FileNotFoundError(f"input directory {err.filename} cannot be listed: {err.strerror}")

    for pattern in patterns:
        if os.path.isdir(pattern):  # a directory: every file below it whose format is known
            root = pattern.rstrip(os.sep)
            files, outputs = _walk_inputs(pattern, root, unlistable)
            skipped.update(dict.fromkeys(outputs, OUTPUT_SKIPPED))
            dangling = [p for p in files if os.path.islink(p) and not os.path.exists(p) and _known_format(p)]
            if dangling:
                raise FileNotFoundError(f"input {dangling[0]} is a link to a missing file")
            files = [p for p in files if os.path.isfile(p) and not os.path.basename(p).startswith((".", "_"))]
            notices = {p for p in files if is_notice(p)}  # NOTICE.md too, though .md is no format newsetl reads
            unknown = [p for p in files if p not in notices and not _known_format(p)]
            files = [p for p in files if p not in unknown and p not in notices]
        elif os.path.isfile(pattern):  # an existing file is read even when its name has glob characters ("a [x].jsonl")
            notices = set()
            root = os.path.dirname(pattern).rstrip(os.sep)
            files = [pattern]
        else:
            notices = set()
            root = input_root(pattern).rstrip(os.sep)
            matched = glob.glob(pattern, recursive=True)
            files = [p for p in matched if os.path.isfile(p)]
            directories = sorted(p.rstrip(os.sep) for p in matched if os.path.isdir(p))
            if not files and directories:
                raise FileNotFoundError(directories_matched(pattern, directories))
            read_below = {parent for f in files for parent in _parents(f)}  # "data/**": their files are matched too
            skipped.update(dict.fromkeys((d for d in directories if d not in read_below), DIRECTORY_SKIPPED))
        if not os.path.isdir(pattern):
            files = [f for f in files if not os.path.basename(f).startswith((".", "_"))]
            unknown = [] if configured_format != "auto" or any(map(_known_format, files)) else files
            files = [] if unknown else files
        if not files:
            raise FileNotFoundError(unreadable_input(pattern, unknown, bool(notices)))
        skipped.update(dict.fromkeys(notices, NOTICE_SKIPPED))
        if os.path.isdir(pattern):  # listed, not silently passed over (a .tsv or .jsonl.xz among the dumps)
            skipped.update(dict.fromkeys(unknown, UNKNOWN_SKIPPED))
        unreadable = [f for f in files if not os.access(f, os.R_OK)]
        if unreadable:
            raise FileNotFoundError(f"input {unreadable[0]} is not readable (permission denied)")
        for f in files:
            seen.setdefault(f, root)
    return sorted(_one_path_a_file(seen).items()), [{"path": p, "reason": r} for p, r in sorted(skipped.items()) if p not in seen]


def _one_path_a_file(found: dict[str, str]) -> dict[str, str]:
    """``found`` with one path per real file (:func:`os.path.realpath`): a ``**`` glob follows
    links to directories, so a link loop (or a second link to the same file) names one file many
    times; the shortest path (fewest separators, then sorted first) is kept."""
    by_real: dict[str, str] = {}
    for path in sorted(found, key=lambda p: (p.count(os.sep), p)):
        by_real.setdefault(os.path.realpath(path), path)
    return {path: found[path] for path in by_real.values()}


def relative_path(path: str, root: str) -> str:
    """Path of ``path`` relative to the input root, with ``/`` separators."""
    rel = os.path.relpath(path, root) if root else path
    return rel.replace(os.sep, "/")


def derived_article_id(rel_path: str, record: int) -> str:
    """Stable id for an article without one: xxh64 of ``"<rel_path>:<record>"`` as 16 hex digits."""
    return xxhash.xxh64_hexdigest(f"{rel_path}:{record}".encode("utf-8"))


_EPOCH_DIGITS = re.compile(r"[0-9]{9,10}|[0-9]{12,13}")  # a string epoch: seconds or milliseconds
_MIN_US = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
_MAX_US = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z


def parse_published(value: Any, formats: tuple[str, ...] = ()) -> int | None:
    """Parse a publication time to microseconds since the epoch (UTC).

    Accepts, in this order: ``datetime`` objects; numbers since the epoch: seconds, or
    milliseconds / microseconds / nanoseconds when the magnitude says so (>= 1e11, 1e14, 1e17:
    no news is dated after the year 5138 in seconds), also as a string of digits only: 9-10
    digits (seconds, ``"1709632800"``) or 12-13 (milliseconds, ``"1709632800000"``); an epoch of
    0 or below is the common "unknown" and gives None (counted as unparsed); ISO 8601 strings (``datetime.fromisoformat``,
    a trailing ``Z`` allowed); RFC 2822 dates as in RSS and e-mail (``Tue, 05 Mar 2024 10:00:00
    GMT``, ``email.utils.parsedate_to_datetime``); then each ``strptime`` format of ``formats``
    (``ingest.published_formats``, e.g. ``%m-%d-%Y``). A time without zone is taken as UTC.

    Returns:
        Microseconds since 1970-01-01 UTC, or None for null, blank, unparseable, non-finite or
        out-of-range values (years 1-9999). :func:`published_unparsed` tells a value that was
        given but did not parse from a missing one.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and _EPOCH_DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")) or value <= 0:
            return None
        scale = next((f for bound, f in ((1e11, 1_000_000), (1e14, 1_000), (1e17, 1)) if abs(value) < bound), None)
        us = int(value * scale) if scale is not None else (int(value) // 1_000 if abs(value) < 1e20 else None)
        return us if us is not None and _MIN_US <= us <= _MAX_US else None
    dt = value if isinstance(value, datetime) else _parse_date_text(str(value).strip(), formats)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse_date_text(text: str, formats: tuple[str, ...]) -> datetime | None:
    """ISO 8601, then RFC 2822, then each strptime format; None when none fits."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def published_unparsed(value: Any, published_us: int | None) -> bool:
    """True when a ``published`` value was given (not null, not blank) but did not parse.

    Such an article keeps ``published`` = null and is counted (``published_unparsed`` in
    ``report.json``), never passed over silently.
    """
    return published_us is None and value is not None and not (isinstance(value, str) and not value.strip())


# "scheme://host[:port]" then "/", "?", "#" or the end, the host of plain ASCII letters, digits,
# "." "-" "_": urlsplit's hostname is the host lower-cased (no user info, brackets, percent signs,
# white space or control characters, which urlsplit strips or rejects).
_PLAIN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://([A-Za-z0-9._\-]+)(?::[0-9]*)?(?:[/?#]|\Z)")


# A scheme not followed by a port ("example.com:8080/x" is a host and port): a URL without "//"
# that starts like this names no host.
_SCHEME_NO_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?![0-9])")


def domain_of(url: str | None) -> str | None:
    """Host of a URL, lower-cased, without a leading ``www.``; None if there is none (also for
    ``javascript:``, ``mailto:`` and other URLs without ``//`` that start with a scheme).

    ``urllib.parse.urlsplit(url).hostname``; a plain ``https://host/...`` URL (most of them) is
    read by one regex instead, the same host (tested on real URLs and odd ones)."""
    if not url:
        return None
    plain = _PLAIN_URL.match(url)
    if plain:
        host = plain.group(1).lower()
        return host[4:] if host.startswith("www.") else host
    if "//" not in url and _SCHEME_NO_HOST.match(url):  # javascript:..., mailto:..., urn:...: no host
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


URL_UNUSABLE = "url_unusable"  # the per-file count of report.json: url values that name no web address
# a host an article can be fetched from: a name whose last label starts with a letter (a top-level
# domain: "com", "uk", "xn--p1ai"), "localhost", an IPv4 address in dotted quads, or an IPv6 one
_WEB_HOST = re.compile(r"[^.\s]+(?:\.[^.\s]+)*\.[^\W\d_][\w-]*\.?|localhost|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def article_url(url: str | None) -> tuple[str | None, str | None, bool]:
    """``(url, domain, unusable)`` of an input record's url text (:func:`field_text` of it).

    A URL whose host (:func:`domain_of`) is a web host (a name under a top-level domain,
    ``localhost``, an IP address) gives itself and that domain; one with a scheme but no such
    host (``mailto:...``, ``javascript:...``, ``http://12345``) is kept with domain None, as
    before. Anything else names no web address: a number (``"url": 12345``, a CSV ``12345``,
    an integer Parquet column), ``n/a``, a relative path (``/news/1.html``). Such a url is
    written as null (never as a domain) and counted: ``unusable`` True, ``report.json`` ->
    ``url_unusable`` per input file. The article is kept: its text is not at fault (datatrove
    and CCNet keep a document's metadata as given; a CCNet domain is always a host).
    Blank or None gives ``(None, None, False)``.
    """
    if url is None or not url.strip():
        return None, None, False
    host = domain_of(url)
    if host is not None and _WEB_HOST.fullmatch(host):
        return url, host, False
    if _SCHEME.match(url):
        return url, None, False
    return None, None, True


# HTML in a text field (a scraper's raw body): the block tags that end a paragraph, two or more
# <br> in a row, and a lone <br> (a line break); only when the text holds a closing block tag or
# a <br>, so prose that names a tag ("the <p> tag") is not cut
_HTML_MARKUP = re.compile(r"</(?:p|div|li|h[1-6]|blockquote|tr|section|article)\s*>|<br\s*/?>", re.IGNORECASE)
_HTML_BLOCK = re.compile(r"\s*(?:</?(?:p|div|li|ul|ol|h[1-6]|blockquote|tr|table|section|article)(?:\s[^<>]*)?>\s*"
                         r"|(?:<br\s*/?>\s*){2,})+", re.IGNORECASE)
_HTML_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def html_breaks(text: str, separator: str | re.Pattern) -> str:
    """``text`` with the paragraph ends its HTML marks (``</p>``, ``<p>``, ``</div>``, ``</li>``,
    headings, two or more ``<br>``) turned into what ``separator`` splits on (a blank line, or a
    newline when the separator is one) and a lone ``<br>`` into a newline; the tags themselves
    are removed later by cleaning. Text without such markup is returned as it is."""
    if "<" not in text or not _HTML_MARKUP.search(text):
        return text
    brk = "\n" if re.fullmatch(separator, "\n") else "\n\n"
    return _HTML_BR.sub("\n", _HTML_BLOCK.sub(brk, text))


# HTML written with entities ("&lt;p&gt;First.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;", a scraper that escaped the
# markup): a closing block tag or a <br>, as _HTML_MARKUP, escaped
_ESCAPED_MARKUP = re.compile(r"&lt;(?:/(?:p|div|li|h[1-6]|blockquote|tr|section|article)\s*|br\s*/?)&gt;", re.IGNORECASE)
# a <pre> or (outermost, not nested) <table> element of HTML in a text field
_BLOCK_ELEMENT = re.compile(r"<(?P<tag>pre|table)\b[^<>]*>(?P<inner>.*?)</(?P=tag)\s*>", re.IGNORECASE | re.DOTALL)


def unescape_markup(text: str) -> str:
    """``text`` with its entities decoded when it is HTML written with entities: it holds escaped
    markup (:data:`_ESCAPED_MARKUP`: ``&lt;/p&gt;``, ``&lt;br&gt;``) twice or starts with an
    escaped tag, and no such tag written as is; so that its paragraph ends split it as those of
    unescaped HTML do. Else ``text`` unchanged (``a &lt; b``, a sentence naming ``&lt;/p&gt;``
    once: left for cleaning to decode)."""
    if "&lt;" in text and (found := _ESCAPED_MARKUP.findall(text)) and not _HTML_MARKUP.search(text) \
            and (len(found) > 1 or text.lstrip().startswith("&lt;")):
        return html.unescape(text)
    return text


def split_paragraphs(text: str, separator: str | re.Pattern) -> tuple[str, ...]:
    """Split a text field into paragraphs on the separator regex (a pattern or its compiled
    form), after :func:`html_breaks`; blank pieces are kept as ''."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = html_breaks(unescape_markup(text), separator)
    return tuple(map(str.strip, re.split(separator, text.strip())))


def split_blocks(text: str, separator: str | re.Pattern) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """:func:`split_paragraphs`, except that each ``<pre>`` and each ``<table>`` element of HTML
    in the field is ONE paragraph, whatever blank lines or row ends it holds: a ``<pre>`` as a
    browser shows its text (:func:`transforms.ingest.blocks.pre_text`: line breaks and
    indentation kept), a table as its rows (:func:`transforms.ingest.blocks.table_text`:
    ``| a | b |`` lines, as trafilatura writes the tables of web pages).

    Returns:
        ``(paragraphs, blocks)``: ``blocks`` the positions of those paragraphs
        (``Article.blocks``: cleaning keeps their line breaks). Without such elements: the
        result of :func:`split_paragraphs` and ``()``; the pieces around one that are blank give
        no paragraph, and an empty element none either.
    """
    text = unescape_markup(text)
    if "<" not in text or not (found := list(_BLOCK_ELEMENT.finditer(text))):
        return split_paragraphs(text, separator), ()
    paragraphs: list[str] = []
    blocks: list[int] = []
    start = 0
    for m in found:
        if text[start:m.start()].strip():
            paragraphs += split_paragraphs(text[start:m.start()], separator)
        if block := (pre_text(m.group("inner")) if m.group("tag").lower() == "pre" else table_text(m.group(0))):
            blocks.append(len(paragraphs))
            paragraphs.append(block)
        start = m.end()
    if text[start:].strip():
        paragraphs += split_paragraphs(text[start:], separator)
    return tuple(paragraphs), tuple(blocks)


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")  # BCP 47 shape: "en", "en-GB", "yue", "zh_Hant"


def recognisable_language(value: Any) -> bool:
    """True when an input ``language`` value can name a language: a string (blank counts: it
    means none given) shaped like a language tag (ISO 639-1/2/3 code and subtags: ``en``,
    ``EN-us``, ``yue``, ``und``), a language name lingua knows (``English``) or a language's
    name in its own language (``Deutsch``, :func:`transforms.language.core.endonyms`). False for
    anything else (a number, ``"klingon-ish language"``): the article's language is then
    unknown (the detector runs) and counted as ``language_unrecognised``."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or _LANGUAGE_TAG.fullmatch(text):
        return True
    from lingua import Language

    try:
        Language.from_str(text.lower())
        return True
    except ValueError:
        from transforms.language.core import endonyms

        return text.casefold() in endonyms()


class Unusable(str):
    """The reject reason of a record :meth:`RecordMapper.to_article` cannot use (equal to the
    plain reason, e.g. ``"bad_id"``), carrying the one-line ``detail`` its dead letter gets.
    Only between the mapper and the reader: a :class:`~transforms.records.Reject` holds ``str(reason)``."""

    def __new__(cls, reason: str, detail: str):
        out = super().__new__(cls, reason)
        out.detail = detail
        return out

    def __reduce__(self):
        return (Unusable, (str(self), self.detail))


def missing_text_detail(field: str, columns, types: dict | None = None) -> str:
    """Why a row of a table (CSV header, Parquet schema) gives no text: no ``field`` column
    (naming the columns there are, and one that differs only in case), a column of another type
    than text (``types``: column -> type name), else an empty value."""
    columns = [str(c) for c in columns]
    if field not in columns:
        same = [c for c in columns if c.lower() == field.lower()]
        shown = ", ".join(columns[:8]) + (f", +{len(columns) - 8} more" if len(columns) > 8 else "")
        return (f"no column {field!r} (columns: {shown}); map one with ingest.fields"
                + (f", e.g. {{text: {same[0]}}}" if same and field == DEFAULT_FIELDS["text"] else "")
                + (f" (did you mean {same[0]!r}?)" if same and field != DEFAULT_FIELDS["text"] else ""))
    kind = (types or {}).get(field)
    if kind is not None and kind not in ("string", "large_string", "string_view"):
        return f"column {field!r} holds {kind}, not text"
    return f"the row's {field!r} value is empty or not text"


_JSON_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}


def missing_field_detail(record, field: str) -> str:
    """Why a JSON record gives no text: the ``field`` is absent (naming the fields it has), null or
    blank, or holds another JSON type (``"text": 42`` -> ``'text' is a number, not text``)."""
    if isinstance(record, dict) and field not in record:
        keys = [str(k) for k in record]
        shown = ", ".join(keys[:8]) + (f", +{len(keys) - 8} more" if len(keys) > 8 else "")
        return f"record has no {field!r} field (fields: {shown or 'none'}); map one with ingest.fields"
    if not isinstance(record, dict) or record[field] is None:
        return f"record has no {field!r} field" + (" (null)" if isinstance(record, dict) else "")
    kind = _JSON_TYPE_NAMES.get(type(record[field]))
    return f"{field!r} is {kind}, not text" if kind else f"record's {field!r} is blank"


def reject_detail(reason: str, fallback: str) -> str:
    """The detail line of a :meth:`RecordMapper.to_article` reason: its own, else ``fallback``."""
    return getattr(reason, "detail", fallback)


BAD_ID = "bad_id"
_ID_TYPE_NAMES = {bool: "a boolean", float: "a float", list: "a list", tuple: "a list", dict: "an object"}


def own_article_id(value: Any) -> str | None:
    """The article id an input record's ``id`` value gives.

    A string as it is; an integer (a JSON number without fraction or exponent, an integer
    column of Parquet) as its decimal string, so ``1`` and ``"1"`` name the same article; None
    for null or the empty string (the id is then :func:`derived_article_id`).

    Raises:
        TypeError: any other type (boolean, float such as ``1.0``, list, object, bytes,
            timestamp ...): the record becomes a dead letter ``bad_id``; the message names the type.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    kind = _ID_TYPE_NAMES.get(type(value)) or f"of type {type(value).__name__}"
    raise TypeError(f"id {json.dumps(value, default=str)[:80]} is {kind}; an id must be a string or an integer")


BAD_FIELD = "bad_field"
TEXT_FIELDS = ("url", "domain", "title", "author")  # the Article's string fields a record's value must fit


def rendered(value: Any) -> Any:
    """``value["rendered"]`` for an object whose ``rendered`` is a string (the WordPress REST API
    gives ``title``, ``content`` and ``excerpt`` as ``{"rendered": "<html>", ...}``), else ``value``."""
    if isinstance(value, dict) and isinstance(value.get("rendered"), str):
        return value["rendered"]
    return value


def named(value: Any) -> Any:
    """``value["name"]`` for an object whose ``name`` is a string (a schema.org ``Person`` or
    ``Organization``, as JSON-LD ``author`` gives them: ``{"@type": "Person", "name": "..."}``),
    None for an empty object (``"author": {}``, as an empty list), else ``value``."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"]
    return None if value == {} else value


def field_text(key: str, value: Any, joined: bool = False) -> str | None:
    """The string an input record's text field (title, url, domain, author) gives.

    A string as it is; a number as ``str``; WordPress's ``{"rendered": "..."}`` as its string
    (:func:`rendered`); a list (a scraper's items, news-please's ``authors``) without its null and
    blank items: none gives None, one its string, several (only when ``joined``: the authors)
    their strings joined with ``", "``; null gives None. When ``joined`` (the authors), a
    schema.org object with a ``name`` (:func:`named`), alone or in a list, gives that name.

    Args:
        key: the input field name, for the message.

    Raises:
        TypeError: any other object, a list of several values where one belongs, or a list
            holding an object or a list: the record becomes a dead letter ``bad_field``; the
            message names the field and the value (never stored as a Python repr).
    """
    value = named(rendered(value)) if joined else rendered(value)
    if value is None or isinstance(value, str):
        return value
    shown = json.dumps(value, default=str, ensure_ascii=False)[:80]
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [named(rendered(v)) if joined else rendered(v) for v in value]
        if any(not isinstance(v, (str, int, float)) for v in items if v is not None):
            raise TypeError(f"{key} {shown} holds an object or a list; {key} must be a string or a list of strings")
        items = [str(v).strip() for v in items if v is not None and str(v).strip()]
        if len(items) > 1 and not joined:
            raise TypeError(f"{key} {shown} is a list of {len(items)} values; {key} must be one string")
        return ", ".join(items) or None
    raise TypeError(f"{key} {shown} is an object without a \"rendered\" string; {key} must be a string"
                    + (" or a list of strings" if joined else ""))


class RecordMapper:
    """Maps one decoded input record (a dict) to an :class:`Article`.

    Args:
        ingest_cfg: the ``ingest`` section of the config.
    """

    def __init__(self, ingest_cfg):
        self.cfg = ingest_cfg
        self.fields = {**DEFAULT_FIELDS, **dict(ingest_cfg.fields)}
        self.separator = re.compile(ingest_cfg.paragraph_separator)

    def get(self, record: dict, name: str):
        value = record.get(self.fields[name])
        if value is None:
            return None
        if isinstance(value, (list, tuple)):  # e.g. news-please's authors; empty items left out
            value = ", ".join(str(v).strip() for v in value if v is not None and str(v).strip()) or None
        return value

    def to_article(self, record: dict, source_file: str, rel_path: str, number: int, charset: str) -> Article | str:
        """Return the Article, or a reject reason string when the record is unusable.

        A value no field can take (e.g. an object where text belongs that breaks a conversion)
        gives ``unusable_record`` for this record only; it never ends the file.
        """
        try:
            return self._to_article(record, source_file, rel_path, number, charset)
        except (ValueError, TypeError, OverflowError, RecursionError):
            return "unusable_record"

    def _to_article(self, record: dict, source_file: str, rel_path: str, number: int, charset: str) -> Article | str:
        if not isinstance(record, dict):
            return "not_an_object"
        raw_text = rendered(record.get(self.fields["text"]))
        if isinstance(raw_text, (list, tuple)) and raw_text and all(isinstance(t, str) for t in raw_text):
            paragraphs, blocks = (), ()
            for t in raw_text:
                more, more_blocks = split_blocks(t, self.separator)
                blocks += tuple(len(paragraphs) + b for b in more_blocks)
                paragraphs += more
        elif isinstance(raw_text, str):
            paragraphs, blocks = split_blocks(raw_text, self.separator)
        else:
            return "missing_text"
        try:
            own_id = own_article_id(record.get(self.fields["id"]))
        except TypeError as err:
            return Unusable(BAD_ID, str(err))
        try:
            url, domain, title, author = (field_text(self.fields[name], record.get(self.fields[name]), name == "author")
                                          for name in TEXT_FIELDS)
        except TypeError as err:
            return Unusable(BAD_FIELD, str(err))
        language = self.get(record, "language")
        unrecognised = language is not None and not recognisable_language(language)
        if unrecognised:
            language = None
        language_source = self.get(record, "language_source") if language is not None else None
        raw_published = self.get(record, "published")
        published = parse_published(raw_published, self.cfg.published_formats)
        url, url_domain, url_unusable = article_url(url)
        return Article(
            article_id=own_id if own_id is not None else derived_article_id(rel_path, number),
            url=url,
            domain=domain.lower() if domain else url_domain,
            title=title.strip() if title is not None else None,
            published_us=published,
            language=str(language) if language is not None else None,
            author=author,
            language_source=str(language_source) if language_source is not None else None,  # checked by the language stage
            paragraphs=paragraphs,
            charset=charset,
            source_file=source_file,
            source_record=number,
            published_unparsed=published_unparsed(raw_published, published),
            language_unrecognised=unrecognised,
            url_unusable=url_unusable,
            blocks=blocks,
        )


def _reject(path, record, offset, reason, detail, excerpt) -> Reject:
    if isinstance(excerpt, bytes):
        excerpt = excerpt[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    reason = str(reason)  # a plain str: an Unusable (str subclass) would be pickled through every shuffle
    return Reject(path, record, offset, "ingest", reason, detail.splitlines()[0][:300] if detail else reason, (excerpt or "")[:EXCERPT_CHARS])


def _read_errors():
    import zstandard

    return (EOFError, OSError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError, ValueError)


def read_jsonl(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """Yield one Article per JSON line (or a Reject). Handles BOM, CRLF and a cut last line.

    The file is read in chunks of whole lines (:mod:`transforms.ingest.jsonl`, which a Beam
    pipeline parses on several workers) and each chunk parsed in turn. A ``.json`` file that
    holds one JSON array or one (pretty-printed) object is read whole instead
    (:func:`read_json_document`)."""
    from transforms.ingest import jsonl

    document = read_json_document(path, rel_path, compression, cfg)
    if document is not None:
        yield from document
        return

    for chunk in jsonl.chunks(path, rel_path, compression, cfg):
        yield from jsonl.parse(chunk, chunk.data, cfg)


def is_json_name(path: str) -> bool:
    """True for a ``.json`` file name (``x.json``, ``x.json.gz`` ...), which may hold one JSON
    document instead of JSON Lines."""
    name = path.lower()
    for ext in COMPRESSIONS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return name.endswith(".json")


def json_document_bytes(path: str, compression: str | None, cfg, head_only: bool = False) -> bytes | Reject | None:
    """The bytes of a ``.json`` file that is one JSON document (an array, or an object spread
    over lines: :func:`transforms.ingest.textfile.json_document_start` of its first non-blank
    line, after any BOM and blank lines), any BOM removed; None for JSON Lines (a name other
    than ``.json``, a first non-blank line that is a record, or a file that cannot be read: the
    JSON Lines reader reports it); a Reject
    ``json_document_too_large`` for a document over
    :data:`~transforms.ingest.textfile.JSON_DOCUMENT_MAX_BYTES` (it is parsed in memory).
    ``head_only``: decide from the first line only; a document gives ``b""``."""
    if not is_json_name(path):
        return None
    limit = textfile.JSON_DOCUMENT_MAX_BYTES
    try:
        with open_binary(path, compression, cfg.max_decompressed_bytes) as stream:
            first = head = stream.readline(cfg.max_record_bytes + 1).removeprefix(codecs.BOM_UTF8)
            while first and not first.strip() and len(head) <= cfg.max_record_bytes:  # blank lines before the document
                first = stream.readline(cfg.max_record_bytes + 1)
                head += first
            if not textfile.json_document_start(first):
                return None
            if head_only:
                return b""
            data = head + stream.read(max(0, limit + 1 - len(head)))
    except _read_errors():
        return None
    if len(data) > limit:
        return _reject(path, -1, 0, textfile.JSON_DOCUMENT_TOO_LARGE, f"a .json file holding one JSON document is parsed whole: over {limit >> 20} MiB; convert it to JSON Lines", data[:EXCERPT_CHARS])
    return data


def read_json_document(path: str, rel_path: str, compression: str | None, cfg) -> list[Article | Reject] | None:
    """The Articles and Rejects of a ``.json`` file holding one JSON array (one record an item)
    or one object (one record), parsed with :func:`json.loads`; None when the file is JSON Lines
    or does not parse as one document (it is then read as JSON Lines: a Reject a bad line)."""
    data = json_document_bytes(path, compression, cfg)
    if data is None or isinstance(data, Reject):
        return None if data is None else [data]
    records = textfile.json_document(data)
    if records is None:
        return None
    mapper, out = RecordMapper(cfg), []
    for number, record in enumerate(records):
        result = mapper.to_article(record, path, rel_path, number, "utf-8")
        if isinstance(result, str):
            why = missing_field_detail(record, mapper.fields["text"]) if result == "missing_text" else "an array item must be an object"
            out.append(_reject(path, number, -1, result, reject_detail(result, why), json.dumps(record, default=str)[:EXCERPT_CHARS]))
        else:
            out.append(result)
    return out


def empty_file(path: str) -> Reject:
    """The Reject of a file that holds no records at all."""
    return _reject(path, -1, 0, "empty_file", "the file holds no records", b"")


def _decode_file(path, compression, cfg, record: int = -1, mode: str = "whole") -> tuple[str, str] | tuple[str, str, frozenset[int], str] | Reject:
    """Read and decode a whole file; damage, size limits, bad bytes and binary content (NUL and
    control characters, :func:`transforms.ingest.textfile.is_binary`) come back as a Reject.

    ``mode``: ``"whole"`` (:func:`transforms.ingest.textfile.decode_whole`, ``(text, charset)``),
    ``"detect"`` (the same with charset detection for non-UTF-8 bytes) or ``"lines"``
    (:func:`transforms.ingest.textfile.decode_lines`, ``(text, charset, numbers of the lines not
    UTF-8, their charset)``).
    """
    try:
        with open_binary(path, compression, cfg.max_decompressed_bytes) as stream:
            data = stream.read()
    except DecompressedSizeExceeded as err:
        return _reject(path, record, -1, "decompressed_too_large", str(err), b"")
    except _read_errors() as err:
        return _reject(path, record, -1, "truncated_or_corrupt_file", f"{type(err).__name__}: {err}", b"")
    try:
        if mode == "lines":
            decoded = textfile.decode_lines(data, cfg.encoding, cfg.fallback_encoding)
        else:
            decoded = textfile.decode_whole(data, cfg.encoding, cfg.fallback_encoding, detect_charset=mode == "detect")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start)
        return _reject(path, line, err.start, "undecodable", f"byte 0x{data[err.start]:02x} at byte offset {err.start} is not valid {err.encoding}", data[max(0, err.start - 60): err.start + 60])
    if not decoded[0].strip():
        return empty_file(path)
    return binary_content(path, record, decoded[0], decoded[1]) or decoded


def binary_content(path: str, record: int, text: str, charset: str) -> Reject | None:
    """The ``binary_content`` Reject of a file whose decoded start ``text`` is not text
    (:func:`transforms.ingest.textfile.is_binary`: NUL and control characters), else None."""
    if not textfile.is_binary(text):
        return None
    share = textfile.binary_share(text)
    return _reject(path, record, 0, textfile.BINARY_CONTENT, f"not text: {share:.0%} of the first characters are NUL or control characters ({charset})", text[:EXCERPT_CHARS].encode("unicode_escape"))


def read_csv(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """Yield one Article per CSV row. The file is decoded as a whole (CSV fields may span lines)."""
    mapper = RecordMapper(cfg)
    decoded = _decode_file(path, compression, cfg, mode="lines")
    if isinstance(decoded, Reject):
        yield decoded
        return
    text, charset, fallback_lines, row_charset = decoded  # rows on a line not valid UTF-8: row_charset (detected or fallback)
    csv.field_size_limit(max(cfg.max_record_bytes, 131072))  # the module's 128 KiB default is too small
    rows = csv_rows(text, cfg.csv.delimiter)
    columns = list(cfg.csv.columns) if cfg.csv.columns else None
    if cfg.csv.header:
        header = next((row for row, _, _, _ in rows if row is not None), None)
        if columns is None:
            columns = header
    if not columns:
        yield _reject(path, -1, 0, "no_columns", "CSV has no header and ingest.csv.columns is not set", text[:200])
        return
    number = -1
    for row, line, excerpt, end in rows:
        number += 1
        if row is None:
            yield _reject(path, number, -1, "invalid_csv", f"line {line}: {excerpt[0]}", excerpt[1])
            continue
        if not row:
            continue
        if len(row) != len(columns):
            yield _reject(path, number, -1, "wrong_column_count", f"line {line}: {len(row)} columns, expected {len(columns)}", ",".join(row))
            continue
        if cfg.csv.newline_escape:
            row = [v.replace(cfg.csv.newline_escape, "\n") for v in row]
        mixed = fallback_lines and any(n in fallback_lines for n in range(line, end + 1))
        result = mapper.to_article(dict(zip(columns, row)), path, rel_path, number, row_charset if mixed else charset)
        yield _reject(path, number, -1, result, reject_detail(result, missing_text_detail(mapper.fields["text"], columns)),
                      ",".join(row)) if isinstance(result, str) else result


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[list[str] | None, int, tuple[str, str] | None, int]]:
    """Parse CSV text with the ``csv`` module in strict mode, recovering from broken records.

    A quote left open would otherwise swallow every following row into one field. In strict
    mode the parser raises instead; the record that started on that line is given back as
    broken and parsing resumes on the next physical line.

    Yields:
        ``(row, 1-based line where the record starts, None, line where it ends)`` or
        ``(None, line, (error message, first 200 characters of the broken line), line)``.
    """
    lines = io.StringIO(text, newline="").readlines()  # the lines csv counts (not U+2028, \x0c, ...)
    start = 0
    while start < len(lines):
        reader = csv.reader(io.StringIO("".join(lines[start:]), newline=""), delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for row in reader:
                yield row, start + consumed + 1, None, start + reader.line_num
                consumed = reader.line_num
            return
        except csv.Error as err:
            yield None, start + consumed + 1, (str(err), lines[start + consumed][:EXCERPT_CHARS]), start + consumed + 1
            start += consumed + 1


def read_text(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """One article a file: the headline on the first line, paragraphs separated by blank lines."""
    decoded = _decode_file(path, compression, cfg, record=0, mode="detect")
    if isinstance(decoded, Reject):
        yield decoded
        return
    text, charset = decoded
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    title, _, body = text.partition("\n")
    yield Article(
        article_id=derived_article_id(rel_path, 0),
        url=None, domain=None, title=title.strip() or None, published_us=None, language=None, author=None,
        paragraphs=split_paragraphs(body, cfg.paragraph_separator) if body.strip() else (),
        charset=charset, source_file=path, source_record=0,
    )


def read_parquet(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """Yield one Article per Parquet row, streaming record batches."""
    import pyarrow.parquet as pq

    mapper = RecordMapper(cfg)
    number = -1
    try:
        with pq.ParquetFile(path) as pf:
            schema = pf.schema_arrow
            missing = missing_text_detail(mapper.fields["text"], schema.names, {f.name: str(f.type) for f in schema})
            for batch in pf.iter_batches(batch_size=1024):
                for record in batch.to_pylist():
                    number += 1
                    result = mapper.to_article(record, path, rel_path, number, "utf-8")
                    yield _reject(path, number, -1, result, reject_detail(result, missing), json.dumps(record, default=str)[:200]) if isinstance(result, str) else result
    except Exception as err:  # pyarrow raises ArrowInvalid/OSError variants for damaged files
        yield _reject(path, number + 1, -1, "truncated_or_corrupt_file", f"{type(err).__name__}: {err}", b"")


def read_reuters_sgml(path: str, rel_path: str, compression: str | None, cfg) -> Iterator[Article | Reject]:
    """Reuters-21578 ``reut2-NNN.sgm[.gz]``: one article per story with a body (own id ``NEWID<n>``).

    Stories without a ``<BODY>`` are rejected with reason ``missing_text``.
    """
    from transforms.ingest.reuters import stories

    decoded = _decode_file(path, compression, cfg)
    if isinstance(decoded, Reject):
        yield decoded
        return
    text, charset = decoded
    mapper = RecordMapper(cfg)
    for number, record, excerpt in stories(text):
        if record is None:
            yield _reject(path, number, -1, "missing_text", "the story has no <BODY>", excerpt)
            continue
        result = mapper.to_article(record, path, rel_path, number, charset)
        yield _reject(path, number, -1, result, reject_detail(result, "unusable story"), excerpt) if isinstance(result, str) else result


_PEEKED_FORMATS = frozenset({"warc"})  # the other text formats' readers tell blank files themselves
_BLANK_PEEK = 4096


def _blank_file(path: str, fmt: str, compression: str | None) -> bool:
    """True for a file of 0 bytes, or (WARC, stored uncompressed) of at most
    :data:`_BLANK_PEEK` bytes that are only white space and a UTF-8 BOM: its Reject is
    ``empty_file`` whatever the format. The JSON Lines, CSV, text, SGML and HTML readers give
    ``empty_file`` for blank (also compressed) files themselves, without a second read."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            return True
        if compression or fmt not in _PEEKED_FORMATS or size > _BLANK_PEEK:
            return False
        with open(path, "rb") as f:
            data = f.read(_BLANK_PEEK)
    except OSError:
        return False
    return not data.removeprefix(codecs.BOM_UTF8).strip()


READERS = {"jsonl": read_jsonl, "csv": read_csv, "text": read_text, "parquet": read_parquet,
           "reuters-sgml": read_reuters_sgml}


def read_file(path: str, root: str, cfg) -> Iterator[Article | Reject]:
    """Read one input file with the reader its format calls for.

    Args:
        path: the file.
        root: the input root it was found under (for stable derived ids).
        cfg: the ``ingest`` config section.

    Yields:
        Article or Reject records, in file order. Never raises for bad content.
    """
    try:
        fmt, compression = detect_format(path, cfg.format)
    except ValueError as err:
        yield _reject(path, -1, -1, "unknown_format", str(err), b"")
        return
    rel_path = relative_path(path, root)
    if fmt in ("warc", "html"):  # web captures: transforms/ingest/warc.py (imports this module)
        from transforms.ingest import warc

        reader = warc.read_warc if fmt == "warc" else warc.read_html
    else:
        reader = READERS[fmt]
    if _blank_file(path, fmt, compression):
        yield empty_file(path)
        return
    produced = False
    try:
        for item in reader(path, rel_path, compression, cfg.for_file(path, rel_path)):
            produced = True
            yield item
        if not produced:  # a file with no records at all is shown, not passed over
            yield empty_file(path)
    except OSError as err:
        yield _reject(path, -1, -1, "unreadable_file", f"{type(err).__name__}: {err}", b"")
