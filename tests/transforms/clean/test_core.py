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
