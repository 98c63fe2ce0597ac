"""``WatchFiles``: new files under the ``--input`` globs as an unbounded PCollection on Beam's
local (Python Bundle-based) DirectRunner, for ``newsetl run --streaming`` without a cluster.

Why not ``fileio.MatchContinuously`` (what newsetl uses on Dataflow/Flink): on Beam 2.77's
Python DirectRunner every splittable DoFn fails in streaming mode, and MatchContinuously (Watch)
and PeriodicImpulse are splittable DoFns:

1. ``runners/direct/direct_runner.py`` ``_get_transform_overrides`` appends the streaming
   GroupByKey overrides before its last ``GroupByKeyPTransformOverride``, which expands the GBK
   that ``ProcessKeyedElementsViaKeyedWorkItems`` (``sdf_direct_runner.py``) adds into a plain
   ``_GroupByKeyOnly``: ``RuntimeError: Transform node AppliedPTransform(MatchContinuously/Watch/
   ParDo(_WatchGrowthDoFn)/ProcessKeyedElements/GroupByKey/GroupByKey, _GroupByKeyOnly) was not
   replaced as expected``.
2. With the SDF overrides applied beforehand, ``runners/common.py`` (``check_done()`` right after
   ``process()`` returns) runs before the direct runner's ``_OutputHandler`` consumes the
   ``process()`` generator: "Watch restriction was neither claimed nor checkpointed",
   "OffsetRestrictionTracker is not done since work in range [0, 7) has not been claimed".
3. ``sdf_direct_runner.py`` ignores the delay of ``ProcessContinuation.resume()`` (a TODO) and
   holds the output watermark at -infinity while an element has a residual, then releases it
   to +infinity: no event-time window or timer could fire before the source ends.

What the DirectRunner does run as an unbounded source with an advancing watermark is its
TestStream primitive: ``_TestStream`` reads one event per heartbeat bundle from an iterator and
``_WatermarkController`` emits the elements and holds its output watermark at the last
``WatermarkEvent`` (``runners/direct/test_stream_impl.py``, ``transform_evaluator.py``
``_TestStreamEvaluator``). ``WatchFiles`` gives that primitive a live iterator,
:class:`PollEvents`, which lists the inputs every poll interval inside the runner's own
evaluation (no thread of ours). Same semantics as MatchContinuously without
``timestamp_cursor``: a file is emitted once (by path) with the poll time as its event time,
and the watermark follows the poll time.
"""
from __future__ import annotations

import logging
import math
import time

import apache_beam as beam
from apache_beam.testing.test_stream import ElementEvent, WatermarkEvent
from apache_beam.transforms import window
from apache_beam.utils.timestamp import Timestamp

from transforms.ingest.core import list_inputs

log = logging.getLogger(__name__)
HEARTBEAT_S = 0.2  # longest blocking wait in one event read (the runner evaluates the source in between)
DRAIN_S = 2.0  # at least this long at the last poll's watermark before the end (see PollEvents)


class PollEvents:
    """Iterable of TestStream events: at every poll (:func:`poll_offsets`: every ``interval_s``
    seconds, and a last one at ``stop_after_s``), the input files not seen before
    (``ElementEvent`` of ``(path, input root)`` timestamped at the poll time), then
    ``WatermarkEvent(poll time)``; between polls, the same watermark again (a heartbeat, at most
    every 0.2 s). After the last poll (None: never) the last watermark is held for 2 seconds
    before the iteration ends, so a run lasts about ``stop_after_s + 2`` seconds whatever the
    interval (until session 11 the last poll was the last multiple of ``interval_s`` and the
    hold lasted ``max(interval_s, 2)`` s: with the default 60 s interval and ``--stop-after 25``
    a file that arrived at 8 s was never read and the run took 60 s).

    Files are listed with :func:`transforms.ingest.core.list_inputs` per pattern (so names
    starting with ``.`` or ``_`` are skipped: write a file under such a name and rename it into
    place; a notice file a directory holds is not read, and logged once); a pattern that matches
    nothing yet is not an error. Iterating again starts over.
    """

    def __init__(self, patterns: list[str], interval_s: float, stop_after_s: float | None):
        self.patterns, self.interval_s = list(patterns), interval_s
        self.stop_after_s = math.inf if stop_after_s is None else stop_after_s
        self._skipped: set[str] = set()  # notice files already logged

    def __iter__(self):
        start, seen = time.time(), set()
        watermark = Timestamp.of(start) - 1
        for offset in poll_offsets(self.interval_s, self.stop_after_s):
            due = start + offset
            yield from self._wait(due, watermark)
            new = [(f, root) for f, root in self._listing() if f not in seen]
            seen.update(f for f, _ in new)
            if new:
                yield ElementEvent([window.TimestampedValue(item, due) for item in new])
            watermark = Timestamp.of(due)
            yield WatermarkEvent(watermark)
        # Drain: hold the last watermark a while before the runner moves it to +infinity, so the
        # dedup timers of the last poll fire and their decisions reach the open windows first.
        yield from self._wait(time.time() + DRAIN_S, watermark)

    @staticmethod
    def _wait(until: float, watermark):
        while time.time() < until:
            time.sleep(min(HEARTBEAT_S, until - time.time()))
            yield WatermarkEvent(watermark)

    def _listing(self) -> list[tuple[str, str]]:
        out = []
        for pattern in self.patterns:
            try:
                files, skipped = list_inputs([pattern])
                out += files
                for item in skipped:
                    if item["path"] not in self._skipped:
                        self._skipped.add(item["path"])
                        log.warning("watching %s: not reading %s (%s; name it by a glob to read it)", pattern,
                                    item["path"], item["reason"])
            except FileNotFoundError as err:
                if "matches no file" not in str(err):
                    log.warning("watching %s: %s", pattern, err)
        return sorted(set(out))


def poll_offsets(interval_s: float, stop_after_s: float):
    """Seconds after the start at which :class:`PollEvents` lists the inputs: 0, ``interval_s``,
    2 x ``interval_s``, ... below ``stop_after_s``, then ``stop_after_s`` itself (so the last
    poll is at the stop time: a file that arrives before ``--stop-after`` is read); an endless
    series when ``stop_after_s`` is infinite.

    >>> list(poll_offsets(60, 25)), list(poll_offsets(10, 30)), list(poll_offsets(5, 0))
    ([0, 25], [0, 10, 20, 30], [0])
    """
    k = 0
    while k * interval_s < stop_after_s:
        yield k * interval_s
        k += 1
    if math.isfinite(stop_after_s):
        yield stop_after_s


class WatchFiles(beam.PTransform):
    """PBegin -> unbounded PCollection[(path, input root)] (DirectRunner only): each file matching
    ``patterns`` once, timestamped at the poll that found it; the watermark is the last poll time.

    Args:
        patterns: ``--input`` globs or directories (local paths).
        interval_s: seconds between polls (> 0).
        stop_after_s: poll for this many seconds (:func:`poll_offsets`: at 0, interval, ... and
            at stop_after_s); then the watermark goes to +infinity and the pipeline finishes.
            None: poll until killed.

    Run the pipeline with ``run(test_runner_api=False)`` (the runner API round trip would pickle
    the transform before the run starts).
    """

    def __init__(self, patterns: list[str], interval_s: float, stop_after_s: float):
        super().__init__()
        self._events = PollEvents(patterns, interval_s, stop_after_s)

    def expand(self, pbegin):
        from apache_beam.runners.direct.test_stream_impl import _TestStream, _WatermarkController

        source = _TestStream([None])
        source._events = self._events  # read lazily, one event per heartbeat bundle
        return pbegin | "Poll" >> source | "Watermark" >> _WatermarkController(None)
