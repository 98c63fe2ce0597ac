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


class IndexBuilder:
    """The release index of one assembled batch, called by
    :class:`transforms.dedup.transforms.AssembleBatchFn` (no Beam element per batch of
    articles: Beam samples the encoded size of a PCollection's first elements, which for a batch
    of Articles costs a pickling of the batch).

    Nothing the dedup stage computed is computed again (:func:`index.index_batch`): matching
    forms and exact keys come from the batch's forms file (:func:`spilled.read_forms`), band
    hashes from the exact partitions' band stores (:func:`spilled.band_hashes_of`).

    Args:
        spill_dir, partitions: the run's spill directory and exact partition count (where
            :class:`transforms.dedup.transforms.DedupAcrossArticles` left its band stores).
    """

    def __init__(self, dedup_cfg, spill_dir: str, partitions: int):
        self._cfg, self._spill, self._partitions = dedup_cfg, spill_dir, partitions

    def __call__(self, forms_path: str, items: list[tuple], rows: list[int | None]) -> bytes | None:
        """``items``: the batch's ``(Article, [ParagraphDecision], dup_article)``; ``rows``: each
        article's row in the forms file at ``forms_path`` (None: no pending paragraph).

        Returns:
            the index rows as one Arrow record batch (:func:`transforms.write.core.payload`
            bytes, which ``WriteTables`` (``batched``) shards as it is), or None when there are none.

        Raises:
            OSError: a forms file or band store is missing or unreadable; ValueError: a forms row
                of another article (:func:`spilled.read_forms`).
        """
        spill_dir, partitions, bands = self._spill, self._partitions, self._cfg.bands
        forms = spilled.read_forms((None if r is None else (forms_path, r) for r in rows), [item[0].article_id for item in items])
        rb = index.index_batch(items, self._cfg, forms, lambda keys: spilled.band_hashes_of(spill_dir, partitions, keys, bands))
        return write_core.payload(rb) if rb.num_rows else None
