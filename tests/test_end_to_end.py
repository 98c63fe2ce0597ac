"""End to end on real data: the seed article, the shipped sample and the BBC corpus."""
from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, read, run_newsetl
from transforms.ingest.core import derived_article_id

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"


def _expected_seed_body() -> list[str]:
    """The 27 body paragraphs: the first capture, minus the ad marker, with '< /p>' removed."""
    paras = SEED.read_text(encoding="utf-8").split("\n\n")
    title, body = paras[0], paras[1:]
    first_capture = body[: body.index(title)]
    return [p.replace("< /p>", "").strip() for p in first_capture if p != "TEXEM Advert"]


def test_seed_article_comes_out_as_one_clean_copy(tmp_path):
    assert run_newsetl("run", "--input", SEED, "--output", tmp_path / "out") == 0
    arts = read(tmp_path / "out", "articles")
    assert len(arts) == 1
    a = arts[0]
    assert a["title"] == "World Trafficking Day: Internet use now part of traffickers' business model - UN"
    expected = _expected_seed_body()
    assert len(expected) == 27
    assert a["text"].split("\n\n") == expected
    assert a["paragraphs_kept"] == 27 and a["article_id"] == derived_article_id(SEED.name, 0)
    assert "< /p>" not in a["text"] and "TEXEM Advert" not in a["text"] and "Reaction" not in a["text"]
    assert expected[23].endswith("Human Rights. man (OHCHR).")
    paras = read(tmp_path / "out", "paragraphs")
    headline_again = [p for p in paras if p["text"] == a["title"] and p["index"] > 0]
    assert [(p["status"], p["duplicate_of"]) for p in headline_again] == [("duplicate_within", f"{a['article_id']}/0")]
    status = {}
    for p in paras:
        status[p["status"]] = status.get(p["status"], 0) + 1
    assert status == {"title": 1, "kept": 27, "duplicate_within": 28, "dropped_rule": 10}
    assert sorted({p["reason"] for p in paras if p["status"] == "dropped_rule"}) == ["ad_marker", "reaction_widget"]


def test_shipped_sample_runs_and_reconciles(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", ROOT / "samples" / "*.jsonl.gz", "--input", SEED, "--output", out) == 0
    summary = capsys.readouterr().out.splitlines()
    assert run_newsetl("inspect", out) == 0  # the run's summary is inspect's, with thousands separators throughout
    assert summary[1:-1] == capsys.readouterr().out.splitlines()[2:]
    assert summary[1] == "  records in 321: articles written 200, without kept paragraphs 121, flagged copies 0, rejected 0"
    report = json.loads((out / "report.json").read_text())
    r, p = report["records"], report["paragraphs"]
    assert r["in"] == 321 and r["rejected"] == 0
    assert r["articles_written"] + r["articles_without_kept_paragraphs"] == 321
    assert sum(p["by_status"].values()) == p["in"] == len(read(out, "paragraphs"))
    assert p["by_status"]["duplicate_across"] > 100  # the sample's re-sent wire stories
    assert p["by_status"]["boilerplate"] > 100  # the "Reuter" sign-off on every story
    success = json.loads((out / "_SUCCESS").read_text())
    assert {f["path"].split("/")[0] for f in success["files"]} == {"articles", "paragraphs", "rejects", "index"}
    assert not (out / "_spill").exists()  # the spill files (texts kept out of shuffles) are not published
    for f in success["files"]:
        assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]


def test_bbc_exact_duplicate_pairs(bbc_run):
    data, out = bbc_run
    root = data / "bbc-news-fulltext" / "bbc"
    paras = read(out, "paragraphs")
    by_article: dict[str, list[dict]] = {}
    for p in paras:
        by_article.setdefault(p["article_id"], []).append(p)
    pairs = [line.split("\t") for line in (data / "bbc-news-fulltext" / "DERIVED_duplicate_pairs.tsv").read_text().splitlines()
             if line.startswith("exact\t")]
    assert len(pairs) == 101
    for _, _, a, b in pairs:
        ida, idb = derived_article_id(a, 0), derived_article_id(b, 0)
        body_a = [p for p in by_article[ida] if p["index"] > 0]
        body_b = [p for p in by_article[idb] if p["index"] > 0]
        first, second = (body_a, body_b) if ida < idb else (body_b, body_a)  # no dates: article_id breaks the tie
        first_id, second_id = first[0]["article_id"], second[0]["article_id"]
        # The first copy keeps its paragraphs, except ones an earlier third article already has
        # (a byline such as "Clark Boyd is technology correspondent ..."): never for the second copy.
        for p in first:
            assert p["status"] == "kept" or (p["status"] == "duplicate_across" and not p["duplicate_of"].startswith(second_id)), (a, p)
        kept_targets = {f"{p['article_id']}/{p['index']}" for p in first if p["status"] == "kept"}
        third_targets = {p["duplicate_of"] for p in first if p["status"] == "duplicate_across"}
        for p in second:
            assert p["status"] == "duplicate_across", (b, p)
            assert p["duplicate_of"] in kept_targets | third_targets, (b, p)
        assert any(p["duplicate_of"].startswith(first_id + "/") for p in second)


def test_bbc_latin1_pound_read_through_fallback(bbc_run):
    _, out = bbc_run
    art = [a for a in read(out, "articles") if a["source_file"].endswith("sport/199.txt")]
    assert len(art) == 1
    assert art[0]["charset"] == "windows-1252 (fallback)"
    assert "£15.8m" in art[0]["text"]


def test_bbc_report_reconciles(bbc_run):
    _, out = bbc_run
    report = json.loads((out / "report.json").read_text())
    assert report["records"]["in"] == 2225 and report["reconciled"] is True
    assert report["paragraphs"]["in"] == sum(report["paragraphs"]["by_status"].values())
    assert report["charsets"]["windows-1252 (fallback)"] == 1
    assert len(report["inputs"]) == 2225 and all(len(i["sha256"]) == 64 for i in report["inputs"])


def test_bbc_byte_identical_for_workers_and_input_order(bbc_run, tmp_path):
    data, out = bbc_run
    files = sorted((data / "bbc-news-fulltext" / "bbc").glob("*/*.txt"))
    random.Random(7).shuffle(files)
    # Shuffled copy under the same relative paths (ids stay equal); listing order differs.
    mirror = tmp_path / "bbc"
    for f in files:
        dest = mirror / f.parent.name / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
    out2 = tmp_path / "out2"
    assert run_newsetl("run", "--input", mirror / "*" / "*.txt", "--output", out2,
                       "--direct_num_workers=2", "--direct_running_mode=multi_processing") == 0
    for table in ("articles", "paragraphs", "rejects"):
        a = sorted(p.name for p in (out / table).glob("*.parquet"))
        b = sorted(p.name for p in (out2 / table).glob("*.parquet"))
        assert a == b
        for name in a:
            if table == "articles":  # source_file differs (another directory): compare all else
                import pyarrow.parquet as pq

                ta = pq.read_table(out / table / name).drop_columns(["source_file"])
                tb = pq.read_table(out2 / table / name).drop_columns(["source_file"])
                assert ta.equals(tb)
            else:
                assert (out / table / name).read_bytes() == (out2 / table / name).read_bytes(), name
