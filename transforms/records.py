"""Records that flow between stages: immutable; :class:`Article` and :class:`ParagraphDecision`,
built per article and per paragraph, are NamedTuples, the others frozen slots dataclasses. A
changed copy: :func:`replace_fields`.

All records are plain Python values (str, int, bytes, tuples) so Beam pickles them
deterministically; no numpy arrays or datasketch objects cross a shuffle.
"""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple


def _reduce_fields(self):
    """Pickle a slots dataclass as ``(class, field values)``: about twice as fast through Beam's
    coders as the dataclass default (``__getstate__`` by name), same values."""
    return (type(self), tuple(getattr(self, f) for f in self.__slots__))


_WIRE_GETTERS: dict[type, attrgetter] = {}


def to_wire(record) -> tuple:
    """A slots dataclass record as the plain tuple of its field values, in field order.

    Beam's default coder (FastPrimitivesCoder) encodes tuples, str, int, bytes and None natively
    (compiled) but pickles every other object one by one: a bulk shuffle of records sent as
    wire tuples costs a fraction of the pickled records. :func:`from_wire` inverts it.
    """
    if isinstance(record, tuple):  # a NamedTuple record (Article, ParagraphDecision)
        return tuple(record)
    getter = _WIRE_GETTERS.get(type(record))
    if getter is None:
        getter = _WIRE_GETTERS[type(record)] = attrgetter(*type(record).__slots__)
    return getter(record)


_FIELD_INDEX: dict[type, dict[str, int]] = {}


def replace_fields(record, **changes):
    """``dataclasses.replace`` (or a NamedTuple's ``_replace``) for the records here, about three
    times faster than ``dataclasses.replace`` (no field introspection per call): the fields not
    named keep their values.

    Raises:
        KeyError: a name that is not a field of the record.
    """
    cls = type(record)
    index = _FIELD_INDEX.get(cls)
    if index is None:
        index = _FIELD_INDEX[cls] = {name: i for i, name in enumerate(getattr(cls, "_fields", None) or cls.__slots__)}
    values = list(record) if isinstance(record, tuple) else list(to_wire(record))
    for name, value in changes.items():
        values[index[name]] = value
    return tuple.__new__(cls, values) if isinstance(record, tuple) else cls(*values)


def from_wire(cls, values: tuple):
    """Rebuild a record of class ``cls`` from :func:`to_wire`'s tuple (a coder may return the
    nested tuples as lists: fields are taken as decoded)."""
    return tuple.__new__(cls, values) if issubclass(cls, tuple) else cls(*values)

# Paragraph statuses written to paragraphs/ (the audit table).
TITLE = "title"
KEPT = "kept"
DUPLICATE_WITHIN = "duplicate_within"
DUPLICATE_ACROSS = "duplicate_across"
BOILERPLATE = "boilerplate"
DROPPED_RULE = "dropped_rule"
EMPTY = "empty"
DUPLICATE_ARTICLE = "duplicate_article"  # dropped because its article was dropped as a duplicate
STATUSES = (TITLE, KEPT, DUPLICATE_WITHIN, DUPLICATE_ACROSS, BOILERPLATE, DROPPED_RULE, EMPTY, DUPLICATE_ARTICLE)


@dataclass(frozen=True, slots=True)
class Reject:
    """A dead letter: a record (or part of a file) that could not be used.

    Attributes:
        source_file: input path as given.
        source_record: 0-based record number in the file, or -1 when not known.
        byte_offset: byte offset in the (decompressed) file, or -1 when not known.
        stage: ``ingest``, ``clean`` or ``dedup``.
        reason: a short machine-readable reason, e.g. ``invalid_json``.
        detail: a one-line human-readable explanation.
        excerpt: at most 200 characters of the offending input.
    """

    source_file: str
    source_record: int
    byte_offset: int
    stage: str
    reason: str
    detail: str
    excerpt: str


class Article(NamedTuple):
    """One news article.

    Attributes:
        article_id: the dump's own id, else ``xxh64(relative path, record number)`` as hex.
        published_us: publication time as microseconds since the epoch (UTC), or None.
        paragraphs: the body paragraphs as split (after cleaning, before dedup); the title is
            paragraph 0 of the paragraph table and is not in this tuple.
        charset: how the record was decoded, e.g. ``utf-8`` or ``windows-1252 (fallback)``.
        rule_drops: ``(paragraph position, rule name)`` for paragraphs removed by a cleaning rule.
        capture: for a web capture (WARC/ARC response), ``(WARC-Date in µs since the epoch or
            -1, sha1 hex of the body)``: the capture-selection key; empty for other inputs.
        language_source: where ``language`` came from: ``input``, ``fasttext``, ``lingua`` or None.
        published_unparsed: the record gave a ``published`` value that did not parse
            (``published_us`` is None); counted per input file in ``report.json``.
        language_unrecognised: the record gave a ``language`` value that names no language
            (``12``, ``"klingon-ish language"``): ``language`` is None (the detector is asked);
            counted per input file in ``report.json``.
        url_unusable: the record gave a ``url`` value that names no web address (``12345``,
            ``n/a``): ``url`` and ``domain`` are None; counted per input file in ``report.json``.
        blocks: positions (0-based, in ``paragraphs``, ascending) of preformatted blocks, a
            table's rows or a code block's lines joined by newlines in one paragraph
            (transforms/ingest/blocks.py): cleaning keeps their line breaks and indentation.

    A NamedTuple like :class:`ParagraphDecision`: each article is rebuilt several times on its
    way (read, spill, clean, language, assembly), and a frozen dataclass took 3.1 µs to build and
    4.5 µs for :func:`replace_fields` against 0.3 and 0.8 µs.
    """

    article_id: str
    url: str | None
    domain: str | None
    title: str | None
    published_us: int | None
    language: str | None
    author: str | None
    paragraphs: tuple[str, ...]
    charset: str
    source_file: str
    source_record: int
    rule_drops: tuple[tuple[int, str], ...] = ()
    inline_removals: tuple[tuple[str, int], ...] = ()
    capture: tuple = ()
    language_source: str | None = None  # "input" (the dump's), "fasttext" or "lingua" (detected); None: unknown
    published_unparsed: bool = False
    language_unrecognised: bool = False
    url_unusable: bool = False
    blocks: tuple[int, ...] = ()


class ParagraphDecision(NamedTuple):
    """The dedup decision for one paragraph (one row of ``paragraphs/``).

    ``index`` is the paragraph's position as split: 0 is the title, 1.. the body.
    ``duplicate_of`` is a paragraph id ``"<article_id>/<index>"`` of a kept paragraph, of this
    run or, when ``duplicate_of_release`` is set, of that earlier release (``--dedup-against``).

    A NamedTuple, unlike the other records: one is built for every paragraph of the corpus, and a
    frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) cost 1.9 µs against
    0.2 µs (:func:`transforms.dedup.core.decisions_from_wire` at 50 MB: 0.90 -> 0.20 s).
    Immutable as well; ``_replace`` gives a changed copy.
    """

    article_id: str
    index: int
    text: str
    status: str
    reason: str | None = None
    cluster_id: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    duplicate_of_release: str | None = None


def paragraph_id(article_id: str, index: int) -> str:
    """Return the stable paragraph id ``"<article_id>/<index>"``."""
    return f"{article_id}/{index}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paragraph that takes part in across-article dedup (shuffled: compact fields only).

    Paragraphs of earlier releases (``--dedup-against``) enter as Candidates too, with an
    ``article_id`` prefixed by :func:`transforms.dedup.index.release_article_id` and an order
    that sorts before every new paragraph; their own decisions are discarded after dedup.

    Attributes:
        order: the keep-order key; smaller is kept first. ``(rank, article_id, index)``.
        article_id, index: the paragraph's identity.
        domain: the article's domain or None.
        exact_key: 16-byte digest of the matching form (exact-match path).
        shingles: sorted unique uint32 shingle hashes as little-endian bytes (b"" when the
            paragraph is shorter than the shingle size: exact path only).
        band_keys: the LSH band hashes (:func:`transforms.dedup.minhash.band_keys`: ``bands``
            little-endian uint64, 8 bytes each), or b"" when not computed.
    """

    __reduce__ = _reduce_fields

    order: tuple
    article_id: str
    index: int
    domain: str | None
    exact_key: bytes
    shingles: bytes
    band_keys: bytes = b""
