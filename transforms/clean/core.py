"""Pure cleaning functions (no Beam import).

Order for each paragraph: mojibake repair (ftfy, encoding repair only), entity debris
(`` #39;`` left where ``&`` was lost), HTML tag debris (``< /p>``), HTML entities, Unicode
normalisation (NFC by default), one whitespace policy (runs of white space -> one space).
Then the boilerplate rules of the config, each removal counted by rule name.
"""
from __future__ import annotations

import html
import re
import sys
import unicodedata
from dataclasses import dataclass

import ftfy
import ftfy.badness

from transforms.records import Article, replace_fields

# A stray tag of a known HTML element: "<p>", "< /p>", "<br/>", "<div class=x>". Known names
# only, so that "a < b and c > d" in prose is left alone.
_TAG_NAMES = (r"(?:p|br|div|span|a|b|i|u|em|strong|small|sup|sub|font|center|img|figure|figcaption|picture|source"
              r"|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|section|article|aside|header|footer|nav|main|iframe|script|style"
              r"|noscript|table|thead|tbody|tr|td|th|hr|meta|link|button|form|input|label|svg|path|video|audio)")
_TAG_DEBRIS = re.compile(  # a closing tag may carry spaces ("< /p>"); an opening tag may not ("< b")
    r"<\s*/\s*" + _TAG_NAMES + r"\s*>|<" + _TAG_NAMES + r"(?:\s+[^<>]{0,300})?\s*/?>", re.IGNORECASE)
# "&#39;" whose "&" was lost in an earlier conversion (AG News: "Newall #39;s").
_ENTITY_DEBRIS = re.compile(r"(?:^|\s)#(\d{2,5});")
# Named entities whose "&" was lost the same way (AG News: "Johnson  amp; Johnson", " quot;").
# Only these names: a plain word before ";" ("the forecast; ...") is prose.
_NAMED_ENTITY_DEBRIS = re.compile(r"(?:^|\s)(amp|quot|lt|gt|apos|nbsp|hellip|mdash|ndash|lsquo|rsquo|ldquo|rdquo);")
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # done below, after tag debris
    fix_latin_ligatures=False,  # restyling, not repair
    fix_character_width=False,  # restyling, not repair
    uncurl_quotes=False,  # restyling, not repair
    fix_line_breaks=True,
    normalization=None,  # done below with the configured form
    explain=False,
)


def _entity_char(match: re.Match) -> str:
    code = int(match.group(1))
    try:
        return chr(code) if 32 <= code < 0x110000 else match.group(0)
    except ValueError:
        return match.group(0)


def _widths(pattern: re.Pattern) -> tuple[int, int]:
    """Shortest and longest string (in characters) that ``pattern`` can match, from the regex
    parser of the standard library; ``(0, sys.maxsize)`` when it cannot tell. A paragraph whose
    length is outside this range cannot fullmatch, so the regex is not run on it (most rules
    match short lines only; news paragraphs are longer)."""
    try:
        try:
            from re import _parser as sre_parse  # Python >= 3.11
        except ImportError:  # pragma: no cover
            import sre_parse
        lo, hi = sre_parse.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001 - a private module: never let it break cleaning
        return (0, sys.maxsize)
    return (lo, hi if hi < sre_parse.MAXREPEAT else sys.maxsize)


_FTFY_WITHOUT_ENCODING = _FTFY_CONFIG._replace(fix_encoding=False)
_BAD_WIDTH = _widths(ftfy.badness.BADNESS_RE)[1]  # longest match of ftfy's mojibake detector (7)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def looks_like_mojibake(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, computed only around the non-ASCII characters.

    Every sequence ftfy's detector flags contains a non-ASCII character and is at most
    ``_BAD_WIDTH`` (7) characters long, so it lies inside a window of that margin around a run of
    non-ASCII characters; searching those windows gives the same answer as searching the whole
    text, at a fraction of the cost for text that is mostly ASCII (English news with curly
    quotes: ftfy's full search costs ~0.2 µs a character). Equal to ``is_bad`` on 2,004 real
    and mis-decoded lines of web pages (tests/transforms/clean) and on 59,023 non-ASCII lines of
    the shared data, as read and mis-decoded (checked once, not in the suite).
    """
    if _BAD_WIDTH == sys.maxsize:  # the parser could not tell: ftfy's own check
        return ftfy.badness.is_bad(text)
    search, margin, end = ftfy.badness.BADNESS_RE.search, _BAD_WIDTH, len(text)
    lo = hi = -1
    for m in _NON_ASCII_RUN.finditer(text):
        start, stop = max(0, m.start() - margin), min(end, m.end() + margin)
        if start <= hi:  # overlaps the current window: extend it
            hi = stop
            continue
        if hi >= 0 and search(text, lo, hi):
            return True
        lo, hi = start, stop
    return hi >= 0 and search(text, lo, hi) is not None


def _fix_mojibake(text: str) -> str:
    """``ftfy.fix_text(text, _FTFY_CONFIG)``, the same result, faster on text that is not mojibake.

    ftfy's encoding repair only acts when its detector flags the text
    (:func:`looks_like_mojibake`); otherwise the other repairs run without it, and if they
    change nothing the text is returned as is (if they change something, ftfy runs in full on
    the original, so the result is always ftfy's own).
    """
    if looks_like_mojibake(text):
        return ftfy.fix_text(text, _FTFY_CONFIG)
    if ftfy.fix_text(text, _FTFY_WITHOUT_ENCODING) == text:
        return text
    return ftfy.fix_text(text, _FTFY_CONFIG)


def clean_paragraph(text: str, fix_mojibake: bool = True, form: str = "NFC") -> str:
    """Repair one paragraph's text.

    Args:
        text: a paragraph as split from the input.
        fix_mojibake: run ftfy's encoding repair (``AntÃ³nio`` -> ``António``); correct text
            is left alone.
        form: Unicode normalisation form, ``NFC`` or ``NFKC``.

    Returns:
        The cleaned paragraph; '' if nothing but white space and debris was left.
    """
    if fix_mojibake and not (text.isascii() and text.isprintable()):  # ftfy leaves printable ASCII as is
        text = _fix_mojibake(text)
    # Each regex runs only when its one required character is present: scanning every
    # paragraph for "(^|\s)#..." cost more than all the other steps together.
    if "#" in text:
        text = _ENTITY_DEBRIS.sub(_entity_char, text)  # the lost "&" became the white space eaten here
    if ";" in text:
        text = _NAMED_ENTITY_DEBRIS.sub(lambda m: html.unescape(f"&{m.group(1)};"), text)
    if "<" in text:
        text = _TAG_DEBRIS.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize(form, text)
    return collapse_space(text)


def collapse_space(text: str) -> str:
    """Runs of white space -> one space, stripped (``str.split`` splits on exactly the
    characters ``\\s`` matches in a str pattern: ``str.isspace``)."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A boilerplate rule with its regexes compiled (see ``BoilerplateRule`` in the config)."""

    name: str
    scope: str
    pattern: re.Pattern
    follow: re.Pattern | None
    widths: tuple[int, int] = (0, sys.maxsize)  # shortest and longest text ``pattern`` can fullmatch


def compile_rules(rules) -> tuple[CompiledRule, ...]:
    """Compile the config's boilerplate rules. Patterns are case-insensitive."""
    out = []
    for r in rules:
        pattern = re.compile(r.pattern, re.IGNORECASE)
        out.append(CompiledRule(r.name, r.scope, pattern, re.compile(r.follow, re.IGNORECASE) if r.follow else None,
                                _widths(pattern)))
    return tuple(out)


def apply_rules(paragraphs: tuple[str, ...], rules: tuple[CompiledRule, ...]):
    """Apply boilerplate rules to cleaned paragraphs.

    Returns:
        ``(paragraphs, drops, inline)``: the paragraphs with inline matches removed (same
        length and order as the input), ``drops`` as ``((position, rule name), ...)`` for
        paragraphs removed whole, and ``inline`` as ``((rule name, count), ...)``.
    """
    out = list(paragraphs)
    dropped: dict[int, str] = {}
    inline: dict[str, int] = {}
    for rule in rules:
        if rule.scope == "inline":
            for i, p in enumerate(out):
                new, n = rule.pattern.subn(" ", p)
                if n:
                    out[i] = collapse_space(new)
                    inline[rule.name] = inline.get(rule.name, 0) + n
            continue
        lo, hi = rule.widths
        lo = max(lo, 1)  # an empty paragraph is never matched
        skip_to = 0  # paragraphs a tail match consumed are not tried again by the same rule
        for i in [i for i, p in enumerate(out) if lo <= len(p) <= hi and i not in dropped]:
            if i < skip_to or not rule.pattern.fullmatch(out[i]):
                continue
            dropped[i] = rule.name
            if rule.scope == "tail" and rule.follow is not None:
                j = i + 1
                while j < len(out) and (not out[j] or rule.follow.fullmatch(out[j])):
                    if out[j]:
                        dropped.setdefault(j, rule.name)
                    j += 1
                skip_to = j
    return tuple(out), tuple(sorted(dropped.items())), tuple(sorted(inline.items()))


def clean_article(article: Article, cfg, rules: tuple[CompiledRule, ...]) -> Article:
    """Clean an article's title and paragraphs and record rule drops.

    Args:
        article: as read by the ingest stage.
        cfg: the ``clean`` config section.
        rules: :func:`compile_rules` of ``cfg.rules``.

    Returns:
        A new Article with cleaned paragraphs (same count and order: a paragraph is never
        removed here, only marked in ``rule_drops`` or left empty).
    """
    title = clean_paragraph(article.title, cfg.fix_mojibake, cfg.unicode_form) if article.title else None
    paragraphs = tuple(clean_paragraph(p, cfg.fix_mojibake, cfg.unicode_form) for p in article.paragraphs)
    paragraphs, drops, inline = apply_rules(paragraphs, rules)
    return replace_fields(article, title=title or None, paragraphs=paragraphs, rule_drops=drops, inline_removals=inline)
