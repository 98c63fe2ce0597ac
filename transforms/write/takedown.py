"""Takedowns: a new release without some articles (pure functions on the published Parquet, no Beam).

``newsetl remove --ids FILE RELEASE --output NEW_RELEASE`` (``pipelines/remove.py``) reads the
request list, copies every table of RELEASE without the rows of the removed articles
(``articles/``, ``paragraphs/``, ``index/``; ``rejects/`` unchanged) into a staging directory,
adds ``removals/`` (RELEASE's own removal rows, if it is a takedown release, and this takedown's)
and a report, and publishes it like ``newsetl run``. RELEASE is only read.
"""
from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.takedown.core import COPY, REJECTED, is_article_row, url_key
from transforms.write import core
from transforms.write.figures import compute_figures

REMOVALS_SCHEMA = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("requested", pa.string(), nullable=False),  # the id or URL as listed
    pa.field("reason", pa.string()),
    pa.field("paragraphs_removed", pa.int32(), nullable=False),
    pa.field("index_rows_removed", pa.int32(), nullable=False),
    # article_id, url, url_normalised, copy_of_removed or rejected_record (null: written before it existed)
    pa.field("matched_by", pa.string()),
    # the release whose takedown removed the article (null: a row written before session 10)
    pa.field("removed_in", pa.string()),
    # matched_by copy_of_removed (remove --include-copies): the paragraphs of this article removed as
    # copies of removed text, and the removed paragraphs they copied (null for a whole article)
    pa.field("paragraph_ids", pa.list_(pa.string())),
    pa.field("copy_of", pa.list_(pa.string())),
])
FILTERED_TABLES = ("articles", "paragraphs", "index")


REVISION = re.compile(r"(.+)-r([1-9]\d*)")  # NAME-rN: the N-th takedown revision of release NAME


class TakedownError(ValueError):
    """The request list cannot be used (one-line message)."""


def revision_of(name: str) -> tuple[str, int]:
    """``(base name, revision)`` of a release directory name: ``2026-11-29-r2`` ->
    ``("2026-11-29", 2)``; any name without an ``-rN`` suffix (N >= 1, no leading zero) is
    revision 0 of itself (``2026-11-29`` -> ``("2026-11-29", 0)``)."""
    m = REVISION.fullmatch(name)
    return (m[1], int(m[2])) if m else (name, 0)


def made_from(directory: str | Path) -> str | None:
    """The name of the release a published takedown release was made from: its ``report.json``
    → ``removals.from_release_name`` (written since session 10), else the last part of
    ``removals.from_release`` (the path ``newsetl remove`` was given). None for a directory
    without ``_SUCCESS`` or whose report names none (not a takedown release)."""
    d = Path(directory)
    if not (d / "_SUCCESS").is_file():
        return None
    try:
        info = json.loads((d / "report.json").read_text(encoding="utf-8")).get("removals") or {}
    except (OSError, ValueError, AttributeError):
        return None
    name = info.get("from_release_name") or (os.path.basename(os.path.normpath(info["from_release"]))
                                             if isinstance(info.get("from_release"), str) else None)
    return name if isinstance(name, str) and name not in ("", ".", "..") else None


def is_revision(directory: str | Path) -> bool:
    """True when ``directory``, named ``NAME-rN`` (N >= 1), is a published takedown revision of
    ``NAME``: the release it was made from (:func:`made_from`) is ``NAME`` or an earlier
    revision ``NAME-rM`` (M < N). A folder that is only named so (a copy, a run's output, an
    empty directory) is not one."""
    base, rev = revision_of(Path(directory).absolute().name)
    source = made_from(directory)
    if not rev or source is None:
        return False
    other, m = revision_of(source)
    return other == base and m < rev


def later_revisions(release: str, output: str | None = None) -> list[str]:
    """The published (``_SUCCESS``) takedown revisions next to ``release`` that are later than it:
    ``NAME-rM`` with M above ``release``'s own revision N (``NAME`` is N = 0) that are revisions
    of ``NAME`` (:func:`is_revision`), by M; ``output`` (a revision being made again with
    ``--overwrite``) does not count.

    A takedown of ``release`` itself would start from rows an existing revision already removed
    and publish them again (``newsetl remove`` refuses it; :func:`revision_of` gives the names).

    Returns:
        paths of the revisions (``release``'s directory joined with each name), lowest M first.
    """
    path = Path(release)
    base, rev = revision_of(path.absolute().name)
    skip = Path(output).resolve() if output else None
    found = []
    for d in path.absolute().parent.iterdir():
        other, n = revision_of(d.name)
        if other == base and n > rev and d.resolve() != skip and is_revision(d):
            found.append((n, str(path.absolute().parent / d.name)))
    return [p for _, p in sorted(found)]


def read_requests(path: str) -> list[tuple[str, str | None]]:
    """Parse a takedown list: one article id or URL per line, optionally a tab and a reason (UTF-8, a BOM is ignored).

    Blank lines and lines starting with ``#`` are skipped; duplicates keep their first reason.

    Returns:
        ``[(id or URL, reason | None), ...]`` in file order.

    Raises:
        TakedownError: unreadable file or no request in it.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as err:
        raise TakedownError(f"cannot read --ids {path}: {getattr(err, 'strerror', None) or err}") from None
    out, seen = [], set()
    for row in rows:
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        key = row[0].strip()
        if key not in seen:
            seen.add(key)
            reason = "\t".join(row[1:]).strip() or None
            out.append((key, reason))
    if not out:
        raise TakedownError(f"--ids {path} lists no article id or URL")
    return out


def match_articles(release: str, requests: list[tuple[str, str | None]],
                   removed_before: list[dict] = ()) -> tuple[dict[str, dict], list[str], list[str]]:
    """Resolve requests against the release's ``paragraphs/`` ids and ``articles/`` URLs.

    An id matches any article of the release (also one without kept paragraphs, which has
    paragraph rows only); a URL matches the articles written with that URL, else those whose
    URL has the same :func:`transforms.takedown.core.url_key` (case of scheme and host, default
    port, fragment, tracking parameters, trailing ``/``). A request that matches nothing here
    but an article of ``removed_before`` (RELEASE's ``removals/``: an earlier takedown of its
    history), by id or URL key, is already removed.

    Returns:
        ``({article_id: {"url", "requested", "reason", "matched_by"}}, [requests that matched
        nothing], [requests already removed])``; ``matched_by`` is ``article_id``, ``url`` or
        ``url_normalised``.
    """
    ids = set(pq.read_table(Path(release, "paragraphs"), columns=["article_id"]).column(0).to_pylist())
    arts = pq.read_table(Path(release, "articles"), columns=["article_id", "url"]).to_pylist()
    url_of = {a["article_id"]: a["url"] for a in arts}
    by_url: dict[str, list[str]] = {}
    by_key: dict[str, list[str]] = {}
    for a in arts:
        if a["url"]:
            by_url.setdefault(a["url"], []).append(a["article_id"])
            key = url_key(a["url"])
            if key:
                by_key.setdefault(key, []).append(a["article_id"])
    gone_ids = {r["article_id"] for r in removed_before}
    gone_keys = {url_key(u) for r in removed_before for u in (r.get("url"), r.get("requested"))} - {None}
    found, missing, already = {}, [], []
    for key, reason in requests:
        if key in ids:
            hits, how = [key], "article_id"
        elif key in by_url:
            hits, how = sorted(by_url[key]), "url"
        else:
            hits, how = sorted(by_key.get(url_key(key) or "", [])), "url_normalised"
        if not hits:
            (already if key in gone_ids or url_key(key) in gone_keys else missing).append(key)
        for aid in hits:
            found.setdefault(aid, {"url": url_of.get(aid), "requested": key, "reason": reason, "matched_by": how})
    return found, missing, already


def copies_of_removed(paras: pa.Table, removed: set[str]) -> dict[str, tuple[str, bool]]:
    """The paragraph rows of other articles that hold the text of a removed article's paragraph.

    A copy is a row whose ``duplicate_of`` names a paragraph of a ``removed`` article in this
    release (``duplicate_of_release`` null: a pointer into an earlier release is not), or,
    transitively, a row whose ``duplicate_of`` names such a copy (a ``duplicate_within`` of a
    copy, in the same article). Rows of the removed articles themselves are not copies.

    Args:
        paras: ``paragraphs/`` rows with ``paragraph_id``, ``duplicate_of`` and ``duplicate_of_release``.
        removed: article ids.

    Returns:
        ``{paragraph_id: (the removed paragraph id whose text it holds, direct)}``; ``direct``
        is False for a copy of a copy (its own ``duplicate_of`` still names a row that exists).
    """
    links = {p: d for p, d, r in zip(paras.column("paragraph_id").to_pylist(), paras.column("duplicate_of").to_pylist(),
                                     paras.column("duplicate_of_release").to_pylist()) if d and r is None}
    source = {p: d for p, d in links.items() if d.rsplit("/", 1)[0] in removed}
    grown = bool(source)
    while grown:  # copies of copies (a fixed point; one more round at most in practice)
        grown = False
        for p, d in links.items():
            if p not in source and d in source:
                source[p], grown = source[d], True
    return {p: (d, links[p] == d) for p, d in source.items() if p.rsplit("/", 1)[0] not in removed}


TAKEN_DOWN_EXCERPT = "[taken down]"


def excerpts_of_removed(details: list[str | None], removed: set[str], urls: set[str]) -> list[bool]:
    """Which ``rejects/`` rows (their ``detail``) hold text of a removed article in their
    ``excerpt``: another record with its id (``duplicate_article_id``: ``article_id 'X' already
    read from ...``) or an older web capture of its URL (``superseded_capture``: ``superseded by
    the capture of URL chosen ...``), as :func:`transforms.ingest.unique.choose` words them."""
    prefixes = tuple(f"article_id {a!r} already read from " for a in sorted(removed)) + tuple(
        f"superseded by the capture of {u} chosen " for u in sorted(urls))
    return [bool(d) and d.startswith(prefixes) for d in details]


def reject_identity(row: dict) -> tuple:
    """What tells a ``rejects/`` row from the others (every column but the excerpt)."""
    return tuple(row[k] for k in REJECT_IDENTITY)


REJECT_IDENTITY = ("source_file", "source_record", "byte_offset", "stage", "reason", "detail")


def copy_without(release: str, staging: str, removed: set[str], output_cfg,
                 paragraphs: set[str] = frozenset(), excerpts: tuple[set[str], set[str]] | None = None,
                 rejected: frozenset = frozenset()) -> dict[str, Counter]:
    """Copy every table file of ``release`` into ``staging`` without the rows of ``removed``
    articles and, in ``paragraphs/`` and ``index/``, without the rows of ``paragraphs`` (ids:
    the copies of removed text, ``newsetl remove --include-copies``); same file names, schemas,
    row order and compression. With ``excerpts`` (``(article ids, URLs)`` of every removed
    article), the ``excerpt`` of a reject holding such an article's text
    (:func:`excerpts_of_removed`) becomes :data:`TAKEN_DOWN_EXCERPT`, and so does that of the
    ``rejected`` rows (:func:`reject_identity` of the records a request matched among the
    rejects: a takedown of a record that was never written); the row stays (it is counted in
    ``records.rejected``).

    Returns:
        table -> Counter of removed rows per article id (``rejects``: excerpts replaced by
        ``excerpts``, by reason; ``rejected``: excerpts of ``rejected`` rows replaced, by reason).
    """
    dropped: dict[str, Counter] = {"rejected": Counter()}
    ids = pa.array(sorted(removed), type=pa.string())
    pids = pa.array(sorted(paragraphs), type=pa.string())
    for table in (*FILTERED_TABLES, "rejects"):
        dropped[table] = Counter()
        for f in sorted(Path(release, table).rglob("*.parquet")):  # Hive partitions keep their directories
            tbl = pq.read_table(f, schema=core.TABLES[table][0], partitioning=None)
            if table in FILTERED_TABLES:
                gone = pc.is_in(tbl.column("article_id"), value_set=ids)
                if table != "articles" and len(pids):
                    gone = pc.or_(gone, pc.is_in(tbl.column("paragraph_id"), value_set=pids))
                dropped[table].update(tbl.filter(gone).column("article_id").to_pylist())
                tbl = tbl.filter(pc.invert(gone))
            elif (excerpts is not None or rejected) and tbl.num_rows:
                copied = excerpts_of_removed(tbl.column("detail").to_pylist(), *excerpts) if excerpts else [False] * tbl.num_rows
                own = ([reject_identity(r) in rejected for r in tbl.select(REJECT_IDENTITY).to_pylist()] if rejected
                       else [False] * tbl.num_rows)
                reasons = tbl.column("reason").to_pylist()
                dropped[table].update(r for r, c in zip(reasons, copied) if c)
                dropped["rejected"].update(r for r, c, o in zip(reasons, copied, own) if o and not c)
                hit = pa.array([c or o for c, o in zip(copied, own)], type=pa.bool_())
                at = tbl.schema.get_field_index("excerpt")
                tbl = tbl.set_column(at, tbl.schema.field(at), pc.if_else(hit, pa.scalar(TAKEN_DOWN_EXCERPT), tbl.column(at)))
            dest = Path(staging, f.relative_to(release))
            dest.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(tbl, dest, row_group_size=output_cfg.row_group_rows,
                           compression=None if output_cfg.compression == "none" else output_cfg.compression,
                           write_statistics=True, store_schema=True)
    return dropped


def rejected_rows(matched: dict[str, list[dict]], reasons: dict[str, str | None], release_name: str) -> list[dict]:
    """The ``removals/`` rows of requests that matched no written article but rejected records
    (``newsetl remove``; :func:`pipelines.explain_rejects.rejected_rows_of`): ``matched_by``
    :data:`REJECTED`, ``article_id`` the request (an id, or a URL found in the record), no
    paragraphs or index rows removed (a rejected record has none), sorted by request. A later
    ``newsetl run --dedup-against`` the release rejects such a record re-sent under that id or
    URL as ``taken_down``.

    Args:
        matched: request -> the ``rejects/`` rows it matched (with ``matched_by``: ``id``,
            ``derived id`` or ``url``).
        reasons: request -> the takedown's reason.
    """
    return [{"article_id": key, "url": key if any(r["matched_by"] == "url" for r in rows) else None, "requested": key,
             "reason": reasons.get(key), "matched_by": REJECTED, "paragraphs_removed": 0, "index_rows_removed": 0,
             "removed_in": release_name} for key, rows in sorted(matched.items())]


def removal_rows(found: dict[str, dict], dropped: dict[str, Counter], release_name: str) -> list[dict]:
    """This takedown's rows of ``removals/`` for the articles it removed, sorted by article id."""
    return [{"article_id": aid, **info, "paragraphs_removed": dropped["paragraphs"][aid],
             "index_rows_removed": dropped["index"][aid], "removed_in": release_name}
            for aid, info in sorted(found.items())]


def copy_rows(copies: dict[str, tuple[str, bool]], requests: dict[str, dict], urls: dict[str, str | None],
              dropped: dict[str, Counter], release_name: str) -> list[dict]:
    """The ``removals/`` rows of ``--include-copies``: one per article that keeps its other rows
    but loses its copies of removed text (:func:`copies_of_removed`), ``matched_by``
    :data:`COPY`, with the request and reason of the removed article it copies (the first by
    id when it copies several), ``paragraph_ids`` (the rows removed) and ``copy_of`` (the
    removed paragraphs they copied). Sorted by article id.

    Args:
        requests: removed article id -> its removal row or request (this takedown's or the history's).
        urls: article id -> URL of the articles written.
    """
    by_article: dict[str, list[tuple[str, str]]] = {}
    for pid, (source, _) in copies.items():
        by_article.setdefault(pid.rsplit("/", 1)[0], []).append((pid, source))
    rows = []
    for aid, pairs in sorted(by_article.items()):
        copied = sorted({s for _, s in pairs}, key=paragraph_order)
        first = requests[min(s.rsplit("/", 1)[0] for s in copied)]
        rows.append({"article_id": aid, "url": urls.get(aid), "requested": first["requested"], "reason": first["reason"],
                     "matched_by": COPY, "paragraphs_removed": dropped["paragraphs"][aid],
                     "index_rows_removed": dropped["index"][aid], "removed_in": release_name,
                     "paragraph_ids": sorted((p for p, _ in pairs), key=paragraph_order), "copy_of": copied})
    return rows


def paragraph_order(pid: str) -> tuple[str, int]:
    """Sort key of a paragraph id ``<article_id>/<index>``: by article, then index as a number."""
    aid, index = pid.rsplit("/", 1)
    return aid, int(index)


def _merged(prev: dict, row: dict) -> dict:
    """Two ``removals/`` rows of one article (an earlier takedown's and this one's): a whole
    article's row wins and counts the copies removed before it; two copy rows become one."""
    whole = [r for r in (prev, row) if r["matched_by"] != COPY]
    out = dict(whole[0] if whole else prev)
    for key in ("paragraphs_removed", "index_rows_removed"):
        out[key] = prev[key] + row[key]
    if not whole:
        out["paragraph_ids"] = sorted({*prev["paragraph_ids"], *row["paragraph_ids"]}, key=paragraph_order)
        out["copy_of"] = sorted({*prev["copy_of"], *row["copy_of"]}, key=paragraph_order)
    return out


def removals_table(before: list[dict], rows: list[dict]) -> pa.Table:
    """``removals/`` of the new release: RELEASE's own rows (``before``, its takedown history)
    and this takedown's (``rows``: removed articles and copies), one row per article
    (:func:`_merged`), sorted by article id, so a later ``--dedup-against`` of the new release
    (:func:`transforms.takedown.core.taken_down_in`) sees every article removed since the run."""
    names = REMOVALS_SCHEMA.names
    merged: dict[str, dict] = {}
    for r in [*before, *rows]:
        r = {n: r.get(n) for n in names}
        merged[r["article_id"]] = _merged(merged[r["article_id"]], r) if r["article_id"] in merged else r
    return pa.Table.from_pylist(sorted(merged.values(), key=lambda r: r["article_id"]), schema=REMOVALS_SCHEMA)


def recount_clusters(directory: str, removed: set[str]) -> tuple[dict, frozenset]:
    """``clusters`` of a takedown release, by the run's definition (:func:`core.table_counts`:
    the rows sharing a ``cluster_id``, the paragraph id of the cluster's first member, its
    representative), less what is no cluster after the takedown.

    Dropped: a cluster whose representative belongs to a removed article (``removed``: every
    article id of ``removals/``; its other rows keep that ``cluster_id``, as rows are never
    rewritten: a rebuild re-clusters them), and a representative left alone (all its copies
    removed: a run gives a paragraph without copies no cluster). A cluster whose representative
    is in an earlier release (``--dedup-against``) counts as in the run.

    Returns:
        ``({"count", "size_histogram", "largest"}, cluster ids dropped)``.
    """
    sizes, heads = Counter(), set()
    for t in core.scan_table(directory, "paragraphs", ["paragraph_id", "cluster_id"]):
        t = t.filter(pc.fill_null(pc.not_equal(t["cluster_id"], ""), False))
        sizes.update(core._value_counts(t["cluster_id"]))
        heads.update(t.filter(pc.equal(t["paragraph_id"], t["cluster_id"])).column("paragraph_id").to_pylist())
    gone = frozenset(c for c, n in sizes.items() if c.rsplit("/", 1)[0] in removed or (n == 1 and c in heads))
    kept = [n for c, n in sizes.items() if c not in gone]
    return {"count": len(kept), "size_histogram": {str(k): v for k, v in sorted(Counter(kept).items())},
            "largest": max(kept, default=0)}, gone


def takedown_report(old: dict, staging: str, release: str, rows: list[dict], missing: list[str],
                    already: list[str] = (), before: list[dict] = (), copies: list[dict] | None = None,
                    excerpts: Counter | None = None, rejected: list[dict] = (), rejected_excerpts: Counter | None = None) -> dict:
    """The new release's report: the old one with every count and figure recomputed from the
    remaining rows (as ``newsetl run`` computes them), so ``inspect``, ``report.html`` and the
    card describe what the new release holds.

    Reconciles as ``records.in = articles_deduplicated + rejected + removed`` and
    ``paragraphs.in = sum(by_status) + removed`` (``in`` is the original run's; ``removed``
    counts every takedown since that run, ``removals`` this one). ``dangling_duplicate_of``
    counts remaining paragraphs whose ``duplicate_of`` named a paragraph removed by this or an
    earlier takedown of the history: they stay
    dropped (a rebuild re-admits them). ``copies`` (``--include-copies``: :func:`copy_rows`;
    None without it) are the copy rows removed from articles that stay: they count in
    ``paragraphs.removed`` and ``removals.copies``, not in ``records.removed``; ``excerpts``
    (reason -> rejects whose excerpt was replaced, :func:`copy_without`) is reported there too.
    ``rejected`` (:func:`rejected_rows`: requests that matched only rejected records) and
    ``rejected_excerpts`` (reason -> their rows whose excerpt was replaced) are
    ``removals.rejected_records``; they count as found, not in ``records.removed``.

    Raises:
        ReconciliationError: the remaining rows and the old counts do not balance.
    """
    counts = core.table_counts(staging)
    paras = core.read_table(staging, "paragraphs")
    removed = {r["article_id"] for r in rows}
    # this takedown and RELEASE's history (not the articles that only lost copies)
    ever_removed = removed | {r["article_id"] for r in before if is_article_row(r)}
    direct = [p for p, (_, first) in copies_of_removed(paras, ever_removed).items() if first]
    dangling = len(direct)
    # removed: every takedown since the run (RELEASE may be a takedown release itself)
    records = {"in": old["records"]["in"], **counts["records"], "removed": old["records"].get("removed", 0) + len(removed)}
    paragraphs = {"in": old["paragraphs"]["in"], **counts["paragraphs"],
                  "removed": old["paragraphs"].get("removed", 0) + sum(r["paragraphs_removed"] for r in [*rows, *(copies or ())])}
    remaining = paragraphs.pop("rows")
    problems = []
    if records["in"] != records["articles_deduplicated"] + records["rejected"] + records["removed"]:
        problems.append(f"records in {records['in']} != articles deduplicated {records['articles_deduplicated']} "
                        f"+ rejected {records['rejected']} + removed {records['removed']}")
    if paragraphs["in"] != remaining + paragraphs["removed"]:
        problems.append(f"paragraphs in {paragraphs['in']} != paragraph rows {remaining} + removed {paragraphs['removed']}")
    if problems:
        raise core.ReconciliationError("counts do not reconcile after the takedown: " + "; ".join(problems))
    report = dict(old)
    clusters, not_clusters = recount_clusters(staging, ever_removed)
    report.update(records=records, paragraphs=paragraphs, charsets=counts["charsets"], clusters=clusters,
                  figures=compute_figures(staging, not_clusters), reconciled=True, removals={
        "from_release": str(release), "from_report_sha256": core.sha256_file(str(Path(release, "report.json"))),
        "articles": len(rows), "paragraphs": sum(r["paragraphs_removed"] for r in rows), "index_rows": sum(r["index_rows_removed"] for r in rows),
        "by_reason": dict(sorted(Counter(r["reason"] or "(none)" for r in rows).items())),
        "matched_by": dict(sorted(Counter(r["matched_by"] for r in rows).items())),
        "not_found": missing, "already_removed": list(already), "dangling_duplicate_of": dangling,
        "copies_of_removed": sorted({p.rsplit("/", 1)[0] for p in direct}),
        "include_copies": copies is not None, "copies": {
            "articles": len(copies or ()), "paragraphs": sum(r["paragraphs_removed"] for r in copies or ()),
            "index_rows": sum(r["index_rows_removed"] for r in copies or ()),
            "reject_excerpts": dict(sorted(excerpts.items())) if excerpts else {}},
        "rejected_records": {"requests": len(rejected), "excerpts": dict(sorted((rejected_excerpts or {}).items()))},
    })
    if old.get("dedup_against"):  # paragraphs of this release dropped as copies of an earlier release
        dropped = Counter(v for v in paras.column("duplicate_of_release").to_pylist() if v is not None)
        report["dedup_against"] = {**old["dedup_against"], "releases": [
            {**r, "paragraphs_dropped": dropped.get(r["release"], 0)} for r in old["dedup_against"]["releases"]]}
    return report
