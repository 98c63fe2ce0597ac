"""Dedup payloads that stay out of shuffles (no Beam import): written to random-access spill
files (:func:`transforms.spill.write_rows`), with small references crossing the shuffle instead.

On Beam's local runner a shuffled PCollection is held in memory until it has been consumed, so
a payload the size of the text (an article's matching forms) or one tuple per pending paragraph
(across-article decisions) makes the run's memory grow with the corpus. Two such payloads go
to spill files here:

- matching forms of whole articles (exact article copies): one file per batch of articles,
  ``forms-<batch id>.rows``, one row per article with pending paragraphs; the text-key shuffle
  carries ``(rank, article_id, batch id, row)`` and only keys with two articles or more read
  their forms (:func:`copy_maps`);
- across-article decisions: one file per exact partition, ``decisions-<partition>.rows``, one
  row per batch of articles; the join by batch carries ``(path, row)`` (:func:`spill_decisions`,
  :func:`read_refs`).

Rows are pickled one per chunk (``chunk=1``): a reader needs one row of a file, never its
neighbours. Names are derived from the run's identities (batch id, partition), so a retried
bundle rewrites the same file with the same content.
"""
from __future__ import annotations

from transforms import spill
from transforms.dedup import core


def forms_name(batch_id: str) -> str:
    """Spill name of a batch's forms file."""
    return f"forms-{batch_id}"


def write_forms(spill_dir: str, batch_id: str, forms: list) -> str:
    """Write the matching forms of a batch's fingerprinted articles (``[((index, form), ...)]``,
    :func:`core.article_fingerprint`'s second item; row k = the batch's k-th such article)
    and return the path.

    Raises:
        OSError: the spill directory cannot be written.
    """
    return spill.write_rows(spill_dir, forms_name(batch_id), forms, chunk=1)


def read_refs(refs) -> list:
    """The rows that ``refs`` (``[(path, row)]``, any order, several files) point to, in that
    order; each file is opened once.

    Raises:
        OSError: a file is missing or unreadable; IndexError: a row is out of range.
    """
    refs = list(refs)
    by_path: dict[str, list[int]] = {}
    for k, (path, _) in enumerate(refs):
        by_path.setdefault(path, []).append(k)
    out: list = [None] * len(refs)
    for path, ks in by_path.items():
        for k, value in zip(ks, spill.read_rows(path, [refs[k][1] for k in ks])):
            out[k] = value
    return out


def copy_maps(members, spill_dir: str, cfg) -> list[tuple[str, tuple[str, dict]]]:
    """Copy maps of the articles that share one article text key (exact article copies).

    Args:
        members: ``[(rank, article_id, batch id, row in the batch's forms file)]`` of one key
            (any order; article ids are unique in a run).
        spill_dir: the directory :func:`write_forms` wrote to.
        cfg: the ``dedup`` config section (shingle sizes).

    Returns:
        ``[(batch id, (article_id, {index: (original paragraph id, Jaccard)}))]`` for every
        member but the first in keep order (the original), aligned by
        :func:`core.align_exact_article`; empty for a single member, whose forms are not read.

    Raises:
        OSError: a forms file is missing or unreadable.
    """
    members = sorted(members)
    if len(members) < 2:
        return []
    forms = read_refs((spill.rows_path(spill_dir, forms_name(batch_id)), row) for _, _, batch_id, row in members)
    original_id, original = members[0][1], forms[0]
    return [(batch_id, (article_id, {i: (f"{original_id}/{j}", sim) for i, j, sim in core.align_exact_article(original, f, cfg)}))
            for (_, article_id, batch_id, _), f in zip(members[1:], forms[1:])]


def spill_keyed(spill_dir: str, name: str, items: list[tuple]) -> list[tuple]:
    """Write the values of keyed shuffle elements, one row each, to ``<name>.rows`` and return
    the elements that point to them: ``[(key, (path, row))]`` in the order of ``items``
    (empty, and no file, when ``items`` is empty); :func:`read_refs` gives the values back.
    One file per writer call keeps the file count at one per batch or partition, not per
    (batch, partition).

    Raises:
        OSError: the spill directory cannot be written.
    """
    if not items:
        return []
    path = spill.write_rows(spill_dir, name, [value for _, value in items], chunk=1)
    return [(key, (path, row)) for row, (key, _) in enumerate(items)]


def spill_decisions(spill_dir: str, partition: int, lists: list[tuple[str, list]]) -> list[tuple[str, tuple[str, int]]]:
    """Write one exact partition's across-article decisions, one row per batch, to
    ``decisions-<partition>.rows`` and return the shuffle elements that point to them.

    Args:
        lists: ``[(batch id, [(article_id, decision tuple)])]`` (a batch may appear more than once).

    Returns:
        ``[(batch id, (path, row))]`` (:func:`spill_keyed`).

    Raises:
        OSError: the spill directory cannot be written.
    """
    return spill_keyed(spill_dir, f"decisions-{partition}", lists)
