"""Hot keys (issue 3 item 10): a footer in thousands of articles, in several small variants,
never gathers its members as values under one shuffle key: they travel inside one value per
(batch, exact partition). Every GroupByKey/CoGroupByKey consumer of DedupAcrossArticles records
its values per key in a metrics distribution, read here."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.dedup import core, exact, spilled
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
        out += core.make_candidates(a, pending, core.order_rank(a, "earliest", ()), cfg.dedup)
    return out


def test_footer_in_3000_articles_is_no_hot_key(tmp_path):
    cfg = load_config(None)
    cands = _candidates(cfg)
    partitions = 8
    # as DecideWithinBatchFn sends them: one element per (batch of 100 articles, exact partition)
    batches = [cands[i: i + 200] for i in range(0, len(cands), 200)]
    parts = [part for n, b in enumerate(batches) for part in exact.partition_rows(f"b{n}", b, partitions)]
    p = beam.Pipeline(runner=FnApiRunner())
    totals = p | "Totals" >> beam.Create([("site.example", ARTICLES)])
    across = (p | beam.Create(parts) | DedupAcrossArticles(cfg.dedup, totals, str(tmp_path), partitions))["decisions"]
    decisions = across | beam.FlatMap(lambda kv: spilled.read_refs([kv[1]])[0])
    footer = (decisions | beam.Filter(lambda kv: kv[1][0] == 2) | beam.Map(lambda kv: kv[1][1])
              | beam.combiners.Count.PerElement())
    body = decisions | "Body" >> beam.Filter(lambda kv: kv[1][0] == 1) | "BodyStatus" >> beam.Map(lambda kv: kv[1][1]) | "CountBody" >> beam.combiners.Count.PerElement()
    assert_that(footer, equal_to([("boilerplate", ARTICLES)]))
    assert_that(body, equal_to([("kept", ARTICLES)]), label="BodyKept")
    # one element per (partition, batch) comes back, not one per paragraph
    elements = across | "Elements" >> beam.combiners.Count.Globally()
    assert_that(elements, equal_to([sum(len({exact.partition_of(c.exact_key, partitions) for c in b}) for b in batches)]),
                label="PerBatch")
    result = p.run()
    result.wait_until_finish()
    dists = {r.key.metric.name.rsplit("/", 1)[1]: r.committed for r in
             result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["distributions"]
             if "values_per_key" in r.key.metric.name}
    assert set(dists) == {"exact_partition_payloads", "exact_partition_members", "lsh_partition_entries", "graph_edges"}
    # An exact partition receives one value per batch that has candidates in it (15 batches),
    # never one per member: the 3,000 footer members travel inside those values.
    assert dists["exact_partition_payloads"].max == len(batches)
    assert dists["exact_partition_members"].sum == len(cands)
    assert dists["graph_edges"].max <= 6  # the 4 footer variants: at most 6 edges
    assert dists["lsh_partition_entries"].max <= cfg.dedup.bands * 16  # 16 distinct groups x bands, not members
