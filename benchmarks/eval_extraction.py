"""``make eval``: article-text extraction quality of newsetl against ground truth, side by side
with trafilatura alone (same process, same pages).

1. scrapinghub article-extraction benchmark (181 pages, human ground truth ``articleBody``):
   token-level precision, recall and F1 per page, averaged over pages (the upstream benchmark
   reports means of per-page scores). Tokens are lower-cased ``\\w+`` runs (Unicode); a token
   counts as matched up to the smaller of its counts in prediction and truth (bag of tokens).
   A page with no extracted text scores precision 0, recall 0, F1 0.
   Also the upstream benchmark's own score (multisets of word 4-grams, mean per-page precision
   and recall, F1 of the means), implemented here from its definition.
2. trafilatura's news evaluation subset (96 pages): share of must-contain snippets found and of
   must-not-contain snippets absent (white space collapsed on both sides).
   An ablation, ``newsetl_keeping_within_repeats``, scores newsetl's output as if paragraphs
   repeated inside one article (other than the headline) had been kept.
3. The one-site boilerplate case (benchmarks/web_cases.py): real benchmark pages made into one
   site with a promo paragraph and a newsletter box injected into the article body, written
   into a WARC file: on how many pages each injected text survives.

newsetl is run as ``newsetl run`` (default config) on the page folders / WARC file; trafilatura
alone is ``trafilatura.extract(page bytes, include_comments=False)`` (its own decoding, plain
text), with its default balance and with ``favor_precision=True`` (newsetl's default setting).
Nothing reaches the network.

Usage: ``python -m benchmarks.eval_extraction [--data DIR] [--boilerplate-pages 40]``.
Writes benchmarks/results/eval_extraction.json and prints a table.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks import web_cases
from pipelines.cli import main as newsetl

_TOKEN = re.compile(r"\w+", re.UNICODE)
_WS = re.compile(r"\s+")
TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True}


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (``\\w+`` runs)."""
    return _TOKEN.findall(text.lower())


def prf(pred: str, truth: str) -> tuple[float, float, float]:
    """Token-level (bag of tokens) precision, recall, F1 of ``pred`` against ``truth``."""
    p, t = Counter(tokens(pred)), Counter(tokens(truth))
    tp = sum((p & t).values())
    np_, nt = sum(p.values()), sum(t.values())
    precision = tp / np_ if np_ else 0.0
    recall = tp / nt if nt else (1.0 if not np_ else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


BASELINES = {"trafilatura": {}, "trafilatura_precision": {"favor_precision": True}}  # name -> extra options


def shingle_counts(pred: str, truth: str, n: int = 4) -> tuple[float, float, float]:
    """The upstream benchmark's per-page score: true/false positives and false negatives over
    multisets of word ``n``-grams (``\w+`` tokens, case kept), normalised to sum to 1."""
    def grams(text):
        toks = _TOKEN.findall(text or "")
        return Counter(tuple(toks[i: i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i: i + n])
    p, t = grams(pred), grams(truth)
    tp, fp, fn = sum((p & t).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def upstream_scores(counts: list[tuple[float, float, float]]) -> dict:
    """Mean per-page precision and recall (pages where defined; 1 when nothing to find and nothing
    found), F1 the harmonic mean of the two means: the scrapinghub benchmark's evaluate.py definition."""
    precision = [1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0]
    recall = [1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0]
    p, r = _mean(precision), _mean(recall)
    return {"precision": p, "recall": r, "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def trafilatura_alone(page: bytes, **options) -> str:
    import trafilatura

    return trafilatura.extract(page, **TRAFILATURA_OPTIONS, **options) or ""


def newsetl_texts(inputs: list[str], workdir: Path, name: str) -> tuple[dict[str, str], float, dict]:
    """Run ``newsetl run`` on ``inputs``; returns ``({source file name: article text}, seconds, report)``."""
    out = workdir / name
    start = time.perf_counter()
    args = ["run", "--output", str(out), "--overwrite"]
    for i in inputs:
        args += ["--input", i]
    if newsetl(args) != 0:
        raise SystemExit(f"newsetl run failed on {inputs}")
    seconds = time.perf_counter() - start
    texts = {}
    for row in pq.read_table(out / "articles", columns=["source_file", "url", "text"]).to_pylist():
        texts[row["url"] if row["source_file"].endswith(".warc.gz") else Path(row["source_file"]).name] = row["text"]
    return texts, seconds, json.loads((out / "report.json").read_text())


def with_within_repeats(out: Path) -> dict[str, str]:
    """Ablation: each article's text as if within-article duplicates of body paragraphs were kept
    (kept paragraphs plus ``duplicate_within`` ones not pointing at the title), by source file name."""
    names = {r["article_id"]: Path(r["source_file"]).name
             for r in pq.read_table(out / "articles", columns=["article_id", "source_file"]).to_pylist()}
    rows = pq.read_table(out / "paragraphs", columns=["article_id", "index", "text", "status", "duplicate_of"]).to_pylist()
    keep: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        repeat = r["status"] == "duplicate_within" and not r["duplicate_of"].endswith("/0")
        if r["article_id"] in names and r["index"] > 0 and (r["status"] == "kept" or repeat):
            keep.setdefault(names[r["article_id"]], []).append((r["index"], r["text"]))
    return {name: "\n\n".join(t for _, t in sorted(paras)) for name, paras in keep.items()}


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0


def eval_scrapinghub(data: Path, workdir: Path) -> dict:
    pages = web_cases.scrapinghub_pages(data)
    texts, seconds, report = newsetl_texts([str(data / web_cases.SCRAPINGHUB / "html")], workdir, "scrapinghub")
    ablation = with_within_repeats(workdir / "scrapinghub")
    predictions = {"newsetl": [texts.get(f"{key}.html.gz", "") for key, _, _ in pages],
                   "newsetl_keeping_within_repeats": [ablation.get(f"{key}.html.gz", "") for key, _, _ in pages]}
    result = {"pages": len(pages)}
    for name, options in BASELINES.items():
        start = time.perf_counter()
        predictions[name] = [trafilatura_alone(raw, **options) for _, raw, _ in pages]
        result[name] = {"seconds": round(time.perf_counter() - start, 1)}
    rows = {}
    for name, texts_ in predictions.items():
        rows[name] = [prf(text, truth["articleBody"]) for text, (_, _, truth) in zip(texts_, pages)]
        result.setdefault(name, {})["upstream_4gram"] = upstream_scores(
            [shingle_counts(text, truth["articleBody"]) for text, (_, _, truth) in zip(texts_, pages)])
    for name, scores in rows.items():
        result.setdefault(name, {}).update({
            "precision": _mean(s[0] for s in scores), "recall": _mean(s[1] for s in scores), "f1": _mean(s[2] for s in scores),
            "pages_better_f1_than_newsetl": sum(1 for a, b in zip(scores, rows["newsetl"]) if a[2] > b[2] + 1e-9),
            "pages_worse_f1_than_newsetl": sum(1 for a, b in zip(scores, rows["newsetl"]) if a[2] < b[2] - 1e-9)})
    result["newsetl"]["seconds"] = round(seconds, 1)
    result["newsetl"]["paragraphs_by_status"] = report["paragraphs"]["by_status"]
    result["newsetl"]["dropped_by_reason"] = report["paragraphs"]["dropped_by_reason"]
    return result


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def eval_snippets(data: Path, workdir: Path) -> dict:
    root = data / "trafilatura-eval-news-subset"
    entries = json.loads((root / "evaldata-news-subset.json").read_text(encoding="utf-8"))
    pages = workdir / "snippet-pages"  # a copy: newsetl skips file names starting with "_" (one page here)
    pages.mkdir()
    for entry in entries.values():
        shutil.copyfile(root / "html" / f"{entry['file']}.gz", pages / f"page-{entry['file']}.gz")
    texts, seconds, _ = newsetl_texts([str(pages)], workdir, "snippets")
    texts = {name[len("page-"):]: text for name, text in texts.items()}
    result = {"pages": len(entries)}
    for name in ("newsetl", *BASELINES):
        found = absent = n_with = n_without = 0
        for entry in entries.values():
            fname = entry["file"] + ".gz"
            if name == "newsetl":
                text = texts.get(fname, "")
            else:
                text = trafilatura_alone(gzip.decompress((root / "html" / fname).read_bytes()), **BASELINES[name])
            text = _norm(text)
            n_with += len(entry["with"])
            n_without += len(entry["without"])
            found += sum(1 for s in entry["with"] if _norm(s) in text)
            absent += sum(1 for s in entry["without"] if _norm(s) not in text)
        result[name] = {"with_found": round(found / n_with, 4), "without_absent": round(absent / n_without, 4),
                        "with_snippets": n_with, "without_snippets": n_without}
    result["newsetl"]["seconds"] = round(seconds, 1)
    return result


def eval_one_site(data: Path, workdir: Path, n: int) -> dict:
    case = web_cases.one_site_case(data, n)
    warc = workdir / "one-site.warc.gz"
    web_cases.write_warc(warc, [(url, html, date) for url, html, date, _ in case])
    texts, seconds, report = newsetl_texts([str(warc)], workdir, "one_site")
    result = {"pages": len(case), "site": web_cases.SITE}
    for name in ("newsetl", *BASELINES):
        kept = Counter()
        for url, html, _, _ in case:
            text = _norm(texts.get(url, "") if name == "newsetl" else trafilatura_alone(html, **BASELINES[name]))
            for label, snippet in zip(("promo", "newsletter_heading", "newsletter_text"), web_cases.INJECTED):
                kept[label] += snippet in text
        result[name] = {f"pages_keeping_{k}": v for k, v in sorted(kept.items())}
    result["newsetl"]["boilerplate_paragraphs"] = report["paragraphs"]["by_status"]["boilerplate"]
    result["newsetl"]["seconds"] = round(seconds, 1)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--boilerplate-pages", type=int, default=40)
    parser.add_argument("--output", default=str(Path(__file__).resolve().parent / "results" / "eval_extraction.json"))
    args = parser.parse_args(argv)
    data = Path(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = {"scrapinghub": eval_scrapinghub(data, work), "snippets": eval_snippets(data, work),
                   "one_site_boilerplate": eval_one_site(data, work, args.boilerplate_pages)}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sh, sn, bp = results["scrapinghub"], results["snippets"], results["one_site_boilerplate"]
    names = ("newsetl", *BASELINES)
    print(f"scrapinghub ({sh['pages']} pages)  | precision | recall | F1     | pages higher / lower F1 than newsetl | upstream 4-gram P / R / F1")
    for name in (*names, "newsetl_keeping_within_repeats"):
        r, u = sh[name], sh[name]["upstream_4gram"]
        versus = f"{r['pages_better_f1_than_newsetl']} / {r['pages_worse_f1_than_newsetl']}"
        print(f"  {name:<27}| {r['precision']:.4f}    | {r['recall']:.4f} | {r['f1']:.4f} | {versus:<36} "
              f"| {u['precision']:.4f} / {u['recall']:.4f} / {u['f1']:.4f}")
    print(f"trafilatura news subset ({sn['pages']} pages) | must-contain found | must-not-contain absent")
    for name in names:
        print(f"  {name:<27}| {sn[name]['with_found']:.4f}             | {sn[name]['without_absent']:.4f}")
    print(f"one-site boilerplate ({bp['pages']} pages of {bp['site']}): pages keeping the injected promo / newsletter heading / text")
    for name in names:
        r = bp[name]
        print(f"  {name:<27}| {r['pages_keeping_promo']} / {r['pages_keeping_newsletter_heading']} / {r['pages_keeping_newsletter_text']}")


if __name__ == "__main__":
    main()
