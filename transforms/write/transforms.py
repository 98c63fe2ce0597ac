"""WriteDataset: rows -> deterministic Parquet shards in a staging directory."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from transforms import spill
from transforms.batching import BundleBatchFn
from transforms.write import core


class WriteShardFn(beam.DoFn):
    """((partition, shard), [payload]) -> writes one Parquet file; emits (path, rows)."""

    def __init__(self, directory, table, shards, output_cfg):
        self._dir, self._table, self._shards, self._cfg = directory, table, shards, output_cfg

    def process(self, kv):
        (partition, shard), payloads = kv
        payloads = [spill.read_bytes(p) if isinstance(p, str) else p for p in payloads]  # spill paths or the bytes
        yield core.write_payloads(self._dir, self._table, shard, self._shards, payloads, self._cfg, partition)


class WriteTable(beam.PTransform):
    """PCollection[dict] -> one Parquet file per non-empty (partition, shard) under ``<directory>/<table>/``.

    Rows go to shard ``xxh64(key) % shards`` and are sorted inside it, so the files are
    byte-identical for any worker count, bundle size and input order. Rows cross the shuffle as
    Arrow record batches (:func:`core.payload` bytes: one element per batch and shard), not one
    element per row nor as dicts; with ``spill_dir`` they go to spill files (:mod:`transforms.spill`)
    and the shuffle carries only their paths. With ``batched=True`` the input is PCollection[bytes] already:
    :func:`core.payload` of record batches of the table (a producer that builds its rows in
    batches, e.g. ``IndexRows``).
    """

    def __init__(self, directory, table, output_cfg, shards=None, batched: bool = False, spill_dir: str | None = None):
        super().__init__()
        self._dir, self._table, self._cfg = directory, table, output_cfg
        self._shards = shards or output_cfg.shards
        self._batched = batched
        self._spill = spill_dir

    def expand(self, rows):
        n = self._shards
        if not self._batched:
            rows = (
                rows
                | "BatchRows" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
                | "ToArrow" >> beam.Map(core.rows_payload, self._table)
            )  # -> bytes (one record batch)
        keyed = rows | "KeyByShard" >> beam.FlatMap(core.shard_payloads, self._table, n, self._cfg)
        if self._spill:  # the record batches go to spill files; the shuffle carries their paths
            keyed = keyed | "SpillPayloads" >> beam.MapTuple(
                lambda key, data, d=self._spill, t=self._table: (key, spill.write_content(d, f"rows-{t}", data)))
        return (
            keyed
            | "GroupByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(WriteShardFn(self._dir, self._table, n, self._cfg))
        )  # -> (path, rows)


class ToRowsFn(BundleBatchFn):
    """(Article, [ParagraphDecision], dup_article) -> per batch of up to :data:`BATCH` articles,
    :func:`core.payload` bytes of its article rows (output ``articles``, when there are any) and of
    its paragraph rows (output ``paragraphs``) (:func:`core.article_batches`)."""

    ARTICLES, PARAGRAPHS = "articles", "paragraphs"

    def flush(self, items):
        articles, paragraphs = core.article_batches(items)
        out = [TaggedOutput(self.PARAGRAPHS, core.payload(paragraphs))] if paragraphs.num_rows else []
        if articles.num_rows:
            out.append(TaggedOutput(self.ARTICLES, core.payload(articles)))
        return out


class WriteDataset(beam.PTransform):
    """Write articles/, paragraphs/, rejects/ and the tally into a staging directory.

    Input: dict(assembled=PCollection[(Article, [ParagraphDecision], dup_article)],
    rejects=PCollection[Reject], tally=PCollection[dict(kind, key, count)]). With ``spill_dir`` the
    article and paragraph rows reach their writers through spill files (:mod:`transforms.spill`).
    """

    def __init__(self, directory, output_cfg, spill_dir: str | None = None):
        super().__init__()
        self._dir, self._cfg, self._spill = directory, output_cfg, spill_dir

    def expand(self, inputs):
        rows = inputs["assembled"] | "ToRows" >> beam.ParDo(ToRowsFn()).with_outputs(ToRowsFn.ARTICLES, ToRowsFn.PARAGRAPHS)
        rejects = inputs["rejects"] | "RejectRows" >> beam.Map(core.reject_row)
        return (
            rows[ToRowsFn.ARTICLES] | "WriteArticles" >> WriteTable(self._dir, "articles", self._cfg, batched=True, spill_dir=self._spill),
            rows[ToRowsFn.PARAGRAPHS] | "WriteParagraphs" >> WriteTable(self._dir, "paragraphs", self._cfg, batched=True,
                                                                         spill_dir=self._spill),
            rejects | "WriteRejects" >> WriteTable(self._dir, "rejects", self._cfg),
            inputs["tally"] | "WriteTally" >> WriteTable(self._dir, "_tally", self._cfg, shards=1),
        )
