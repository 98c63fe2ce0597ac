"""ReadArticles: input files -> Article PCollection, with dead letters and a per-file tally."""
from __future__ import annotations

import os
from itertools import chain

import apache_beam as beam
import xxhash

from transforms import gc_tuning, spill
from transforms.batching import BundleBatchFn
from transforms.ingest import core, jsonl, unique
from transforms.records import Article, Reject, from_wire, to_wire

NAMESPACE = "newsetl"


class _EmitRecordsFn(beam.DoFn):
    """Emits a file's (or a chunk's) Articles and Rejects with the tallies of :class:`ReadFileFn`."""

    REJECTS = "rejects"
    TALLY = "tally"
    PUBLISHED_UNPARSED = "published_unparsed"
    LANGUAGE_UNRECOGNISED = "language_unrecognised"
    URL_UNUSABLE = core.URL_UNUSABLE
    PROGRESS = "progress"

    def __init__(self, ingest_cfg, progress: bool = False):
        self._cfg, self._progress = ingest_cfg, progress
        self._articles = beam.metrics.Metrics.counter(NAMESPACE, "ingest/articles")
        self._rejects = beam.metrics.Metrics.counter(NAMESPACE, "ingest/rejected")

    def _emit(self, path, items, source_bytes=None, files=1):
        """Articles (main output), Rejects, then ``(path, records)`` (tally), ``(path, unparsed
        published values)`` when not 0 and, with progress on, ``(path, records, source_bytes,
        files)`` (progress: bytes None = the file's size)."""
        n = rejected = unparsed = unrecognised = bad_urls = 0
        for item in items:
            n += 1
            if isinstance(item, Reject):
                rejected += 1
                yield beam.pvalue.TaggedOutput(self.REJECTS, item)
            else:
                unparsed += item.published_unparsed
                unrecognised += item.language_unrecognised
                bad_urls += item.url_unusable
                yield item
        self._articles.inc(n - rejected)  # once a file (chunk), not once an article
        self._rejects.inc(rejected)
        if unparsed:
            yield beam.pvalue.TaggedOutput(self.PUBLISHED_UNPARSED, (path, unparsed))
        if unrecognised:
            yield beam.pvalue.TaggedOutput(self.LANGUAGE_UNRECOGNISED, (path, unrecognised))
        if bad_urls:
            yield beam.pvalue.TaggedOutput(self.URL_UNUSABLE, (path, bad_urls))
        # -> (source_file, records yielded: articles + rejects) for the reconciliation
        yield beam.pvalue.TaggedOutput(self.TALLY, (path, n))
        if self._progress:
            yield beam.pvalue.TaggedOutput(self.PROGRESS, (path, n, source_bytes, files))


class ReadFileFn(_EmitRecordsFn):
    """Reads one ``(path, root)`` file; main output Article, tagged ``rejects``, ``tally`` and
    ``published_unparsed`` (``(source_file, articles whose published value did not parse)``, only
    when not 0). The streaming pipeline's reader; the batch pipeline cuts and parses in
    :class:`CutFileFn` and :class:`ParseFn`."""

    def setup(self):
        gc_tuning.tune_gc()  # this worker process's collector (the run's first DoFn)

    def process(self, element):
        path, root = element
        yield from self._emit(path, core.read_file(path, root, self._cfg))


CUT_MIN_BYTES = jsonl.CHUNK_BYTES // 8  # smaller files (as stored) are read whole: never more than a few chunks


class CutFileFn(beam.DoFn):
    """``(path, root)`` -> ``(path, root, chunk)`` work items for :class:`ParseFn`.

    A JSONL file of at least :data:`CUT_MIN_BYTES` is cut into chunks of whole lines
    (:func:`transforms.ingest.jsonl.file_chunks`); each chunk's lines go to a spill file (named by
    the file and the chunk's offset and length: a retried bundle rewrites the same file) and its
    item carries the :class:`~transforms.ingest.jsonl.JsonlChunk` as a plain tuple, ``data`` the
    spill path. Any other file gives one item with chunk None: it is read whole where it lands.
    """

    def __init__(self, ingest_cfg, spill_dir: str):
        self._cfg, self._spill = ingest_cfg, spill_dir

    def setup(self):
        gc_tuning.tune_gc()  # this worker process's collector (the run's first DoFn)

    def process(self, element):
        path, root = element
        try:
            small = os.path.getsize(path) < CUT_MIN_BYTES
        except OSError:  # not a local file: read whole (core.read_file makes the Reject if need be)
            small = True
        pieces = None if small else jsonl.file_chunks(path, root, self._cfg)
        if pieces is None:
            yield path, root, None
            return
        for chunk in pieces:
            name = "chunk-" + xxhash.xxh64_hexdigest(f"{path}\0{chunk.offset}\0{len(chunk.data)}".encode("utf-8"))
            yield path, root, tuple(chunk._replace(data=spill.write_bytes(self._spill, name, chunk.data)))


def spreads_work(options) -> bool:
    """False for the one in-process worker of the local runner (no ``--runner``,
    ``--direct_num_workers`` 1, the default): there :class:`ReadArticles` reads every file whole,
    without ``CutFiles``, ``SpreadChunks`` and the per-file sums (they only cost: about 0.2 s of
    CPU at 50 MB); True for any other runner or worker count."""
    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

    return options.view_as(StandardOptions).runner is not None or options.view_as(DirectOptions).direct_num_workers != 1


class ParseFn(_EmitRecordsFn):
    """A :class:`CutFileFn` work item (or a ``(path, root)`` file) -> the Articles and Rejects of the chunk (or of the whole
    file), with the outputs of :class:`ReadFileFn` and ``progress``: ``(path, records, source
    bytes or None for the file's size, files done)`` (a chunk: its share of the file's bytes, and
    the file done with its last chunk)."""

    def __init__(self, ingest_cfg):
        super().__init__(ingest_cfg, progress=True)

    def setup(self):
        gc_tuning.tune_gc()

    def process(self, element):
        path, root, chunk = element if len(element) == 3 else (*element, None)  # (path, root): a whole file
        if chunk is None:
            yield from self._emit(path, core.read_file(path, root, self._cfg))
            return
        chunk = jsonl.JsonlChunk(*chunk)
        cfg = self._cfg.for_file(path, chunk.rel_path)
        yield from self._emit(path, jsonl.parse(chunk, spill.read_bytes(chunk.data), cfg), chunk.source_bytes, int(chunk.last))


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
    (PCollection[Reject]), ``tally`` (PCollection[(source_file, records)], one per file),
    ``published_unparsed`` (PCollection[(source_file, count)], files with unparsed dates only),
    ``language_unrecognised`` (the same for input languages that name none), ``url_unusable``
    (the same for url values that name no web address, :func:`transforms.ingest.core.article_url`) and
    ``progress`` (PCollection[(source_file, records, source bytes or None, files done)], per file
    or chunk, for :class:`transforms.progress.transforms.ReportProgress`).

    A JSONL file of at least :data:`CUT_MIN_BYTES` is cut by one worker into chunks of whole
    lines (:data:`transforms.ingest.jsonl.CHUNK_BYTES` of decompressed text) written to spill
    files; a Reshuffle spreads the chunk references with the other files and each chunk is parsed
    where it lands, so one large file's parsing uses every worker (not on the local runner's
    single in-process worker: :func:`spreads_work`).

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
        spread = spreads_work(pbegin.pipeline.options)
        files = pbegin | "ListFiles" >> beam.Create(self._files) | "SpreadFiles" >> beam.Reshuffle()
        if spread:
            files = (files
                     | "CutFiles" >> beam.ParDo(CutFileFn(self._cfg, self._spill))
                     | "SpreadChunks" >> beam.Reshuffle())  # -> (path, root, chunk or None)
        read = files | "ReadFile" >> beam.ParDo(ParseFn(self._cfg)).with_outputs(
            ParseFn.REJECTS, ParseFn.TALLY, ParseFn.PUBLISHED_UNPARSED, ParseFn.PROGRESS, ParseFn.LANGUAGE_UNRECOGNISED, ParseFn.URL_UNUSABLE,
            main="articles")
        # -> Article | Reject | (path, n) | (path, unparsed published values) | (path, n, bytes, files done)
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
        tally, unparsed, unrecognised, bad_urls = read.tally, read.published_unparsed, read.language_unrecognised, read.url_unusable
        if spread:  # a file cut into chunks has a count per chunk: one per file, as the report wants them
            tally = tally | "RecordsPerFile" >> beam.CombinePerKey(sum)
            unparsed = unparsed | "UnparsedPerFile" >> beam.CombinePerKey(sum)
            unrecognised = unrecognised | "UnrecognisedPerFile" >> beam.CombinePerKey(sum)
            bad_urls = bad_urls | "UnusableUrlsPerFile" >> beam.CombinePerKey(sum)
        return {"articles": articles, "rejects": rejects, "tally": tally, "published_unparsed": unparsed,
                "language_unrecognised": unrecognised, "url_unusable": bad_urls,
                "progress": read.progress}
