"""``--dedup-against`` a release that has a later takedown revision (trial 10, finding 2)."""
from __future__ import annotations

import shutil

from tests.conftest import ROOT, read, run_newsetl


def test_dedup_against_a_release_with_a_later_takedown_revision_is_refused(data, tmp_path, capsys):
    """2026-01-01-r1 took an article down: deduplicating against 2026-01-01 (alone, or beside
    its revision) would not apply that takedown, so the run is refused (exit 2) and names the
    revision to give; against 2026-01-01-r1 the re-sent article is rejected as taken down."""
    src = data / "realnews-grover-samples" / "realnews_tiny.jsonl"
    cfg = ROOT / "configs" / "realnews.yaml"
    rel = tmp_path / "2026-01-01"
    assert run_newsetl("run", "--input", src, "--config", cfg, "--output", rel) == 0
    gone = sorted(a["article_id"] for a in read(rel, "articles"))[0]
    (tmp_path / "ids.tsv").write_text(f"{gone}\tcourt order\n", encoding="utf-8")
    rev = tmp_path / "2026-01-01-r1"
    assert run_newsetl("remove", "--ids", tmp_path / "ids.tsv", rel, "--output", rev) == 0
    # session 10: a stray folder only named like a later revision (published, but made from nothing) is none
    stray = tmp_path / "2026-01-01-r2"
    stray.mkdir()
    (stray / "_SUCCESS").write_text("{}")
    (stray / "report.json").write_text('{"records": {"in": 0}}')
    capsys.readouterr()
    for against in ([rel], [rel, rev], [rev, rel]):
        args = [x for r in against for x in ("--dedup-against", r)]
        assert run_newsetl("run", "--input", src, "--config", cfg, "--output", tmp_path / "new", *args) == 2
        err = capsys.readouterr().err
        assert f"--dedup-against {rel} has a later takedown revision, 2026-01-01-r1" in err and str(rev) in err
        assert not (tmp_path / "new").exists()
    assert run_newsetl("run", "--input", src, "--config", cfg, "--output", tmp_path / "new", "--dedup-against", rev) == 0
    assert gone not in {a["article_id"] for a in read(tmp_path / "new", "articles")}
    assert any(r["reason"] == "taken_down" for r in read(tmp_path / "new", "rejects"))
    shutil.rmtree(tmp_path / "new")
