"""A path option starting with a literal ``~`` (trial 11: ``--output='~/y'`` created ``./~`` while
pyarrow wrote below ``$HOME``: exit 1 and a 129-line traceback)."""
from __future__ import annotations

import json
import os

from pipelines.paths import user_path
from tests.conftest import ROOT, run_newsetl

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"
SEED_ID = "528bbee34a0e1482"


def test_user_path_expands_a_leading_tilde_as_a_shell_would(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert user_path("~/y") == str(tmp_path / "home" / "y")
    assert user_path("~") == str(tmp_path / "home")
    assert user_path("~/dumps/*.jsonl") == str(tmp_path / "home" / "dumps" / "*.jsonl")
    # a directory literally named "~": pathlib shortens ./~/y to ~/y, which pyarrow would expand
    assert user_path("./~/y") == str(tmp_path / "~" / "y")
    assert user_path("~no-such-user-x7/y") == str(tmp_path / "~no-such-user-x7" / "y")
    for unchanged in ("out", "a/~/b", "/abs/~x", "x~"):
        assert user_path(unchanged) == unchanged


def test_every_command_uses_the_expanded_path(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    (home / SEED.name).write_bytes(SEED.read_bytes())
    (home / "c.yaml").write_text("output: {shards: 1}\n", encoding="utf-8")
    # "sp ace": the summary's inspect command is shell-quoted (trial 11)
    assert run_newsetl("run", f"--input=~/{SEED.name}", "--output=~/sp ace", "--config=~/c.yaml", "--progress-every", "0") == 0
    out = capsys.readouterr().out
    assert (home / "sp ace" / "_SUCCESS").is_file() and not (tmp_path / "~").exists()
    assert out.splitlines()[-1].endswith(f"or run: newsetl inspect '{home}/sp ace'")
    report = json.loads((home / "sp ace" / "report.json").read_text())
    assert report["inputs"][0]["path"] == str(home / SEED.name) and report["config"]["output"]["shards"] == 1
    assert run_newsetl("inspect", "~/sp ace") == 0
    assert capsys.readouterr().out.startswith(f"newsetl dataset {home}/sp ace (finished")
    assert run_newsetl("explain", "~/sp ace", SEED_ID) == 0
    assert capsys.readouterr().out.startswith(f"article {SEED_ID}: written")
    (home / "ids.tsv").write_text(f"{SEED_ID}\tgdpr\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", "~/ids.tsv", "~/sp ace", "--output", "~/sp ace-r1") == 0
    assert (home / "sp ace-r1" / "_SUCCESS").is_file() and sorted(os.listdir(tmp_path)) == ["home"]
