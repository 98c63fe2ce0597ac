"""make bench works end to end at a smoke size (no timing is asserted: speed is for benchmarks)."""
from __future__ import annotations

import gzip
import json

from benchmarks import bench
from benchmarks.make_corpus import make_corpus, word_jaccard


def test_corpus_is_seeded_and_truth_matches_text(data, tmp_path):
    a = make_corpus(data, 200_000, tmp_path / "a.jsonl.gz", seed=3)
    b = make_corpus(data, 200_000, tmp_path / "b.jsonl.gz", seed=3)
    assert gzip.open(tmp_path / "a.jsonl.gz").read() == gzip.open(tmp_path / "b.jsonl.gz").read()
    assert a["articles"] == b["articles"] and a["bytes"] >= 200_000
    texts = {}
    for line in gzip.open(tmp_path / "a.jsonl.gz", "rt"):
        r = json.loads(line)
        for i, p in enumerate(r["text"].split("\n\n"), start=1):
            texts[f"{r['id']}/{i}"] = p
    rows = [json.loads(line) for line in gzip.open(a["truth"], "rt")]
    assert len(rows) == len(texts) == a["paragraphs"] - a["articles"]
    kinds = {r["kind"] for r in rows}
    assert kinds >= {"original", "copy", "boilerplate"}
    for r in rows:
        if r["kind"] == "copy":
            copy, source = texts[f"{r['article_id']}/{r['index']}"], texts[r["source"]]
            for d in bench_datelines():
                copy = copy.removeprefix(d)
            assert round(word_jaccard(copy, source), 6) == r["jaccard"]


def bench_datelines():
    from benchmarks.make_corpus import DATELINES
    return DATELINES


def test_bench_smoke(data, tmp_path):
    r = bench.bench_size(300_000, data, tmp_path, datatrove_max=0, signatures=True, workers=(1,))
    sig = r["signatures"]
    assert sig["paragraphs"] > 500 and sig["newsetl"] > 0 and sig["datasketch_update"] > 0
    (run,) = r["newsetl"]
    assert run["paragraphs"] == r["corpus"]["paragraphs"] and run["peak_rss_mb"] > 0
    # CPU of the process tree: at least the interpreter start-up, at most what the wall clock allows on 2 cores
    assert 0.5 < run["cpu_seconds"] <= 2 * run["seconds"] + 1
    assert abs(run["paragraphs_per_cpu_s"] - run["paragraphs"] / run["cpu_seconds"]) <= 0.01 * run["paragraphs_per_cpu_s"]
    assert run["stage_ms"]["DedupAcrossArticles"] >= 0
    assert run["quality"]["precision"] >= 0.98 and run["quality"]["recall"] >= 0.8
    assert "| 300kB |" in bench.table([r])


def test_size_that_would_exhaust_memory_is_skipped_not_run(data, tmp_path, monkeypatch):
    """A size that would need more memory than is available is recorded as skipped."""
    monkeypatch.setattr(bench, "_available_memory", lambda: 5 * 10**8)
    r = bench.bench_size(300_000, data, tmp_path, datatrove_max=0, signatures=False, workers=(1, 2))
    need = bench.memory_need(r["corpus"]["paragraphs"], 2)
    assert need == int(r["corpus"]["paragraphs"] * 1_000 * 1.6) + 10**9 > 5 * 10**8
    assert r["newsetl"] == [] and r["skipped"] == f"needs about {need / 1e9:.1f} GB of memory (1,000 bytes a paragraph), 0.5 GB available"
    assert f"| 300kB | {r['corpus']['paragraphs']:,} | – | skipped: needs about" in bench.table([r])


def test_run_past_its_memory_limit_is_stopped(tmp_path):
    """The watchdog kills a process tree whose RSS passes the limit and reports it as stopped."""
    import sys

    cmd = [sys.executable, "-c", "import time; x = bytearray(400 * 2**20); time.sleep(60)"]
    wall, peak, rc = bench.run_measured(cmd, rss_limit=200 * 2**20)
    assert rc == bench.STOPPED and peak > 200 * 2**20 and wall < 30


def test_table_labels_the_no_language_run_and_keeps_it_out_of_the_worker_ratio():
    """The extra one-worker run without language identification is its own row; the 2 / 1 worker
    ratio compares the default runs only."""
    def run(workers, seconds, variant=None):
        r = {"workers": workers, "seconds": seconds, "mb_per_s": 1.0, "paragraphs_per_s": 10, "peak_rss_mb": 1,
             "rss_bytes_per_paragraph": 1, "quality": {"recall": 1.0, "precision": 1.0}}
        return dict(r, variant=variant) if variant else r
    r = {"size": "10MB", "corpus": {"paragraphs": 100}, "datatrove": {"seconds": 80.0},
         "newsetl": [run(1, 8.0), run(2, 4.0), run(1, 5.0, bench.NO_LANGUAGE)]}
    md = bench.table([r])
    assert "| 10MB | 100 | 1, no-language-id | 5.0 | " in md and "| 16.00× |" in md  # 80 / 5
    assert "| 10MB | 100 | 1 | 8.0 | " in md and "| 10.00× |" in md
    assert "10MB: 2 workers / 1 worker = 2.00×." in md


def test_repeated_runs_take_turns_and_report_the_fastest(data, tmp_path, monkeypatch):
    """``--repeat 2``: the configurations take turns (a slow spell hits them alike); each reports
    its fastest run, lists every run's seconds, and keeps the quality of its first output."""
    times = iter([9.0, 5.0, 7.0, 8.0])  # turn 1: 1 worker, 2 workers; turn 2: the same
    calls = []

    def fake_run(corpus, out, workers, info, config=None):
        calls.append((workers, config is not None))
        return {"workers": workers, "seconds": next(times)}
    monkeypatch.setattr(bench, "newsetl_run", fake_run)
    monkeypatch.setattr(bench, "newsetl_dropped", lambda out: set())
    r = bench.bench_size(300_000, data, tmp_path, datatrove_max=0, signatures=False, workers=(1, 2), repeat=2)
    assert calls == [(1, False), (2, False)] * 2  # datatrove_max=0: no datatrove, so no no-language run either
    got = [(run["workers"], run.get("variant"), run["seconds"], run["seconds_runs"], run["quality"]["dropped"]) for run in r["newsetl"]]
    assert got == [(1, None, 7.0, [9.0, 7.0], 0), (2, None, 5.0, [5.0, 8.0], 0)]
    run_fields = {"mb_per_s": 1.0, "paragraphs_per_s": 10, "peak_rss_mb": 1, "rss_bytes_per_paragraph": 1}
    r["newsetl"] = [dict(run, **run_fields) for run in r["newsetl"]]
    assert "300kB, every run (configurations taking turns; the table shows the fastest): 1 worker: 9.0 s / 7.0 s; 2 workers: 5.0 s / 8.0 s." in bench.table([r])
