"""PollEvents, the live event iterator behind ``WatchFiles`` (no pipeline)."""
from __future__ import annotations

import shutil

from apache_beam.testing.test_stream import ElementEvent, WatermarkEvent

from tests.conftest import ROOT
from transforms.ingest.watch import PollEvents


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
    assert len(set(polls)) == 4  # polls at 0, 0.1, 0.2 and 0.3 s
    assert abs(float(polls[-1] - first) - 0.3) < 1e-5  # held at the last poll while draining


def test_a_watched_directory_does_not_read_its_notice_files_and_says_so_once(data, caplog):
    folder = data / "realnews-grover-samples"
    events = PollEvents([str(folder)], 1.0, 0)
    first, second = events._listing(), events._listing()
    assert first == second == [(str(folder / "april2019_set_mini.jsonl"), str(folder)),
                               (str(folder / "realnews_tiny.jsonl"), str(folder))]
    assert [r.getMessage() for r in caplog.records] == [
        f"watching {folder}: not reading {folder / 'LICENSE.upstream.txt'} (notice_file; name it by a glob to read it)",
        f"watching {folder}: not reading {folder / 'SOURCE.md'} (notice_file; name it by a glob to read it)"]
