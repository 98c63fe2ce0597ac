"""Reuters-21578 SGML reader on the real collection."""
from __future__ import annotations

from datetime import datetime, timezone

from pipelines.config import config_from_dict
from transforms.ingest import core
from transforms.ingest.reuters import body_paragraphs, parse_date
from transforms.records import Article


def test_reut2_000_stories_titles_dates_paragraphs(data):
    base = data / "reuters-21578"
    items = list(core.read_file(str(base / "reut2-000.sgm.gz"), str(base), config_from_dict({}).ingest))
    arts = [i for i in items if isinstance(i, Article)]
    rejects = [i for i in items if not isinstance(i, Article)]
    assert (len(arts), len(rejects)) == (925, 75)  # 1,000 stories, 75 of them title-only
    assert {r.reason for r in rejects} == {"missing_text"}
    assert rejects[0].source_record == 29 and rejects[0].excerpt.startswith("NEWID=30 ASSETS OF MONEY MARKET")
    first = arts[0]
    assert (first.article_id, first.title, first.domain) == ("NEWID1", "BAHIA COCOA REVIEW", "reuters")
    assert first.published_us == int(datetime(1987, 2, 26, 15, 1, 1, tzinfo=timezone.utc).timestamp() * 1_000_000)
    assert first.paragraphs[1] == "The dry period means the temporao will be late this year."
    assert len(first.paragraphs) == 18 and first.paragraphs[-1].endswith("Reuter")


def test_body_paragraphs_and_dates():
    body = "    FIRST para line one\nline two.\n    Second para.\n Reuter\n&#3;"
    assert body_paragraphs(body) == ["FIRST para line one line two.", "Second para.", "Reuter &#3;"]
    assert parse_date(" 5-MAR-1987 09:12:45.00") == "1987-03-05T09:12:45Z" and parse_date("garbage") is None


def test_every_reuters_date_parses_but_the_one_broken_in_the_data(data):
    """A fixed-width cut lost 7,241 dates (days 1-9 are written " 5-MAR-1987"): found by this test."""
    import gzip
    import re

    bad = []
    for f in sorted((data / "reuters-21578").glob("reut2-*.sgm.gz")):
        raw = gzip.open(f).read().decode("latin-1")
        bad += [d for d in re.findall(r"<DATE>(.*?)</DATE>", raw, re.S) if parse_date(d) is None]
    assert bad == ["31-MAR-1987 605:12:19.12"]


def test_wrapped_lines_continue_their_paragraph(data):
    """Trial 10: a one-space continuation line and a unit wrapped below its figure started
    paragraphs of their own; paragraph and table-row starts stay (37 joins in all 19,043 bodies)."""
    base = data / "reuters-21578"
    items = core.read_file(str(base / "reut2-003.sgm.gz"), str(base), config_from_dict({}).ingest)
    by_id = {a.article_id: a.paragraphs for a in items if isinstance(a, Article)}
    assert "substantially below Grease Monkey's current market price." in by_id["NEWID3096"][1]
    assert by_id["NEWID3096"][2:] == ("It said it will not disclosed details.", "Reuter")
    assert "Parent bank balance sheet total 372.5 billion vs 348.2 Billion" in by_id["NEWID3474"]
    assert "Cons banking gp balance sheet total at year-end 453.4 Billion schillings vs 425.4 billion" in by_id["NEWID3474"]
    assert "Profit attributable to outside shareholders' interests 12.6 Mln vs 11.2 mln" in by_id["NEWID3486"]
    assert "Profits from related companies, less losses, 23.8 mln vs 14.7 mln" in by_id["NEWID3486"]
    assert len(by_id["NEWID3486"]) == 23  # 26 before these three joins


def test_continues_keeps_paragraph_and_table_starts():
    from transforms.ingest.reuters import continues

    assert continues("selling its", " Seafirst Corp Subsidiary in Washington.")
    assert not continues("    It said it will not disclosed details.", " Reuter")
    assert not continues("said.", " ELEVATOR                     LOADING  WAITING")  # a table
    assert not continues(" uk        12.622 - 12.634", " us/uk     1.6180 - 1.6190")  # rows with columns
    assert not continues(" Aug 13126", " Oct 4462")  # a one-column table
    assert not continues("billion in the year ago period, the Commerce Ministry said.", " Exports rose")
    assert not continues(" YEN 145.15", " STG 1.6198")
    assert not continues("the week.", "    The dry period means")
