"""Streaming dedup: pure bucket logic, and the streaming pipeline on TestStream with the
BundleBasedDirectRunner (offline), with out-of-order, tied, late and expired arrivals."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.config import config_from_dict
from tests.conftest import ROOT
from transforms.dedup import streaming_core as sc
from transforms.records import Article

CFG = config_from_dict({}).dedup
T0 = 541_555_200  # 1987-03-01T00:00:00Z, in seconds


def _paragraphs(n: int) -> list[str]:
    """The first paragraph of the first ``n`` distinct stories of the shipped Reuters sample."""
    out = []
    with gzip.open(ROOT / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            first = json.loads(line)["text"].split("\n\n")[0]
            if len(first.split()) > 20 and first not in out:
                out.append(first)
            if len(out) == n:
                return out
    raise AssertionError("sample too small")


def _item(pid, t, text):
    from transforms.dedup import core, minhash

    form = core.matching_form(text)
    return sc.StreamItem(t, pid, core.exact_key(form), minhash.hash_shingles(core.shingles(form, 5, 5)).astype("<u4").tobytes())


def test_bucket_decides_in_event_time_order_ties_by_id_and_expires():
    p1, p2 = _paragraphs(2)
    late_first = [_item("b/1", 20, p1), _item("a/1", 10, p1), _item("c/1", 10, p1 + " Reuter"), _item("z/1", 15, p2)]
    verdicts, seen = sc.decide_bucket(late_first, [], 20, CFG, expiry_us=100)
    got = {v.pid: (v.match, v.similarity) for v in verdicts}
    assert got["a/1"] == (None, None) and got["z/1"] == (None, None)
    assert got["c/1"] == ("a/1", 0.971429)  # same event time as a: the smaller id was decided first
    assert got["b/1"] == ("a/1", 1.0)  # a and c both match: the highest similarity wins
    assert [m.pid for m in seen] == ["a/1", "c/1", "z/1", "b/1"]
    verdicts, seen = sc.decide_bucket([_item("d/1", 500, p1)], seen, 500, CFG, expiry_us=100)
    assert verdicts == [sc.Verdict("d/1", 500)] and [m.pid for m in seen] == ["d/1"]  # older members expired


def test_tied_arrivals_keep_what_batch_keeps():
    """Trial 11, finding 11: NEWID4 and NEWID16 of reut2-000 are the same BankAmerica story,
    published 14 minutes apart. Arriving in one poll with ``event_time: arrival`` (a tie), the
    bucket kept NEWID16 ("NEWID16" < "NEWID4" as strings) where batch keeps NEWID4 (published
    first). Ties now go by the batch keep order (``dedup.keep_order``, Candidate.order)."""
    from tests.transforms.dedup.test_short_lines import _both_paths, _reuters_articles

    articles = _reuters_articles({"NEWID4", "NEWID16"}, "reut2-000")
    assert [a.article_id for a in articles] == ["NEWID4", "NEWID16"] and articles[0].published_us < articles[1].published_us
    batch_, streamed = _both_paths(articles, CFG, arrival_us=T0 * 1_000_000)
    assert streamed == batch_
    statuses = {aid: sorted({s for p, s in streamed.items() if p.startswith(aid + "/") and not p.endswith("/0")})
                for aid in ("NEWID4", "NEWID16")}
    assert statuses == {"NEWID4": ["kept"], "NEWID16": ["duplicate_across"]}
    # the verdict's tie-break among equal matches is the keep order too, not the id string
    old = sc.Verdict("x/1", 5, "NEWID4/1", 5, 1.0, (0, 1, "NEWID4", 1))
    new = sc.Verdict("x/1", 5, "NEWID16/1", 5, 1.0, (0, 2, "NEWID16", 1))
    assert sc.merge_verdicts("x/1", [new, old])[1][4] == "NEWID4/1"


def _art(aid, t, *paragraphs):
    return Article(aid, None, "reuters", f"Story {aid}", t * 1_000_000, None, None, tuple(paragraphs), "utf-8", "stream", 0)


def test_streaming_pipeline_on_teststream(tmp_path):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    from pipelines.streaming import build_streaming

    p1, p2, p3, p4, p5 = _paragraphs(5)
    config = config_from_dict({"streaming": {"window_seconds": 3600, "allowed_lateness_seconds": 7200,
                                             "state_expiry_seconds": 86_400}})
    stamped = lambda a: TimestampedValue(a, a.published_us / 1e6)  # noqa: E731
    events = (
        TestStream()
        .advance_watermark_to(T0)
        # out of order: b (t0+600) arrives before a (t0+300); c and d tie at t0+900
        .add_elements([stamped(_art("b", T0 + 600, p1, p2)), stamped(_art("a", T0 + 300, p1, p3)),
                       stamped(_art("d", T0 + 900, p4)), stamped(_art("c", T0 + 900, p4))])
        .advance_watermark_to(T0 + 7200)  # the first window [t0, t0+1h) closes on time
        # late but within the allowed lateness: e repeats b's p2; f (earlier than a) repeats a's p3
        .add_elements([stamped(_art("e", T0 + 1200, p2, p5))])
        .add_elements([stamped(_art("f", T0 + 100, p3))])
        .advance_watermark_to(T0 + 3 * 86_400)
        # three days later: p1 has expired from the dedup state (expiry one day)
        .add_elements([stamped(_art("h", T0 + 3 * 86_400 + 60, p1))])
        .advance_watermark_to(T0 + 3 * 86_400 + 7200)  # the direct runner does not hold the watermark for timer output
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions([])
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(runner=BundleBasedDirectRunner(), options=options) as p:
        articles = p | events
        build_streaming(articles, articles | beam.Filter(lambda _: False), config, str(tmp_path / "out"))

    windows = sorted(d.name for d in (tmp_path / "out").iterdir())
    assert windows == ["window=19870301T000000Z--19870301T010000Z", "window=19870304T000000Z--19870304T010000Z"]
    decisions = {}
    for w in windows:
        panes = sorted((tmp_path / "out" / w).iterdir(), key=lambda d: int(d.name.split("=")[1]))
        assert panes[0].name == "pane=0"
        last = pq.read_table(panes[-1] / "paragraphs").to_pylist()  # accumulating: the last pane has everything
        decisions.update({r["paragraph_id"]: (r["status"], r["duplicate_of"]) for r in last if r["index"] > 0})
        assert {r["article_id"] for r in last} == ({"a", "b", "c", "d", "e", "f"} if w.startswith("window=19870301") else {"h"})
    assert decisions == {
        "a/1": ("kept", None), "a/2": ("kept", None),
        "b/1": ("duplicate_across", "a/1"),  # a is earlier by event time though it arrived later
        "b/2": ("kept", None),
        "c/1": ("kept", None), "d/1": ("duplicate_across", "c/1"),  # tie at t0+900: smaller id wins
        "e/1": ("duplicate_across", "b/2"), "e/2": ("kept", None),  # late, within the lateness
        "f/1": ("duplicate_across", "a/2"),  # late and earlier than a: emitted decisions are never revised
        "h/1": ("kept", None),  # p1 expired from the state
    }


def test_message_article_maps_a_real_record_and_rejects_bad_json(data):
    from pipelines.streaming import message_article
    from transforms.records import Reject

    line = (data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_bytes().splitlines()[0]
    cfg = config_from_dict({"ingest": {"fields": {"published": "publish_date"}, "paragraph_separator": "\\n"}}).ingest
    art = message_article(line, "projects/p/subscriptions/news", 7, cfg)
    assert art.title == "Reynolds High School tragedy: more laws are not the answer"
    assert art.paragraphs[:2] == ("by In the news", "by Dan Lucas") and art.url.startswith("http")
    bad = message_article(b'{"title": "x"', "kafka:news", 8, cfg)
    assert isinstance(bad, Reject) and bad.reason == "invalid_json" and bad.source_record == 8


def test_streaming_cli_refuses_what_the_local_runner_cannot_run(tmp_path, capsys):
    from tests.conftest import run_newsetl, write_config

    cfg = write_config(tmp_path, "streaming:\n  source: pubsub\n  pubsub_subscription: projects/p/subscriptions/s\n")
    assert run_newsetl("run", "--streaming", "--input", tmp_path / "*.jsonl", "--output", tmp_path / "out",
                       "--config", cfg) == 2
    assert "streaming source 'pubsub' needs a --runner that provides it" in capsys.readouterr().err
    assert run_newsetl("run", "--input", tmp_path / "*.jsonl", "--output", tmp_path / "out", "--stop-after", "5") == 2
    assert "--stop-after is a --streaming option" in capsys.readouterr().err
    assert run_newsetl("run", "--streaming", "--input", tmp_path / "*.jsonl", "--output", tmp_path / "out",
                       "--config", tmp_path / "nope.yaml") == 2


def test_late_reject_when_the_window_closed_before_arrival():
    art = _art("x", T0 + 10, "text")  # window [T0, T0+3600) with window_seconds 3600
    close_us = (T0 + 3600 + 600) * 1_000_000  # window end + allowed lateness 600 s
    assert sc.late_reject(art, (T0 + 10) * 1_000_000, close_us - 1, 3600, 600) is None
    late = sc.late_reject(art, (T0 + 10) * 1_000_000, close_us, 3600, 600)
    assert (late.source_file, late.stage, late.reason, late.excerpt) == ("stream", "ingest", "late", "Story x")
    assert str(T0 + 3600 + 600) in late.detail


def test_first_arrival_of_an_id_passes_later_ones_are_rejected_and_the_id_expires():
    def arrival(t, source_file, record, title):
        art = Article("NEWID1", None, "reuters", title, None, None, None, ("text",), "utf-8", source_file, record)
        return sc.Arrival(t, source_file, record, art)

    # same poll (t=10): ties go by (source_file, source_record), whatever the order of arrival
    ready = [arrival(10, "in/g2.jsonl", 0, "copy"), arrival(10, "in/g1.jsonl", 3, "repeat"), arrival(10, "in/g1.jsonl", 0, "first")]
    out, seen = sc.first_arrivals(ready, [], 10, expiry_us=100)
    assert out[0] == (ready[2].article, 10)
    assert [(r.source_file, r.source_record, r.stage, r.reason, r.detail, r.excerpt, t) for r, t in out[1:]] == [
        ("in/g1.jsonl", 3, "ingest", "duplicate_article_id", "article_id 'NEWID1' already read from in/g1.jsonl record 0", "repeat", 10),
        ("in/g2.jsonl", 0, "ingest", "duplicate_article_id", "article_id 'NEWID1' already read from in/g1.jsonl record 0", "copy", 10)]
    assert seen == [sc.Arrival(10, "in/g1.jsonl", 0)]  # remembered without the Article
    out, seen = sc.first_arrivals([arrival(110, "in/g3.jsonl", 0, "later")], seen, 110, expiry_us=100)
    assert [(type(v).__name__, getattr(v, "reason", None)) for v, _ in out] == [("Reject", "duplicate_article_id")]
    out, seen = sc.first_arrivals([arrival(111, "in/g4.jsonl", 0, "expired")], seen, 111, expiry_us=100)
    assert out == [(Article("NEWID1", None, "reuters", "expired", None, None, None, ("text",), "utf-8", "in/g4.jsonl", 0), 111)]
    assert seen == [sc.Arrival(111, "in/g4.jsonl", 0)]  # the first arrival at 10 was forgotten after 100 µs
