"""Exact groups and member decisions in hash-range partitions (pure functions, no Beam import).

The across-article stage groups candidates by exact key (md5 of the matching form) and, once
the near-duplicate graph is resolved, hands every member its group's decision. Both steps run
per **exact partition**: the range of the key's first 32 bits that one shuffle key covers. A
batch of articles sends one element per partition it touches (its candidates as one columnar
payload: lists and numpy arrays as bytes), so Beam's per-element cost is paid per (batch,
partition), not per paragraph, and each partition returns one element per batch of articles
it holds members of.

A paragraph present in N articles (a site footer) is one group inside one partition: its
members are N entries of that partition's columns, never N values under one shuffle key.

Decisions do not depend on the partition count, the batching or the input order: the
representative is the smallest keep-order key, and sizes and domain counts are sums.

Payloads (plain tuples of lists, str and bytes: Beam encodes them without pickling):

- candidate payload (:func:`partition_rows`): ``(batch id, orders, article ids, domains,
  indexes, exact keys, shingles, shingle offsets, band keys, band offsets)``; the first four
  are lists, ``indexes`` int32 bytes, ``exact keys`` 16 bytes each, ``shingles`` uint32 bytes
  with int64 ``offsets`` (n + 1, in uint32 values; likewise ``band keys``, uint64 bytes).
- group payload (:func:`group_payload`): a partition's members sorted by (exact key, keep
  order), so each group's representative comes first: ``(exact keys, group starts, batch ids,
  batch of each member, article ids, indexes, domains, domain of each member)``.
"""
from __future__ import annotations

import operator

import numpy as np

from transforms.columns import offsets_of, take_ragged
from transforms.dedup import core
from transforms.dedup.core import GroupDecision, GroupNode
from transforms.records import KEPT, paragraph_id

# bytes of input files (as stored, often compressed) per exact partition: 1 GB -> 64
BYTES_PER_PARTITION = 16 * 2**20
MIN_PARTITIONS = 4  # even a small run spreads its exact groups over a few workers
MAX_PARTITIONS = 4096
KEY_BYTES = 16  # md5 exact keys


def partition_count(input_bytes: int, bytes_per_partition: int = BYTES_PER_PARTITION) -> int:
    """Exact partitions for a run over ``input_bytes`` bytes of input files (4 ... 4,096).

    Only the spread of the work depends on it, never a decision. Each batch of articles sends
    at most one element per partition, so more partitions cost little.
    """
    return int(min(MAX_PARTITIONS, max(MIN_PARTITIONS, -(-input_bytes // bytes_per_partition))))


def partition_of(key: bytes, partitions: int) -> int:
    """Exact partition of an exact key: its first 4 bytes as a range (uniform: keys are md5)."""
    return int.from_bytes(key[:4], "big") * partitions >> 32


def partitions_of(keys: bytes, partitions: int) -> np.ndarray:
    """:func:`partition_of` of many concatenated 16-byte keys (int64 array)."""
    first = np.frombuffer(keys, dtype=">u4").reshape(-1, KEY_BYTES // 4)[:, 0].astype(np.uint64)
    return (first * np.uint64(partitions) >> np.uint64(32)).astype(np.int64)


def partition_rows(batch_id: str | None, candidates, partitions: int) -> list[tuple[int, tuple]]:
    """A batch's candidates split by exact partition: ``[(partition, candidate payload)]``,
    partitions ascending (payload: see the module docstring). ``batch_id`` is None for an
    earlier release's paragraphs."""
    rows = list(map(_FIELDS, candidates))
    if not rows:
        return []
    orders, article_ids, domains, indexes, keys, shingles, bands = zip(*rows)
    return _split(batch_id, orders, article_ids, domains, indexes, b"".join(keys),
                  np.frombuffer(b"".join(shingles), dtype="<u4"), offsets_of([len(s) // 4 for s in shingles]),
                  np.frombuffer(b"".join(bands), dtype="<u8"), offsets_of([len(b) // 8 for b in bands]), partitions)


_FIELDS = operator.attrgetter("order", "article_id", "domain", "index", "exact_key", "shingles", "band_keys")


def pending_rows(batch_id: str, articles, pendings: list[list], ranks: list[tuple], partitions: int) -> list[tuple[int, tuple]]:
    """``partition_rows(batch_id, candidates, partitions)`` of the candidates that
    :func:`transforms.dedup.batch.candidates` makes of these articles (without band keys),
    built without the :class:`Candidate` objects.

    Args:
        pendings: per article, ``(index, exact key, shingle hashes, form)`` of its pending
            paragraphs (:func:`core.dedup_within`); ranks: per article, :func:`core.order_rank`.
    """
    orders, article_ids, domains, indexes, keys, sets = [], [], [], [], [], []
    for article, pending, rank in zip(articles, pendings, ranks):
        for index, key, hashes, _ in pending:
            orders.append((*rank, index))
            indexes.append(index)
            keys.append(key)
            sets.append(hashes)
        article_ids += [article.article_id] * len(pending)
        domains += [article.domain] * len(pending)
    if not orders:
        return []
    shingles = np.concatenate(sets).astype("<u4", copy=False)
    return _split(batch_id, orders, article_ids, domains, indexes, b"".join(keys), shingles, offsets_of(list(map(len, sets))),
                  np.zeros(0, dtype="<u8"), np.zeros(len(orders) + 1, dtype=np.int64), partitions)


def _split(batch_id, orders, article_ids, domains, indexes, keys: bytes, shingles: np.ndarray, shingle_offsets: np.ndarray,
           bands: np.ndarray, band_offsets: np.ndarray, partitions: int) -> list[tuple[int, tuple]]:
    """Candidate columns (sequences, and ragged uint32/uint64 arrays) as candidate payloads by exact partition."""
    n = len(orders)
    if len(keys) != KEY_BYTES * n:
        raise ValueError("exact keys must be 16 bytes")
    part = partitions_of(keys, partitions)
    order = np.argsort(part, kind="stable")
    part = part[order]
    bounds = np.flatnonzero(np.concatenate(([True], part[1:] != part[:-1], [True]))).tolist()
    key_rows = np.frombuffer(keys, dtype="V16")[order]
    indexes = np.asarray(indexes, dtype="<i4")[order]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        rows = order[lo:hi]
        ids = rows.tolist()
        s, s_off = take_ragged(shingles, shingle_offsets, rows)
        b, b_off = take_ragged(bands, band_offsets, rows)
        out.append((int(part[lo]), (batch_id, _take(orders, ids), _take(article_ids, ids), _take(domains, ids),
                                    indexes[lo:hi].tobytes(), key_rows[lo:hi].tobytes(),
                                    s.tobytes(), s_off.tobytes(), b.tobytes(), b_off.tobytes())))
    return out


class Partition:
    """One exact partition's members, sorted by (exact key, keep order) (built by :func:`build_groups`).

    Attributes (numpy arrays have one entry per member unless said otherwise):
        keys: uint8 ``(groups, 16)`` exact keys ascending; ``starts``: int64 ``(groups + 1,)``:
            group g's members are ``starts[g]:starts[g + 1]``, its representative first.
        batch_ids, batch: distinct batch ids and each member's position in them.
        article_ids, indexes: the members' identity (list, int32).
        domains, domain: distinct domains and each member's position in them.
        orders: keep-order key of each group's representative; shingles/shingle_offsets, bands/band_offsets: uint32
            and uint64 arrays with int64 offsets; present only when built from candidate payloads.
    """

    def __init__(self, keys, starts, batch_ids, batch, article_ids, indexes, domains, domain,
                 orders=None, shingles=None, shingle_offsets=None, bands=None, band_offsets=None):
        self.keys, self.starts = keys, starts
        self.batch_ids, self.batch, self.article_ids, self.indexes = batch_ids, batch, article_ids, indexes
        self.domains, self.domain = domains, domain
        self.orders, self.shingles, self.shingle_offsets = orders, shingles, shingle_offsets
        self.bands, self.band_offsets = bands, band_offsets

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)

    def key(self, g: int) -> bytes:
        return self.keys[g].tobytes()

    def ref(self, g: int) -> str:
        """Paragraph id of group g's representative."""
        r = int(self.starts[g])
        return paragraph_id(self.article_ids[r], int(self.indexes[r]))

    def domain_arrays(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Members per domain of each of ``groups``: ``(codes, counts, offsets)`` as
        :meth:`group_domains` reads them (positions in ``domains``, which is sorted by
        name, nulls last, as :class:`core.GroupNode` holds them)."""
        width = max(1, len(self.domains))
        owner = np.repeat(np.arange(len(groups), dtype=np.int64), self.sizes[groups])
        rows = take_ragged(np.arange(len(self.domain), dtype=np.int64), self.starts, groups)[0]
        codes, counts = np.unique(owner * width + self.domain[rows], return_counts=True)
        return codes % width, counts, offsets_of(np.bincount(codes // width, minlength=len(groups)))

    def group_domains(self, groups: np.ndarray) -> list[tuple]:
        """:meth:`domain_arrays` as ``((domain, members), ...)`` tuples (:class:`core.GroupNode`'s ``domains``)."""
        codes, counts, offsets = self.domain_arrays(groups)
        pairs = list(zip([self.domains[c] for c in codes.tolist()], counts.tolist()))
        bounds = offsets.tolist()
        return [tuple(pairs[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]


def build_groups(payloads) -> Partition:
    """Exact groups of one partition from its candidate payloads (:func:`partition_rows`).

    The representative of a group is the member with the smallest keep-order key (ties are
    impossible: the key holds article id and index). Groups are in key order and members of a
    group in keep order, so the result does not depend on the payloads' order.
    """
    payloads = list(payloads)
    batch_ids = sorted({p[0] for p in payloads}, key=lambda b: (b is None, b or ""))
    batch_pos = {b: i for i, b in enumerate(batch_ids)}
    orders = [o for p in payloads for o in p[1]]
    article_ids = [a for p in payloads for a in p[2]]
    domain_list = [d for p in payloads for d in p[3]]
    n = len(orders)
    batch = np.repeat(np.array([batch_pos[p[0]] for p in payloads], dtype=np.int64),
                      [len(p[1]) for p in payloads])
    indexes = np.frombuffer(b"".join(p[4] for p in payloads), dtype="<i4")
    keys = np.frombuffer(b"".join(p[5] for p in payloads), dtype=np.uint8).reshape(n, KEY_BYTES)
    shingles = np.frombuffer(b"".join(p[6] for p in payloads), dtype="<u4")
    bands = np.frombuffer(b"".join(p[8] for p in payloads), dtype="<u8")
    s_off, b_off = _concat_offsets([p[7] for p in payloads]), _concat_offsets([p[9] for p in payloads])
    halves = keys.view(">u8")  # (n, 2): big-endian halves sort as the bytes do
    order = np.lexsort((halves[:, 1], halves[:, 0]))
    k = halves[order]
    new = np.concatenate(([True], (k[1:] != k[:-1]).any(axis=1))) if n else np.zeros(0, dtype=bool)
    starts = np.append(np.flatnonzero(new), n).astype(np.int64)
    # keep order inside the groups of several members only (one-member groups: nothing to sort)
    multi = np.flatnonzero(np.diff(starts) > 1)
    if len(multi):
        ids = order.tolist()
        for lo, hi in zip(starts[multi].tolist(), starts[multi + 1].tolist()):
            ids[lo:hi] = sorted(ids[lo:hi], key=orders.__getitem__)
        order = np.array(ids, dtype=np.int64)
    domains = sorted(set(domain_list), key=lambda d: (d is None, d or ""))
    dom_pos = {d: i for i, d in enumerate(domains)}
    domain = np.fromiter(map(dom_pos.__getitem__, domain_list), dtype=np.int64, count=n)[order]
    reps = order[starts[:-1]].tolist()
    shingles, s_off = take_ragged(shingles, s_off, order)
    bands, b_off = take_ragged(bands, b_off, order)
    return Partition(keys[order][starts[:-1]], starts, batch_ids, batch[order], _take(article_ids, order.tolist()),
                     indexes[order], domains, domain, _take(orders, reps), shingles, s_off, bands, b_off)


def _take(values: list, positions: list) -> list:
    """``[values[i] for i in positions]``, in C."""
    if len(positions) < 2:
        return [values[i] for i in positions]
    return list(operator.itemgetter(*positions)(values))


def _concat_offsets(parts: list[bytes]) -> np.ndarray:
    """Offsets of concatenated slices from each payload's own int64 offsets."""
    out, base = [np.zeros(1, dtype=np.int64)], 0
    for raw in parts:
        off = np.frombuffer(raw, dtype="<i8")
        out.append(off[1:] + base)
        base += int(off[-1])
    return np.concatenate(out)


def group_payload(part: Partition) -> tuple:
    """A partition's groups for the second shuffle (module docstring): identity, size and
    domains of every member; no shingles or keep-order keys (the member step needs neither)."""
    return (part.keys.tobytes(), part.starts.tobytes(), part.batch_ids, part.batch.astype("<i4").tobytes(),
            part.article_ids, part.indexes.astype("<i4").tobytes(), part.domains, part.domain.astype("<i4").tobytes())


def groups_from_payload(payload) -> Partition:
    """Inverse of :func:`group_payload`."""
    keys, starts, batch_ids, batch, article_ids, indexes, domains, domain = payload
    return Partition(np.frombuffer(keys, dtype=np.uint8).reshape(-1, KEY_BYTES), np.frombuffer(starts, dtype=np.int64),
                     list(batch_ids), np.frombuffer(batch, dtype="<i4"), list(article_ids),
                     np.frombuffer(indexes, dtype="<i4"), list(domains), np.frombuffer(domain, dtype="<i4"))


def bandable_store(part: Partition) -> tuple[list[tuple], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The node store of a partition: its groups whose representative has shingles (shorter
    paragraphs take the exact path only), keys ascending, one row each.

    Returns:
        ``(rows, shingles, shingle offsets, bands, band offsets)``: ``rows`` are the graph
        nodes' ``(exact key, keep order, ref, domains)`` (:class:`core.GroupNode`'s fields;
        ``ref`` is the representative's paragraph id); the representatives' sorted unique
        uint32 shingle hashes and stored uint64 band hashes (an earlier release's
        representative; empty slice: none) with int64 offsets ``(n + 1,)``.
    """
    reps = part.starts[:-1]
    groups = np.flatnonzero(part.shingle_offsets[reps + 1] > part.shingle_offsets[reps])
    rows = reps[groups]
    shingles, s_off = take_ragged(part.shingles, part.shingle_offsets, rows)
    bands, b_off = take_ragged(part.bands, part.band_offsets, rows)
    refs = map(paragraph_id, [part.article_ids[r] for r in rows.tolist()], part.indexes[rows].tolist())
    domains = part.group_domains(groups) if len(groups) else []
    out = list(zip(map(bytes, part.keys[groups]), _take(part.orders, groups.tolist()), refs, domains))
    return out, shingles, s_off, bands, b_off


def node_of(part: Partition, g: int, domains: tuple) -> GroupNode:
    """The near-duplicate graph node of group g (no shingles: the member step needs identity and domains)."""
    return GroupNode(part.key(g), (), part.ref(g), b"", domains)


def member_decisions(part: Partition, decided: dict[bytes, GroupDecision], domain_totals: dict, cfg, tail: tuple = ()):
    """Every member's across-article decision, by batch.

    Args:
        part: one partition's groups (:func:`build_groups` or :func:`groups_from_payload`).
        decided: decisions of the groups that have a verified near-duplicate edge.
        domain_totals: domain -> articles (boilerplate rule of groups without edges).
        tail: values appended to every decision (``(None,)``: no ``duplicate_of_release``).

    Returns:
        batch id -> ``[(article_id, (index, status, reason, cluster_id, duplicate_of, similarity, *tail)), ...]``
        (batch id None: an earlier release's paragraphs), each group's members in keep order.
    """
    sizes = part.sizes
    general = np.zeros(len(sizes), dtype=bool)
    general[sizes > 1] = True
    found = {}
    if decided:
        halves = part.keys.view(">u8")
        first = halves[:, 0]
        for key, decision in decided.items():
            h0, h1 = np.frombuffer(key, dtype=">u8")
            g = int(np.searchsorted(first, h0))
            while g < len(first) and first[g] == h0 and halves[g, 1] != h1:
                g += 1
            if g < len(first) and first[g] == h0:
                found[g] = decision
                general[g] = True
    n = len(part.article_ids)
    # each member's decision after its index; a group's members other than the representative
    # all take the same one (core.member_decision depends only on being the representative)
    decision_of: list = [(KEPT, None, None, None, None, *tail)] * n  # most groups: one paragraph, no near-duplicate
    groups = np.flatnonzero(general)
    domains = part.group_domains(groups) if len(groups) else []
    for g, doms in zip(groups.tolist(), domains):
        node = node_of(part, g, doms)
        decision = found.get(g) or core.singleton_decision(node, int(sizes[g]), domain_totals, cfg)
        lo, hi = int(part.starts[g]), int(part.starts[g + 1])
        for r in range(lo, min(hi, lo + 2)):
            decision_of[r] = (*core.member_decision(part.article_ids[r], int(part.indexes[r]), node, decision), *tail)
        if hi - lo > 2:
            decision_of[lo + 2: hi] = [decision_of[lo + 1]] * (hi - lo - 2)
    out: dict[str | None, list] = {}
    by_batch = np.argsort(part.batch, kind="stable")
    bounds = np.searchsorted(part.batch[by_batch], np.arange(len(part.batch_ids) + 1)).tolist()
    ids, indexes = part.article_ids, part.indexes.tolist()
    for b, batch_id in enumerate(part.batch_ids):
        rows = by_batch[bounds[b]: bounds[b + 1]].tolist()
        if rows:
            out[batch_id] = [(ids[r], (indexes[r],) + decision_of[r]) for r in rows]
    return out
