"""Exact groups and member decisions per exact partition (transforms/dedup/exact.py), no Beam."""
from __future__ import annotations

import random

import numpy as np

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.dedup import batch, core, exact, minhash
from transforms.records import Article

CFG = load_config(None)


def _articles():
    """The seed article (body captured twice) and three copies on other sites, published later."""
    text = (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8")
    paragraphs = tuple(p for p in text.split("\n\n") if p.strip())
    return [Article(f"a{n}", None, f"site{n}.example", None, n, None, None, paragraphs, "utf-8", "f", n) for n in range(4)]


def _candidates():
    out = []
    for a in _articles():
        _, pending = core.dedup_within(a, CFG.clean, CFG.dedup)
        out += core.make_candidates(a, pending, core.order_rank(a, "earliest", ()), CFG.dedup)
    return out


def test_partition_count_scales_with_input_and_is_bounded():
    assert exact.partition_count(0) == 4
    assert exact.partition_count(10 * 10**6) == 4
    assert exact.partition_count(64 * 2**20 + 1) == 5
    assert exact.partition_count(2**30) == 64
    assert exact.partition_count(10**15) == exact.MAX_PARTITIONS


def test_partition_of_is_a_range_of_the_key():
    assert exact.partition_of(b"\x00" * 16, 16) == 0
    assert exact.partition_of(b"\xff" * 16, 16) == 15
    assert exact.partition_of(b"\x80" + b"\x00" * 15, 16) == 8
    assert exact.partition_of(b"\x80" + b"\x00" * 15, 1) == 0


def _partition(batches) -> exact.Partition:
    """Exact groups of (batch id, candidates) pairs, all in one exact partition."""
    return exact.build_groups([p for batch_id, cands in batches for _, p in exact.partition_rows(batch_id, cands, 1)])


def test_groups_do_not_depend_on_batching_or_order():
    cands = _candidates()
    n_paragraphs = len(cands) // 4
    assert n_paragraphs >= 5 and len(cands) == 4 * n_paragraphs  # each body paragraph in 4 articles
    one = _partition([("b", cands)])
    shuffled = cands[:]
    random.Random(7).shuffle(shuffled)
    rows = exact.partition_rows("x", shuffled, 1)
    assert len(rows) == 1 and rows[0][0] == 0 and len(rows[0][1][1]) == len(cands)
    split = _partition([("x", shuffled[5:]), ("x", shuffled[:5])])
    assert len(one.keys) == n_paragraphs and one.keys.tobytes() == split.keys.tobytes()
    assert list(one.sizes) == [4] * n_paragraphs and list(np.diff(split.starts)) == [4] * n_paragraphs
    sites = tuple((f"site{n}.example", 1) for n in range(4))
    assert one.group_domains(np.arange(n_paragraphs)) == [sites] * n_paragraphs
    # members in keep order: the earliest article's paragraph represents the group
    assert one.article_ids == split.article_ids == ["a0", "a1", "a2", "a3"] * n_paragraphs
    assert list(one.indexes) == list(split.indexes) and split.batch_ids == ["x"]
    back = exact.groups_from_payload(exact.group_payload(one))
    assert back.keys.tobytes() == one.keys.tobytes() and back.article_ids == one.article_ids
    assert list(back.starts) == list(one.starts) and back.group_domains(np.arange(n_paragraphs)) == [sites] * n_paragraphs


def test_member_decisions_exact_copies_point_at_the_representative():
    cands = _candidates()
    part = _partition([(f"b{c.article_id}", [c]) for c in cands])
    out = exact.member_decisions(part, {}, {}, CFG.dedup)
    assert sorted(out) == ["ba0", "ba1", "ba2", "ba3"]
    assert sorted(out["ba0"]) == [("a0", (i, "kept", None, f"a0/{i}", None, None)) for i in sorted(d[0] for _, d in out["ba0"])]
    for batch in ("ba1", "ba2", "ba3"):
        for article_id, (index, status, reason, cluster, dup_of, sim) in out[batch]:
            assert (status, reason, dup_of, sim, cluster) == ("duplicate_across", "exact", f"a0/{index}", 1.0, f"a0/{index}")


def test_singleton_fast_path_equals_the_general_rule():
    a = _articles()[0]
    _, pending = core.dedup_within(a, CFG.clean, CFG.dedup)
    cands = core.make_candidates(a, pending, core.order_rank(a, "earliest", ()), CFG.dedup)
    part = _partition([("b", cands)])
    fast = exact.member_decisions(part, {}, {"site0.example": 1}, CFG.dedup)["b"]
    general = []
    for g, domains in enumerate(part.group_domains(np.arange(len(part.keys)))):
        node = exact.node_of(part, g, domains)
        decision = core.singleton_decision(node, int(part.sizes[g]), {"site0.example": 1}, CFG.dedup)
        general += [(aid, (int(i), *core.member_decision(aid, int(i), node, decision)))
                    for aid, i in zip(part.article_ids[part.starts[g]: part.starts[g + 1]], part.indexes[part.starts[g]: part.starts[g + 1]])]
    assert sorted(fast) == sorted(general)
    assert {d[1] for _, d in fast} == {"kept"} and len(fast) == len(cands)


def _buckets():
    """12 overlapping shingle sets (keep order: the reverse of their numbers) in three buckets:
    one larger than max_bucket_size + 1, one of two, and one sharing a node with each."""
    rng = np.random.default_rng(3)
    base = np.unique(rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32))
    sets = [np.unique(np.concatenate((base[: 40 + k], rng.integers(0, 2**32, k % 5, dtype=np.uint64).astype(np.uint32))))
            for k in range(12)]
    nodes = [core.GroupNode(bytes([k]) * 16, (11 - k,), f"p{k}/1", s.astype("<u4").tobytes(), ()) for k, s in enumerate(sets)]
    return sets, nodes, CFG.dedup.model_copy(update={"max_bucket_size": 3, "threshold": 0.7}), [list(range(10)), [10, 11], [3, 11]]


def test_pairs_and_jaccard_equal_the_one_bucket_rule():
    """batch.candidate_pairs + batch.pair_jaccard (vectorised, chunked) give core.verify_bucket's
    edges of buckets of at most max_bucket_size + 1 members (every pair): a bucket of ten, a
    bucket of two, a node in several buckets."""
    sets, nodes, cfg, buckets = _buckets()
    cfg = cfg.model_copy(update={"max_bucket_size": 9})
    h = np.concatenate([np.full(len(b), 100 + n, dtype=np.uint64) for n, b in enumerate(buckets)])
    o = np.concatenate([np.array(b, dtype=np.int64) for b in buckets])
    rank = np.array([11 - k for k in range(12)], dtype=np.int64)
    a, b = batch.candidate_pairs(h, o, rank, cfg.max_bucket_size)
    values = np.concatenate(sets)
    offsets = batch.offsets_of([len(s) for s in sets])
    sims = batch.pair_jaccard(values, offsets, a, b, chunk=50)  # a few pairs per sort
    got = {(nodes[i].key, nodes[j].key, round(s, 6)) for i, j, s in zip(a.tolist(), b.tolist(), sims.tolist()) if s >= cfg.threshold}
    want = {e for bucket in buckets for e in core.verify_bucket([nodes[i] for i in bucket], cfg)}
    assert got == want and len(want) > 10
    assert list(sims) == [minhash.exact_jaccard(sets[i], sets[j]) for i, j in zip(a.tolist(), b.tolist())]


def test_pending_rows_equal_the_rows_of_candidates():
    """exact.pending_rows (no Candidate objects) gives partition_rows' payloads of batch.candidates,
    short paragraphs (no shingles) included."""
    arts = _articles() + [Article("s1", None, None, None, None, None, None, ("Short one.", "Two words"), "utf-8", "f", 9)]
    pendings = [core.dedup_within(a, CFG.clean, CFG.dedup)[1] for a in arts]
    ranks = [core.order_rank(a, "earliest", ()) for a in arts]
    cands = [c for cs in batch.candidates(arts, pendings, ranks, None) for c in cs]
    assert any(not c.shingles for c in cands) and any(c.shingles for c in cands)
    for partitions in (1, 4, 64):
        assert exact.pending_rows("b", arts, pendings, ranks, partitions) == exact.partition_rows("b", cands, partitions)
    assert exact.pending_rows("b", arts[-1:], [[]], ranks[-1:], 4) == []


def _stores(sets, split: int):
    """Two node stores (locators 0 << 32 | row and 1 << 32 | row) of shingle sets, and readers
    of them as batch.verify_entries takes them (the orders they were asked for are recorded)."""
    locs = np.concatenate((batch.locators(0, np.arange(split)), batch.locators(1, np.arange(len(sets) - split))))
    asked = []

    def shingles_of(ls):
        pos = np.searchsorted(locs, ls)
        return np.concatenate([sets[i] for i in pos]).astype(np.uint32), batch.offsets_of([len(sets[i]) for i in pos])

    def orders_of(ls):
        asked.extend(ls.tolist())
        return [(11 - int(i),) for i in np.searchsorted(locs, ls)]
    return locs, shingles_of, orders_of, asked


def test_banded_verification_equals_verify_bucket_in_both_modes():
    """node_band_hashes + lsh_entries + verify_entries over all LSH partitions give the edges of
    core.verify_bucket on every bucket (equal band hash), exact and signature verification."""
    rng = np.random.default_rng(5)
    base = np.unique(rng.integers(0, 2**32, 80, dtype=np.uint64).astype(np.uint32))
    sets = [np.unique(np.concatenate((base[k % 3: 70], rng.integers(0, 2**32, k % 4, dtype=np.uint64).astype(np.uint32))))
            for k in range(9)]
    nodes = [core.GroupNode(bytes([k]) * 16, (k % 4, k), f"p{k}/1", s.astype("<u4").tobytes(), (("d.example", 1),))
             for k, s in enumerate(sets)]
    hashes = minhash.band_hashes(minhash.signatures(sets, CFG.dedup.num_perm, CFG.dedup.seed), CFG.dedup.bands, CFG.dedup.rows)
    buckets: dict[int, list] = {}
    for k, row in enumerate(hashes.tolist()):
        for h in row:
            buckets.setdefault(h, []).append(nodes[k])
    values, offsets = np.concatenate(sets), batch.offsets_of([len(s) for s in sets])
    h = batch.node_band_hashes(values, offsets, np.zeros(0, np.uint64), np.zeros(len(sets) + 1, np.int64), CFG.dedup, chunk=4)
    assert (h == hashes).all()
    locs, shingles_of, orders_of, asked = _stores(sets, 5)
    for mode in ("exact", "signature"):
        cfg = CFG.dedup.model_copy(update={"verify": mode})
        want = {e for members in buckets.values() for e in core.verify_bucket(members, cfg)}
        entries = batch.lsh_entries(h, 3)
        assert [p for p, _, _ in entries] == [0, 1, 2] and sum(len(e[1]) // 8 for e in entries) == 9 * cfg.bands
        edges = []
        for _, hb, rows in entries:
            store = np.frombuffer(rows, dtype="<i4")
            edges += batch.verify_entries(np.frombuffer(hb, dtype="<u8"), locs[store], shingles_of, orders_of, cfg)
        pos = {int(loc): k for k, loc in enumerate(locs)}
        got = set()
        for a, b, sim in edges:
            x, y = sorted((nodes[pos[a]], nodes[pos[b]]), key=lambda n: n.order)
            got.add((x.key, y.key, sim))
            assert a < b
        assert got == want and len(want) >= 8, mode
    assert asked == []  # no bucket above max_bucket_size + 1: keep order never read


def test_verify_entries_reads_keep_order_only_for_oversized_buckets():
    """A bucket larger than max_bucket_size + 1 pairs each member with the earliest ones in keep
    order (read for that bucket's members only); the other buckets pair all their members."""
    sets, nodes, cfg, buckets = _buckets()
    locs, shingles_of, orders_of, asked = _stores(sets, 7)
    h = np.concatenate([np.full(len(b), 100 + n, dtype=np.uint64) for n, b in enumerate(buckets)])
    o = np.concatenate([locs[b] for b in buckets])
    edges = batch.verify_entries(h, o, shingles_of, orders_of, cfg)
    pos = {int(loc): k for k, loc in enumerate(locs)}
    got = {tuple(sorted((pos[a], pos[b]))) + (s,) for a, b, s in edges}
    want = {tuple(sorted((a[0], b[0]))) + (s,)
            for bucket in buckets for a, b, s in core.verify_bucket([nodes[i] for i in bucket], cfg)}
    assert got == want and len(want) > 10
    assert sorted(asked) == sorted(locs[:10].tolist())  # the one oversized bucket's members




def test_hot_bucket_is_verified_against_its_leaders():
    """A hot bucket (more than max_bucket_size + 1 members) of 40 near-copies of one set (a
    footer with a counter) and 5 near-copies of another: every copy gets one edge, to the first
    member of its kind (a leader); the 5 copies' first member matched no leader and leads them.
    Leader clustering makes 39 + 4 edges where pairing every member with the earlier ones up to
    max_bucket_size would verify 45 * 3 pairs; core.verify_bucket gives the same edges."""
    rng = np.random.default_rng(11)
    base = [np.unique(rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)) for _ in range(2)]
    sets = [np.unique(np.append(base[0], np.uint32(k))) for k in range(40)]
    sets[7:7] = [np.unique(np.append(base[1], np.uint32(k))) for k in range(5)]  # members 7..11
    locs, shingles_of, orders_of, asked = _stores(sets, 20)
    cfg = CFG.dedup.model_copy(update={"max_bucket_size": 3})
    order = [(k,) for k in range(len(sets))]
    edges = batch.verify_entries(np.full(len(sets), 42, dtype=np.uint64), locs, shingles_of,
                                 lambda ls: [order[int(i)] for i in np.searchsorted(locs, ls)], cfg)
    pos = {int(loc): k for k, loc in enumerate(locs)}
    got = sorted((pos[a], pos[b]) for a, b, _ in edges)
    want = sorted([(0, k) for k in range(1, 45) if not 7 <= k <= 11] + [(7, k) for k in range(8, 12)])
    assert got == want
    sims = {(pos[a], pos[b]): s for a, b, s in edges}
    assert {sims[0, 1], sims[7, 8]} == {round(len(base[0]) / (len(base[0]) + 2), 6), round(len(base[1]) / (len(base[1]) + 2), 6)}
    nodes = [core.GroupNode(bytes([k]) * 16, (k,), f"p{k}/1", s.astype("<u4").tobytes(), ()) for k, s in enumerate(sets)]
    ref = sorted((n[0][0], n[1][0]) for n in core.verify_bucket(nodes, cfg))
    assert ref == want


def test_distinct_edges_keep_each_pair_once_with_its_highest_similarity():
    """Edges of three LSH partitions: a pair sharing buckets of two bands comes twice."""
    p1 = [(5 << 32 | 1, 7 << 32 | 2, 0.8), (1, 2, 0.75)]
    p2 = [(1, 2, 0.75), (3, 9, 0.9)]
    p3 = [(5 << 32 | 1, 7 << 32 | 2, 0.8125)]
    expected = [(1, 2, 0.75), (3, 9, 0.9), (5 << 32 | 1, 7 << 32 | 2, 0.8125)]
    for lists in ([p1, p2, p3], [p3, p2, p1], [p2, p3, p1]):
        assert core.distinct_edges(lists) == expected
    assert core.distinct_edges([]) == []
