"""The release index: what a published release contributes to the dedup of later runs (no Beam).

Every release carries ``index/``: one row per paragraph that the across-article keep rule kept
(status ``kept``, plus paragraphs kept by that rule and dropped afterwards by the article-level
rules: ``duplicate_across``/``exact_article`` and ``duplicate_article``), with its exact key
(a line without letters or digits is indexed too: form '', the key of :func:`core.symbol_form`),
its matching form (zstd compresses text far better than shingle hashes; a later run re-hashes
its shingles for exact-Jaccard verification) and its LSH band hashes (:func:`minhash.band_hashes`,
the same values the batched LSH computes), so a later run (``--dedup-against``) reads them
without recomputing a signature: an exact group whose representative is an earlier release's
paragraph is banded with the stored hashes (``GroupNode.bands``).

Earlier-release paragraphs enter :class:`transforms.dedup.transforms.DedupAcrossArticles` as
ordinary :class:`Candidate` records whose ``article_id`` is :func:`release_article_id`
(``"\\x00<ordinal>\\x00<article_id>"``: no real id starts with NUL), whose keep-order key sorts
before every new paragraph (``(-inf, ordinal, *original order)``) and whose ``domain`` is None
(they never count towards the site-boilerplate rule of the new run). Their own decisions are
discarded after dedup; a new paragraph whose ``duplicate_of`` (or ``cluster_id``) names one of
them gets the real paragraph id back and ``duplicate_of_release`` = that release's name.

Which parameters must match (:data:`INDEX_PARAMS`): everything that changes an exact key, a
shingle hash or a band hash. The threshold, ``verify``, keep order and boilerplate settings may
differ: verification is recomputed from the stored matching forms.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms import columns
from transforms.dedup import batch, core, minhash
from transforms.records import BOILERPLATE, DUPLICATE_ACROSS, DUPLICATE_ARTICLE, KEPT, Candidate, paragraph_id

# Fixed by the code (transforms/dedup/minhash.py); recorded so a future change is detected. v1
# (before 2026-11-29) stored xxh64 band keys, which the batched LSH does not use: refused.
HASH_SCHEME = "v2: xxh32-chain shingle hashes; datasketch affine32 MinHash; splitmix64 band hashes (minhash.band_hashes)"
INDEX_PARAMS = ("shingle_size", "char_shingle_size", "strip_datelines", "num_perm", "seed", "bands", "rows")
_PREFIX = "\x00"
_compact_json = json.JSONEncoder(separators=(",", ":")).encode

INDEX_SCHEMA = pa.schema([
    pa.field("paragraph_id", pa.string(), nullable=False),
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("index", pa.int32(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("order_key", pa.string(), nullable=False),  # JSON list: the keep-order key in its run
    pa.field("exact_key", pa.binary(16), nullable=False),
    pa.field("form", pa.large_string(), nullable=False),  # the matching form (shingles are re-hashed from it)
    pa.field("band_hashes", pa.list_(pa.uint64()), nullable=False),  # minhash.band_hashes; band = position
])


class IndexMismatch(ValueError):
    """An earlier release cannot be used with this run's dedup settings (one-line message)."""


def index_params(dedup_cfg) -> dict:
    """The dedup parameters a release index depends on, plus the fixed hash scheme."""
    return {"hash_scheme": HASH_SCHEME, **{k: getattr(dedup_cfg, k) for k in INDEX_PARAMS}}


def in_index(index: pa.Array, status: pa.Array, reason: pa.Array) -> pa.BooleanArray:
    """Which paragraphs (given their ``index``, ``status`` and ``reason`` columns) go to the index:
    the body paragraphs that the across-article keep rule kept (see module docstring), symbol
    lines included; not a line left uncompared (``no_matching_text``: a bare wire dateline) nor a
    short line's second occurrence in its article (``short_repeat``, :func:`core.keep_repeats`:
    its first occurrence is there with the same exact key)."""
    def equal(column, value):
        return pc.fill_null(pc.equal(column, value), False)

    body = pc.and_(pc.not_equal(index, 0), pc.invert(pc.fill_null(pc.is_in(reason, pa.array(["no_matching_text", core.SHORT_REPEAT])), False)))
    kept = pc.or_(pc.is_in(status, pa.array([KEPT, DUPLICATE_ARTICLE])),
                  pc.and_(equal(status, DUPLICATE_ACROSS), equal(reason, "exact_article")))
    return pc.and_(body, kept)


def index_batch(items: list[tuple], cfg, pending: tuple | None = None, stored_bands=None) -> pa.RecordBatch:
    """Index rows of a batch of assembled articles ``[(Article, [ParagraphDecision], dup_article)]``.

    Which paragraphs: :func:`in_index`, on the batch's columns. Matching forms, exact keys and
    band hashes are what the dedup stage computed, taken from it when given (the pipeline), else
    recomputed from the paragraph text exactly as the dedup stage computes them (deterministic
    functions of the text and the config): :func:`core.paragraph_key` (matching form and exact key),
    shingle hashes with :func:`batch.shingle_sets` for the whole batch at once, one signature
    matrix (:func:`minhash.signatures`) and one :func:`minhash.band_hashes` call. Paragraphs
    shorter than one shingle get an empty ``band_hashes`` list (exact-match path only), and so
    do those under this run's near-matching bar (:func:`core.exact_only`: ``dedup.min_words_near``
    / ``min_words_across``), which a later run with the same bar matches by exact key only
    (:func:`read_candidates`); a later run with a lower bar computes their hashes from the stored
    form (:func:`batch.node_band_hashes`), so the index format is unchanged and an index written
    before session 10 (hashes for every paragraph) reads as before.

    Args:
        pending: ``(owner: int64, index: int32, forms, keys: uint8 (m, 16))``, the pending
            paragraphs' matching forms and exact keys as the within-article step computed them
            (:func:`spilled.read_forms`; owner = position in ``items``); other chosen
            paragraphs (a bare wire dateline, never compared, that an article-level rule turned into
            ``duplicate_article``) are recomputed. None: all are recomputed.
        stored_bands: ``keys (m, 16) uint8 -> (uint64 (m, bands), found bool (m,))``, the band
            hashes the across-article stage computed for exact groups' representatives
            (:func:`spilled.band_hashes_of`; every member of a group has the representative's
            shingle set, so its band hashes); asked only for paragraphs found in ``pending``.
            Paragraphs not found are computed. None: all are computed.

    Returns:
        a record batch of :data:`INDEX_SCHEMA`, rows in article then paragraph order.
    """
    decisions, owner = columns.flatten(items)
    c = columns.attribute_arrays(decisions, {"index": pa.int32(), "status": pa.string(), "reason": pa.string()})
    chosen = pc.indices_nonzero(in_index(c["index"], c["status"], c["reason"]))
    owners = owner.take(chosen).to_pylist()
    prefix = {}  # article -> JSON of (*rank, index) without its closing "]": the article's part encoded once
    for o in dict.fromkeys(owners):
        article = items[o][0]
        prefix[o] = _compact_json(list(core.order_rank(article, cfg.keep_order, cfg.source_priority)))[:-1]
    index = c["index"].take(chosen)
    indexes = index.to_pylist()
    forms, keys, known = _forms(decisions, chosen.to_pylist(), np.array(owners, dtype=np.int64),
                                np.array(indexes, dtype=np.int64), pending, cfg)
    hashes = np.zeros((len(forms), cfg.bands), dtype=np.uint64)
    banded = np.zeros(len(forms), dtype=bool)
    short = core.exact_only(forms, cfg)  # matched by exact key only: their band hashes would never be read
    wanted = ~short if short is not None else np.ones(len(forms), dtype=bool)
    if stored_bands is not None and (known & wanted).any():
        hashes[known & wanted], banded[known & wanted] = stored_bands(keys[known & wanted])
    todo = np.flatnonzero(~banded & wanted)
    if len(todo):
        hashes[todo], banded[todo] = computed_band_hashes([forms[r] for r in todo.tolist()], cfg)
    offsets = np.concatenate([[0], np.cumsum(banded * cfg.bands)]).astype(np.int32)
    article_id = pa.array([items[o][0].article_id for o in owners], type=pa.string())
    key_type = INDEX_SCHEMA.field("exact_key").type
    return columns.record_batch(INDEX_SCHEMA, {
        "paragraph_id": pc.binary_join_element_wise(article_id, pc.cast(index, pa.string()), "/"),
        "article_id": article_id, "index": index, "status": c["status"].take(chosen),
        "order_key": [f"{prefix[o]},{i}]" for o, i in zip(owners, indexes)],
        "exact_key": pa.FixedSizeBinaryArray.from_buffers(key_type, len(keys), [None, pa.py_buffer(keys.tobytes())]),
        "form": forms,
        "band_hashes": pa.ListArray.from_arrays(pa.array(offsets), pa.array(hashes[banded].ravel()),
                                                type=INDEX_SCHEMA.field("band_hashes").type),
    })


def _forms(decisions: list, chosen: list[int], owners: np.ndarray, indexes: np.ndarray, pending,
           cfg) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Matching forms and exact keys (uint8 ``(n, 16)``) of the chosen paragraphs, and which of
    them came from ``pending`` (see :func:`index_batch`): looked up by (owner, index)."""
    n = len(chosen)
    forms: list = [None] * n
    keys = np.zeros((n, 16), dtype=np.uint8)
    known = np.zeros(n, dtype=bool)
    if pending is not None and len(pending[0]):
        p_owner, p_index, p_forms, p_keys = pending
        p_code = (np.asarray(p_owner, dtype=np.int64) << 32) | np.asarray(p_index, dtype=np.int64)
        order = np.argsort(p_code, kind="stable")
        p_code = p_code[order]
        at = np.minimum(np.searchsorted(p_code, (owners << 32) | indexes), len(p_code) - 1)
        known = p_code[at] == ((owners << 32) | indexes)
        rows = order[at[known]]
        keys[known] = p_keys[rows]
        for k, r in zip(np.flatnonzero(known).tolist(), rows.tolist()):
            forms[k] = p_forms[r]
    for k in np.flatnonzero(~known).tolist():
        forms[k], key = core.paragraph_key(decisions[chosen[k]].text, cfg.strip_datelines)
        keys[k] = np.frombuffer(key, dtype=np.uint8)
    return forms, keys, known


def computed_band_hashes(forms: list[str], cfg) -> tuple[np.ndarray, np.ndarray]:
    """LSH band hashes of matching forms computed from their text: ``(uint64 (n, bands), banded
    bool (n,))``; a form shorter than one shingle is not banded (its row is zero).

    Shingle hashes with :func:`batch.shingle_sets` (token order, repeats kept: only the
    signature is taken), one signature matrix, one :func:`minhash.band_hashes` call: the values
    :func:`batch.node_band_hashes` computes for the same shingle set.
    """
    sets = batch.shingle_sets(forms, cfg, unique=False) if forms else []
    banded = np.array([len(s) > 0 for s in sets], dtype=bool)
    hashes = np.zeros((len(forms), cfg.bands), dtype=np.uint64)
    if banded.any():
        sigs = minhash.signatures([s for s, b in zip(sets, banded) if b], cfg.num_perm, cfg.seed)
        hashes[banded] = minhash.band_hashes(sigs, cfg.bands, cfg.rows)
    return hashes, banded


def release_article_id(ordinal: int, article_id: str) -> str:
    """The article id an earlier release's paragraph carries inside this run's dedup."""
    return f"{_PREFIX}{ordinal}{_PREFIX}{article_id}"


def split_release_id(value: str | None) -> tuple[int | None, str | None]:
    """Inverse of :func:`release_article_id` on a paragraph or article id: ``(ordinal | None, real id)``."""
    if value is None or not value.startswith(_PREFIX):
        return None, value
    ordinal, real = value[1:].split(_PREFIX, 1)
    return int(ordinal), real


def read_candidates(path: str, ordinal: int, cfg, batch_rows: int = 8192):
    """Yield the :class:`Candidate` of every row of one index Parquet file of release ``ordinal``.

    Band hashes are used as stored (no signature is computed; a group node whose representative
    carries them is banded without one), except for a paragraph under the near-matching bar
    (:func:`core.exact_only`: ``dedup.min_words_near`` / ``min_words_across`` of this run), which
    takes the exact path only, as this run's own short paragraphs do. Shingle hashes, needed to verify candidate pairs, are
    re-hashed from the stored matching forms a whole record batch at a time
    (:func:`batch.shingle_sets`).

    Raises:
        OSError: unreadable file; pyarrow errors for a file that is not Parquet or lacks a column.
    """
    pf = pq.ParquetFile(path)
    columns = ["article_id", "index", "order_key", "exact_key", "form", "band_hashes"]
    for rb in pf.iter_batches(batch_size=batch_rows, columns=columns):
        forms = rb.column("form").to_pylist()
        sets = batch.shingle_sets(forms, cfg)
        short = core.exact_only(forms, cfg)  # as this run's own short paragraphs: exact match only
        if short is not None:
            for i in np.flatnonzero(short).tolist():
                sets[i] = sets[i][:0]
        bands = rb.column("band_hashes")
        raw = pc.list_flatten(bands).to_numpy(zero_copy_only=False).astype("<u8").tobytes()
        offsets = bands.offsets.to_numpy()
        offsets = 8 * (offsets - offsets[0])
        for i, (aid, index, order_key, key) in enumerate(zip(
                *(rb.column(c).to_pylist() for c in ("article_id", "index", "order_key", "exact_key")))):
            yield Candidate(
                order=(float("-inf"), ordinal, *json.loads(order_key)),
                article_id=release_article_id(ordinal, aid), index=index, domain=None,
                exact_key=key, shingles=sets[i].astype("<u4").tobytes(),
                band_keys=raw[offsets[i]: offsets[i + 1]] if len(sets[i]) else b"",
            )


def separate(kv: tuple, names: tuple[str, ...]):
    """Route one across-article decision ``(article_id, (index, status, reason, cluster_id,
    duplicate_of, similarity))``.

    Returns:
        ``("new", (article_id, (index, status, reason, cluster_id, duplicate_of, similarity,
        duplicate_of_release)))`` for a paragraph of this run, with earlier-release ids made
        real; ``("boilerplate", (release, paragraph id, cluster_id))`` for an earlier-release
        paragraph that this run's boilerplate rule hit (the documented exception: the release is
        not modified); None for any other earlier-release paragraph.
    """
    article_id, (index, status, reason, cluster_id, dup_of, sim) = kv
    ordinal, real = split_release_id(article_id)
    _, cluster = split_release_id(cluster_id)
    if ordinal is not None:
        if status == BOILERPLATE:
            return "boilerplate", (names[ordinal], paragraph_id(real, index), cluster)
        return None
    dup_ordinal, dup_real = split_release_id(dup_of)
    release = names[dup_ordinal] if dup_ordinal is not None else None
    return "new", (article_id, (index, status, reason, cluster, dup_real, sim, release))


# ------------------------------------------------------------------ launcher side


def index_files(release: str) -> list[str]:
    """The index Parquet files of a release directory, sorted."""
    return sorted(str(p) for p in Path(release, "index").glob("*.parquet"))


def index_report(directory: str, dedup_cfg, release_name: str) -> dict:
    """The ``index`` section of ``report.json``: name, parameters, rows, bytes, bytes per paragraph."""
    files = index_files(directory)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    size = sum(os.path.getsize(f) for f in files)
    return {"release": release_name, "params": index_params(dedup_cfg), "paragraphs": rows, "bytes": size,
            "bytes_per_paragraph": round(size / rows, 1) if rows else None}


def check_release(release: str, dedup_cfg) -> str:
    """Check that an earlier release can be deduplicated against; return its name.

    Raises:
        IndexMismatch: not a directory, no ``_SUCCESS`` (unfinished), no index, index or
            report.json not as ``_SUCCESS`` lists them (damaged: sha256 or row count), or built
            with other parameters (the message names the first differing parameter and both values).
    """
    path = Path(release)
    if not path.is_dir():
        raise IndexMismatch(f"--dedup-against {release}: not a directory")
    if not (path / "_SUCCESS").is_file():
        raise IndexMismatch(f"--dedup-against {release}: no _SUCCESS (unfinished or not a newsetl release)")
    try:
        info = json.loads((path / "report.json").read_text(encoding="utf-8")).get("index")
    except (OSError, ValueError) as err:
        raise IndexMismatch(f"--dedup-against {release}: unreadable report.json ({err})") from None
    if not info:
        raise IndexMismatch(f"--dedup-against {release}: the release has no paragraph index (built by an older newsetl)")
    from transforms.write.core import damage  # write.core imports this module

    broken = damage(release, ("index/", "report.json"))
    if broken or not index_files(release):
        raise IndexMismatch(f"--dedup-against {release}: {broken or 'its index/ files are missing'}")
    mine = index_params(dedup_cfg)
    differs = [k for k in mine if info["params"].get(k) != mine[k]]
    if "hash_scheme" in differs:
        raise IndexMismatch(f"--dedup-against {release}: its index was built with hash scheme "
                            f"{info['params'].get('hash_scheme')!r}, this newsetl uses {HASH_SCHEME!r}; "
                            "rebuild that release with this newsetl")
    if differs:
        raise IndexMismatch(f"--dedup-against {release}: built with " + ", ".join(
            f"{k} {info['params'].get(k)!r} (this run: {mine[k]!r})" for k in differs))
    return info["release"]


def boilerplate_cases(tally_rows: list[dict]) -> list[dict]:
    """Earlier-release paragraphs that this run's boilerplate rule hit, from the tally rows."""
    cases = [json.loads(r["key"]) for r in tally_rows if r["kind"] == "release_boilerplate"]
    return [{"release": a, "paragraph_id": b, "cluster_id": c} for a, b, c in sorted(cases)]


def release_report(directory: str, dedup_cfg, release_name: str, against) -> dict:
    """Report sections of a run: ``index`` (this release's index) and ``dedup_against`` (the
    earlier releases and the boilerplate exception cases), from the written files."""
    tally = pq.read_table(Path(directory, "_tally")).to_pylist()
    dropped = Counter(v for v in pq.read_table(Path(directory, "paragraphs"), columns=["duplicate_of_release"])
                      .column(0).to_pylist() if v is not None)
    return {"index": index_report(directory, dedup_cfg, release_name),
            "dedup_against": {"releases": [{"path": str(p), "release": n, "paragraphs_dropped": dropped.get(n, 0)}
                                           for p, n in against],
                              "boilerplate_exceptions": boilerplate_cases(tally)}}
