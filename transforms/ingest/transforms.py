"""ReadArticles: input files -> Article PCollection, with dead letters and a per-file tally."""
from __future__ import annotations

import apache_beam as beam

from transforms.ingest import core, warc
from transforms.records import Article, Reject, from_wire, to_wire

NAMESPACE = "newsetl"


class ReadFileFn(beam.DoFn):
    """Reads one ``(path, root)`` file; main output Article, tagged ``rejects``, ``tally`` and
    ``published_unparsed`` (``(source_file, articles whose published value did not parse)``, only
    when not 0)."""

    REJECTS = "rejects"
    TALLY = "tally"
    PUBLISHED_UNPARSED = "published_unparsed"

    def __init__(self, ingest_cfg):
        self._cfg = ingest_cfg
        self._articles = beam.metrics.Metrics.counter(NAMESPACE, "ingest/articles")
        self._rejects = beam.metrics.Metrics.counter(NAMESPACE, "ingest/rejected")

    def process(self, element):
        path, root = element
        n = unparsed = 0
        for item in core.read_file(path, root, self._cfg):
            n += 1
            if isinstance(item, Reject):
                self._rejects.inc()
                yield beam.pvalue.TaggedOutput(self.REJECTS, item)
            else:
                self._articles.inc()
                unparsed += item.published_unparsed
                yield item
        if unparsed:
            yield beam.pvalue.TaggedOutput(self.PUBLISHED_UNPARSED, (path, unparsed))
        # -> (source_file, records yielded: articles + rejects) for the reconciliation
        yield beam.pvalue.TaggedOutput(self.TALLY, (path, n))


def _first_by_source(kv):
    """Same article id in several records: keep the first by (source_file, source_record).

    Web captures share the id of their canonical URL: the capture rule of
    :func:`transforms.ingest.warc.select_capture` chooses one, the others are ``superseded_capture``.
    """
    article_id, wires = kv
    articles = [from_wire(Article, w) for w in wires]
    if all(a.capture for a in articles):
        first, others = warc.select_capture(articles)
        reason, detail = "superseded_capture", f"superseded by the capture of {first.url} chosen (latest WARC-Date) from"
    else:
        first, *others = sorted(articles, key=lambda a: (a.source_file, a.source_record))
        reason, detail = "duplicate_article_id", f"article_id {article_id!r} already read from"
    yield first
    for dup in others:
        yield beam.pvalue.TaggedOutput("rejects", Reject(
            dup.source_file, dup.source_record, -1, "ingest", reason,
            f"{detail} {first.source_file} record {first.source_record}", (dup.title or "")[:200]))


class ReadArticles(beam.PTransform):
    """Read input files into Articles.

    Input: PBegin. Output: dict with ``articles`` (PCollection[Article]), ``rejects``
    (PCollection[Reject]), ``tally`` (PCollection[(source_file, records)]) and
    ``published_unparsed`` (PCollection[(source_file, count)], files with unparsed dates only).

    Args:
        files: ``[(path, input root), ...]`` from :func:`transforms.ingest.core.expand_inputs`.
        ingest_cfg: the ``ingest`` config section.
    """

    def __init__(self, files, ingest_cfg):
        super().__init__()
        self._files, self._cfg = list(files), ingest_cfg

    def expand(self, pbegin):
        read = (
            pbegin
            | "ListFiles" >> beam.Create(self._files)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFile" >> beam.ParDo(ReadFileFn(self._cfg)).with_outputs(
                ReadFileFn.REJECTS, ReadFileFn.TALLY, ReadFileFn.PUBLISHED_UNPARSED, main="articles")
        )  # -> Article | Reject | (path, n) | (path, unparsed published values)
        unique = (
            read.articles
            | "KeyById" >> beam.Map(lambda a: (a.article_id, to_wire(a)))  # plain tuples: no pickling
            | "GroupById" >> beam.GroupByKey()
            | "FirstBySource" >> beam.FlatMap(_first_by_source).with_outputs("rejects", main="articles")
        )  # -> Article with a unique article_id
        rejects = (read.rejects, unique.rejects) | "MergeRejects" >> beam.Flatten()
        return {"articles": unique.articles, "rejects": rejects, "tally": read.tally,
                "published_unparsed": read.published_unparsed}
