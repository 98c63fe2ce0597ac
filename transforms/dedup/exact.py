"""Exact groups and member decisions in hash-range partitions (pure functions, no Beam import).

The across-article stage groups candidates by exact key (md5 of the matching form) and, once
the near-duplicate graph is resolved, hands every member its group's decision. Both steps run
per **exact partition**: the range of the key's first 32 bits that one shuffle key covers. A
batch of articles sends one element per partition it touches (its candidates as plain tuples),
so Beam's per-element cost is paid per (batch, partition), not per paragraph, and each
partition returns one element per batch of articles it holds members of.

A paragraph present in N articles (a site footer) is one group inside one partition: its
members are N small tuples in that partition's lists, never N values under one shuffle key.

Decisions do not depend on the partition count, the batching or the input order: the
representative is the smallest keep-order key, and sizes and domain counts are sums.
"""
from __future__ import annotations

from transforms.dedup import core
from transforms.dedup.core import GroupDecision, GroupNode
from transforms.records import KEPT, Candidate

# bytes of input files (as stored, often compressed) per exact partition: 1 GB -> 64
BYTES_PER_PARTITION = 16 * 2**20
MIN_PARTITIONS = 4  # even a small run spreads its exact groups over a few workers
MAX_PARTITIONS = 4096


def partition_count(input_bytes: int, bytes_per_partition: int = BYTES_PER_PARTITION) -> int:
    """Exact partitions for a run over ``input_bytes`` bytes of input files (4 ... 4,096).

    Only the spread of the work depends on it, never a decision. Each batch of articles sends
    at most one element per partition, so more partitions cost little.
    """
    return int(min(MAX_PARTITIONS, max(MIN_PARTITIONS, -(-input_bytes // bytes_per_partition))))


def partition_of(key: bytes, partitions: int) -> int:
    """Exact partition of an exact key: its first 4 bytes as a range (uniform: keys are md5)."""
    return int.from_bytes(key[:4], "big") * partitions >> 32


def candidate_row(batch_id: str | None, c: Candidate) -> tuple:
    """A candidate as a plain tuple ``(batch id, *Candidate fields)`` (Beam encodes tuples of
    primitives without pickling). ``batch_id`` is None for an earlier release's paragraph."""
    return (batch_id, *(getattr(c, f) for f in Candidate.__slots__))


def partition_rows(batch_id: str | None, candidates, partitions: int) -> list[tuple[int, tuple[str | None, list[tuple]]]]:
    """A batch's candidates split by exact partition: ``[(partition, (batch_id, [row, ...]))]``,
    partitions ascending."""
    out: dict[int, list[tuple]] = {}
    for c in candidates:
        out.setdefault(partition_of(c.exact_key, partitions), []).append(candidate_row(batch_id, c))
    return [(p, (batch_id, rows)) for p, rows in sorted(out.items())]


class Group:
    """One exact group inside a partition: representative, size, members per domain, members."""

    __slots__ = ("rep", "size", "domains", "members")

    def __init__(self):
        self.rep: tuple | None = None  # the representative's row
        self.size = 0
        self.domains: dict[str | None, int] = {}  # a dict, not a Counter: 20x cheaper to create
        self.members: list[tuple[str | None, str, int]] = []  # (batch id, article id, index)


_ORDER, _ARTICLE, _INDEX, _DOMAIN, _KEY, _SHINGLES = 1, 2, 3, 4, 5, 6  # positions in a candidate row


def build_groups(payloads) -> dict[bytes, Group]:
    """Exact groups of one partition from its ``(batch_id, [row, ...])`` payloads.

    Returns:
        exact key -> :class:`Group`; the representative is the member with the smallest
        keep-order key (ties are impossible: the key holds article id and index).
    """
    groups: dict[bytes, Group] = {}
    for _, rows in payloads:
        for row in rows:
            g = groups.get(row[_KEY])
            if g is None:
                g = groups[row[_KEY]] = Group()
            if g.rep is None or row[_ORDER] < g.rep[_ORDER]:
                g.rep = row
            g.size += 1
            g.domains[row[_DOMAIN]] = g.domains.get(row[_DOMAIN], 0) + 1
            g.members.append((row[0], row[_ARTICLE], row[_INDEX]))
    return groups


def node_of(key: bytes, group: Group) -> GroupNode:
    """The near-duplicate graph node of a group (:func:`core.group_node`)."""
    return core.group_node(key, (Candidate(*group.rep[1:]), group.size, group.domains, 0))


def bandable_nodes(groups: dict[bytes, Group]) -> list[GroupNode]:
    """Graph nodes of the groups that have shingles (shorter paragraphs: exact path only), keys ascending."""
    return [node_of(key, g) for key, g in sorted(groups.items()) if len(g.rep[_SHINGLES])]


def group_rows(groups: dict[bytes, Group]) -> list[tuple]:
    """A partition's groups as plain tuples for the second shuffle (shingles left out: the
    member step needs only identity, keep order, size and domains), keys ascending."""
    return [(key, g.rep[:_SHINGLES] + (b"",) + g.rep[_SHINGLES + 1:], g.size, tuple(g.domains.items()), g.members)
            for key, g in sorted(groups.items())]


def groups_from_rows(rows) -> dict[bytes, Group]:
    """Inverse of :func:`group_rows`."""
    groups = {}
    for key, rep, size, domains, members in rows:
        g = groups[key] = Group()
        g.rep, g.size, g.domains, g.members = rep, size, dict(domains), members
    return groups


def member_decisions(groups: dict[bytes, Group], decided: dict[bytes, GroupDecision], domain_totals: dict, cfg):
    """Every member's across-article decision, by batch.

    Args:
        groups: one partition's groups (:func:`build_groups`).
        decided: decisions of the groups that have a verified near-duplicate edge.
        domain_totals: domain -> articles (boilerplate rule of groups without edges).

    Returns:
        batch id -> ``[(article_id, (index, status, reason, cluster_id, duplicate_of, similarity)), ...]``
        (batch id None: an earlier release's paragraphs).
    """
    out: dict[str | None, list] = {}
    for key, g in groups.items():
        if g.size == 1 and key not in decided:  # most groups: one paragraph, no near-duplicate
            batch_id, article_id, index = g.members[0]
            out.setdefault(batch_id, []).append((article_id, (index, KEPT, None, None, None, None)))
            continue
        node = node_of(key, g)
        decision = decided.get(key) or core.singleton_decision(node, g.size, domain_totals, cfg)
        for batch_id, article_id, index in g.members:
            out.setdefault(batch_id, []).append((article_id, (index, *core.member_decision(article_id, index, node, decision))))
    return out
