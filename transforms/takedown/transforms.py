"""DropTakenDown: batches of Articles -> the same batches without articles earlier releases took down."""
from __future__ import annotations

import apache_beam as beam

from transforms.takedown import core

NAMESPACE = "newsetl"


class DropTakenDownFn(beam.DoFn):
    """[Article] (a batch) -> main: [Article] (the batch without taken-down articles; an empty
    batch gives no output); ``rejects``: Reject (stage ``dedup``, reason ``taken_down``)."""

    REJECTS = "rejects"

    def __init__(self, taken: core.TakenDown):
        self._taken = taken
        self._dropped = beam.metrics.Metrics.counter(NAMESPACE, f"dedup/{core.TAKEN_DOWN}")

    def process(self, batch):
        kept, rejects = core.drop_taken_down(batch, self._taken)
        for r in rejects:
            self._dropped.inc()
            yield beam.pvalue.TaggedOutput(self.REJECTS, r)
        if kept:
            yield type(batch)(kept)


class DropTakenDown(beam.PTransform):
    """PCollection[[Article]] -> dict(articles=PCollection[[Article]], rejects=PCollection[Reject]).

    ``taken`` (:func:`transforms.takedown.core.taken_down_in`, read once by the launcher) is a
    constructor argument: one entry per removed article, small enough to travel with the DoFn.
    """

    def __init__(self, taken: core.TakenDown):
        super().__init__()
        self._taken = taken

    def expand(self, batches):
        out = batches | "MatchRemovals" >> beam.ParDo(DropTakenDownFn(self._taken)).with_outputs(
            DropTakenDownFn.REJECTS, main="articles")
        return {"articles": out.articles, "rejects": out.rejects}
