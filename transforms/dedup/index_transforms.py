"""Beam wiring of the release index (logic in :mod:`transforms.dedup.index`)."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindows

from transforms.dedup import index


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


class IndexRowsFn(beam.DoFn):
    """(Article, [ParagraphDecision], dup_article) -> lists of index rows (dict), computed
    :data:`BATCH` articles at a time (:func:`index.index_rows`: vectorised hashing).

    Buffers the articles of a bundle itself (cheaper per element than ``BatchElements``, which
    times every batch) and emits each batch's rows as one list, which ``WriteTable(batched=True)``
    shards as it is. Global window only (the release index is written by batch runs).
    """

    BATCH = 1024

    def __init__(self, dedup_cfg):
        self._cfg = dedup_cfg
        self._buffer: list = []

    def start_bundle(self):
        self._buffer = []

    def process(self, item):
        self._buffer.append(item)
        if len(self._buffer) >= self.BATCH:
            yield from self._flush()

    def finish_bundle(self):
        for rows in self._flush():
            yield GlobalWindows.windowed_value(rows)

    def _flush(self):
        items, self._buffer = self._buffer, []
        rows = index.index_rows(items, self._cfg) if items else []
        return [rows] if rows else []


class IndexRows(beam.PTransform):
    """PCollection[(Article, [ParagraphDecision], dup_article)] -> PCollection[list[dict]]: rows of
    ``index/`` in lists of up to :data:`IndexRowsFn.BATCH` articles' rows (write them with
    ``WriteTable(..., batched=True)``)."""

    def __init__(self, dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg

    def expand(self, assembled):
        return assembled | "ToIndexRows" >> beam.ParDo(IndexRowsFn(self._cfg))
