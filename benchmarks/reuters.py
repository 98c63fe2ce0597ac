"""Reuters-21578 article dicts for the sample builder and ``make eval`` (newsetl's own reader)."""
from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from transforms.ingest.reuters import stories


def read_sgm(path: str | Path) -> Iterator[dict]:
    """Yield ``{id, title, published, domain, text}`` for every story with a ``<BODY>``.

    The one stray 0xFC byte in reut2-017 is decoded as Latin-1, as the collection's SOURCE.md says.
    """
    raw = gzip.open(path, "rb").read() if str(path).endswith(".gz") else Path(path).read_bytes()
    for _, record, _ in stories(raw.decode("latin-1")):
        if record is not None:
            yield record
