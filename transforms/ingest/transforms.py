"""ReadArticles: input files -> Article PCollection, with dead letters and a per-file tally."""
from __future__ import annotations

from itertools import chain

import apache_beam as beam
import xxhash

from transforms import gc_tuning, spill
from transforms.batching import BundleBatchFn
from transforms.ingest import core, unique
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

    def setup(self):
        gc_tuning.tune_gc()  # this worker process's collector (the run's first DoFn)

    def process(self, element):
        path, root = element
        n = rejected = unparsed = 0
        for item in core.read_file(path, root, self._cfg):
            n += 1
            if isinstance(item, Reject):
                rejected += 1
                yield beam.pvalue.TaggedOutput(self.REJECTS, item)
            else:
                unparsed += item.published_unparsed
                yield item
        self._articles.inc(n - rejected)  # once a file, not once an article
        self._rejects.inc(rejected)
        if unparsed:
            yield beam.pvalue.TaggedOutput(self.PUBLISHED_UNPARSED, (path, unparsed))
        # -> (source_file, records yielded: articles + rejects) for the reconciliation
        yield beam.pvalue.TaggedOutput(self.TALLY, (path, n))


class SpillArticlesFn(BundleBatchFn):
    """Article -> KV[id partition, (spill path, refs)] (:func:`unique.partition_refs`); the
    articles of each batch of up to :data:`BundleBatchFn.BATCH` are written to one spill file,
    named by the first article's ``(source_file, source_record)`` and the batch size, so a retried
    bundle rewrites the same file."""

    def __init__(self, directory: str, partitions: int):
        self._dir, self._partitions = directory, partitions

    def flush(self, items):
        name = "read-" + xxhash.xxh64_hexdigest(f"{items[0].source_file}\0{items[0].source_record}\0{len(items)}".encode("utf-8"))
        path = spill.write(self._dir, name, [to_wire(a) for a in items])
        return unique.partition_refs(items, path, self._partitions)


def _first_by_source(kv):
    """KV[id partition, [(spill path, refs)]] -> KV[spill path, [position]] of the articles kept
    (one per id, :func:`unique.choose_firsts`); tagged ``rejects``: Reject of the others."""
    kept, superseded = unique.choose_firsts(kv[1])
    yield from kept.items()
    for s in superseded:
        yield beam.pvalue.TaggedOutput("rejects", Reject(
            s.ref.source_file, s.ref.source_record, -1, "ingest", s.reason, s.detail, s.ref.title))


def _read_spilled(kv):
    """KV[spill path, [[position]]] -> [Article]: the articles at those positions of the spill
    file, as one batch (at most :data:`BundleBatchFn.BATCH`)."""
    path, position_lists = kv
    wires = spill.read(path)
    return [[from_wire(Article, wires[i]) for i in sorted(set(chain.from_iterable(position_lists)))]]


class ReadArticles(beam.PTransform):
    """Read input files into Articles.

    Input: PBegin. Output: dict with ``articles`` (PCollection[list[Article]]: batches of at most
    :data:`BundleBatchFn.BATCH` articles, so that later stages pay Beam's per-element cost per
    batch), ``rejects``
    (PCollection[Reject]), ``tally`` (PCollection[(source_file, records)]) and
    ``published_unparsed`` (PCollection[(source_file, count)], files with unparsed dates only).

    Article ids are made unique by a shuffle of small references (:mod:`transforms.ingest.unique`:
    one element per spilled batch and id partition); the articles themselves go to spill files
    (``spill_dir``) and are read back once chosen, so no article text crosses a shuffle.

    Args:
        files: ``[(path, input root), ...]`` from :func:`transforms.ingest.core.expand_inputs`.
        ingest_cfg: the ``ingest`` config section.
        spill_dir: directory for spill files (:func:`transforms.spill.spill_dir` of the staging directory).
        input_bytes: size of the input files (the id partition count scales with it, :func:`unique.id_partitions`).
    """

    def __init__(self, files, ingest_cfg, spill_dir: str, input_bytes: int = 0):
        super().__init__()
        self._files, self._cfg, self._spill = list(files), ingest_cfg, spill_dir
        self._id_partitions = unique.id_partitions(input_bytes)

    def expand(self, pbegin):
        read = (
            pbegin
            | "ListFiles" >> beam.Create(self._files)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFile" >> beam.ParDo(ReadFileFn(self._cfg)).with_outputs(
                ReadFileFn.REJECTS, ReadFileFn.TALLY, ReadFileFn.PUBLISHED_UNPARSED, main="articles")
        )  # -> Article | Reject | (path, n) | (path, unparsed published values)
        kept = (
            read.articles
            | "SpillArticles" >> beam.ParDo(SpillArticlesFn(self._spill, self._id_partitions))
            | "GroupByIdPartition" >> beam.GroupByKey()
            | "FirstBySource" >> beam.FlatMap(_first_by_source).with_outputs("rejects", main="chosen")
        )  # -> KV[spill path, [position]] of the articles kept (one per id)
        articles = (
            kept.chosen
            | "GroupBySpillFile" >> beam.GroupByKey()
            | "ReadSpilled" >> beam.FlatMap(_read_spilled)
        )  # -> [Article], each with a unique article_id
        rejects = (read.rejects, kept.rejects) | "MergeRejects" >> beam.Flatten()
        return {"articles": articles, "rejects": rejects, "tally": read.tally,
                "published_unparsed": read.published_unparsed}
