"""``pipelines.schedule``: which earlier releases a scheduled day dedups against (takedown revisions)."""
from __future__ import annotations

import json

from pipelines import schedule
from tests.conftest import ROOT, read, run_newsetl


def _release(root, name, done=True, made_from=None):
    """A release directory; one named ``DATE-rN`` is a takedown revision of ``made_from``
    (default ``DATE``: its report.json → removals names it, as ``newsetl remove`` writes)."""
    (root / name).mkdir(parents=True)
    base, rev = schedule.release_revision(name) or (name, 0)
    if rev or made_from:
        removals = {"from_release": f"/elsewhere/{made_from or base}", "from_report_sha256": "0" * 64}
        (root / name / "report.json").write_text(json.dumps({"records": {"removed": 1}, "removals": removals}))
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
    # session 10: only named like a revision (a run's output, a copied folder, a takedown of another date): not one
    for stray in ("2026-11-28-r11", "2026-11-28-r12"):
        (tmp_path / stray).mkdir()
        (tmp_path / stray / "_SUCCESS").write_text("{}")
    (tmp_path / "2026-11-28-r12" / "report.json").write_text('{"records": {"in": 1}}')
    _release(tmp_path, "2026-11-28-r13", made_from="2026-11-27")
    assert [p.rsplit("/", 1)[1] for p in schedule.earlier_releases(tmp_path, "2026-11-30")] == [
        "2026-11-27", "2026-11-28-r10", "2026-11-29-r1"]
    assert "skipping" in caplog.text and "2026-11-29-r2" in caplog.text
    assert f"skipping {tmp_path / '2026-11-28-r13'}: not a takedown revision of 2026-11-28" in caplog.text
    assert schedule.own_revisions(tmp_path, "2026-11-28") == ["2026-11-28-r1", "2026-11-28-r2", "2026-11-28-r10"]
    assert schedule.release_revision("2026-11-28-r10") == ("2026-11-28", 10)
    assert schedule.release_revision("2026-11-28") == ("2026-11-28", 0)
    assert schedule.run_argv(str(tmp_path), "2026-11-29", ["in/{date}/*.jsonl"], ["--overwrite"]) == [
        "run", "--input", "in/2026-11-29/*.jsonl", "--output", str(tmp_path / "2026-11-29"),
        "--dedup-against", str(tmp_path / "2026-11-27"), "--dedup-against", str(tmp_path / "2026-11-28-r10"),
        "--takedowns-from", str(tmp_path / "2026-11-30-r1"), "--overwrite"]  # a later date: only its takedowns
    assert [p.rsplit("/", 1)[1] for p in schedule.later_releases(tmp_path, "2026-11-28")] == ["2026-11-29-r1", "2026-11-30-r1"]


def test_a_scheduled_day_after_a_takedown_rejects_the_re_sent_article(data, tmp_path):
    """RealNews sample: day 1 scheduled, one article taken down as 2026-11-28-r1, day 2 (the same
    dump re-sent under another name) dedups against the revision and rejects that article."""
    src = data / "realnews-grover-samples" / "realnews_tiny.jsonl"
    root, config = tmp_path / "releases", ROOT / "configs" / "realnews.yaml"
    assert schedule.main(["--releases", str(root), "--date", "2026-11-28", "--input", str(src), "--config", str(config)]) == 0
    article = min(read(root / "2026-11-28", "articles"), key=lambda a: a["article_id"])
    ids = tmp_path / "ids.tsv"
    ids.write_text(f"{article['url']}\tcourt order 42\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, root / "2026-11-28", "--output", root / "2026-11-28-r1") == 0
    day2 = tmp_path / "in" / "2026-11-29" / "dump.jsonl"
    day2.parent.mkdir(parents=True)
    day2.write_bytes(src.read_bytes())
    assert schedule.main(["--releases", str(root), "--date", "2026-11-29", "--input", str(tmp_path / "in" / "{date}" / "*.jsonl"),
                          "--config", str(config)]) == 0
    report = json.loads((root / "2026-11-29" / "report.json").read_text())
    assert [r["release"] for r in report["dedup_against"]["releases"]] == ["2026-11-28-r1"]
    assert report["dedup_against"]["taken_down"] == {"listed": {"2026-11-28-r1": 1}, "rejected": 1}
    assert [(r["stage"], r["reason"], r["detail"]) for r in read(root / "2026-11-29", "rejects")] == [
        ("dedup", "taken_down", f"url {article['url']} was taken down in release 2026-11-28-r1 (reason: court order 42)")]
    assert read(root / "2026-11-29", "articles") == []  # the other four: copies of day 1's paragraphs
    dropped = report["dedup_against"]["releases"][0]["paragraphs_dropped"]
    assert dropped == sum(r["duplicate_of_release"] == "2026-11-28-r1" for r in read(root / "2026-11-29", "paragraphs")) > 0
    from pipelines.dataset_info import summary_lines
    lines = summary_lines(report, json.loads((root / "2026-11-29" / "_SUCCESS").read_text()), "x")
    assert f"  deduplicated against: 2026-11-28-r1 ({dropped} paragraphs dropped); taken-down articles rejected 1" in lines
    card = (root / "2026-11-29" / "README.md").read_text()
    assert f"| paragraphs dropped as copies of the earlier release `2026-11-28-r1` (`--dedup-against`) | {dropped:,} |" in card
    assert "| re-sent articles rejected as taken down in an earlier release | 1 |" in card
    # filling in an earlier date: the later takedown holds there too (trial, session 9: it was published again)
    assert schedule.main(["--releases", str(root), "--date", "2026-11-27", "--input", str(src), "--config", str(config)]) == 0
    report = json.loads((root / "2026-11-27" / "report.json").read_text())
    assert report["dedup_against"]["releases"] == []
    assert [r["release"] for r in report["dedup_against"]["takedowns_from"]] == ["2026-11-28-r1", "2026-11-29"]
    assert report["dedup_against"]["taken_down"] == {"listed": {"2026-11-28-r1": 1}, "rejected": 1}
    assert [r["reason"] for r in read(root / "2026-11-27", "rejects")] == ["taken_down"]
    lines = summary_lines(report, json.loads((root / "2026-11-27" / "_SUCCESS").read_text()), "x")
    assert ("  deduplicated against: 2026-11-28-r1 (takedowns only), 2026-11-29 (takedowns only); "
            "taken-down articles rejected 1") in lines
    assert sorted(a["article_id"] for a in read(root / "2026-11-27", "articles")) == sorted(
        a["article_id"] for a in read(root / "2026-11-28", "articles") if a["article_id"] != article["article_id"])



def test_a_date_with_takedown_revisions_is_not_run_again(tmp_path, capsys):
    for name in ("2026-11-28", "2026-11-28-r2", "2026-11-28-r1", "2026-11-27-r1"):
        _release(tmp_path, name)
    (tmp_path / "2026-11-28-r3").mkdir()  # a stray folder, not a revision: no _SUCCESS, no report
    assert schedule.own_revisions(tmp_path, "2026-11-28") == ["2026-11-28-r1", "2026-11-28-r2"]
    assert schedule.main(["--releases", str(tmp_path), "--date", "2026-11-28", "--input", "in/*.jsonl", "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"newsetl: error: 2026-11-28 has takedown revision(s) 2026-11-28-r1, 2026-11-28-r2 under {tmp_path}: ")


def test_the_scheduler_refuses_an_output_elsewhere(tmp_path, capsys):
    for given in (["--output", str(tmp_path / "elsewhere")], [f"--output={tmp_path / 'elsewhere'}"]):
        assert schedule.main(["--releases", str(tmp_path / "rel"), "--date", "2026-11-28", "--input", "in/*.jsonl", *given]) == 2
        assert capsys.readouterr().err == (
            f"newsetl: error: {given[0]} cannot be given to the scheduler: "
            f"the release is written to --releases/DATE ({tmp_path / 'rel' / '2026-11-28'}), where later dates find it\n")
    assert not (tmp_path / "elsewhere").exists()


def test_a_published_date_that_later_dates_used_is_not_replaced_silently(tmp_path, capsys):
    for name, used in (("2026-11-27", []), ("2026-11-28", ["2026-11-27"]), ("2026-11-29", ["2026-11-27", "2026-11-28"]),
                       ("2026-11-30", ["2026-11-29"])):
        _release(tmp_path, name)
        (tmp_path / name / "report.json").write_text(json.dumps({"dedup_against": {"releases": [{"release": u} for u in used]}}))
    _release(tmp_path, "2026-12-01")  # no report.json: the scheduler dedups every date against all earlier ones
    assert schedule.referencing_releases(tmp_path, "2026-11-28") == ["2026-11-29", "2026-12-01"]
    assert schedule.referencing_releases(tmp_path, "2026-12-01") == []
    args = ["--releases", str(tmp_path), "--date", "2026-11-28", "--input", str(tmp_path / "none" / "*.jsonl"), "--overwrite"]
    assert schedule.main(args) == 2
    assert capsys.readouterr().err == (
        "newsetl: error: 2026-11-28 is published and later release(s) 2026-11-29, 2026-12-01 were deduplicated against it: "
        "replacing it would leave their duplicate_of rows pointing at paragraphs it may no longer have; pass "
        "--replace-referenced to replace it anyway, then re-run those dates (oldest first)\n")
    assert schedule.main([*args, "--replace-referenced"]) == 2  # passes on to newsetl run (here: fake releases)
    assert "the release has no paragraph index" in capsys.readouterr().err


def test_a_users_own_dedup_against_is_merged_without_duplicates(tmp_path, capsys):
    root = tmp_path / "rel"
    for name in ("2026-11-26", "2026-11-27", "2026-11-27-r1", "2026-11-29"):
        _release(root, name)
    _release(tmp_path, "archive-2025")  # a release kept elsewhere
    rest = ["--dedup-against", str(root / "2026-11-26"), f"--dedup-against={root}/../rel/2026-11-27-r1",
            "--dedup-against", str(tmp_path / "archive-2025"), "--overwrite"]
    own, left = schedule.own_dedup_against(str(root), "2026-11-28", rest)
    assert (own, left) == ([str(tmp_path / "archive-2025")], ["--overwrite"])
    assert schedule.run_argv(str(root), "2026-11-28", ["in.jsonl"], left, own) == [
        "run", "--input", "in.jsonl", "--output", str(root / "2026-11-28"), "--dedup-against", str(root / "2026-11-26"),
        "--dedup-against", str(root / "2026-11-27-r1"), "--dedup-against", str(tmp_path / "archive-2025"),
        "--takedowns-from", str(root / "2026-11-29"), "--overwrite"]
    for given, why in ((root / "2026-11-27", "2026-11-27 is already in as " + str(root / "2026-11-27-r1")),
                       (root / "2026-11-29", "it is not an earlier date's latest release")):
        args = ["--releases", str(root), "--date", "2026-11-28", "--input", "in/*.jsonl", "--dedup-against", str(given)]
        assert schedule.main(args) == 2
        assert capsys.readouterr().err == (
            f"newsetl: error: --dedup-against {given} is under --releases, whose earlier dates the scheduler adds itself "
            f"(each by its latest published revision): {why}; give only releases kept elsewhere\n")


def test_takedowns_from_takes_published_releases_once(tmp_path):
    """``newsetl run --takedowns-from``: what the scheduler passes for later dates, checked as
    ``--dedup-against`` is (one-line errors)."""
    import pytest

    from pipelines.cli import UsageError, _check_takedown_releases

    _release(tmp_path, "2026-11-29")
    _release(tmp_path, "2026-11-30", done=False)
    later, out = str(tmp_path / "2026-11-29"), str(tmp_path / "2026-11-27")
    assert _check_takedown_releases([later], out, ()) == ((later, "2026-11-29"),)
    for given, against, message in (
            ([str(tmp_path / "2026-11-30")], (), f"--takedowns-from {tmp_path / '2026-11-30'} is not a published newsetl release (no _SUCCESS)"),
            ([out], (), f"--takedowns-from {out} is the output; the releases a run reads are never modified"),
            ([later, later + "/"], (), f"--takedowns-from {later}/ is given twice (also as --takedowns-from {later})"),
            ([later], ((later, "2026-11-29"),), f"--takedowns-from {later} is given twice (also as --dedup-against {later})")):
        with pytest.raises(UsageError) as err:
            _check_takedown_releases(given, out, against)
        assert str(err.value) == message
