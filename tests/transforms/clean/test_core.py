"""Cleaning: repair that leaves correct text alone, debris, rules counted by name."""
from __future__ import annotations

import unicodedata

from pipelines.config import load_config
from transforms.clean import core

RULES = core.compile_rules(load_config().clean.rules)


def test_mojibake_repaired_and_correct_text_untouched():
    assert core.clean_paragraph("AntÃ³nio Guterres") == "António Guterres"
    correct = "“Große” Käse – naïve café ﬁnal ＡＢＣ"
    assert core.clean_paragraph(correct) == correct  # no quote uncurling, ligature or width restyling


def test_html_debris_entities_and_whitespace():
    assert core.clean_paragraph("Human Rights. man (OHCHR).< /p>") == "Human Rights. man (OHCHR)."
    assert core.clean_paragraph("A &amp; B&nbsp;<br/>  C\t\nD") == "A & B C D"
    assert core.clean_paragraph("Turner Newall #39;s  #36;10 million") == "Turner Newall's $10 million"
    assert core.clean_paragraph("if a < b and c > d") == "if a < b and c > d"
    # AG News lost the "&" of named entities too (a new-user trial found 103 " amp;" and 320 " quot;" left)
    assert core.clean_paragraph("Johnson  amp; Johnson, R amp;D and  quot;phone sex quot;") == 'Johnson & Johnson, R&D and "phone sex"'
    assert core.clean_paragraph("the lamp; the forecast; a year;") == "the lamp; the forecast; a year;"


def test_nfc():
    nfd = unicodedata.normalize("NFD", "Café crème")
    assert core.clean_paragraph(nfd) == "Café crème"


def test_rules_drop_ad_markers_and_reaction_widget_tail():
    paras = ("Real news.", "TEXEM Advert", "Advertisement", "PUBLICIDAD", "What's Your Reaction?",
             "like", "dislike", "love", "funny", "angry", "sad", "wow")
    out, drops, inline = core.apply_rules(paras, RULES)
    assert out == paras and inline == ()
    assert drops == ((1, "ad_marker"), (2, "ad_marker"), (3, "ad_marker")) + tuple((i, "reaction_widget") for i in range(4, 12))


def test_rules_leave_content_alone():
    paras = ("Global digital pacts", "The advertisement industry grew 5% this year.", "like",
             "Share prices fell on Monday.", "He said he would like to read more of it.")
    _, drops, _ = core.apply_rules(paras, RULES)
    assert drops == ()


def test_ftfy_leaves_printable_ascii_alone():
    """clean_paragraph skips ftfy for printable ASCII: ftfy's repair must be the identity there."""
    import gzip
    import json

    import ftfy

    from tests.conftest import ROOT
    from transforms.clean.core import _FTFY_CONFIG

    texts = ["".join(chr(c) for c in range(32, 127)), "&amp; &lt;p&gt; #39;s Ã (c) -- ... `quoted' \"x\""]
    with gzip.open(ROOT / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            texts += json.loads(line)["text"].split("\n\n")
    texts = [t for t in texts if t.isascii() and t.isprintable()]
    assert len(texts) > 500
    assert [ftfy.fix_text(t, _FTFY_CONFIG) for t in texts] == texts


def test_collapse_space_is_the_whitespace_regex():
    """collapse_space replaced re.sub(r"\s+", " ", t).strip(): the same on every white-space
    character Python knows (NBSP, ideographic space, the \x1c-\x1f separators, line separators)."""
    import re
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert len(spaces) == 29
    text = f"{spaces}a{spaces[::-1]}b c\u00a0\u3000d{spaces}"
    assert core.collapse_space(text) == re.sub(r"\s+", " ", text).strip() == "a b c d"


def test_debris_regexes_skipped_only_when_their_character_is_absent():
    # each guarded step still runs when its character is present
    assert core.clean_paragraph("Newall #39;s goal") == "Newall's goal"
    assert core.clean_paragraph("Johnson  amp; Johnson") == "Johnson & Johnson"
    assert core.clean_paragraph("one< /p>two") == "one two"
    assert core.clean_paragraph("a < b and c > d; #1 seed") == "a < b and c > d; #1 seed"


def test_rule_widths_skip_paragraphs_that_cannot_fullmatch():
    """A paragraph longer than the longest text a rule can match is not tried (speed), with the
    same drops: a cookie notice up to 525 characters is dropped, one character longer is not."""
    widths = {r.name: r.widths for r in RULES}
    assert widths["ad_marker"] == (6, 37)
    assert widths["cookie_notice"] == (14, 525)
    assert widths["share_prompt"][1] > 10**9  # "\s*" is unbounded: always tried
    longest = "x" * 199 + " we use cookies " + "y" * 299
    assert len(longest) == 514
    too_long = "x" * 200 + " we use cookies " + "y" * 310
    paras = (longest, too_long, "Advertisement " + "z" * 30, "What's your reaction?", "like", "Real news.",
             "What's your reaction?", "love")
    _, drops, _ = core.apply_rules(paras, RULES)
    assert drops == ((0, "cookie_notice"), (3, "reaction_widget"), (4, "reaction_widget"),
                     (6, "reaction_widget"), (7, "reaction_widget"))


def test_mojibake_repair_equals_ftfy_on_real_pages_and_their_mojibake(data):
    """The windowed detector (core.looks_like_mojibake) gives ftfy's own answer, and the repair
    ftfy's own text, on real non-ASCII lines of web pages in 14 languages, as read and as
    mis-decoded (UTF-8 bytes read as windows-1252 and windows-1251: real mojibake)."""
    import ftfy

    lines = []
    for path in sorted((data / "scrapinghub-article-extraction-benchmark" / "html").glob("*.html.gz"))[:30]:
        import gzip

        raw = gzip.open(path).read()
        for encoding in ("utf-8", "cp1252", "cp1251"):
            lines += [ln for ln in raw.decode(encoding, errors="replace").splitlines() if not ln.isascii()][:40]
    flagged = [ln for ln in lines if ftfy.badness.is_bad(ln)]
    assert (len(lines), len(flagged)) == (2004, 1065)  # both kinds, many of each
    assert [core.looks_like_mojibake(ln) for ln in lines] == [ftfy.badness.is_bad(ln) for ln in lines]
    assert [core._fix_mojibake(ln) for ln in lines] == [ftfy.fix_text(ln, core._FTFY_CONFIG) for ln in lines]
