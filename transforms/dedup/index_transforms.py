"""Beam wiring of the release index (logic in :mod:`transforms.dedup.index`)."""
from __future__ import annotations

import apache_beam as beam

from transforms.batching import BundleBatchFn
from transforms.dedup import index
from transforms.write import core as write_core


class ReadReleaseIndex(beam.PTransform):
    """Pipeline root -> PCollection[Candidate] of the earlier releases' index rows.

    Args:
        releases: ``[release directory, ...]``; position = ordinal (earlier in the list sorts first).
        dedup_cfg: this run's ``dedup`` section (its index parameters equal the releases').
    """

    def __init__(self, releases: list[str], dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg
        self._files = [(ordinal, f) for ordinal, r in enumerate(releases) for f in index.index_files(r)]

    def expand(self, root):
        return (
            root
            | "IndexFiles" >> beam.Create(self._files)
            | "Reshuffle" >> beam.Reshuffle()
            | "ReadIndex" >> beam.FlatMap(lambda f, cfg: index.read_candidates(f[1], f[0], cfg), self._cfg)
        )


class IndexRowsFn(BundleBatchFn):
    """(Article, [ParagraphDecision], dup_article) -> index rows computed :data:`BATCH` articles at
    a time (:func:`index.index_batch`: vectorised hashing); each batch's rows go out as one Arrow
    record batch (:func:`transforms.write.core.payload` bytes), which ``WriteTables`` (``batched``)
    shards as it is.
    """

    def __init__(self, dedup_cfg):
        self._cfg = dedup_cfg

    def flush(self, items):
        rows = index.index_batch(items, self._cfg)
        return [write_core.payload(rows)] if rows.num_rows else []


class IndexRows(beam.PTransform):
    """PCollection[(Article, [ParagraphDecision], dup_article)] -> PCollection[bytes]: rows of
    ``index/`` as Arrow record batches (:func:`transforms.write.core.payload`) of up to
    :data:`IndexRowsFn.BATCH` articles' rows (write them with ``WriteTables(..., batched=["index"])``)."""

    def __init__(self, dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg

    def expand(self, assembled):
        return assembled | "ToIndexRows" >> beam.ParDo(IndexRowsFn(self._cfg))
