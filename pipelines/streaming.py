"""``newsetl run --streaming``: the pipeline on an unbounded source, with windowed output files.

Sources (``streaming.source`` in the config): ``files`` (new files appearing under the
``--input`` globs, every ``poll_interval_seconds``), ``pubsub`` (``ReadFromPubSub``, one JSON
article per message) or ``kafka`` (``ReadFromKafka``, a cross-language transform, one JSON
article per record value). Pub/Sub and Kafka need a runner that provides them (Dataflow, Flink)
and are not tested here. Files: on a ``--runner`` (Dataflow, Flink, Prism) Beam's
``fileio.MatchContinuously``; on the local DirectRunner (no ``--runner``, or
``--runner=DirectRunner``), which cannot run MatchContinuously, newsetl's
:class:`transforms.ingest.watch.WatchFiles` (same semantics). ``--stop-after SECONDS`` ends the
polling, then the pipeline drains and returns. Each article id passes once (the first arrival,
:class:`transforms.dedup.streaming.FirstArrivals`); later copies are ``duplicate_article_id``
rejects. Tested end to end in
tests/pipelines/test_streaming_files.py; streaming dedup with TestStream in
tests/transforms/dedup/test_streaming.py.

Output: ``<output>/window=<start>--<end>/pane=<n>/{articles,paragraphs,rejects}/part-00000-of-00001.parquet``
(same schemas as batch); panes accumulate, so the highest pane of a window supersedes the others.
"""
from __future__ import annotations

import fnmatch
import glob
import json
import os
import sys

import apache_beam as beam
from apache_beam.transforms import window

from transforms.clean.transforms import CleanArticles
from transforms.dedup.streaming import FirstArrivals, StreamingDedup, windowing
from transforms.dedup.streaming_core import late_reject
from transforms.ingest.core import RecordMapper, input_root, reject_detail
from transforms.ingest.transforms import ReadFileFn
from transforms.language.transforms import IdentifyLanguage
from transforms.records import Reject
from transforms.write import core as write_core


class StampEventTimeFn(beam.DoFn):
    """Article (timestamped at arrival) -> the Article at its event time: ``published``
    (``event_time: published``; without it, and with ``arrival``: the arrival time); an article
    whose window had closed before it arrived goes to the tagged output ``rejects`` (reason
    ``late``, :func:`transforms.dedup.streaming_core.late_reject`) instead of being dropped."""

    REJECTS = "rejects"

    def __init__(self, stream_cfg):
        self._cfg = stream_cfg

    def process(self, article, ts=beam.DoFn.TimestampParam):
        if self._cfg.event_time != "published" or article.published_us is None:
            yield window.TimestampedValue(article, ts)
            return
        late = late_reject(article, article.published_us, ts.micros, self._cfg.window_seconds,
                           self._cfg.allowed_lateness_seconds)
        if late is not None:
            yield beam.pvalue.TaggedOutput(self.REJECTS, late)
        else:
            yield window.TimestampedValue(article, article.published_us / 1e6)


def message_article(payload: bytes, source: str, number: int, ingest_cfg):
    """One Pub/Sub message or Kafka record value (a JSON object) -> Article or Reject."""
    excerpt = payload[:200].decode("utf-8", "replace")
    try:
        record = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return Reject(source, number, -1, "ingest", "invalid_json", str(err).splitlines()[0][:200], excerpt)
    result = RecordMapper(ingest_cfg).to_article(record, source, source, number, "utf-8")
    if isinstance(result, str):
        return Reject(source, number, -1, "ingest", str(result), reject_detail(result, f"record is unusable: {result}"), excerpt)
    return result


def _window_dir(output: str, w, pane) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return f"{output}/window={w.start.to_utc_datetime().strftime(fmt)}--{w.end.to_utc_datetime().strftime(fmt)}/pane={pane.index}"


class WriteWindowFn(beam.DoFn):
    """(table, rows) of one window pane -> one Parquet file under the window's directory."""

    def __init__(self, output: str, output_cfg):
        self._out, self._cfg = output, output_cfg

    def process(self, kv, w=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        table, rows = kv
        yield write_core.write_shard(_window_dir(self._out, w, pane), table, 0, 1, list(rows), self._cfg)


def _rows(item):
    article, decisions, dup_article = item
    row, paragraphs = write_core.article_rows(article, decisions, dup_article)
    if row is not None:
        yield "articles", row
    for p in paragraphs:
        yield "paragraphs", p


def build_streaming(articles, rejects, config, output: str):
    """Add the streaming stages to timestamped PCollections of Article and Reject (global window)."""
    cleaned = articles | "CleanArticles" >> CleanArticles(config.clean)
    language = cleaned | "IdentifyLanguage" >> IdentifyLanguage(config.language)
    rejects = (rejects, language["rejects"]) | "MergeRejects" >> beam.Flatten()
    assembled = language["articles"] | "StreamingDedup" >> StreamingDedup(config.clean, config.dedup, config.streaming)
    rows = assembled | "ToRows" >> beam.FlatMap(_rows)
    reject_rows = (rejects | "WindowRejects" >> windowing(config.streaming)
                   | "RejectRows" >> beam.Map(lambda r: ("rejects", write_core.reject_row(r))))
    return (
        (rows, reject_rows)
        | "MergeRows" >> beam.Flatten()
        | "GroupByTable" >> beam.GroupByKey()
        | "WriteWindow" >> beam.ParDo(WriteWindowFn(output, config.output))
    )


def read_source(pipeline, inputs: list[str], config, stop_after: float | None = None, local: bool = False):
    """The configured unbounded source -> ``(articles, rejects)``, articles timestamped by event time.

    ``local``: the DirectRunner (files through :class:`WatchFiles` for ``stop_after`` seconds);
    else ``stop_after`` (seconds, None: never) ends MatchContinuously's polling.
    """
    cfg = config.streaming
    if cfg.source == "files":
        from apache_beam.io import fileio
        from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

        from transforms.ingest.watch import WatchFiles

        if local:
            matched = [pipeline | "WatchFiles" >> WatchFiles(inputs, cfg.poll_interval_seconds, stop_after)]
        else:
            now = Timestamp.now()
            stop = MAX_TIMESTAMP if stop_after is None else now + stop_after
            matched = [
                pipeline | f"Match{i}" >> fileio.MatchContinuously(pattern, interval=cfg.poll_interval_seconds,
                                                                   start_timestamp=now, stop_timestamp=stop)
                | f"Root{i}" >> beam.Map(lambda m, root=input_root(pattern): (m.path, root))
                for i, pattern in enumerate(inputs)
            ]
        files = tuple(matched) | "AllFiles" >> beam.Flatten()
        read = files | "ReadFile" >> beam.ParDo(ReadFileFn(config.ingest)).with_outputs(
            ReadFileFn.REJECTS, ReadFileFn.TALLY, ReadFileFn.PUBLISHED_UNPARSED, ReadFileFn.LANGUAGE_UNRECOGNISED, main="articles")  # no report.json here
        articles, rejects = read.articles, read.rejects
    else:
        if cfg.source == "pubsub":
            payloads = pipeline | "ReadPubSub" >> beam.io.ReadFromPubSub(subscription=cfg.pubsub_subscription)
            source = cfg.pubsub_subscription
        else:
            from apache_beam.io.kafka import ReadFromKafka

            payloads = (pipeline | "ReadKafka" >> ReadFromKafka(
                consumer_config={"bootstrap.servers": cfg.kafka_bootstrap_servers}, topics=list(cfg.kafka_topics))
                | "Values" >> beam.Map(lambda kv: kv[1]))
            source = "kafka:" + ",".join(cfg.kafka_topics)
        parsed = payloads | "Parse" >> beam.Map(lambda b, src=source, ing=config.ingest: message_article(b, src, -1, ing))
        articles = parsed | "Articles" >> beam.Filter(lambda x: not isinstance(x, Reject))
        rejects = parsed | "Rejects" >> beam.Filter(lambda x: isinstance(x, Reject))
    # One article per id: a file delivered again (under another name) or an id repeated in a file
    # must not reach the CoGroupByKey by article id twice (its later copies are dead letters).
    # Remembered at least as long as a window accepts data, so an expired id cannot meet its
    # first copy in an open window (the join would then drop both).
    remember_s = max(cfg.state_expiry_seconds, cfg.window_seconds + cfg.allowed_lateness_seconds)
    articles, duplicates = articles | "FirstArrivals" >> FirstArrivals(remember_s)
    stamped = articles | "EventTime" >> beam.ParDo(StampEventTimeFn(cfg)).with_outputs(StampEventTimeFn.REJECTS, main="articles")
    return stamped.articles, (rejects, duplicates, stamped.rejects) | "SourceRejects" >> beam.Flatten()


def watched_dirs(inputs: list[str], output: str) -> list[str]:
    """The watched directories that the files source could read ``output``'s files back from.

    Each ``--input`` watches a directory: the input itself when it is a directory (every file
    below it is read), else the directory part of the glob before its first wildcard; a glob's
    directory counts when a window file of ``output`` would match the glob (``*`` taken to
    cross ``/``: a safe over-estimate). The caller refuses an output inside one of them.

    Raises:
        FileNotFoundError: a watched directory, or an input without wildcard, does not exist (or
            is not a directory); the message names it. A glob that matches no file yet in an
            existing directory is fine (that is the point of watching).
    """
    sample = os.path.join(os.path.abspath(output), "window=19700101T000000Z--19700101T010000Z", "pane=0",
                          "paragraphs", "part-00000-of-00001.parquet")
    dirs = []
    for pattern in inputs:
        directory = pattern if os.path.isdir(pattern) else (input_root(pattern).rstrip(os.sep) or os.curdir)
        if glob.escape(pattern) == pattern and not os.path.exists(pattern):  # no wildcard
            raise FileNotFoundError(f"input {pattern} does not exist; --streaming watches an existing directory "
                                    "or a glob in one")
        if not os.path.isdir(directory):
            problem = "is not a directory" if os.path.exists(directory) else "does not exist"
            raise FileNotFoundError(f"input directory {directory} (of --input {pattern}) {problem}; "
                                    "--streaming watches an existing directory")
        if os.path.isdir(pattern) or fnmatch.fnmatchcase(sample, os.path.abspath(pattern)):
            dirs.append(directory)
    return dirs


LOCAL_RUNNERS = ("DirectRunner", "BundleBasedDirectRunner")


def run_streaming(inputs: list[str], output: str, config, beam_args: list[str], stop_after: float | None = None) -> int:
    """Run until cancelled (or ``stop_after`` seconds of polling); returns the exit code.

    Without ``--runner`` (or with the DirectRunner) the pipeline runs on Beam's
    BundleBasedDirectRunner in streaming mode (files source only). The caller has checked
    config and output.
    """
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    options = PipelineOptions(beam_args)
    runner = options.view_as(StandardOptions).runner
    local = runner in (None, *LOCAL_RUNNERS)
    if local and config.streaming.source != "files":
        print(f"newsetl: error: streaming source {config.streaming.source!r} needs a --runner that provides it "
              "(DataflowRunner, FlinkRunner); the local DirectRunner runs the 'files' source", file=sys.stderr)
        return 2
    options.view_as(StandardOptions).streaming = True
    if not local:
        with beam.Pipeline(options=options) as p:
            articles, rejects = read_source(p, inputs, config, stop_after)
            build_streaming(articles, rejects, config, output)
        return 0
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

    p = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
    articles, rejects = read_source(p, inputs, config, stop_after, local=True)
    build_streaming(articles, rejects, config, output)
    p.run(test_runner_api=False).wait_until_finish()
    return 0
