"""Pure cleaning functions (no Beam import).

Order for each paragraph: mojibake repair (ftfy, encoding repair only), entity debris
(`` #39;`` left where ``&`` was lost), HTML entities, HTML tag debris (``< /p>``, also written as
entities: ``&lt;b&gt;``; script and style elements with their content), Unicode normalisation
(NFC by default), one whitespace policy (runs of white space -> one space).
Then the boilerplate rules of the config, each removal counted by rule name.
"""
from __future__ import annotations

import bisect
import html
import re
import sys
import unicodedata
from dataclasses import dataclass

import ftfy
import ftfy.badness
import lxml.html.defs
import numpy as np

from transforms.clean.wraps import join_wrapped_hyphens
from transforms.records import Article, replace_fields

# A stray tag of a known HTML element: "<p>", "< /p>", "<br/>", "<div class=x>", "<time datetime=...>". Known
# names only, so that "a < b and c > d" in prose and Reuters tickers ("<MSFT>") are left alone: the HTML
# element names lxml knows (lxml.html.defs.tags: HTML 4, HTML5 and the deprecated ones such as <font>,
# <center>, <marquee>) and a few it does not list (<main>, <picture>, <nobr>, an SVG <path>, <template>,
# <dialog>, <data>, <bdi>). Longest names first: the alternation then tries "<br" before "<b".
_TAG_NAMES = "(?:" + "|".join(sorted(set(lxml.html.defs.tags) | {"main", "picture", "nobr", "path", "template", "dialog",
                                                                 "data", "bdi", "slot", "noframes", "frame"},
                                     key=lambda name: (-len(name), name))) + ")"
# Inline (phrasing) elements: a browser puts no space where their tags were ("ABS.N</A>," -> "ABS.N,"):
# lxml's phrase and font style elements (<em>, <code>, <abbr>, <b>, <s>, ...) and the text-level ones
# among its special inline elements (<a>, <span>, <font>, <sub>, <sup>, <q>, <bdo>), and HTML5's
# <mark>, <time>, <data>, <bdi>, <wbr> and <nobr>; images, embedded objects and <br> part words.
_INLINE_TAGS = frozenset(lxml.html.defs.phrase_tags | lxml.html.defs.font_style_tags
                         | {"a", "span", "font", "sub", "sup", "q", "bdo", "mark", "time", "data", "bdi", "wbr", "nobr"})
_NOT_PROSE = r"(?!\s+(?-i:tags?|elements?)\b)"  # "Use the <b> tag for bold": prose about HTML, kept
_ATTRIBUTE = r"""[\w:-]+=(?:"[^"<>]*"|'[^'<>]*')"""  # name="value" as markup writers quote it ("x = 5 > 3" is prose)
_TAG_DEBRIS = re.compile(
    # a script or style element goes with its content, as HTML text extraction drops it
    rf"<(?P<element>script|style)(?:\s[^<>]{{0,300}})?>{_NOT_PROSE}.*?<\s*/\s*(?P=element)\s*>"
    # a closing tag may carry spaces ("< /p>"); an opening tag may not ("< b")
    rf"|<\s*/\s*(?P<close>{_TAG_NAMES})\s*>{_NOT_PROSE}"
    # (with attributes, one of them "name=": "<Video Industries Inc>" is a company, as Reuters writes them)
    rf"|<(?P<open>{_TAG_NAMES})(?:\s+[^<>]{{0,300}}?=[^<>]{{0,300}})?\s*/?>{_NOT_PROSE}"
    # an opening tag cut off among its attributes at the end of the text (AG News: '<FONT face="verdana" size="-2"',
    # '<FONT face="verdana'); attributes only, a cut value without white space, so that a "<a href=..." whose quote
    # never closes cannot take the prose after it. Every alternative starts with "<": the regex engine then
    # looks for "<" alone (5x faster than with a "^..." alternative)
    rf"""|<{_TAG_NAMES}(?:\s+{_ATTRIBUTE}){{0,20}}\s+(?:{_ATTRIBUTE}|[\w:-]+=(?:"[^"<>\s]*|'[^'<>\s]*))\s*\Z""",
    re.IGNORECASE | re.DOTALL)
# The attributes that end a tag cut off before the start of the text (AG News: 'color="#666666">'), for ``match``.
_TAG_TAIL = re.compile(rf"\s*{_ATTRIBUTE}(?:\s+{_ATTRIBUTE}){{0,20}}\s*/?>", re.IGNORECASE)
# Entities whose "&" was lost in an earlier conversion, as AG News shows them (the "&" became white
# space: "Newall #39;s", "Johnson  amp; Johnson", " quot;"). Numeric ones: only the numbers of the
# 2,931 in its test.csv (#39; 2,789, #36; 71, #151; 43, #146; 15, #145; 5, #147; 3, #148; 3,
# #038; 1, #8212; 1: apostrophe, dollar, ampersand, Windows-1252 quotes and dashes), so that
# "Room #65;" is not a letter; named ones: only these names, as a plain word before ";" ("the
# forecast; ...") is prose.
_ENTITY_DEBRIS = re.compile(r"(?:^|\s)(#0*(?:39|36|38|145|146|147|148|151|8212)"
                            r"|amp|quot|lt|gt|apos|nbsp|hellip|mdash|ndash|lsquo|rsquo|ldquo|rdquo);")
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # done below, after entity debris
    fix_latin_ligatures=False,  # restyling, not repair
    fix_character_width=False,  # restyling, not repair
    uncurl_quotes=False,  # restyling, not repair
    fix_line_breaks=True,
    normalization=None,  # done below with the configured form
    explain=False,
)


def _entity(match: re.Match) -> str:
    """The character of an entity without its "&" (``html.unescape``: ``#151;`` is the em dash of
    Windows-1252, as browsers read it, not the C1 control U+0097)."""
    return html.unescape(f"&{match.group(1)};")


def _tag_space(match: re.Match) -> str:
    """'' for the tag of an inline element, else one space (where a browser breaks the text)."""
    name = match.group("close") or match.group("open")
    return "" if name and name.lower() in _INLINE_TAGS else " "


_BEFORE_WORD = frozenset(" \t\n\r\f\v(\"'[")  # what may stand before a bare tag written as a word
_AFTER_WORD = frozenset(" \t\n\r\f\v.,;:!?)\"'-]")  # and after it


def _bare_word(match: re.Match) -> bool:
    """Whether a match of ``_TAG_DEBRIS`` is a bare opening tag written as a word of plain text:
    ``<NAME>`` with no attribute, space or slash, set apart from the text before it (start, white
    space or an opening bracket or quote) and after it (end, white space or punctuation); an upper
    case name on one side is enough (Reuters: ``DU PONT <DD>GET``, ``PHILLIPS<P> SAYS``). Reuters
    tickers (``Du Pont Co <DD>``, ``USAIR <U>``) and prose about tags ("the <b> and <i> tags")
    are written so; markup such as ``a<br>b``, ``<p>Text`` or ``A<BR>B`` is not."""
    name = match.group("open")
    if not name or match.end() - match.start() != len(name) + 2:
        return False
    text, start, end = match.string, match.start(), match.end()
    before = not start or text[start - 1] in _BEFORE_WORD
    after = end == len(text) or text[end] in _AFTER_WORD
    return (before or after) if name.isupper() else (before and after)


def _tag_space_keep_words(match: re.Match) -> str:
    """:func:`_tag_space`, except that a bare tag written as a word (:func:`_bare_word`) stays as written."""
    return match.group(0) if _bare_word(match) else _tag_space(match)


# An HTML comment with its content, conditional comments ("<!--[if IE]>...<![endif]-->") included,
# and the markers of a downlevel-revealed conditional comment ("<![if !IE]>", "<![endif]>"), whose
# content browsers show; an unclosed comment runs to the end of the text, as in an HTML parser.
# "<!-->" and "<!--->" are (empty) comments too (the HTML standard's abrupt closing; in "<!--[if !IE]><!-->").
_COMMENT = re.compile(r"<!--(?:-?>|.*?(?:-->|\Z))|<!\[(?:if\b[^\]<>]{0,200}|endif)\]>", re.IGNORECASE | re.DOTALL)
_CLOSED_COMMENT = re.compile(r"<!--(?:-?>|.*?-->)", re.DOTALL)


def _widths(pattern: re.Pattern) -> tuple[int, int]:
    """Shortest and longest string (in characters) that ``pattern`` can match, from the regex
    parser of the standard library; ``(0, sys.maxsize)`` when it cannot tell. A paragraph whose
    length is outside this range cannot fullmatch, so the regex is not run on it (most rules
    match short lines only; news paragraphs are longer)."""
    try:
        sre_parse = _sre_parse()
        lo, hi = sre_parse.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001 - a private module: never let it break cleaning
        return (0, sys.maxsize)
    return (lo, hi if hi < sre_parse.MAXREPEAT else sys.maxsize)


def _sre_parse():
    """The standard library's regex parser (a private module: callers fall back when it fails)."""
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse
    return sre_parse


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


def _decode_entities(text: str) -> str:
    """Entity debris (AG News' "&"-less `` #39;``), then HTML entities: the text the tag step sees."""
    if ";" in text:
        text = _ENTITY_DEBRIS.sub(_entity, text)  # the lost "&" became the white space eaten here
    if "&" in text:  # html.unescape returns text without "&" as is
        text = html.unescape(text)
    return text


def clean_paragraph(text: str, fix_mojibake: bool = True, form: str = "NFC", markup: bool = True) -> str:
    """Repair one paragraph's text.

    Args:
        text: a paragraph as split from the input.
        fix_mojibake: run ftfy's encoding repair (``AntÃ³nio`` -> ``António``); correct text
            is left alone.
        form: Unicode normalisation form, ``NFC`` or ``NFKC``.
        markup: the text's article holds markup (:func:`has_markup`): every stray tag goes.
            False: a bare tag written as a word (:func:`_bare_word`: Reuters' ``<DD>``, "the <b>
            and <i> tags") stays as written. HTML comments go either way.

    Returns:
        The cleaned paragraph; '' if nothing but white space and debris was left.
    """
    plain = text.isascii() and text.isprintable()  # printable ASCII: its only white space is " "
    if not plain:  # before ftfy, which deletes control characters (a NUL between words joined them)
        text = join_wrapped_hyphens(text).translate(_INVISIBLE)  # joined before soft hyphens go
    if fix_mojibake and not plain:  # ftfy leaves printable ASCII as is
        text = _fix_mojibake(text)
    # Each regex runs only when its one required character is present: scanning every
    # paragraph for "(^|\s)#..." cost more than all the other steps together.
    if ";" in text or "&" in text:
        text = _decode_entities(text)
        plain = False  # may bring any character
    if ">" in text and (tail := _TAG_TAIL.match(text)):  # after the entities: "&lt;A HREF=...&gt;" is a tag too
        text = text[tail.end():]
    if "<" in text:
        if "<!" in text:
            text = _COMMENT.sub("", text)  # a browser shows nothing where a comment was
        text = _TAG_DEBRIS.sub(_tag_space if markup else _tag_space_keep_words, text)  # printable ASCII stays so
    text = unicodedata.normalize(form, text)  # the identity on ASCII
    if plain and not (text.startswith(" ") or text.endswith(" ") or "  " in text):
        return text  # collapse_space would return it unchanged (most paragraphs: no new string)
    return collapse_space(text)


def clean_block(text: str, fix_mojibake: bool = True, form: str = "NFC") -> str:
    """Repair a preformatted block (``Article.blocks``: a table's rows or a code block's lines
    joined by newlines) line by line, keeping its line breaks and each line's indentation.

    Each line gets the repairs of :func:`clean_paragraph` that keep its text as written:
    invisible characters removed and control characters turned into spaces, mojibake repaired
    (when ``fix_mojibake``), Unicode normalisation ``form``; trailing white space and blank lines
    are removed (a blank line separates paragraphs in ``documents/``). Tags and entities stay as
    written: a block's text comes from an HTML parser, so a ``<div>`` in a code listing is code.

    Returns:
        The block's lines joined by ``"\n"``; '' when every line is blank.
    """
    out = []
    for line in text.split("\n"):
        if not (line.isascii() and line.isprintable()):
            line = line.translate(_INVISIBLE)
            if fix_mojibake:
                line = _fix_mojibake(line)
            line = unicodedata.normalize(form, line)
        line = line.rstrip()
        if line.strip():
            out.append(line)
    return "\n".join(out)


def clean_paragraphs(texts: list[str], fix_mojibake: bool = True, form: str = "NFC", markup: bool = True) -> list[str]:
    """``[clean_paragraph(t, fix_mojibake, form, markup) for t in texts]``, the same strings, for many texts at once.

    Most news paragraphs are printable ASCII without debris characters (``;``, ``<``, ``>``,
    ``&``) or spaces to collapse: :func:`clean_paragraph` returns them as they are. Which texts
    those are is found for the whole list in a few numpy passes over the UTF-8 bytes of the
    texts joined by NUL (offsets from the NULs); only the others go through
    :func:`clean_paragraph`. Texts that hold NUL themselves: every text one by one.
    """
    if not texts:
        return []
    data = np.frombuffer(("\0".join(texts) + "\0").encode("utf-8", "surrogatepass"), dtype=np.uint8)
    ends = np.flatnonzero(data == 0)  # the NUL after each text (multi-byte UTF-8 holds no 0 byte)
    if len(ends) != len(texts):
        return [clean_paragraph(t, fix_mojibake, form, markup) for t in texts]
    starts = np.concatenate(([0], ends[:-1] + 1))
    # byte by byte: not printable ASCII (so not plain), or a debris character (;, <, >, &)
    odd = (data < 32) | (data > 126) | (data == 59) | (data == 60) | (data == 62) | (data == 38)
    odd[ends] = False
    space = data == 32
    odd[1:] |= space[1:] & space[:-1]  # two spaces (the NULs keep texts apart)
    full = starts[ends > starts]
    odd[full] |= space[full]  # a leading space
    last = ends[ends > starts] - 1
    odd[last] |= space[last]  # a trailing space
    out = list(texts)
    for i in np.flatnonzero(np.logical_or.reduceat(odd, starts)).tolist():  # each segment ends with its NUL: never empty
        out[i] = clean_paragraph(texts[i], fix_mojibake, form, markup)
    return out


def has_markup(texts) -> bool:
    """Whether an article's texts (title and paragraphs as read) hold HTML markup, after their
    entities are decoded (AG News writes ``&lt;b&gt;``): a closing tag, a tag with attributes or a
    slash, a tag glued to text (``a<br>b``, ``<p>Text``), a script or style element, a tag cut off
    at either end, or a comment; a bare tag written as a word (:func:`_bare_word`) is not markup
    by itself, nor is a tag named in prose ("the </p> tag").

    The cleaning of an article without markup keeps its bare tags as written (``markup=False`` of
    :func:`clean_paragraph`): in plain text they are Reuters tickers (``Du Pont Co <DD>``) or
    prose about tags; once the article holds markup they go like the rest of it.
    """
    for text in texts:
        if "<" not in text and "&" not in text:  # no tag, even as an entity
            continue
        text = _decode_entities(text)
        if "<" in text and ("<!" in text and _COMMENT.search(text)
                            or any(not _bare_word(m) for m in _TAG_DEBRIS.finditer(text))):
            return True
        if ">" in text and _TAG_TAIL.match(text):
            return True
    return False


def _open_comment(text: str) -> int:
    """Where an HTML comment opens in ``text`` and does not close in it, else -1."""
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        closed = _CLOSED_COMMENT.match(text, start)
        if closed is None:
            return start
        pos = closed.end()
    return -1


def cut_open_comments(texts: list[str]) -> list[str]:
    """An article's texts with each HTML comment that spans paragraphs removed: from its ``<!--``
    to the end of that paragraph, the paragraphs after it up to the one holding ``-->`` (left
    empty), and that one's start up to ``-->`` (an unclosed comment runs to the end of the
    article, as in an HTML parser). The same number of texts, in order; texts without such a
    comment unchanged. Comments inside one paragraph are left to :func:`clean_paragraph`.
    Only literal ``<!--``: a comment written with entities (``&lt;!--``) is removed only inside
    one paragraph."""
    if not any("<!--" in t for t in texts):
        return texts
    out, inside = [], False
    for text in texts:
        if inside:
            end = text.find("-->")
            if end < 0:
                out.append("")
                continue
            text, inside = text[end + 3:], False
        start = _open_comment(text)
        if start >= 0:
            text, inside = text[:start], True
        out.append(text)
    return out


def clean_texts(texts: list[str], fix_mojibake: bool = True, form: str = "NFC") -> list[str]:
    """Clean the texts of one article (title and paragraphs): :func:`cut_open_comments`, then
    :func:`clean_paragraphs` with ``markup=`` :func:`has_markup` of the texts."""
    texts = cut_open_comments(texts)
    return _settle_markup(texts, clean_paragraphs(texts, fix_mojibake, form, markup=False), 0, len(texts), fix_mojibake, form)


def _settle_markup(texts: list[str], cleaned: list[str], lo: int, hi: int, fix_mojibake: bool, form: str) -> list[str]:
    """``cleaned`` (``clean_paragraph(t, markup=False)`` of each of ``texts``) with the texts of
    ``lo:hi`` (one article) cleaned again with ``markup=True`` where that can differ: when the
    article holds markup (:func:`has_markup`) and a cleaned text kept a "<" (a bare tag kept as
    a word; a text whose "<" all went is the same either way). Changes ``cleaned`` in place."""
    if any("<" in c for c in cleaned[lo:hi]) and has_markup(texts[lo:hi]):
        for i in range(lo, hi):
            if "<" in cleaned[i]:
                cleaned[i] = clean_paragraph(texts[i], fix_mojibake, form, markup=True)
    return cleaned


# Characters a reader does not see that would keep equal text from matching and stay in the
# output: soft hyphens ("inter\xadest"), zero-width space, word joiner, BOM, and the bidi
# embedding/override/isolate controls (U+202A-202E, U+2066-2069) are removed; the C0 control
# characters other than tab/newline/return (NUL between words: "and\x00nul") become a space.
# ZWJ/ZWNJ (U+200C/U+200D) stay: Persian, Indic scripts and emoji sequences need them.
_INVISIBLE = {**dict.fromkeys([0xAD, 0x200B, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]),
              **{c: " " for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}}


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


# A back-reference ("\1", "(?P=name)") or a conditional group ("(?(1)...)") refers to group
# numbers or names, which change when patterns are joined: such a pattern is screened alone.
# Written as text, so the test can only err on the safe side (e.g. an octal "\1" in a class).
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _joined_fullmatch(patterns: list[re.Pattern]):
    """One function ``text -> truthy`` that is truthy exactly when some pattern of ``patterns``
    fullmatches ``text``: the patterns joined as one alternation, ``(?:p1)|(?:p2)|...`` (a fullmatch
    of an alternation succeeds iff one alternative fullmatches), so a paragraph costs one regex
    call instead of one per rule. A pattern that cannot be joined (global inline flags such as
    ``(?s)``, back-references, a group name used twice) is tried on its own. None when
    ``patterns`` is empty."""
    joinable, alone = [], []
    for pattern in patterns:
        try:
            same = (not _GROUP_REFERENCE.search(pattern.pattern)
                    and re.compile(f"(?:{pattern.pattern})", pattern.flags).flags == pattern.flags)
        except re.error:  # e.g. "(?s)..." inside a group: global flags not at the start
            same = False
        (joinable if same else alone).append(pattern)
    flags = {p.flags for p in joinable}
    if len(flags) > 1:  # patterns compiled with other flags: one alternation per flag set
        alone += joinable
        joinable = []
    if len(joinable) > 1:
        try:
            joinable = [re.compile("|".join(f"(?:{p.pattern})" for p in joinable), flags.pop())]
        except re.error:  # a group name used by two patterns
            pass
    tests = [p.fullmatch for p in joinable + alone]
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda text: any(test(text) for test in tests)


_ASCII = [chr(c) for c in range(128)]
_MIN_LITERAL = 3  # a rule whose required strings include a shorter one (share_prompt's "x") is not screened by them


def _required_strings(items, sre_parse) -> set[str] | None:
    """Strings one of which every match of the parsed regex ``items`` contains, or None when
    none is known: a run of literal characters, or what a group, a repeat of at least one or
    every branch of an alternation requires (the most selective candidate: longest shortest
    string). Case is as written in the pattern."""
    c = sre_parse  # opcodes
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate):
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        consider({"".join(run)} if run else None)
        run = []
        if op is c.SUBPATTERN:
            consider(_required_strings(av[-1], sre_parse))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            consider(_required_strings(av, sre_parse))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            consider(_required_strings(av[2], sre_parse))
        elif op is c.BRANCH:
            branches = [_required_strings(b, sre_parse) for b in av[1]]
            if all(branches):
                consider(set().union(*branches))
    consider({"".join(run)} if run else None)
    return best


def _ascii_chars(item, state, sre_parse) -> set[str]:
    """The lower case of the ASCII characters one parsed literal or class ``item`` matches, case
    ignored, as the regex engine decides (``"K"`` and KELVIN SIGN -> ``{"k"}``, ``\\d`` -> the ten
    digits, ``"é"`` -> none)."""
    from re import _compiler

    one = _compiler.compile(sre_parse.SubPattern(state, [item]), re.IGNORECASE)  # a superset of any flags'
    return {a.lower() for a in _ASCII if one.fullmatch(a)}


def _prefixes(items, state, sre_parse) -> set[str]:
    """Lower-case ASCII strings one of which an ASCII text's lower case starts with when the
    parsed regex ``items`` matches it from its start: the leading characters (literals and
    classes) of each way a match can begin, through groups, alternatives and optional or
    repeated parts. '' among them: any text may match; an empty set: no ASCII text matches."""
    c = sre_parse
    if not items:
        return {""}
    op, av = items[0]
    if op in (c.LITERAL, c.IN):
        out = {""}
        for item in items:
            if item[0] not in (c.LITERAL, c.IN):
                break
            chars = _ascii_chars(item, state, sre_parse)
            if not chars:
                return set()  # this way cannot match ASCII text
            if len(out) * len(chars) > 64:
                break
            out = {o + ch for o in out for ch in chars}
        return out
    if op is c.AT:  # zero width
        return _prefixes(items[1:], state, sre_parse)
    if op is c.SUBPATTERN:
        return _prefixes(list(av[-1]) + list(items[1:]), state, sre_parse)
    if op is c.BRANCH:
        return set().union(*(_prefixes(list(b) + list(items[1:]), state, sre_parse) for b in av[1]))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        first = _prefixes(list(av[2]), state, sre_parse)  # the repeated part alone: it may follow itself
        return first if av[0] >= 1 else first | _prefixes(items[1:], state, sre_parse)
    return {""}


def _ascii_prefixes(pattern: re.Pattern) -> tuple[str, ...] | None:
    """:func:`_prefixes` of ``pattern`` as a tuple for ``str.startswith``; None when any text
    may match (or the parser fails)."""
    try:
        sre_parse = _sre_parse()
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        found = _prefixes(list(parsed), parsed.state, sre_parse)
    except Exception:  # noqa: BLE001 - a private module: never let it break cleaning
        return None
    if "" in found:
        return None
    return tuple(sorted(f for f in found if not any(o != f and f.startswith(o) for o in found)))  # "a" serves "advert"


def _starts_with_repeat(items, sre_parse) -> bool:
    """Whether a match of the parsed regex ``items`` may begin inside a repeat of more than one
    (``.{0,200}...``): a fullmatch then backtracks over each length before failing, the costly
    kind of rule to try on a paragraph that does not match (one that starts with a word fails on
    its first letters)."""
    c = sre_parse
    for op, av in items:
        if op is c.AT:  # zero width (\b, ^): look at what follows
            continue
        if op is c.SUBPATTERN:
            return _starts_with_repeat(av[-1], sre_parse)
        if op is c.BRANCH:
            return any(_starts_with_repeat(b, sre_parse) for b in av[1])
        return op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[1] > 1
    return False


def _ascii_key(pattern: re.Pattern) -> frozenset[str] | None:
    """Lower-case strings one of which ``text.lower()`` contains whenever ``pattern`` fullmatches an
    ASCII ``text`` (:func:`_required_strings`, each character replaced by the ASCII characters it
    matches case-insensitively, as the regex engine itself decides: ``"İ"`` matches ``i``, ``"é"``
    no ASCII character, so a string with it cannot occur). An empty set: the pattern matches no
    ASCII text. None: no such strings known, one shorter than ``_MIN_LITERAL``, or the pattern
    cannot start with a repeat (:func:`_starts_with_repeat`: trying it costs less than the check)."""
    try:
        sre_parse = _sre_parse()
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        required = _required_strings(parsed.data, sre_parse) if _starts_with_repeat(parsed.data, sre_parse) else None
        if required is None:
            return None
        keys = set()
        for string in required:
            chars = [_ascii_chars((sre_parse.LITERAL, ord(ch)), parsed.state, sre_parse) for ch in string]
            if any(len(one) > 1 for one in chars):
                return None  # a character that stands for several: no key
            if all(chars):  # else a character no ASCII text has: this string cannot occur
                keys.add("".join(one.pop() for one in chars))
    except Exception:  # noqa: BLE001 - a private module: never let it break cleaning
        return None
    if any(len(k) < _MIN_LITERAL for k in keys):
        return None
    return frozenset(k for k in keys if not any(o != k and o in k for o in keys))  # "advert" serves "advertisement"


def _band_test(patterns: list[re.Pattern], keys: dict, prefixes: dict):
    """``text -> truthy`` exactly when some pattern of ``patterns`` fullmatches ``text``.

    On ASCII text (most of it) two checks of its lower case come first: a pattern with a key
    (:func:`_ascii_key`: one that needs a phrase such as "we use cookies" after ``.{0,200}``, the
    costliest to try) is tried only when the text contains one of its strings; the others, as one
    alternation (:func:`_joined_fullmatch`), only when the text starts with one of their prefixes
    (:func:`_ascii_prefixes`: "share", "read more", ...). Non-ASCII text: every pattern, as one
    alternation. ``keys``, ``prefixes``: of each pattern. None when ``patterns`` is empty."""
    every = _joined_fullmatch(patterns)
    keyed = [(keys[p], p.fullmatch) for p in patterns if keys[p] is not None]
    others = [p for p in patterns if keys[p] is None]
    # A pattern that may start with most letters or digits (a bare URL or e-mail address, "12
    # comments": 10 or more one-character prefixes) would open the prefix gate for nearly every paragraph, and with it the whole
    # alternation: such "wide" patterns are tried on their own (they fail at a paragraph's first
    # space), so that the gate keeps its worth for the others (session 11: 0.26 -> 0.11 s for
    # the 70,313 paragraphs of the 50 MB bench corpus's first 10,000 articles).
    wide = [p for p in others if prefixes[p] is None or sum(len(s) == 1 and s.isalnum() for s in prefixes[p]) >= 10]
    narrow = [p for p in others if p not in wide]
    rest, wide_test = _joined_fullmatch(narrow), _joined_fullmatch(wide)
    starts = tuple(sorted({s for p in narrow for s in prefixes[p]}))
    if every is None or (not keyed and not narrow):
        return every

    def test(text: str):
        if not text.isascii():
            return every(text)
        low = text.lower()
        if rest is not None and low.startswith(starts) and rest(text):
            return True
        if wide_test is not None and wide_test(text):
            return True
        for key, fullmatch in keyed:  # loops, not any(): this runs for most paragraphs
            for k in key:
                if k in low:
                    if fullmatch(text):
                        return True
                    break
        return False
    return test


def _first_rule(rules: tuple[CompiledRule, ...]):
    """``text -> index of the first rule (in order) whose pattern fullmatches text, or None``,
    as one regex call: the patterns joined as an alternation of named groups ``(?P<_r0>p0)|...``
    (a fullmatch of an alternation takes the first alternative that fullmatches, and the group
    that closes last is the alternative's own). None when the patterns cannot be joined (other
    flags, back-references, a group name used twice: :func:`_joined_fullmatch`'s cases)."""
    if len({r.pattern.flags for r in rules}) != 1 or any(_GROUP_REFERENCE.search(r.pattern.pattern) for r in rules):
        return None
    try:
        joined = re.compile("|".join(f"(?P<_r{k}>{r.pattern.pattern})" for k, r in enumerate(rules)), rules[0].pattern.flags)
    except re.error:
        return None
    if joined.flags != rules[0].pattern.flags:  # a pattern's own global inline flags
        return None
    index = {f"_r{k}": k for k in range(len(rules))}

    def first(text: str) -> int | None:
        m = joined.fullmatch(text)
        return None if m is None else index[m.lastgroup]
    return first


class RuleScreen:
    """Which paragraphs some whole-paragraph rule (scope ``paragraph`` or ``tail``) can drop, in
    one regex call a paragraph.

    The rules that can fullmatch a text of a given length (their :attr:`CompiledRule.widths`)
    are tried together (:func:`_band_test`: phrase and prefix checks, then one alternation), one
    test per band of lengths. A
    paragraph the screen passes over fullmatches no rule pattern, so :func:`apply_rules` need not
    try the rules on it: the drops are the same (tested against the per-rule logic on real data).

    Args:
        rules: compiled rules without ``inline`` ones.

    Raises:
        ValueError: a rule is ``inline`` (it changes the text later rules see: no screen).
    """

    def __init__(self, rules: tuple[CompiledRule, ...]):
        if any(r.scope == "inline" for r in rules):
            raise ValueError("inline rules change the text later rules see: no screen")
        spans = [(max(r.widths[0], 1), r.widths[1]) for r in rules]  # an empty paragraph is never matched
        # band k holds the lengths in [starts[k-1], starts[k]) (band 0: below starts[0]; the last: from starts[-1] on)
        self._starts = sorted({lo for lo, _ in spans} | {hi + 1 for _, hi in spans if hi < sys.maxsize})
        self._bands = []
        keys = {r.pattern: _ascii_key(r.pattern) for r in rules}
        prefixes = {r.pattern: _ascii_prefixes(r.pattern) for r in rules}
        for length in [0] + self._starts:  # the first length of each band stands for the band
            self._bands.append(_band_test([r.pattern for r, (lo, hi) in zip(rules, spans) if lo <= length <= hi], keys, prefixes))
        self.first = _first_rule(rules)

    def hits(self, paragraphs) -> list[int]:
        """Positions (ascending) of the paragraphs that some rule pattern fullmatches."""
        starts, bands, band = self._starts, self._bands, bisect.bisect_right
        return [i for i, p in enumerate(paragraphs) if (test := bands[band(starts, len(p))]) is not None and test(p)]


class CompiledRules(tuple):
    """The tuple of :class:`CompiledRule` that :func:`compile_rules` returns, with its
    :class:`RuleScreen` (``screen``; None when a rule is ``inline``)."""

    screen: RuleScreen | None

    def __new__(cls, rules):
        self = super().__new__(cls, rules)
        self.screen = None if any(r.scope == "inline" for r in self) else RuleScreen(self)
        return self

    def __reduce__(self):  # the screen holds closures: rebuilt from the rules
        return (CompiledRules, (tuple(self),))


def compile_rules(rules) -> CompiledRules:
    """Compile the config's boilerplate rules. Patterns are case-insensitive."""
    out = []
    for r in rules:
        pattern = re.compile(r.pattern, re.IGNORECASE)
        out.append(CompiledRule(r.name, r.scope, pattern, re.compile(r.follow, re.IGNORECASE) if r.follow else None,
                                _widths(pattern)))
    return CompiledRules(out)


def apply_rules(paragraphs: tuple[str, ...], rules: tuple[CompiledRule, ...]):
    """Apply boilerplate rules to cleaned paragraphs, in rule order.

    A rule of scope ``paragraph`` drops each paragraph its pattern fullmatches and no earlier
    rule dropped; ``tail`` also drops the paragraphs after a match that fullmatch ``follow``, up to
    the first that does not (empty ones are passed over and stay; one an earlier rule dropped
    keeps that rule's name), and does not try its pattern again on them; ``inline`` replaces each match by a space in every paragraph.

    When ``rules`` come from :func:`compile_rules` without inline rules, only the paragraphs its
    :class:`RuleScreen` passes are tried (a plain tuple of rules tries every paragraph: the
    reference logic the tests compare with; same result).

    Returns:
        ``(paragraphs, drops, inline)``: the paragraphs with inline matches removed (same
        length and order as the input), ``drops`` as ``((position, rule name), ...)`` for
        paragraphs removed whole, and ``inline`` as ``((rule name, count), ...)``.
    """
    screen = getattr(rules, "screen", None)
    if screen is not None:
        tried = screen.hits(paragraphs)
        if not tried:  # the common case: no rule matches any paragraph
            return tuple(paragraphs), (), ()
    else:
        tried = range(len(paragraphs))
    out = list(paragraphs)
    dropped: dict[int, str] = {}
    inline: dict[str, int] = {}
    first = screen.first if screen is not None else None
    if first is not None:
        # The first rule (in order) whose pattern fullmatches each paragraph the screen passed, in
        # one regex call (a site's footer on every page was tried with each of 20 rules in turn).
        # Rule R then drops exactly the paragraphs whose first rule is R and that no earlier rule
        # dropped (a rule before R matches none of them; rules after R never see them), so the
        # drops are those of the loop below.
        by_rule: dict[int, list[int]] = {}
        for i in tried:
            k = first(out[i])
            if k is not None:
                by_rule.setdefault(k, []).append(i)
        for k in sorted(by_rule):
            _drop(rules[k], by_rule[k], out, dropped)
        return tuple(out), tuple(sorted(dropped.items())), ()
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
        _drop(rule, [i for i in tried if lo <= len(out[i]) <= hi and i not in dropped and rule.pattern.fullmatch(out[i])],
              out, dropped)
    return tuple(out), tuple(sorted(dropped.items())), tuple(sorted(inline.items()))


def _drop(rule: CompiledRule, matched: list[int], out: list[str], dropped: dict[int, str]) -> None:
    """Record ``rule``'s drops among ``matched`` (ascending positions its pattern fullmatches):
    each not dropped yet; a ``tail`` rule also takes the paragraphs after a match that fullmatch
    its ``follow`` (empty ones passed over; one an earlier rule dropped keeps that name) and
    does not count its pattern's matches among them."""
    skip_to = 0  # paragraphs a tail match consumed are not tried again by the same rule
    for i in matched:
        if i < skip_to or i in dropped:
            continue
        dropped[i] = rule.name
        if rule.scope == "tail" and rule.follow is not None:
            j = i + 1
            while j < len(out) and (not out[j] or rule.follow.fullmatch(out[j])):
                if out[j]:
                    dropped.setdefault(j, rule.name)
                j += 1
            skip_to = j


def clean_article(article: Article, cfg, rules: tuple[CompiledRule, ...]) -> Article:
    """Clean an article's title and paragraphs and record rule drops.

    The texts are cleaned together (:func:`clean_texts`): a comment may span paragraphs, and
    whether a bare tag such as ``<DD>`` is markup depends on the rest of the article. The
    paragraphs at ``article.blocks`` (tables, code blocks) are cleaned by :func:`clean_block`
    (line breaks and indentation kept) and take no part in that.

    Args:
        article: as read by the ingest stage.
        cfg: the ``clean`` config section.
        rules: :func:`compile_rules` of ``cfg.rules``.

    Returns:
        A new Article with cleaned paragraphs (same count and order: a paragraph is never
        removed here, only marked in ``rule_drops`` or left empty).
    """
    return clean_articles([article], cfg, rules)[0]


def clean_articles(articles: list[Article], cfg, rules: tuple[CompiledRule, ...]) -> list[Article]:
    """:func:`clean_article` of each article of a batch (the same Articles, in order), the
    texts of the whole batch cleaned by one :func:`clean_paragraphs` call (the batch pipeline's
    path) with bare tags kept, then, in the few articles where a cleaned text kept a "<", as
    :func:`clean_texts` decides (the same result)."""
    starts, texts = [], []
    for a in articles:
        starts.append(len(texts))
        texts += (a.title or "", *a.paragraphs)
        for i in a.blocks:  # cleaned apart (clean_block): not text for the markup and comment steps
            texts[starts[-1] + 1 + i] = ""
    if any("<!--" in t for t in texts):  # rare: cut comments that span paragraphs, article by article
        texts = [t for k, a in zip(starts, articles) for t in cut_open_comments(texts[k: k + 1 + len(a.paragraphs)])]
    cleaned = clean_paragraphs(texts, cfg.fix_mojibake, cfg.unicode_form, markup=False)
    for j in sorted({bisect.bisect_right(starts, i) - 1 for i, c in enumerate(cleaned) if "<" in c}):
        _settle_markup(texts, cleaned, starts[j], starts[j] + 1 + len(articles[j].paragraphs), cfg.fix_mojibake, cfg.unicode_form)
    for k, a in zip(starts, articles):
        for i in a.blocks:
            cleaned[k + 1 + i] = clean_block(a.paragraphs[i], cfg.fix_mojibake, cfg.unicode_form)
    return [_with_rules(a, cleaned[k], tuple(cleaned[k + 1: k + 1 + len(a.paragraphs)]), rules)  # title '' -> None
            for k, a in zip(starts, articles)]


def _with_rules(article: Article, title: str | None, paragraphs: tuple[str, ...], rules) -> Article:
    """The article with its cleaned title and paragraphs, after :func:`apply_rules`."""
    paragraphs, drops, inline = apply_rules(paragraphs, rules)
    return replace_fields(article, title=title or None, paragraphs=paragraphs, rule_drops=drops, inline_removals=inline)
