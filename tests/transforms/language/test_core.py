"""Language identification on real multilingual text (the Scrapinghub benchmark's article bodies)
and the language filter's rejects, which keep the report reconciled."""
from __future__ import annotations

import json

import pytest

from pipelines.config import ConfigError, config_from_dict, load_config
from tests.conftest import read, run_newsetl, write_config
from transforms.language import core
from transforms.records import Article


def _bodies(data):
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text())
    return {k: v for k, v in sorted(truth.items())}


def _article(text, language=None):
    return Article("a", None, None, None, None, language, None, tuple(text.split("\n\n")), "utf-8", "f", 0)


@pytest.mark.parametrize("given, code", [("en", "en"), ("EN-us", "en"), ("pt_BR", "pt"), ("English", "en"),
                                         ("German", "de"), ("klingon", "klingon"), ("", None), (None, None)])
def test_normalize_code(given, code):
    assert core.normalize_code(given) == code


def test_detects_the_benchmark_languages(data):
    cfg = load_config().language
    detector = core.build_detector(cfg)
    found = {}
    for key, item in _bodies(data).items():
        a = core.identify(_article(item["articleBody"]), cfg, detector)
        assert a.language_source == core.SOURCE_LINGUA
        found[a.language] = found.get(a.language, 0) + 1
    # 161 English pages; the others read (by eye) as Portuguese, Russian, Korean, Italian,
    # Indonesian, German and Japanese news/blog pages.
    assert found == {"en": 161, "pt": 6, "ru": 4, "ko": 2, "it": 2, "id": 2, "de": 2, "ja": 2}


def test_language_given_by_the_dump_wins():
    cfg = load_config().language
    a = core.identify(_article("Die Digitalisierung als Wachstumstreiber zieht sich durch alle Branchen.", "en-GB"),
                      cfg, core.build_detector(cfg))
    assert (a.language, a.language_source) == ("en", core.SOURCE_INPUT)


def test_filter_rejects_with_reason():
    cfg = config_from_dict({"language": {"keep": ["en"], "keep_unknown": False}}).language
    assert core.filter_reject(_article("x", "en"), cfg) is None
    reject = core.filter_reject(_article("x"), cfg)
    assert (reject.stage, reject.reason) == ("language", core.LANGUAGE_FILTERED)
    assert "language unknown (undetected: under 100 letters or no reliable answer) not in keep ['en']" in reject.detail


def test_unknown_language_code_in_config_is_refused():
    with pytest.raises(ConfigError, match="language.keep: .*unknown ISO 639-1 language code"):
        config_from_dict({"language": {"keep": ["english"]}})


def test_language_filter_run_reconciles(data, tmp_path):
    src = tmp_path / "bench.jsonl"
    src.write_text("".join(json.dumps({"id": k, "url": v["url"], "text": v["articleBody"]}) + "\n"
                           for k, v in _bodies(data).items()), encoding="utf-8")
    config = write_config(tmp_path, "language:\n  keep: [en]\n")
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "out", "--config", config, "--progress-every", "0") == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    r = report["records"]
    assert r["in"] == 181 and r["rejected_by_reason"] == {"language:language_filtered": 20}
    assert r["articles_deduplicated"] + r["rejected"] == r["in"]
    assert {a["language"] for a in read(tmp_path / "out", "articles")} == {"en"}
    rejects = read(tmp_path / "out", "rejects")
    assert sorted(x["detail"].split(" (")[0] for x in rejects).count("language ru") == 4


def test_too_little_text_stays_unknown_instead_of_a_confident_wrong_guess():
    """Reuters NEWID4257, an earnings table: the low-accuracy models call it French."""
    cfg = config_from_dict({}).language
    table = Article("NEWID4257", None, None, "BEAUTICONTROL COSMETICS INC <BUTI> 1ST QTR NET", None, None, None,
                    ("Qtr ends Feb 28", "Shr 10 cts vs 17 cts", "Net 411,275 vs 584,118", "Revs 4,977,818 vs 4,714,581"),
                    "utf-8", "f", 0)
    detector = core.build_detector(cfg)
    assert core.identify(table, cfg, detector).language is None
    assert core.identify(table, cfg.model_copy(update={"min_letters": 0}), detector).language == "fr"
