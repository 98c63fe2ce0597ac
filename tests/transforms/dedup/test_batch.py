"""Batched within-article dedup (transforms/dedup/batch.py) against the one-paragraph-at-a-time
reference, on real BBC articles (cleaned as the pipeline cleans them) and edits of them."""
from __future__ import annotations

import numpy as np

from pipelines.config import config_from_dict
from transforms.clean.core import clean_article, compile_rules
from transforms.dedup import batch, core, minhash
from transforms.records import DROPPED_RULE, DUPLICATE_WITHIN, EMPTY, KEPT, TITLE, Article, paragraph_id, replace_fields

CONFIG = config_from_dict({})
EDGE_TEXTS = ["", "   ", "***", " -- ", "\t x__y\x0b\x1fZ  ", "LONDON (Reuters) - Shares rose.", "Reuters - Oil fell 2%.",
              "Shr 1.22 dlrs vs 1.10 DLRS", "Café au lait, s'il vous plaît", "北京时间今天上午，中国国家主席在人民大会堂会见了来访的外国领导人。",
              "Ｆｕｌｌ ｗｉｄｔｈ ＡＢＣ １２３", "a\xa0b\u2003c", "(", ")(", "AP --", "x" * 40 + " " * 7 + "y"]

# a bare wire dateline (letters, empty matching form), then symbol lines, two of them repeated
SYMBOL_TEXTS = ["WASHINGTON (Reuters) -", "* * *", "•  •  •", "***", "* * *", "•\xa0• •", "👍 👎"]


def _bbc_articles(data, n: int) -> list[Article]:
    """The first ``n`` BBC stories (sorted paths) as cleaned Articles: title, then paragraphs."""
    rules = compile_rules(CONFIG.clean.rules)
    out = []
    for k, path in enumerate(sorted((data / "bbc-news-fulltext" / "bbc").glob("*/*.txt"))[:n]):
        raw = path.read_bytes()
        text = raw.decode("utf-8") if raw.isascii() else raw.decode("latin-1")
        title, _, body = text.partition("\n")
        paragraphs = tuple(p for p in body.split("\n\n") if p.strip())
        article = Article(f"bbc{k}", None, "bbc.co.uk", title, None, None, None, paragraphs, "utf-8", str(path), 0)
        out.append(clean_article(article, CONFIG.clean, rules))
    return out


def _edited(articles: list[Article]) -> list[Article]:
    """Articles that take every path of the within-article rule: a paragraph repeated, one with a
    word changed, the title repeated in the body, blank, punctuation-only, rule-dropped, over-long
    and non-ASCII paragraphs, no title."""
    out = []
    for k, a in enumerate(articles):
        p = list(a.paragraphs)
        if k % 3 == 0 and len(p) > 2:
            p.append(p[1])  # exact repeat
            p.append(p[2].replace(" the ", " a ", 1))  # near repeat (one word changed)
        if k % 5 == 1:
            p.insert(1, a.title or "")  # headline repeated in the body
        if k % 7 == 2:
            p[1:1] = EDGE_TEXTS
        if k % 7 == 3:
            p[1:1] = SYMBOL_TEXTS
        drops = ((0, "ad_marker"), (len(p) - 1, "read_more")) if k % 11 == 3 else ()
        title = None if k % 13 == 4 else a.title
        out.append(replace_fields(a, title=title, paragraphs=tuple(p), rule_drops=drops))
    return out


def _reference(article: Article, clean_cfg, cfg) -> tuple[list[tuple], list[tuple]]:
    """core.dedup_within's documented rule, one paragraph at a time: decisions as wire tuples
    (those decided without comparison first, by index), pending as (index, key, hashes, form)."""
    rule_of = dict(article.rule_drops)
    early, later, compared = [], [], []
    for index, text in enumerate((article.title or "", *article.paragraphs)):
        if index > clean_cfg.max_paragraphs_per_article:
            early.append((index, DROPPED_RULE, "max_paragraphs_per_article", None, None, None, None))
        elif index > 0 and index - 1 in rule_of:
            early.append((index, DROPPED_RULE, rule_of[index - 1], None, None, None, None))
        elif not text.strip():
            early.append((index, EMPTY, "empty", None, None, None, None) if index else (0, TITLE, "no_title", None, None, None, None))
        elif len(text) > clean_cfg.max_paragraph_chars:
            early.append((index, DROPPED_RULE, "max_paragraph_chars", None, None, None, None))
        elif not core.matching_form(text, cfg.strip_datelines) and not core.symbol_form(text):  # a bare dateline
            early.append((index, TITLE if index == 0 else KEPT, "no_matching_text", None, None, None, None))
        else:
            compared.append(index)
    kept, pending, symbols = [], [], []  # kept: (index, form, shingle hashes); symbols: (index, symbol form)
    for index in compared:
        form = core.matching_form(_text(article, index), cfg.strip_datelines)
        if not form:  # no letter or digit: equal symbol forms only
            symbol = core.symbol_form(_text(article, index))
            first = next((i for i, other in symbols if other == symbol), None)
            if index == 0:
                later.append((0, TITLE, None, None, None, None, None))
            elif first is not None:
                later.append((index, DUPLICATE_WITHIN, "exact", None, paragraph_id(article.article_id, first), 1.0, None))
                continue
            else:
                pending.append((index, core.exact_key(symbol), np.zeros(0, np.uint32), ""))
            symbols.append((index, symbol))
            continue
        hashes = minhash.hash_shingles(core.shingles(form, cfg.shingle_size, cfg.char_shingle_size))
        best = None
        for other, other_form, other_hashes in kept:  # in index order: strict ">" keeps the earliest on ties
            sim = 1.0 if other_form == form else minhash.exact_jaccard(hashes, other_hashes)
            if sim >= cfg.threshold and (best is None or sim > best[0]):
                best = (sim, other)
        if index == 0:
            later.append((0, TITLE, None, None, None, None, None))
        elif best is not None:
            later.append((index, DUPLICATE_WITHIN, "near" if best[0] < 1.0 else "exact", None,
                          paragraph_id(article.article_id, best[1]), round(best[0], 6), None))
            continue
        else:
            pending.append((index, core.exact_key(form), hashes, form))
        kept.append((index, form, hashes))
    return early + later, pending


def _text(article: Article, index: int) -> str:
    return article.title if index == 0 else article.paragraphs[index - 1]


def test_matching_forms_equal_matching_form_on_real_paragraphs(data):
    texts = [t for a in _bbc_articles(data, 300) for t in (a.title, *a.paragraphs)] + EDGE_TEXTS
    assert len(texts) > 1500 and not all(t.isascii() for t in texts)
    for strip in (True, False):
        forms = core.matching_forms(texts, strip)
        assert forms == [core.matching_form(t, strip) for t in texts]
    assert core.matching_forms(EDGE_TEXTS[:7]) == ["", "", "", "", "x y z", "shares rose", "oil fell 2"]
    assert core.matching_forms([]) == [] and core.matching_forms(["", ""]) == ["", ""]
    assert core.exact_keys(forms[:50]) == [core.exact_key(f) for f in forms[:50]]


def test_dedup_within_batch_equals_the_per_paragraph_rule(data):
    articles = _edited(_bbc_articles(data, 300))
    clean_cfg = CONFIG.clean.model_copy(update={"max_paragraphs_per_article": 12, "max_paragraph_chars": 900})
    got = batch.dedup_within_batch(articles, clean_cfg, CONFIG.dedup, wire=True)
    statuses = set()
    for article, (decisions, pending) in zip(articles, got):
        want_decisions, want_pending = _reference(article, clean_cfg, CONFIG.dedup)
        assert decisions == want_decisions, article.article_id
        assert [p[:2] + p[3:] for p in pending] == [p[:2] + p[3:] for p in want_pending]
        for (_, _, hashes, _), (_, _, want, _) in zip(pending, want_pending):
            assert hashes.dtype == np.uint32 and hashes.tolist() == want.tolist()
        statuses |= {(d[1], d[2]) for d in decisions}
    assert statuses >= {(TITLE, None), (TITLE, "no_title"), (EMPTY, "empty"), (KEPT, "no_matching_text"),
                        (DROPPED_RULE, "ad_marker"), (DROPPED_RULE, "max_paragraphs_per_article"),
                        (DROPPED_RULE, "max_paragraph_chars"), (DUPLICATE_WITHIN, "exact"), (DUPLICATE_WITHIN, "near")}
    # symbol lines (bbc10: SYMBOL_TEXTS at body indexes 2-8): equal ones are exact duplicates
    # within the article (white space collapsed), the others pending with no shingles
    decisions, pending = got[10]
    assert [d[:6] for d in decisions if 2 <= d[0] <= 8] == [
        (2, KEPT, "no_matching_text", None, None, None), (6, DUPLICATE_WITHIN, "exact", None, "bbc10/3", 1.0),
        (7, DUPLICATE_WITHIN, "exact", None, "bbc10/4", 1.0)]
    assert [(p[0], p[1], len(p[2]), p[3]) for p in pending if 2 <= p[0] <= 8] == [
        (i, core.exact_key(f), 0, "") for i, f in ((3, "* * *"), (4, "• • •"), (5, "***"), (8, "👍 👎"))]
    # the batch does not change an article's result; records as core.dedup_within returns them
    one = core.dedup_within(articles[0], clean_cfg, CONFIG.dedup)
    assert one[0] == core.decisions_from_wire(articles[0], got[0][0]) and len(one[1]) == len(got[0][1])


def test_shingle_sets_of_mixed_scripts_equal_the_reference(data):
    forms = core.matching_forms([t for a in _bbc_articles(data, 20) for t in a.paragraphs] + EDGE_TEXTS)
    sets = batch.shingle_sets(forms, CONFIG.dedup)
    assert len(sets) == len(forms)
    for form, hashes in zip(forms, sets):
        assert hashes.tolist() == minhash.hash_shingles(core.shingles(form, 5, 5)).tolist()
    values, offsets = batch.shingle_arrays(forms, CONFIG.dedup)
    assert offsets.tolist() == [0, *np.cumsum([len(s) for s in sets]).tolist()] and values.dtype == np.uint32
