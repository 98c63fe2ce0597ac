"""Ctrl-C during a run and a closed stdout pipe (pipelines/interrupts.py): one line or none, no traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, run_newsetl

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def newsetl_process(*args, **kwargs) -> subprocess.Popen:
    """``python -m pipelines ARGS`` in its own process group with Ctrl-C's default action (a
    shell's background job would ignore SIGINT)."""
    return subprocess.Popen([sys.executable, "-m", "pipelines", *map(str, args)], cwd=ROOT, env=ENV, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)


def test_ctrl_c_during_a_run_prints_one_line_exits_130_and_publishes_nothing(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "_SUCCESS").write_text("{}")  # the previous release: must stay as it is
    run = newsetl_process("run", "--input", data / "bbc-news-fulltext" / "bbc" / "*" / "*.txt", "--output", out, "--overwrite",
                          "--progress-every", "0", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(600):  # until the workers count files read in the staging directory: the run is under way
        if list(tmp_path.glob(".out.staging-*/_progress/*")) or run.poll() is not None:
            break
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    stdout, stderr = run.communicate(timeout=120)
    assert (run.returncode, stdout, stderr.decode()) == (130, b"", "newsetl: interrupted; nothing was published\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the staging directory is gone
    assert [p.name for p in out.iterdir()] == ["_SUCCESS"] and (out / "_SUCCESS").read_text() == "{}"


@pytest.fixture(scope="module")
def seed_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "out"
    assert run_newsetl("run", "--input", SEED, "--output", out) == 0
    return out


@pytest.mark.parametrize("command", [["inspect", "DATASET"], ["explain", "DATASET", "528bbee34a0e1482"], ["help"]])
def test_a_closed_pipe_ends_the_command_quietly(seed_dataset, command):
    """``newsetl inspect DIR | head -3``: the reader is gone before newsetl writes. ``newsetl
    help | head -1`` printed a BrokenPipeError traceback and exited 1 (trial, session 9)."""
    args = [seed_dataset if a == "DATASET" else a for a in command]
    reader = newsetl_process(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # as head does once it has its lines
    assert reader.wait(timeout=120) == 141  # 128 + SIGPIPE, what a shell reports for cat in this place
    assert reader.stderr.read() == b""


def test_only_a_siginfo_naming_sigint_is_a_ctrl_c():
    """Under py-spy (ptrace), ``sigtimedwait`` came back with an unfilled siginfo (si_signo
    -1571503536) and the run stopped as interrupted although nobody pressed Ctrl-C."""
    from pipelines.interrupts import took_sigint

    def siginfo(signo):
        return signal.struct_siginfo((signo, 0, 0, 0, 0, 0, 0))

    assert took_sigint(None) is False
    assert took_sigint(siginfo(-1571503536)) is False
    assert took_sigint(siginfo(0)) is False
    assert took_sigint(siginfo(signal.SIGINT)) is True


def test_ctrl_c_during_a_streaming_run_prints_one_line_and_exits_130(tmp_path):
    """The same guard as a batch run: one line (what stays: the panes written so far, each whole), exit 130."""
    import pyarrow.parquet as pq

    from tests.conftest import write_config
    from tests.pipelines.test_streaming_files import _drop, _iso, _stories

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    _drop(inbox, "a.jsonl", [dict(_stories(1)[0], id="a0", published=_iso(time.time() - 600))])
    cfg = write_config(tmp_path, "streaming:\n  poll_interval_seconds: 1\n  window_seconds: 60\n  allowed_lateness_seconds: 3600\n")
    run = newsetl_process("run", "--streaming", "--input", inbox / "*.jsonl", "--output", out, "--config", cfg,
                          "--stop-after", "300", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(1200):  # until the first pane is written: the stream is under way
        if list(out.glob("window=*/pane=*")) or run.poll() is not None:
            break
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)
    stdout, stderr = run.communicate(timeout=120)
    assert (run.returncode, stdout, stderr.decode()) == (
        130, b"", f"newsetl: interrupted; the windows written so far stay in {out} (the highest pane of each window holds it)\n")
    (pane,) = out.glob("window=*/pane=0")
    assert [r["article_id"] for r in pq.read_table(pane / "articles").to_pylist()] == ["a0"]
    assert pq.read_table(pane / "rejects").num_rows == 0 and not list(out.glob("window=*/.pane=*"))
