"""``make eval``: paragraph-dedup recall and no-loss precision against exact Jaccard ground truth.

For Reuters-21578 (all bodies) and AG News (title + description), for each threshold: run
``newsetl run`` with that threshold, then score paragraphs of at least 8 words.

Ground truth is exact Jaccard of the same word 5-gram shingles, found by all-pairs similarity
search with prefix filtering (Bayardo, Ma and Srikant, "Scaling up all pairs similarity
search", WWW 2007) over exact shingle sets: independent of newsetl's MinHash and LSH.

- recall = 1 - (kept paragraphs that still have another kept paragraph at J >= t)
               / (paragraphs that have another paragraph at J >= t)
- no-loss precision = share of paragraphs dropped as duplicates whose ``duplicate_of`` has
  exact J >= t with them.

Usage: ``python -m benchmarks.eval_dedup [--data DIR] [--thresholds 0.5 0.7 0.8 0.9] [--corpora reuters ag_news]``
Writes benchmarks/results/eval_dedup.json and prints a table.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.reuters import read_sgm
from pipelines.cli import main as newsetl
from transforms.dedup.core import matching_form, shingles

MIN_WORDS = 8


def reuters_records(data: Path):
    for f in sorted((data / "reuters-21578").glob("reut2-*.sgm.gz")):
        yield from read_sgm(f)


def ag_records(data: Path):
    with open(data / "ag-news-test" / "test.csv", newline="", encoding="utf-8") as f:
        for n, (_, title, desc) in enumerate(csv.reader(f), start=1):
            yield {"id": f"row{n}", "title": title, "text": desc.replace("\\", " ")}


def all_pairs(sets: dict[str, frozenset], t: float) -> dict[str, set[str]]:
    """Every pair with exact Jaccard >= t, by prefix filtering. Returns id -> ids of its neighbours."""
    freq = defaultdict(int)
    for s in sets.values():
        for x in s:
            freq[x] += 1
    order = sorted(sets, key=lambda k: (len(sets[k]), k))
    ranked = {k: sorted(sets[k], key=lambda x: (freq[x], x)) for k in order}
    index: dict[str, list[str]] = defaultdict(list)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for k in order:
        toks = ranked[k]
        n = len(toks)
        prefix = n - math.ceil(t * n) + 1
        seen = set()
        for x in toks[:prefix]:
            for other in index[x]:
                if other in seen:
                    continue
                seen.add(other)
                if len(sets[other]) < t * n:
                    continue
                a, b = sets[k], sets[other]
                inter = len(a & b)
                if inter / (len(a) + len(b) - inter) >= t:
                    neighbours[k].add(other)
                    neighbours[other].add(k)
            index[x].append(k)
    return neighbours


def jaccard(a: frozenset, b: frozenset) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if a or b else 0.0


def evaluate(name: str, records: list[dict], runs, workdir: Path) -> list[dict]:
    """Score newsetl on one corpus for each ``(threshold, verify)`` in ``runs``."""
    src = workdir / f"{name}.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    results = []
    for t, verify in runs:
        cfg = workdir / f"{name}-{t}-{verify}.yaml"
        cfg.write_text(f"dedup:\n  threshold: {t}\n  verify: {verify}\n")
        out = workdir / f"{name}-{t}-{verify}"
        start = time.perf_counter()
        assert newsetl(["run", "--input", str(src), "--output", str(out), "--config", str(cfg), "--overwrite"]) == 0
        seconds = time.perf_counter() - start
        rows = pq.read_table(out / "paragraphs", columns=["paragraph_id", "index", "text", "status", "reason", "duplicate_of"]).to_pylist()
        sets = {}
        for r in rows:
            if r["index"] == 0:
                continue
            form = matching_form(r["text"])
            if len(form.split()) >= MIN_WORDS:
                sets[r["paragraph_id"]] = frozenset(shingles(form, 5, 5))
        neighbours = all_pairs(sets, t)
        status = {r["paragraph_id"]: r["status"] for r in rows}
        with_dup = [k for k in sets if neighbours.get(k)]
        kept_with_kept = [k for k in with_dup if status[k] == "kept" and any(status[o] == "kept" for o in neighbours[k])]
        dropped = [r for r in rows if r["paragraph_id"] in sets and r["status"] in ("duplicate_within", "duplicate_across")]
        text = {r["paragraph_id"]: r["text"] for r in rows}
        def target(pid):  # the duplicate_of paragraph's shingles, also when it is under 8 words
            return sets[pid] if pid in sets else frozenset(shingles(matching_form(text.get(pid, "")), 5, 5))

        bad = [r for r in dropped if not (r["duplicate_of"] and jaccard(sets[r["paragraph_id"]], target(r["duplicate_of"])) >= t)]
        good = len(dropped) - len(bad)
        imprecise = defaultdict(int)
        for r in bad:
            if r["reason"] == "exact_article":
                imprecise["exact_article (same article text, other paragraph breaks)"] += 1
            else:
                imprecise["below threshold"] += 1
        results.append({
            "corpus": name, "threshold": t, "verify": verify, "paragraphs_scored": len(sets), "with_near_duplicate": len(with_dup),
            "recall": round(1 - len(kept_with_kept) / len(with_dup), 4) if with_dup else None,
            "precision": round(good / len(dropped), 4) if dropped else None, "dropped_as_duplicate": len(dropped),
            "seconds": round(seconds, 1), "imprecise_drops": dict(sorted(imprecise.items())),
            "imprecise_examples": [{"paragraph": text[r["paragraph_id"]][:200], "duplicate_of": text.get(r["duplicate_of"], "")[:200],
                                    "reason": r["reason"]} for r in bad[:5]],
        })
        print(json.dumps(results[-1]), flush=True)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.7, 0.8, 0.9])
    parser.add_argument("--corpora", nargs="+", default=["reuters", "ag_news"])
    parser.add_argument("--compare-verify-at", type=float, default=0.8,
                        help="also run verify: signature at this threshold (exact Jaccard is the default)")
    args = parser.parse_args(argv)
    runs = [(t, "exact") for t in args.thresholds] + [(args.compare_verify_at, "signature")]
    data = Path(args.data)
    loaders = {"reuters": reuters_records, "ag_news": ag_records}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.corpora:
            results += evaluate(name, list(loaders[name](data)), runs, Path(tmp))
    out = Path("benchmarks/results/eval_dedup.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n| corpus | threshold | verify | paragraphs scored | with a near-duplicate | recall | no-loss precision | imprecise drops | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        why = "; ".join(f"{v} {k}" for k, v in r["imprecise_drops"].items()) or "none"
        print(f"| {r['corpus']} | {r['threshold']} | {r['verify']} | {r['paragraphs_scored']} | {r['with_near_duplicate']} | "
              f"{r['recall']} | {r['precision']} | {why} | {r['seconds']} |")


if __name__ == "__main__":
    main()
