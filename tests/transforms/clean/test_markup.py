"""Cleaning decides per article whether a bare tag is markup: Reuters tickers named like HTML
elements (``<DD>``, ``<U>``, ``<I>``) and prose about tags stay in plain text; markup still goes;
HTML comments go with their content, also across paragraphs."""
from __future__ import annotations

import gzip
import os
import re

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.clean import core
from transforms.ingest.core import read_file, split_paragraphs
from transforms.records import Article

CONFIG = load_config()
NO_RULES = core.compile_rules(())
TAG = re.compile(r"<\s*/?\s*" + core._TAG_NAMES + r"\b[^<>]*>?|<!--|-->", re.IGNORECASE)


def _articles(paths, cfg=CONFIG) -> list[Article]:
    out = []
    for path in paths:
        out += [a for a in read_file(str(path), os.path.dirname(path), cfg.ingest) if isinstance(a, Article)]
    return out


def _texts(article: Article) -> list[str]:
    return [article.title or "", *article.paragraphs]


def test_reuters_tickers_named_like_html_elements_stay(data):
    """Two Reuters-21578 files (2,000 stories, 1,822 with a body): every bare tag is a ticker
    (no article holds markup); Du Pont's <DD>, USAir's <U>, First Interstate's <I>, Phillips' <P>
    and Navistar's <NAV> stay, where per-paragraph cleaning (``markup=True``, session 8) removed
    them from 11 rows. On all 22 files (19,043 stories): 112 rows changed, none with markup.
    Since session 11 the element names are lxml's (every HTML element): Sears' <S>, Varian's
    <VAR> and MarkitStar's <MARK> are bare words that ``markup=True`` would remove too (16 rows)."""
    articles = _articles([data / "reuters-21578" / f"reut2-{n:03d}.sgm.gz" for n in (0, 4)])
    cleaned = {a.article_id: a for a in core.clean_articles(articles, CONFIG.clean, NO_RULES)}
    assert (len(articles), sum(core.has_markup(_texts(a)) for a in articles)) == (1822, 0)
    assert cleaned["NEWID39"].title == "DU PONT CO <DD> LAUNCHES IMPROVED ARAMID FIBERS"
    assert cleaned["NEWID156"].title == "DU PONT <DD> WINS SUIT AGAINST PHILLIPS <P>"
    assert cleaned["NEWID4017"].title == "PHILLIPS<P> SAYS STOCK UP ON STEPS TO PARE DEBT"  # glued, upper case
    assert any("threat of the First Interstate Bancorp <I> takeover bid gone" in p for p in cleaned["NEWID4"].paragraphs)
    changed = [(a.article_id, old, new) for a in articles
               for old, new in zip(core.clean_paragraphs(_texts(a)), _texts(cleaned[a.article_id]))
               if old != new]
    assert len(changed) == 16
    assert cleaned["NEWID654"].title == "SEARS <S> DEAN WITTER UNIT AGREES TO SEC CENSURE"
    assert cleaned["NEWID4195"].title == "MARKITSTAR <MARK> NAMES SALES REPRESENTATIVE"
    bare = re.compile(r"<" + core._TAG_NAMES + ">", re.IGNORECASE)
    assert [(i, old) for i, old, new in changed if " ".join(bare.sub(" ", new).split()) != old] == []  # the tickers only


def test_ag_news_markup_still_goes_article_by_article(data):
    """AG News (7,600 articles, 285 with markup: closing tags, attributes, entity-escaped tags):
    the article-level cleaning gives the same rows as removing every tag, and no tag is left.
    (298 before session 11: 16 texts are HTML written with entities, ``&lt;p&gt;...&lt;/p&gt;``,
    whose block tags now split paragraphs at ingest; 13 of them held no other markup.)"""
    cfg = load_config(ROOT / "configs" / "ag_news.yaml")
    articles = _articles([data / "ag-news-test" / "test.csv"], cfg)
    cleaned = core.clean_articles(articles, cfg.clean, NO_RULES)
    assert (len(articles), sum(core.has_markup(_texts(a)) for a in articles)) == (7600, 285)
    rows = [t for a in cleaned for t in _texts(a)]
    assert rows == [t for a in articles for t in core.clean_paragraphs(_texts(a), cfg.clean.fix_mojibake, cfg.clean.unicode_form)]
    assert [t for t in rows if TAG.search(t)] == []


ARTICLE_CASES = [  # (texts of one article, cleaned)
    # plain text: a bare tag written as a word stays
    (["Du Pont Co <DD> said", "USAIR <U> shares rose"], ["Du Pont Co <DD> said", "USAIR <U> shares rose"]),
    (["Use the <b> and <i> tags for bold and italics."], ["Use the <b> and <i> tags for bold and italics."]),
    (["Wrap it in <em>, not <i>."], ["Wrap it in <em>, not <i>."]),
    # markup anywhere in the article: every tag goes, the bare ones too
    (["Press <b> or <i> now.", "<b>Bold</b> text"], ["Press or now.", "Bold text"]),
    (["Du Pont Co <DD> said", '<div class="x">a</div>'], ["Du Pont Co said", "a"]),
    (["Title", "x &lt;b&gt;y&lt;/b&gt; and <i> z"], ["Title", "x y and z"]),  # tags written as entities count
    (["Intro <!-- note --> text", "the <b> tag and <i>"], ["Intro text", "the <b> tag and"]),  # a comment is markup
    # glued to the text: markup by itself
    (["a<br>b"], ["a b"]), (["<p>Text"], ["Text"]), (["A<BR>B"], ["A B"]), (["para.<p>"], ["para."]),
]


def test_bare_tags_stay_in_plain_text_and_go_with_markup():
    assert [core.clean_texts(texts) for texts, _ in ARTICLE_CASES] == [want for _, want in ARTICLE_CASES]
    article = Article("x", None, None, ARTICLE_CASES[3][0][0], None, None, None, tuple(ARTICLE_CASES[3][0][1:]), "utf-8", "f", 0)
    assert core.clean_article(article, CONFIG.clean, NO_RULES).paragraphs == ("Bold text",)


def _page_comments(data, name: str) -> list[str]:
    with gzip.open(data / "mozilla-readability-news-pages" / name / "source.html.gz", "rt", encoding="utf-8") as f:
        return re.findall(r"<!--.*?-->", f.read(), re.DOTALL)


def test_html_comments_go_with_their_content_also_across_paragraphs(data):
    """Every comment of three real pages (Guardian, Medical News Today, Liberation: 167,
    conditional comments among them, 4 with blank lines inside, so split over paragraphs),
    pasted between two sentences of a text: only the sentences are left."""
    comments = [c for name in ("guardian-1", "medicalnewstoday", "liberation-1") for c in _page_comments(data, name)]
    assert (len(comments), sum("[if" in c for c in comments), sum(bool(re.search(r"\n\s*\n", c)) for c in comments)) == (167, 47, 4)
    for comment in comments:
        paragraphs = split_paragraphs(f"Before {comment} middle.\n\nNext {comment}\n\nlast.", CONFIG.ingest.paragraph_separator)
        article = Article("x", None, None, "Title", None, None, None, paragraphs, "utf-8", "f", 0)
        kept = [p for p in core.clean_article(article, CONFIG.clean, NO_RULES).paragraphs if p]
        assert " ".join(kept) == "Before middle. Next last.", comment[:80]  # "middle." its own paragraph when the comment is split
    cases = {
        "a <!--[if lt IE 9]><script src=x.js></script><![endif]--> b": "a b",
        "a <![if !IE]>shown<![endif]> b": "a shown b",  # downlevel-revealed: the content is shown
        "a &lt;!-- hidden --&gt; b": "a b",
        "text <!-- unclosed": "text",
        "a <!--[if !IE]><!-->shown<!--<![endif]--> b": "a shown b",  # "<!-->" closes at once
    }
    assert {t: core.clean_paragraph(t) for t in cases} == cases
    assert core.cut_open_comments(["a <!-- x", "y", "z --> b <!-- c --> d", "e"]) == ["a ", "", " b <!-- c --> d", "e"]


# Trial 11's probe: these elements' tags were left in kept text, attributes included.
PROBE = ("pre", "code", "time", "cite", "q", "mark", "abbr", "del", "ins", "s", "address", "caption", "details",
         "summary", "kbd", "var", "samp", "textarea", "select", "option", "object", "embed", "canvas", "param", "area",
         "map", "title", "head", "html", "body")


def test_tags_of_every_html_element_go_when_the_article_holds_markup():
    """Trial 11: a text field holding HTML (WordPress ``{"rendered": ...}``) kept ``<time>``,
    ``<code>``, ``<abbr>`` and 27 more elements' tags. The names are lxml's list of HTML
    elements now (lxml.html.defs.tags), not a hand-made one; inline elements join their text
    ("<code>x</code>." -> "x."), others part it."""
    texts = ["<p>WP first paragraph <time datetime=\"2019-01-01T10:00\">Jan 1</time> text.</p>",
             "<p>WP second with <code>inline code</code> and <abbr title=\"x\">ABBR</abbr>.</p>",
             *(f'Before <{tag} class="c">inner</{tag}> after.' for tag in PROBE)]
    cleaned = core.clean_texts(texts)
    assert cleaned[:2] == ["WP first paragraph Jan 1 text.", "WP second with inline code and ABBR."]
    assert cleaned[2:] == ["Before inner after."] * len(PROBE)
    assert core.clean_paragraph("<s>Some</s> <mark>high</mark>lighted") == "Some highlighted"
    # bare words in plain text stay (Reuters tickers named like these elements, prose about tags)
    plain = ["Sears <S> and Time <TIME> said", "Use the <code> and <pre> tags."]
    assert core.clean_texts(plain) == plain


def test_blocks_keep_their_line_breaks_and_take_no_part_in_markup():
    """A table or code block (``Article.blocks``) is cleaned line by line: indentation and line
    breaks kept, blank lines and trailing space dropped, its text as written (a "<div>" in code
    stays and does not make the article's bare words markup)."""
    assert core.clean_block("def f():\n\n    return 'caf\u00c3\u00a9'  \n\t\tx = a\u200b<b>") == (
        "def f():\n    return 'caf\u00e9'\n\t\tx = a<b>")
    assert core.clean_block(" \n\n") == ""
    article = Article("a", None, None, "Sears <S> rose", None, None, None,
                      ("Shares of Sears <S> rose.", "<div class=\"x\">\n  <p>code</p>\n</div>"), "utf-8", "f", 0,
                      blocks=(1,))
    out = core.clean_article(article, CONFIG.clean, NO_RULES)
    assert out.title == "Sears <S> rose"
    assert out.paragraphs == ("Shares of Sears <S> rose.", "<div class=\"x\">\n  <p>code</p>\n</div>")
