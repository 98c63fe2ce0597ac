"""PollEvents, the live event iterator behind ``WatchFiles`` (no pipeline)."""
from __future__ import annotations

import shutil

from apache_beam.testing.test_stream import ElementEvent, WatermarkEvent

from tests.conftest import ROOT
from transforms.ingest import watch
from transforms.ingest.watch import PollEvents, poll_offsets


def test_poll_events_emit_each_new_file_once_at_its_poll_time(tmp_path):
    sample = ROOT / "samples" / "reuters-sample.jsonl.gz"
    shutil.copy(sample, tmp_path / "a.jsonl.gz")
    shutil.copy(sample, tmp_path / ".b.jsonl.gz")  # being written: hidden names are skipped
    events, elements = [], []
    for event in PollEvents([str(tmp_path / "*.jsonl.gz")], 0.1, 0.35):
        events.append(event)
        if isinstance(event, ElementEvent):
            elements.append(event)
            if len(elements) == 1:
                (tmp_path / ".b.jsonl.gz").rename(tmp_path / "b.jsonl.gz")  # renamed into place
    assert [[tv.value for tv in e.timestamped_values] for e in elements] == [
        [(str(tmp_path / "a.jsonl.gz"), str(tmp_path))], [(str(tmp_path / "b.jsonl.gz"), str(tmp_path))]]
    polls = [e.new_watermark for e in events if isinstance(e, WatermarkEvent)]
    assert polls == sorted(polls)  # the watermark never goes back
    first, second = (e.timestamped_values[0].timestamp for e in elements)
    assert round(float(second - first), 1) == 0.1  # found by the next poll, stamped at its time
    assert len(set(polls)) == 5  # polls at 0, 0.1, 0.2, 0.3 and the stop time, 0.35 s
    assert abs(float(polls[-1] - first) - 0.35) < 1e-5  # held at the last poll while draining


class _FakeTime:
    """``time`` for PollEvents on a simulated clock: ``sleep`` moves it on and calls
    ``on_sleep`` (no real waiting; nothing here measures real time)."""

    def __init__(self, start: float, on_sleep):
        self.now, self.on_sleep = start, on_sleep

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.on_sleep(self.now)


def test_the_last_poll_is_at_the_stop_time_whatever_the_interval(tmp_path, monkeypatch):
    """Trial 11, finding 11: with the default 60 s interval and ``--stop-after 25``, a file moved
    into the folder 8 s after the start was never read (polls at 0 and 60 > 25 only) and the
    source held the watermark 60 s more. Now the last poll is at the stop time, and the drain
    is 2 s: the source ends 27 s after its start (on a simulated clock)."""
    assert list(poll_offsets(60, 25)) == [0, 25] and list(poll_offsets(10, 30)) == [0, 10, 20, 30]
    assert list(poll_offsets(5, 0)) == [0]
    sample = ROOT / "samples" / "reuters-sample.jsonl.gz"
    shutil.copy(sample, tmp_path / ".late.jsonl.gz")

    def arrive(now):
        if now >= 1008 and (tmp_path / ".late.jsonl.gz").exists():  # moved into place 8 s after the start
            (tmp_path / ".late.jsonl.gz").rename(tmp_path / "late.jsonl.gz")

    clock = _FakeTime(1000.0, arrive)
    monkeypatch.setattr(watch, "time", clock)
    events = list(PollEvents([str(tmp_path / "*.jsonl.gz")], 60, 25))
    elements = [(tv.value, float(tv.timestamp)) for e in events if isinstance(e, ElementEvent) for tv in e.timestamped_values]
    assert elements == [((str(tmp_path / "late.jsonl.gz"), str(tmp_path)), 1025.0)]  # found by the poll at the stop time
    assert max(float(e.new_watermark) for e in events if isinstance(e, WatermarkEvent)) == 1025.0
    assert round(clock.now, 6) == 1027.0  # then 2 s of drain, not a poll interval


def test_a_watched_directory_does_not_read_its_notice_files_and_says_so_once(data, caplog):
    folder = data / "realnews-grover-samples"
    events = PollEvents([str(folder)], 1.0, 0)
    first, second = events._listing(), events._listing()
    assert first == second == [(str(folder / "april2019_set_mini.jsonl"), str(folder)),
                               (str(folder / "realnews_tiny.jsonl"), str(folder))]
    assert [r.getMessage() for r in caplog.records] == [
        f"watching {folder}: not reading {folder / 'LICENSE.upstream.txt'} (notice_file; name it by a glob to read it)",
        f"watching {folder}: not reading {folder / 'SOURCE.md'} (notice_file; name it by a glob to read it)"]
