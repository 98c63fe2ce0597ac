"""Incremental releases on real data: three days of Reuters-21578 (reut2-000 in file order) run
the scheduled way (each day against all earlier ones) against one run over the three days."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from pipelines import schedule
from tests.conftest import read, run_newsetl, write_config

DAYS = ("1987-03-01", "1987-03-02", "1987-03-03")


def _tree_digest(path: Path) -> dict:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Day N = the N-th third of reut2-000's stories, published on DAYS[N] (so day 1 comes first
    by the keep order); releases scheduled per day, and one run over all three days."""
    from benchmarks.reuters import read_sgm
    from tests.conftest import data_dir

    stories = list(read_sgm(data_dir() / "reuters-21578" / "reut2-000.sgm.gz"))
    root = tmp_path_factory.mktemp("incr")
    third = len(stories) // 3
    for n, day in enumerate(DAYS):
        part = stories[n * third: (n + 1) * third if n < 2 else None]
        (root / "incoming" / day).mkdir(parents=True)
        (root / "incoming" / day / "wire.jsonl").write_text(
            "".join(json.dumps({**s, "published": f"{day}T00:00:00Z"}) + "\n" for s in part), encoding="utf-8")
    # every line deduped across, whatever its length (the figures below were measured so); the
    # release path under the default min_words_across: tests/transforms/dedup/test_short_lines.py
    off = write_config(root, "dedup: {min_words_across: 0, min_words_near: 0}\n")
    digests = {}
    for day in DAYS:
        assert schedule.main(["--releases", str(root / "releases"), "--date", day,
                              "--input", str(root / "incoming" / "{date}" / "*.jsonl"), "--config", str(off)]) == 0
        digests[day] = _tree_digest(root / "releases" / day)
    assert run_newsetl("run", "--input", root / "incoming", "--output", root / "all", "--config", off) == 0
    return root, digests


def _kept(out: Path) -> set[str]:
    return {r["paragraph_id"] for r in read(out, "paragraphs") if r["status"] == "kept"}


def test_scheduled_runs_dedup_against_every_earlier_release(days):
    root, digests = days
    reports = {d: json.loads((root / "releases" / d / "report.json").read_text()) for d in DAYS}
    assert [[r["release"] for r in reports[d]["dedup_against"]["releases"]] for d in DAYS] == [[], ["1987-03-01"], list(DAYS[:2])]
    assert [reports[d]["records"]["in"] for d in DAYS] == [308, 308, 309]
    dropped = [[r["paragraphs_dropped"] for r in reports[d]["dedup_against"]["releases"]] for d in DAYS]
    assert dropped == [[], [81], [41, 26]]  # 62 + the 19 "Year" lines of day 2 (see below)
    for d in DAYS:  # earlier releases are never modified by later runs
        assert _tree_digest(root / "releases" / d) == digests[d]
        index = reports[d]["index"]
        assert index["release"] == d and index["paragraphs"] == len(read(root / "releases" / d, "index"))
        assert 250 < index["bytes_per_paragraph"] < 450
        success = json.loads((root / "releases" / d / "_SUCCESS").read_text())
        assert any(f["path"].startswith("index/") for f in success["files"])


def test_day_by_day_keeps_what_one_run_over_all_days_keeps(days):
    root, _ = days
    daily = set().union(*(_kept(root / "releases" / d) for d in DAYS))
    exceptions = [c for d in DAYS for c in json.loads((root / "releases" / d / "report.json").read_text())
                  ["dedup_against"]["boilerplate_exceptions"]]
    # A one-word "Year" table line, kept on day 1, passes the site-boilerplate share on day 2
    # alone (19 copies in 308 articles) but not over all three days (925 articles). Day 1's
    # copy has no domain in day 2's run, so the group is not site template: day 2's copies are
    # duplicates of day 1's, as in the run over all days (until session 10 they were
    # boilerplate and day 1's paragraph was listed here as an exception).
    assert exceptions == []
    # + one "Avg shrs" row a day repeated in a story's year table (dedup.min_words_within)
    assert len(daily) == 1943 + 1484 + 1520
    assert daily == _kept(root / "all")


def test_later_day_points_to_the_earlier_release_paragraph(days):
    root, _ = days
    combined = {r["paragraph_id"]: r for r in read(root / "all", "paragraphs")}
    day2 = read(root / "releases" / DAYS[1], "paragraphs")
    across = [r for r in day2 if r["duplicate_of_release"]]
    assert len(across) == 81 and {r["duplicate_of_release"] for r in across} == {"1987-03-01"}
    day1_ids = {r["paragraph_id"] for r in read(root / "releases" / DAYS[0], "paragraphs")}
    differ = []
    for r in day2:  # every day-2 decision is the one the run over all days made
        c = combined[r["paragraph_id"]]
        if (r["status"], r["reason"], r["duplicate_of"], r["similarity"]) != (c["status"], c["reason"], c["duplicate_of"], c["similarity"]):
            differ.append((r["text"].casefold(), r["status"], c["status"], c["duplicate_of"]))
        if r["duplicate_of_release"]:
            assert r["duplicate_of"] in day1_ids
    assert differ == []
    assert [r["duplicate_of"] for r in day2 if r["text"].casefold() == "year"] == ["NEWID126/4"] * 19


def test_incompatible_or_unfinished_release_is_refused(days, tmp_path, capsys):
    root, _ = days
    cfg = write_config(tmp_path, "dedup:\n  num_perm: 64\n  bands: 16\n  rows: 4\n")
    args = ["run", "--input", root / "incoming" / DAYS[2], "--output", tmp_path / "out", "--dedup-against", root / "releases" / DAYS[0]]
    assert run_newsetl(*args, "--config", cfg) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsetl: error: --dedup-against") and "built with num_perm 128 (this run: 64), bands 21 (this run: 16), rows 6 (this run: 4)" in err
    assert "\n" not in err and not (tmp_path / "out").exists()
    assert run_newsetl("run", "--input", root / "incoming" / DAYS[2], "--output", tmp_path / "out", "--dedup-against", root / "incoming") == 2
    assert "no _SUCCESS" in capsys.readouterr().err
    # an output that would replace (contain) an earlier release is refused too
    assert run_newsetl("run", "--input", root / "incoming" / DAYS[2], "--output", root / "releases", "--overwrite",
                       "--dedup-against", root / "releases" / DAYS[0]) == 2
    assert "contains input" in capsys.readouterr().err and (root / "releases" / DAYS[0] / "_SUCCESS").exists()


def test_earlier_release_paragraphs_are_banded_from_the_index(days, tmp_path, monkeypatch):
    """Day 3 against days 1 and 2 again, counting the nodes ExactGroups bands: every
    earlier-release representative arrives with its stored band hashes (no signature), and the
    release equals the scheduled one."""
    from transforms.dedup import batch

    root, _ = days
    seen = {"stored": 0, "signed": 0}
    real = batch.node_band_hashes

    def counting(shingles, offsets, bands, band_offsets, cfg):
        stored = np.diff(band_offsets) > 0
        seen["stored"] += int(stored.sum())
        seen["signed"] += int((~stored).sum())
        return real(shingles, offsets, bands, band_offsets, cfg)

    monkeypatch.setattr(batch, "node_band_hashes", counting)
    out = tmp_path / DAYS[2]
    assert run_newsetl("run", "--input", root / "incoming" / DAYS[2], "--output", out,
                       "--dedup-against", root / "releases" / DAYS[0], "--dedup-against", root / "releases" / DAYS[1],
                       "--config", root / "config.yaml") == 0  # the days' config (fixture)
    earlier = [r for d in DAYS[:2] for r in read(root / "releases" / d, "index") if r["band_hashes"]]
    assert seen == {"stored": 3302, "signed": 1502}  # signed: day 3's own exact groups only
    assert seen["stored"] == len({r["exact_key"] for r in earlier}) == len(earlier)
    new_keys = {r["exact_key"] for r in read(out, "index") if r["band_hashes"]}
    assert new_keys.isdisjoint(r["exact_key"] for r in earlier)
    assert _tree_digest(out / "paragraphs") == _tree_digest(root / "releases" / DAYS[2] / "paragraphs")
    assert _tree_digest(out / "index") == _tree_digest(root / "releases" / DAYS[2] / "index")


def test_damaged_or_repeated_release_is_refused(days, tmp_path, capsys):
    """A release changed since it was published (checked against _SUCCESS's sha256) or given
    twice (also as a copy) is refused before the run; so is a takedown of a damaged release."""
    import shutil

    import pyarrow.parquet as pq

    root, _ = days
    day1 = root / "releases" / DAYS[0]
    base = ["run", "--input", root / "incoming" / DAYS[2], "--output", tmp_path / "out"]
    assert run_newsetl(*base, "--dedup-against", day1, "--dedup-against", day1) == 2
    assert capsys.readouterr().err.strip() == f"newsetl: error: --dedup-against {day1} is given twice (also as {day1})"
    copy = tmp_path / "copy"
    shutil.copytree(day1, copy)
    assert run_newsetl(*base, "--dedup-against", day1, "--dedup-against", copy) == 2
    assert capsys.readouterr().err.strip() == (f"newsetl: error: --dedup-against {copy} and {day1} are both release "
                                               f"'{DAYS[0]}' (a copy?): give it once")
    (index_file,) = sorted((copy / "index").glob("*.parquet"))
    pq.write_table(pq.read_table(index_file).schema.empty_table(), index_file)  # a valid, emptied index
    assert run_newsetl(*base, "--dedup-against", copy) == 2
    rel = index_file.relative_to(copy).as_posix()
    assert capsys.readouterr().err.strip() == (f"newsetl: error: --dedup-against {copy}: damaged since it was published "
                                               f"({rel}: sha256 differs)")
    index_file.write_bytes(b"garbage")
    assert run_newsetl(*base, "--dedup-against", copy) == 2
    assert f"({rel}: sha256 differs)" in capsys.readouterr().err
    ids = tmp_path / "ids.txt"
    ids.write_text("nothing\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, copy, "--output", tmp_path / "taken") == 2
    assert capsys.readouterr().err.strip() == f"newsetl: error: release {copy} is damaged since it was published ({rel}: sha256 differs)"
    assert not (tmp_path / "out").exists() and not (tmp_path / "taken").exists()


def test_explain_names_the_earlier_release_of_a_duplicate(days, capsys):
    root, _ = days
    day2 = root / "releases" / DAYS[1]
    r = next(r for r in read(day2, "paragraphs") if r["duplicate_of_release"])
    assert run_newsetl("explain", day2, r["article_id"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith(f"[{r['index']}] "))
    assert line == (f"[{r['index']}] {r['status']} ({r['reason']}), duplicate of {r['duplicate_of']} in earlier release "
                    f"{DAYS[0]}, similarity {r['similarity']:.3f}" + (f", cluster {r['cluster_id']}" if r["cluster_id"] else ""))
    assert f"duplicates {r['duplicate_of']} (" not in out  # not quoted from this release: it is not in it


def _points_at_kept_rows(out: Path, earlier: dict[str, Path]) -> list[tuple]:
    """The rows of ``out`` whose ``duplicate_of`` names no kept paragraph: of ``out`` (status
    ``kept``) or, with ``duplicate_of_release``, of that release's index."""
    rows = read(out, "paragraphs")
    kept = {r["paragraph_id"] for r in rows if r["status"] == "kept"}
    indexed = {name: {r["paragraph_id"] for r in read(path, "index")} for name, path in earlier.items()}
    return [(r["paragraph_id"], r["reason"], r["duplicate_of"], r["duplicate_of_release"]) for r in rows
            if r["duplicate_of"] and r["duplicate_of"] not in (indexed[r["duplicate_of_release"]] if r["duplicate_of_release"] else kept)]


def test_a_re_sent_copy_points_at_the_earlier_release_and_the_index_holds_kept_rows(tmp_path):
    """Trial 11, finding 5: the same dump twice (the shipped sample's Sapporo, Unibancorp and
    Anglo American stories, each sent twice on the wire). On day 2 the short lines of the
    second copies ("Payment is due March 17.", 5 words) were ``exact_article`` copies of the
    first copies' lines of the same day, which are themselves copies of day 1: a pointer at a
    dropped row; and those rows went to day 2's index, which must hold kept rows only."""
    import gzip

    wanted = {"NEWID2185", "NEWID2215", "NEWID3774", "NEWID5085", "NEWID4562", "NEWID4574"}
    with gzip.open(Path(__file__).resolve().parent.parent / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = [line for line in f if json.loads(line)["id"] in wanted]
    dump = tmp_path / "wire.jsonl"
    dump.write_text("".join(lines), encoding="utf-8")
    # day 2 also brings Sapporo's story with its first three paragraphs run together (an exact
    # article copy: same words, other breaks) under another id
    sapporo = next(json.loads(line) for line in lines if json.loads(line)["id"] == "NEWID2185")
    body = sapporo["text"].split("\n\n")
    joined = dict(sapporo, id="SAPPORO2", published="1987-03-05T13:00:00Z", text=" ".join(body[:3]) + "\n\n" + body[3])
    (tmp_path / "day2").mkdir()
    (tmp_path / "day2" / "wire.jsonl").write_text("".join(lines) + json.dumps(joined) + "\n", encoding="utf-8")
    day1, day2 = tmp_path / "2026-11-29", tmp_path / "2026-11-30"
    assert run_newsetl("run", "--input", dump, "--output", day1) == 0
    assert run_newsetl("run", "--input", tmp_path / "day2" / "wire.jsonl", "--output", day2, "--dedup-against", day1) == 0
    for out, earlier in ((day1, {}), (day2, {"2026-11-29": day1})):
        assert _points_at_kept_rows(out, earlier) == []
        statuses = {r["paragraph_id"]: r["status"] for r in read(out, "paragraphs")}
        assert {statuses[r["paragraph_id"]] for r in read(out, "index")} <= {"kept", "duplicate_across", "duplicate_article"}
    rows = {r["paragraph_id"]: r for r in read(day2, "paragraphs")}
    got = {p: (rows[p]["status"], rows[p]["reason"], rows[p]["duplicate_of"], rows[p]["duplicate_of_release"])
           for p in ("NEWID2215/3", "NEWID4574/1", "NEWID5085/2", "NEWID5085/3")}
    assert got == {"NEWID2215/3": ("duplicate_across", "exact", "NEWID2185/3", "2026-11-29"),
                   "NEWID4574/1": ("duplicate_across", "exact", "NEWID4562/1", "2026-11-29"),
                   "NEWID5085/2": ("duplicate_across", "exact", "NEWID3774/2", "2026-11-29"),
                   "NEWID5085/3": ("duplicate_across", "exact", "NEWID3774/3", "2026-11-29")}
    # the run-together paragraph matches no paragraph (kept by the keep rule): exact_article of the
    # original's paragraph it overlaps most, NEWID2185/1 of day 2, itself a copy of day 1's, whose
    # pointer it takes (it named day 2's dropped NEWID2185/1 before session 11)
    assert (rows["SAPPORO2/1"]["status"], rows["SAPPORO2/1"]["reason"], rows["SAPPORO2/1"]["duplicate_of"],
            rows["SAPPORO2/1"]["duplicate_of_release"]) == ("duplicate_across", "exact_article", "NEWID2185/1", "2026-11-29")
    assert {r["status"] for r in rows.values() if r["index"] > 0} == {"duplicate_across"}
    # day 2's index: only that paragraph (its text, so split, is in no release; before: 4 short copies too)
    assert [r["paragraph_id"] for r in read(day2, "index")] == ["SAPPORO2/1"]
    # day 1: the second copy's short line names the first copy's, which is kept
    day1_rows = {r["paragraph_id"]: r for r in read(day1, "paragraphs")}
    assert (day1_rows["NEWID2215/3"]["reason"], day1_rows["NEWID2215/3"]["duplicate_of"]) == ("exact", "NEWID2185/3")
    assert day1_rows["NEWID2185/3"]["status"] == "kept"
