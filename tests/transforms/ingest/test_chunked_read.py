"""ReadArticles on a JSONL file cut into chunks: the same tables, rejects and counts as one pass."""
from __future__ import annotations

import gzip
import json

from tests.conftest import run_newsetl
from tests.transforms.ingest.test_jsonl import _damaged_lines
from transforms.ingest import jsonl
from transforms.ingest import transforms as ingest_transforms


def test_chunked_file_gives_the_tables_of_one_pass(tmp_path, monkeypatch, capsys):
    packed = gzip.compress(b"\n".join(_damaged_lines()) + b"\n", mtime=0)
    source = tmp_path / "in" / "d.jsonl.gz"
    source.parent.mkdir()
    source.write_bytes(packed[: len(packed) * 9 // 10])  # truncated: the last records are cut off
    one, chunked = tmp_path / "one", tmp_path / "chunked"
    assert run_newsetl("run", "--input", source, "--output", one, "--progress-every", "0") == 0  # small: read whole
    monkeypatch.setattr(ingest_transforms, "CUT_MIN_BYTES", 0)
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 20_000)
    parsed = []  # (first record, offset) of each chunk parsed (the in-process runner shares this module)
    monkeypatch.setattr(jsonl, "parse", lambda c, data, cfg, parse=jsonl.parse: parsed.append((c.first_record, c.offset)) or parse(c, data, cfg))
    assert run_newsetl("run", "--input", source, "--output", chunked, "--progress-every", "0.1") == 0
    assert len(parsed) == 7 and sorted(parsed)[:3] == [(0, 0), (21, 20_953), (65, 65_738)]  # cut in 64 KiB reads
    for table in ("articles", "paragraphs", "rejects"):
        files = sorted(p.relative_to(one).as_posix() for p in (one / table).rglob("*.parquet"))
        assert files and files == sorted(p.relative_to(chunked).as_posix() for p in (chunked / table).rglob("*.parquet"))
        assert all((one / f).read_bytes() == (chunked / f).read_bytes() for f in files), table
    report = json.loads((chunked / "report.json").read_text())["records"]
    assert report == json.loads((one / "report.json").read_text())["records"]
    assert (report["in"], report["rejected"], report["rejected_by_reason"]) == (
        303, 6, {"ingest:invalid_json": 2, "ingest:missing_text": 1, "ingest:not_an_object": 2,
                 "ingest:truncated_or_corrupt_file": 1})  # 302 records before the cut, then the cut
    size = source.stat().st_size / 1e6
    assert f"read 1/1 files (100%), {size:.1f}/{size:.1f} MB, 303 records" in capsys.readouterr().err
