"""``make bench``: speed, memory and quality of newsetl against its peers, on generated corpora.

For each corpus size (benchmarks/make_corpus.py, seeded, ground truth by construction):

(a) signature throughput, one process, the same paragraphs (matching forms of at least 5
    words), word 5-grams, 128 permutations, each contender doing its own shingling: newsetl
    (``hash_forms`` + ``signatures`` over the batch), datasketch ``MinHash.update`` per
    shingle, datasketch ``MinHash.bulk``, rensa ``RMinHash`` (smallest size only; each the
    better of two timed runs after an untimed warm-up run);
(b) newsetl end to end (``newsetl run``, JSONL.gz in, Parquet out) with 1 and 2 workers: wall
    seconds, MB/s of uncompressed JSONL, paragraphs/s, per-stage milliseconds, peak RSS of the
    process tree (psutil, sampled every 0.1 s); at the sizes datatrove runs, once more with one
    worker and no language identification (``language.detect: false``: the work datatrove's
    MinHash dedup does, which identifies no language);
(c) datatrove's MinHash dedup (signature, buckets, cluster, filter; one task) over the same
    paragraphs, one document per paragraph, at sizes up to ``--datatrove-max``: as shipped
    (its default English word tokenizer, spaCy's rule-based ``blank("en")``, which needs no
    download) and again with a whitespace tokenizer (newsetl's own word split);
(d) recall and precision against the ground truth at the default threshold 0.8: a paragraph
    should be dropped when it is boilerplate of a site with >= 10 pages or a copy whose
    Jaccard with its original is >= 0.8 (footers of smaller sites are not scored). recall = dropped among those / those; precision = should-drop among dropped.

Writes ``benchmarks/results/bench-<size>.json`` (one per size) and ``benchmarks/results/bench.md``
(the README table, as ratios). ``--smoke`` runs a ~1 MB corpus and only checks that it works.

``--hot N`` (default 100,000 with ``--long``) adds a corpus of N one-paragraph pages that all
carry one network footer in 4 small variants (issue 3 item 10): peak memory and the largest
number of values per shuffle key (``stage_ms._values_per_key_max``) are reported;
``--hot-numbered`` ends that footer with the page number, so that its copies are near (not
exact) duplicates: the hot LSH bucket case (``batch.leader_edges``).

Usage: ``python -m benchmarks.bench [--sizes 10MB 50MB 100MB] [--long] [--smoke] [--hot N]``
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from benchmarks.make_corpus import make_corpus, parse_size
from transforms.dedup import core, minhash

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
THRESHOLD = 0.8
# dropped_rule: the corpus's "Copyright 2021 X Media Group. All rights reserved. ..." footer (truth:
# boilerplate) is a copyright_notice rule drop since session 10, before dedup sees it
DROPPED = {"duplicate_within", "duplicate_across", "boilerplate", "duplicate_article", "dropped_rule"}
# The extra one-worker run at the sizes datatrove runs: newsetl doing the work datatrove's MinHash
# dedup does (no language identification, ``language.detect: false``); every dedup stage, the
# cleaning and the Parquet writing stay.
NO_LANGUAGE = "no-language-id"


# ------------------------------------------------------------------ (a) signatures
def _py_shingles(form: str, n: int = 5) -> list[str]:
    t = form.split()
    return [" ".join(t[i: i + n]) for i in range(len(t) - n + 1)]


def _rate(fn, items: list, min_items: int, runs: int = 5) -> float:
    """Paragraphs per second of ``fn(items[:k])`` for the smallest k >= min_items: the best of
    ``runs`` timed runs after one untimed warm-up run on the same items (imports, caches,
    allocator). Best of 2 was not enough: the first implementation measured in a process ran
    at 70,747 paragraphs/s in session 11's 1 GB bench and at 111,886-118,548 in the next runs
    of the same process on the same 20,000 paragraphs."""
    items = items[:max(min_items, 1)]
    fn(items)
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def signature_rates(forms: list[str], num_perm: int = 128, seed: int = 1) -> dict:
    """Paragraphs/s of each signature implementation (shingling included) on the same forms."""
    from datasketch import MinHash

    minhash.permutations(num_perm, seed)  # build the cached parameters outside the timing

    def newsetl(fs):
        values, offsets = minhash.hash_forms(fs, 5)
        nonempty = np.append(offsets[:-1][np.diff(offsets) > 0], offsets[-1])  # forms with a shingle
        return minhash.signatures_flat(values, nonempty, num_perm, seed)

    def ds_update(fs):
        for f in fs:
            m = MinHash(num_perm=num_perm, seed=seed)
            for s in _py_shingles(f):
                m.update(s.encode("utf-8"))

    def ds_bulk(fs):
        MinHash.bulk([[s.encode("utf-8") for s in _py_shingles(f)] for f in fs], num_perm=num_perm, seed=seed)

    out = {"paragraphs": len(forms), "newsetl": _rate(newsetl, forms, len(forms)),
           "datasketch_update": _rate(ds_update, forms, 2000), "datasketch_bulk": _rate(ds_bulk, forms, 10000)}
    try:
        from rensa import RMinHash

        def rensa(fs):
            for f in fs:
                m = RMinHash(num_perm=num_perm, seed=seed)
                m.update(_py_shingles(f))
                m.digest()
        out["rensa"] = _rate(rensa, forms, len(forms))
    except ImportError as err:  # reported, not hidden
        out["rensa"] = None
        out["rensa_error"] = str(err)
    return {k: (round(v) if isinstance(v, float) else v) for k, v in out.items()}


def corpus_forms(corpus: Path, limit: int) -> list[str]:
    forms = []
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            for p in json.loads(line)["text"].split("\n\n"):
                form = core.matching_form(p)
                if len(form.split()) >= 5:
                    forms.append(form)
            if len(forms) >= limit:
                break
    return forms[:limit]


# ------------------------------------------------------------------ (b) end to end
def _tree_rss(proc) -> int:
    import psutil

    try:
        p = psutil.Process(proc.pid)
        return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)])
    except psutil.Error:
        return 0


LAST_CPU = [0.0]  # CPU seconds of the last run_measured process tree


STOPPED = -9  # run_measured's exit code for a run it stopped at its memory limit


def run_measured(cmd: list[str], env=None, rss_limit: int | None = None) -> tuple[float, int, int]:
    """Run ``cmd``; returns ``(wall seconds, peak RSS of the process tree in bytes, exit code)``.

    The CPU seconds (user + system) of the whole process tree are left in ``LAST_CPU[0]``
    (``getrusage(RUSAGE_CHILDREN)`` before and after: every reaped descendant is included).
    Unlike wall time they hardly change when other jobs load the machine. With ``rss_limit``
    (bytes) the process tree is killed as soon as its RSS passes it (exit code :data:`STOPPED`),
    so that a size too large for the machine never drives it out of memory.
    """
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    peak = [0]
    stopped = threading.Event()
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc))
            if rss_limit and peak[0] > rss_limit and not stopped.is_set():
                stopped.set()
                try:
                    for p in psutil.Process(proc.pid).children(recursive=True) + [psutil.Process(proc.pid)]:
                        p.kill()
                except psutil.Error:
                    pass
            time.sleep(0.1)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done.set()
    th.join()
    if stopped.is_set():
        return wall, peak[0], STOPPED
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-3000:])
    return wall, peak[0], proc.returncode


def newsetl_run(corpus: Path, out: Path, workers: int, info: dict, config: Path | None = None) -> dict:
    stages = out.with_suffix(".stages.json")
    cmd = [sys.executable, "-m", "benchmarks.timed_run", str(stages), "run", "--input", str(corpus),
           "--output", str(out), "--overwrite"] + (["--config", str(config)] if config else [])
    if workers > 1:
        cmd += [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]
    load = os.getloadavg()[0]
    limit = max(10**9, _available_memory() - 1_500_000_000)  # keep 1.5 GB for the rest of the machine
    wall, rss, rc = run_measured(cmd, rss_limit=limit)
    if rc == STOPPED:
        return {"workers": workers, "stopped": f"stopped after {wall:.0f} s: RSS passed {limit / 1e9:.1f} GB, "
                f"the memory available less 1.5 GB", "peak_rss_mb": round(rss / 1e6)}
    if rc != 0:
        raise RuntimeError(f"newsetl run failed with exit code {rc}")
    report = json.loads((out / "report.json").read_text())
    paragraphs = report["paragraphs"]["in"] if isinstance(report.get("paragraphs"), dict) else info["paragraphs"]
    cpu = LAST_CPU[0]
    return {"workers": workers, "seconds": round(wall, 2), "mb_per_s": round(info["bytes"] / 1e6 / wall, 3),
            "paragraphs": paragraphs, "paragraphs_per_s": round(paragraphs / wall), "peak_rss_mb": round(rss / 1e6),
            "cpu_seconds": round(cpu, 2), "paragraphs_per_cpu_s": round(paragraphs / max(cpu, 1e-9)),
            "rss_bytes_per_paragraph": round(rss / max(1, paragraphs)),
            "stage_ms": json.loads(stages.read_text()) if stages.exists() else None,
            "load_avg_1min": [round(load, 2), round(os.getloadavg()[0], 2)]}  # other processes on the machine


# ------------------------------------------------------------------ (c) datatrove
def paragraph_docs(corpus: Path, path: Path) -> int:
    """One JSONL document per body paragraph, id ``<article_id>/<index>`` (datatrove input)."""
    n = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as f, gzip.open(path, "wt", encoding="utf-8") as o:
        for line in f:
            r = json.loads(line)
            for i, p in enumerate(r["text"].split("\n\n"), start=1):
                o.write(json.dumps({"id": f"{r['id']}/{i}", "text": p}) + "\n")
                n += 1
    return n


DATATROVE_SCRIPT = r"""
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
    MinhashDedupFilter, MinhashDedupSignature)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer

class Whitespace(WordTokenizer):  # the same word split as newsetl's matching form (a lighter datatrove)
    def word_tokenize(self, text): return text.split()
    def sent_tokenize(self, text): return [text]
    def span_tokenize(self, text): return [(0, len(text))]

src, work, tokenizer = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = MinhashConfig(n_grams=5, hash_config=HashConfig(hash_fc="sha1"))  # its xxhash path passes str to xxhash>=4
tok = Whitespace() if tokenizer == "whitespace" else "en"  # "en": datatrove's default English tokenizer (spaCy blank "en", offline)
def run(steps, tasks=1): LocalPipelineExecutor(pipeline=steps, tasks=tasks, workers=1, logging_dir=f"{work}/logs", skip_completed=False).run()
run([JsonlReader(src), MinhashDedupSignature(output_folder=f"{work}/sigs", config=cfg, language=tok)])
run([MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=cfg)], tasks=cfg.num_buckets)
run([MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=cfg)])
run([JsonlReader(src), MinhashDedupFilter(input_folder=f"{work}/remove_ids"), JsonlWriter(f"{work}/out")])
"""


def datatrove_run(corpus: Path, work: Path, tokenizer: str = "default") -> dict:
    """datatrove's MinHash dedup on the corpus's paragraphs. ``tokenizer``: ``default`` is
    datatrove's own word tokenizer for English (spaCy's rule-based ``blank("en")``: no model
    download), ``whitespace`` splits on white space as newsetl's matching form does (datatrove
    with less work per paragraph)."""
    try:
        import datatrove  # noqa: F401
        if tokenizer == "default":
            import spacy  # noqa: F401
    except ImportError as err:
        return {"error": f"datatrove (with spaCy for its default tokenizer) not installed: {err}"}
    src = work / "dt_in"
    src.mkdir(parents=True, exist_ok=True)
    n = paragraph_docs(corpus, src / "paragraphs.jsonl.gz")
    script = work / "dt.py"
    script.write_text(DATATROVE_SCRIPT)
    wall, rss, rc = run_measured([sys.executable, str(script), str(src), str(work / "dt"), tokenizer])
    if rc != 0:
        return {"error": f"datatrove exit code {rc}"}
    kept = set()
    for f in (work / "dt" / "out").glob("*.jsonl*"):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            kept.update(json.loads(line)["id"] for line in fh)
    return {"seconds": round(wall, 2), "paragraphs": n, "paragraphs_per_s": round(n / wall),
            "cpu_seconds": round(LAST_CPU[0], 2), "paragraphs_per_cpu_s": round(n / max(LAST_CPU[0], 1e-9)),
            "peak_rss_mb": round(rss / 1e6), "kept_ids": kept}


# ------------------------------------------------------------------ (d) quality
def load_truth(corpus: Path, info: dict, min_articles: int = 10) -> dict[str, bool]:
    """paragraph id -> should be dropped: a copy with Jaccard >= THRESHOLD, or boilerplate of a
    site with at least ``min_articles`` pages (the site-template rule; the footer is on every
    page of its site, so the domain-share condition always holds). Footers of smaller sites
    are left out of the scoring."""
    rows = []
    with gzip.open(info["truth"], "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    site_pages = Counter(r["article_id"].rsplit("-", 1)[1] for r in rows if r["index"] == 1)
    truth = {}
    for r in rows:
        if r["kind"] == "boilerplate" and site_pages[r["article_id"].rsplit("-", 1)[1]] < min_articles:
            continue  # a small site's footer is no template: its copies are plain duplicates, not scored
        drop = (r["kind"] == "copy" and r["jaccard"] >= THRESHOLD) or r["kind"] == "boilerplate"
        truth[f"{r['article_id']}/{r['index']}"] = drop
    return truth


def score(truth: dict[str, bool], dropped: set[str]) -> dict:
    should = {k for k, v in truth.items() if v}
    dropped = dropped & truth.keys()
    hit = len(should & dropped)
    return {"should_drop": len(should), "dropped": len(dropped),
            "recall": round(hit / max(1, len(should)), 4), "precision": round(hit / max(1, len(dropped)), 4)}


def newsetl_dropped(out: Path) -> set[str]:
    t = pq.read_table(out / "paragraphs", columns=["article_id", "index", "status"]).to_pydict()
    return {f"{a}/{i}" for a, i, s in zip(t["article_id"], t["index"], t["status"]) if s in DROPPED and i > 0}


# ------------------------------------------------------------------ driver
RSS_PER_PARAGRAPH = 1_000  # peak RSS per paragraph above the fixed 1 GB: at most ~0.7 KB measured (100 MB: 0.66 GB, 1 GB: 2.5 GB with one worker), plus margin


def memory_need(paragraphs: int, workers: int) -> int:
    """Bytes of memory an end-to-end run of ``paragraphs`` is expected to need (two workers hold
    about 1.6x one worker's peak) plus 1 GB for the interpreter and libraries."""
    return int(paragraphs * RSS_PER_PARAGRAPH * (1.6 if workers > 1 else 1.0)) + 10**9


def _available_memory() -> int:
    import psutil

    return psutil.virtual_memory().available


def bench_size(size: int, data: Path, work: Path, datatrove_max: int, signatures: bool, workers=(1, 2), hot: int = 0,
               repeat: int = 1, hot_numbered: bool = False) -> dict:
    """Measure one corpus size (generated on first use): signatures, newsetl's end-to-end runs,
    datatrove's, and their quality against the ground truth.

    With ``repeat`` > 1 every newsetl configuration runs that many times, the configurations
    taking turns (1 worker, 2 workers, no language id, 1 worker, ...) so that a slow spell of the
    machine hits them alike; each configuration reports its fastest run (timeit's convention: the
    others were slowed by something else) and lists every run's seconds under ``seconds_runs``.
    datatrove runs once (it takes minutes)."""
    label = f"{size // 10**6}MB" if size >= 10**6 else f"{size // 1000}kB"
    if hot:
        label = f"hot{hot}" + ("n" if hot_numbered else "")
    corpus = work / f"corpus-{label}.jsonl.gz"
    info_path = work / f"corpus-{label}.info.json"
    if not info_path.exists():
        info_path.write_text(json.dumps(make_corpus(data, size, corpus, hot=hot, max_paragraphs=1 if hot else None,
                                                          hot_numbered=hot_numbered)))
    info = json.loads(info_path.read_text())
    result = {"size": label, "corpus": {k: info[k] for k in ("articles", "paragraphs", "bytes")}}
    need, free = memory_need(info["paragraphs"], max(workers)), _available_memory()
    if need > free:  # the local runner holds shuffles in memory: do not drive the machine out of memory
        result["skipped"] = f"needs about {need / 1e9:.1f} GB of memory ({RSS_PER_PARAGRAPH:,} bytes a paragraph), {free / 1e9:.1f} GB available"
        print(f"{label}: skipped: {result['skipped']}", file=sys.stderr, flush=True)
        result["newsetl"] = []
        return result
    if signatures:
        result["signatures"] = signature_rates(corpus_forms(corpus, 20000))
    truth = load_truth(corpus, info)
    result["newsetl"] = []
    with_datatrove = 0 < size <= datatrove_max
    runs = [(w, None) for w in workers] + ([(1, NO_LANGUAGE)] if with_datatrove and 1 in workers else [])
    measured: dict[tuple, list[dict]] = {}
    for turn in range(repeat):
        for w, variant in runs:
            out = work / f"out-{label}-{w}" if variant is None else work / f"out-{label}-{w}-{variant}"
            config = None
            if variant == NO_LANGUAGE:
                config = work / f"{NO_LANGUAGE}.yaml"
                config.write_text("language:\n  detect: false\n")
            run = newsetl_run(corpus, out, w, info, config)
            if variant:
                run["variant"] = variant
            if "stopped" not in run and turn == 0:  # the same output every turn
                run["quality"] = score(truth, newsetl_dropped(out))
            measured.setdefault((w, variant), []).append(run)
            shutil.rmtree(out, ignore_errors=True)
    for done in measured.values():
        best = min(done, key=lambda r: r.get("seconds", float("inf")))
        if repeat > 1:
            best = {**best, "quality": done[0].get("quality"), "seconds_runs": [r.get("seconds") for r in done]}
        result["newsetl"].append(best)
    if with_datatrove:
        for key, tokenizer in (("datatrove", "default"), ("datatrove_whitespace", "whitespace")):
            dt = datatrove_run(corpus, work / f"dt-{label}", tokenizer)
            if "kept_ids" in dt:
                dt["quality"] = score(truth, set(truth) - dt.pop("kept_ids"))
            dt["tokenizer"] = tokenizer
            result[key] = dt
            shutil.rmtree(work / f"dt-{label}", ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    """Markdown table of the measured figures and the ratios the goals are stated in."""
    lines = ["| corpus | paragraphs | workers | seconds | MB/s | paragraphs/s | CPU s | paragraphs / CPU s | peak RSS MB | bytes RSS / paragraph | max values per shuffle key (exact partition) | recall | precision | speed vs datatrove (wall / CPU) | datatrove paragraphs/s, recall / precision | speed vs datatrove with a whitespace tokenizer (wall / CPU) | its paragraphs/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def speed_vs(dt, run):
        speed = f"{dt['seconds'] / run['seconds']:.2f}×" if dt.get("seconds") else "–"  # same corpus: time ratio
        if dt.get("cpu_seconds") and run.get("cpu_seconds"):
            speed += f" / {dt['cpu_seconds'] / run['cpu_seconds']:.2f}×"
        return speed

    for r in results:
        dt, ws = r.get("datatrove") or {}, r.get("datatrove_whitespace") or {}
        if r.get("skipped"):
            lines.append(f"| {r['size']} | {r['corpus']['paragraphs']:,} | – | skipped: {r['skipped']} |" + " |" * 13)
        for run in r["newsetl"]:
            workers = f"{run['workers']}, {run['variant']}" if run.get("variant") else run["workers"]
            if "stopped" in run:
                lines.append(f"| {r['size']} | {r['corpus']['paragraphs']:,} | {workers} | {run['stopped']} |" + " |" * 13)
                continue
            speed = speed_vs(dt, run)
            dq = f"{dt['paragraphs_per_s']:,}, {dt['quality']['recall']} / {dt['quality']['precision']}" if "quality" in dt else "–"
            wq = f"{speed_vs(ws, run)} | {ws['paragraphs_per_s']:,}" if ws.get("seconds") else "– | –"
            vpk = ((run.get("stage_ms") or {}).get("_values_per_key_max") or {}).get("exact_partition_payloads", "–")
            cpu = f"{run['cpu_seconds']} | {run['paragraphs_per_cpu_s']:,}" if "cpu_seconds" in run else "– | –"
            lines.append(f"| {r['size']} | {r['corpus']['paragraphs']:,} | {workers} | {run['seconds']} | {run['mb_per_s']} | "
                         f"{run['paragraphs_per_s']:,} | {cpu} | {run['peak_rss_mb']:,} | {run['rss_bytes_per_paragraph']:,} | {vpk} | "
                         f"{run['quality']['recall']} | {run['quality']['precision']} | {speed} | {dq} | {wq} |")
    for r in results:
        s = r.get("signatures")
        if s:
            lines += ["", f"Signatures ({r['size']} corpus, {s['paragraphs']:,} paragraphs, one process): newsetl {s['newsetl']:,}/s; "
                      f"datasketch update {s['datasketch_update']:,}/s ({s['newsetl'] / s['datasketch_update']:.0f}×); "
                      f"datasketch bulk {s['datasketch_bulk']:,}/s ({s['newsetl'] / s['datasketch_bulk']:.1f}×); "
                      + (f"rensa {s['rensa']:,}/s ({s['newsetl'] / s['rensa']:.2f}×)." if s.get("rensa") else f"rensa: {s.get('rensa_error')}.")]
    for r in results:
        runs = {run["workers"]: run for run in r["newsetl"] if "stopped" not in run and not run.get("variant")}
        if 1 in runs and 2 in runs:
            lines.append(f"\n{r['size']}: 2 workers / 1 worker = {runs[1]['seconds'] / runs[2]['seconds']:.2f}×.")
        turns = [f"{run['workers']} worker{'s' if run['workers'] > 1 else ''}{', ' + run['variant'] if run.get('variant') else ''}: "
                 + " / ".join(f"{t} s" for t in run["seconds_runs"]) for run in r["newsetl"] if run.get("seconds_runs")]
        if turns:
            lines.append(f"\n{r['size']}, every run (configurations taking turns; the table shows the fastest): " + "; ".join(turns) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sizes", nargs="+", type=parse_size, default=None)
    ap.add_argument("--long", action="store_true", help="sizes 10MB 100MB 1GB")
    ap.add_argument("--smoke", action="store_true", help="one ~1 MB corpus, results not written to benchmarks/results")
    ap.add_argument("--datatrove-max", type=parse_size, default=parse_size("100MB"))
    ap.add_argument("--hot", type=int, default=None, help="also run a corpus of N short pages sharing one footer (1 worker)")
    ap.add_argument("--hot-numbered", action="store_true", help="the hot corpus's footer ends with the page number (near copies)")
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2], help="worker counts of the end-to-end runs")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each newsetl configuration, taking turns; the fastest is reported")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--table", action="store_true", help="only rebuild bench.md from the results' bench-*.json")
    args = ap.parse_args(argv)
    if args.table:
        def size_of(r):
            return (1, r["corpus"]["bytes"]) if r["size"].startswith("hot") else (0, r["corpus"]["bytes"])
        results = sorted((json.loads(p.read_text()) for p in args.results.glob("bench-*.json")), key=size_of)
        md = table(results)
        (args.results / "bench.md").write_text(md)
        print(md)
        return 0
    sizes = args.sizes or ([parse_size("1MB")] if args.smoke else
                           [parse_size(s) for s in (("10MB", "100MB", "1GB") if args.long else ("10MB", "50MB"))])
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newsetl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.smoke:  # a check that it works: never replaces the committed results
        args.results = work / "results"
        print(f"smoke run: results in {args.results}", flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    results = []
    for i, size in enumerate(sizes):
        r = bench_size(size, args.data, work, args.datatrove_max, signatures=(i == 0), workers=tuple(args.workers),
                       repeat=args.repeat)
        results.append(r)
        (args.results / f"bench-{r['size']}.json").write_text(json.dumps(r, indent=2) + "\n")
        print(json.dumps(r), flush=True)
    hot = args.hot if args.hot is not None else (100_000 if args.long else 0)
    if hot:
        r = bench_size(0, args.data, work, 0, signatures=False, workers=(1,), hot=hot, hot_numbered=args.hot_numbered)
        results.append(r)
        (args.results / f"bench-{r['size']}.json").write_text(json.dumps(r, indent=2) + "\n")
        print(json.dumps(r), flush=True)
    md = table(results)
    (args.results / "bench.md").write_text(md)
    print(md)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
