"""Beam composites of the dedup stage: DedupWithinArticle, DedupAcrossArticles, AssembleArticles."""
from __future__ import annotations

import apache_beam as beam

from transforms.dedup import batch, core
from transforms.records import Article

NAMESPACE = "newsetl"


class DedupWithinFn(beam.DoFn):
    """[Article] (a batch) -> main: Candidate; ``decisions``: (article_id, [ParagraphDecision]);
    ``paragraphs``: int; ``fingerprints``: KV[article text key, (rank, article_id, forms)].

    Decisions per article equal :func:`core.dedup_within`'s; the batch only shares the
    vectorised shingle hashing (:func:`batch.dedup_within_batch`)."""

    DECISIONS = "decisions"
    PARAGRAPHS = "paragraphs"
    FINGERPRINTS = "fingerprints"

    def __init__(self, clean_cfg, dedup_cfg):
        self._clean, self._cfg = clean_cfg, dedup_cfg
        self._dups = beam.metrics.Metrics.counter(NAMESPACE, "dedup/duplicate_within")

    def process(self, articles: list[Article] | Article):
        articles = [articles] if isinstance(articles, Article) else articles  # one article: streaming
        results = batch.dedup_within_batch(articles, self._clean, self._cfg)
        self._dups.inc(sum(d.status == "duplicate_within" for decisions, _ in results for d in decisions))
        ranks = [core.order_rank(a, self._cfg.keep_order, self._cfg.source_priority) for a in articles]
        # No band keys here: DedupAcrossArticles bands representatives itself; the release index
        # and streaming fill them with core.with_band_keys.
        cands = batch.candidates(articles, [pending for _, pending in results], ranks, None)
        for article, (decisions, pending), rank, article_cands in zip(articles, results, ranks, cands):
            yield beam.pvalue.TaggedOutput(self.DECISIONS, (article.article_id, decisions))
            yield beam.pvalue.TaggedOutput(self.PARAGRAPHS, 1 + len(article.paragraphs))
            fingerprint = core.article_fingerprint(pending)
            if fingerprint is not None:
                yield beam.pvalue.TaggedOutput(self.FINGERPRINTS, (fingerprint[0], (rank, article.article_id, fingerprint[1])))
            yield from article_cands


def _align_copies(kv, cfg):
    _, members = kv
    members = sorted(members)
    if len(members) < 2:
        return
    _, original_id, original = members[0]
    for _, article_id, forms in members[1:]:
        yield article_id, {i: (f"{original_id}/{j}", sim) for i, j, sim in core.align_exact_article(original, forms, cfg)}


class DedupWithinArticle(beam.PTransform):
    """PCollection[Article] -> dict(candidates=PCollection[Candidate],
    decisions=PCollection[(article_id, [ParagraphDecision])], paragraphs=PCollection[int],
    exact_copies=PCollection[(article_id, {index: (original paragraph id, jaccard)})]).

    ``exact_copies`` lists articles whose text equals an earlier article's (keep order) except
    for paragraph breaks; the articles are grouped by a digest of their text (GroupByKey)."""

    def __init__(self, clean_cfg, dedup_cfg):
        super().__init__()
        self._clean, self._cfg = clean_cfg, dedup_cfg

    def expand(self, articles):
        out = articles | "BatchArticles" >> beam.BatchElements(min_batch_size=64, max_batch_size=1024) | "DecideWithin" >> beam.ParDo(DedupWithinFn(self._clean, self._cfg)).with_outputs(
            DedupWithinFn.DECISIONS, DedupWithinFn.PARAGRAPHS, DedupWithinFn.FINGERPRINTS, main="candidates")
        copies = (
            out.fingerprints
            | "GroupByArticleText" >> beam.GroupByKey()
            | "AlignExactCopies" >> beam.FlatMap(_align_copies, self._cfg)
        )  # -> KV[article_id, {index: (original paragraph id, jaccard)}]
        return {"candidates": out.candidates, "decisions": out.decisions, "paragraphs": out.paragraphs, "exact_copies": copies}


class ExactGroupFn(beam.CombineFn):
    """Combines the candidates of one exact key: (representative, size, {domain: members}).

    A hot key (a footer in 100,000 articles) is combined in parallel, never held in one list.
    """

    def create_accumulator(self):
        return core.group_create()

    def add_input(self, acc, candidate):
        return core.group_add(acc, candidate)

    def merge_accumulators(self, accs):
        return core.group_merge(accs)

    def extract_output(self, acc):
        return acc


def _values_per_key(step: str):
    return beam.metrics.Metrics.distribution(NAMESPACE, f"dedup/values_per_key/{step}")


class BandPartitionsFn(beam.DoFn):
    """[GroupNode] (a batch) -> KV[partition, (band hashes, node positions, nodes)] (batch.band_partitions)."""

    def __init__(self, cfg):
        self._cfg = cfg

    def process(self, nodes, groups: int):
        yield from batch.band_partitions(nodes, batch.partition_count(groups, self._cfg), self._cfg)


class VerifyPartitionFn(beam.DoFn):
    """KV[partition, [payload]] -> KV[(key_a, key_b), (GroupNode, GroupNode, sim)]; records the
    partition's group entries (values per key) in a distribution."""

    def __init__(self, cfg):
        self._cfg = cfg
        self._size = _values_per_key("lsh_partition_entries")

    def process(self, kv):
        payloads = list(kv[1])
        self._size.update(sum(len(p[1]) // 4 for p in payloads))
        for a, b, sim in batch.verify_partition(payloads, self._cfg):
            yield (a.key, b.key), (a, b, sim)


class ResolveFn(beam.DoFn):
    """The global component step: KV[0, [edge]] -> KV[exact_key, GroupDecision]."""

    def __init__(self, cfg):
        self._cfg = cfg
        self._size = _values_per_key("graph_edges")

    def process(self, kv, domain_totals):
        edges = list(kv[1])
        self._size.update(len(edges))
        nodes, pairs = {}, []
        for a, b, sim in edges:
            nodes[a.key], nodes[b.key] = a, b
            pairs.append((a.key, b.key, sim))
        pairs.sort()
        yield from core.resolve_components(nodes, pairs, domain_totals, self._cfg).items()


class GroupDecisionFn(beam.DoFn):
    """KV[exact_key, {group: [acc], decided: [GroupDecision]}] -> KV[(exact_key, salt), (GroupNode, GroupDecision)],
    one per salt that has members."""

    def __init__(self, cfg):
        self._cfg = cfg
        self._size = _values_per_key("group_decision")

    def process(self, kv, domain_totals):
        key, grouped = kv
        (acc,) = grouped["group"]
        decided = list(grouped["decided"])
        self._size.update(1 + len(decided))
        node = core.group_node(key, acc)
        decision = decided[0] if decided else core.singleton_decision(node, acc[1], domain_totals, self._cfg)
        for salt in core.salts_of(acc[3]):
            yield (key, salt), (node, decision)


class MemberDecisionFn(beam.DoFn):
    """KV[(exact_key, salt), {group: [(node, decision)], members: [(article_id, index)]}] ->
    KV[article_id, (index, status, reason, cluster_id, duplicate_of, similarity)]."""

    def __init__(self):
        self._size = _values_per_key("members")

    def process(self, kv):
        _, grouped = kv
        ((node, decision),) = grouped["group"]
        members = list(grouped["members"])
        self._size.update(len(members) + 1)
        for article_id, index in members:
            yield article_id, (index, *core.member_decision(article_id, index, node, decision))


class DedupAcrossArticles(beam.PTransform):
    """Candidates of all articles -> across-article decisions.

    Input: PCollection[Candidate]. Output: PCollection[(article_id, (index, status, reason,
    cluster_id, duplicate_of, similarity))], one per candidate.

    Steps (docs/ARCHITECTURE.md): exact groups by content digest (CombinePerKey, hot-key safe)
    -> batches of group representatives: signatures and band hashes, one shuffle element per
    (batch, hash-range partition); the partition count grows with the number of groups ->
    verify each distinct candidate pair of a partition once -> distinct verified edges ->
    connected components and the keep rule (one global group over the edge list) -> group
    decisions fanned out to the member salts -> members take their group's decision
    (CoGroupByKey by (exact key, salt): at most ~members/4096 values per key).
    Representatives are banded in batches from their shingles, except those that carry
    ``Candidate.band_keys`` (earlier-release paragraphs, read from the release index): their
    stored band hashes are used as they are (``GroupNode.bands``).

    Args:
        dedup_cfg: the ``dedup`` config section.
        domain_totals: side input (AsDict) of domain -> article count.
    """

    def __init__(self, dedup_cfg, domain_totals):
        super().__init__()
        self._cfg, self._totals = dedup_cfg, domain_totals

    def expand(self, candidates):
        cfg = self._cfg
        keyed = candidates | "KeyByExact" >> beam.Map(lambda c: (c.exact_key, c))
        groups = keyed | "CombineExactGroups" >> beam.CombinePerKey(ExactGroupFn())
        # -> KV[exact_key, (representative Candidate, size, {domain: n}, salt bits)]
        count = groups | "CountGroups" >> beam.combiners.Count.Globally()
        edges = (
            groups
            | "Bandable" >> beam.Filter(lambda kv: len(kv[1][0].shingles) > 0)
            | "GroupNodes" >> beam.Map(lambda kv: core.group_node(kv[0], kv[1], with_bands=True))
            | "BatchNodes" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
            | "BandPartitions" >> beam.ParDo(BandPartitionsFn(cfg), beam.pvalue.AsSingleton(count))
            | "GroupByPartition" >> beam.GroupByKey()
            | "VerifyPartitions" >> beam.ParDo(VerifyPartitionFn(cfg))
            | "DistinctEdges" >> beam.CombinePerKey(lambda vals: max(vals, key=lambda v: v[2]))
        )  # -> KV[(key_a, key_b), (GroupNode, GroupNode, similarity)]
        decided = (
            edges
            | "OneGraph" >> beam.Map(lambda kv: (0, kv[1]))
            | "GatherGraph" >> beam.GroupByKey()
            | "ResolveComponents" >> beam.ParDo(ResolveFn(cfg), beam.pvalue.AsDict(self._totals))
        )  # -> KV[exact_key, GroupDecision]
        salted = (
            {"group": groups, "decided": decided}
            | "JoinDecisions" >> beam.CoGroupByKey()
            | "FanOutDecisions" >> beam.ParDo(GroupDecisionFn(cfg), beam.pvalue.AsDict(self._totals))
        )  # -> KV[(exact_key, salt), (GroupNode, GroupDecision)]
        members = keyed | "MemberRefs" >> beam.Map(
            lambda kv: ((kv[0], core.member_salt(kv[1].article_id, kv[1].index)), (kv[1].article_id, kv[1].index)))
        return (
            {"group": salted, "members": members}
            | "JoinMembers" >> beam.CoGroupByKey()
            | "MemberDecisions" >> beam.ParDo(MemberDecisionFn())
        )


def _assemble(kv, cfg):
    article_id, grouped = kv
    (article,) = grouped["article"]
    (within,) = grouped["within"]
    across = sorted(grouped["across"])
    copies = list(grouped["copies"])
    decisions, dup_article = core.assemble(article, within, across, cfg, copies[0] if copies else None)
    yield article, decisions, dup_article


class AssembleArticles(beam.PTransform):
    """Join articles with their paragraph decisions by article_id (CoGroupByKey).

    Input: dict(article=PCollection[Article], within=..., across=...).
    Output: PCollection[(Article, [ParagraphDecision], duplicate_of_article | None)].
    """

    def __init__(self, dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg

    def expand(self, inputs):
        return (
            {
                "article": inputs["articles"] | "KeyArticle" >> beam.Map(lambda a: (a.article_id, a)),
                "within": inputs["within"],
                "across": inputs["across"],
                "copies": inputs["copies"],
            }
            | "JoinByArticle" >> beam.CoGroupByKey()
            | "Assemble" >> beam.FlatMap(_assemble, self._cfg)
        )
