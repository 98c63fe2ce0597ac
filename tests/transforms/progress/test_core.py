"""Progress counters: per-worker files summed by the launcher, and the progress line."""
from __future__ import annotations

import re

from tests.conftest import ROOT
from transforms.progress import core


def test_writers_are_summed(tmp_path):
    sample = ROOT / "samples" / "reuters-sample.jsonl.gz"
    seed = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"
    a, b = core.ProgressWriter(str(tmp_path), every_s=3600), core.ProgressWriter(str(tmp_path), every_s=3600)
    a.add(str(sample), 320)  # first add writes at once
    a.add(str(seed), 1)  # within every_s: not yet written
    b.add("gs://bucket/remote.jsonl", 5)  # size unknown: files and records still count
    assert core.read_progress(str(tmp_path)) == {"files": 2, "records": 325, "bytes": sample.stat().st_size}
    a.flush(force=True)
    assert core.read_progress(str(tmp_path)) == {"files": 3, "records": 326,
                                                 "bytes": sample.stat().st_size + seed.stat().st_size}
    assert core.read_progress(str(tmp_path / "missing")) == {"files": 0, "records": 0, "bytes": 0}


def test_progress_line():
    line = core.format_progress({"files": 50, "records": 1000, "bytes": 2_500_000}, 200, 10_000_000, 10.0)
    # a quarter of the bytes in 10 s: 30 s left
    assert line == "read 50/200 files, 2.5/10.0 MB (25% of bytes), 1,000 records, 100 records/s, reading ETA 30 s"
    done = core.format_progress({"files": 200, "records": 4000, "bytes": 10_000_000}, 200, 10_000_000, 40.0)
    assert done.endswith("reading ETA done, deduplicating and writing")
    # trial 11: "read 4/20 files (80%)" was a share of the bytes, not of the files: now it says which
    assert core.format_progress({"files": 4, "records": 4, "bytes": 800}, 20, 1000, 1.0).startswith(
        "read 4/20 files, 0.0/0.0 MB (80% of bytes), ")
    assert core.format_progress({"files": 4, "records": 4, "bytes": 0}, 20, 0, 1.0).startswith(
        "read 4/20 files, 0.0/0.0 MB (20% of files), ")  # sizes unknown: of the files


def test_chunks_of_a_file_count_their_bytes_and_the_file_once(tmp_path):
    w = core.ProgressWriter(str(tmp_path), every_s=3600)
    sample = ROOT / "samples" / "reuters-sample.jsonl.gz"
    size = sample.stat().st_size
    for records, nbytes, files in ((120, 30_000, 0), (150, 40_000, 0), (50, size - 70_000, 1)):  # a file's three chunks
        w.add(str(sample), records, nbytes, files)
    w.flush(force=True)
    assert core.read_progress(str(tmp_path)) == {"files": 1, "records": 320, "bytes": size}


def test_first_eta_waits_for_a_measured_rate():
    """Counts of a measured 2,249-file run (Reuters-21578 .sgm.gz, BBC .txt, RealNews .jsonl; 13.1 MB):
    the first poll, 3.7 s after launch, saw one 4.7 KB file; reading ended 4.7 s later. Counted from
    launch (Beam's start-up included) that was "ETA 10385 s"; now no ETA until a rate is measured."""
    total_files, total_bytes = 2249, 13_100_000
    first = {"files": 1, "records": 1, "bytes": 4_667}
    assert core.format_progress(first, total_files, total_bytes, 3.7) == \
        "read 1/2,249 files, 0.0/13.1 MB (0% of bytes), 1 record, 0.27 records/s, reading ETA 10382 s"  # from launch: the old line
    assert core.format_progress(first, total_files, total_bytes, 3.7, since=(3.7, first)) == \
        "read 1/2,249 files, 0.0/13.1 MB (0% of bytes), 1 record, ? records/s, reading ETA ?"
    later = {"files": 2236, "records": 11_238, "bytes": 8_500_000}  # one second on: 8.5 MB/s, 4.6 MB left
    assert core.format_progress(later, total_files, total_bytes, 4.7, since=(3.7, first)) == \
        "read 2,236/2,249 files, 8.5/13.1 MB (65% of bytes), 11,238 records, 11,237 records/s, reading ETA 1 s"
    done = {"files": 2249, "records": 23_816, "bytes": 13_100_000}
    assert core.format_progress(done, total_files, total_bytes, 8.0, since=(8.0, done)).endswith(
        "23,816 records, 2,977 records/s, reading ETA done, deduplicating and writing")  # all read at the first poll


def test_printer_measures_from_its_first_line(tmp_path):
    lines = []
    printer = core.ProgressPrinter(str(tmp_path), 3, 300, 3600, lines.append)
    writer = core.ProgressWriter(str(tmp_path), every_s=0)
    assert printer.poll() is None  # nothing read yet: no line
    writer.add("a", 10, 100)
    printer.poll()
    writer.add("b", 10, 100)
    printer.poll()
    assert lines[0] == "read 1/3 files, 0.0/0.0 MB (33% of bytes), 10 records, ? records/s, reading ETA ?"
    assert re.fullmatch(r"read 2/3 files, 0\.0/0\.0 MB \(67% of bytes\), 20 records, [\d,]+ records/s, reading ETA \d+ s", lines[1])


def test_rates_below_ten_keep_their_digits():
    assert [core.format_rate(n, s) for n, s in ((1, 2.3), (1, 0.4), (25, 10.0), (1204, 4.0), (1, 300.0), (0, 5.0), (3, 0.0))] == [
        "0.43", "2.5", "2.5", "301", "<0.01", "0", "0"]
    assert core.format_progress({"files": 1, "records": 1, "bytes": 10}, 1, 10, 2.3).endswith(
        " 1 record, 0.43 records/s, reading ETA done, deduplicating and writing")  # one record: not "0 records/s"
