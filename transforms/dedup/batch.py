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
    out = []
    for article, pending, rank in zip(articles, pendings, ranks):
        out.append([Candidate(order=(*rank, index), article_id=article.article_id, index=index, domain=article.domain,
                              exact_key=key, shingles=hashes.astype("<u4").tobytes(),
                              band_keys=next(keys) if len(hashes) and cfg is not None else b"")
                    for index, key, hashes, _ in pending])
    return out


# ---------------------------------------------------------------- batched LSH
band_hashes = minhash.band_hashes  # the one band-hash definition (also the release index's and streaming's)


def partition_count(groups: int, cfg) -> int:
    """Hash-range partitions of the LSH shuffle: one per 100,000 (``lsh_groups_per_partition``) exact
    groups (at least 1, at most 4096), so the shuffle spreads as the corpus grows."""
    per = getattr(cfg, "lsh_groups_per_partition", 100_000)
    return int(min(4096, max(1, -(-groups // per))))


def band_partitions(nodes: list[core.GroupNode], partitions: int, cfg):
    """Signatures and band hashes of a batch of exact-group nodes, split by hash range.

    A node that carries band hashes (``GroupNode.bands``: an earlier release's paragraph, from
    its index) uses them as stored; signatures are computed only for the other nodes. Nodes
    go into the payloads without ``bands`` (verification does not need them).

    Args:
        nodes: group nodes with non-empty shingle sets.
        partitions: number of hash-range partitions.

    Yields:
        ``(partition, (band hashes: bytes of uint64, node positions: bytes of int32, nodes))``;
        ``nodes`` holds only the nodes the partition's entries refer to.
    """
    h = np.empty((len(nodes), cfg.bands), dtype=np.uint64)
    stored = [i for i, n in enumerate(nodes) if n.bands]  # earlier-release nodes carry their stored hashes
    todo = [i for i, n in enumerate(nodes) if not n.bands] if stored else range(len(nodes))
    if stored:
        h[stored] = np.frombuffer(b"".join(nodes[i].bands for i in stored), dtype="<u8").reshape(len(stored), cfg.bands)
        nodes = list(nodes)
        for i in stored:
            n = nodes[i]
            nodes[i] = core.GroupNode(n.key, n.order, n.ref, n.shingles, n.domains)  # travels without its hashes
    if len(todo):
        sigs = minhash.signatures([np.frombuffer(nodes[i].shingles, dtype="<u4") for i in todo], cfg.num_perm, cfg.seed)
        h[todo] = band_hashes(sigs, cfg.bands, cfg.rows)
    h = h.ravel()
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), cfg.bands)
    part = (h >> np.uint64(32)) * np.uint64(partitions) >> np.uint64(32)  # hash range, not modulo
    order = np.lexsort((h, part))
    h, owner, part = h[order], owner[order], part[order]
    bounds = np.searchsorted(part, np.arange(partitions + 1, dtype=np.uint64))
    for p in range(partitions):
        lo, hi = bounds[p], bounds[p + 1]
        if lo == hi:
            continue
        used, local = np.unique(owner[lo:hi], return_inverse=True)
        yield p, (h[lo:hi].tobytes(), local.astype(np.int32).tobytes(), [nodes[i] for i in used])


def verify_partition(payloads, cfg) -> list[tuple[core.GroupNode, core.GroupNode, float]]:
    """All buckets of one partition: verified edges, each distinct pair verified once.

    In each bucket (equal band hash) members are distinct exact groups sorted by keep order and
    each is paired with the earlier members up to ``max_bucket_size`` (as
    :func:`core.verify_bucket`). Returns ``(node a, node b, similarity)`` with a before b.
    """
    hashes, owners, nodes, index = [], [], [], {}
    for h, local, ns in payloads:
        for n in ns:
            if n.key not in index:
                index[n.key] = len(nodes)
                nodes.append(n)
        ids = np.array([index[n.key] for n in ns], dtype=np.int64)
        hashes.append(np.frombuffer(h, dtype=np.uint64))
        owners.append(ids[np.frombuffer(local, dtype=np.int32)])
    if not hashes:
        return []
    h, o = np.concatenate(hashes), np.concatenate(owners)
    rank = np.empty(len(nodes), dtype=np.int64)  # keep-order rank of each node in this partition
    rank[sorted(range(len(nodes)), key=lambda i: nodes[i].order)] = np.arange(len(nodes))
    order = np.lexsort((o, h))
    h, o = h[order], o[order]
    keep = np.concatenate(([True], (h[1:] != h[:-1]) | (o[1:] != o[:-1])))  # one entry per (bucket, node)
    h, o = h[keep], o[keep]
    starts = np.flatnonzero(np.concatenate(([True], h[1:] != h[:-1])))
    sizes = np.diff(np.append(starts, len(h)))
    # Buckets of two (most of them): the pair, earlier in keep order first, in one numpy pass.
    x, y = o[starts[sizes == 2]], o[starts[sizes == 2] + 1]
    first = rank[x] < rank[y]
    a, b = np.where(first, x, y), np.where(first, y, x)
    pairs = {(int(i), int(j)) for i, j in np.unique(np.stack([a, b], axis=1), axis=0)} if len(a) else set()
    for s, k in zip(starts[sizes > 2], sizes[sizes > 2]):
        members = sorted(o[s: s + k].tolist(), key=lambda i: rank[i])
        for j in range(1, len(members)):
            for i in range(min(j, cfg.max_bucket_size)):
                pairs.add((members[i], members[j]))
    edges = []
    arrays: dict[int, np.ndarray] = {}

    def arr(i):
        if i not in arrays:
            arrays[i] = np.frombuffer(nodes[i].shingles, dtype="<u4")
        return arrays[i]
    for i, j in sorted(pairs, key=lambda p: (nodes[p[0]].key, nodes[p[1]].key)):
        if cfg.verify == "signature":
            a, b = minhash.signatures([arr(i), arr(j)], cfg.num_perm, cfg.seed)
            sim = minhash.estimate_jaccard(a, b)
        else:
            sim = minhash.exact_jaccard(arr(i), arr(j))
        if sim >= cfg.threshold:
            edges.append((nodes[i], nodes[j], round(sim, 6)))
    return edges
