"""Figures of a finished run, computed from the written Parquet tables (no Beam import).

They go into ``report.json`` under ``figures`` and are drawn by :mod:`transforms.write.report_html`
and summarised by :mod:`transforms.write.card`, so the three always agree. Computed with
pyarrow compute (group-by and vectorised string lengths): a few seconds for millions of rows.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.records import BOILERPLATE, DUPLICATE_ACROSS, DUPLICATE_WITHIN, KEPT, TITLE
from transforms.write.core import read_table

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


def length_histogram(paragraphs: pa.Table) -> dict:
    """Histogram of body-paragraph lengths in characters, kept vs removed.

    Returns:
        ``{"edges": [20, 50, ...], "kept": [n per bin], "removed": [n per bin]}``; bin ``i``
        holds lengths in ``[edges[i-1], edges[i])`` (``[0, 20)`` first, ``>= 3200`` last).
    """
    body = paragraphs.filter(pc.not_equal(paragraphs["status"], TITLE))
    lengths = pc.utf8_length(body["text"]).to_numpy(zero_copy_only=False)

    bins = np.searchsorted(np.asarray(LENGTH_EDGES), lengths, side="right")
    kept = (body["status"].to_numpy(zero_copy_only=False) == KEPT)
    n = len(LENGTH_EDGES) + 1
    return {"edges": list(LENGTH_EDGES),
            "kept": np.bincount(bins[kept], minlength=n).tolist(),
            "removed": np.bincount(bins[~kept], minlength=n).tolist()}


def duplicates_by_domain(paragraphs: pa.Table, top: int = 15) -> list[dict]:
    """Removed duplicate paragraphs per article domain, the ``top`` domains by duplicates.

    Returns:
        ``[{"domain", "paragraphs", "duplicate_within", "duplicate_across", "boilerplate"}]``,
        sorted by duplicates (descending) then domain; a null domain is ``"(no domain)"``.
    """
    body = paragraphs.filter(pc.not_equal(paragraphs["status"], TITLE)).select(["domain", "status"])
    body = body.set_column(0, "domain", pc.fill_null(body["domain"], NO_DOMAIN))
    grouped = body.group_by(["domain", "status"]).aggregate([([], "count_all")]).to_pylist()
    rows: dict[str, dict] = {}
    for g in grouped:
        row = rows.setdefault(g["domain"], {"domain": g["domain"], "paragraphs": 0,
                                            **{s: 0 for s in DUPLICATE_STATUSES}})
        row["paragraphs"] += g["count_all"]
        if g["status"] in DUPLICATE_STATUSES:
            row[g["status"]] += g["count_all"]
    ranked = sorted(rows.values(), key=lambda r: (-sum(r[s] for s in DUPLICATE_STATUSES), r["domain"]))
    return [r for r in ranked if sum(r[s] for s in DUPLICATE_STATUSES)][:top]


def largest_clusters(paragraphs: pa.Table, top: int = 8) -> list[dict]:
    """The ``top`` largest near-duplicate clusters with their representative text.

    Returns:
        ``[{"cluster_id", "size", "articles", "by_status", "text", "example_id", "example"}]``
        sorted by size (descending) then cluster id; ``text`` is the representative's (the
        paragraph whose id is the cluster id), ``example`` the first other member by id, each
        cut to 400 characters.
    """
    members = paragraphs.filter(pc.is_valid(paragraphs["cluster_id"]))
    if members.num_rows == 0:
        return []
    sizes = members.group_by("cluster_id").aggregate([([], "count_all"), ("article_id", "count_distinct")])
    ranked = sorted(sizes.to_pylist(), key=lambda r: (-r["count_all"], r["cluster_id"]))[:top]
    ids = pa.array([r["cluster_id"] for r in ranked])
    chosen = members.filter(pc.is_in(members["cluster_id"], ids)).select(
        ["paragraph_id", "cluster_id", "status", "text"]).to_pylist()
    out = []
    for r in ranked:
        rows = sorted((m for m in chosen if m["cluster_id"] == r["cluster_id"]), key=lambda m: m["paragraph_id"])
        rep = next((m for m in rows if m["paragraph_id"] == r["cluster_id"]), rows[0])
        other = next((m for m in rows if m["paragraph_id"] != rep["paragraph_id"]), None)
        out.append({
            "cluster_id": r["cluster_id"], "size": r["count_all"], "articles": r["article_id_count_distinct"],
            "by_status": _counts(pa.array([m["status"] for m in rows])),
            "text": rep["text"][:EXCERPT_CHARS],
            "example_id": other["paragraph_id"] if other else None,
            "example": other["text"][:EXCERPT_CHARS] if other else None,
        })
    return out


def compute_figures(directory: str) -> dict:
    """All figures of the dataset written under ``directory`` (staging or published).

    Returns:
        ``{"paragraph_chars", "duplicates_by_domain", "largest_clusters", "languages",
        "language_sources"}``; language counts are over written articles.
    """
    paragraphs = read_table(directory, "paragraphs").select(["article_id", "paragraph_id", "text", "status",
                                                             "cluster_id", "domain"])
    articles = read_table(directory, "articles")
    out = {
        "paragraph_chars": length_histogram(paragraphs),
        "duplicates_by_domain": duplicates_by_domain(paragraphs),
        "largest_clusters": largest_clusters(paragraphs),
        "languages": _counts(articles["language"]),
    }
    if "language_source" in articles.schema.names:
        out["language_sources"] = _counts(articles["language_source"])
    return out
