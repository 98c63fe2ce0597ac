"""ReadArticles: input files -> Article PCollection, with dead letters and a per-file tally."""
from __future__ import annotations

from typing import NamedTuple

import itertools

import apache_beam as beam
import xxhash

from transforms import gc_tuning, spill
from transforms.batching import BundleBatchFn
from transforms.ingest import core, jsonl, warc
from transforms.records import Article, Reject, from_wire, to_wire

NAMESPACE = "newsetl"


class _EmitRecordsFn(beam.DoFn):
    """Emits a file's (or a chunk's) Articles and Rejects with the tallies of :class:`ReadFileFn`."""

    REJECTS = "rejects"
    TALLY = "tally"
    PUBLISHED_UNPARSED = "published_unparsed"
    PROGRESS = "progress"

    def __init__(self, ingest_cfg, progress: bool = False):
        self._cfg, self._progress = ingest_cfg, progress
        self._articles = beam.metrics.Metrics.counter(NAMESPACE, "ingest/articles")
        self._rejects = beam.metrics.Metrics.counter(NAMESPACE, "ingest/rejected")

    def _emit(self, path, items, source_bytes=None, files=1):
        """Articles (main output), Rejects, then ``(path, records)`` (tally), ``(path, unparsed
        published values)`` when not 0 and, with progress on, ``(path, records, source_bytes,
        files)`` (progress: bytes None = the file's size)."""
        n = rejected = unparsed = 0
        for item in items:
            n += 1
            if isinstance(item, Reject):
                rejected += 1
                yield beam.pvalue.TaggedOutput(self.REJECTS, item)
            else:
                unparsed += item.published_unparsed
                yield item
        self._articles.inc(n - rejected)  # once a file (chunk), not once an article
        self._rejects.inc(rejected)
        if unparsed:
            yield beam.pvalue.TaggedOutput(self.PUBLISHED_UNPARSED, (path, unparsed))
        # -> (source_file, records yielded: articles + rejects) for the reconciliation
        yield beam.pvalue.TaggedOutput(self.TALLY, (path, n))
        if self._progress:
            yield beam.pvalue.TaggedOutput(self.PROGRESS, (path, n, source_bytes, files))


class ReadFileFn(_EmitRecordsFn):
    """Reads one ``(path, root)`` file; main output Article, tagged ``rejects``, ``tally`` and
    ``published_unparsed`` (``(source_file, articles whose published value did not parse)``, only
    when not 0).

    With a ``spill_dir`` (the batch pipeline), a JSONL file longer than one chunk
    (:mod:`transforms.ingest.jsonl`) is not parsed here: each chunk's lines go to a spill file
    and the chunk, its ``data`` the spill path, to the tagged output ``chunks`` for
    :class:`ParseChunkFn`; ``progress`` then gets ``(path, records, source bytes, files done)``.
    """

    CHUNKS = "chunks"

    def __init__(self, ingest_cfg, spill_dir: str | None = None):
        super().__init__(ingest_cfg, progress=spill_dir is not None)
        self._spill = spill_dir

    def setup(self):
        gc_tuning.tune_gc()  # this worker process's collector (the run's first DoFn)

    def process(self, element):
        path, root = element
        pieces = jsonl.file_chunks(path, root, self._cfg) if self._spill else None
        if pieces is None:
            yield from self._emit(path, core.read_file(path, root, self._cfg))
            return
        first = next(pieces)
        if first.last:  # one chunk: parsed here, no spill file
            yield from self._emit(path, jsonl.parse(first, first.data, self._cfg.for_file(path, first.rel_path)), first.source_bytes)
            return
        for chunk in itertools.chain((first,), pieces):
            name = "chunk-" + xxhash.xxh64_hexdigest(f"{path}\0{chunk.offset}\0{len(chunk.data)}".encode("utf-8"))
            yield beam.pvalue.TaggedOutput(self.CHUNKS, tuple(chunk._replace(data=spill.write_bytes(self._spill, name, chunk.data))))


class ParseChunkFn(_EmitRecordsFn):
    """A chunk of a JSONL file (a :class:`~transforms.ingest.jsonl.JsonlChunk` as a plain tuple,
    its ``data`` a spill path) -> its Articles and Rejects, with the outputs of
    :class:`ReadFileFn`; the chunk's records, source bytes and (last chunk) file go to ``progress``."""

    def __init__(self, ingest_cfg):
        super().__init__(ingest_cfg, progress=True)

    def setup(self):
        gc_tuning.tune_gc()

    def process(self, element):
        chunk = jsonl.JsonlChunk(*element)
        cfg = self._cfg.for_file(chunk.path, chunk.rel_path)
        yield from self._emit(chunk.path, jsonl.parse(chunk, spill.read_bytes(chunk.data), cfg), chunk.source_bytes, int(chunk.last))


class ArticleRef(NamedTuple):
    """What the article-id shuffle carries of an article: its identity and where its spill file
    holds it (the text stays on disk, :mod:`transforms.spill`)."""

    source_file: str
    source_record: int
    capture: tuple
    url: str | None
    title: str  # at most 200 characters (the reject excerpt)
    spill: str
    position: int


class SpillArticlesFn(BundleBatchFn):
    """Article -> KV[article_id, ArticleRef as a plain tuple]; the articles of each batch of up to
    :data:`BundleBatchFn.BATCH` are written to one spill file, named by the first article's
    ``(source_file, source_record)`` and the batch size, so a retried bundle rewrites the same file."""

    def __init__(self, directory: str):
        self._dir = directory

    def flush(self, items):
        name = "read-" + xxhash.xxh64_hexdigest(f"{items[0].source_file}\0{items[0].source_record}\0{len(items)}".encode("utf-8"))
        path = spill.write(self._dir, name, [to_wire(a) for a in items])
        return [(a.article_id, (a.source_file, a.source_record, a.capture, a.url, (a.title or "")[:200], path, i))
                for i, a in enumerate(items)]


def _first_by_source(kv):
    """Same article id in several records: keep the first by (source_file, source_record).

    Web captures share the id of their canonical URL: the capture rule of
    :func:`transforms.ingest.warc.select_capture` chooses one, the others are ``superseded_capture``.

    Input: KV[article_id, [ArticleRef tuple]]. Output: KV[spill path, position] of the chosen
    article; tagged ``rejects``: Reject of the others.
    """
    article_id, values = kv
    values = list(values)
    if len(values) == 1:  # the common case: one record has this id
        only = ArticleRef(*values[0])
        yield only.spill, only.position
        return
    refs = [ArticleRef(*v) for v in values]
    if all(r.capture for r in refs):
        first, others = warc.select_capture(refs)
        reason, detail = "superseded_capture", f"superseded by the capture of {first.url} chosen (latest WARC-Date) from"
    else:
        first, *others = sorted(refs, key=lambda r: (r.source_file, r.source_record))
        reason, detail = "duplicate_article_id", f"article_id {article_id!r} already read from"
    yield first.spill, first.position
    for dup in others:
        yield beam.pvalue.TaggedOutput("rejects", Reject(
            dup.source_file, dup.source_record, -1, "ingest", reason,
            f"{detail} {first.source_file} record {first.source_record}", dup.title))


def _read_spilled(kv):
    """KV[spill path, [position]] -> [Article]: the articles at those positions of the spill
    file, as one batch (at most :data:`BundleBatchFn.BATCH`)."""
    path, positions = kv
    wires = spill.read(path)
    return [[from_wire(Article, wires[i]) for i in sorted(set(positions))]]


class ReadArticles(beam.PTransform):
    """Read input files into Articles.

    Input: PBegin. Output: dict with ``articles`` (PCollection[list[Article]]: batches of at most
    :data:`BundleBatchFn.BATCH` articles, so that later stages pay Beam's per-element cost per
    batch), ``rejects``
    (PCollection[Reject]), ``tally`` (PCollection[(source_file, records)], one per file),
    ``published_unparsed`` (PCollection[(source_file, count)], files with unparsed dates only) and
    ``progress`` (PCollection[(source_file, records, source bytes or None, files done)], per file
    or chunk, for :class:`transforms.progress.transforms.ReportProgress`).

    A JSONL file longer than one chunk (:data:`transforms.ingest.jsonl.CHUNK_BYTES` of
    decompressed text) is cut by one worker into chunks of whole lines written to spill files;
    a Reshuffle spreads the chunk references and each chunk is parsed where it lands, so one large
    file's parsing uses every worker. Other files are read whole by the worker that gets them.

    Article ids are made unique by a shuffle of small :class:`ArticleRef` values; the articles
    themselves go to spill files (``spill_dir``) and are read back once chosen, so no article
    text crosses a shuffle.

    Args:
        files: ``[(path, input root), ...]`` from :func:`transforms.ingest.core.expand_inputs`.
        ingest_cfg: the ``ingest`` config section.
        spill_dir: directory for spill files (:func:`transforms.spill.spill_dir` of the staging directory).
    """

    def __init__(self, files, ingest_cfg, spill_dir: str):
        super().__init__()
        self._files, self._cfg, self._spill = list(files), ingest_cfg, spill_dir

    def expand(self, pbegin):
        outputs = (ReadFileFn.REJECTS, ReadFileFn.TALLY, ReadFileFn.PUBLISHED_UNPARSED, ReadFileFn.PROGRESS)
        read = (
            pbegin
            | "ListFiles" >> beam.Create(self._files)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFile" >> beam.ParDo(ReadFileFn(self._cfg, self._spill)).with_outputs(
                *outputs, ReadFileFn.CHUNKS, main="articles")
        )  # -> Article | Reject | (path, n) | (path, unparsed published values) | progress | chunk of a long JSONL file
        parsed = (
            read.chunks
            | "SpreadChunks" >> beam.Reshuffle()
            | "ParseChunk" >> beam.ParDo(ParseChunkFn(self._cfg)).with_outputs(*outputs, main="articles")
        )  # the same outputs, from the chunks of long JSONL files (each parsed where it lands)
        refs = (  # spilled where they are parsed: no article text crosses a runner's data channel
            read.articles | "SpillArticles" >> beam.ParDo(SpillArticlesFn(self._spill)),
            parsed.articles | "SpillChunkArticles" >> beam.ParDo(SpillArticlesFn(self._spill)),
        )  # -> KV[article_id, ArticleRef tuple]
        unique = (
            refs
            | "AllArticles" >> beam.Flatten()
            | "GroupById" >> beam.GroupByKey()
            | "FirstBySource" >> beam.FlatMap(_first_by_source).with_outputs("rejects", main="chosen")
        )  # -> KV[spill path, position] of the article kept for each id
        articles = (
            unique.chosen
            | "GroupBySpillFile" >> beam.GroupByKey()
            | "ReadSpilled" >> beam.FlatMap(_read_spilled)
        )  # -> [Article], each with a unique article_id
        rejects = (read.rejects, parsed.rejects, unique.rejects) | "MergeRejects" >> beam.Flatten()
        tally = (read.tally, parsed.tally) | "MergeTally" >> beam.Flatten() | "RecordsPerFile" >> beam.CombinePerKey(sum)
        unparsed = ((read.published_unparsed, parsed.published_unparsed) | "MergeUnparsed" >> beam.Flatten()
                    | "UnparsedPerFile" >> beam.CombinePerKey(sum))
        progress = (read.progress, parsed.progress) | "MergeProgress" >> beam.Flatten()
        return {"articles": articles, "rejects": rejects, "tally": tally, "published_unparsed": unparsed,
                "progress": progress}
