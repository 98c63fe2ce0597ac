"""``make eval``: language identification, fastText lid.176 against lingua, on real news.

Every article of the corpora below is read and cleaned with newsetl's own ingest and clean
functions (default config; AG News with configs/ag_news.yaml), and the detector sample is
built as the pipeline builds it (:func:`transforms.language.core.sample_text`, title and first
``sample_chars`` characters). Articles whose sample has fewer than ``min_letters`` letters are
left out (the pipeline leaves them unknown without asking a detector).

Both detectors get the same sample and the default candidate languages: lingua in low-accuracy
mode (the ``lingua`` option), fastText with ``min_confidence`` 0 (its raw answer among the
candidates) and unrestricted (any of its 176 labels). Reference languages:

- ``declared``: the language the page declares (``<html lang>``, ``Content-Language``,
  ``og:locale``), as newsetl's HTML reader keeps it, normalised to ISO 639-1; pages that declare
  none are counted only for agreement. Declarations can be wrong (a template's default).
- ``corpus``: the corpus is English by its source (BBC, AG News, Reuters-21578, RealNews,
  the seed article), so every article counts as ``en``.

Figures per corpus: articles, agreement fastText-lingua, accuracy of each against the
reference, and for fastText the share answered and accuracy at each ``min_confidence``. Time:
per-article detection time of each detector over the same samples, in this one process (chunks
of 256 samples timed by both detectors back to back, best of 3 rounds per chunk), and the ratio.

Usage: ``python -m benchmarks.eval_language [--data DIR]``. Writes
benchmarks/results/eval_language.json (figures, and up to 40 disagreements per corpus by file and record, without article text: the data may not be redistributed) and prints a table. Nothing reaches the network.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from pipelines.config import DEFAULT_CONFIG_PATH, load_config
from transforms.clean.core import clean_article, compile_rules
from transforms.ingest.core import read_file
from transforms.language import core, lid176
from transforms.records import Article

RESULTS = Path(__file__).resolve().parent / "results" / "eval_language.json"
THRESHOLDS = (0.0, 0.3, 0.5, 0.7, 0.9)
SAMPLE_CHARS = (100, 150, 200, 300, 400)  # detector sample lengths compared (``language.sample_chars``)

# corpus name -> (globs under the data directory, reference: "declared" | ISO code, config file)
CORPORA = {
    "web pages (HTML/WARC, declared language)": (
        ["mozilla-readability-news-pages/*/source.html.gz", "scrapinghub-article-extraction-benchmark/html/*.html.gz",
         "trafilatura-eval-news-subset/html/*", "warc-samples/*/*.warc*", "warc-samples/*/*.arc*"], "declared", None),
    "BBC": (["bbc-news-fulltext/bbc/*/*.txt"], "en", None),
    "AG News": (["ag-news-test/test.csv"], "en", "ag_news.yaml"),
    "Reuters-21578": (["reuters-21578/reut2-*.sgm.gz"], "en", None),
    "RealNews + seed": (["realnews-grover-samples/*.jsonl", "seed/*.txt"], "en", None),
}


def cleaned_articles(data: Path, globs: list[str], config_name: str | None) -> list[tuple[Article, Article]]:
    """``[(article as read, article as cleaned), ...]`` in file order."""
    cfg = load_config(DEFAULT_CONFIG_PATH.parent / config_name if config_name else None)
    rules = compile_rules(cfg.clean.rules)
    out = []
    for pattern in globs:
        for path in sorted(data.glob(pattern)):
            for item in read_file(str(path), str(path.parent), cfg.ingest):
                if isinstance(item, Article):
                    out.append((item, clean_article(item, cfg.clean, rules)))
    return out


def samples(articles: list[tuple[Article, Article]], sample_chars: int, min_letters: int) -> list[tuple[Article, str]]:
    """``[(article as read, detector sample), ...]`` in file order, samples with enough letters only."""
    out = []
    for item, cleaned in articles:
        text = core.sample_text(cleaned, sample_chars)
        if sum(ch.isalpha() for ch in text) >= min_letters:
            out.append((item, text))
    return out


def sample_length_sweep(articles: list[tuple[Article, Article]], reference: str, detector, language_cfg) -> dict:
    """fastText as the pipeline runs it (``detector``: candidates, ``min_confidence``) on samples
    of each length in :data:`SAMPLE_CHARS`: ``{length: {answered, accuracy_of_answered,
    same_as_configured, fasttext_us}}``. ``answered`` is the share of all articles that get a
    language (a sample under ``min_letters`` letters stays unknown, as in the pipeline);
    ``same_as_configured`` the share whose answer (None included) equals the answer at the
    configured ``sample_chars``; ``fasttext_us`` µs per detection (best of 3 passes)."""
    def run(chars):
        out = []
        for item, cleaned in articles:
            text = core.sample_text(cleaned, chars)
            found = detector.detect(text) if core.letter_count(text) >= language_cfg.min_letters else None
            ref = core.normalize_code(item.language) if reference == "declared" else reference
            out.append((found, ref, text))
        return out

    configured = [found for found, _, _ in run(language_cfg.sample_chars)]
    sweep = {}
    for chars in SAMPLE_CHARS:
        rows = run(chars)
        answered = [(found, ref) for found, ref, _ in rows if found is not None]
        scored = [(found, ref) for found, ref in answered if ref]
        texts = [text for found, _, text in rows if core.letter_count(text) >= language_cfg.min_letters]
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for text in texts:
                detector.detect(text)
            best = min(best, time.perf_counter() - start)
        sweep[str(chars)] = {
            "answered": _share(len(answered), len(rows)),
            "accuracy_of_answered": _share(sum(f == r for f, r in scored), len(scored)),
            "same_as_configured": _share(sum(f == c for (f, _, _), c in zip(rows, configured)), len(rows)),
            "fasttext_us": round(best / len(texts) * 1e6, 1) if texts else None}
    return sweep


def answers(data: Path, items: list[tuple[Article, str]], reference: str, lingua, fasttext, candidates) -> list[dict]:
    """One row per sample: ``file`` (``path#record`` under ``data``), ``reference`` (the page's
    declared language normalised when ``reference`` is ``"declared"``, else ``reference``),
    ``lingua``'s answer, ``fasttext``'s best candidate and its probability ``fasttext_p``
    (``fasttext`` is a :class:`~transforms.language.lid176.FastTextDetector`), ``fasttext_any``
    its best label of all 176, and the ``sample``."""
    rows = []
    for article, text in items:
        scores = fasttext.scores(text)
        best = next(((c, p) for c, p in scores if c in candidates), (None, 0.0))
        rows.append({
            "file": f"{os.path.relpath(article.source_file, data)}#{article.source_record}",
            "reference": core.normalize_code(article.language) if reference == "declared" else reference,
            "lingua": lingua.detect(text), "fasttext": best[0], "fasttext_p": round(best[1], 4),
            "fasttext_any": scores[0][0] if scores else None, "sample": text})
    return rows


def _share(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def evaluate(rows: list[dict]) -> dict:
    """Agreement and accuracy figures of one corpus' rows (see the module docstring)."""
    scored = [r for r in rows if r["reference"]]
    result = {
        "articles": len(rows), "with_reference": len(scored),
        "agreement_fasttext_lingua": _share(sum(r["fasttext"] == r["lingua"] for r in rows), len(rows)),
        "lingua_accuracy": _share(sum(r["lingua"] == r["reference"] for r in scored), len(scored)),
        "fasttext_accuracy": _share(sum(r["fasttext"] == r["reference"] for r in scored), len(scored)),
        "fasttext_unrestricted_accuracy": _share(sum(r["fasttext_any"] == r["reference"] for r in scored), len(scored)),
        "by_reference_language": {lang: {"articles": n, "lingua_right": sum(r["lingua"] == lang for r in scored if r["reference"] == lang),
                                         "fasttext_right": sum(r["fasttext"] == lang for r in scored if r["reference"] == lang)}
                                  for lang, n in _counts(r["reference"] for r in scored).items()},
        "by_min_confidence": {},
    }
    for t in THRESHOLDS:
        answered = [r for r in rows if r["fasttext"] is not None and r["fasttext_p"] >= t]
        answered_ref = [r for r in answered if r["reference"]]
        result["by_min_confidence"][str(t)] = {
            "answered": _share(len(answered), len(rows)),
            "accuracy_of_answered": _share(sum(r["fasttext"] == r["reference"] for r in answered_ref), len(answered_ref)),
            "agreement_with_lingua_of_answered": _share(sum(r["fasttext"] == r["lingua"] for r in answered), len(answered))}
    result["disagreements"] = [
        {k: r[k] for k in ("file", "reference", "lingua", "fasttext", "fasttext_p", "fasttext_any")}
        for r in rows if len({r["fasttext"], r["lingua"], r["reference"] or r["lingua"]}) > 1][:40]
    return result


def _counts(values) -> dict:
    out: dict = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def timing(lingua, fasttext, texts: list[str], rounds: int = 3, chunk: int = 256) -> dict:
    """Per-article µs of both detectors on the same samples, and lingua's time over fastText's.

    The samples are timed in chunks, each chunk by one detector and at once by the other, and
    each chunk's time is the best of ``rounds`` (after a warm-up pass over the first chunk), so
    load from other processes on a shared machine hits both detectors alike.
    """
    best = {"lingua": [float("inf")] * ((len(texts) + chunk - 1) // chunk), "fasttext": None}
    best["fasttext"] = list(best["lingua"])
    detectors = {"lingua": lingua.detect, "fasttext": fasttext.detect}
    for detect in detectors.values():
        for text in texts[:chunk]:
            detect(text)
    for _ in range(rounds):
        for i in range(len(best["lingua"])):
            part = texts[i * chunk:(i + 1) * chunk]
            for name, detect in detectors.items():
                start = time.perf_counter()
                for text in part:
                    detect(text)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    lingua_s, fasttext_s = sum(best["lingua"]) / len(texts), sum(best["fasttext"]) / len(texts)
    return {"lingua": round(lingua_s * 1e6, 1), "fasttext": round(fasttext_s * 1e6, 1),
            "mean_sample_chars": round(sum(map(len, texts)) / len(texts)), "lingua_over_fasttext": round(lingua_s / fasttext_s, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args(argv)
    cfg = load_config().language
    lingua = core.LinguaDetector(cfg.languages, low_accuracy=True)
    fasttext = lid176.FastTextDetector(cfg.languages, min_confidence=0.0)
    configured = lid176.FastTextDetector(cfg.languages, cfg.min_confidence)  # as the pipeline runs it
    results, all_texts = {"corpora": {}}, []
    for name, (globs, reference, config_name) in CORPORA.items():
        articles = cleaned_articles(args.data, globs, config_name)
        rows = answers(args.data, samples(articles, cfg.sample_chars, cfg.min_letters), reference, lingua, fasttext, cfg.languages)
        results["corpora"][name] = evaluate(rows)
        results["corpora"][name]["by_sample_chars"] = sample_length_sweep(articles, reference, configured, cfg)
        texts = [r["sample"] for r in rows]
        results["corpora"][name]["time_per_article_us"] = timing(lingua, configured, texts)
        all_texts += texts
    results["samples"] = len(all_texts)
    per_corpus = [(c["articles"], c["time_per_article_us"]) for c in results["corpora"].values()]
    results["time_per_article_us"] = {name: round(sum(n * t[name] for n, t in per_corpus) / len(all_texts), 1)
                                      for name in ("lingua", "fasttext", "mean_sample_chars")}
    t = results["time_per_article_us"]
    t["lingua_over_fasttext"] = round(t["lingua"] / t["fasttext"], 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{'corpus':44} {'articles':>8} {'ft=lingua':>9} {'lingua acc':>10} {'ft acc':>7} {'ft any':>7}  {'answered/acc at 0.5':>20} {'lingua/ft time':>14}")
    for name, r in results["corpora"].items():
        at = r["by_min_confidence"]["0.5"]
        print(f"{name:44} {r['articles']:>8,} {r['agreement_fasttext_lingua']:>9} {r['lingua_accuracy']!s:>10} "
              f"{r['fasttext_accuracy']!s:>7} {r['fasttext_unrestricted_accuracy']!s:>7}  {at['answered']!s:>9}/{at['accuracy_of_answered']!s:<10} "
              f"{r['time_per_article_us']['lingua_over_fasttext']:>13}x")
    print(f"fastText as configured by sample length (answered / accuracy of answered / same answer as at {cfg.sample_chars} / µs):")
    for name, r in results["corpora"].items():
        print(f"  {name:42} " + "  ".join(f"{chars}: {v['answered']}/{v['accuracy_of_answered']}/{v['same_as_configured']}/{v['fasttext_us']}"
                                          for chars, v in r["by_sample_chars"].items()))
    t = results["time_per_article_us"]
    print(f"time per article ({len(all_texts):,} samples): lingua {t['lingua']} µs, fasttext {t['fasttext']} µs, "
          f"ratio {t['lingua_over_fasttext']}x; written {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
