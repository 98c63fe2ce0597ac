"""ReadArticles on a JSONL file cut into chunks: the same tables, rejects and counts as one pass."""
from __future__ import annotations

import gzip
import json

from tests.conftest import read, run_newsetl
from tests.transforms.ingest.test_jsonl import _damaged_lines
from transforms.ingest import jsonl
from transforms.ingest import transforms as ingest_transforms


def test_chunked_file_gives_the_tables_of_one_pass(tmp_path, monkeypatch, capsys):
    packed = gzip.compress(b"\n".join(_damaged_lines()) + b"\n", mtime=0)
    source = tmp_path / "in" / "d.jsonl.gz"
    source.parent.mkdir()
    source.write_bytes(packed[: len(packed) * 9 // 10])  # truncated: the last records are cut off
    (tmp_path / "in" / "e.jsonl.gz").write_bytes(source.read_bytes())  # a copy: every id read twice
    one, chunked = tmp_path / "one", tmp_path / "chunked"
    assert run_newsetl("run", "--input", source.parent, "--output", one, "--progress-every", "0") == 0  # small: read whole
    monkeypatch.setattr(ingest_transforms, "CUT_MIN_BYTES", 0)
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 20_000)
    parsed = []  # (first record, offset) of each chunk parsed (the in-process runner shares this module)
    monkeypatch.setattr(jsonl, "parse", lambda c, data, cfg, parse=jsonl.parse: parsed.append((c.first_record, c.offset)) or parse(c, data, cfg))
    assert run_newsetl("run", "--input", source.parent, "--output", chunked, "--progress-every", "0.1",
                       "--direct_num_workers=2", "--direct_running_mode=multi_threading") == 0  # threads: this module
    assert len(parsed) == 14 and sorted(set(parsed))[:3] == [(0, 0), (21, 20_953), (65, 65_738)]  # cut in 64 KiB reads
    for table in ("articles", "paragraphs", "rejects"):
        files = sorted(p.relative_to(one).as_posix() for p in (one / table).rglob("*.parquet"))
        assert files and files == sorted(p.relative_to(chunked).as_posix() for p in (chunked / table).rglob("*.parquet"))
        assert all((one / f).read_bytes() == (chunked / f).read_bytes() for f in files), table
    report = json.loads((chunked / "report.json").read_text())["records"]
    assert report == json.loads((one / "report.json").read_text())["records"]
    assert (report["in"], report["rejected"], report["rejected_by_reason"]) == (
        606, 12 + 297, {"ingest:invalid_json": 4, "ingest:missing_text": 2, "ingest:not_an_object": 4,
                        "ingest:truncated_or_corrupt_file": 2, "ingest:duplicate_article_id": 297})
    # each file: 302 records before the cut (297 articles), then the cut; e.jsonl.gz's 297 ids come second
    assert {r["source_file"] for r in read(chunked, "rejects") if r["reason"] == "duplicate_article_id"} == {
        str(tmp_path / "in" / "e.jsonl.gz")}
    size = 2 * source.stat().st_size / 1e6
    assert f"read 2/2 files, {size:.1f}/{size:.1f} MB (100% of bytes), 606 records" in capsys.readouterr().err


def test_files_are_cut_unless_one_local_worker_reads_them():
    from apache_beam.options.pipeline_options import PipelineOptions

    assert not ingest_transforms.spreads_work(PipelineOptions([]))
    assert ingest_transforms.spreads_work(PipelineOptions(["--direct_num_workers=2"]))
    assert ingest_transforms.spreads_work(PipelineOptions(["--direct_num_workers=0"]))  # 0: as many as cores
    assert ingest_transforms.spreads_work(PipelineOptions(["--runner=PortableRunner"]))
