"""WriteDataset: rows -> deterministic Parquet shards in a staging directory."""
from __future__ import annotations

import apache_beam as beam

from transforms.batching import BundleBatchFn
from transforms.write import core


class WriteShardFn(beam.DoFn):
    """(shard, rows) -> writes one Parquet file; emits (path, rows)."""

    def __init__(self, directory, table, shards, output_cfg):
        self._dir, self._table, self._shards, self._cfg = directory, table, shards, output_cfg

    def process(self, kv):
        (partition, shard), row_lists = kv
        rows = [r for rows in row_lists for r in rows]
        yield core.write_shard(self._dir, self._table, shard, self._shards, rows, self._cfg, partition)


def _by_shard(rows: list[dict], table: str, shards: int, output_cfg):
    """A batch of rows -> one ``((partition, shard), [rows])`` per shard the batch touches."""
    out: dict[tuple, list[dict]] = {}
    for r in rows:
        out.setdefault((core.partition_of(r, table, output_cfg), core.shard_of(r, table, shards)), []).append(r)
    return out.items()


class WriteTable(beam.PTransform):
    """PCollection[dict] -> one Parquet file per non-empty (partition, shard) under ``<directory>/<table>/``.

    Rows go to shard ``xxh64(key) % shards`` and are sorted inside it, so the files are
    byte-identical for any worker count, bundle size and input order. Rows cross the shuffle in
    lists (one element per batch of up to 4,096 rows and shard), not one element per row:
    Beam's per-element cost is paid per batch. With ``batched=True`` the input is
    PCollection[list[dict]] already (a producer that builds rows in batches, e.g. ``IndexRows``).
    """

    def __init__(self, directory, table, output_cfg, shards=None, batched: bool = False):
        super().__init__()
        self._dir, self._table, self._cfg = directory, table, output_cfg
        self._shards = shards or output_cfg.shards
        self._batched = batched

    def expand(self, rows):
        n = self._shards
        if not self._batched:
            rows = rows | "BatchRows" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
        return (
            rows
            | "KeyByShard" >> beam.FlatMap(_by_shard, self._table, n, self._cfg)
            | "GroupByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(WriteShardFn(self._dir, self._table, n, self._cfg))
        )  # -> (path, rows)


class ToRowsFn(BundleBatchFn):
    """(Article, [ParagraphDecision], dup_article) -> ``(article rows, paragraph rows)`` per
    batch of up to :data:`BATCH` articles (:func:`core.article_rows`)."""

    def flush(self, items):
        articles, paragraphs = [], []
        for article, decisions, dup_article in items:
            row, rows = core.article_rows(article, decisions, dup_article)
            if row is not None:
                articles.append(row)
            paragraphs += rows
        return [(articles, paragraphs)]


class WriteDataset(beam.PTransform):
    """Write articles/, paragraphs/, rejects/ and the tally into a staging directory.

    Input: dict(assembled=PCollection[(Article, [ParagraphDecision], dup_article)],
    rejects=PCollection[Reject], tally=PCollection[dict(kind, key, count)]).
    """

    def __init__(self, directory, output_cfg):
        super().__init__()
        self._dir, self._cfg = directory, output_cfg

    def expand(self, inputs):
        rows = inputs["assembled"] | "ToRows" >> beam.ParDo(ToRowsFn())
        articles = rows | "ArticleRows" >> beam.Map(lambda t: t[0])
        paragraphs = rows | "ParagraphRows" >> beam.Map(lambda t: t[1])
        rejects = inputs["rejects"] | "RejectRows" >> beam.Map(core.reject_row)
        return (
            articles | "WriteArticles" >> WriteTable(self._dir, "articles", self._cfg, batched=True),
            paragraphs | "WriteParagraphs" >> WriteTable(self._dir, "paragraphs", self._cfg, batched=True),
            rejects | "WriteRejects" >> WriteTable(self._dir, "rejects", self._cfg),
            inputs["tally"] | "WriteTally" >> WriteTable(self._dir, "_tally", self._cfg, shards=1),
        )
