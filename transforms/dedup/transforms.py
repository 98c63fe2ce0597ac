"""Beam composites of the dedup stage: DedupWithinArticle, DedupAcrossArticles, AssembleArticles."""
from __future__ import annotations

import apache_beam as beam

from transforms.dedup import core
from transforms.records import Article

NAMESPACE = "newsetl"


class DedupWithinFn(beam.DoFn):
    """Article -> main: Candidate; ``decisions``: (article_id, [ParagraphDecision]); ``paragraphs``: int."""

    DECISIONS = "decisions"
    PARAGRAPHS = "paragraphs"
    FINGERPRINTS = "fingerprints"

    def __init__(self, clean_cfg, dedup_cfg):
        self._clean, self._cfg = clean_cfg, dedup_cfg
        self._dups = beam.metrics.Metrics.counter(NAMESPACE, "dedup/duplicate_within")

    def process(self, article: Article):
        decisions, pending = core.dedup_within(article, self._clean, self._cfg)
        self._dups.inc(sum(d.status == "duplicate_within" for d in decisions))
        rank = core.order_rank(article, self._cfg.keep_order, self._cfg.source_priority)
        yield beam.pvalue.TaggedOutput(self.DECISIONS, (article.article_id, decisions))
        yield beam.pvalue.TaggedOutput(self.PARAGRAPHS, 1 + len(article.paragraphs))
        fingerprint = core.article_fingerprint(pending)
        if fingerprint is not None:
            # -> KV[article_key, (rank, article_id, ((index, form), ...))]
            yield beam.pvalue.TaggedOutput(self.FINGERPRINTS, (fingerprint[0], (rank, article.article_id, fingerprint[1])))
        yield from core.make_candidates(article, pending, rank, self._cfg)


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
        out = articles | "DecideWithin" >> beam.ParDo(DedupWithinFn(self._clean, self._cfg)).with_outputs(
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


def _bucket_entries(kv):
    key, acc = kv
    rep = acc[0]
    node = core.group_node(key, acc)
    for band_key in rep.band_keys:
        yield band_key, node  # -> KV[band_key: bytes, GroupNode]


def _verify(kv, cfg):
    _, nodes = kv
    nodes = list(nodes)
    by_key = {n.key: n for n in nodes}
    for a, b, sim in core.verify_bucket(nodes, cfg):
        yield (a, b), (by_key[a], by_key[b], sim)  # -> KV[(key_a, key_b), (GroupNode, GroupNode, sim)]


def _resolve(kv, domain_totals, cfg):
    _, edges = kv
    nodes, pairs = {}, []
    for a, b, sim in edges:
        nodes[a.key], nodes[b.key] = a, b
        pairs.append((a.key, b.key, sim))
    pairs.sort()
    yield from core.resolve_components(nodes, pairs, domain_totals, cfg).items()


def _members(kv, domain_totals, cfg):
    key, grouped = kv
    (acc,) = grouped["group"]
    node = core.group_node(key, acc)
    decided = list(grouped["decided"])
    decision = decided[0] if decided else core.singleton_decision(node, acc[1], domain_totals, cfg)
    for article_id, index in grouped["members"]:
        # -> KV[article_id, (index, status, reason, cluster_id, duplicate_of, similarity)]
        yield article_id, (index, *core.member_decision(article_id, index, node, decision))


class DedupAcrossArticles(beam.PTransform):
    """Candidates of all articles -> across-article decisions.

    Input: PCollection[Candidate]. Output: PCollection[(article_id, (index, status, reason,
    cluster_id, duplicate_of, similarity))], one per candidate.

    Steps: exact groups by content digest (CombinePerKey, hot-key safe) -> LSH band keys of
    each group representative -> GroupByKey per band -> verify pairs in each bucket -> distinct
    verified edges -> connected components and the keep rule -> members take their group's
    decision (CoGroupByKey by exact key).

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
        # -> KV[exact_key, (representative Candidate, size, {domain: n})]
        edges = (
            groups
            | "BandKeys" >> beam.FlatMap(_bucket_entries)
            | "GroupByBand" >> beam.GroupByKey()
            | "VerifyBuckets" >> beam.FlatMap(_verify, cfg)
            | "DistinctEdges" >> beam.CombinePerKey(lambda vals: max(vals, key=lambda v: v[2]))
        )  # -> KV[(key_a, key_b), (GroupNode, GroupNode, similarity)]
        decided = (
            edges
            | "OneGraph" >> beam.Map(lambda kv: (0, kv[1]))
            | "GatherGraph" >> beam.GroupByKey()
            | "ResolveComponents" >> beam.FlatMap(_resolve, beam.pvalue.AsDict(self._totals), cfg)
        )  # -> KV[exact_key, GroupDecision]
        members = keyed | "MemberRefs" >> beam.Map(lambda kv: (kv[0], (kv[1].article_id, kv[1].index)))
        return (
            {"group": groups, "decided": decided, "members": members}
            | "JoinGroups" >> beam.CoGroupByKey()
            | "MemberDecisions" >> beam.FlatMap(_members, beam.pvalue.AsDict(self._totals), cfg)
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
