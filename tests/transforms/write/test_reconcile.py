"""The books must balance: a stage that loses a record makes the run fail, publishing nothing."""
from __future__ import annotations

import json

from apache_beam.pvalue import TaggedOutput

from tests.conftest import ROOT, read, run_newsetl
from transforms.dedup import transforms as dedup_transforms

SAMPLE = ROOT / "samples" / "reuters-sample.jsonl.gz"


def test_lost_record_fails_the_run(tmp_path, monkeypatch, capsys):
    real = dedup_transforms.AssembleBatchFn.process

    def lossy(self, kv):  # fault injection: the assembly stage loses one article of its batch
        for out in real(self, kv):
            yield out if isinstance(out, TaggedOutput) else [item for item in out if item[0].article_id != "NEWID4"]

    monkeypatch.setattr(dedup_transforms.AssembleBatchFn, "process", lossy)
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", SAMPLE, "--output", out) == 1
    err = capsys.readouterr().err
    assert "counts do not reconcile: records in 320 != articles deduplicated 319 + rejected 0" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.staging-*"))


def test_rejects_reconcile(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "Fine story text here.", "author": null}\n{"id": "2", "title": "no text"}\nnot json\n'
                   '{"id": "1", "text": "Same id again."}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", src, "--output", out) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["records"]["in"] == 4
    assert report["records"]["rejected_by_reason"] == {"ingest:duplicate_article_id": 1, "ingest:invalid_json": 1, "ingest:missing_text": 1}
    rejects = read(out, "rejects")
    assert [(r["source_record"], r["reason"]) for r in rejects] == [(1, "missing_text"), (2, "invalid_json"), (3, "duplicate_article_id")]
    arts = read(out, "articles")
    assert [(a["article_id"], a["author"], a["text"]) for a in arts] == [("1", None, "Fine story text here.")]
