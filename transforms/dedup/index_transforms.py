"""Beam wiring of the release index (logic in :mod:`transforms.dedup.index`)."""
from __future__ import annotations

import json

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


def _route(kv, names):
    routed = index.separate(kv, names)
    if routed is None:
        return
    kind, value = routed
    if kind == "new":
        yield value
    else:
        yield beam.pvalue.TaggedOutput("tally", {"kind": "release_boilerplate", "key": json.dumps(list(value)), "count": 1})


class SeparateEarlierReleases(beam.PTransform):
    """Across-article decisions of new and earlier-release paragraphs -> dict(
    decisions=PCollection[(article_id, (index, status, reason, cluster_id, duplicate_of,
    similarity, duplicate_of_release))] for this run's paragraphs only,
    tally=PCollection[dict(kind="release_boilerplate", key=JSON [release, paragraph id, cluster], count=1)]).
    """

    def __init__(self, names: tuple[str, ...]):
        super().__init__()
        self._names = tuple(names)

    def expand(self, decisions):
        out = decisions | "Route" >> beam.FlatMap(_route, self._names).with_outputs("tally", main="decisions")
        return {"decisions": out.decisions, "tally": out.tally}


class IndexRows(beam.PTransform):
    """PCollection[(Article, [ParagraphDecision], dup_article)] -> PCollection[dict] rows of ``index/``."""

    def __init__(self, dedup_cfg):
        super().__init__()
        self._cfg = dedup_cfg

    def expand(self, assembled):
        return assembled | "ToIndexRows" >> beam.FlatMap(index.index_rows, self._cfg)
