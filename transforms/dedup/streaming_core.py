"""Streaming paragraph dedup, the pure part (no Beam): per LSH band bucket, the first paragraph
by event time wins (ties: the batch keep order, :func:`transforms.dedup.core.order_rank`);
verdicts of all buckets of a paragraph are merged.

Semantics (docs/ARCHITECTURE.md, "Streaming"): a bucket decides its buffered paragraphs when the
watermark passes their event time, in ``(event time, keep-order key)`` order, so arrival order
within the watermark does not matter. Each paragraph is compared (exact key, else exact shingle
Jaccard >= threshold) with every paragraph the bucket decided before it and not yet expired
(``state_expiry_seconds`` of event time); a late paragraph (behind the watermark) is compared
with everything the bucket already decided, including later ones: emitted decisions are never
revised. Unlike batch, members are remembered whatever their own verdict, so in a chain A~B~C
with A≁C, C is a duplicate of B.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transforms.dedup import core, minhash
from transforms.records import DUPLICATE_ACROSS, KEPT, Candidate, Reject, paragraph_id


@dataclass(frozen=True, slots=True)
class StreamItem:
    """A paragraph in a band bucket: event time (µs since the epoch), id, exact key, shingle
    hashes, and its keep-order key (``Candidate.order``: :func:`transforms.dedup.core.order_rank`
    of its article, then its index), which breaks ties of event time as batch does."""

    time_us: int
    pid: str
    exact_key: bytes
    shingles: bytes
    rank: tuple = ()

    def order(self) -> tuple:
        """``(event time, keep-order key, paragraph id)``: earlier first; a tie (the same poll
        with ``event_time: arrival``, the same published second) goes by the batch keep order,
        not by the id's string order ("NEWID16" < "NEWID4": trial 11, finding 11)."""
        return (self.time_us, self.rank, self.pid)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One bucket's verdict on a paragraph: the best earlier match in that bucket, or none."""

    pid: str
    time_us: int
    match: str | None = None
    match_time_us: int | None = None
    similarity: float | None = None
    match_rank: tuple = ()  # the match's keep-order key (StreamItem.rank)


def bucket_entries(c: Candidate, time_us: int) -> list[tuple[bytes, StreamItem]]:
    """``(bucket key, item)`` for each LSH band of a candidate; a paragraph without band keys
    (shorter than one shingle) goes to one exact-key bucket."""
    item = StreamItem(time_us, paragraph_id(c.article_id, c.index), c.exact_key, c.shingles, c.order)
    keys = minhash.split_band_keys(c.band_keys) or [b"x" + c.exact_key]
    return [(k, item) for k in keys]


def _similarity(a: StreamItem, b: StreamItem) -> float:
    if a.exact_key == b.exact_key:
        return 1.0
    if not a.shingles or not b.shingles:
        return 0.0
    return minhash.exact_jaccard(np.frombuffer(a.shingles, "<u4"), np.frombuffer(b.shingles, "<u4"))


def decide_bucket(ready: list[StreamItem], seen: list[StreamItem], now_us: int, cfg, expiry_us: int
                  ) -> tuple[list[Verdict], list[StreamItem]]:
    """Decide the paragraphs whose event time the watermark has passed, in event-time order.

    Args:
        ready: paragraphs to decide (any order).
        seen: paragraphs this bucket decided before.
        now_us: the event time being decided (the timer's timestamp), for expiry.
        expiry_us: members older than ``now_us - expiry_us`` are forgotten.

    Returns:
        ``(verdicts, new seen state)``; a verdict's match is the seen member with the highest
        similarity >= threshold (ties: earliest by :meth:`StreamItem.order`).
    """
    seen = [m for m in seen if m.time_us >= now_us - expiry_us]
    verdicts = []
    for item in sorted(ready, key=StreamItem.order):
        best = None
        for m in seen:
            if m.pid == item.pid:
                continue
            sim = _similarity(item, m)
            if sim >= cfg.threshold:
                cand = (-sim, m.order())
                best = (cand, m) if best is None or cand < best[0] else best
        if best is None:
            verdicts.append(Verdict(item.pid, item.time_us))
        else:
            m = best[1]
            verdicts.append(Verdict(item.pid, item.time_us, m.pid, m.time_us, round(-best[0][0], 6), m.rank))
        seen.append(item)
    return verdicts, seen


def merge_verdicts(pid: str, verdicts) -> tuple[str, tuple]:
    """All bucket verdicts of one paragraph -> ``(article_id, (index, status, reason, cluster_id,
    duplicate_of, similarity))`` in the shape of the batch across-article decisions."""
    matches = [v for v in verdicts if v.match is not None]
    article_id, index = pid.rsplit("/", 1)
    if not matches:
        return article_id, (int(index), KEPT, None, None, None, None)
    v = min(matches, key=lambda v: (-v.similarity, v.match_time_us, v.match_rank, v.match))
    return article_id, (int(index), DUPLICATE_ACROSS, "exact" if v.similarity == 1.0 else "near", None, v.match, v.similarity)


def expected_verdicts(candidates: list[Candidate]) -> int:
    """How many bucket verdicts an article's candidates will receive (one per bucket entry)."""
    return sum(len(c.band_keys) // 8 or 1 for c in candidates)


def complete_article(grouped: dict, cfg):
    """Assemble one article once every verdict of its paragraphs has arrived.

    Args:
        grouped: ``{"article": [(Article, within decisions, expected verdicts)], "verdicts": [Verdict]}``
            (a CoGroupByKey result; panes accumulate, so a late pane may hold everything).

    Returns:
        ``(Article, [ParagraphDecision], duplicate_of_article)``, or None while incomplete.
    """
    if len(grouped["article"]) != 1:
        return None
    article, within, expected = grouped["article"][0]
    verdicts = list(grouped["verdicts"])
    if len(verdicts) != expected:
        return None
    by_pid: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_pid.setdefault(v.pid, []).append(v)
    across = sorted(merge_verdicts(pid, vs)[1] for pid, vs in by_pid.items())
    decisions, dup_article = core.assemble(article, within, across, cfg)
    return article, decisions, dup_article


@dataclass(frozen=True, slots=True)
class Arrival:
    """An article as it arrived: arrival time (µs since the epoch: the poll that found its file,
    the Pub/Sub publish time, the Kafka record time) and the Article (None once remembered)."""

    time_us: int
    source_file: str
    source_record: int
    article: object = None

    def order(self) -> tuple[int, str, int]:
        return (self.time_us, self.source_file, self.source_record)


def first_arrivals(ready: list[Arrival], seen: list[Arrival], now_us: int, expiry_us: int
                   ) -> tuple[list[tuple], list[Arrival]]:
    """One article id: the first arrival passes, every later one is a ``duplicate_article_id`` Reject.

    Args:
        ready: arrivals of the id whose arrival time the watermark has passed (any order).
        seen: the remembered first arrival of the id (``[]`` or one item, without its Article).
        now_us: the arrival time being decided (the timer's timestamp), for expiry.
        expiry_us: a first arrival older than ``now_us - expiry_us`` is forgotten (the id
            passes again).

    Returns:
        ``(outputs, new seen state)``; outputs are ``(Article or Reject, time_us)`` in
        ``(arrival time, source_file, source_record)`` order: "first" is first by arrival,
        ties (the same poll) by source file, then record, as in batch.
    """
    seen = [m for m in seen if m.time_us >= now_us - expiry_us]
    out = []
    for item in sorted(ready, key=Arrival.order):
        a = item.article
        if not seen:
            seen = [Arrival(item.time_us, item.source_file, item.source_record)]
            out.append((a, item.time_us))
            continue
        first = seen[0]
        out.append((Reject(a.source_file, a.source_record, -1, "ingest", "duplicate_article_id",
                           f"article_id {a.article_id!r} already read from {first.source_file} record {first.source_record}",
                           (a.title or "")[:200]), item.time_us))
    return out, seen


def late_reject(article, event_us: int, arrival_us: int, window_s: int, lateness_s: int):
    """A ``Reject`` (stage ``ingest``, reason ``late``) when an article's fixed event-time window
    had closed for good when it arrived, else None.

    Args:
        event_us, arrival_us: the article's event time and arrival time (the source's timestamp:
            poll time of its file, Pub/Sub publish time, Kafka record time), µs since the epoch.
        window_s, lateness_s: ``streaming.window_seconds`` and ``allowed_lateness_seconds``.

    The window ``[start, end)`` holds ``event_us``; it is closed when ``end + lateness <=
    arrival``. Beam drops such data without a trace once the watermark is past that point;
    the watermark never runs ahead of arrival for the files source, so every article that Beam
    would drop there is dead-lettered here first, and the verdict depends on arrival time only.
    """
    size = window_s * 1_000_000
    end = event_us - event_us % size + size
    if end + lateness_s * 1_000_000 > arrival_us:
        return None
    detail = (f"event time {event_us // 1_000_000} s is in a window that closed at "
              f"{(end // 1_000_000) + lateness_s} s (window end + allowed lateness), before it arrived at {arrival_us // 1_000_000} s")
    return Reject(article.source_file, article.source_record, -1, "ingest", "late", detail, (article.title or "")[:200])
