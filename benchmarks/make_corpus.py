"""Seeded benchmark corpus with ground truth by construction (``make bench``).

Built from the real articles in ../shared/data (BBC full text, Reuters-21578, AG News). Each
*story* is one real article whose words are rewritten at a fixed rate (30% of the words
replaced by words drawn from the pooled vocabulary, seeded per story), so two stories never
share a near-duplicate paragraph even when the real collections repeat an article, while
paragraph lengths and word statistics stay those of real news. What news corpora contain is
then simulated on top:

- **syndication**: a story is republished by 1-4 other outlets (domains), later than the
  original, each copy with edits: a wire dateline prefix ("LONDON (Reuters) -"), a paragraph
  dropped, a paragraph added, one or two words changed in a paragraph, the last paragraph
  truncated;
- **site template**: every page of a site ends with the site's footer (one of a few small
  variants: year, phone number) and an app-promotion widget;
- **double capture**: a body captured twice in one page (all paragraphs repeated);
- **hot footer** (``--hot N``): the first N pages also carry one network-wide footer (with
  small variations), the hot-key case of issue 3 item 10; with ``--hot-numbered`` the footer
  ends with the page's number ("Story reference 123."), so every page's copy is a distinct
  near duplicate (word 5-gram Jaccard about 0.93): one hot LSH bucket per band instead of one
  exact group.

Ground truth (``<out>.truth.jsonl.gz``): one row per body paragraph ``{article_id, index,
kind, source, jaccard}``; ``index`` is the paragraph's 1-based position as newsetl splits the
text; ``kind`` is ``original`` | ``added`` (new unique text) | ``copy`` (``source`` is the
original paragraph id, ``jaccard`` the exact word-5-gram Jaccard with it, computed here with
an independent tokeniser, dateline excluded) | ``boilerplate`` (footer, widget, hot footer).

Usage: ``python -m benchmarks.make_corpus --size 10MB --out corpus.jsonl.gz [--seed 7] [--hot N]``
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from benchmarks.reuters import read_sgm

_TOKEN = re.compile(r"\w+")
DATELINES = ("LONDON (Reuters) - ", "NEW YORK (Reuters) - ", "WASHINGTON (AP) - ", "PARIS (AFP) - ",
             "TOKYO (Reuters) - ", "BERLIN (dpa) - ", "AP - ", "Reuters - ")
N_SITES = 40
REWRITE_RATE = 0.3
SHINGLE = 5


def parse_size(text: str) -> int:
    """``10MB``, ``1GB``, ``500kB`` or a byte count -> bytes (powers of 1000)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    return int(float(m.group(1)) * {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[m.group(2).lower()])


def word_jaccard(a: str, b: str, n: int = SHINGLE) -> float:
    """Exact Jaccard of lower-cased word n-gram sets (``\\w+`` tokens); independent of newsetl."""
    def grams(t):
        toks = _TOKEN.findall(t.lower())
        return {tuple(toks[i: i + n]) for i in range(len(toks) - n + 1)} or {tuple(toks)}
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def load_sources(data: Path) -> list[tuple[str, list[str]]]:
    """Real articles as ``(title, body paragraphs)``: BBC, Reuters-21578 and AG News."""
    out = []
    for f in sorted((data / "bbc-news-fulltext" / "bbc").glob("*/*.txt")):
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        parts = [p.strip() for p in text.split("\n\n") if p.strip()]
        if len(parts) > 1:
            out.append((parts[0], parts[1:]))
    for f in sorted((data / "reuters-21578").glob("reut2-*.sgm.gz")):
        for r in read_sgm(f):
            paras = [p for p in r["text"].split("\n\n") if len(p.split()) >= 3]
            if paras and r["title"]:
                out.append((r["title"], paras))
    with open(data / "ag-news-test" / "test.csv", newline="", encoding="utf-8") as fh:
        for _, title, desc in csv.reader(fh):
            out.append((title, [desc.replace("\\", " ")]))
    return out


class Generator:
    """Stories and pages; all randomness from one ``numpy.random.Generator(seed)``."""

    def __init__(self, sources, seed: int, hot: int, hot_numbered: bool = False):
        self.sources, self.rng, self.hot, self.hot_numbered = sources, np.random.default_rng(seed), hot, hot_numbered
        vocab = sorted({w for title, paras in sources for p in paras for w in p.split() if w.isalpha()})
        self.vocab = np.array(vocab, dtype=object)
        weights = 1.0 / np.arange(1, N_SITES + 1)  # Zipf-like site sizes
        self.site_p = weights / weights.sum()
        self.sites = [f"site{i:02d}.example.com" for i in range(N_SITES)]
        self.pages = 0
        self.t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def rewrite(self, text: str, rate: float) -> str:
        words = text.split()
        hit = self.rng.random(len(words)) < rate
        if hit.any():
            repl = self.vocab[self.rng.integers(0, len(self.vocab), int(hit.sum()))]
            for pos, w in zip(np.flatnonzero(hit), repl):
                words[pos] = w
        return " ".join(words)

    def footer(self, site: int) -> list[str]:
        name = self.sites[site].split(".")[0].title()
        year = 2020 + int(self.rng.integers(0, 3))
        phone = 100 + int(self.rng.integers(0, 3))
        return [f"Copyright {year} {name} Media Group. All rights reserved. This material may not be published, "
                f"broadcast, rewritten or redistributed without permission. Contact the {name} newsroom on "
                f"555-0{phone} or write to the editors.",
                f"Get the {name} app for breaking news alerts, live scores, weather and the daily briefing from our "
                f"reporters, available free for iPhone and Android devices."]

    def hot_footer(self) -> str:
        variant = int(self.rng.integers(0, 4))
        text = (f"This story was distributed by the NewsWire Network to its member newspapers and websites "
                f"under licence {1000 + variant}; reproduction in any form without written consent is prohibited.")
        return f"{text} Story reference {self.pages}." if self.hot_numbered else text

    def stories(self):
        """Yield lists of pages ``(record, truth rows)``, one list per story."""
        story = 0
        while True:
            title, paras = self.sources[story % len(self.sources)]
            title = self.rewrite(title, REWRITE_RATE)
            body = [self.rewrite(p, REWRITE_RATE) for p in paras]
            story += 1
            home = int(self.rng.choice(N_SITES, p=self.site_p))
            when = self.t0 + timedelta(minutes=7 * story)
            double = self.rng.random() < 0.03
            pages = [self.page(home, title, body, when, story, None, double)]
            if self.rng.random() < 0.35:
                others = [s for s in self.rng.choice(N_SITES, size=int(self.rng.integers(1, 5)), replace=False) if s != home]
                for k, site in enumerate(others):
                    pages.append(self.page(int(site), title, body, when + timedelta(hours=k + 1), story, pages[0][0]["id"], False))
            yield pages

    def page(self, site, title, body, when, story, original_id, double):
        self.pages += 1
        aid = f"s{story}-{site:02d}"
        rows: list[dict] = []
        paras: list[str] = []

        def add(text, kind, source=None, jaccard=None):
            paras.append(text)
            rows.append({"article_id": aid, "index": len(paras), "kind": kind, "source": source, "jaccard": jaccard})

        if original_id is None:
            for p in body:
                add(p, "original")
            if double:
                for i, p in enumerate(body):
                    add(p, "copy", f"{aid}/{i + 1}", 1.0)
        else:
            edited = list(enumerate(body))
            if len(edited) > 2 and self.rng.random() < 0.3:  # a paragraph dropped
                del edited[int(self.rng.integers(1, len(edited)))]
            truncate = self.rng.random() < 0.2
            for pos, (i, p) in enumerate(edited):
                src = f"{original_id}/{i + 1}"
                text = p
                if self.rng.random() < 0.25:  # one or two words changed
                    text = self.rewrite(text, 1.5 / max(1, len(text.split())))
                if truncate and pos == len(edited) - 1:
                    words = text.split()
                    text = " ".join(words[: max(1, int(len(words) * 0.6))])
                prefix = DATELINES[int(self.rng.integers(0, len(DATELINES)))] if pos == 0 and self.rng.random() < 0.5 else ""
                add(prefix + text, "copy", src, round(word_jaccard(text, p), 6))
                if pos == 0 and self.rng.random() < 0.2:  # a paragraph added
                    add(self.rewrite(self.sources[int(self.rng.integers(0, len(self.sources)))][1][0], REWRITE_RATE), "added")
        for f in self.footer(site):
            add(f, "boilerplate")
        if self.pages <= self.hot:
            add(self.hot_footer(), "boilerplate")
        record = {"id": aid, "url": f"https://{self.sites[site]}/news/{aid}", "title": title,
                  "published": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "text": "\n\n".join(paras)}
        return record, rows


def make_corpus(data: Path, size: int, out: Path, seed: int = 7, hot: int = 0, max_paragraphs: int | None = None,
                hot_numbered: bool = False) -> dict:
    """Write ``out`` (JSONL, gzip when it ends in .gz) of about ``size`` bytes of JSON and its truth.

    Args:
        max_paragraphs: cap on body paragraphs per story (short pages for the hot-key corpus).

    Returns:
        ``{"articles", "paragraphs", "bytes", "truth"}`` where ``bytes`` counts uncompressed JSONL.
    """
    sources = load_sources(data)
    if max_paragraphs:
        sources = [(t, p[:max_paragraphs]) for t, p in sources]
    gen = Generator(sources, seed, hot, hot_numbered)
    truth_path = out.with_name(out.name.split(".")[0] + ".truth.jsonl.gz")
    opener = gzip.open if out.name.endswith(".gz") else open
    written = articles = paragraphs = 0
    with opener(out, "wt", encoding="utf-8") as f, gzip.open(truth_path, "wt", encoding="utf-8") as t:
        for pages in gen.stories():
            for record, rows in pages:
                line = json.dumps(record, ensure_ascii=False) + "\n"
                f.write(line)
                t.writelines(json.dumps(r) + "\n" for r in rows)
                written += len(line.encode("utf-8"))
                articles += 1
                paragraphs += len(rows) + 1
            if written >= size and articles >= hot:
                break
    return {"articles": articles, "paragraphs": paragraphs, "bytes": written, "truth": str(truth_path)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--size", type=parse_size, default=parse_size("10MB"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hot", type=int, default=0, help="pages that carry the network-wide footer")
    ap.add_argument("--hot-numbered", action="store_true", help="the hot footer ends with the page number")
    ap.add_argument("--max-paragraphs", type=int, default=None)
    args = ap.parse_args(argv)
    print(json.dumps(make_corpus(args.data, args.size, args.out, args.seed, args.hot, args.max_paragraphs, args.hot_numbered)))


if __name__ == "__main__":
    main()
