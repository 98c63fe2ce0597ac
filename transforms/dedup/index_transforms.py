"""Beam wiring of the release index (logic in :mod:`transforms.dedup.index`)."""
from __future__ import annotations

import apache_beam as beam

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


class IndexRows(beam.PTransform):
    """PCollection[(Article, [ParagraphDecision], dup_article)] -> PCollection[dict] rows of ``index/``."""

    def __init__(self, dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg

    def expand(self, assembled):
        return assembled | "ToIndexRows" >> beam.FlatMap(index.index_rows, self._cfg)
