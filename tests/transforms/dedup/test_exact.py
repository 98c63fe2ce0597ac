"""Exact groups and member decisions per exact partition (transforms/dedup/exact.py), no Beam."""
from __future__ import annotations

import random

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.dedup import core, exact
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


def test_groups_do_not_depend_on_batching_or_order():
    cands = _candidates()
    n_paragraphs = len(cands) // 4
    assert n_paragraphs >= 5 and len(cands) == 4 * n_paragraphs  # each body paragraph in 4 articles
    one = exact.build_groups([("b", [exact.candidate_row("b", c) for c in cands])])
    shuffled = cands[:]
    random.Random(7).shuffle(shuffled)
    rows = exact.partition_rows("x", shuffled, 1)
    assert len(rows) == 1 and rows[0][0] == 0
    batch_rows = rows[0][1][1]
    split = exact.build_groups([("x", r) for r in (batch_rows[:5], batch_rows[5:])])
    assert len(one) == n_paragraphs and set(one) == set(split)
    for key, g in one.items():
        assert g.size == 4 and dict(g.domains) == {f"site{n}.example": 1 for n in range(4)}
        assert g.rep[2] == "a0"  # the earliest article's paragraph represents the group
        assert split[key].rep[1:] == g.rep[1:] and sorted(split[key].members, key=lambda m: m[1]) == sorted(("x", m[1], m[2]) for m in g.members) and split[key].size == 4
    assert exact.groups_from_rows(exact.group_rows(one)).keys() == one.keys()


def test_member_decisions_exact_copies_point_at_the_representative():
    cands = _candidates()
    groups = exact.build_groups([(f"b{c.article_id}", [exact.candidate_row(f"b{c.article_id}", c)]) for c in cands])
    out = exact.member_decisions(groups, {}, {}, CFG.dedup)
    assert sorted(out) == ["ba0", "ba1", "ba2", "ba3"]
    assert sorted(out["ba0"]) == [("a0", (i, "kept", None, f"a0/{i}", None, None)) for i in sorted(d[0] for _, d in out["ba0"])]
    for batch in ("ba1", "ba2", "ba3"):
        for article_id, (index, status, reason, cluster, dup_of, sim) in out[batch]:
            assert (status, reason, dup_of, sim, cluster) == ("duplicate_across", "exact", f"a0/{index}", 1.0, f"a0/{index}")


def test_singleton_fast_path_equals_the_general_rule():
    a = _articles()[0]
    _, pending = core.dedup_within(a, CFG.clean, CFG.dedup)
    cands = core.make_candidates(a, pending, core.order_rank(a, "earliest", ()), CFG.dedup)
    groups = exact.build_groups([("b", [exact.candidate_row("b", c) for c in cands])])
    fast = exact.member_decisions(groups, {}, {"site0.example": 1}, CFG.dedup)["b"]
    general = []
    for key, g in groups.items():
        node = exact.node_of(key, g)
        decision = core.singleton_decision(node, g.size, {"site0.example": 1}, CFG.dedup)
        general += [(aid, (i, *core.member_decision(aid, i, node, decision))) for _, aid, i in g.members]
    assert sorted(fast) == sorted(general)
    assert {d[1] for _, d in fast} == {"kept"} and len(fast) == len(cands)
