"""CleanArticles: Article -> Article with repaired text and boilerplate rules applied."""
from __future__ import annotations

import apache_beam as beam

from transforms import gc_tuning
from transforms.clean import core

NAMESPACE = "newsetl"


class CleanArticleFn(beam.DoFn):
    """Cleans one Article, or each Article of a list (a batch, kept a batch); compiles the rules
    once per DoFn instance in ``setup``."""

    def __init__(self, clean_cfg):
        self._cfg = clean_cfg
        self._rules = None
        self._cleaned = beam.metrics.Metrics.counter(NAMESPACE, "clean/articles")

    def setup(self):
        gc_tuning.tune_gc()  # this worker process's collector (the first DoFn of the main stage)
        self._rules = core.compile_rules(self._cfg.rules)

    def process(self, article):
        if isinstance(article, list):
            self._cleaned.inc(len(article))
            yield core.clean_articles(article, self._cfg, self._rules)
            return
        self._cleaned.inc()
        yield core.clean_article(article, self._cfg, self._rules)


class CleanArticles(beam.PTransform):
    """PCollection[Article] -> PCollection[Article] (cleaned; rule drops recorded, not removed).

    A PCollection of lists of Articles (batches, as the batch pipeline reads them) gives lists:
    Beam's per-element cost is paid per batch."""

    def __init__(self, clean_cfg):
        super().__init__()
        self._cfg = clean_cfg

    def expand(self, articles):
        return articles | "CleanArticle" >> beam.ParDo(CleanArticleFn(self._cfg))
