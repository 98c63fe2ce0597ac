"""Progress of a running job (no Beam import): workers write small JSON counters into a
progress directory, the launcher sums them and prints files and bytes read, records per second
and an estimate of the reading time left.

Why files and not Beam metrics: the FnApiRunner (and the multi-processing direct runner) return
``PipelineResult.metrics()`` only after the pipeline has finished, so the launcher cannot poll
them while the job runs. A file per DoFn instance, rewritten atomically (``os.replace``) at
most once a second, works in-process, across local worker processes and on a shared file
system. On Dataflow/Flink/Spark the runner's own UI shows progress; there the files are
written only if the staging path is shared.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

from transforms.write.wording import counted


class ProgressWriter:
    """One worker's cumulative counters, flushed to ``<directory>/<uuid>.json``.

    Args:
        directory: the progress directory (created if missing).
        every_s: minimum seconds between two writes (``flush(force=True)`` ignores it).
    """

    def __init__(self, directory: str, every_s: float = 1.0):
        self.directory, self.every_s = directory, every_s
        self.path = os.path.join(directory, f"{uuid.uuid4().hex}.json")
        self.files = self.records = self.bytes = 0
        self._last: float | None = None  # never written yet

    def add(self, path: str, records: int, nbytes: int | None = None, files: int = 1) -> None:
        """Count ``records`` records and ``nbytes`` bytes of ``path`` read (None: the file's
        size) and ``files`` files finished (a chunk of a file: its share of the file's bytes, and
        1 only for its last chunk); flush if due."""
        self.files += files
        self.records += records
        if nbytes is None:
            try:
                nbytes = os.path.getsize(path)
            except OSError:
                nbytes = 0  # remote paths: bytes unknown, files and records still count
        self.bytes += nbytes
        self.flush()

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._last is not None and now - self._last < self.every_s:
            return
        self._last = now
        os.makedirs(self.directory, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"files": self.files, "records": self.records, "bytes": self.bytes}, f)
        os.replace(tmp, self.path)


def read_progress(directory: str) -> dict:
    """Sum every worker's counters: ``{"files", "records", "bytes"}`` (zeros when none yet)."""
    total = {"files": 0, "records": 0, "bytes": 0}
    for f in Path(directory).glob("*.json") if os.path.isdir(directory) else ():
        try:
            counts = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # replaced while read: the next poll sees it
        for k in total:
            total[k] += int(counts.get(k, 0))
    return total


def format_rate(count: float, elapsed_s: float) -> str:
    """``count`` per second as a short number: whole numbers from 10 (``1,204``), one decimal
    from 1 (``2.5``), two below (``0.43``; ``<0.01``), so a run of one record in 2.3 s says
    ``0.43``, not ``0``; ``0`` for nothing done or no time elapsed."""
    rate = count / elapsed_s if elapsed_s > 0 else 0.0
    if rate >= 10 or rate == 0:
        return f"{rate:,.0f}"
    if rate >= 1:
        return f"{rate:.1f}"
    return f"{rate:.2f}" if rate >= 0.005 else "<0.01"


_NOTHING = {"files": 0, "records": 0, "bytes": 0}


def read_share(done: dict, total_files: int, total_bytes: int) -> float:
    """The share (0-1) of the input read: of the bytes, or of the files when sizes are unknown."""
    return done["bytes"] / total_bytes if total_bytes else (done["files"] / total_files if total_files else 1.0)


def format_progress(done: dict, total_files: int, total_bytes: int, elapsed_s: float,
                    since: tuple[float, dict] = (0.0, _NOTHING)) -> str:
    """One progress line, e.g. ``read 1,000/2,225 files, 2.3/5.1 MB (45% of bytes), 1,000 records,
    310 records/s, reading ETA 4 s``: the share read is of the bytes (of the files when their
    sizes are unknown), as the ETA is; it said ``files (45%)`` before session 11.

    Rates are measured from ``since`` = ``(elapsed seconds, counts)`` of an earlier poll, the
    first that saw reading under way (:class:`ProgressPrinter`): the seconds before it (Beam's
    start-up, building the graph, starting workers, loading models) read nothing, and counting
    them extrapolated the first file's share over the whole run (first line of a 2,225-file run:
    ETA 1,974 s for 2 s of reading). The ETA extrapolates the byte rate (the file rate when sizes
    are unknown) and covers reading only; dedup and writing follow. Until the counts moved past
    ``since`` there is no rate: ``?`` (on a line that says all is read, the rate over ``elapsed_s``).
    """
    share = read_share(done, total_files, total_bytes)
    then_s, then = since
    window_s, moved = elapsed_s - then_s, share - read_share(then, total_files, total_bytes)
    known = window_s > 0 and moved > 0
    rate = format_rate(done["records"] - then["records"], window_s) if known else "?"
    eta = f"{max(0.0, window_s * (1 - share) / moved):.0f} s" if known else "?"
    if done["files"] >= total_files:
        eta = "done, deduplicating and writing"
        if not known and elapsed_s > 0:  # all read by the first poll: the rate over the whole time
            rate = format_rate(done["records"], elapsed_s)
    return (f"read {done['files']:,}/{total_files:,} files, {done['bytes'] / 1e6:.1f}/{total_bytes / 1e6:.1f} MB "
            f"({100 * share:.0f}% of {'bytes' if total_bytes else 'files'}), {counted(done['records'], 'record')}, "
            f"{rate} records/s, reading ETA {eta}")


class ProgressPrinter(threading.Thread):
    """Launcher thread: every ``every_s`` seconds prints a progress line when counts changed.

    After reading, a heartbeat line every ``6 * every_s`` seconds says the job is still
    deduplicating and writing. Use as a context manager around the pipeline run.
    """

    def __init__(self, directory: str, total_files: int, total_bytes: int, every_s: float, emit):
        super().__init__(name="newsetl-progress", daemon=True)
        self.directory, self.total_files, self.total_bytes = directory, total_files, total_bytes
        self.every_s, self.emit = every_s, emit
        self.started = time.monotonic()
        self._stop_event = threading.Event()
        self._last: dict | None = None
        self._emitted = 0.0
        self._since: tuple[float, dict] | None = None  # (elapsed s, counts) of the first poll that saw reading

    def poll(self) -> str | None:
        """Print and return the current line if the counts changed since the last poll."""
        done = read_progress(self.directory)
        now = time.monotonic()
        if done == self._last and done["files"] >= self.total_files and now - self._emitted >= 6 * self.every_s:
            line = f"reading done; deduplicating and writing, elapsed {now - self.started:.0f} s"
        elif done == self._last or not done["files"]:
            return None
        else:
            if self._since is None:
                self._since = (now - self.started, done)
            line = format_progress(done, self.total_files, self.total_bytes, now - self.started, self._since)
        self._last, self._emitted = done, now
        self.emit(line)
        return line

    def run(self):
        while not self._stop_event.wait(self.every_s):
            self.poll()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._stop_event.set()
        self.join()
