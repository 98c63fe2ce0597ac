"""Shared fixtures: the real data directory and an in-process ``newsetl run``."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.cli import main

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """``$NEWSETL_DATA`` (default ../shared/data). Absent: skip, except under CI=true: fail."""
    path = Path(os.environ.get("NEWSETL_DATA", ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data directory {path} is missing (set NEWSETL_DATA)")
        pytest.skip(f"real data directory {path} is missing (set NEWSETL_DATA)")
    return path


@pytest.fixture
def data() -> Path:
    return data_dir()


def run_newsetl(*args: str) -> int:
    """Run ``newsetl`` in this process; returns the exit code."""
    return main([str(a) for a in args])


def read(out: Path, table: str) -> list[dict]:
    return pq.read_table(out / table).to_pylist()


def write_config(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def bbc_run(tmp_path_factory):
    """One default-config run over the whole BBC corpus (2,225 articles), shared by tests."""
    data = data_dir()
    out = tmp_path_factory.mktemp("bbc") / "out"
    assert run_newsetl("run", "--input", data / "bbc-news-fulltext" / "bbc" / "*" / "*.txt", "--output", out) == 0
    return data, out


@pytest.fixture(scope="session")
def bbc_dataset(bbc_run) -> Path:
    """The output directory of the shared BBC run (report, card, inspect and reader tests)."""
    return bbc_run[1]
