"""What ``--output`` / ``--overwrite`` may replace (pipelines/output_guard.py), through the CLI."""
from __future__ import annotations

import json

import pytest

from pipelines import output_guard
from tests.conftest import ROOT, run_newsetl

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"


def _release(path):
    path.mkdir(parents=True)
    (path / "articles").mkdir()
    (path / "articles" / "part-00000-of-00001.parquet").write_bytes(b"PAR1")
    (path / "_SUCCESS").write_text("{}")
    return path


def test_overwrite_refuses_a_directory_newsetl_did_not_write(tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("\\documentclass{article}")
    assert run_newsetl("run", "--input", SEED, "--output", precious, "--overwrite") == 2
    err = capsys.readouterr().err
    assert err == (f"newsetl: error: output {precious} holds files newsetl did not write (thesis.tex); --overwrite "
                   "replaces only an empty directory or a newsetl release: choose another output or empty it yourself\n")
    assert (precious / "thesis.tex").read_text() == "\\documentclass{article}"
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (precious / name).write_text("x")
    assert "(a.txt, b.txt, c.txt +2 more)" in output_guard.refusal(str(precious), True)
    assert sorted(p.name for p in precious.iterdir()) == ["a.txt", "b.txt", "c.txt", "d.txt", "thesis.tex"]


def test_a_path_inside_a_published_release_is_refused_with_or_without_overwrite(tmp_path, capsys):
    release = _release(tmp_path / "bbc")
    for output, extra in ((release / "articles", ["--overwrite"]), (release / "new" / "deeper", [])):
        assert run_newsetl("run", "--input", SEED, "--output", output, *extra) == 2
        assert capsys.readouterr().err == (
            f"newsetl: error: output {output} is inside the published release {release} (it has _SUCCESS); "
            "writing there would break that release: choose an output outside it\n")
    assert (release / "articles" / "part-00000-of-00001.parquet").read_bytes() == b"PAR1"
    assert not (release / "new").exists()


def test_what_overwrite_may_replace(tmp_path):
    assert output_guard.newsetl_kind(_release(tmp_path / "rel")) == "release"
    lost = tmp_path / "lost"
    lost.mkdir()
    (lost / "report.json").write_text(json.dumps({"newsetl_version": "0.1.0", "config_digest": "ab", "records": {}}))
    assert output_guard.newsetl_kind(lost) == "dataset without _SUCCESS"
    (lost / "report.json").write_text(json.dumps({"records": {}}))  # someone else's report.json
    assert output_guard.newsetl_kind(lost) is None
    staging = tmp_path / ".out.staging-1796000000-4242"
    (staging / "_progress").mkdir(parents=True)
    assert output_guard.newsetl_kind(staging) == "leftover staging directory"
    stream = tmp_path / "stream"
    (stream / "window=19700101T000000Z--19700101T010000Z").mkdir(parents=True)
    assert output_guard.newsetl_kind(stream) == "streaming output"
    (stream / "notes.txt").write_text("x")
    assert output_guard.newsetl_kind(stream) is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert output_guard.refusal(str(empty), False) is None and output_guard.refusal(str(tmp_path / "new"), False) is None
    assert output_guard.refusal(str(lost), False) == f"output {lost} is not empty; pass --overwrite to replace it"


def test_overwrite_replaces_a_release(tmp_path):
    out = _release(tmp_path / "out")
    assert run_newsetl("run", "--input", SEED, "--output", out, "--overwrite") == 0
    assert json.loads((out / "report.json").read_text())["records"]["in"] == 1


def test_overwrite_refuses_a_release_that_releases_next_to_it_were_deduplicated_against(tmp_path, capsys):
    """Trial, session 9: ``newsetl run --overwrite`` replaced 2026-11-28 although 2026-11-29 was
    deduplicated against it (27 duplicate_of rows then pointed at paragraphs that no longer
    existed); the scheduler refused this, plain ``run`` did not."""
    earlier, later, other = _release(tmp_path / "2026-11-28"), _release(tmp_path / "2026-11-29"), _release(tmp_path / "x")
    (later / "report.json").write_text(json.dumps({"dedup_against": {"releases": [{"path": str(earlier), "release": "2026-11-28"}]}}))
    (other / "report.json").write_text(json.dumps({"dedup_against": {"releases": [{"path": "elsewhere/2026-11-28", "release": "2026-11-28"}]}}))
    assert output_guard.referencing_releases(earlier) == ["2026-11-29", "x"]  # by path, or by name (a relative path)
    assert output_guard.referencing_releases(later) == []
    message = output_guard.refusal(str(earlier), overwrite=True)
    assert message == (f"output {earlier} is a release that 2026-11-29, x were deduplicated against: replacing it would leave "
                       "their duplicate_of rows pointing at paragraphs it may no longer have; pass --replace-referenced to "
                       "replace it anyway, then re-run those releases (for a takedown, use newsetl remove instead)")
    assert output_guard.refusal(str(earlier), overwrite=True, replace_referenced=True) is None
    assert output_guard.refusal(str(later), overwrite=True) is None
    assert run_newsetl("run", "--input", SEED, "--output", earlier, "--overwrite") == 2
    assert capsys.readouterr().err == f"newsetl: error: {message}\n"
    assert (earlier / "_SUCCESS").read_text() == "{}"  # untouched
    assert run_newsetl("run", "--input", SEED, "--output", earlier, "--overwrite", "--replace-referenced") == 0
