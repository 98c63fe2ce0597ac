"""Records: wire tuples and field replacement."""
from __future__ import annotations

from transforms.records import Article


def test_replace_fields_equals_dataclasses_replace():
    import dataclasses

    import pytest

    from transforms.records import replace_fields

    article = Article("a1", None, None, "T", None, None, None, ("p",), "utf-8", "f", 0)
    changed = replace_fields(article, language="de", language_source="fasttext", paragraphs=("q", "r"))
    assert changed == dataclasses.replace(article, language="de", language_source="fasttext", paragraphs=("q", "r"))
    assert article.language is None  # the original is unchanged
    with pytest.raises(KeyError):
        replace_fields(article, langauge="de")
