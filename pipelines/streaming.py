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
import shutil
import sys
import threading
import time
from collections import Counter

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


TABLES = ("articles", "paragraphs", "rejects")  # the tables of every pane


def write_pane(directory: str, rows: dict, output_cfg) -> list[tuple[str, int]]:
    """Write one window pane: a Parquet file per table of :data:`TABLES` (an empty one, with
    the schema, for a table without rows, as a batch run writes), first under a hidden name
    (``.pane=N.writing-PID-THREAD``, which readers of ``pane=*`` skip) that is then renamed to
    ``directory``, so a pane is there whole or not at all (a run stopped by Ctrl-C, say). A pane
    written again (a retried bundle) replaces the earlier copy in one swap
    (:func:`transforms.write.core.publish`: ``renameat2(RENAME_EXCHANGE)``, so a reader never
    finds the pane missing; where the file system lacks it, two renames, missing only between them).

    Args:
        directory: ``<output>/window=<start>--<end>/pane=<n>``.
        rows: table -> row dicts (:func:`transforms.write.core.article_rows`, ``reject_row``).

    Returns:
        ``[(file path, rows), ...]`` in :data:`TABLES` order.
    """
    parent, name = os.path.split(directory)
    tmp = os.path.join(parent, f".{name}.writing-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    counts = [write_core.write_shard(tmp, table, 0, 1, rows.get(table, []), output_cfg)[1] for table in TABLES]
    write_core.publish(tmp, directory)  # a pane written before: swapped, the old copy then deleted
    return [(os.path.join(directory, table, "part-00000-of-00001.parquet"), n) for table, n in zip(TABLES, counts)]


class WriteWindowFn(beam.DoFn):
    """(key, [(table, row), ...]) of one window pane -> its directory (:func:`write_pane`)."""

    def __init__(self, output: str, output_cfg):
        self._out, self._cfg = output, output_cfg

    def process(self, kv, w=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        rows = {}
        for table, row in kv[1]:
            rows.setdefault(table, []).append(row)
        yield from write_pane(_window_dir(self._out, w, pane), rows, self._cfg)


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
        | "OnePane" >> beam.Map(lambda item: ("pane", item))  # every table of a window in one pane
        | "GroupByPane" >> beam.GroupByKey()
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
            ReadFileFn.REJECTS, ReadFileFn.TALLY, ReadFileFn.PUBLISHED_UNPARSED, ReadFileFn.LANGUAGE_UNRECOGNISED, ReadFileFn.URL_UNUSABLE,
            main="articles")  # no report.json here
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
    config and output: a non-empty output here was given with ``--overwrite`` and is emptied
    first (:func:`clear_output`).
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
    from pipelines.interrupts import InterruptGuard

    clear_output(output)

    started = time.monotonic()
    stays = f"the windows written so far stay in {output} (the highest pane of each window holds it)"
    guard = InterruptGuard(None, f"newsetl: interrupted; {stays}" if local else
                           f"newsetl: interrupted; the {runner} job keeps running until you cancel it there; {stays}",
                           lambda: remove_unfinished_panes(output))  # Ctrl-C: one line, exit 130
    try:
        if not local:
            with beam.Pipeline(options=options) as p:
                articles, rejects = read_source(p, inputs, config, stop_after)
                build_streaming(articles, rejects, config, output)
        else:
            from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

            p = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
            articles, rejects = read_source(p, inputs, config, stop_after, local=True)
            build_streaming(articles, rejects, config, output)
            p.run(test_runner_api=False).wait_until_finish()
    finally:
        guard.restore()
    print(summary_line(output, time.monotonic() - started, local))
    return 0


def clear_output(output: str) -> None:
    """Empty a non-empty ``output`` before a stream writes into it (``--overwrite``, which the
    caller has checked: earlier windows of a stream, or a batch release): an empty directory is
    swapped in (:func:`transforms.write.core.publish`) and the old content deleted. Before
    session 10 the earlier windows stayed, and an earlier run's higher pane of a window would
    have superseded the new run's.
    """
    out = os.path.abspath(output)
    if not os.path.isdir(out) or not os.listdir(out):
        return
    empty = os.path.join(os.path.dirname(out), f".{os.path.basename(out)}.staging-{int(time.time())}-{os.getpid()}")
    os.mkdir(empty)
    write_core.publish(empty, out)


def final_panes(output: str) -> list[str]:
    """The highest ``pane=<n>`` directory of every ``window=...`` under ``output`` (panes
    accumulate: it holds the whole window), by window; none when ``output`` does not exist."""
    panes = []
    for w in sorted(glob.glob(os.path.join(glob.escape(output), "window=*"))):
        numbered = [(int(d.rsplit("=", 1)[1]), d) for d in glob.glob(os.path.join(glob.escape(w), "pane=*"))
                    if d.rsplit("=", 1)[1].isdigit()]
        if numbered:
            panes.append(max(numbered)[1])
    return panes


def summary_line(output: str, elapsed_s: float, local: bool = True) -> str:
    """The line a streaming run ends with: what the output's windows hold (their final panes:
    articles, paragraphs and rejects rows, rejects by ``stage:reason``), or that nothing was
    written; the output of a cluster runner (``local`` False) that the launcher cannot list (on
    the workers' file system) is only named."""
    if not local and not os.path.isdir(output):
        return f"newsetl: the streaming job finished after {elapsed_s:.1f} s; its windows are under {output}"
    panes = final_panes(output)
    if not panes:
        return f"newsetl: nothing was written to {output}: no article arrived ({elapsed_s:.1f} s)"
    import pyarrow.parquet as pq

    rows = {t: [pq.read_table(f) for p in panes for f in sorted(glob.glob(os.path.join(glob.escape(p), t, "*.parquet")))]
            for t in TABLES}
    n = {t: sum(tbl.num_rows for tbl in tables) for t, tables in rows.items()}
    reasons = Counter(f"{s}:{r}" for tbl in rows["rejects"] for s, r in zip(tbl["stage"].to_pylist(), tbl["reason"].to_pylist()))
    by_reason = ", ".join(f"{k} {v:,}" for k, v in sorted(reasons.items())) or "none"
    return (f"newsetl: wrote {output}: {len(panes):,} window(s), their last panes hold {n['articles']:,} articles, "
            f"{n['paragraphs']:,} paragraphs, {n['rejects']:,} rejects (by reason: {by_reason}); {elapsed_s:.1f} s")


def remove_unfinished_panes(output: str) -> None:
    """Remove the hidden directories of panes being written (:func:`write_pane`) under ``output``."""
    for d in glob.glob(os.path.join(glob.escape(output), "window=*", ".pane=*.writing-*")):
        shutil.rmtree(d, ignore_errors=True)
