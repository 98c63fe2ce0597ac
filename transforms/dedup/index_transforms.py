"""Beam wiring of the release index (logic in :mod:`transforms.dedup.index`)."""
from __future__ import annotations

import apache_beam as beam

from transforms.dedup import index, spilled
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


class IndexRowsFn(beam.DoFn):
    """One assembled batch ``(forms file path, [(Article, [ParagraphDecision], dup_article)],
    [forms row | None])`` (:class:`transforms.dedup.transforms.AssembleBatchFn`'s ``index``
    output) -> its index rows as one Arrow record batch (:func:`transforms.write.core.payload`
    bytes), which ``WriteTable(batched=True)`` shards as it is.

    Nothing the dedup stage computed is computed again (:func:`index.index_batch`): matching
    forms come from the batch's forms file (:func:`spilled.read_forms`), band hashes from the
    exact partitions' band stores (:func:`spilled.band_hashes_of`)."""

    def __init__(self, dedup_cfg, spill_dir: str, partitions: int):
        self._cfg, self._spill, self._partitions = dedup_cfg, spill_dir, partitions

    def process(self, element):
        forms_path, items, rows = element
        spill_dir, partitions, bands = self._spill, self._partitions, self._cfg.bands
        forms = spilled.read_forms(None if r is None else (forms_path, r) for r in rows)
        rb = index.index_batch(items, self._cfg, forms, lambda keys: spilled.band_hashes_of(spill_dir, partitions, keys, bands))
        if rb.num_rows:
            yield write_core.payload(rb)


class IndexRows(beam.PTransform):
    """PCollection[(forms file path, [(Article, [ParagraphDecision], dup_article)], [forms row | None])]
    (one element per assembled batch) -> PCollection[bytes]: rows of ``index/`` as Arrow record
    batches (:func:`transforms.write.core.payload`), one per batch (write them with
    ``WriteTable(..., batched=True)``).

    Args:
        spill_dir, partitions: the run's spill directory and exact partition count (where
            :class:`transforms.dedup.transforms.DedupAcrossArticles` left its band stores).
    """

    def __init__(self, dedup_cfg, spill_dir: str, partitions: int):
        super().__init__()
        self._cfg, self._spill, self._partitions = dedup_cfg, spill_dir, partitions

    def expand(self, batches):
        return batches | "ToIndexRows" >> beam.ParDo(IndexRowsFn(self._cfg, self._spill, self._partitions))
