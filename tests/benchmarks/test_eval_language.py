"""make eval's language comparison on three real pages (Chinese, Japanese, Czech): the rows and
the figures it reports (no timing is asserted)."""
from __future__ import annotations

from benchmarks import eval_language
from pipelines.config import load_config
from transforms.language import core, lid176


def test_rows_and_figures_on_real_pages(data):
    cfg = load_config().language
    pages = [f"mozilla-readability-news-pages/{name}/source.html.gz" for name in ("qq", "yahoo-4", "aktualne")]
    articles = eval_language.cleaned_articles(data, pages, None)
    items = eval_language.samples(articles, cfg.sample_chars, cfg.min_letters)
    rows = eval_language.answers(data, items, "declared", core.LinguaDetector(cfg.languages),
                                 lid176.FastTextDetector(cfg.languages, 0.0), cfg.languages)
    got = {r["file"].split("/")[1]: (r["reference"], r["lingua"], r["fasttext"], r["fasttext_any"]) for r in rows}
    # qq declares no language; aktualne is Czech, not a default candidate (lingua: tr, fastText: de at 0.001)
    assert got == {"qq": (None, "zh", "zh", "zh"), "yahoo-4": ("ja", "ja", "ja", "ja"), "aktualne": ("cs", "tr", "de", "cs")}
    figures = eval_language.evaluate(rows)
    assert (figures["articles"], figures["with_reference"], figures["agreement_fasttext_lingua"]) == (3, 2, round(2 / 3, 4))
    assert (figures["lingua_accuracy"], figures["fasttext_accuracy"], figures["fasttext_unrestricted_accuracy"]) == (0.5, 0.5, 1.0)
    assert figures["by_min_confidence"]["0.5"] == {"answered": round(2 / 3, 4), "accuracy_of_answered": 1.0,
                                                   "agreement_with_lingua_of_answered": 1.0}
    assert [d["file"].split("/")[1] for d in figures["disagreements"]] == ["aktualne"]
    sweep = eval_language.sample_length_sweep(articles, "declared", lid176.FastTextDetector(cfg.languages, cfg.min_confidence), cfg)
    assert list(sweep) == ["100", "150", "200", "300", "400"]
    # Czech is no candidate: at 0.5 only qq (zh) and yahoo-4 (ja) are answered, from 150
    # characters on; 100 characters hold fewer than min_letters (100) letters, so none is asked
    # and only aktualne's answer (None) is the same as at 400; yahoo-4 is the one scored
    assert {k: (v["answered"], v["accuracy_of_answered"], v["same_as_configured"]) for k, v in sweep.items()} == {
        "100": (0.0, None, round(1 / 3, 4)), **{k: (round(2 / 3, 4), 1.0, 1.0) for k in ("150", "200", "300", "400")}}
