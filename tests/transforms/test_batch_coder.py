"""ArticleBatchCoder: article batches encoded as field tuples, decoded equal."""
from __future__ import annotations

import pickle

import apache_beam as beam

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.batch_coder import ArticleBatch, ArticleBatchCoder
from transforms.clean.core import clean_article, compile_rules
from transforms.clean.transforms import CleanArticles
from transforms.ingest import core
from transforms.ingest.transforms import ReadArticles
from transforms.records import Article, to_wire


def _articles() -> list[Article]:
    """The shipped samples as read and cleaned (rule drops, None fields, tuples of tuples)."""
    cfg = load_config()
    rules = compile_rules(cfg.clean.rules)
    items = [a for path, root in core.expand_inputs([str(ROOT / "samples")]) for a in core.read_file(path, root, cfg.ingest)]
    return [clean_article(a, cfg.clean, rules) for a in items if isinstance(a, Article)]


def test_round_trip_is_exact_and_the_estimate_is_the_encoded_size():
    batch = _articles()
    assert len(batch) == 321 and any(a.rule_drops for a in batch) and any(a.url is None for a in batch)
    coder = beam.coders.registry.get_coder(ArticleBatch)
    assert isinstance(coder, ArticleBatchCoder) and pickle.loads(pickle.dumps(coder)) == coder
    data = coder.encode(batch)
    again = coder.decode(data)
    assert again == batch and [to_wire(a) for a in again] == [to_wire(a) for a in batch]
    assert all(type(a.paragraphs) is tuple and type(a.rule_drops) is tuple for a in again)
    assert coder.get_impl().estimate_size(batch) == len(data)
    assert coder.decode(coder.encode([])) == []


def test_batch_pipeline_types_read_and_cleaned_batches(tmp_path):
    """ReadArticles' batches are ArticleBatch, and CleanArticles keeps the type for batches only."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    cfg = load_config()
    p = beam.Pipeline(runner=FnApiRunner())  # built, not run: the types are set at construction
    read = p | ReadArticles([(str(ROOT / "samples" / "reuters-sample.jsonl.gz"), str(ROOT / "samples"))], cfg.ingest, str(tmp_path))
    cleaned = read["articles"] | CleanArticles(cfg.clean)
    single = p | "One" >> beam.Create([_articles()[0]]) | "CleanOne" >> CleanArticles(cfg.clean)
    assert (read["articles"].element_type, cleaned.element_type) == (ArticleBatch, ArticleBatch)
    assert single.element_type is not ArticleBatch
