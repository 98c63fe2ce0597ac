"""WriteDataset: rows -> deterministic Parquet shards in a staging directory."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from transforms import spill
from transforms.write import core


class WriteShardFn(beam.DoFn):
    """((table, partition, shard), [payload]) -> writes one Parquet file; emits (path, rows)."""

    def __init__(self, directory, shards: dict[str, int], output_cfg):
        self._dir, self._shards, self._cfg = directory, shards, output_cfg

    def process(self, kv):
        (table, partition, shard), payloads = kv
        payloads = [spill.read_bytes(p) if isinstance(p, str) else p for p in payloads]  # spill paths or the bytes
        yield core.write_payloads(self._dir, table, shard, self._shards[table], payloads, self._cfg, partition)


class WriteTables(beam.PTransform):
    """dict(table -> PCollection) -> one Parquet file per non-empty (table, partition, shard) under
    ``<directory>/<table>/``, every table's files written by one GroupByKey and one writer step.

    Rows go to shard ``xxh64(key) % shards`` and are sorted inside it, so the files are
    byte-identical for any worker count, bundle size and input order. Rows cross the shuffle as
    Arrow record batches (:func:`core.payload` bytes: one element per batch and shard), not one
    element per row nor as dicts; with ``spill_dir`` they go to spill files (:mod:`transforms.spill`)
    and the shuffle carries only their paths. One shuffle for all tables, not one per table:
    with several workers the files of different tables are written at the same time (a table
    with one shard used to be a stage that one worker ran while the others waited).

    Input: dict(table name -> PCollection[dict] of rows, or PCollection[bytes] of :func:`core.payload`
    record batches for a table in ``batched``: a producer that builds its rows in batches, e.g.
    ``IndexBuilder``).

    Args:
        batched: the tables whose input is record batches already.
        shards: table name -> shard count for a table that does not take the config's ``output.shards``.
    """

    def __init__(self, directory, output_cfg, batched=(), shards: dict[str, int] | None = None, spill_dir: str | None = None):
        super().__init__()
        self._dir, self._cfg, self._spill = directory, output_cfg, spill_dir
        self._batched, self._shards = frozenset(batched), dict(shards or {})

    def expand(self, tables):
        keyed, shards = [], {}
        for table, rows in tables.items():
            n = shards[table] = self._shards.get(table) or self._cfg.shards
            batched = table in self._batched
            if not batched:
                rows = (
                    rows
                    | f"BatchRows[{table}]" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
                    | f"ToArrow[{table}]" >> beam.Map(core.rows_payload, table)
                )  # -> bytes (one record batch)
            shard = rows | f"KeyByShard[{table}]" >> beam.FlatMap(
                lambda data, t=table, n=n, cfg=self._cfg: [((t, *key), p) for key, p in core.shard_payloads(data, t, n, cfg)])
            if self._spill:  # the record batches go to spill files in the producer's stage; only paths go on
                shard = shard | f"SpillPayloads[{table}]" >> beam.MapTuple(
                    lambda key, data, d=self._spill: (key, spill.write_content(d, f"rows-{key[0]}", data)))
            keyed.append(shard)
        return (
            tuple(keyed)
            | "AllTables" >> beam.Flatten()  # a stage of its own on the local runner: it must carry paths, not rows
            | "GroupByShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.ParDo(WriteShardFn(self._dir, shards, self._cfg))
        )  # -> (path, rows)


class ToRowsFn(beam.DoFn):
    """[(Article, [ParagraphDecision], dup_article)] (a batch) -> :func:`core.payload` bytes of
    its article rows (output ``articles``, when there are any) and of its paragraph rows (output
    ``paragraphs``) (:func:`core.article_batches`)."""

    ARTICLES, PARAGRAPHS = "articles", "paragraphs"

    def process(self, items):
        articles, paragraphs = core.article_batches(items)
        if paragraphs.num_rows:
            yield TaggedOutput(self.PARAGRAPHS, core.payload(paragraphs))
        if articles.num_rows:
            yield TaggedOutput(self.ARTICLES, core.payload(articles))


class WriteDataset(beam.PTransform):
    """Write articles/, paragraphs/, rejects/, the tally and (when given) index/ into a staging
    directory, all through one :class:`WriteTables`.

    Input: dict(assembled=PCollection[list[(Article, [ParagraphDecision], dup_article)]] (batches),
    rejects=PCollection[Reject], tally=PCollection[dict(kind, key, count)], and optionally
    index=PCollection[bytes] of ``index`` record batches (``IndexBuilder``)). With ``spill_dir`` the
    article, paragraph and index rows reach their writers through spill files (:mod:`transforms.spill`).
    """

    def __init__(self, directory, output_cfg, spill_dir: str | None = None):
        super().__init__()
        self._dir, self._cfg, self._spill = directory, output_cfg, spill_dir

    def expand(self, inputs):
        rows = inputs["assembled"] | "ToRows" >> beam.ParDo(ToRowsFn()).with_outputs(ToRowsFn.ARTICLES, ToRowsFn.PARAGRAPHS)
        rejects = inputs["rejects"] | "RejectRows" >> beam.Map(core.reject_row)
        tables = {"articles": rows[ToRowsFn.ARTICLES], "paragraphs": rows[ToRowsFn.PARAGRAPHS], "rejects": rejects,
                  "_tally": inputs["tally"]}
        if inputs.get("index") is not None:
            tables["index"] = inputs["index"]
        return tables | "WriteTables" >> WriteTables(self._dir, self._cfg, batched=("articles", "paragraphs", "index"),
                                                     shards={"_tally": 1}, spill_dir=self._spill)
