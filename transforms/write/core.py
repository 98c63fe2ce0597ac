"""Pure write-side logic: explicit Parquet schemas, row building, deterministic shard files,
the reconciled run report and the crash-safe publish step (no Beam import)."""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from transforms import columns
from transforms.dedup.index import INDEX_SCHEMA
from transforms.records import KEPT, STATUSES, Article, ParagraphDecision, Reject

UTC_US = pa.timestamp("us", tz="UTC")

ARTICLES_SCHEMA = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("domain", pa.string()),
    pa.field("title", pa.large_string()),
    pa.field("published", UTC_US),
    pa.field("language", pa.string()),
    pa.field("language_source", pa.string()),
    pa.field("author", pa.string()),
    pa.field("text", pa.large_string(), nullable=False),
    pa.field("paragraphs_total", pa.int32(), nullable=False),
    pa.field("paragraphs_kept", pa.int32(), nullable=False),
    pa.field("duplicate_of_article", pa.string()),
    pa.field("charset", pa.string(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_record", pa.int64(), nullable=False),
])

PARAGRAPHS_SCHEMA = pa.schema([
    pa.field("paragraph_id", pa.string(), nullable=False),
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("index", pa.int32(), nullable=False),
    pa.field("text", pa.large_string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("reason", pa.string()),
    pa.field("cluster_id", pa.string()),
    pa.field("duplicate_of", pa.string()),
    pa.field("similarity", pa.float64()),
    pa.field("duplicate_of_article", pa.string()),
    pa.field("domain", pa.string()),
    pa.field("duplicate_of_release", pa.string()),  # set when duplicate_of is in an earlier release
])

REJECTS_SCHEMA = pa.schema([
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_record", pa.int64(), nullable=False),
    pa.field("byte_offset", pa.int64(), nullable=False),
    pa.field("stage", pa.string(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string(), nullable=False),
    pa.field("excerpt", pa.large_string(), nullable=False),
])

TALLY_SCHEMA = pa.schema([
    pa.field("kind", pa.string(), nullable=False),
    pa.field("key", pa.string(), nullable=False),
    pa.field("count", pa.int64(), nullable=False),
])

TABLES = {
    "articles": (ARTICLES_SCHEMA, ("article_id",)),
    "paragraphs": (PARAGRAPHS_SCHEMA, ("article_id", "index")),
    "rejects": (REJECTS_SCHEMA, ("source_file", "source_record", "byte_offset", "stage", "reason", "detail")),
    "_tally": (TALLY_SCHEMA, ("kind", "key")),
    "index": (INDEX_SCHEMA, ("paragraph_id",)),
}


# Columns read straight from a record's attribute of the same name (published: published_us).
_DECISION_COLUMNS = ("article_id", "index", "text", "status", "reason", "cluster_id", "duplicate_of", "similarity",
                     "duplicate_of_release")
_ARTICLE_COLUMNS = ("article_id", "url", "domain", "title", "language", "language_source", "author", "charset",
                    "source_file", "source_record")


def article_batches(items: list[tuple]) -> tuple[pa.RecordBatch, pa.RecordBatch]:
    """Rows of a batch of assembled articles ``[(Article, [ParagraphDecision], dup_article)]``, built
    column by column (ids, repeated article fields, article texts and counts in Arrow).

    Returns:
        ``(articles, paragraphs)``: record batches of :data:`ARTICLES_SCHEMA` (one row per article
        with at least one kept body paragraph; ``text`` is the kept body paragraphs joined by a
        blank line) and :data:`PARAGRAPHS_SCHEMA` (one row per decision), in input order.
    """
    arts = [article for article, _, _ in items]
    decisions, owner = columns.flatten(items)  # owner: the article of each paragraph
    p = columns.attribute_arrays(decisions, {n: PARAGRAPHS_SCHEMA.field(n).type for n in _DECISION_COLUMNS})
    a = columns.attribute_arrays(arts, {n: ARTICLES_SCHEMA.field(n).type for n in _ARTICLE_COLUMNS})
    a["duplicate_of_article"] = pa.array([dup for _, _, dup in items], type=pa.string())
    paragraphs = columns.record_batch(PARAGRAPHS_SCHEMA, {
        **p, "paragraph_id": pc.binary_join_element_wise(p["article_id"], pc.cast(p["index"], pa.string()), "/"),
        "duplicate_of_article": a["duplicate_of_article"].take(owner), "domain": a["domain"].take(owner)})
    kept = pc.and_(pc.equal(p["status"], KEPT), pc.greater(p["index"], 0))
    n_kept = np.bincount(owner.filter(kept).to_numpy(), minlength=len(items))
    offsets = pa.array(np.concatenate([[0], np.cumsum(n_kept)]), type=pa.int64())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, p["text"].filter(kept)), pa.scalar("\n\n", pa.large_string()))
    articles = columns.record_batch(ARTICLES_SCHEMA, {
        **a, "published": [x.published_us for x in arts], "text": joined,
        "paragraphs_total": [len(x.paragraphs) for x in arts], "paragraphs_kept": n_kept,
    }).take(pa.array(np.flatnonzero(n_kept)))
    return articles, paragraphs


def article_rows(article: Article, decisions: list[ParagraphDecision], dup_article: str | None):
    """Rows for one assembled article (:func:`article_batches` of one article, as dicts).

    Returns:
        ``(article_row | None, paragraph_rows)``: the article row only when at least one body
        paragraph is kept; ``text`` is the kept paragraphs joined by a blank line.
    """
    articles, paragraphs = article_batches([(article, decisions, dup_article)])
    return (articles.to_pylist() or [None])[0], paragraphs.to_pylist()


def reject_row(r: Reject) -> dict:
    """One ``rejects/`` row (the REJECTS schema) of a dead letter."""
    return {"source_file": r.source_file, "source_record": r.source_record, "byte_offset": r.byte_offset,
            "stage": r.stage, "reason": r.reason, "detail": r.detail, "excerpt": r.excerpt}


def shard_of(key, shards: int) -> int:
    """Shard number of a row whose shard key (:func:`shard_keys`) is ``key``: xxh64 of
    ``str(key)`` (UTF-8) modulo ``shards`` (stable across runs and machines)."""
    return xxhash.xxh64_intdigest(str(key).encode("utf-8")) % shards


# The columns whose values pick a row's shard: the table's first sort-key column, except for
# rejects, whose first one (the input file) would put every reject of an input in one file
# (``output.shards: 3`` gave one rejects file for one input): the file and the record number.
SHARD_COLUMNS = {"rejects": ("source_file", "source_record")}


def shard_keys(batch: pa.RecordBatch, table: str) -> pa.Array:
    """The shard key of each row of ``batch`` (a record batch of ``table``): the value of its
    :data:`SHARD_COLUMNS` column, or their values as strings joined by NUL
    (``"reut2-000.sgm.gz\x0012"``)."""
    columns = SHARD_COLUMNS.get(table, TABLES[table][1][:1])
    if len(columns) == 1:
        return batch.column(columns[0])
    return pc.binary_join_element_wise(*(pc.cast(batch.column(c), pa.string()) for c in columns), "\x00")


PARTITION_COLUMN = "published_month"
UNKNOWN_MONTH = "unknown"


def partition_of(row: dict, table: str, output_cfg) -> str | None:
    """Hive partition directory of a row (``published_month=YYYY-MM``), or None when unpartitioned.

    Only ``articles`` is partitioned (``output.partition_by: month``); an article without a
    publication time goes to ``published_month=unknown``.
    """
    if getattr(output_cfg, "partition_by", "none") != "month" or table != "articles":
        return None
    published = row["published"]
    return f"{PARTITION_COLUMN}={published.strftime('%Y-%m') if published is not None else UNKNOWN_MONTH}"


def payload(batch: pa.RecordBatch) -> bytes:
    """A record batch as the bytes that cross a shuffle (Arrow IPC message without the schema,
    which :func:`from_payload` takes from the table name): one cheap element for Beam's coder."""
    return batch.serialize().to_pybytes()


def from_payload(data: bytes, table: str) -> pa.RecordBatch:
    """Inverse of :func:`payload` for a record batch of ``table``'s schema."""
    return pa.ipc.read_record_batch(pa.py_buffer(data), TABLES[table][0])


def rows_payload(rows: list[dict], table: str) -> bytes:
    """A list of row dicts of ``table`` -> :func:`payload` bytes of one record batch."""
    return payload(pa.RecordBatch.from_pylist(rows, schema=TABLES[table][0]))


def shard_payloads(data: bytes, table: str, shards: int, output_cfg) -> list[tuple[tuple[str | None, int], bytes]]:
    """Split one :func:`payload` by destination file: ``[((partition, shard), payload), ...]``, one
    per (partition, shard) its rows go to (:func:`shard_of`, :func:`partition_of`), rows in input
    order. With one shard and no partitioning the payload passes through undecoded; otherwise each
    distinct key is hashed once (a paragraph batch repeats each article id) and the month of
    each row is computed in Arrow.
    """
    partitioned = getattr(output_cfg, "partition_by", "none") == "month" and table == "articles"
    if shards == 1 and not partitioned:
        return [((None, 0), data)]
    batch = from_payload(data, table)
    code = np.zeros(batch.num_rows, dtype=np.int64)  # month number * shards + shard
    if shards > 1:
        keys = pc.dictionary_encode(shard_keys(batch, table))
        hashed = np.array([shard_of(v, shards) for v in keys.dictionary.to_pylist()], dtype=np.int64)
        code = hashed[keys.indices.to_numpy(zero_copy_only=False)]
    labels = [None]
    if partitioned:
        published = batch.column("published").cast(pa.timestamp("us"))  # the UTC wall clock: no time zone database needed
        months = pc.fill_null(pc.add(pc.multiply(pc.year(published), 100), pc.month(published)), 0)  # 0: no date
        values, month = np.unique(months.to_numpy(zero_copy_only=False), return_inverse=True)
        labels = [partition_of({"published": datetime(m // 100, m % 100, 1, tzinfo=timezone.utc) if m else None},
                               table, output_cfg) for m in values.tolist()]
        code = month.astype(np.int64) * shards + code
    groups = np.unique(code).tolist()
    if len(groups) == 1:
        return [((labels[groups[0] // shards], groups[0] % shards), data)]
    return [((labels[g // shards], g % shards), payload(batch.take(pa.array(np.flatnonzero(code == g)))))
            for g in groups]


def _write_sorted(directory: str, table: str, shard: int, shards: int, tbl: pa.Table, output_cfg,
                  partition: str | None) -> tuple[str, int]:
    """Sort ``tbl`` by the table's key columns (ascending, nulls last, stable) and write one shard file."""
    keys = TABLES[table][1]
    if tbl.num_rows > 1:
        # Arrow's default null placement is at the end (every key column is non-nullable anyway)
        tbl = tbl.take(pc.sort_indices(tbl, sort_keys=[(c, "ascending") for c in keys]))
    folder = os.path.join(directory, table, *([partition] if partition else []))
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"part-{shard:05d}-of-{shards:05d}.parquet")
    pq.write_table(tbl.combine_chunks(), path, row_group_size=output_cfg.row_group_rows,
                   compression=None if output_cfg.compression == "none" else output_cfg.compression,
                   write_statistics=True, store_schema=True)
    kill_point("write:shard")
    return path, tbl.num_rows


def write_shard(directory: str, table: str, shard: int, shards: int, rows, output_cfg,
                partition: str | None = None) -> tuple[str, int]:
    """Write one shard file with the table's explicit schema, rows sorted by the table's key
    columns (ascending, nulls last; Arrow's stable sort: UTF-8 byte order is code point order).

    Same rows in any order give a byte-identical file. ``partition`` (from :func:`partition_of`)
    puts the file in that Hive partition directory under the table.

    Returns:
        ``(path, row count)``.
    """
    return _write_sorted(directory, table, shard, shards, pa.Table.from_pylist(rows, schema=TABLES[table][0]),
                         output_cfg, partition)


def write_payloads(directory: str, table: str, shard: int, shards: int, payloads, output_cfg,
                   partition: str | None = None) -> tuple[str, int]:
    """:func:`write_shard` of the rows of some :func:`payload` record batches (any order)."""
    batches = [from_payload(p, table) for p in payloads]
    return _write_sorted(directory, table, shard, shards, pa.Table.from_batches(batches, schema=TABLES[table][0]),
                         output_cfg, partition)


_SHARD_NAME = re.compile(r"part-(\d+)-of-(\d+)\.parquet")


def ensure_tables(directory: str, output_cfg, shards: int = 1) -> None:
    """Write the shard files no row went to, as empty files with the table's schema, so every
    ``part-NNNNN-of-MMMMM`` a name promises exists (Beam's file sinks write every shard too) and
    readers find the schema of an empty table.

    Args:
        shards: the resolved ``output.shards`` (a number, not ``auto``): the file count of a
            table without any file; a table with files keeps the count its names give. A table
            split into Hive partitions (``output.partition_by``) is left as written: each
            partition holds the shards that have rows, as Spark and Beam's dynamic destinations do.
    """
    for table in TABLES:
        d = Path(directory, table)
        files = list(d.rglob("*.parquet")) if d.is_dir() else []
        if any(f.parent != d for f in files):
            continue
        counts = {int(m.group(2)) for m in map(_SHARD_NAME.fullmatch, (f.name for f in files)) if m}
        count = max(counts) if counts else (1 if table.startswith("_") else shards)
        for shard in range(count):
            if not (d / f"part-{shard:05d}-of-{count:05d}.parquet").exists():
                write_shard(directory, table, shard, count, [], output_cfg)


def read_table(directory: str, table: str) -> pa.Table:
    """All Parquet files of one table below ``directory`` (Hive partitions included), or an empty table with its schema."""
    files = sorted(Path(directory, table).rglob("*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files]) if files else TABLES[table][0].empty_table()


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks.

    Raises:
        OSError: the file cannot be read.
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ReconciliationError(RuntimeError):
    """The written data does not account for every input record or paragraph."""


def table_counts(directory: str) -> dict:
    """Counts of the written ``articles/``, ``paragraphs/`` and ``rejects/`` tables, as
    :func:`build_report` reports them (``records`` and ``paragraphs`` without ``in``; also
    ``charsets`` and ``clusters``). ``newsetl remove`` recounts a takedown release with it.

    Raises:
        ReconciliationError: the kept body paragraphs of ``articles/`` and ``paragraphs/`` differ.
    """
    status, reasons, reject_reasons, charsets, clusters = Counter(), Counter(), Counter(), Counter(), Counter()
    article_ids: set = set()
    rows = kept_body = written = kept_in_articles = flagged = rejected = 0
    # Column by column, file by file: the text columns are never read (a 1 GB corpus's
    # paragraphs/ as Python lists took 3 GB).
    heads: set = set()  # cluster ids whose representative (the row named by the id) is in this release
    for t in scan_table(directory, "paragraphs", ["status", "reason", "article_id", "index", "cluster_id", "paragraph_id"]):
        rows += t.num_rows
        status.update(_value_counts(t["status"]))
        dropped = t.filter(pc.and_(pc.invert(pc.is_in(t["status"], pa.array(["kept", "title"]))),
                                   pc.fill_null(pc.not_equal(t["reason"], ""), False)))
        reasons.update(_value_counts(pc.binary_join_element_wise(dropped["status"], dropped["reason"], ":")))
        article_ids.update(pc.unique(t["article_id"]).to_pylist())
        kept_body += pc.sum(pc.and_(pc.equal(t["status"], "kept"), pc.greater(t["index"], 0))).as_py() or 0
        clustered = t.filter(pc.fill_null(pc.not_equal(t["cluster_id"], ""), False))
        clusters.update(_value_counts(clustered["cluster_id"]))
        heads.update(clustered.filter(pc.equal(clustered["paragraph_id"], clustered["cluster_id"])).column("paragraph_id").to_pylist())
    for t in scan_table(directory, "articles", ["paragraphs_kept", "duplicate_of_article", "charset"]):
        written += t.num_rows
        kept_in_articles += pc.sum(t["paragraphs_kept"]).as_py() or 0
        flagged += pc.sum(pc.fill_null(pc.not_equal(t["duplicate_of_article"], ""), False)).as_py() or 0
        charsets.update(_value_counts(t["charset"]))
    for t in scan_table(directory, "rejects", ["stage", "reason"]):
        rejected += t.num_rows
        reject_reasons.update(_value_counts(pc.binary_join_element_wise(t["stage"], t["reason"], ":")))
    if kept_in_articles != kept_body:
        raise ReconciliationError(f"counts do not reconcile: kept body paragraphs in articles/ {kept_in_articles} != kept rows in paragraphs/")
    # a representative alone is no cluster: its equal short lines are kept as they are (the
    # short-line rule) without a cluster_id; a duplicate whose representative is in an earlier
    # release (--dedup-against) is one (as recount_clusters counts a takedown release)
    clusters = {c: n for c, n in clusters.items() if n > 1 or c not in heads}
    sizes = Counter(clusters.values())
    return {
        "records": {
            "articles_deduplicated": len(article_ids),
            "articles_written": written,
            "articles_without_kept_paragraphs": len(article_ids) - written,
            "articles_flagged_duplicate": flagged,
            "rejected": rejected,
            "rejected_by_reason": dict(sorted(reject_reasons.items())),
        },
        "paragraphs": {
            "by_status": {s: status.get(s, 0) for s in STATUSES},
            "dropped_by_reason": dict(sorted(reasons.items())),
            "kept_body": kept_in_articles,
            "rows": rows,
        },
        "charsets": dict(sorted(charsets.items())) if written else {},
        "clusters": {"count": len(clusters), "size_histogram": {str(k): v for k, v in sorted(sizes.items())},
                     "largest": max(clusters.values()) if clusters else 0},
    }


def scan_table(directory: str, table: str, columns: list[str]):
    """Record batches of ``columns`` of one table (Hive partitions included), file by file and
    row group by row group, without read-ahead: memory stays one row group's columns (a dataset
    scan's read-ahead held over 1 GB of a 1 GB corpus's paragraph texts)."""
    for f in sorted(Path(directory, table).rglob("*.parquet")):
        yield from pq.ParquetFile(f).iter_batches(columns=columns, use_threads=False)


def _value_counts(values) -> dict:
    """Value -> count of an Arrow array (nulls counted under None)."""
    return {v["values"]: v["counts"] for v in pc.value_counts(values).to_pylist()}


def build_report(directory: str, config, inputs: list[str], versions: dict) -> dict:
    """Count everything from the written Parquet files and check that the books balance.

    Records: ``records_in`` (per-file tally from the readers) = articles that reached dedup
    (distinct ids in ``paragraphs/``) + ``rejects/`` rows. Paragraphs: ``paragraphs_in`` (tally
    from the dedup stage's input) = rows of ``paragraphs/`` = sum over statuses. Also reported,
    outside the equations: ``published_unparsed`` (``total`` and ``by_file``), the articles read
    whose ``published`` value did not parse (written with published = null), and
    ``language_unrecognised`` (the same shape), those whose input ``language`` named no language,
    and ``url_unusable`` (the same shape), those whose input ``url`` named no web address.

    Raises:
        ReconciliationError: any equation fails; the message gives both sides.
    """
    tally = read_table(directory, "_tally").to_pylist()
    unparsed = {r["key"]: r["count"] for r in tally if r["kind"] == "published_unparsed"}
    unrecognised = {r["key"]: r["count"] for r in tally if r["kind"] == "language_unrecognised"}
    bad_urls = {r["key"]: r["count"] for r in tally if r["kind"] == "url_unusable"}
    records_in = sum(r["count"] for r in tally if r["kind"] == "records")
    paragraphs_in = sum(r["count"] for r in tally if r["kind"] == "paragraphs")
    counts = table_counts(directory)
    r, p = counts["records"], counts["paragraphs"]
    rows = p.pop("rows")
    problems = []
    if records_in != r["articles_deduplicated"] + r["rejected"]:
        problems.append(f"records in {records_in} != articles deduplicated {r['articles_deduplicated']} + rejected {r['rejected']}")
    if paragraphs_in != rows:
        problems.append(f"paragraphs in {paragraphs_in} != paragraph rows written {rows}")
    if problems:
        raise ReconciliationError("counts do not reconcile: " + "; ".join(problems))
    return {
        "newsetl_version": versions.get("newsetl"),
        "records": {"in": records_in, **r},
        "paragraphs": {"in": paragraphs_in, **p},
        "charsets": counts["charsets"],
        "clusters": counts["clusters"],
        # articles read whose published value did not parse (kept, with published = null)
        "published_unparsed": {"total": sum(unparsed.values()), "by_file": dict(sorted(unparsed.items()))},
        # articles read whose input language named no language (kept, the language detected instead)
        "language_unrecognised": {"total": sum(unrecognised.values()), "by_file": dict(sorted(unrecognised.items()))},
        # articles read whose input url named no web address (kept, with url and domain = null)
        "url_unusable": {"total": sum(bad_urls.values()), "by_file": dict(sorted(bad_urls.items()))},
        "reconciled": True,
        "config": config.model_dump(mode="json"),
        "config_digest": config.digest(),
        "library_versions": versions,
        "inputs": [{"path": p, "size": os.path.getsize(p), "sha256": sha256_file(p)} for p in inputs],
    }


def manifest(directory: str) -> dict:
    """Files (relative path, rows, bytes, sha256) of the dataset tables, for ``_SUCCESS``."""
    files = []
    for table in ("articles", "paragraphs", "rejects", "index", "removals"):
        for f in sorted(Path(directory, table).rglob("*.parquet")):
            files.append({"path": f.relative_to(directory).as_posix(), "rows": pq.ParquetFile(f).metadata.num_rows,
                          "bytes": f.stat().st_size, "sha256": sha256_file(str(f))})
    return {"files": files}


def verify_manifest(directory: str, prefixes: tuple[str, ...] = ()) -> list[str]:
    """Check a published dataset against its ``_SUCCESS`` manifest.

    Args:
        prefixes: check only the listed files whose path starts with one of these (e.g.
            ``("index/", "report.json")``); all files when empty.

    Returns:
        Problems found (empty when every listed file exists with its row count and sha256):
        a missing ``_SUCCESS`` reports the dataset as unfinished, an unreadable one as damaged.
    """
    success = Path(directory, "_SUCCESS")
    if not success.is_file():
        return [f"{directory}: no _SUCCESS (unfinished or not a newsetl dataset)"]
    problems = []
    try:
        listed = json.loads(success.read_text(encoding="utf-8"))
        entries = listed["files"] + listed.get("documents", [])  # documents: report.json/.html, README.md
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [f"_SUCCESS: unreadable ({err})"]
    for entry in entries:
        if prefixes and not entry["path"].startswith(prefixes):
            continue
        f = Path(directory, entry["path"])
        if not f.is_file():
            problems.append(f"{entry['path']}: missing")
        elif sha256_file(str(f)) != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 differs")
        elif "rows" in entry and pq.ParquetFile(f).metadata.num_rows != entry["rows"]:
            problems.append(f"{entry['path']}: row count differs")
    return problems


def damage(directory: str, prefixes: tuple[str, ...] = ()) -> str | None:
    """One-line summary of :func:`verify_manifest`'s problems (None when intact): for the
    checks that refuse a damaged earlier release."""
    problems = verify_manifest(directory, prefixes)
    if not problems:
        return None
    return f"damaged since it was published ({'; '.join(problems[:3])}" + (f"; +{len(problems) - 3} more" if len(problems) > 3 else "") + ")"


KILL_ENV = "NEWSETL_TEST_KILL_AT"
NO_EXCHANGE_ENV = "NEWSETL_TEST_NO_EXCHANGE"


def kill_point(name: str) -> None:
    """Test hook: SIGKILL this process here when ``$NEWSETL_TEST_KILL_AT`` equals ``name``.

    Points: ``write:shard`` (after a shard file is written), ``publish:before-swap``,
    ``publish:after-swap`` and ``publish:between-renames`` (the fallback without an exchange).
    """
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def exchange(a: str, b: str) -> bool:
    """Atomically swap two directories (Linux ``renameat2(RENAME_EXCHANGE)``, kernel >= 3.15).

    Returns:
        True when swapped; False when the C library or the file system does not support it.

    Raises:
        OSError: for any other failure (permissions, a missing path).
    """
    if os.environ.get(NO_EXCHANGE_ENV):  # test hook: take the two-rename fallback
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), b)


def publish(staging: str, output: str) -> None:
    """Move a finished staging directory into place (local file systems).

    ``_SUCCESS`` is written into the staging directory before this is called, so the published
    directory is complete the moment it appears. Where the kernel and file system support it,
    staging and ``output`` are swapped in one atomic ``renameat2(RENAME_EXCHANGE)``: ``output``
    holds the complete old or the complete new dataset at every instant, and the old copy (now
    under the staging name) is deleted afterwards. Elsewhere: rename ``output`` to a
    ``.<name>.old-*`` sibling, rename staging to ``output``, delete the old copy; a crash
    between the two renames leaves no ``output`` and a complete ``.old`` copy, which
    :func:`repair_interrupted_publish` restores on the next run.
    """
    out = Path(output)
    if out.exists():
        kill_point("publish:before-swap")
        if exchange(staging, output):
            kill_point("publish:after-swap")
            shutil.rmtree(staging, ignore_errors=True)
            return
        old = out.with_name(f".{out.name}.old-{Path(staging).name.split('.staging-', 1)[-1]}")
        os.replace(out, old)
        kill_point("publish:between-renames")
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(staging, out)


def remove_stale_staging(output: str) -> list[str]:
    """Delete ``.<name>.staging-<time>-<pid>`` siblings of ``output`` left by runs that died.

    A staging directory whose process is still running (another run) is left alone.

    Returns:
        The removed paths.
    """
    out = Path(output)
    removed = []
    for d in sorted(out.parent.glob(f".{out.name}.staging-*")):
        pid = d.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def repair_interrupted_publish(output: str) -> str | None:
    """If a previous publish stopped between its renames, restore the complete old dataset.

    Returns:
        The restored path's old name, or None if nothing needed repair.
    """
    out = Path(output)
    if out.exists():
        return None
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    for old in reversed(olds):
        if (old / "_SUCCESS").exists():
            os.replace(old, out)
            return str(old)
    return None


def dumps(obj) -> str:
    """Stable JSON text for report.json and _SUCCESS: sorted keys, 2-space indent, UTF-8, final newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
