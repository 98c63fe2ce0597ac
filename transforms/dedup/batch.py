"""Batched dedup logic (no Beam import): the same decisions as :mod:`transforms.dedup.core`,
computed for many articles or many exact groups at once so that Beam's per-element cost and
Python's per-shingle cost are paid per batch.

- :func:`dedup_within_batch`: within-article decisions and across-article candidates of a
  batch of articles; shingle hashes of the whole batch in one Arrow/numpy pass
  (:func:`minhash.hash_forms`), within-article similarities from one sort of
  ``(article, shingle hash)`` pairs (only pairs sharing a shingle are compared).
- :func:`band_partitions`: signatures and LSH band hashes of a batch of exact groups, split
  into hash-range partitions (one shuffle element per partition and batch).
- :func:`verify_partition`: the buckets of one partition; each distinct candidate pair is
  verified once, with the same pair rule as :func:`core.verify_bucket`.
"""
from __future__ import annotations

import numpy as np

from transforms.dedup import core, minhash
from transforms.records import (
    DROPPED_RULE, DUPLICATE_WITHIN, EMPTY, KEPT, TITLE, Article, Candidate, paragraph_id,
)

_EMPTY = np.zeros(0, dtype=np.uint32)


def shingle_sets(forms: list[str], cfg, unique: bool = True) -> list[np.ndarray]:
    """Sorted unique shingle hashes of each matching form (word n-grams; character n-grams for
    scripts without spaces), equal to ``minhash.hash_shingles(core.shingles(form, ...))``;
    with ``unique=False``, word n-gram hashes are in token order with repeats (for signatures only)."""
    words = [i for i, f in enumerate(forms) if f.isascii() or not core.is_no_space_script(f)]
    out: list[np.ndarray] = [_EMPTY] * len(forms)
    values, offsets = minhash.hash_forms([forms[i] for i in words], cfg.shingle_size, unique)
    for k, i in enumerate(words):
        out[i] = values[offsets[k]: offsets[k + 1]]
    for i in set(range(len(forms))) - set(words):
        sh = core.shingles(forms[i], cfg.shingle_size, cfg.char_shingle_size)
        out[i] = minhash.hash_shingles(sh) if sh else _EMPTY
    return out


def _shared_shingle_similarities(groups: np.ndarray, sets: list[np.ndarray], threshold: float) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every pair of sets in the same group that share a shingle and reach
    ``threshold``: ``{(i, j): similarity}`` with ``i < j`` (positions in ``sets``)."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    if lengths.sum() == 0:
        return {}
    owner = np.repeat(np.arange(len(sets), dtype=np.int64), lengths)
    keys = (np.repeat(groups.astype(np.uint64), lengths) << np.uint64(32)) | np.concatenate(sets).astype(np.uint64)
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    pairs = []
    for d in range(1, len(keys)):
        same = keys[d:] == keys[:-d]
        if not same.any():
            break
        pairs.append(owner[:-d][same] * len(sets) + owner[d:][same])
    if not pairs:
        return {}
    codes, inter = np.unique(np.concatenate(pairs), return_counts=True)
    a, b = codes // len(sets), codes % len(sets)
    sims = inter / (lengths[a] + lengths[b] - inter)
    hit = sims >= threshold
    return {(int(x), int(y)): float(s) for x, y, s in zip(a[hit], b[hit], sims[hit])}


def dedup_within_batch(articles: list[Article], clean_cfg, cfg, wire: bool = False) -> list[tuple[list, list]]:
    """:func:`core.dedup_within` for a batch of articles, with the same result per article.

    Args:
        wire: give each article's decisions as :func:`core.decisions_to_wire` tuples (what the
            batch pipeline spills) instead of :class:`ParagraphDecision` records.

    Returns:
        one ``(decisions, pending)`` per article, as :func:`core.dedup_within` returns them.
    """
    rows = []  # (article position, index, text, form, key) of paragraphs with matching text
    decisions: list[list[tuple]] = [[] for _ in articles]  # core.decisions_to_wire tuples
    for pos, article in enumerate(articles):
        rule_of = dict(article.rule_drops)
        out = decisions[pos]
        texts = [(0, article.title or "")] + [(i + 1, p) for i, p in enumerate(article.paragraphs)]
        for index, text in texts:
            if index > clean_cfg.max_paragraphs_per_article:
                out.append((index, DROPPED_RULE, "max_paragraphs_per_article", None, None, None, None))
            elif index > 0 and (index - 1) in rule_of:
                out.append((index, DROPPED_RULE, rule_of[index - 1], None, None, None, None))
            elif not text.strip():
                out.append((index, EMPTY, "empty", None, None, None, None) if index > 0
                           else (0, TITLE, "no_title", None, None, None, None))
            elif len(text) > clean_cfg.max_paragraph_chars:
                out.append((index, DROPPED_RULE, "max_paragraph_chars", None, None, None, None))
            else:
                form = core.matching_form(text, cfg.strip_datelines)
                if not form:  # punctuation only: content, but never compared with anything
                    out.append((index, TITLE if index == 0 else KEPT, "no_matching_text", None, None, None, None))
                else:
                    rows.append((pos, index, text, form, core.exact_key(form)))
    sets = shingle_sets([r[3] for r in rows], cfg)
    sims = _shared_shingle_similarities(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), sets, cfg.threshold)
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for (i, j), s in sims.items():
        neighbours.setdefault(j, []).append((i, s))
    pending: list[list] = [[] for _ in articles]
    seen_keys: dict[tuple[int, bytes], int] = {}  # (article position, exact key) -> first seen row
    kept_rows: set[int] = set()
    for r, (pos, index, text, form, key) in enumerate(rows):
        # The best earlier seen paragraph: highest similarity, then earliest (as core.dedup_within).
        best = None
        same = seen_keys.get((pos, key))
        if same is not None:
            best = (1.0, rows[same][1])
        for i, s in neighbours.get(r, ()):
            if i in kept_rows and (best is None or s > best[0] or (s == best[0] and rows[i][1] < best[1])):
                best = (s, rows[i][1])
        if index == 0:
            decisions[pos].append((0, TITLE, None, None, None, None, None))
        elif best is not None:
            decisions[pos].append((index, DUPLICATE_WITHIN, "near" if best[0] < 1.0 else "exact", None,
                                   paragraph_id(articles[pos].article_id, best[1]), round(best[0], 6), None))
            continue
        else:
            pending[pos].append((index, key, sets[r], form))
        kept_rows.add(r)
        seen_keys.setdefault((pos, key), r)
    if not wire:
        decisions = [core.decisions_from_wire(a, d) for a, d in zip(articles, decisions)]
    return list(zip(decisions, pending))


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


def partition_count(groups: int, cfg) -> int:
    """Hash-range partitions of the LSH shuffle: one per 100,000 (``lsh_groups_per_partition``) exact
    groups (at least 1, at most 4096), so the shuffle spreads as the corpus grows."""
    per = getattr(cfg, "lsh_groups_per_partition", 100_000)
    return int(min(4096, max(1, -(-groups // per))))


def node_payload(keys: bytes, orders: list, refs: list, domains: tuple, shingles: bytes, shingle_offsets,
                 bands: bytes = b"", band_offsets=None) -> tuple:
    """A batch of exact-group nodes (graph nodes of :class:`core.GroupNode`'s fields) as one
    shuffle value: ``(exact keys: 16 bytes each, orders, refs, domains, shingles: uint32 bytes,
    shingle offsets: int64 bytes (n + 1), band hashes: uint64 bytes, band offsets: int64 bytes)``.
    ``orders`` and ``refs`` (representative paragraph ids) are lists; ``domains`` is
    :func:`domain_counts`' tuple. Band hashes are those stored for an earlier release's
    representative (empty slice: none)."""
    n = len(orders)
    if band_offsets is None:
        band_offsets = np.zeros(n + 1, dtype=np.int64)
    return (keys, list(orders), list(refs), domains, shingles, np.asarray(shingle_offsets, dtype="<i8").tobytes(),
            bands, np.asarray(band_offsets, dtype="<i8").tobytes())


def domain_counts(names: list, codes, counts, offsets) -> tuple:
    """Members per domain of n nodes, columnar: ``(names, codes: int32 bytes, counts: int32
    bytes, offsets: int64 bytes (n + 1))``; node i has ``counts[j]`` members of domain
    ``names[codes[j]]`` for j in ``offsets[i]:offsets[i + 1]`` (as :class:`core.GroupNode`'s
    ``domains``, in that order)."""
    return (list(names), np.asarray(codes, dtype="<i4").tobytes(), np.asarray(counts, dtype="<i4").tobytes(),
            np.asarray(offsets, dtype="<i8").tobytes())


def nodes_to_payload(nodes: list[core.GroupNode]) -> tuple:
    """:func:`node_payload` of :class:`core.GroupNode` objects."""
    names: dict = {}
    pairs = [(names.setdefault(d, len(names)), c) for n in nodes for d, c in n.domains]
    domains = domain_counts(list(names), [p[0] for p in pairs], [p[1] for p in pairs], offsets_of([len(n.domains) for n in nodes]))
    return node_payload(b"".join(n.key for n in nodes), [n.order for n in nodes], [n.ref for n in nodes], domains,
                        b"".join(n.shingles for n in nodes), offsets_of([len(n.shingles) // 4 for n in nodes]),
                        b"".join(n.bands for n in nodes), offsets_of([len(n.bands) // 8 for n in nodes]))


def offsets_of(lengths) -> np.ndarray:
    """int64 offsets ``(n + 1,)`` of consecutive slices of the given lengths."""
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def take_ragged(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slices ``values[offsets[r]:offsets[r + 1]]`` of ``rows`` concatenated: ``(values, offsets)``."""
    lengths = (offsets[1:] - offsets[:-1])[rows]
    out = offsets_of(lengths)
    pos = np.arange(out[-1], dtype=np.int64) + np.repeat(offsets[:-1][rows] - out[:-1], lengths)
    return values[pos], out


class Nodes:
    """A node payload (:func:`node_payload`) unpacked: numpy views and lists, not shipped."""

    def __init__(self, payload):
        keys, self.orders, self.refs, domains, shingles, s_off, bands, b_off = payload
        self.keys = np.frombuffer(keys, dtype=np.uint8).reshape(-1, 16)
        self.shingles = np.frombuffer(shingles, dtype="<u4")
        self.offsets = np.frombuffer(s_off, dtype="<i8")  # in shingles (uint32 values)
        self.bands = np.frombuffer(bands, dtype="<u8")
        self.band_offsets = np.frombuffer(b_off, dtype="<i8")  # in band hashes
        self.names = domains[0]
        self.codes, self.counts = np.frombuffer(domains[1], dtype="<i4"), np.frombuffer(domains[2], dtype="<i4")
        self.domain_offsets = np.frombuffer(domains[3], dtype="<i8")

    def __len__(self):
        return len(self.orders)

    def take(self, rows: np.ndarray) -> tuple:
        """The payload of ``rows`` (without band hashes)."""
        shingles, offsets = take_ragged(self.shingles, self.offsets, rows)
        codes, domain_offsets = take_ragged(self.codes, self.domain_offsets, rows)
        counts, _ = take_ragged(self.counts, self.domain_offsets, rows)
        ids = rows.tolist()
        return node_payload(self.keys[rows].tobytes(), [self.orders[i] for i in ids], [self.refs[i] for i in ids],
                            domain_counts(self.names, codes, counts, domain_offsets), shingles.tobytes(), offsets)

    def node(self, i: int) -> tuple:
        """Node i as the graph step needs it: ``(exact key, order, ref, domains)``."""
        lo, hi = self.domain_offsets[i], self.domain_offsets[i + 1]
        domains = tuple((self.names[c], n) for c, n in zip(self.codes[lo:hi].tolist(), self.counts[lo:hi].tolist()))
        return self.keys[i].tobytes(), self.orders[i], self.refs[i], domains


def concat_nodes(payloads) -> Nodes:
    """Several node payloads as one :class:`Nodes`."""
    payloads = list(payloads)
    if len(payloads) == 1:
        return Nodes(payloads[0])
    parts = [Nodes(p) for p in payloads]

    def offsets(arrays):
        ends = np.cumsum([a[-1] for a in arrays])
        return np.concatenate([np.zeros(1, dtype=np.int64)] + [a[1:] + (ends[k - 1] if k else 0) for k, a in enumerate(arrays)])

    names = np.cumsum([0] + [len(n.names) for n in parts])
    domains = domain_counts([d for n in parts for d in n.names], np.concatenate([n.codes + names[k] for k, n in enumerate(parts)]),
                            np.concatenate([n.counts for n in parts]), offsets([n.domain_offsets for n in parts]))
    return Nodes((b"".join(p[0] for p in payloads), [o for p in payloads for o in p[1]], [r for p in payloads for r in p[2]],
                  domains, b"".join(p[4] for p in payloads), offsets([n.offsets for n in parts]).tobytes(),
                  b"".join(p[6] for p in payloads), offsets([n.band_offsets for n in parts]).tobytes()))


def band_partitions(nodes, partitions: int, cfg):
    """Signatures and band hashes of a batch of exact-group nodes, split by hash range.

    A node that carries band hashes (an earlier release's paragraph, from its index) uses them
    as stored; signatures are computed only for the other nodes. Nodes go into the payloads
    without band hashes (verification does not need them).

    Args:
        nodes: a node payload (:func:`node_payload`) of nodes with non-empty shingle sets.
        partitions: number of hash-range partitions.

    Yields:
        ``(partition, (band hashes: bytes of uint64, node positions: bytes of int32, node payload))``;
        the node payload holds only the nodes the partition's entries refer to.
    """
    nodes = Nodes(nodes)
    n = len(nodes)
    h = np.empty((n, cfg.bands), dtype=np.uint64)
    has = np.diff(nodes.band_offsets) > 0  # earlier-release nodes carry their stored hashes
    if has.any():
        h[has] = nodes.bands.reshape(-1, cfg.bands)
    todo = np.flatnonzero(~has)
    if len(todo) == n:
        sigs = minhash.signatures_flat(nodes.shingles, nodes.offsets, cfg.num_perm, cfg.seed)
        h[:] = band_hashes(sigs, cfg.bands, cfg.rows)
    elif len(todo):
        values, offsets = take_ragged(nodes.shingles, nodes.offsets, todo)
        h[todo] = band_hashes(minhash.signatures_flat(values, offsets, cfg.num_perm, cfg.seed), cfg.bands, cfg.rows)
    h = h.ravel()
    owner = np.repeat(np.arange(n, dtype=np.int64), cfg.bands)
    part = (h >> np.uint64(32)) * np.uint64(partitions) >> np.uint64(32)  # hash range, not modulo
    order = np.lexsort((h, part))
    h, owner, part = h[order], owner[order], part[order]
    bounds = np.searchsorted(part, np.arange(partitions + 1, dtype=np.uint64))
    for p in range(partitions):
        lo, hi = bounds[p], bounds[p + 1]
        if lo == hi:
            continue
        used, local = np.unique(owner[lo:hi], return_inverse=True)
        yield p, (h[lo:hi].tobytes(), local.astype(np.int32).tobytes(), nodes.take(used))


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


def verify_partition(payloads, cfg) -> list[tuple[tuple, tuple, float]]:
    """All buckets of one partition: verified edges, each distinct pair verified once.

    In each bucket (equal band hash) members are distinct exact groups sorted by keep order and
    each is paired with the earlier members up to ``max_bucket_size`` (as
    :func:`core.verify_bucket`). Returns ``(node a, node b, similarity)`` with a before b, each
    node as ``(exact key, order, ref, domains)`` (:meth:`Nodes.node`).
    """
    payloads = list(payloads)
    if not payloads:
        return []
    nodes = concat_nodes(p[2] for p in payloads)
    base = np.cumsum([0] + [len(p[2][1]) for p in payloads])
    h = np.concatenate([np.frombuffer(p[0], dtype=np.uint64) for p in payloads])
    o = np.concatenate([np.frombuffer(p[1], dtype=np.int32).astype(np.int64) + base[k] for k, p in enumerate(payloads)])
    if len(np.unique(nodes.keys.view("<u8")[:, 0])) < len(nodes):  # a node in several payloads (not from one
        # band_partitions pass, or a 64-bit prefix collision): each node once
        _, first, inverse = np.unique(nodes.keys.reshape(-1).view("V16"), return_index=True, return_inverse=True)
        nodes, o = Nodes(nodes.take(first)), inverse.reshape(-1)[o]
    h, o = shared_buckets(h, o)
    involved = np.unique(o).tolist()  # keep-order rank among the nodes that share a bucket
    rank = np.zeros(len(nodes), dtype=np.int64)
    rank[sorted(involved, key=nodes.orders.__getitem__)] = np.arange(len(involved))
    x, y = candidate_pairs(h, o, rank, cfg.max_bucket_size)
    first = rank[x] < rank[y]
    a, b = np.where(first, x, y), np.where(first, y, x)
    if cfg.verify == "signature":
        used, inv = np.unique(np.concatenate((a, b)), return_inverse=True)
        values, offsets = take_ragged(nodes.shingles, nodes.offsets, used)
        sigs = minhash.signatures_flat(values, offsets, cfg.num_perm, cfg.seed)
        sims = np.count_nonzero(sigs[inv[: len(a)]] == sigs[inv[len(a):]], axis=1) / cfg.num_perm
    else:
        sims = pair_jaccard(nodes.shingles, nodes.offsets, a, b)
    hit = np.flatnonzero(sims >= cfg.threshold)
    return [(nodes.node(i), nodes.node(j), round(s, 6)) for i, j, s in zip(a[hit].tolist(), b[hit].tolist(), sims[hit].tolist())]
