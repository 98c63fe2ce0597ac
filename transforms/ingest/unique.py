"""Unique article ids, decided in batches (no Beam import).

Two records may carry one ``article_id`` (the same id twice in a dump, or several web captures of
one canonical URL). The first by ``(source_file, source_record)`` is kept, or for web captures the
one :func:`transforms.ingest.warc.select_capture` chooses; the others become rejects.

The reader spills each batch of articles to a file and shuffles only small references. To pay
Beam's per-element cost per batch and not per article, a batch's references travel as one element
per id partition (:func:`partition_refs`): a hash range of the article id, so every record of an
id meets in one partition (:func:`choose_firsts`), and the partition count scales with the input
(:func:`id_partitions`), so a distributed runner spreads the work.
"""
from __future__ import annotations

from typing import NamedTuple

import xxhash

from transforms.ingest import warc

ID_PARTITION_BYTES = 64 << 20  # input file bytes (as stored, compressed or not) per id partition


class ArticleRef(NamedTuple):
    """One record of an article id: its identity and where its spill file holds it (the text
    stays on disk, :mod:`transforms.spill`). The id shuffle carries these fields as plain tuples
    (:func:`partition_refs`); :func:`choose_firsts` builds an ArticleRef only for an id read more
    than once."""

    source_file: str
    source_record: int
    capture: tuple
    url: str | None
    title: str  # at most 200 characters (the reject excerpt)
    spill: str
    position: int


def id_partitions(input_bytes: int) -> int:
    """Id partitions for ``input_bytes`` of input files: one per :data:`ID_PARTITION_BYTES`, at least one."""
    return max(1, -(-input_bytes // ID_PARTITION_BYTES))


def partition_of(article_id: str, partitions: int) -> int:
    """Hash range (not modulo) of the id's xxh64 among ``partitions``: stable across processes."""
    return (xxhash.xxh64_intdigest(article_id.encode("utf-8", "surrogatepass")) * partitions) >> 64


def partition_refs(articles, spill_path: str, partitions: int) -> list[tuple[int, tuple[str, list[tuple]]]]:
    """The references of one spilled batch, one element per id partition.

    Args:
        articles: the batch's Articles, in spill file order (position = list position).
        spill_path: the spill file holding them.

    Returns:
        ``[(partition, (spill_path, [(article_id, source_file, source_record, capture, url,
        title[:200], position), ...])), ...]``, partitions ascending.
    """
    by_part: dict[int, list[tuple]] = {}
    for i, a in enumerate(articles):
        by_part.setdefault(partition_of(a.article_id, partitions), []).append(
            (a.article_id, a.source_file, a.source_record, a.capture, a.url, (a.title or "")[:200], i))
    return [(p, (spill_path, refs)) for p, refs in sorted(by_part.items())]


class Superseded(NamedTuple):
    """A record that lost its article id to another: the reject's fields."""

    ref: ArticleRef
    reason: str  # superseded_capture | duplicate_article_id
    detail: str


def choose(article_id: str, refs: list[ArticleRef]) -> tuple[ArticleRef, list[Superseded]]:
    """The kept record of one article id and the others (any input order gives the same answer)."""
    if len(refs) == 1:
        return refs[0], []
    if all(r.capture for r in refs):
        first, others = warc.select_capture(refs)
        reason, detail = "superseded_capture", f"superseded by the capture of {first.url} chosen (latest WARC-Date) from"
    else:
        first, *others = sorted(refs, key=lambda r: (r.source_file, r.source_record))
        reason, detail = "duplicate_article_id", f"article_id {article_id!r} already read from"
    return first, [Superseded(d, reason, f"{detail} {first.source_file} record {first.source_record}") for d in others]


def choose_firsts(batches) -> tuple[dict[str, list[int]], list[Superseded]]:
    """Every id of one partition decided: the kept positions by spill file, and the superseded.

    Args:
        batches: ``(spill_path, refs)`` values of one partition (:func:`partition_refs`), any order.

    Returns:
        ``({spill_path: [position, ...]}, [Superseded, ...])``; positions in no set order.
    """
    by_id: dict[str, list[tuple[str, tuple]]] = {}
    for path, refs in batches:
        for ref in refs:
            by_id.setdefault(ref[0], []).append((path, ref))
    kept: dict[str, list[int]] = {}
    superseded: list[Superseded] = []
    for article_id, seen in by_id.items():
        if len(seen) == 1:  # the common case: one record has this id
            path, ref = seen[0]
            kept.setdefault(path, []).append(ref[6])
            continue
        first, others = choose(article_id, [ArticleRef(*ref[1:6], path, ref[6]) for path, ref in seen])
        kept.setdefault(first.spill, []).append(first.position)
        superseded.extend(others)
    return kept, superseded
