"""The whole pipeline through Beam's portability API: PortableRunner with an embedded job
service and an external worker pool (``worker_pool_main``) in a separate process, so every
DoFn, side input and record is pickled and crosses process boundaries, as on a cluster.
Output must be byte-identical to the FnApiRunner's (incremental path included)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_newsetl

SAMPLE = ROOT / "samples" / "reuters-sample.jsonl.gz"
SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"


@pytest.fixture(scope="module")
def worker_pool(tmp_path_factory):
    """A Beam worker pool in its own process; yields its port. The pool starts SDK workers with
    ``python`` from PATH, so this interpreter's directory goes first."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("pool") / "pool.log"
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main", f"--service_port={port}"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(600):  # wait for the "Started worker pool" line (at most a minute)
            if b"Started worker pool" in log.read_bytes() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert proc.poll() is None and b"Started worker pool" in log.read_bytes(), log.read_text()
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_portable_runner_with_external_workers_matches_fnapi_byte_for_byte(worker_pool, tmp_path):
    port, log = worker_pool
    earlier = tmp_path / "earlier"
    assert run_newsetl("run", "--input", SEED, "--output", earlier) == 0
    args = ["run", "--input", SAMPLE, "--input", SEED, "--dedup-against", earlier]
    assert run_newsetl(*args, "--output", tmp_path / "fn") == 0
    assert run_newsetl(*args, "--output", tmp_path / "port", "--runner=PortableRunner", "--job_endpoint=embed",
                       "--environment_type=EXTERNAL", f"--environment_config=localhost:{port}") == 0
    assert b"Starting worker" in log.read_bytes()  # the work ran in a worker process of the pool
    fn, port_out = (json.loads((tmp_path / d / "_SUCCESS").read_text())["files"] for d in ("fn", "port"))
    assert fn == port_out and {f["path"].split("/")[0] for f in fn} == {"articles", "paragraphs", "rejects", "index"}
    reports = [json.loads((tmp_path / d / "report.json").read_text()) for d in ("fn", "port")]
    for r in reports:
        del r["index"]["release"], r["dedup_against"]["releases"][0]["path"]
    assert reports[0] == reports[1]
    # The seed article was published before: its paragraphs point to the earlier release.
    assert reports[0]["dedup_against"]["releases"][0]["paragraphs_dropped"] == 27
