"""A run killed with SIGKILL while writing or publishing never damages the previous dataset."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from transforms.write.core import KILL_ENV, NO_EXCHANGE_ENV, verify_manifest

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"
SAMPLE = ROOT / "samples" / "reuters-sample.jsonl.gz"


def newsetl(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipelines", "run", *map(str, args)], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=600)


def files(out: Path) -> list[str]:
    return [e["path"] for e in json.loads((out / "_SUCCESS").read_text())["files"]]


def articles(out: Path) -> int:
    return json.loads((out / "report.json").read_text())["records"]["in"]


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    out = tmp_path_factory.mktemp("crash") / "release"
    done = newsetl("--input", SEED, "--output", out)
    assert done.returncode == 0, done.stderr
    assert articles(out) == 1
    # the command exits without interpreter teardown (cli.exit_after): its piped summary is still whole
    assert "newsetl: wrote" in done.stdout and done.stdout.rstrip().endswith(f"run: newsetl inspect {out}")
    return out


@pytest.mark.parametrize("point", ["write:shard", "publish:before-swap"])
def test_kill_before_publish_leaves_previous_dataset(previous, point):
    killed = newsetl("--input", SAMPLE, "--output", previous, "--overwrite", env={KILL_ENV: point})
    assert killed.returncode == -signal.SIGKILL
    assert verify_manifest(str(previous)) == [] and articles(previous) == 1
    assert list(previous.parent.glob(".release.staging-*"))  # the dead run's leftovers...
    again = newsetl("--input", SEED, "--output", previous)
    assert again.returncode == 2 and "not empty" in again.stderr
    assert not list(previous.parent.glob(".release.staging-*"))  # ...removed by the next run
    assert verify_manifest(str(previous)) == []


def test_kill_after_atomic_swap_leaves_the_new_dataset(tmp_path):
    out = tmp_path / "release"
    assert newsetl("--input", SEED, "--output", out).returncode == 0
    killed = newsetl("--input", SAMPLE, "--output", out, "--overwrite", env={KILL_ENV: "publish:after-swap"})
    assert killed.returncode == -signal.SIGKILL
    assert verify_manifest(str(out)) == [] and articles(out) == 320


def test_kill_between_fallback_renames_is_repaired(tmp_path):
    out = tmp_path / "release"
    assert newsetl("--input", SEED, "--output", out).returncode == 0
    killed = newsetl("--input", SAMPLE, "--output", out, "--overwrite",
                     env={KILL_ENV: "publish:between-renames", NO_EXCHANGE_ENV: "1"})
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists() and verify_manifest(str(out)) != []  # readers see no dataset
    again = newsetl("--input", SEED, "--output", out)  # restores the old copy, then refuses
    assert again.returncode == 2 and "not empty" in again.stderr
    assert verify_manifest(str(out)) == [] and articles(out) == 1


def test_exit_under_a_profiler_lets_it_write_its_results(tmp_path):
    """``newsetl`` skips interpreter teardown (cli.exit_after), but not under cProfile, which saves
    its profile at exit."""
    prof = tmp_path / "run.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "pipelines", "run", "--input", str(SEED),
                           "--output", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert articles(tmp_path / "out") == 1 and prof.stat().st_size > 10_000
