"""Build samples/reuters-sample.jsonl.gz: a few hundred Reuters-21578 stories that contain the
collection's cross-article duplicates (both sides of listed pairs) plus unrelated stories.

Deterministic: the same shared data gives the same bytes. Run from the project root:
``python -m benchmarks.make_sample [DATA_DIR]``.
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from benchmarks.reuters import read_sgm

PAIRS = 120  # first duplicate pairs in the TSV's order
FILLER = 80


def main(data: str = "../shared/data") -> None:
    base = Path(data) / "reuters-21578"
    wanted: list[str] = []
    for line in (base / "DERIVED_duplicate_pairs.tsv").read_text().splitlines():
        if line.startswith(("#", "kind")):
            continue
        _, _, a, b = line.split("\t")
        for x in (a, b):
            if x not in wanted:
                wanted.append(x)
        if len(wanted) >= 2 * PAIRS:
            break
    stories = {}
    for f in sorted(base.glob("reut2-*.sgm.gz")):
        for s in read_sgm(f):
            stories[s["id"]] = s
    filler = [k for k in sorted(stories, key=lambda k: int(k[5:])) if k not in wanted][:: 97][:FILLER]
    chosen = sorted(set(wanted) | set(filler), key=lambda k: int(k[5:]))
    out = Path("samples/reuters-sample.jsonl.gz")
    with gzip.GzipFile(out, "wb", mtime=0) as gz:
        for k in chosen:
            gz.write((json.dumps(stories[k], ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    print(f"wrote {out}: {len(chosen)} stories")


if __name__ == "__main__":
    main(*sys.argv[1:])
