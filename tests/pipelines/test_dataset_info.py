"""`newsetl inspect` and `newsetl explain` on the shared BBC run, checked against report.json."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from tests.conftest import run_newsetl
from transforms.ingest.core import derived_article_id


def test_inspect_prints_the_report_numbers(bbc_dataset, capsys):
    report = json.loads((bbc_dataset / "report.json").read_text())
    r, p = report["records"], report["paragraphs"]
    assert run_newsetl("inspect", bbc_dataset, "--verify") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 24  # one screen
    assert (f"  records in {r['in']:,}: articles written {r['articles_written']:,}, without kept paragraphs "
            f"{r['articles_without_kept_paragraphs']:,}, flagged copies {r['articles_flagged_duplicate']:,}, "
            f"rejected {r['rejected']:,}") in lines
    assert "  paragraphs in 12,772: title 2,225, kept 9,762, duplicate_within 2, duplicate_across 783" in lines
    status_line = next(line for line in lines if line.startswith("  paragraphs in"))
    assert {k: int(v.replace(",", "")) for k, v in re.findall(r"(\w+) ([\d,]+)", status_line.split(":", 1)[1])} == \
        {k: v for k, v in p["by_status"].items() if v}
    assert f"  clusters {report['clusters']['count']:,}, largest {report['clusters']['largest']} paragraphs" in lines
    assert f"  languages: en {r['articles_written']:,} (source: fasttext {r['articles_written']:,})" in lines
    assert "  verify: every file matches _SUCCESS" in lines
    assert report["published_unparsed"] == {"total": 0, "by_file": {}}  # text files carry no dates
    assert not any("published dates not parsed" in line for line in lines)


def test_inspect_refuses_unfinished_and_detects_tampering(bbc_dataset, tmp_path, capsys):
    assert run_newsetl("inspect", tmp_path) == 2
    assert "has no _SUCCESS" in capsys.readouterr().err
    copy = tmp_path / "copy"
    shutil.copytree(bbc_dataset, copy)
    part = next((copy / "rejects").glob("*.parquet"))
    part.write_bytes(part.read_bytes() + b"x")
    assert run_newsetl("inspect", copy, "--verify") == 1
    assert f"rejects/{part.name}: sha256 differs" in capsys.readouterr().out
    (copy / "_SUCCESS").unlink()
    assert run_newsetl("explain", copy, "x") == 2


def test_explain_shows_each_decision_and_the_duplicated_text(bbc_dataset, capsys):
    # tech/256.txt ends with the byline of tech/... kept earlier by article 2af336e9acbb594d
    article = derived_article_id("tech/256.txt", 0)
    assert run_newsetl("explain", bbc_dataset, article) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"article {article}: written, 6 of 7 body paragraphs kept; language en (fasttext)")
    assert "[0] title\n    Poles play with GameBoy 'blip-pop'" in out
    assert "[7] duplicate_across (exact), duplicate of 2af336e9acbb594d/7, similarity 1.000, cluster 2af336e9acbb594d/7" in out
    assert "    duplicates 2af336e9acbb594d/7 (kept):\n    | Clark Boyd is technology correspondent" in out
    assert out.count("] kept") == 6
    assert run_newsetl("explain", bbc_dataset, "no-such-article") == 2
    assert "article no-such-article is not in" in capsys.readouterr().err


SEED = Path(__file__).resolve().parents[2] / "samples" / "000_56aaff5fb1689b7e.txt"
SEED_ID = "528bbee34a0e1482"


def test_explain_names_a_takedown_a_damaged_dataset_and_an_unknown_language(tmp_path, capsys, monkeypatch):
    from pipelines import dataset_info

    out = tmp_path / "2026-11-28"
    assert run_newsetl("run", "--input", SEED, "--output", out) == 0
    ids = tmp_path / "ids.tsv"
    ids.write_text(f"{SEED_ID}\tcourt order 42\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, out, "--output", tmp_path / "2026-11-28-r1") == 0
    capsys.readouterr()
    os.utime(tmp_path / "2026-11-28-r1" / "_SUCCESS", (1796004000, 1796004000))  # 2026-11-30 02:00 UTC
    assert run_newsetl("explain", tmp_path / "2026-11-28-r1", SEED_ID) == 2
    assert capsys.readouterr().err == (
        f"newsetl: error: article {SEED_ID} was taken down: removals/ of {tmp_path / '2026-11-28-r1'} (release 2026-11-28-r1, "
        f"published 2026-11-30 02:00 UTC) lists it, requested as '{SEED_ID}', reason: court order 42, 66 paragraph(s) removed\n")
    assert run_newsetl("explain", tmp_path / "2026-11-28-r1", "nosuchid") == 2
    assert capsys.readouterr().err == (f"newsetl: error: article nosuchid is not in {tmp_path / '2026-11-28-r1'}/paragraphs (see the "
                                       "article_id column) nor in its rejects/ (looked up by derived id, by the id or url in a "
                                       "record's excerpt, or as FILE:RECORD)\n")

    real = dataset_info.article_decisions
    monkeypatch.setattr(dataset_info, "article_decisions", lambda d, a: (lambda r: ({**r[0], "language": None, "language_source": None}, *r[1:]))(real(d, a)))
    assert run_newsetl("explain", out, SEED_ID) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"article {SEED_ID}: written, 27 of 65 body paragraphs kept; language unknown; source {SEED} record 0")
    shutil.rmtree(out / "paragraphs")
    assert run_newsetl("explain", out, SEED_ID) == 2
    assert capsys.readouterr().err == (f"newsetl: error: {out} has no paragraphs/ directory: the dataset is damaged "
                                       f"(newsetl inspect {out} --verify lists what is missing)\n")
