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
    assert "  paragraphs in 12,772: title 2,225, kept 9,761, duplicate_within 2, duplicate_across 783, dropped_rule 1" in lines
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


def test_a_damaged_table_file_is_one_line_not_a_traceback(bbc_dataset, tmp_path, capsys):
    """Trial 10: a paragraphs/ part cut to 500 bytes made explain print pyarrow's traceback."""
    copy = tmp_path / "copy"
    shutil.copytree(bbc_dataset, copy)
    part = next((copy / "paragraphs").glob("*.parquet"))
    size, data = part.stat().st_size, part.read_bytes()
    part.write_bytes(data[:500])
    article = derived_article_id("tech/256.txt", 0)
    assert run_newsetl("explain", copy, article) == 2
    assert capsys.readouterr().err == (f"newsetl: error: {copy} is damaged: paragraphs/{part.name} has 500 bytes, "
                                       f"_SUCCESS lists {size:,}; run newsetl inspect {copy} --verify\n")
    assert run_newsetl("inspect", copy) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (f"  {copy} is damaged: paragraphs/{part.name} has 500 bytes, "
                                                        f"_SUCCESS lists {size:,}; run newsetl inspect {copy} --verify")
    part.write_bytes(data[:-200] + bytes(192) + data[-8:])  # same size, footer zeroed: pyarrow's error, in one line
    assert run_newsetl("explain", copy, article) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"newsetl: error: {copy} is damaged: a table file cannot be read (ArrowInvalid: ")
    assert err.endswith(f"); run newsetl inspect {copy} --verify\n") and err.count("\n") == 1


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
        f"newsetl: error: article {SEED_ID} was taken down in release 2026-11-28-r1 (published 2026-11-30 02:00 UTC), "
        f"requested as '{SEED_ID}', reason: court order 42, 66 paragraph(s) removed "
        f"(removals/ of {tmp_path / '2026-11-28-r1'} lists it)\n")
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
    assert capsys.readouterr().err == (f"newsetl: error: {out} is damaged: paragraphs/part-00000-of-00001.parquet is "
                                       f"missing; run newsetl inspect {out} --verify\n")


def test_inspect_and_explain_read_a_streaming_output_by_its_panes(tmp_path, capsys):
    """Trial 10: both said "has no _SUCCESS: not a finished newsetl dataset" for a --streaming
    output (window=.../pane=N/{articles,paragraphs,rejects}, the batch schemas)."""
    batch = tmp_path / "batch"
    assert run_newsetl("run", "--input", SEED, "--output", batch) == 0
    # one of each: singular (trial 10: "1 news articles", "in 1 files", "from 1 input files -> 1 articles")
    card = (batch / "README.md").read_text(encoding="utf-8")
    assert "\n1 news article with 27 kept paragraphs, cleaned" in card and " from 1 input record in 1 file. " in card
    assert "\n1 input file, 8,644 bytes." in card
    assert "<p>1 record from 1 input file → 1 article, 27 kept paragraphs · " in (batch / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert run_newsetl("inspect", batch) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(", 1 input file (0.0 MB)")
    stream = tmp_path / "stream"
    window = stream / "window=20261130T070000Z--20261130T080000Z"
    for pane in ("pane=0", "pane=1"):  # panes accumulate: pane=1 supersedes pane=0
        for table in ("articles", "paragraphs", "rejects"):
            shutil.copytree(batch / table, window / pane / table)
    (window / ".pane=2.writing-1-2").mkdir()  # being written: not a pane yet
    capsys.readouterr()
    assert run_newsetl("inspect", stream) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{stream}: --streaming output (no _SUCCESS or report.json: one directory a window and pane), 1 window(s); "
        "each window's highest pane holds all of it",
        "  window=20261130T070000Z--20261130T080000Z/pane=1: articles 1, paragraphs 66, rejects 0",
        "  total over the highest panes: articles 1, paragraphs 66, rejects 0",
        f"  explain an article: newsetl explain {stream} ARTICLE_ID (looks in each window's highest pane)"]
    assert run_newsetl("explain", stream, SEED_ID) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["(--streaming output: window=20261130T070000Z--20261130T080000Z/pane=1)",
                       f"article {SEED_ID}: written, 27 of 65 body paragraphs kept; language en (fasttext); source {SEED} record 0"]
    assert run_newsetl("explain", window / "pane=0", SEED_ID) == 0
    assert capsys.readouterr().out.splitlines()[0] == "(--streaming output: window=20261130T070000Z--20261130T080000Z/pane=0)"
    assert run_newsetl("explain", stream, "nosuchid") == 2
    assert capsys.readouterr().err == ("newsetl: error: article nosuchid is not in the paragraphs/ of any window's highest "
                                       f"pane of the --streaming output {stream}\n")
