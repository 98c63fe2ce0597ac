"""The dataset card: ``README.md`` inside the output (no Beam import).

Layout of the Hugging Face dataset card (YAML metadata block, then Dataset Summary, Dataset
Structure, Dataset Creation, Considerations, Licensing Information), rendered only from the
``report.json`` dict and the ``_SUCCESS`` table manifest, so every number equals the report's.
"""
from __future__ import annotations

import json
import re

from transforms.ingest.core import detect_format
from transforms.records import STATUSES
from transforms.dedup.index import INDEX_SCHEMA
from transforms.write.core import ARTICLES_SCHEMA, PARAGRAPHS_SCHEMA, REJECTS_SCHEMA
from transforms.write.takedown import REMOVALS_SCHEMA
from transforms.write.wording import counted

TABLE_SCHEMAS = {"articles": ARTICLES_SCHEMA, "paragraphs": PARAGRAPHS_SCHEMA, "rejects": REJECTS_SCHEMA,
                 "index": INDEX_SCHEMA}
OPTIONAL_SCHEMAS = {"removals": REMOVALS_SCHEMA}  # a takedown release's (newsetl remove): described when it has one

STATUS_MEANING = {
    "title": "the headline, paragraph 0 (not body text)",
    "kept": "kept: written to `articles.text`",
    "duplicate_within": "an exact or near copy of an earlier paragraph of the same article",
    "duplicate_across": "an exact or near copy (Jaccard ≥ threshold) of a kept paragraph of another article",
    "boilerplate": "a site template: the same paragraph in many articles of one domain",
    "dropped_rule": "removed by a cleaning rule (ad marker, share prompt, ...) named in `reason`",
    "empty": "nothing left after cleaning",
    "duplicate_article": "its whole article was dropped as a copy of another article",
}

FASTTEXT_NAME = "fastText lid.176"

# What the quoted paragraphs of a software licence hold (the licence of a code repository the
# inputs were copied from, e.g. warc-samples' LICENSE.upstream.txt): its name or its URL
_SOFTWARE_LICENCE = re.compile(r"Apache License|apache\.org/licenses|MIT License|Permission is hereby granted, free of charge|"
                               r"BSD (?:[0-9]-Clause |Zero Clause )?License|Redistribution and use in source and binary|"
                               r"GNU (?:Lesser |Library |Affero )?General Public License|gnu\.org/licenses|"
                               r"Mozilla Public License|mozilla\.org/MPL|The Unlicense|ISC License", re.IGNORECASE)
_LICENCE_FILE = re.compile(r"(?:licen[cs]e|copying)(?:$|[._-])", re.IGNORECASE)
SOFTWARE_LICENCE_NOTE = ("a software licence, as code repositories carry: it licenses the repository or collection the "
                         "input files were copied from, not the text of the articles or pages in them, which keeps its "
                         "publishers' rights")


def software_licence(notice: dict) -> bool:
    """True when a notice (``input_notices`` → ``{"path", "lines"}``) is a software licence: a
    LICENSE/LICENCE/COPYING file whose quoted paragraphs name Apache-2.0, MIT, BSD, GPL, MPL, ...
    (a README or SOURCE.md that mentions one is about more than code, and is not marked)."""
    name = notice["path"].replace("\\", "/").rsplit("/", 1)[-1]
    return bool(_LICENCE_FILE.match(name)) and any(_SOFTWARE_LICENCE.search(line) for line in notice["lines"])


def _processing_steps(report: dict) -> list[str]:
    """The run's steps in the order the pipeline ran them: with a language filter
    (``language.keep``), languages are identified before dedup, so that filtered articles take no
    part in it; without one, after dedup, for the articles written (pipelines/pipeline.py)."""
    config = report["config"]
    dedup, language = config["dedup"], config.get("language") or {}
    steps = _read_steps(report) + ["clean (mojibake repair, entity and tag debris, boilerplate rules)"]
    dedup_steps = ["paragraph dedup within each article",
                   f"MinHash LSH dedup across articles (word {dedup['shingle_size']}-gram shingles, {dedup['num_perm']} "
                   f"permutations, {dedup['bands']} bands × {dedup['rows']} rows, verified by {dedup['verify']} Jaccard "
                   f"≥ {dedup['threshold']}, keep order `{dedup['keep_order']}`)"]
    if not language.get("detect", True):
        return steps + dedup_steps + ["Parquet (languages as the input gives them)"]
    identify = f"language identification ({_detector_name(report)})"
    if language.get("keep"):
        return steps + [f"{identify} and the language filter (keep {', '.join(language['keep'])})"] + dedup_steps + ["Parquet"]
    return steps + dedup_steps + [f"{identify} of the articles written", "Parquet"]


WEB_FORMATS = {"warc": "WARC/ARC records read by warcio", "html": "HTML pages"}
READ_NOTES = {"reuters-sgml": "Reuters-21578 SGML parsed by lxml's recovering parser"}


def input_formats(report: dict) -> list[str]:
    """The formats of the run's inputs (sorted): ``ingest.format`` when set, else each input's
    extension (:func:`transforms.ingest.core.detect_format`; a name it cannot tell is left out)."""
    configured = ((report.get("config") or {}).get("ingest") or {}).get("format", "auto")
    found = set()
    for i in report.get("inputs") or []:
        try:
            found.add(detect_format(i["path"], configured)[0])
        except ValueError:
            pass
    return sorted(found)


def _read_steps(report: dict) -> list[str]:
    """``["read"]`` (with the parser of formats read by a library: SGML, WARC, HTML), plus the
    main-text extraction step when web captures were read (WARC or HTML: the text is
    trafilatura's, not the input's)."""
    formats = input_formats(report)
    web = [WEB_FORMATS[f] for f in formats if f in WEB_FORMATS]
    notes = [READ_NOTES[f] for f in formats if f in READ_NOTES]
    if not web:
        return [f"read ({'; '.join(notes)})" if notes else "read"]
    favor = ((report.get("config") or {}).get("ingest") or {}).get("html_favor", "precision")
    return ["read (" + "; ".join(notes + [", ".join(web) + ", charset from BOM, HTTP header, `<meta>` or charset-normalizer"]) + ")",
            f"main-text and metadata extraction by trafilatura (favor `{favor}`; one paragraph per text block; "
            "title, date, author and the page's declared language)"]


def language_note(report: dict) -> list[str]:
    """Where the written articles' ``language`` labels came from, with the count of each source
    (``figures.language_sources``), and the fastText model's licence when it produced some."""
    sources = (report.get("figures") or {}).get("language_sources") or {}
    if not sources:
        if _detector_name(report) != FASTTEXT_NAME:
            return []
        return [f"The `language` labels were produced with {FASTTEXT_NAME} ({FASTTEXT_CITATION})."]
    meaning = {"input": "given by the input (a `language` field, or a web page's `lang` / `Content-Language` declaration)",
               "fasttext": f"detected by {FASTTEXT_NAME} ({FASTTEXT_CITATION})",
               "lingua": "detected by lingua (lingua-language-detector, Apache-2.0)",
               "null": "unknown (null)"}
    parts = [f"{n:,} {meaning.get(k, k)}" for k, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ["Where the `language` labels of the written articles come from: " + "; ".join(parts) + "."]


FASTTEXT_CITATION = ("Joulin et al. 2016, https://fasttext.cc/docs/en/language-identification.html, a model distributed "
                     "under CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/")


def _detector_name(report: dict) -> str:
    """The language detector the run's config chose, as named in the card."""
    language = (report.get("config") or {}).get("language") or {}
    if not language.get("detect", True):
        return "none: the input's language only"
    return FASTTEXT_NAME if language.get("detector", "lingua") == "fasttext" else "lingua"


COLUMN_NOTES = {
    "article_id": "the dump's id, else xxh64 of (relative path, record number)",
    "domain": "from the URL host without `www.` if not given",
    "published": "UTC; a time without zone is taken as UTC",
    "language": "ISO 639-1: from the input, else detected by fastText lid.176 (a few of its labels are 3-letter codes) or lingua",
    "language_source": "`input`, `fasttext`, `lingua`, or null when unknown",
    "articles.text": "kept body paragraphs joined by a blank line",
    "paragraphs.text": "the paragraph's cleaned text (also when dropped)",
    "paragraphs_total": "body paragraphs as split",
    "paragraphs_kept": "body paragraphs kept",
    "duplicate_of_article": "set when less than the configured share of the article survived",
    "charset": "`utf-8`, the declared or BOM-marked encoding (e.g. `utf-16-le`), one detected by charset-normalizer (`cp1251 (detected)`: `.txt`, CSV and JSON Lines) or `windows-1252 (fallback)`",
    "paragraph_id": "`<article_id>/<index>`",
    "index": "0 is the title, body from 1, before any removal",
    "status": "the decision, see What Was Removed and Why",
    "paragraphs.reason": "`exact`/`near`, the rule name, `site_template`, ...",
    "rejects.reason": "why the record could not be used, e.g. `invalid_json`, `missing_text`",
    "rejects.stage": "`ingest`, `language`, ...: where it was rejected",
    "url": "as given, or the capture's URL (web captures)",
    "title": "the cleaned headline (paragraph 0), null when empty",
    "author": "as given (several joined by `, `), or from the page's metadata",
    "source_file": "the input file, as the run named it",
    "cluster_id": "paragraph id of the cluster's representative (the copy kept), on every member including the "
                  "representative. A representative whose equal copies are all short lines kept by "
                  "`dedup.min_words_across` keeps it (those copies have none, and the whole-article rule may make "
                  "them copies again) but is not counted as a cluster",
    "duplicate_of_release": "the earlier release (`--dedup-against`) holding `duplicate_of`, else null",
    "rejects.detail": "a one-line explanation of the reason (e.g. the JSON parser's message)",
    "index.order_key": "the keep-order key of the paragraph in its run (JSON list), compared with a later run's",
    "index.exact_key": "md5 of the matching form (16 bytes): the exact-duplicate key",
    "duplicate_of": "paragraph id of the kept near-duplicate",
    "similarity": "Jaccard with `duplicate_of`",
    "source_record": "record number in the file (-1 unknown)",
    "byte_offset": "byte offset in the (decompressed) file (-1 unknown)",
    "excerpt": "at most 200 characters of the offending input (`[taken down]` after a takedown of the record, `newsetl remove`)",
    "index.form": "the matching form; a later run re-hashes its shingles for verification",
    "index.band_hashes": "the LSH band hashes dedup uses (uint64, band = position; empty: shorter than a shingle)",
    "removals.article_id": "the article taken down (`matched_by` `copy_of_removed`: the article that lost its copies of removed text)",
    "removals.url": "the article's URL, null when it had none",
    "removals.requested": "the id or URL as the takedown list gave it",
    "removals.reason": "the reason the list gave after a tab, null when none",
    "removals.paragraphs_removed": "its `paragraphs/` rows removed",
    "removals.index_rows_removed": "its `index/` rows removed",
    "removals.matched_by": "`article_id`, `url`, `url_normalised` or `copy_of_removed` (null: a row written before it existed)",
    "removals.removed_in": "the release whose takedown removed it (null: a row written before session 10)",
    "removals.paragraph_ids": "`copy_of_removed`: the paragraphs of this article removed as copies; null for a whole article",
    "removals.copy_of": "`copy_of_removed`: the removed paragraphs they copied; null for a whole article",
}

# report.json counts of input values newsetl could not use (the article is kept): card row labels
INPUT_VALUE_COUNTS = (
    ("published_unparsed", "articles whose published date did not parse (written with published = null)"),
    ("language_unrecognised", "articles whose input language named no language (detected instead)"),
    ("url_unusable", "articles whose input url named no web address (written with url = null)"),
)

SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))


def _note(table: str, column: str) -> str:
    return COLUMN_NOTES.get(f"{table}.{column}", COLUMN_NOTES.get(column, ""))


def size_category(n: int) -> str:
    """Hugging Face ``size_categories`` tag for ``n`` rows (``"n<1K"``, ``"1K<n<10K"``, ...)."""
    return next((tag for bound, tag in SIZE_CATEGORIES if n < bound), "n>100M")


def _table_files(manifest: dict) -> dict:
    out = {t: {"files": 0, "rows": 0, "bytes": 0} for t in TABLE_SCHEMAS}
    for f in manifest["files"]:
        t = out.setdefault(f["path"].split("/")[0], {"files": 0, "rows": 0, "bytes": 0})  # e.g. removals/
        t["files"] += 1
        t["rows"] += f["rows"]
        t["bytes"] += f["bytes"]
    return out


def render_card(report: dict, manifest: dict, name: str) -> str:
    """Render the dataset card.

    Args:
        report: the ``report.json`` dict (with ``figures`` and ``input_notices``).
        manifest: the ``_SUCCESS`` dict (``files``: path, rows, bytes, sha256).
        name: the dataset name (the output directory's name).

    Returns:
        Markdown text with a YAML front matter; the same inputs give the same text.
    """
    r, p, fig = report["records"], report["paragraphs"], report.get("figures", {})
    tables = _table_files(manifest)
    languages = sorted(k for k in (fig.get("languages") or {}) if k != "null")
    meta = [
        "---", f"pretty_name: {json.dumps(name)}", "license: other",
        "license_details: the article text belongs to its publishers; see Licensing Information",
        f"language: {json.dumps(languages)}", f"size_categories: [{json.dumps(size_category(r['articles_written']))}]",
        "task_categories: [text-generation]", "tags: [news, deduplicated, minhash, newsetl]", "configs:",
    ]
    schemas = {**TABLE_SCHEMAS, **{t: schema for t, schema in OPTIONAL_SCHEMAS.items() if tables.get(t, {}).get("files")}}
    for t in schemas:
        meta += [f"- config_name: {t}", "  data_files:", "  - split: train", f'    path: "{t}/**/*.parquet"']
        if t == "articles":
            meta.append("  default: true")
    meta.append("---")
    out = meta + [
        "", f"# Dataset Card for {name}", "",
        "## Dataset Summary", "",
        f"{counted(r['articles_written'], 'news article')} with {counted(p['by_status'].get('kept', 0), 'kept paragraph')}, cleaned and "
        f"paragraph-deduplicated (MinHash LSH, Jaccard ≥ {report['config']['dedup']['threshold']}) by newsetl "
        f"{report.get('newsetl_version')} from {counted(r['in'], 'input record')} in {counted(len(report['inputs']), 'file')}. "
        "Every paragraph that was removed is still listed in `paragraphs/` with the reason and, for a duplicate, "
        "the paragraph it duplicates"
        + (" (except the articles taken down with `newsetl remove`, which are counted in `report.json` only)" if "removed" in r else "")
        + "; records that could not be used are in `rejects/`. "
        "`report.json` holds every count (reconciled: records in = articles deduplicated + rejected"
        + (" + taken down" if "removed" in r else "") + "), "
        "`report.html` draws them, `_SUCCESS` lists every file with its sha256.", "",
        "## Dataset Structure", "",
        "| table | files | rows | bytes |", "|---|---:|---:|---:|",
    ]
    out += [f"| {t} | {v['files']} | {v['rows']:,} | {v['bytes']:,} |" for t, v in tables.items()]
    out += ["", "Load with any Parquet reader, e.g. "
            "`pyarrow.dataset.dataset('articles')`, `duckdb.sql(\"SELECT * FROM 'articles/**/*.parquet'\")`, "
            "`polars.scan_parquet('articles/**/*.parquet')`.", ""]
    for t, schema in schemas.items():
        out += [f"### Data Fields: {t}", "", "| column | type | nullable | notes |", "|---|---|---|---|"]
        out += [f"| {f.name} | {f.type} | {'yes' if f.nullable else 'no'} | {_note(t, f.name)} |" for f in schema]
        if t == "articles" and report["config"]["output"].get("partition_by") == "month":
            out.append("| published_month | string (Hive partition directory) | no | `YYYY-MM` of `published`, "
                       "`unknown` without a date |")
        out.append("")
    out += [
        "## Counts", "",
        "| count | value |", "|---|---:|",
        f"| records in | {r['in']:,} |",
        f"| articles deduplicated | {r['articles_deduplicated']:,} |",
        f"| articles written | {r['articles_written']:,} |",
        f"| articles without kept paragraphs | {r['articles_without_kept_paragraphs']:,} |",
        f"| articles flagged as copies | {r['articles_flagged_duplicate']:,} |",
        f"| records rejected | {r['rejected']:,} |",
        *[f"| {label} | {report[key]['total']:,} |" for key, label in INPUT_VALUE_COUNTS if (report.get(key) or {}).get("total")],
        f"| paragraphs in | {p['in']:,} |",
        f"| paragraphs kept (body) | {p['kept_body']:,} |",
        *([f"| articles taken down | {r['removed']:,} |", f"| paragraphs taken down | {p['removed']:,} |"] if "removed" in r else []),
        *[f"| paragraphs dropped as copies of the earlier release `{x['release']}` (`--dedup-against`) | {x.get('paragraphs_dropped', 0):,} |"
          for x in (report.get("dedup_against") or {}).get("releases", [])],
        *([f"| re-sent articles rejected as taken down in an earlier release | "
           f"{report['dedup_against']['taken_down'].get('rejected', 0):,} |"]
          if (report.get("dedup_against") or {}).get("taken_down") else []),
        f"| near-duplicate clusters | {report['clusters']['count']:,} |", "",
        "## What Was Removed and Why", "",
        "| paragraph status | paragraphs | meaning |", "|---|---:|---|",
    ]
    out += [f"| {s} | {p['by_status'].get(s, 0):,} | {STATUS_MEANING.get(s, '')} |" for s in STATUSES]
    out += ["", "| status:reason | paragraphs |", "|---|---:|"]
    out += [f"| {k} | {n:,} |" for k, n in p["dropped_by_reason"].items()] or ["| (none) | 0 |"]
    out += ["", "| rejected stage:reason | records |", "|---|---:|"]
    out += [f"| {k} | {n:,} |" for k, n in r["rejected_by_reason"].items()] or ["| (none) | 0 |"]
    langs = fig.get("languages") or {}
    if langs:
        out += ["", "Languages of written articles: " + ", ".join(f"{k} {v:,}" for k, v in langs.items())
                + " (source: " + ", ".join(f"{k} {v:,}" for k, v in (fig.get("language_sources") or {}).items()) + ")."]
    total_bytes = sum(i["size"] for i in report["inputs"])
    out += [
        "", "## Dataset Creation", "", "### Source Data", "",
        f"{counted(len(report['inputs']), 'input file')}, {counted(total_bytes, 'byte')}. The full input manifest (path, size, sha256 "
        "of every file) is in `report.json` under `inputs`; the first files:", "",
        "| input | bytes | sha256 |", "|---|---:|---|",
    ]
    out += [f"| `{i['path']}` | {i['size']:,} | `{i['sha256'][:16]}…` |" for i in report["inputs"][:10]]
    if len(report["inputs"]) > 10:
        out.append(f"| … {len(report['inputs']) - 10:,} more | | |")
    dedup = report["config"]["dedup"]
    steps = _processing_steps(report)
    out += [
        "", "### Processing", "",
        f"newsetl (Apache Beam): {' → '.join(steps)}.", "",
        f"Config digest (sha256 of the canonical JSON config): `{report['config_digest']}`", "",
        "<details><summary>Full configuration</summary>", "", "```json",
        json.dumps(report["config"], indent=2, sort_keys=True), "```", "", "</details>", "",
        "### Library Versions", "", "| library | version |", "|---|---|",
    ]
    out += [f"| {k} | {v} |" for k, v in sorted(report["library_versions"].items())]
    out += ["", "## Licensing Information", "",
            "newsetl does not change who owns the text: the articles keep the licence and terms of their sources. "
            "Notices found beside the inputs:", ""]
    notices = report.get("input_notices") or []
    for n in notices:
        what = f" ({SOFTWARE_LICENCE_NOTE})" if software_licence(n) else ""
        out.append(f"- `{n['path']}`{what}" + (":" if n["lines"] else " (no licence line found; read the file)"))
        for k, line in enumerate(n["lines"]):  # a quoted paragraph each (a bare ">" line keeps them apart)
            out += ["  >"] * (k > 0) + [f"  > {line}"]
    if not notices:
        out.append("- none found (no LICENSE, NOTICE, COPYING, README or SOURCE.md file beside the inputs): "
                   "establish the terms of the sources before sharing this dataset.")
    web = [f for f in input_formats(report) if f in WEB_FORMATS]
    if web:
        out += ["", "The articles read from web captures (" + ", ".join(web) + ") are the text of the captured pages: "
                "it keeps its publishers' rights, whatever licence the capture files were distributed under. A licence "
                "quoted above that comes with the files (a code repository's `LICENSE`) covers that repository or "
                "collection, not the pages' text."]
    note = language_note(report)
    if note:
        out += [""] + note
    out.append("")
    return "\n".join(out)
