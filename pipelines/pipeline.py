"""Assembles the newsetl pipeline from a validated config: a list of composite stages."""
from __future__ import annotations

import apache_beam as beam

from transforms.clean.transforms import CleanArticles
from transforms.dedup.index_transforms import IndexRows, ReadReleaseIndex, SeparateEarlierReleases
from transforms.dedup.transforms import AssembleArticles, DedupAcrossArticles, DedupWithinArticle
from transforms.ingest.transforms import ReadArticles
from transforms.language.transforms import IdentifyLanguage
from transforms.progress.transforms import ReportProgress
from transforms.write.transforms import WriteDataset, WriteTable


def build(pipeline: beam.Pipeline, files, config, staging: str, against: tuple[tuple[str, str], ...] = ()) -> None:
    """Add every newsetl stage to ``pipeline``.

    Args:
        pipeline: an empty Beam pipeline.
        files: ``[(path, input root), ...]``.
        config: a validated :class:`pipelines.config.NewsetlConfig`.
        staging: directory the Parquet tables are written to (published later by the launcher).
        against: ``((release directory, release name), ...)`` to deduplicate against
            (``--dedup-against``, checked by the launcher); earlier in the tuple sorts first.
    """
    read = pipeline | "ReadArticles" >> ReadArticles(files, config.ingest)
    # -> articles: Article; rejects: Reject; tally: (source_file, records)
    _ = read["tally"] | "ReportProgress" >> ReportProgress(f"{staging}/_progress")  # side branch: progress files
    cleaned = read["articles"] | "CleanArticles" >> CleanArticles(config.clean)
    # -> Article (cleaned)
    language = cleaned | "IdentifyLanguage" >> IdentifyLanguage(config.language)
    articles = language["articles"]  # -> Article (language set; the filter's drops are rejects)
    rejects = (read["rejects"], language["rejects"]) | "MergeRejects" >> beam.Flatten()
    within = articles | "DedupWithinArticle" >> DedupWithinArticle(config.clean, config.dedup)
    # -> candidates: Candidate; decisions: (article_id, [ParagraphDecision]); paragraphs: int
    domain_totals = (
        articles
        | "ArticleDomains" >> beam.FlatMap(lambda a: [a.domain] if a.domain else [])
        | "CountPerDomain" >> beam.combiners.Count.PerElement()
    )  # -> (domain, articles)
    candidates, extra_tally = within["candidates"], []
    if against:
        earlier = pipeline | "ReadReleaseIndex" >> ReadReleaseIndex([path for path, _ in against], config.dedup)
        candidates = (candidates, earlier) | "WithEarlierReleases" >> beam.Flatten()
    across = candidates | "DedupAcrossArticles" >> DedupAcrossArticles(config.dedup, domain_totals)
    # -> (article_id, (index, status, reason, cluster_id, duplicate_of, similarity))
    if against:
        separated = across | "SeparateEarlierReleases" >> SeparateEarlierReleases(tuple(name for _, name in against))
        across, extra_tally = separated["decisions"], [separated["tally"]]
    assembled = (
        {"articles": articles, "within": within["decisions"], "across": across, "copies": within["exact_copies"]}
        | "AssembleArticles" >> AssembleArticles(config.dedup)
    )
    # -> (Article, [ParagraphDecision], duplicate_of_article)
    paragraphs_in = (
        within["paragraphs"]
        | "SumParagraphs" >> beam.CombineGlobally(sum)
        | "ParagraphTally" >> beam.Map(lambda n: {"kind": "paragraphs", "key": "all", "count": n})
    )
    records_in = read["tally"] | "RecordTally" >> beam.Map(lambda kv: {"kind": "records", "key": kv[0], "count": kv[1]})
    tally = (records_in, paragraphs_in, *extra_tally) | "MergeTally" >> beam.Flatten()
    {"assembled": assembled, "rejects": rejects, "tally": tally} | "WriteDataset" >> WriteDataset(staging, config.output)
    assembled | "IndexRows" >> IndexRows(config.dedup) | "WriteIndex" >> WriteTable(staging, "index", config.output)
