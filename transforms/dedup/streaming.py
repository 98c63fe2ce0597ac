"""Beam wiring of streaming dedup (logic in :mod:`transforms.dedup.streaming_core`).

``BandDedupFn`` is a stateful DoFn keyed by LSH band bucket in the global window: paragraphs
are buffered until the watermark passes their event time (an event-time timer), then decided in
``(event time, paragraph id)`` order against the bucket's remembered members; an expiry timer
clears a bucket ``state_expiry_seconds`` of event time after its newest member.
``FirstArrivalFn`` (same state machine, :class:`DecideAtWatermarkFn`) keeps one article per id.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms import trigger, window
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from transforms.dedup.core import with_band_keys
from transforms.dedup import streaming_core as sc
from transforms.dedup.transforms import DedupWithinFn
from transforms.records import Article


class DecideAtWatermarkFn(beam.DoFn):
    """KV[key, item with ``time_us``] -> outputs of :meth:`decide`, per key in the global window.

    Items are buffered until the watermark passes their ``time_us`` (an event-time timer), then
    :meth:`decide` gets them with the key's remembered members; an expiry timer clears the
    members ``expiry_s`` seconds after the newest one. Subclasses implement :meth:`decide`.
    """

    PENDING = BagStateSpec("pending", PickleCoder())
    SEEN = BagStateSpec("seen", PickleCoder())
    NEXT = ReadModifyWriteStateSpec("next", PickleCoder())
    DECIDE = TimerSpec("decide", beam.TimeDomain.WATERMARK)
    EXPIRE = TimerSpec("expire", beam.TimeDomain.WATERMARK)

    def __init__(self, expiry_s: int):
        self._expiry_us = expiry_s * 1_000_000

    def decide(self, ready: list, seen: list, now_us: int) -> tuple[list, list]:
        """-> ``(outputs, new members)``: outputs are ``(value, time_us, tag)`` (tag None: the main output)."""
        raise NotImplementedError

    def process(self, kv, pending=beam.DoFn.StateParam(PENDING), next_=beam.DoFn.StateParam(NEXT),
                decide=beam.DoFn.TimerParam(DECIDE)):
        _, item = kv
        pending.add(item)
        current = next_.read()
        if current is None or item.time_us < current:
            next_.write(item.time_us)
            decide.set(Timestamp(micros=item.time_us))

    @on_timer(DECIDE)
    def on_decide(self, fired=beam.DoFn.TimestampParam, pending=beam.DoFn.StateParam(PENDING),
                  seen=beam.DoFn.StateParam(SEEN), next_=beam.DoFn.StateParam(NEXT),
                  decide=beam.DoFn.TimerParam(DECIDE), expire=beam.DoFn.TimerParam(EXPIRE)):
        now = fired.micros
        items = list(pending.read())
        ready = [i for i in items if i.time_us <= now]
        waiting = [i for i in items if i.time_us > now]
        outputs, members = self.decide(ready, list(seen.read()), now)
        pending.clear()
        for i in waiting:
            pending.add(i)
        seen.clear()
        for m in members:
            seen.add(m)
        if waiting:
            nxt = min(i.time_us for i in waiting)
            next_.write(nxt)
            decide.set(Timestamp(micros=nxt))
        else:
            next_.clear()
        if members:
            expire.set(Timestamp(micros=max(m.time_us for m in members) + self._expiry_us))
        for value, time_us, tag in outputs:
            stamped = window.TimestampedValue(value, Timestamp(micros=time_us))
            yield stamped if tag is None else beam.pvalue.TaggedOutput(tag, stamped)

    @on_timer(EXPIRE)
    def on_expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()


class BandDedupFn(DecideAtWatermarkFn):
    """KV[bucket key, StreamItem] -> Verdict (timestamped at the paragraph's event time), by
    :func:`transforms.dedup.streaming_core.decide_bucket`."""

    def __init__(self, dedup_cfg, expiry_s: int):
        super().__init__(expiry_s)
        self._cfg = dedup_cfg

    def decide(self, ready, seen, now_us):
        verdicts, members = sc.decide_bucket(ready, seen, now_us, self._cfg, self._expiry_us)
        return [(v, v.time_us, None) for v in verdicts], members


class FirstArrivalFn(DecideAtWatermarkFn):
    """KV[article id, Arrival] -> the first arrival's Article (at its arrival time); every later
    arrival of the id within ``expiry_s`` seconds of arrival time goes to the tagged output
    ``rejects`` (``duplicate_article_id``), by :func:`transforms.dedup.streaming_core.first_arrivals`."""

    REJECTS = "rejects"

    def decide(self, ready, seen, now_us):
        outputs, members = sc.first_arrivals(ready, seen, now_us, self._expiry_us)
        return [(value, t, None if isinstance(value, Article) else self.REJECTS) for value, t in outputs], members


class FirstArrivals(beam.PTransform):
    """PCollection[Article] timestamped at arrival (global window) -> ``(articles, rejects)``:
    one Article per article id (the first by arrival time, ties by source file and record), the
    later ones as ``duplicate_article_id`` Rejects (both timestamped at their arrival).

    Args:
        expiry_s: how long (seconds of arrival time) an id is remembered.
    """

    def __init__(self, expiry_s: int):
        super().__init__()
        self._expiry_s = expiry_s

    def expand(self, articles):
        out = (
            articles
            | "KeyById" >> beam.Map(_arrival).with_output_types(beam.typehints.KV[str, sc.Arrival])
            | "FirstById" >> beam.ParDo(FirstArrivalFn(self._expiry_s)).with_outputs(FirstArrivalFn.REJECTS, main="articles")
        )
        return out.articles, out.rejects


def _arrival(article, ts=beam.DoFn.TimestampParam):
    return article.article_id, sc.Arrival(ts.micros, article.source_file, article.source_record, article)


def _entries(candidate, ts=beam.DoFn.TimestampParam):
    return sc.bucket_entries(candidate, ts.micros)


def windowing(stream_cfg):
    """Fixed event-time windows, late firings within the allowed lateness, accumulating panes
    (each pane holds everything of its window so far)."""
    return beam.WindowInto(
        window.FixedWindows(stream_cfg.window_seconds),
        trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
        accumulation_mode=trigger.AccumulationMode.ACCUMULATING,
        allowed_lateness=stream_cfg.allowed_lateness_seconds,
    )


def _with_expected(kv):
    article_id, (article, within, candidates) = kv
    return article_id, (article, within, sc.expected_verdicts(candidates))


class StreamingDedup(beam.PTransform):
    """Timestamped PCollection[Article] (cleaned, global window) ->
    PCollection[(Article, [ParagraphDecision], duplicate_of_article)] in fixed windows.

    Within-article dedup as in batch; across articles through :class:`BandDedupFn`; an article
    is assembled once all its bucket verdicts are in (CoGroupByKey by article id per window).
    """

    def __init__(self, clean_cfg, dedup_cfg, stream_cfg):
        super().__init__()
        self._clean, self._cfg, self._stream = clean_cfg, dedup_cfg, stream_cfg

    def expand(self, articles):
        per_article = articles | "DecideWithin" >> beam.ParDo(_WithinFn(self._clean, self._cfg))
        # -> (article_id, (Article, [ParagraphDecision], [Candidate]))
        verdicts = (
            per_article
            | "Candidates" >> beam.FlatMap(lambda kv: kv[1][2])
            | "BucketEntries" >> beam.FlatMap(_entries).with_output_types(beam.typehints.KV[bytes, sc.StreamItem])
            | "BandDedup" >> beam.ParDo(BandDedupFn(self._cfg, self._stream.state_expiry_seconds))
            | "WindowVerdicts" >> windowing(self._stream)
            | "KeyVerdicts" >> beam.Map(lambda v: (v.pid.rsplit("/", 1)[0], v))
        )
        heads = per_article | "WindowArticles" >> windowing(self._stream) | "Expected" >> beam.Map(_with_expected)
        return (
            {"article": heads, "verdicts": verdicts}
            | "JoinVerdicts" >> beam.CoGroupByKey()
            | "Assemble" >> beam.FlatMap(lambda kv, cfg: [r for r in [sc.complete_article(kv[1], cfg)] if r], self._cfg)
        )


class _WithinFn(beam.DoFn):
    """Article -> (article_id, (Article, within decisions, candidates)) via :class:`DedupWithinFn`."""

    def __init__(self, clean_cfg, dedup_cfg):
        self._within = DedupWithinFn(clean_cfg, dedup_cfg)

    def process(self, article):
        decisions, candidates = [], []
        for out in self._within.process([article]):
            if isinstance(out, beam.pvalue.TaggedOutput):
                if out.tag == DedupWithinFn.DECISIONS:
                    decisions = out.value[1]
            else:
                candidates.append(out)
        yield article.article_id, (article, decisions, with_band_keys(candidates, self._within._cfg))
