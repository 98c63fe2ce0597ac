"""Dedup payloads that stay out of shuffles (no Beam import): written to random-access spill
files (:func:`transforms.spill.write_rows`), with small references crossing the shuffle instead.

On Beam's local runner a shuffled PCollection is held in memory until it has been consumed, so
a payload the size of the text (an article's matching forms) or one tuple per pending paragraph
(across-article decisions) makes the run's memory grow with the corpus. Two such payloads go
to spill files here:

- matching forms of whole articles (exact article copies): one file per batch of articles,
  ``forms-<batch id>.rows``, one row per article with pending paragraphs; the text-key shuffle
  carries ``(rank, article_id, batch id, row)`` and only keys with two articles or more read
  their forms (:func:`copy_maps`);
- across-article decisions: one file per exact partition, ``decisions-<partition>.rows``, one
  row per batch of articles; the join by batch carries ``(path, row)`` (:func:`spill_decisions`,
  :func:`read_refs`).

Rows are pickled one per chunk (``chunk=1``): a reader needs one row of a file, never its
neighbours. Names are derived from the run's identities (batch id, partition), so a retried
bundle rewrites the same file with the same content.
"""
from __future__ import annotations

import mmap
import os
import struct

import numpy as np

from transforms import spill
from transforms.dedup import core, exact


def forms_name(batch_id: str) -> str:
    """Spill name of a batch's forms file."""
    return f"forms-{batch_id}"


def forms_row(article_id: str, pending) -> tuple[str, bytes, str, bytes]:
    """A forms file row of an article from its pending paragraphs (:func:`core.dedup_within`,
    in index order; at least one body paragraph): ``(article_id, indexes: int32 bytes, matching
    forms joined by a newline, exact keys: 16 bytes each)``, in the order of ``pending``. A row
    is four objects, not one per paragraph (the release index reads every row; containers would
    feed the garbage collector), and a newline never occurs in a matching form (white space is
    collapsed to spaces). The article id lets a reader check that a row is the one it expects.
    A symbol line (:func:`core.symbol_form`) is a pending paragraph with form '' and its own key."""
    if pending[0][0] == 0:  # the title (never pending today): not in the fingerprint either
        pending = pending[1:]
    indexes, keys, _, forms = zip(*pending)
    return article_id, struct.pack(f"<{len(indexes)}i", *indexes), "\n".join(forms), b"".join(keys)


def row_forms(row: tuple[str, bytes, str, bytes]) -> tuple[tuple[int, str], ...]:
    """``((index, form), ...)`` of a :func:`forms_row` as :func:`core.article_fingerprint` gives
    them: without the symbol lines (form '', exact key only), which the fingerprint leaves out."""
    return tuple((i, f) for i, f in zip(np.frombuffer(row[1], dtype="<i4").tolist(), row[2].split("\n")) if f)


def write_forms(spill_dir: str, batch_id: str, forms: list) -> str:
    """Write the matching forms of a batch's fingerprinted articles and return the path.

    Args:
        forms: one row per article with pending paragraphs (row k = the batch's k-th such
            article): :func:`forms_row` (read by the copy alignment and the release index).

    Raises:
        OSError: the spill directory cannot be written.
    """
    return spill.write_rows(spill_dir, forms_name(batch_id), forms, chunk=1)


def read_refs(refs) -> list:
    """The rows that ``refs`` (``[(path, row)]``, any order, several files) point to, in that
    order; each file is opened once.

    Raises:
        OSError: a file is missing or unreadable; IndexError: a row is out of range.
    """
    refs = list(refs)
    by_path: dict[str, list[int]] = {}
    for k, (path, _) in enumerate(refs):
        by_path.setdefault(path, []).append(k)
    out: list = [None] * len(refs)
    for path, ks in by_path.items():
        for k, value in zip(ks, spill.read_rows(path, [refs[k][1] for k in ks])):
            out[k] = value
    return out


def copy_maps(members, spill_dir: str, cfg) -> list[tuple[str, tuple[str, str, str, dict]]]:
    """Copy maps of the articles that share one article text key (exact article copies).

    Args:
        members: ``[(rank, article_id, batch id, row in the batch's forms file)]`` of one key
            (any order; article ids are unique in a run).
        spill_dir: the directory :func:`write_forms` wrote to.
        cfg: the ``dedup`` config section (shingle sizes).

    Returns:
        ``[(the original's batch id, (batch id, article_id, original article_id, {index:
        (original paragraph id, Jaccard)}))]`` for every member but the first in keep order (the
        original), aligned by :func:`core.align_exact_article`, keyed by the original's batch
        for :func:`follow_copies`; empty for a single member, whose forms are not read.

    Raises:
        OSError: a forms file is missing or unreadable.
    """
    members = sorted(members)
    if len(members) < 2:
        return []
    forms = [row_forms(r) for r in read_refs((spill.rows_path(spill_dir, forms_name(batch_id)), row) for _, _, batch_id, row in members)]
    (_, original_id, original_batch, _), original = members[0], forms[0]
    return [(original_batch, (batch_id, article_id, original_id,
                              {i: (f"{original_id}/{j}", sim) for i, j, sim in core.align_exact_article(original, f, cfg)}))
            for (_, article_id, batch_id, _), f in zip(members[1:], forms[1:])]


def partition_copy_maps(member_lists, spill_dir: str, cfg) -> list[tuple[str, tuple[str, str, str, dict]]]:
    """:func:`copy_maps` of every article text key of one exact partition with two members or more.

    Args:
        member_lists: ``[[(article text key, (rank, article_id, batch id, row)), ...], ...]``, one
            list per batch (any order).
    """
    by_key: dict[bytes, list] = {}
    for members in member_lists:
        for key, member in members:
            by_key.setdefault(key, []).append(member)
    return [copy for members in by_key.values() if len(members) > 1 for copy in copy_maps(members, spill_dir, cfg)]


def follow_copies(copies, across_refs) -> list[tuple[str, tuple[str, dict]]]:
    """The copy maps of the exact copies of one batch's original articles, their pointers
    following the originals' across-article decisions (:func:`core.follow_copy_pointers`).

    Args:
        copies: :func:`copy_maps` values whose original is in this batch: ``(batch id,
            article_id, original article_id, map)``.
        across_refs: ``[(spill path, row)]`` of this batch's across-article decisions
            (:func:`spill_decisions`); read only when there are copies.

    Returns:
        ``[(the copy's batch id, (article_id, {index: (paragraph id, Jaccard, release or None)}))]``,
        sorted, as :class:`transforms.dedup.transforms.AssembleArticles` joins them by batch.

    Raises:
        OSError: a decisions file is missing or unreadable.
    """
    copies = list(copies)
    if not copies:
        return []
    wanted = {original for _, _, original, _ in copies}
    decisions = {(aid, d[0]): d for rows in read_refs(across_refs) for aid, d in rows if aid in wanted}
    return sorted((batch_id, (article_id, core.follow_copy_pointers(original, copy_map, decisions)))
                  for batch_id, article_id, original, copy_map in copies)


def spill_keyed(spill_dir: str, name: str, items: list[tuple]) -> list[tuple]:
    """Write the values of keyed shuffle elements, one row each, to ``<name>.rows`` and return
    the elements that point to them: ``[(key, (path, row))]`` in the order of ``items``
    (empty, and no file, when ``items`` is empty); :func:`read_refs` gives the values back.
    One file per writer call keeps the file count at one per batch or partition, not per
    (batch, partition).

    Raises:
        OSError: the spill directory cannot be written.
    """
    if not items:
        return []
    path = spill.write_rows(spill_dir, name, [value for _, value in items], chunk=1)
    return [(key, (path, row)) for row, (key, _) in enumerate(items)]


def spill_decisions(spill_dir: str, partition: int, lists: list[tuple[str, list]]) -> list[tuple[str, tuple[str, int]]]:
    """Write one exact partition's across-article decisions, one row per batch, to
    ``decisions-<partition>.rows`` and return the shuffle elements that point to them.

    Args:
        lists: ``[(batch id, [(article_id, decision tuple)])]`` (a batch may appear more than once).

    Returns:
        ``[(batch id, (path, row))]`` (:func:`spill_keyed`).

    Raises:
        OSError: the spill directory cannot be written.
    """
    return spill_keyed(spill_dir, f"decisions-{partition}", lists)


# ---------------------------------------------------------------- band stores (the release index's band hashes)
# One file per exact partition, ``bands-<partition>.bin``, written by the across-article stage
# with the band hashes it computed for the partition's bandable exact-group representatives:
# little-endian int64 ``n``, int64 ``bands``; the exact keys as two uint64 columns (``hi``,
# ``lo``: the key's big-endian halves, so numeric order is byte order), ascending; the band
# hashes, uint64 ``(n, bands)`` row-major. A reader memory-maps it and binary-searches the keys.


def band_store_path(spill_dir: str, partition: int) -> str:
    """Path of an exact partition's band store."""
    return os.path.join(spill_dir, f"bands-{partition}.bin")


def write_band_store(spill_dir: str, partition: int, keys: bytes, hashes: np.ndarray) -> str:
    """Write the band store of an exact partition and return its path.

    Args:
        keys: n concatenated 16-byte exact keys, ascending (byte order), distinct.
        hashes: uint64 ``(n, bands)``: row i holds the LSH band hashes of key i's group
            (:func:`transforms.dedup.batch.node_band_hashes`).

    Raises:
        ValueError: keys and hashes disagree in length; OSError: the spill directory cannot be written.
    """
    halves = np.frombuffer(keys, dtype=">u8").reshape(-1, 2).astype("<u8")
    if len(halves) != len(hashes):
        raise ValueError(f"band store: {len(halves)} keys, {len(hashes)} rows of band hashes")
    header = np.array([len(halves), hashes.shape[1] if hashes.ndim == 2 else 0], dtype="<i8")
    body = (header.tobytes(), np.ascontiguousarray(halves[:, 0]).tobytes(), np.ascontiguousarray(halves[:, 1]).tobytes(),
            np.ascontiguousarray(hashes, dtype="<u8").tobytes())
    return spill.write_bytes(spill_dir, os.path.basename(band_store_path(spill_dir, partition)), b"".join(body))


def read_band_store(path: str, keys: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Band hashes of exact keys from one band store (memory-mapped: only the pages searched and
    the rows found are read).

    Args:
        keys: uint8 ``(m, 16)`` exact keys (any order, repeats allowed).
        bands: band hashes per key (the store must hold as many, or none).

    Returns:
        ``(uint64 (m, bands), found bool (m,))``; rows of keys not in the store are zero.

    Raises:
        OSError: the file is missing or unreadable; ValueError: the store has another band count.
    """
    q = np.ascontiguousarray(keys, dtype=np.uint8).view(">u8").reshape(-1, 2).astype(np.uint64)
    out = np.zeros((len(q), bands), dtype=np.uint64)
    found = np.zeros(len(q), dtype=bool)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        n, width = np.frombuffer(mm, dtype="<i8", count=2).tolist()
        if n and width != bands:
            raise ValueError(f"{path}: {width} band hashes per key, expected {bands}")
        hi = np.frombuffer(mm, dtype="<u8", count=n, offset=16)
        lo = np.frombuffer(mm, dtype="<u8", count=n, offset=16 + 8 * n)
        table = np.frombuffer(mm, dtype="<u8", count=n * width, offset=16 + 16 * n).reshape(n, width)
        if n and len(q):
            at = np.searchsorted(hi, q[:, 0])
            inside = at < n
            at = np.minimum(at, n - 1)
            same_hi = inside & (hi[at] == q[:, 0])
            found = same_hi & (lo[at] == q[:, 1])
            for i in np.flatnonzero(same_hi & ~found).tolist():  # keys sharing their first 64 bits: walk on
                j = int(at[i]) + 1
                while j < n and hi[j] == q[i, 0] and lo[j] != q[i, 1]:
                    j += 1
                if j < n and hi[j] == q[i, 0]:
                    at[i], found[i] = j, True
            out[found] = table[at[found]]
        del hi, lo, table
    return out, found


def band_hashes_of(spill_dir: str, partitions: int, keys: np.ndarray, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_band_store` for keys of any exact partitions (each store opened once).

    Args:
        partitions: the run's exact partition count (:func:`transforms.dedup.exact.partitions_of`).
        keys: uint8 ``(m, 16)`` exact keys of this run's candidates (their partitions have stores).

    Returns:
        ``(uint64 (m, bands), found bool (m,))``.

    Raises:
        OSError: a store is missing or unreadable.
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint8).reshape(-1, exact.KEY_BYTES)
    out = np.zeros((len(keys), bands), dtype=np.uint64)
    found = np.zeros(len(keys), dtype=bool)
    part = exact.partitions_of(keys.tobytes(), partitions)
    for p in np.unique(part).tolist():
        rows = np.flatnonzero(part == p)
        out[rows], found[rows] = read_band_store(band_store_path(spill_dir, p), keys[rows], bands)
    return out, found


def read_forms(refs, article_ids: list[str]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """The matching forms and exact keys of pending paragraphs that :func:`write_forms` stored,
    by reference, as columns: ``refs`` are ``(forms file path, row)`` or None (an article
    without pending body paragraphs), ``article_ids`` the articles they belong to.

    Returns:
        ``(owner: int64, index: int32, forms, keys: uint8 (m, 16))``, one entry per pending
        paragraph; ``owner`` is the position of its reference in ``refs``.

    Raises:
        OSError: a file is missing or unreadable; IndexError: a row is out of range;
        ValueError: a row holds another article than the one given.
    """
    refs = list(refs)
    given = [k for k, r in enumerate(refs) if r is not None]
    rows = read_refs(refs[k] for k in given)
    for k, r in zip(given, rows):
        if r[0] != article_ids[k]:
            raise ValueError(f"{refs[k][0]} row {refs[k][1]} holds the forms of {r[0]!r}, not of {article_ids[k]!r}")
    index = np.frombuffer(b"".join(r[1] for r in rows), dtype="<i4")
    owner = np.repeat(np.array(given, dtype=np.int64), [len(r[1]) // 4 for r in rows])
    forms = "\n".join(r[2] for r in rows).split("\n") if rows else []
    keys = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.uint8).reshape(-1, exact.KEY_BYTES)
    return owner, index, forms, keys
