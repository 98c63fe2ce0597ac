"""Record-level contracts end to end: nulls, a missing required field, paragraph size limits."""
from __future__ import annotations

import json

from tests.conftest import read, run_newsetl, write_config


def test_nulls_missing_text_and_reconciliation(tmp_path):
    rows = [{"id": "a", "title": "T", "text": "Alpha beta gamma delta epsilon.", "author": "Ann"},
            {"id": "b", "title": None, "text": "Zeta eta theta iota kappa.", "author": None},  # explicit nulls
            {"id": "c", "text": "Lambda mu nu xi omicron."},  # no author, no title
            {"id": "d", "title": "no body"}]  # required text missing
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", tmp_path / "in.jsonl", "--output", out) == 0
    arts = {a["article_id"]: a for a in read(out, "articles")}
    assert sorted(arts) == ["a", "b", "c"]
    assert (arts["a"]["author"], arts["b"]["author"], arts["c"]["author"]) == ("Ann", None, None)
    assert (arts["b"]["title"], arts["c"]["title"]) == (None, None)
    rejects = read(out, "rejects")
    assert [(r["source_record"], r["reason"]) for r in rejects] == [(3, "missing_text")]
    report = json.loads((out / "report.json").read_text())
    assert report["records"]["in"] == 4 and report["records"]["rejected"] == 1
    assert report["records"]["articles_written"] == 3


def test_300kb_paragraph_round_trips_and_an_over_limit_one_is_dropped_with_reason(tmp_path):
    words = " ".join(f"w{n:06d}" for n in range(300_000 // 8))  # one paragraph, ~300 KB, no breaks
    assert len(words) >= 299_000
    over = "x" * 400_001
    rows = [{"id": "big", "title": "Big", "text": words}, {"id": "over", "title": "Over", "text": f"Short one.\n\n{over}"}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = write_config(tmp_path, "clean:\n  max_paragraph_chars: 400000\n")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", tmp_path / "in.jsonl", "--output", out, "--config", config) == 0
    arts = {a["article_id"]: a for a in read(out, "articles")}
    assert arts["big"]["text"] == words
    assert arts["over"]["text"] == "Short one."
    paras = {(p["article_id"], p["index"]): p for p in read(out, "paragraphs")}
    assert (paras["over", 2]["status"], paras["over", 2]["reason"], len(paras["over", 2]["text"])) == \
        ("dropped_rule", "max_paragraph_chars", 400_001)


def test_bom_crlf_jsonl_5000_lines_two_workers_each_id_once(tmp_path):
    lines = [json.dumps({"id": f"i{n:04d}", "title": f"T{n}", "text": f"Story {n} says {n * 7} things.\r\n\r\nEnd {n}."})
             for n in range(5000)]
    (tmp_path / "b.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", tmp_path / "b.jsonl", "--output", out,
                       "--direct_num_workers=2", "--direct_running_mode=multi_processing") == 0
    ids = [a["article_id"] for a in read(out, "articles")]
    assert sorted(ids) == [f"i{n:04d}" for n in range(5000)]
    texts = [p["text"] for p in read(out, "paragraphs")]
    assert len(texts) == 15000 and not any("\r" in t or "\ufeff" in t for t in texts)
