"""Beam composites of the dedup stage: DedupWithinArticle, DedupAcrossArticles, AssembleArticles."""
from __future__ import annotations

import json
import os

import apache_beam as beam
import numpy as np
import xxhash

from transforms import spill
from transforms.dedup import batch, core, exact, index, spilled
from transforms.language import core as language_core
from transforms.records import DUPLICATE_WITHIN, Article, from_wire, to_wire

NAMESPACE = "newsetl"


def _within(articles: list[Article], clean_cfg, cfg, wire: bool = False):
    """Within-article decisions (``wire``: as :func:`core.decisions_to_wire` tuples) and
    keep-order ranks of a batch."""
    results = batch.dedup_within_batch(articles, clean_cfg, cfg, wire)
    ranks = [core.order_rank(a, cfg.keep_order, cfg.source_priority) for a in articles]
    return results, ranks


class DedupWithinFn(beam.DoFn):
    """Article -> main: Candidate; ``decisions``: (article_id, [ParagraphDecision]);
    ``paragraphs``: int; ``fingerprints``: KV[article text key, (rank, article_id, forms)].

    The one-article form that streaming dedup uses (transforms/dedup/streaming.py); batch runs
    use :class:`DecideWithinBatchFn`. Decisions equal :func:`core.dedup_within`'s."""

    DECISIONS = "decisions"
    PARAGRAPHS = "paragraphs"
    FINGERPRINTS = "fingerprints"

    def __init__(self, clean_cfg, dedup_cfg):
        self._clean, self._cfg = clean_cfg, dedup_cfg
        self._dups = beam.metrics.Metrics.counter(NAMESPACE, "dedup/duplicate_within")

    def process(self, articles: list[Article] | Article):
        articles = [articles] if isinstance(articles, Article) else articles
        results, ranks = _within(articles, self._clean, self._cfg)
        # No band keys here: streaming fills them with core.with_band_keys.
        cands = batch.candidates(articles, [pending for _, pending in results], ranks, None)
        self._dups.inc(sum(d.status == "duplicate_within" for decisions, _ in results for d in decisions))
        for article, (decisions, pending), rank, article_cands in zip(articles, results, ranks, cands):
            yield beam.pvalue.TaggedOutput(self.DECISIONS, (article.article_id, decisions))
            yield beam.pvalue.TaggedOutput(self.PARAGRAPHS, 1 + len(article.paragraphs))
            fingerprint = core.article_fingerprint(pending)
            if fingerprint is not None:
                yield beam.pvalue.TaggedOutput(self.FINGERPRINTS, (fingerprint[0], (rank, article.article_id, fingerprint[1])))
            yield from article_cands


def batch_id_of(articles: list[Article]) -> str:
    """Shuffle key of a batch of articles: xxh64 of its article ids (unique in a run; a collision
    would only put two batches under one key, which the assembly handles)."""
    return xxhash.xxh64_hexdigest("\n".join(a.article_id for a in articles).encode("utf-8"))


class DecideWithinBatchFn(beam.DoFn):
    """[Article] (a batch) -> main: KV[batch id, spill path] (the spill file holds
    ``((Article wire tuple, decisions wire tuple), ...)``: :func:`records.to_wire`,
    :func:`core.decisions_to_wire`);
    ``parts``: KV[exact partition, (spill path, row) of a columnar candidate payload] (:func:`exact.pending_rows`;
    one file per batch, :func:`spilled.spill_keyed`);
    ``paragraphs``: int; ``fingerprints``: KV[exact partition of the article text key, [(article
    text key, (rank, article_id, batch id, row)), ...]] (row: the article's in the batch's forms
    file, :func:`spilled.write_forms`; one element per batch and partition, not per article).

    Each batch crosses the following shuffles as a handful of elements (one per exact partition
    it touches), not one per paragraph; texts and matching forms stay in spill files."""

    PARTS = "parts"
    PARAGRAPHS = "paragraphs"
    FINGERPRINTS = "fingerprints"

    def __init__(self, clean_cfg, dedup_cfg, partitions: int, spill_dir: str):
        self._clean, self._cfg, self._partitions, self._spill = clean_cfg, dedup_cfg, partitions, spill_dir
        self._dups = beam.metrics.Metrics.counter(NAMESPACE, "dedup/duplicate_within")

    def process(self, articles: list[Article]):
        results, ranks = _within(articles, self._clean, self._cfg, wire=True)
        self._dups.inc(sum(d[1] == DUPLICATE_WITHIN for decisions, _ in results for d in decisions))
        batch_id = batch_id_of(articles)
        # The batch goes to a spill file (texts stay out of the shuffle); plain tuples
        # (records.to_wire, core.decisions_to_wire), the paragraph texts once (in the article).
        yield batch_id, spill.write(self._spill, f"within-{batch_id}",
                                    tuple((to_wire(a), decisions) for a, (decisions, _) in zip(articles, results)))
        yield beam.pvalue.TaggedOutput(self.PARAGRAPHS, sum(1 + len(a.paragraphs) for a in articles))
        forms = []  # matching forms and keys of the articles with pending paragraphs: one spill file per batch (copies, release index)
        fingerprints: dict[int, list] = {}  # exact partition -> [(article text key, member)]
        for article, (_, pending), rank in zip(articles, results, ranks):
            if not pending:
                continue
            fingerprint = core.article_fingerprint(pending)  # None: symbol lines only (no text to fingerprint)
            if fingerprint is not None:
                fingerprints.setdefault(exact.partition_of(fingerprint[0], self._partitions), []).append(
                    (fingerprint[0], (rank, article.article_id, batch_id, len(forms))))
            forms.append(spilled.forms_row(article.article_id, pending))  # a row per article with pending paragraphs
        if forms:
            spilled.write_forms(self._spill, batch_id, forms)
        for item in sorted(fingerprints.items()):
            yield beam.pvalue.TaggedOutput(self.FINGERPRINTS, item)
        # Candidate payloads straight from the pending paragraphs (no Candidate object per paragraph).
        parts = exact.pending_rows(batch_id, articles, [pending for _, pending in results], ranks, self._partitions)
        for part in spilled.spill_keyed(self._spill, f"parts-{batch_id}", parts):
            yield beam.pvalue.TaggedOutput(self.PARTS, part)


class DedupWithinArticle(beam.PTransform):
    """PCollection[list[Article]] (batches) -> dict(batches=PCollection[KV[batch id, spill path of ((Article wire, decisions wire), ...)]],
    parts=PCollection[KV[exact partition, (spill path, row) of a columnar candidate payload (exact.pending_rows)]], paragraphs=PCollection[int],
    exact_copies=PCollection[KV[the original's batch id, (batch id, article_id, original article_id, {index: (original
    paragraph id, jaccard)})]] (:func:`spilled.copy_maps`)).

    Articles are decided in the batches they come in (as read: at most 1,024); decisions never
    depend on the batching. ``exact_copies`` lists articles whose text equals an earlier article's (keep
    order) except for paragraph breaks; the articles are grouped by a digest of their text
    (GroupByKey by the digest's exact partition, one element per batch and partition).

    Args:
        partitions: exact partitions (:func:`exact.partition_count`).
        spill_dir: directory for the batches' spill files (:mod:`transforms.spill`).
    """

    def __init__(self, clean_cfg, dedup_cfg, partitions: int, spill_dir: str):
        super().__init__()
        self._clean, self._cfg, self._partitions, self._spill = clean_cfg, dedup_cfg, partitions, spill_dir

    def expand(self, articles):
        out = (
            articles
            | "DecideWithin" >> beam.ParDo(DecideWithinBatchFn(self._clean, self._cfg, self._partitions, self._spill)).with_outputs(
                DecideWithinBatchFn.PARTS, DecideWithinBatchFn.PARAGRAPHS, DecideWithinBatchFn.FINGERPRINTS, main="batches")
        )
        copies = (
            out.fingerprints
            | "GroupByArticleText" >> beam.GroupByKey()
            | "AlignExactCopies" >> beam.FlatMap(lambda kv, cfg, spill_dir: spilled.partition_copy_maps(kv[1], spill_dir, cfg),
                                                 self._cfg, self._spill)
        )
        return {"batches": out.batches, "parts": out.parts, "paragraphs": out.paragraphs, "exact_copies": copies}


def _values_per_key(step: str):
    return beam.metrics.Metrics.distribution(NAMESPACE, f"dedup/values_per_key/{step}")


def node_store(spill_dir: str, partition: int) -> str:
    """Path stem of an exact partition's node store: ``.ragged`` (shingle sets,
    :func:`spill.write_ragged`) and ``.rows`` (graph node fields, :func:`spill.write_rows`),
    one row per bandable group (:func:`exact.bandable_store`)."""
    return os.path.join(spill_dir, f"nodes-{partition}")


def _by_store(locs: np.ndarray):
    """Sorted locators grouped by node store: ``(store, rows)`` pairs."""
    stores = locs >> np.int64(32)
    bounds = np.flatnonzero(np.concatenate(([True], stores[1:] != stores[:-1], [True]))).tolist()
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        yield int(stores[lo]), locs[lo:hi] & np.int64(0xFFFFFFFF)


def read_shingles(spill_dir: str, locs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of sorted node locators (int64, :func:`batch.locators`) from their stores:
    ``(uint32 values, int64 offsets (len(locs) + 1,))``.

    Raises:
        OSError: a node store is missing or unreadable.
    """
    parts = [spill.read_ragged(node_store(spill_dir, s) + ".ragged", rows, "<u4") for s, rows in _by_store(locs)]
    if len(parts) == 1:
        return parts[0]
    values = np.concatenate([v for v, _ in parts])
    lengths = np.concatenate([np.diff(o) for _, o in parts])
    return values, batch.offsets_of(lengths)


def read_nodes(spill_dir: str, locs: np.ndarray) -> list[tuple]:
    """Graph node fields ``(exact key, order, ref, domains)`` of sorted node locators, in their order.

    Raises:
        OSError: a node store is missing or unreadable.
    """
    return [row for s, rows in _by_store(locs) for row in spill.read_rows(node_store(spill_dir, s) + ".rows", rows)]


class GroupPartitionFn(beam.DoFn):
    """KV[exact partition, [(spill path, row) of a candidate payload | candidate payload]] ->
    main: KV[LSH partition, (spill path, row) of (exact partition, band hashes, node rows)]
    (:func:`batch.lsh_entries`); ``groups``: KV[exact partition, spill path of its group payload]
    (:func:`exact.group_payload`).

    Writes the partition's node store (:func:`node_store`): the bandable groups'
    representatives, whose band hashes (:func:`batch.node_band_hashes`) go to the LSH
    partitions and, by exact key, to the partition's band store (:func:`spilled.write_band_store`,
    read by the release index); only spill references cross the following shuffles."""

    GROUPS = "groups"

    def __init__(self, cfg, spill_dir: str, lsh_partitions: int):
        self._cfg, self._spill, self._lsh = cfg, spill_dir, lsh_partitions
        self._size = _values_per_key("exact_partition_payloads")
        self._members = _values_per_key("exact_partition_members")

    def process(self, kv):
        partition, payloads = kv
        payloads = list(payloads)  # (spill path, row) refs; an earlier release's payloads come as they are
        refs = [p for p in payloads if len(p) == 2]
        payloads = spilled.read_refs(refs) + [p for p in payloads if len(p) != 2]
        self._size.update(len(payloads))
        part = exact.build_groups(payloads)
        del payloads
        self._members.update(len(part.article_ids))
        yield beam.pvalue.TaggedOutput(self.GROUPS, (partition, spill.write(self._spill, f"groups-{partition}", exact.group_payload(part))))
        rows, shingles, s_off, bands, b_off = exact.bandable_store(part)
        if not rows:
            spilled.write_band_store(self._spill, partition, b"", np.zeros((0, self._cfg.bands), dtype=np.uint64))
            return
        stem = node_store(self._spill, partition)
        spill.write_ragged(self._spill, os.path.basename(stem), shingles, s_off)
        spill.write_rows(self._spill, os.path.basename(stem), rows)
        h = batch.node_band_hashes(shingles, s_off, bands, b_off, self._cfg)
        spilled.write_band_store(self._spill, partition, b"".join(r[0] for r in rows), h)  # for the release index
        yield from self._entries(partition, h)

    def _entries(self, partition: int, h):
        entries = [(lsh, (partition, hashes, nodes)) for lsh, hashes, nodes in batch.lsh_entries(h, self._lsh)]
        yield from spilled.spill_keyed(self._spill, f"lsh-{partition}", entries)


class VerifyPartitionFn(beam.DoFn):
    """KV[LSH partition, [(spill path, row) of band entries]] -> KV[0, [(locator a, locator b,
    similarity), ...]]: the partition's verified edges as one element (:func:`batch.verify_entries`;
    node locators point into the node stores); records the partition's band entries (values per
    key) in a distribution."""

    def __init__(self, cfg, spill_dir: str):
        self._cfg, self._spill = cfg, spill_dir
        self._size = _values_per_key("lsh_partition_entries")

    def process(self, kv):
        entries = spilled.read_refs(sorted(kv[1]))
        h = np.concatenate([np.frombuffer(e[1], dtype="<u8") for e in entries])
        loc = np.concatenate([batch.locators(e[0], np.frombuffer(e[2], dtype="<i4")) for e in entries])
        del entries
        self._size.update(len(h))
        spill_dir = self._spill
        edges = batch.verify_entries(h, loc, lambda locs: read_shingles(spill_dir, locs),
                                     lambda locs: [row[1] for row in read_nodes(spill_dir, locs)], self._cfg)
        if len(edges):
            yield 0, edges


class ResolveFn(beam.DoFn):
    """The global component step: KV[0, [[(locator a, locator b, similarity)], ...]] (one list
    per LSH partition) -> KV[exact partition, [(exact_key, (status, cluster_id, duplicate_of,
    similarity)), ...]] (:class:`core.GroupDecision`'s fields; one element per exact partition);
    the edges' nodes are read from the node stores.

    A pair verified in several LSH partitions (it shares buckets of several bands) is one edge,
    with the highest similarity (:func:`core.distinct_edges`)."""

    def __init__(self, cfg, spill_dir: str, partitions: int):
        self._cfg, self._spill, self._partitions = cfg, spill_dir, partitions
        self._size = _values_per_key("graph_edges")

    def process(self, kv, domain_totals):
        edges = core.distinct_edges(kv[1])
        self._size.update(len(edges))
        locs = np.unique(np.array([loc for a, b, _ in edges for loc in (a, b)], dtype=np.int64))
        fields = dict(zip(locs.tolist(), read_nodes(self._spill, locs)))
        nodes, pairs = {}, []
        for a, b, sim in edges:
            a, b = fields[a], fields[b]
            if b[1] < a[1]:  # a before b in keep order
                a, b = b, a
            for key, order, ref, domains in (a, b):
                if key not in nodes:
                    nodes[key] = core.GroupNode(key, order, ref, b"", domains)
            pairs.append((a[0], b[0], sim))
        pairs.sort()
        by_partition: dict[int, list] = {}
        for key, d in core.resolve_components(nodes, pairs, domain_totals, self._cfg).items():
            by_partition.setdefault(exact.partition_of(key, self._partitions), []).append(
                (key, (d.status, d.cluster_id, d.duplicate_of, d.similarity)))
        yield from sorted(by_partition.items())


class DecideMembersFn(beam.DoFn):
    """KV[exact partition, {groups: [group payload], decided: [[(exact key, decision fields)]]}] ->
    main: KV[batch id, (spill path, row)] (the row: ``[(article_id, (index, status, reason,
    cluster_id, duplicate_of, similarity, duplicate_of_release))]``; one file per partition,
    :func:`spilled.spill_decisions`); ``tally``: release_boilerplate rows (``--dedup-against``).

    Groups without a verified edge take :func:`core.singleton_decision`; members of earlier
    releases are routed by :func:`index.separate` (only their boilerplate hits are kept, as tally)."""

    TALLY = "tally"

    def __init__(self, cfg, release_names: tuple[str, ...], spill_dir: str):
        self._cfg, self._names, self._spill = cfg, tuple(release_names), spill_dir

    def process(self, kv, domain_totals):
        partition, grouped = kv
        decided = {key: core.GroupDecision(*d) for decisions in grouped["decided"] for key, d in decisions}
        lists = []  # (batch id, decisions): one spill row each
        for path in grouped["groups"]:  # one per partition
            part = exact.groups_from_payload(spill.read(path))
            if not self._names:  # no earlier releases: every member is this run's, decided as it is
                out = exact.member_decisions(part, decided, domain_totals, self._cfg, tail=(None,))
                lists += sorted(out.items())
                continue
            for batch_id, decisions in sorted(exact.member_decisions(part, decided, domain_totals, self._cfg).items(),
                                              key=lambda kv: (kv[0] is None, kv[0] or "")):
                new = []
                for decision in decisions:
                    routed = index.separate(decision, self._names)
                    if routed is None:
                        continue
                    if routed[0] == "new":
                        new.append(routed[1])
                    else:
                        yield beam.pvalue.TaggedOutput(self.TALLY, {"kind": "release_boilerplate", "key": json.dumps(list(routed[1])), "count": 1})
                if new:
                    lists.append((batch_id, new))
        yield from spilled.spill_decisions(self._spill, partition, lists)


class DedupAcrossArticles(beam.PTransform):
    """Candidates of all articles, in exact partitions -> across-article decisions by batch.

    Input: PCollection[KV[exact partition, candidate payload]] (:func:`exact.partition_rows`;
    batch id None for earlier releases' paragraphs). Output: dict(decisions=PCollection[KV[batch
    id, (spill path, row)]] (the row: ``[(article_id, (index, status, reason, cluster_id,
    duplicate_of, similarity, duplicate_of_release))]``, :func:`spilled.read_refs`),
    tally=PCollection[dict] (earlier-release boilerplate hits)).

    Steps (docs/ARCHITECTURE.md): exact groups per partition (GroupByKey: one value per batch
    that has candidates there); the representatives written to the partition's node store, their
    signatures and band hashes -> band entries, one shuffle element per (exact partition,
    hash-range LSH partition; :func:`batch.lsh_partition_count`) -> verify each distinct candidate
    pair of an LSH partition once, nodes read from the stores by locator -> distinct
    verified edges -> connected components and the keep rule (one global group over the edge
    list) -> decisions of the grouped nodes joined back to their exact partition (CoGroupByKey)
    -> every member's decision, one spill row and one element per (partition, batch of articles).

    Args:
        dedup_cfg: the ``dedup`` config section.
        domain_totals: side input (AsDict) of domain -> article count.
        partitions: exact partitions the input was split into.
        release_names: names of the ``--dedup-against`` releases, by ordinal.
        spill_dir: directory for the stage's spill files (:mod:`transforms.spill`): payloads, node stores, band entries, decisions.
    """

    def __init__(self, dedup_cfg, domain_totals, spill_dir: str, partitions: int = 1, release_names: tuple[str, ...] = ()):
        super().__init__()
        self._cfg, self._totals, self._partitions, self._names = dedup_cfg, domain_totals, partitions, tuple(release_names)
        self._spill = spill_dir

    def expand(self, parts):
        cfg, partitions, spill_dir = self._cfg, self._partitions, self._spill
        grouped = (
            parts
            | "GroupByExactPartition" >> beam.GroupByKey()
            | "ExactGroups" >> beam.ParDo(GroupPartitionFn(cfg, spill_dir, batch.lsh_partition_count(partitions))).with_outputs(
                GroupPartitionFn.GROUPS, main="entries")
        )
        edges = (
            grouped.entries
            | "GroupByPartition" >> beam.GroupByKey()
            | "VerifyPartitions" >> beam.ParDo(VerifyPartitionFn(cfg, spill_dir))
        )  # -> KV[0, [(locator a, locator b, similarity)]]: one element per LSH partition with edges
        decided = (
            edges
            | "GatherGraph" >> beam.GroupByKey()
            | "ResolveComponents" >> beam.ParDo(ResolveFn(cfg, spill_dir, partitions), beam.pvalue.AsDict(self._totals))
        )  # -> KV[exact partition, [(exact_key, decision fields)]]
        members = (
            {"groups": grouped.groups, "decided": decided}
            | "JoinDecisions" >> beam.CoGroupByKey()
            | "DecideMembers" >> beam.ParDo(DecideMembersFn(cfg, self._names, self._spill), beam.pvalue.AsDict(self._totals)).with_outputs(
                DecideMembersFn.TALLY, main="decisions")
        )
        return {"decisions": members.decisions, "tally": members.tally}


class AssembleBatchFn(beam.DoFn):
    """KV[batch id, {batch: [spill path of ((Article wire, within decisions wire), ...)], across: [(spill path, row of
    [(article_id, decision)])], copies: [(article_id, copy map)]}] -> main: [(Article, [ParagraphDecision], duplicate_of_article)]
    (the articles of one spilled batch, at most :data:`transforms.batching.BundleBatchFn.BATCH`);
    ``index``: per batch, the release index rows that ``index(forms file path, [those main outputs],
    [row in the forms file | None])`` returns (:class:`transforms.dedup.index_transforms.IndexBuilder`:
    Arrow payload bytes; the articles with across-article decisions are those with pending
    paragraphs, whose forms :class:`DecideWithinBatchFn` wrote in batch order, :func:`spilled.write_forms`).

    With ``language_cfg``, the language of each article that will be written is identified here
    (:func:`transforms.language.core.identify_written`; the detector is built in ``setup``)."""

    INDEX = "index"

    def __init__(self, cfg, index=None, language_cfg=None):
        self._cfg, self._index, self._language = cfg, index, language_cfg
        self._detector = None
        self._size = _values_per_key("assemble_batch")

    def setup(self):
        if self._language is not None and self._language.detect:
            self._detector = language_core.build_detector(self._language)

    def process(self, kv):
        batch_id, grouped = kv
        batches = list(grouped["batch"])
        across_lists = list(grouped["across"])
        copies = dict(grouped["copies"])
        self._size.update(len(batches) + len(across_lists) + len(copies))
        across: dict[str, list] = {}
        for decisions in spilled.read_refs(across_lists):
            for article_id, decision in decisions:
                across.setdefault(article_id, []).append(decision)
        for path in batches:
            items, rows, fingerprinted = [], [], 0
            for article_wire, within_wire in spill.read(path):
                article = from_wire(Article, article_wire)
                mine = across.get(article.article_id, ())
                decisions, dup_article = core.assemble(article, within_wire, sorted(mine), self._cfg,
                                                       copies.get(article.article_id))
                items.append((article, decisions, dup_article))
                rows.append(fingerprinted if mine else None)
                fingerprinted += bool(mine)
            if self._language is not None:  # one pass over the batch: the model stays in the CPU caches
                items = [(language_core.identify_written(article, decisions, self._language, self._detector), decisions, dup)
                         for article, decisions, dup in items]
            yield items  # one element per spilled batch, not one per article
            if self._index is not None:
                payload = self._index(spill.rows_path(os.path.dirname(path), spilled.forms_name(batch_id)), items, rows)
                if payload is not None:
                    yield beam.pvalue.TaggedOutput(self.INDEX, payload)


class AssembleArticles(beam.PTransform):
    """Join each batch of articles with its paragraph decisions (CoGroupByKey by batch id).

    Input: dict(batches=..., across=..., copies=...) as :class:`DedupWithinArticle` and
    :class:`DedupAcrossArticles` return them. The exact copies' maps are first joined with the
    across-article decisions of their original's batch (:func:`spilled.follow_copies`: a
    copy's paragraph names what its original's exact duplicate names), then with their own batch.
    Output: dict(assembled=PCollection[list[(Article, [ParagraphDecision], duplicate_of_article | None)]] (a list per batch),
    index=PCollection[bytes]: the release index rows of each batch as an Arrow record batch
    (``WriteDataset``'s ``index`` input); empty without ``index``).

    Args:
        index: :class:`transforms.dedup.index_transforms.IndexBuilder`, or None: no index rows.
        language_cfg: the ``language`` config section when languages are identified here (no
            language filter: only written articles show one), else None.
    """

    def __init__(self, dedup_cfg, index=None, language_cfg=None):
        super().__init__()
        self._cfg, self._index, self._language = dedup_cfg, index, language_cfg

    def expand(self, inputs):
        copies = (
            {"copies": inputs["copies"], "across": inputs["across"]}
            | "JoinCopiesWithOriginals" >> beam.CoGroupByKey()
            | "FollowCopyPointers" >> beam.FlatMap(lambda kv: spilled.follow_copies(kv[1]["copies"], kv[1]["across"]))
        )  # -> KV[batch id, (article_id, {index: (paragraph id, jaccard, release)})]
        out = (
            {"batch": inputs["batches"], "across": inputs["across"], "copies": copies}
            | "JoinByBatch" >> beam.CoGroupByKey()
            | "Assemble" >> beam.ParDo(AssembleBatchFn(self._cfg, self._index, self._language)).with_outputs(AssembleBatchFn.INDEX, main="assembled")
        )
        return {"assembled": out.assembled, "index": out[AssembleBatchFn.INDEX]}
