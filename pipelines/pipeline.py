"""Assembles the newsetl pipeline from a validated config: a list of composite stages."""
from __future__ import annotations

import os
from collections import Counter

import apache_beam as beam

from transforms import spill
from transforms.batching import ArticleBatch
from transforms.clean.transforms import CleanArticles
from transforms.dedup import exact
from transforms.dedup.index_transforms import IndexBuilder, ReadReleaseIndex
from transforms.dedup.transforms import AssembleArticles, DedupAcrossArticles, DedupWithinArticle
from transforms.ingest.transforms import ReadArticles
from transforms.language.transforms import IdentifyLanguage
from transforms.progress.transforms import ReportProgress
from transforms.write.transforms import WriteDataset


def _input_bytes(files) -> int:
    """Total size of the input files in bytes (what the exact partition count scales with)."""
    total = 0
    for path, _ in files:
        try:
            total += os.path.getsize(path)
        except OSError:  # not a local file: the partition count only spreads work
            pass
    return total


SHARD_INPUT_BYTES = 64 << 20  # output.shards auto: one file per table per 64 MiB of input


def output_shards(shards, input_bytes: int) -> int:
    """The number of files per table: ``shards`` when it is a number; for ``auto`` one per
    :data:`SHARD_INPUT_BYTES` of input files (at least 1, at most 10,000)."""
    if shards != "auto":
        return shards
    return int(min(10_000, max(1, -(-input_bytes // SHARD_INPUT_BYTES))))


def build(pipeline: beam.Pipeline, files, config, staging: str, against: tuple[tuple[str, str], ...] = (),
          taken_down=None) -> None:
    """Add every newsetl stage to ``pipeline``.

    Args:
        pipeline: an empty Beam pipeline.
        files: ``[(path, input root), ...]``.
        config: a validated :class:`pipelines.config.NewsetlConfig`.
        staging: directory the Parquet tables are written to (published later by the launcher).
        against: ``((release directory, release name), ...)`` to deduplicate against
            (``--dedup-against``, checked by the launcher); earlier in the tuple sorts first.
        taken_down: the articles those releases took down (:class:`transforms.takedown.core.TakenDown`,
            read by the launcher) or None; a re-sent one becomes a reject (``dedup``/``taken_down``).
    """
    input_bytes = _input_bytes(files)
    config = config.model_copy(update={"output": config.output.model_copy(
        update={"shards": output_shards(config.output.shards, input_bytes)})})
    spill_dir = spill.spill_dir(staging)  # article texts go to spill files, not through shuffles
    read = pipeline | "ReadArticles" >> ReadArticles(files, config.ingest, spill_dir, input_bytes)
    # -> articles: [Article] (batches); rejects: Reject; tally: (source_file, records)
    _ = read["progress"] | "ReportProgress" >> ReportProgress(f"{staging}/_progress")  # side branch: progress files
    read_articles, rejects = read["articles"], [read["rejects"]]
    if taken_down:  # articles an earlier release took down stay out (README "Takedowns")
        from transforms.takedown.transforms import DropTakenDown

        kept = read_articles | "DropTakenDown" >> DropTakenDown(taken_down)
        read_articles = kept["articles"]  # -> [Article] (batches, without the taken-down articles)
        read_articles.element_type = ArticleBatch
        rejects.append(kept["rejects"])
    cleaned = read_articles | "CleanArticles" >> CleanArticles(config.clean)
    # -> [Article] (cleaned, in the batches they were read in)
    if config.language.keep:  # a language filter: identified before dedup, so filtered articles take no part
        language = cleaned | "IdentifyLanguage" >> IdentifyLanguage(config.language)
        articles = language["articles"]  # -> [Article] (batches; language set; the filter's drops are rejects)
        rejects.append(language["rejects"])
        late_language = None
    else:  # no filter: only written articles show a language, so it is identified at assembly, for those only
        articles, late_language = cleaned, config.language
    for batches in (read["articles"], cleaned, articles):  # sized by characters, not pickled (batching.ArticleBatchCoder)
        batches.element_type = ArticleBatch
    rejects = tuple(rejects) | "MergeRejects" >> beam.Flatten()
    partitions = exact.partition_count(input_bytes)
    within = articles | "DedupWithinArticle" >> DedupWithinArticle(config.clean, config.dedup, partitions, spill_dir)
    # -> batches: KV[batch id, spill path of ((Article wire, within decisions wire), ...)]; parts: KV[exact partition,
    #    columnar candidate payload (exact.pending_rows)]; paragraphs: int; exact_copies: KV[original's batch id, (batch id, article_id, original id, copy map)]
    domain_totals = (
        articles
        | "ArticleDomains" >> beam.FlatMap(lambda batch: Counter(a.domain for a in batch if a.domain).items())
        | "CountPerDomain" >> beam.CombinePerKey(sum)
    )  # -> (domain, articles)
    parts = within["parts"]
    if against:
        earlier = (
            pipeline
            | "ReadReleaseIndex" >> ReadReleaseIndex([path for path, _ in against], config.dedup)
            | "BatchEarlier" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
            | "PartitionEarlier" >> beam.FlatMap(lambda cs, n=partitions: exact.partition_rows(None, cs, n))
        )
        parts = (parts, earlier) | "WithEarlierReleases" >> beam.Flatten()
    across = parts | "DedupAcrossArticles" >> DedupAcrossArticles(
        config.dedup, domain_totals, spill_dir, partitions, tuple(name for _, name in against))
    # -> decisions: KV[batch id, (spill path, row of [(article_id, decision)])]; tally: earlier-release boilerplate hits
    joined = (
        {"batches": within["batches"], "across": across["decisions"], "copies": within["exact_copies"]}
        | "AssembleArticles" >> AssembleArticles(config.dedup, IndexBuilder(config.dedup, spill_dir, partitions), late_language)
    )
    assembled = joined["assembled"]  # -> [(Article, [ParagraphDecision], duplicate_of_article)] a batch; index: Arrow batches of index/ rows
    assembled.element_type = ArticleBatch  # sized by characters, not pickled
    paragraphs_in = (
        within["paragraphs"]
        | "SumParagraphs" >> beam.CombineGlobally(sum)
        | "ParagraphTally" >> beam.Map(lambda n: {"kind": "paragraphs", "key": "all", "count": n})
    )
    records_in = read["tally"] | "RecordTally" >> beam.Map(lambda kv: {"kind": "records", "key": kv[0], "count": kv[1]})
    unparsed = read["published_unparsed"] | "UnparsedDateTally" >> beam.Map(
        lambda kv: {"kind": "published_unparsed", "key": kv[0], "count": kv[1]})
    unrecognised = read["language_unrecognised"] | "UnrecognisedLanguageTally" >> beam.Map(
        lambda kv: {"kind": "language_unrecognised", "key": kv[0], "count": kv[1]})
    bad_urls = read["url_unusable"] | "UnusableUrlTally" >> beam.Map(lambda kv: {"kind": "url_unusable", "key": kv[0], "count": kv[1]})
    tally = (records_in, paragraphs_in, across["tally"], unparsed, unrecognised, bad_urls) | "MergeTally" >> beam.Flatten()
    ({"assembled": assembled, "rejects": rejects, "tally": tally, "index": joined["index"]}
     | "WriteDataset" >> WriteDataset(staging, config.output, spill_dir))  # every table's files in one writer step
