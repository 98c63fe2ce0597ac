"""The output opens in pyarrow.dataset, DuckDB and polars, flat and Hive-partitioned by month,
with the counts of report.json; the run prints its reading progress."""
from __future__ import annotations

import json

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from tests.conftest import ROOT, run_newsetl, write_config

SAMPLE = (ROOT / "samples" / "*.jsonl.gz", ROOT / "samples" / "000_56aaff5fb1689b7e.txt")


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("partitioned")
    out = tmp / "out"
    config = write_config(tmp, "output:\n  partition_by: month\n")
    assert run_newsetl("run", "--input", SAMPLE[0], "--input", SAMPLE[1], "--output", out, "--config", config,
                       "--progress-every", "0") == 0
    return out


def test_month_partitions_on_disk(partitioned):
    dirs = sorted(p.name for p in (partitioned / "articles").iterdir())
    # Reuters-21578 stories of February and March 1987; the seed article and undated stories: unknown
    assert dirs == ["published_month=1987-02", "published_month=1987-03", "published_month=unknown"]
    assert [p.name for p in (partitioned / "paragraphs").iterdir()] == ["part-00000-of-00001.parquet"]
    success = json.loads((partitioned / "_SUCCESS").read_text())
    assert {f["path"] for f in success["files"] if f["path"].startswith("articles/")} == \
        {f"articles/{d}/part-00000-of-00001.parquet" for d in dirs}


def test_three_readers_agree_with_the_report(partitioned):
    report = json.loads((partitioned / "report.json").read_text())
    written, paragraphs = report["records"]["articles_written"], report["paragraphs"]["in"]
    arts = ds.dataset(partitioned / "articles", format="parquet", partitioning="hive").to_table()
    by_month_pa = dict(zip(*[c.to_pylist() for c in arts.group_by("published_month").aggregate([([], "count_all")]).columns]))
    glob = (partitioned / "articles" / "**" / "*.parquet").as_posix()
    by_month_duck = dict(duckdb.sql(f"SELECT published_month, count(*) FROM read_parquet('{glob}', hive_partitioning=true) "
                                    "GROUP BY 1").fetchall())
    by_month_pl = dict(pl.scan_parquet(glob, hive_partitioning=True).group_by("published_month").len().collect().rows())
    assert by_month_pa == by_month_duck == by_month_pl
    assert sum(by_month_pa.values()) == written
    unknown = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) WHERE published IS NULL").fetchall()[0][0]
    assert by_month_pa["unknown"] == unknown
    months = duckdb.sql(f"SELECT DISTINCT strftime(published, '%Y-%m') = published_month FROM "
                        f"read_parquet('{glob}', hive_partitioning=true) WHERE published IS NOT NULL").fetchall()
    assert months == [(True,)]
    para_glob = (partitioned / "paragraphs" / "*.parquet").as_posix()
    assert duckdb.sql(f"SELECT count(*) FROM '{para_glob}'").fetchall()[0][0] == paragraphs
    assert pl.read_parquet(para_glob).height == paragraphs
    status = dict(duckdb.sql(f"SELECT status, count(*) FROM '{para_glob}' GROUP BY 1").fetchall())
    assert status == {k: v for k, v in report["paragraphs"]["by_status"].items() if v}


def test_flat_output_opens_in_the_three_readers(bbc_dataset):
    report = json.loads((bbc_dataset / "report.json").read_text())
    glob = (bbc_dataset / "articles" / "*.parquet").as_posix()
    n = report["records"]["articles_written"]
    assert ds.dataset(bbc_dataset / "articles", format="parquet").count_rows() == n
    assert duckdb.sql(f"SELECT count(*) FROM '{glob}'").fetchall()[0][0] == n
    assert pl.scan_parquet(glob).select(pl.len()).collect().item() == n


def test_run_prints_reading_progress(tmp_path, capsys):
    assert run_newsetl("run", "--input", SAMPLE[0], "--input", SAMPLE[1], "--output", tmp_path / "out",
                       "--progress-every", "0.2") == 0
    captured = capsys.readouterr()
    sample_bytes = sum(p.stat().st_size for p in (ROOT / "samples").iterdir() if p.suffix in (".gz", ".txt"))
    assert f"newsetl: read 2/2 files, {sample_bytes / 1e6:.1f}/{sample_bytes / 1e6:.1f} MB (100% of bytes), 321 records," in captured.err
    assert "reading ETA done" in captured.err
    out = captured.out.splitlines()
    assert out[0] == f"newsetl: wrote {tmp_path / 'out'}"
    assert len(out) <= 12 and out[-1].endswith(f"run: newsetl inspect {tmp_path / 'out'}")


def test_partitioned_output_and_documents_are_byte_identical_with_two_workers(partitioned, tmp_path):
    out = tmp_path / "out"  # same directory name: the card is titled by it
    config = write_config(tmp_path, "output:\n  partition_by: month\n")
    assert run_newsetl("run", "--input", SAMPLE[0], "--input", SAMPLE[1], "--output", out, "--config", config,
                       "--progress-every", "0", "--direct_num_workers=2", "--direct_running_mode=multi_processing") == 0
    files = sorted(p.relative_to(partitioned).as_posix() for p in partitioned.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "report.html" in files and "README.md" in files
    for name in files:
        assert (partitioned / name).read_bytes() == (out / name).read_bytes(), name
