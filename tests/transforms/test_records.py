"""Records: wire tuples and field replacement."""
from __future__ import annotations

from transforms.records import Article


def test_replace_fields_equals_the_records_own_replace():
    import dataclasses

    import pytest

    from transforms.records import Candidate, from_wire, replace_fields, to_wire

    article = Article("a1", None, None, "T", None, None, None, ("p",), "utf-8", "f", 0)
    changed = replace_fields(article, language="de", language_source="fasttext", paragraphs=("q", "r"))
    assert changed == article._replace(language="de", language_source="fasttext", paragraphs=("q", "r"))
    assert type(changed) is Article and changed.paragraphs == ("q", "r") and changed.source_file == "f"
    candidate = Candidate((0, "a1", 1), "a1", 1, None, b"k" * 16, b"")
    assert replace_fields(candidate, band_keys=b"x") == dataclasses.replace(candidate, band_keys=b"x")
    for record in (article, changed, candidate):  # the wire tuple round trip, NamedTuple and dataclass alike
        wire = to_wire(record)
        assert type(wire) is tuple and from_wire(type(record), wire) == record and type(from_wire(type(record), wire)) is type(record)
    assert article.language is None  # the original is unchanged
    with pytest.raises(KeyError):
        replace_fields(article, langauge="de")
