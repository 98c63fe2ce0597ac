"""Figures of a finished run, computed from the written Parquet tables (no Beam import).

They go into ``report.json`` under ``figures`` and are drawn by :mod:`transforms.write.report_html`
and summarised by :mod:`transforms.write.card`, so the three always agree. Computed with
pyarrow.dataset scans in record batches (group-by and vectorised string lengths): the text of
``paragraphs/`` is never held whole; only the clustered rows' ids are.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from transforms.records import BOILERPLATE, DUPLICATE_ACROSS, DUPLICATE_WITHIN, KEPT, TITLE
from transforms.write import core

# Upper edges (characters, exclusive) of the paragraph-length histogram; the last bin is open.
LENGTH_EDGES = (20, 50, 100, 200, 400, 800, 1600, 3200)
DUPLICATE_STATUSES = (DUPLICATE_WITHIN, DUPLICATE_ACROSS, BOILERPLATE)
NO_DOMAIN = "(no domain)"
EXCERPT_CHARS = 400


def _counts(values: pa.Array) -> dict:
    """Value -> count, sorted by value (None last, as ``"null"``)."""
    if len(values) == 0:
        return {}
    vc = pc.value_counts(values).to_pylist()
    return dict(sorted(((v["values"] if v["values"] is not None else "null"), v["counts"]) for v in vc))


def _dataset(directory: str, table: str) -> ds.Dataset:
    return ds.dataset(str(Path(directory, table)), format="parquet", partitioning="hive")


class BodyCounts:
    """Streaming counts over ``paragraphs/`` record batches (columns text, status, domain):
    the length histogram and the duplicates per domain, without holding the text in memory."""

    def __init__(self):
        self.kept = np.zeros(len(LENGTH_EDGES) + 1, dtype=np.int64)
        self.removed = np.zeros(len(LENGTH_EDGES) + 1, dtype=np.int64)
        self.by_domain: Counter = Counter()  # (domain, status) -> paragraphs

    def add(self, batch: pa.RecordBatch) -> None:
        body = batch.filter(pc.not_equal(batch["status"], TITLE))
        lengths = pc.utf8_length(body["text"]).to_numpy(zero_copy_only=False)
        bins = np.searchsorted(np.asarray(LENGTH_EDGES), lengths, side="right")
        kept = body["status"].to_numpy(zero_copy_only=False) == KEPT
        n = len(LENGTH_EDGES) + 1
        self.kept += np.bincount(bins[kept], minlength=n)
        self.removed += np.bincount(bins[~kept], minlength=n)
        pairs = pa.table({"domain": pc.fill_null(body["domain"], NO_DOMAIN), "status": body["status"]})
        for g in pairs.group_by(["domain", "status"]).aggregate([([], "count_all")]).to_pylist():
            self.by_domain[(g["domain"], g["status"])] += g["count_all"]

    def length_histogram(self) -> dict:
        """Body-paragraph lengths in characters, kept vs removed.

        Returns:
            ``{"edges": [20, 50, ...], "kept": [n per bin], "removed": [n per bin]}``; bin ``i``
            holds lengths in ``[edges[i-1], edges[i])`` (``[0, 20)`` first, ``>= 3200`` last).
        """
        return {"edges": list(LENGTH_EDGES), "kept": self.kept.tolist(), "removed": self.removed.tolist()}

    def duplicates_by_domain(self, top: int = 15) -> list[dict]:
        """Removed duplicate paragraphs per article domain, the ``top`` domains by duplicates.

        Returns:
            ``[{"domain", "paragraphs", "duplicate_within", "duplicate_across", "boilerplate"}]``,
            sorted by duplicates (descending) then domain; a null domain is ``"(no domain)"``.
        """
        rows: dict[str, dict] = {}
        for (domain, status), n in self.by_domain.items():
            row = rows.setdefault(domain, {"domain": domain, "paragraphs": 0, **{s: 0 for s in DUPLICATE_STATUSES}})
            row["paragraphs"] += n
            if status in DUPLICATE_STATUSES:
                row[status] += n
        ranked = sorted(rows.values(), key=lambda r: (-sum(r[s] for s in DUPLICATE_STATUSES), r["domain"]))
        return [r for r in ranked if sum(r[s] for s in DUPLICATE_STATUSES)][:top]


def largest_clusters(directory: str, top: int = 8, skip: frozenset = frozenset()) -> list[dict]:
    """The ``top`` largest near-duplicate clusters of ``paragraphs/`` with their text.

    Reads the cluster and article ids of clustered rows, then the text of the chosen clusters
    only. Cluster ids in ``skip`` are not clusters any more (a takedown release: their
    representative was removed, :func:`transforms.write.takedown.recount_clusters`).

    Returns:
        ``[{"cluster_id", "size", "articles", "by_status", "text", "example_id", "example"}]``
        sorted by size (descending) then cluster id; ``text`` is the representative's (the
        paragraph whose id is the cluster id), ``example`` the first other member by id, each
        cut to 400 characters.
    """
    sizes: Counter = Counter()  # cluster id -> members (a 1 GB corpus: ~500,000 clusters)
    for batch in core.scan_table(directory, "paragraphs", ["cluster_id"]):
        valid = batch.filter(pc.is_valid(batch["cluster_id"]))
        if valid.num_rows:
            sizes.update(dict(zip(*(c.to_pylist() for c in pc.value_counts(valid["cluster_id"]).flatten()))))
    for cluster in skip:
        sizes.pop(cluster, None)
    if not sizes:
        return []
    ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    wanted = pa.array([c for c, _ in ranked])
    chosen = []
    for batch in core.scan_table(directory, "paragraphs", ["paragraph_id", "cluster_id", "article_id", "status", "text"]):
        chosen += batch.filter(pc.fill_null(pc.is_in(batch["cluster_id"], wanted), False)).to_pylist()
    out = []
    for cluster, size in ranked:
        rows = sorted((m for m in chosen if m["cluster_id"] == cluster), key=lambda m: m["paragraph_id"])
        rep = next((m for m in rows if m["paragraph_id"] == cluster), rows[0])
        other = next((m for m in rows if m["paragraph_id"] != rep["paragraph_id"]), None)
        out.append({
            "cluster_id": cluster, "size": size, "articles": len({m["article_id"] for m in rows}),
            "by_status": _counts(pa.array([m["status"] for m in rows])),
            "text": rep["text"][:EXCERPT_CHARS],
            "example_id": other["paragraph_id"] if other else None,
            "example": other["text"][:EXCERPT_CHARS] if other else None,
        })
    return out


def compute_figures(directory: str, skip_clusters: frozenset = frozenset()) -> dict:
    """All figures of the dataset written under ``directory`` (staging or published);
    ``skip_clusters`` as :func:`largest_clusters`'s ``skip``.

    ``paragraphs/`` is scanned in record batches (text never held whole); language counts are
    over written articles.

    Returns:
        ``{"paragraph_chars", "duplicates_by_domain", "largest_clusters", "languages",
        "language_sources"}``.
    """
    body = BodyCounts()
    for batch in core.scan_table(directory, "paragraphs", ["text", "status", "domain"]):
        body.add(batch)
    articles = _dataset(directory, "articles").to_table(columns=["language", "language_source"])
    return {
        "paragraph_chars": body.length_histogram(),
        "duplicates_by_domain": body.duplicates_by_domain(),
        "largest_clusters": largest_clusters(directory, skip=skip_clusters),
        "languages": _counts(articles["language"]),
        "language_sources": _counts(articles["language_source"]),
    }
