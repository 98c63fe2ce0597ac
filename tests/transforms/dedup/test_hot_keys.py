"""Hot keys (issue 3 item 10): a footer in thousands of articles, in several small variants,
never gathers all its members under one shuffle key. Every GroupByKey/CoGroupByKey consumer of
DedupAcrossArticles records its values per key in a metrics distribution, read here."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.dedup import core
from transforms.dedup.transforms import NAMESPACE, DedupAcrossArticles
from transforms.records import Article

ARTICLES = 3000
FOOTER = ("This story was distributed by the NewsWire Network to its member newspapers and websites; "
          "reproduction in any form without written consent is prohibited under licence {}.")  # 4 variants, J = 0.92


def _candidates(cfg):
    body = [p for p in (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8").split("\n\n")
            if len(p.split()) >= 20][:12]
    out = []
    for n in range(ARTICLES):
        # a real paragraph in the first 12 articles, a short unique line (exact path) in the rest
        paragraphs = (body[n] if n < len(body) else f"Edition {n}.", FOOTER.format(1000 + n % 4))
        a = Article(f"a{n:05d}", None, "site.example", None, n, None, None, paragraphs, "utf-8", "f", n)
        _, pending = core.dedup_within(a, cfg.clean, cfg.dedup)
        out += core.make_candidates(a, pending, core.order_rank(a, "earliest", ()))
    return out


def test_footer_in_3000_articles_is_no_hot_key():
    cfg = load_config(None)
    cands = _candidates(cfg)
    p = beam.Pipeline(runner=FnApiRunner())
    totals = p | "Totals" >> beam.Create([("site.example", ARTICLES)])
    across = p | beam.Create(cands) | DedupAcrossArticles(cfg.dedup, totals)
    footer = (across | beam.Filter(lambda kv: kv[1][0] == 2) | beam.Map(lambda kv: kv[1][1])
              | beam.combiners.Count.PerElement())
    body = across | "Body" >> beam.Filter(lambda kv: kv[1][0] == 1) | "BodyStatus" >> beam.Map(lambda kv: kv[1][1]) | "CountBody" >> beam.combiners.Count.PerElement()
    assert_that(footer, equal_to([("boilerplate", ARTICLES)]))
    assert_that(body, equal_to([("kept", ARTICLES)]), label="BodyKept")
    result = p.run()
    result.wait_until_finish()
    dists = {r.key.metric.name.rsplit("/", 1)[1]: r.committed for r in
             result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["distributions"]
             if "values_per_key" in r.key.metric.name}
    assert set(dists) == {"lsh_partition_entries", "graph_edges", "group_decision", "members"}
    # 3000 footer members in 4 variants (~750 each) spread over 4096 salts: a handful per key.
    assert dists["members"].max <= 8, dists["members"]
    assert dists["members"].sum == len(cands) + dists["members"].count  # each member once (+ its decision)
    assert dists["group_decision"].max <= 2
    assert dists["graph_edges"].max <= 6  # the 4 footer variants: at most 6 edges
    assert dists["lsh_partition_entries"].max <= cfg.dedup.bands * 16  # 16 distinct groups x bands, not members
