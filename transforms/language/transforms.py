"""IdentifyLanguage: Article -> Article with language filled, and the language filter's rejects."""
from __future__ import annotations

import apache_beam as beam

from transforms.language import core

NAMESPACE = "newsetl"


class IdentifyLanguageFn(beam.DoFn):
    """Article -> main: Article (language, language_source set); ``rejects``: Reject. A list of
    Articles (a batch) gives the list of those the filter keeps (none: no output).

    The detector (fastText lid.176 or lingua, ``language.detector``) is built once per DoFn
    instance in ``setup``.
    """

    REJECTS = "rejects"

    def __init__(self, language_cfg):
        self._cfg = language_cfg
        self._detector = None
        self._detected = beam.metrics.Metrics.counter(NAMESPACE, "language/detected")
        self._filtered = beam.metrics.Metrics.counter(NAMESPACE, f"language/{core.LANGUAGE_FILTERED}")

    def setup(self):
        if self._cfg.detect:
            self._detector = core.build_detector(self._cfg)

    def process(self, article):
        if isinstance(article, list):  # a batch stays a batch (without the filtered articles)
            kept = []
            for a in article:
                for out in self._one(a):
                    if isinstance(out, beam.pvalue.TaggedOutput):
                        yield out
                    else:
                        kept.append(out)
            if kept:
                yield kept
            return
        yield from self._one(article)

    def _one(self, article):
        article = core.identify(article, self._cfg, self._detector)
        if article.language_source in (core.SOURCE_FASTTEXT, core.SOURCE_LINGUA):
            self._detected.inc()
        reject = core.filter_reject(article, self._cfg)
        if reject is not None:
            self._filtered.inc()
            yield beam.pvalue.TaggedOutput(self.REJECTS, reject)
        else:
            yield article


class IdentifyLanguage(beam.PTransform):
    """PCollection[Article] -> dict(articles=PCollection[Article], rejects=PCollection[Reject]).

    Articles removed by the optional language filter become rejects (stage ``language``, reason
    ``language_filtered``), so the report's record count still reconciles.
    """

    def __init__(self, language_cfg):
        super().__init__()
        self._cfg = language_cfg

    def expand(self, articles):
        out = articles | "DetectLanguage" >> beam.ParDo(IdentifyLanguageFn(self._cfg)).with_outputs(
            IdentifyLanguageFn.REJECTS, main="articles")
        return {"articles": out.articles, "rejects": out.rejects}
