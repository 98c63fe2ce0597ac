"""``pipelines.schedule``: which earlier releases a scheduled day dedups against (takedown revisions)."""
from __future__ import annotations

from pipelines import schedule


def _release(root, name, done=True):
    (root / name).mkdir(parents=True)
    if done:
        (root / name / "_SUCCESS").write_text("{}")


def test_each_earlier_date_counts_once_by_its_latest_published_revision(tmp_path, caplog):
    for name in ("2026-11-27", "2026-11-28", "2026-11-28-r1", "2026-11-28-r2", "2026-11-28-r10",
                 "2026-11-29", "2026-11-29-r1", "2026-11-30", "2026-11-30-r1"):
        _release(tmp_path, name)
    _release(tmp_path, "2026-11-29-r2", done=False)  # a takedown still publishing: r1 stays in use
    for other in ("2026-11-28-r0", "2026-11-28-rx", "2026-11-28-r01", "2026-02-30-r1", "notes"):
        _release(tmp_path, other)
    (tmp_path / "2026-11-27-r1").write_text("a file, not a release")
    assert [p.rsplit("/", 1)[1] for p in schedule.earlier_releases(tmp_path, "2026-11-30")] == [
        "2026-11-27", "2026-11-28-r10", "2026-11-29-r1"]
    assert "skipping" in caplog.text and "2026-11-29-r2" in caplog.text
    assert schedule.release_revision("2026-11-28-r10") == ("2026-11-28", 10)
    assert schedule.release_revision("2026-11-28") == ("2026-11-28", 0)
    assert schedule.run_argv(str(tmp_path), "2026-11-29", ["in/{date}/*.jsonl"], ["--overwrite"]) == [
        "run", "--input", "in/2026-11-29/*.jsonl", "--output", str(tmp_path / "2026-11-29"),
        "--dedup-against", str(tmp_path / "2026-11-27"), "--dedup-against", str(tmp_path / "2026-11-28-r10"), "--overwrite"]
