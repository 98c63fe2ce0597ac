r"""Words hyphenated at a hard line wrap (``percent-\nage``): joined, never across a paragraph
break. Used by cleaning (every text field, whose line breaks inside a paragraph would otherwise
become a space: ``percent- age``) and by the readers that unwrap lines themselves (Reuters-21578
bodies). No Beam import.
"""
from __future__ import annotations

import re

# a word hyphenated at a hard line wrap inside a paragraph (a paragraph break never matches: the
# line break must be followed, after spaces or tabs, by a word character): "percent-\nage"; not
# a suspended hyphen, followed by a conjunction ("medium-\nand long-term": "medium- and")
_WRAPPED_HYPHEN = re.compile(r"(?:(?<=\w)|(?<=\w\.))([-\u2010\u00ad])[ \t]*(?:\r\n|[\n\r])[ \t]*(?=\w)(?!(?i:and|or|nor)\s)")


def _join_wrapped(match: re.Match) -> str:
    r"""A soft hyphen (U+00AD: a break the writer allowed, not a hyphen) joins the word without
    it; a hyphen (``-``, U+2010) is kept: whether it was typed or added by the wrap cannot be told
    ("percent-\nage" -> "percent-age", "state-\nowned" -> "state-owned")."""
    return "" if match.group(1) == "\u00ad" else match.group(1)


def join_wrapped_hyphens(text: str) -> str:
    r"""``text`` with each word hyphenated at a line wrap joined (:data:`_WRAPPED_HYPHEN`,
    :func:`_join_wrapped`), else unchanged. A dash (``word --\nnext``, ``word -\nnext``) is
    not a hyphen and keeps its space (the character before it must be a letter or digit)."""
    return _WRAPPED_HYPHEN.sub(_join_wrapped, text) if ("\n" in text or "\r" in text) else text
