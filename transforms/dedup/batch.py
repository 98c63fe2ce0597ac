"""Batched dedup logic (no Beam import): the same decisions as :mod:`transforms.dedup.core`,
computed for many articles or many exact groups at once so that Beam's per-element cost and
Python's per-shingle cost are paid per batch.

- :func:`dedup_within_batch`: within-article decisions and across-article candidates of a
  batch of articles; shingle hashes of the whole batch in one Arrow/numpy pass
  (:func:`minhash.hash_forms`), within-article similarities from one sort of
  ``(article, shingle hash)`` pairs (only pairs sharing a shingle are compared).
- :func:`node_band_hashes` and :func:`lsh_entries`: MinHash signatures and LSH band hashes
  of an exact partition's group representatives, split into hash-range partitions (one
  shuffle element per exact partition and LSH partition: a ``(path, row)`` reference into
  the exact partition's spill file of band hashes and node rows).
- :func:`verify_entries`: the buckets of one LSH partition; each distinct candidate pair is
  verified once, with the same pair rule as :func:`core.verify_bucket`, reading shingle sets
  (and, for hot buckets above ``max_bucket_size + 1`` members, keep order) from the node
  stores; :func:`leader_edges` verifies a hot bucket in O(members) comparisons.
"""
from __future__ import annotations

import numpy as np

from transforms.columns import offsets_of, take_ragged
from transforms.dedup import core, minhash
from transforms.records import (
    DROPPED_RULE, DUPLICATE_WITHIN, EMPTY, KEPT, TITLE, Article, Candidate, paragraph_id,
)

_EMPTY = np.zeros(0, dtype=np.uint32)


def shingle_arrays(forms: list[str], cfg, unique: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_sets` as one ragged array: ``(values, offsets)``, uint32 ``values[offsets[i]:offsets[i + 1]]``
    are form i's hashes; ``offsets`` int64 ``(len(forms) + 1,)``."""
    words = [f.isascii() or not core.is_no_space_script(f) for f in forms]
    if all(words):  # no form of a script without spaces (the common case): one call
        return minhash.hash_forms(forms, cfg.shingle_size, unique)
    values, offsets = minhash.hash_forms([f for f, w in zip(forms, words) if w], cfg.shingle_size, unique)
    bounds = offsets.tolist()
    parts, k = [], 0
    for f, w in zip(forms, words):
        if w:
            parts.append(values[bounds[k]: bounds[k + 1]])
            k += 1
        else:
            sh = core.shingles(f, cfg.shingle_size, cfg.char_shingle_size)
            parts.append(minhash.hash_shingles(sh) if sh else _EMPTY)
    return (np.concatenate(parts) if parts else _EMPTY), offsets_of([len(p) for p in parts])


def shingle_sets(forms: list[str], cfg, unique: bool = True) -> list[np.ndarray]:
    """Sorted unique shingle hashes of each matching form (word n-grams; character n-grams for
    scripts without spaces), equal to ``minhash.hash_shingles(core.shingles(form, ...))``;
    with ``unique=False``, word n-gram hashes are in token order with repeats (for signatures only)."""
    return _rows(*shingle_arrays(forms, cfg, unique))


def _rows(values: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """The rows of a ragged array as views: ``[values[offsets[i]:offsets[i + 1]], ...]``."""
    bounds = offsets.tolist()
    return [values[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


def _shared_shingle_similarities(groups: np.ndarray, values: np.ndarray, offsets: np.ndarray,
                                 threshold: float) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every pair of sets in the same group that share a shingle and reach
    ``threshold``: ``{(i, j): similarity}`` with ``i < j`` (positions in the ragged array
    ``(values, offsets)`` of sorted unique shingle hashes; ``groups``: int64, one per set)."""
    lengths = np.diff(offsets)
    n = len(lengths)
    if not len(values):
        return {}
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys = (np.repeat(groups.astype(np.uint64), lengths) << np.uint64(32)) | values.astype(np.uint64)
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    pairs = []
    for d in range(1, len(keys)):
        same = keys[d:] == keys[:-d]
        if not same.any():
            break
        pairs.append(owner[:-d][same] * n + owner[d:][same])
    if not pairs:
        return {}
    codes, inter = np.unique(np.concatenate(pairs), return_counts=True)
    a, b = codes // n, codes % n
    sims = inter / (lengths[a] + lengths[b] - inter)
    hit = sims >= threshold
    return {(int(x), int(y)): float(s) for x, y, s in zip(a[hit], b[hit], sims[hit])}


# decisions (core.decisions_to_wire tuples) that are the same for every paragraph they apply to
_TITLE = (0, TITLE, None, None, None, None, None)
_NO_TITLE = (0, TITLE, "no_title", None, None, None, None)


def _rule_decision(index: int, text: str, rule_of: dict, clean_cfg) -> tuple | None:
    """The decision of a paragraph that is not compared with others (over the paragraph limit,
    dropped by a cleaning rule, empty, over-long), as a wire tuple; None for one to compare."""
    if index > clean_cfg.max_paragraphs_per_article:
        return (index, DROPPED_RULE, "max_paragraphs_per_article", None, None, None, None)
    if index > 0 and (index - 1) in rule_of:
        return (index, DROPPED_RULE, rule_of[index - 1], None, None, None, None)
    if not text.strip():
        return (index, EMPTY, "empty", None, None, None, None) if index > 0 else _NO_TITLE
    if len(text) > clean_cfg.max_paragraph_chars:
        return (index, DROPPED_RULE, "max_paragraph_chars", None, None, None, None)
    return None


def dedup_within_batch(articles: list[Article], clean_cfg, cfg, wire: bool = False) -> list[tuple[list, list]]:
    """:func:`core.dedup_within` for a batch of articles, with the same result per article.

    Matching forms (:func:`core.matching_forms`), exact keys and shingle hashes
    (:func:`shingle_arrays`) are computed for the whole batch at once; within-article
    similarities come from one sort of ``(article, shingle hash)`` pairs (only pairs sharing a
    shingle are compared); the keep rule then visits each paragraph once, and one with no
    earlier equal form nor near-duplicate in its article (most) takes the short way. The rare
    paragraphs of empty matching form are set aside first: symbol lines are decided by exact
    key among themselves (:func:`_decide_symbols`), bare datelines are not compared.

    Args:
        wire: give each article's decisions as :func:`core.decisions_to_wire` tuples (what the
            batch pipeline spills) instead of :class:`ParagraphDecision` records.

    Returns:
        one ``(decisions, pending)`` per article, as :func:`core.dedup_within` returns them
        (decisions in the order that function gives: those decided without comparison by
        index, then the compared ones by index).
    """
    longest, limit = clean_cfg.max_paragraph_chars, clean_cfg.max_paragraphs_per_article
    texts: list[str] = []  # the paragraphs to compare (title: index 0), by article and index
    row_pos: list[int] = []  # their article's position in the batch
    row_index: list[int] = []  # and index in it
    early: dict[int, list[tuple]] = {}  # article position -> decisions made without comparison
    for pos, article in enumerate(articles):
        paragraphs = (article.title or "", *article.paragraphs)
        if (not article.rule_drops and len(paragraphs) <= limit + 1 and all(map(str.strip, paragraphs))
                and max(map(len, paragraphs)) <= longest):  # every paragraph is compared (most articles)
            texts += paragraphs
            row_pos += [pos] * len(paragraphs)
            row_index += range(len(paragraphs))
            continue
        rule_of = dict(article.rule_drops)
        for index, text in enumerate(paragraphs):
            decision = _rule_decision(index, text, rule_of, clean_cfg)
            if decision is None:
                texts.append(text)
                row_pos.append(pos)
                row_index.append(index)
            else:
                early.setdefault(pos, []).append(decision)
    forms = core.matching_forms(texts, cfg.strip_datelines)
    symbols: list[tuple[int, int, bytes]] = []  # (article position, index, exact key) of symbol lines
    if not all(forms):  # no letter or digit (rare): exact match on core.symbol_form only, or not compared
        symbols = _symbol_rows(texts, row_pos, row_index, forms, early)
        compared = [r for r, form in enumerate(forms) if form]
        row_pos, row_index, forms = [row_pos[r] for r in compared], [row_index[r] for r in compared], [forms[r] for r in compared]
    decisions: list[list[tuple]] = [sorted(early[pos]) if pos in early else [] for pos in range(len(articles))]
    keys = core.exact_keys(forms)
    values, offsets = shingle_arrays(forms, cfg)
    sets = _rows(values, offsets)
    sims = _shared_shingle_similarities(np.array(row_pos, dtype=np.int64), values, offsets, cfg.threshold)
    short = core.exact_only(forms, cfg)
    if short is not None:  # too short for near-duplicate matching across articles: goes on without shingles
        for r in np.flatnonzero(short).tolist():
            sets[r] = _EMPTY
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for (i, j), s in sims.items():
        neighbours.setdefault(j, []).append((i, s))
    pending: list[list] = [[] for _ in articles]
    kept = [False] * len(forms)
    seen: dict[bytes, int] = {}  # exact key -> first kept row, in the current article
    current = -1
    for r, (pos, index, key, form) in enumerate(zip(row_pos, row_index, keys, forms)):
        if pos != current:
            seen, current = {}, pos
        same, near = seen.get(key), neighbours.get(r)
        if same is None and near is None:  # nothing earlier in the article like it: kept
            kept[r] = True
            seen[key] = r
            if index:
                pending[pos].append((index, key, sets[r], form))
            else:
                decisions[pos].append(_TITLE)
            continue
        # The best earlier kept paragraph: highest similarity, then earliest (as core.dedup_within).
        best = None if same is None else (1.0, row_index[same])
        for i, s in near or ():
            if kept[i] and (best is None or s > best[0] or (s == best[0] and row_index[i] < best[1])):
                best = (s, row_index[i])
        if index == 0:
            decisions[pos].append(_TITLE)
        elif best is not None:
            decisions[pos].append((index, DUPLICATE_WITHIN, "near" if best[0] < 1.0 else "exact", None,
                                   paragraph_id(articles[pos].article_id, best[1]), round(best[0], 6), None))
            continue
        else:
            pending[pos].append((index, key, sets[r], form))
        kept[r] = True
        seen.setdefault(key, r)
    if symbols:
        _decide_symbols(symbols, articles, early, decisions, pending)
    if not wire:
        decisions = [core.decisions_from_wire(a, d) for a, d in zip(articles, decisions)]
    return list(zip(decisions, pending))


def _symbol_rows(texts: list[str], row_pos: list[int], row_index: list[int], forms: list[str],
                 early: dict[int, list[tuple]]) -> list[tuple[int, int, bytes]]:
    """The rows of empty matching form: ``[(article position, index, exact key)]`` of those
    without a letter or digit (:func:`core.symbol_form`: compared by exact key); the others (a
    bare wire dateline) are decided here, in ``early``: content, never compared (``no_matching_text``)."""
    out = []
    for text, pos, index, form in zip(texts, row_pos, row_index, forms):
        if form:
            continue
        symbol = core.symbol_form(text)
        if symbol:
            out.append((pos, index, core.exact_key(symbol)))
        else:
            early.setdefault(pos, []).append((index, TITLE if index == 0 else KEPT, "no_matching_text", None, None, None, None))
    return out


def _decide_symbols(symbols: list[tuple[int, int, bytes]], articles: list[Article], early: dict,
                    decisions: list[list[tuple]], pending: list[list]) -> None:
    """Within-article decisions of symbol lines (:func:`_symbol_rows`, in article and index
    order), in place: a line equal (same key) to an earlier one of its article, title included,
    is ``duplicate_within``/``exact`` of the first; the others go on to across-article dedup as
    pending paragraphs with no shingles (form ''), exact path only. Each touched article's
    compared decisions and pending paragraphs are put back in index order."""
    first: dict[tuple[int, bytes], int] = {}  # (article position, key) -> index of the first line
    for pos, index, key in symbols:
        earlier = first.setdefault((pos, key), index)
        if index == 0:
            decisions[pos].append(_TITLE)
        elif earlier != index:
            decisions[pos].append((index, DUPLICATE_WITHIN, "exact", None, paragraph_id(articles[pos].article_id, earlier), 1.0, None))
        else:
            pending[pos].append((index, key, _EMPTY, ""))
    for pos in dict.fromkeys(pos for pos, _, _ in symbols):
        done = len(early.get(pos, ()))  # the decisions made without comparison come first
        decisions[pos][done:] = sorted(decisions[pos][done:])
        pending[pos].sort(key=lambda p: p[0])


def candidates(articles: list[Article], pendings: list[list], ranks: list[tuple], cfg) -> list[list[Candidate]]:
    """Shuffle-ready candidates of the pending paragraphs of a batch of articles, with LSH band
    keys when ``cfg`` is given (:func:`minhash.band_keys`; signatures of the whole batch in one call). Paragraphs
    shorter than one shingle get no band keys (exact-match path only). The band keys serve the
    release index and streaming dedup; :class:`DedupAcrossArticles` bands exact-group
    representatives from their shingles itself.

    Returns:
        one list of :class:`Candidate` per article.
    """
    sets = [h for pending in pendings for _, _, h, _ in pending if len(h)] if cfg is not None else []
    keys = iter(minhash.band_keys(minhash.signatures(sets, cfg.num_perm, cfg.seed), cfg.bands, cfg.rows)) if sets else iter(())
    flat = [h for pending in pendings for _, _, h, _ in pending]
    raw = np.concatenate(flat).astype("<u4", copy=False).tobytes() if flat else b""  # one copy, then slices
    ends = iter(offsets_of([4 * len(h) for h in flat])[1:].tolist())
    out, start = [], 0
    for article, pending, rank in zip(articles, pendings, ranks):
        cands = []
        for index, key, hashes, _ in pending:
            end = next(ends)
            cands.append(Candidate((*rank, index), article.article_id, index, article.domain, key, raw[start:end],
                                   next(keys) if end > start and cfg is not None else b""))
            start = end
        out.append(cands)
    return out


# ---------------------------------------------------------------- batched LSH
band_hashes = minhash.band_hashes  # the one band-hash definition (also the release index's and streaming's)


def lsh_partition_count(exact_partitions: int) -> int:
    """Hash-range partitions of the LSH shuffle: :data:`LSH_PER_EXACT` per exact partition
    (which scale with the input's bytes, :func:`transforms.dedup.exact.partition_count`), so
    the shuffle spreads as the corpus grows and each partition's band entries stay small."""
    return int(min(4 * 4096, max(1, exact_partitions * LSH_PER_EXACT)))


LSH_PER_EXACT = 4


def node_band_hashes(shingles: np.ndarray, offsets: np.ndarray, bands: np.ndarray, band_offsets: np.ndarray, cfg,
                     chunk: int = 4096) -> np.ndarray:
    """LSH band hashes of n exact-group representatives: uint64 ``(n, cfg.bands)``.

    A representative that carries band hashes (an earlier release's paragraph, from its index:
    a non-empty slice of ``bands``) uses them as stored; MinHash signatures
    (:func:`minhash.signatures_flat`, ``chunk`` sets at a time) are computed only for the others.

    Args:
        shingles, offsets: sorted unique uint32 shingle hashes of each representative (non-empty).
        bands, band_offsets: stored uint64 band hashes (empty slice: none).
    """
    n = len(offsets) - 1
    h = np.empty((n, cfg.bands), dtype=np.uint64)
    has = np.diff(band_offsets) > 0
    if has.any():
        h[has] = bands.reshape(-1, cfg.bands)
    todo = np.flatnonzero(~has)
    for lo in range(0, len(todo), chunk):
        rows = todo[lo: lo + chunk]
        values, offs = take_ragged(shingles, offsets, rows)
        h[rows] = band_hashes(minhash.signatures_flat(values, offs, cfg.num_perm, cfg.seed), cfg.bands, cfg.rows)
    return h


def lsh_entries(h: np.ndarray, partitions: int) -> list[tuple[int, bytes, bytes]]:
    """The band entries of n nodes split by hash range: ``[(partition, band hashes: uint64 bytes,
    node rows: int32 bytes)]``, partitions ascending, entries by band hash (one entry per node
    and band; an LSH bucket is all entries of equal band hash, so it lies in one partition).

    Args:
        h: uint64 ``(n, bands)`` (:func:`node_band_hashes`).
    """
    n, bands = h.shape
    flat = h.ravel()
    owner = np.repeat(np.arange(n, dtype=np.int32), bands)
    part = (flat >> np.uint64(32)) * np.uint64(partitions) >> np.uint64(32)  # hash range, not modulo
    order = np.lexsort((flat, part))
    flat, owner, part = flat[order], owner[order], part[order]
    bounds = np.searchsorted(part, np.arange(partitions + 1, dtype=np.uint64)).tolist()
    return [(p, flat[lo:hi].astype("<u8").tobytes(), owner[lo:hi].astype("<i4").tobytes())
            for p, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])) if hi > lo]


def locators(source: int, rows: np.ndarray) -> np.ndarray:
    """Node locators (int64): ``source << 32 | row`` (source: the node store, an exact partition)."""
    return (np.int64(source) << np.int64(32)) | np.asarray(rows, dtype=np.int64)


def shared_buckets(h: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries ``(h, o)`` (bucket hash, node) of buckets with two entries or more (few of them)."""
    ordered = np.sort(h)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return h[:0], o[:0]
    at = np.minimum(np.searchsorted(repeated, h), len(repeated) - 1)
    shared = repeated[at] == h
    return h[shared], o[shared]


def candidate_pairs(h: np.ndarray, o: np.ndarray, rank: np.ndarray, max_bucket_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct candidate pairs of LSH buckets (:func:`core.verify_bucket`'s pair rule).

    Args:
        h, o: bucket hash and node of each entry (any order; repeats allowed).
        rank: keep-order rank of each node (only the ranks of nodes that share a bucket are read).

    Returns:
        ``(a, b)`` int64 node arrays, a before b in keep order, each pair once (sorted by a, b).
        In a bucket, members (distinct nodes) sorted by keep order are each paired with the
        earlier members up to ``max_bucket_size``.
    """
    h, o = shared_buckets(h, o)
    if not len(h):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((rank[o], h))  # by bucket, then keep order
    h, o = h[order], o[order]
    keep = np.concatenate(([True], (h[1:] != h[:-1]) | (o[1:] != o[:-1])))  # one entry per (bucket, node)
    h, o = h[keep], o[keep]
    starts = np.flatnonzero(np.concatenate(([True], h[1:] != h[:-1])))
    sizes = np.diff(np.append(starts, len(h)))
    # entry e at position j of its bucket pairs with positions 0 .. min(j, max_bucket_size) - 1
    pos = np.arange(len(h), dtype=np.int64) - np.repeat(starts, sizes)
    count = np.minimum(pos, max_bucket_size)
    later = np.repeat(np.arange(len(h), dtype=np.int64), count)
    earlier = np.repeat(np.arange(len(h), dtype=np.int64) - pos, count) + (
        np.arange(count.sum(), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count))
    if not len(later):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes = np.unique(o[earlier] * np.int64(len(rank)) + o[later])
    return codes // len(rank), codes % len(rank)


def pair_jaccard(values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, chunk: int = 1 << 22) -> np.ndarray:
    """Exact Jaccard of sets ``a[i]`` and ``b[i]`` (sorted unique uint32 slices of ``values``), as
    :func:`minhash.exact_jaccard` computes it, for many pairs at once: the two sets of a pair
    are tagged with the pair's number and sorted together; equal neighbours are the
    intersection. ``chunk`` bounds the shingles sorted at a time. Returns float64 ``(len(a),)``."""
    lengths = np.diff(offsets)
    la, lb = lengths[a], lengths[b]
    inter = np.zeros(len(a), dtype=np.int64)
    total = np.cumsum(la + lb)
    lo = 0
    while lo < len(a):
        hi = max(lo + 1, int(np.searchsorted(total, (total[lo - 1] if lo else 0) + chunk, side="right")))
        ids = np.arange(lo, hi, dtype=np.int64)
        va, _ = take_ragged(values, offsets, a[lo:hi])
        vb, _ = take_ragged(values, offsets, b[lo:hi])
        tag = np.concatenate((np.repeat(ids, la[lo:hi]), np.repeat(ids, lb[lo:hi]))).astype(np.uint64) << np.uint64(32)
        keys = np.sort(tag | np.concatenate((va, vb)).astype(np.uint64))
        same = keys[1:] == keys[:-1]
        inter[lo:hi] = np.bincount((keys[1:][same] >> np.uint64(32)).astype(np.int64) - lo, minlength=hi - lo)
        lo = hi
    union = la + lb - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def leader_edges(members: np.ndarray, similarity, cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verified edges of one hot bucket (more than ``max_bucket_size + 1`` members) by sequential
    leader clustering (Hartigan, *Clustering Algorithms*, 1975, ch. 3): members are visited in
    keep order and compared with the bucket's **leaders**, the earlier members that matched no
    earlier leader; a member that matches a leader gets an edge to each leader it matches and
    is not a leader. At most ``max_bucket_size`` leaders are made (the first ones).

    A hot bucket is a template line with a counter or date, a footer copied with small edits:
    nearly all its members match its first member, so this costs O(n) comparisons where pairing
    every member with every earlier one costs O(n * max_bucket_size) comparisons and edges.

    Args:
        members: int64 node numbers sorted by keep order.
        similarity: ``(a, b) -> float64`` similarity of node arrays ``a[i]``, ``b[i]``.

    Returns:
        ``(leader, member, similarity)`` arrays of the edges at or above ``cfg.threshold``.
    """
    n = len(members)
    follower = np.zeros(n, dtype=bool)
    out_a, out_b, out_s = [], [], []
    i = leaders = 0
    while leaders < cfg.max_bucket_size and i < n - 1:
        if follower[i]:  # go to the next member that matched no leader
            rest = np.flatnonzero(~follower[i:])
            if not len(rest):
                break
            i += int(rest[0])
            continue
        later = members[i + 1:]
        sims = similarity(np.full(len(later), members[i], dtype=np.int64), later)
        hit = np.flatnonzero(sims >= cfg.threshold)
        out_a.append(np.full(len(hit), members[i], dtype=np.int64))
        out_b.append(later[hit])
        out_s.append(sims[hit])
        follower[i + 1 + hit] = True
        leaders += 1
        i += 1
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_s)


def verify_entries(h: np.ndarray, loc: np.ndarray, shingles_of, orders_of, cfg) -> list[tuple[int, int, float]]:
    """All LSH buckets of one partition: verified edges, each distinct candidate pair verified once.

    The pair rule is :func:`core.verify_bucket`'s (Leskovec, Rajaraman and Ullman, *Mining of
    Massive Datasets*, ch. 3.4): in a bucket (equal band hash) of at most ``max_bucket_size + 1``
    distinct nodes every pair is a candidate (made in numpy, :func:`candidate_pairs`); a larger
    (hot) bucket is verified by :func:`leader_edges`, so only its members' keep orders are
    read. Shingle sets are read only for nodes of candidate pairs and hot buckets.

    Args:
        h, loc: band hash (uint64) and node locator (int64, :func:`locators`) of each entry.
        shingles_of: sorted unique locators -> ``(uint32 values, int64 offsets)`` of their
            shingle sets, in that order.
        orders_of: sorted unique locators -> their keep-order keys (list).

    Returns:
        ``(locator, locator, similarity)`` with the smaller locator first, each pair once,
        similarity (exact Jaccard, or the signature estimate with ``verify: signature``)
        rounded to 6 places and at least ``cfg.threshold``.
    """
    h, o = shared_buckets(h, loc)
    if not len(h):
        return []
    nodes, inv = np.unique(o, return_inverse=True)
    inv = inv.reshape(-1)
    pairs = np.unique(np.stack((h, inv.astype(np.uint64)), axis=1), axis=0)  # distinct (bucket, node)
    _, starts, sizes = np.unique(pairs[:, 0], return_index=True, return_counts=True)
    hot = sizes > cfg.max_bucket_size + 1
    small = ~np.repeat(hot, sizes)
    x, y = candidate_pairs(pairs[small, 0], pairs[small, 1].astype(np.int64),
                           np.arange(len(nodes), dtype=np.int64), cfg.max_bucket_size)
    hot_members = [pairs[s: s + n, 1].astype(np.int64) for s, n in zip(starts[hot].tolist(), sizes[hot].tolist())]
    if hot_members:
        need = np.unique(np.concatenate(hot_members))
        orders = orders_of(nodes[need])
        rank = np.empty(len(nodes), dtype=np.int64)
        rank[need[sorted(range(len(need)), key=orders.__getitem__)]] = np.arange(len(need))
        hot_members = [m[np.argsort(rank[m], kind="stable")] for m in hot_members]
    if not len(x) and not hot_members:
        return []
    used = np.unique(np.concatenate([x, y] + hot_members))
    values, offsets = shingles_of(nodes[used])
    if cfg.verify == "signature":
        sigs = minhash.signatures_flat(values, offsets, cfg.num_perm, cfg.seed)

    def similarity(p, q):  # node numbers -> similarities
        a, b = np.searchsorted(used, p), np.searchsorted(used, q)
        if cfg.verify == "signature":
            return np.count_nonzero(sigs[a] == sigs[b], axis=1) / cfg.num_perm
        return pair_jaccard(values, offsets, a, b)

    parts = [(x, y, similarity(x, y))] if len(x) else []
    parts += [leader_edges(m, similarity, cfg) for m in hot_members]
    xs, ys, sims = (np.concatenate(c) for c in zip(*parts))
    hit = np.flatnonzero(sims >= cfg.threshold)
    la, lb = nodes[xs[hit]], nodes[ys[hit]]
    lo, hi = np.minimum(la, lb), np.maximum(la, lb)
    if hot_members:  # a pair of a hot bucket may also share a small bucket: keep it once
        _, first = np.unique(np.stack((lo, hi), axis=1), axis=0, return_index=True)
        first.sort()
        lo, hi, hit = lo[first], hi[first], hit[first]
    return list(zip(lo.tolist(), hi.tolist(), [round(s, 6) for s in sims[hit].tolist()]))
