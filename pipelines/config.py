"""Typed newsetl configuration, validated once on the launcher.

The YAML file (``configs/default.yaml``) maps one to one onto :class:`NewsetlConfig`.
Unknown keys, wrong types and out-of-range values raise :class:`ConfigError` with a one-line
message that names the offending key, before any pipeline is built.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "configs" / "default.yaml"


class ConfigError(ValueError):
    """Raised for a configuration that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CsvConfig(_Strict):
    """CSV dialect. ``columns`` names the columns of a header-less file."""

    header: bool = True
    columns: tuple[str, ...] | None = None
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    newline_escape: str | None = None  # e.g. "\\" in AG News, where a backslash stands for a newline


def _codec(value: str | None) -> str | None:
    """Validate an encoding name (None passes)."""
    import codecs

    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError as err:
            raise ValueError(f"unknown encoding {value!r}") from err
    return value


class InputOverride(_Strict):
    """Settings for the inputs whose path matches ``match``.

    ``match`` is a glob (``fnmatch``) tried against the path relative to its input root and
    against the path as given, e.g. ``"archive/*.csv"``. Only the keys written in the YAML
    are applied; the first matching override wins.
    """

    match: str = Field(min_length=1)
    encoding: str | None = None
    fallback_encoding: str | None = None

    _check_codecs = field_validator("encoding", "fallback_encoding")(classmethod(lambda cls, v: _codec(v)))


class IngestConfig(_Strict):
    """How input files are read and mapped onto the Article record."""

    format: Literal["auto", "jsonl", "csv", "text", "parquet", "reuters-sgml", "warc", "html"] = "auto"
    # Article field -> input field name. Missing optional fields become null.
    fields: dict[str, str] = Field(default_factory=dict)
    paragraph_separator: str = Field(default=r"\n\s*\n", min_length=1)
    encoding: str | None = None  # declared encoding for all inputs; None = UTF-8 with fallback
    fallback_encoding: str | None = "windows-1252"  # None: undecodable records are rejected
    csv: CsvConfig = CsvConfig()
    max_record_bytes: int = Field(default=10_000_000, gt=0)
    max_decompressed_bytes: int = Field(default=4_000_000_000, gt=0)
    duplicate_id_rule: Literal["first_by_source"] = "first_by_source"
    html_favor: Literal["balanced", "precision", "recall"] = "precision"  # trafilatura's trade-off for HTML/WARC pages
    per_input: tuple[InputOverride, ...] = ()  # e.g. an encoding for one old CSV
    # strptime formats for `published`, tried in order after ISO 8601 and RFC 2822, e.g. ["%m-%d-%Y"]
    published_formats: tuple[str, ...] = ()

    def for_file(self, path: str, rel_path: str) -> "IngestConfig":
        """This config with the first matching ``per_input`` override applied (or unchanged)."""
        import fnmatch

        for override in self.per_input:
            if fnmatch.fnmatchcase(rel_path, override.match) or fnmatch.fnmatchcase(path, override.match):
                changes = {k: getattr(override, k) for k in override.model_fields_set - {"match"}}
                return self.model_copy(update=changes)
        return self

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        known = {"id", "url", "domain", "title", "text", "published", "language", "author", "language_source"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown article field(s) {unknown}; known: {sorted(known)}")
        return value

    @field_validator("paragraph_separator")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            pattern = re.compile(value)
        except re.error as err:
            raise ValueError(f"not a regular expression: {err}") from err
        if pattern.fullmatch(""):
            raise ValueError(f"{value!r} matches the empty string: it would split text between every character")
        return value

    _check_codecs = field_validator("encoding", "fallback_encoding")(classmethod(lambda cls, v: _codec(v)))

    @field_validator("published_formats")
    @classmethod
    def _date_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from datetime import datetime, timezone

        sample = datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        for fmt in value:
            try:  # a usable format reads back the year, month and day it writes
                ok = datetime.strptime(sample.strftime(fmt), fmt).date() == sample.date()
            except ValueError as err:
                raise ValueError(f"{fmt!r} is not a strptime format: {err}") from err
            if not ok:
                raise ValueError(f"{fmt!r} does not give year, month and day (e.g. '%m-%d-%Y')")
        return value

    @field_validator("fallback_encoding")
    @classmethod
    def _ascii_compatible(cls, value: str | None) -> str | None:
        if value is not None and "a\n".encode(value) != b"a\n":
            raise ValueError(f"{value!r} is not ASCII-compatible; a fallback must read line ends and JSON syntax as bytes do")
        return value


class BoilerplateRule(_Strict):
    """A cleaning rule kept as data.

    ``scope: paragraph`` drops a whole paragraph that fully matches ``pattern``;
    ``scope: inline`` deletes the matched text inside a paragraph;
    ``scope: tail`` drops the matching paragraph and every paragraph after it that matches
    ``follow`` (a reaction widget followed by its one-word buttons).
    """

    name: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    scope: Literal["paragraph", "inline", "tail"] = "paragraph"
    follow: str | None = None

    @field_validator("pattern", "follow")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as err:
                raise ValueError(f"not a regular expression: {err}") from err
        return value


class CleanConfig(_Strict):
    """Cleaning switches and boilerplate rules."""

    fix_mojibake: bool = True
    unicode_form: Literal["NFC", "NFKC"] = "NFC"
    rules: tuple[BoilerplateRule, ...] = ()
    max_paragraph_chars: int = Field(default=1_000_000, gt=0)
    max_paragraphs_per_article: int = Field(default=5_000, gt=0)

    @field_validator("rules")
    @classmethod
    def _unique_rule_names(cls, value: tuple[BoilerplateRule, ...]) -> tuple[BoilerplateRule, ...]:
        names = [r.name for r in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule name(s) {repeated} used more than once (drops are counted by rule name)")
        return value


class DedupConfig(_Strict):
    """Paragraph dedup parameters (see docs/ARCHITECTURE.md for the S-curve)."""

    shingle_size: int = Field(default=5, ge=1, le=32)
    char_shingle_size: int = Field(default=5, ge=1, le=32)  # for scripts written without spaces
    num_perm: int = Field(default=128, ge=8, le=1024)
    seed: int = Field(default=1, ge=0)
    threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    bands: int = Field(default=21, ge=1)
    rows: int = Field(default=6, ge=1)
    verify: Literal["exact", "signature"] = "exact"
    keep_order: Literal["earliest", "longest", "source_priority"] = "earliest"
    source_priority: tuple[str, ...] = ()
    strip_datelines: bool = True
    boilerplate_min_articles: int = Field(default=10, ge=2)
    boilerplate_min_domain_share: float = Field(default=0.05, ge=0.0, le=1.0)
    boilerplate_short_min_domain_share: float = Field(default=0.2, ge=0.0, le=1.0)  # for lines under min_words_across
    whole_article_min_kept_share: float = Field(default=0.2, ge=0.0, le=1.0)
    whole_article_action: Literal["flag", "drop"] = "flag"
    max_bucket_size: int = Field(default=100, ge=2)  # LSH buckets above this + 1 members: leader clustering
    min_words_across: int = Field(default=6, ge=0, le=1000)  # shorter paragraphs are never cross-article duplicates
    min_words_near: int = Field(default=10, ge=0, le=1000)  # shorter ones match other articles' exactly only (no MinHash)
    min_words_within: int = Field(default=10, ge=0, le=1000)  # a shorter line repeated once, outside a repeated run, is kept

    @model_validator(mode="after")
    def _bands_fit(self) -> "DedupConfig":
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands*rows = {self.bands}*{self.rows} = {self.bands * self.rows} exceeds num_perm {self.num_perm}"
            )
        if self.keep_order == "source_priority" and not self.source_priority:
            raise ValueError("keep_order 'source_priority' needs a non-empty source_priority list")
        return self


class OutputConfig(_Strict):
    """Output layout."""

    # Files per table; "auto": one per 64 MiB of input files (at least 1), so that the rows one
    # writer sorts and holds stay bounded as the corpus grows (pipelines.pipeline.output_shards).
    shards: int | str = "auto"
    row_group_rows: int = Field(default=50_000, ge=1_000)
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"
    partition_by: Literal["none", "month"] = "none"  # month: articles/published_month=YYYY-MM/ (Hive style)

    @field_validator("shards", mode="before")
    @classmethod
    def _shards(cls, value):
        if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000):
            return value
        raise ValueError(f"must be 'auto' or a whole number from 1 to 10000, not {value!r}")


def _known_form(code: str, detector: str) -> str:
    """``code`` when ``detector`` knows it as written (lid.176's ``sh`` stays ``sh``), else the
    ISO 639-1 code it names (``eng`` -> ``en``, ``deutsch`` -> ``de``) when that one is known,
    else ``code`` (then reported as unknown)."""
    from transforms.language.core import check_codes, normalize_code

    if not check_codes((code,), detector):
        return code
    named = normalize_code(code)
    return named if named and not check_codes((named,), detector) else code


class LanguageConfig(_Strict):
    """Language identification (offline) and the optional language filter.

    ``detector``: ``fasttext`` (lid.176, default) or ``lingua``; ``languages``: candidate codes
    the detector chooses from (fasttext: lid.176 labels, ``[]`` = all 176; lingua: ISO 639-1,
    at least 2); ``min_confidence``: fasttext's probability floor, below it the language stays
    unknown; ``short_sample_chars``/``short_sample_confidence``: fasttext first reads a sample
    of that length and keeps its answer when the probability reaches that floor, else reads
    ``sample_chars`` (README "Sample length"); ``keep``: when non-empty, articles in other languages become rejects
    ``language_filtered``; ``keep_unknown``: whether an article whose language is not known
    passes that filter.
    """

    detect: bool = True
    detector: Literal["fasttext", "lingua"] = "fasttext"  # declared before the codes it validates
    languages: tuple[str, ...] = ("ar", "de", "en", "es", "fa", "fr", "hi", "id", "it", "ja",
                                  "ko", "nl", "pl", "pt", "ru", "sv", "tr", "uk", "vi", "zh")
    low_accuracy: bool = True  # lingua only
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)  # fasttext only
    sample_chars: int = Field(default=400, ge=50, le=100_000)
    short_sample_chars: int = Field(default=200, ge=0, le=100_000)  # fasttext: tried first; 0 = off
    short_sample_confidence: float = Field(default=0.8, gt=0.0, le=1.0)  # its answer stands at this probability
    min_letters: int = Field(default=100, ge=0)  # fewer letters in the sample: language left unknown
    keep: tuple[str, ...] = ()
    keep_unknown: bool = True

    @field_validator("languages", "keep")
    @classmethod
    def _iso_codes(cls, value: tuple[str, ...], info) -> tuple[str, ...]:
        from transforms.language.core import SOURCE_FASTTEXT, check_codes

        value = tuple(code.strip().lower() for code in value)  # EN = en: codes are compared as written
        detector = info.data.get("detector", SOURCE_FASTTEXT)
        # a code the detector does not know as written, but that names one it knows (eng, ger,
        # iw, English, Deutsch: language.core.normalize_code), counts as that one
        value = tuple(dict.fromkeys(_known_form(code, detector) for code in value))
        bad = check_codes(value, detector)
        if detector != SOURCE_FASTTEXT:
            kind = "ISO 639-1 language code(s)"
        elif info.field_name == "keep":  # may also name an ISO 639-1 code an input gives
            bad, kind = check_codes(bad), "language code(s) (neither ISO 639-1 nor a fastText lid.176 label)"
        else:
            kind = "fastText lid.176 label(s)"
        if bad:
            raise ValueError(f"unknown {kind} {bad}")
        return value

    @field_validator("min_confidence")
    @classmethod
    def _reachable_floor(cls, value: float) -> float:
        # lid.176's best probability stays below 1 (highest of 19,047 Reuters-21578 bodies:
        # 0.99990): a floor of 1 would leave every language unknown without saying so
        if value >= 1.0:
            raise ValueError("must be below 1: fastText's probabilities stay below 1, so a floor of 1 "
                             "leaves every language unknown (use detect: false to switch detection off)")
        return value

    @model_validator(mode="after")
    def _some_languages(self) -> "LanguageConfig":
        if self.detect and self.detector == "lingua" and len(self.languages) < 2:
            raise ValueError("detect with lingua needs at least 2 candidate languages")
        if self.detect and len(self.languages) == 1:
            raise ValueError("detect needs at least 2 candidate languages (fasttext: [] = all)")
        return self


class StreamingConfig(_Strict):
    """``newsetl run --streaming`` (pipelines/streaming.py): source, windows, lateness, dedup state expiry."""

    source: Literal["files", "pubsub", "kafka"] = "files"
    poll_interval_seconds: int = Field(default=60, ge=1)  # files: how often the --input globs are matched
    pubsub_subscription: str | None = None  # projects/P/subscriptions/S
    kafka_bootstrap_servers: str | None = None
    kafka_topics: tuple[str, ...] = ()
    event_time: Literal["published", "arrival"] = "published"  # articles without published: arrival
    window_seconds: int = Field(default=3600, ge=1)
    allowed_lateness_seconds: int = Field(default=86_400, ge=0)
    state_expiry_seconds: int = Field(default=30 * 86_400, ge=1)  # memory per LSH bucket (event time), per article id (arrival)

    @model_validator(mode="after")
    def _source_settings(self) -> "StreamingConfig":
        if self.source == "pubsub" and not self.pubsub_subscription:
            raise ValueError("source 'pubsub' needs pubsub_subscription")
        if self.source == "kafka" and not (self.kafka_bootstrap_servers and self.kafka_topics):
            raise ValueError("source 'kafka' needs kafka_bootstrap_servers and kafka_topics")
        return self


class NewsetlConfig(_Strict):
    """The whole run configuration."""

    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    language: LanguageConfig = LanguageConfig()
    dedup: DedupConfig = DedupConfig()
    output: OutputConfig = OutputConfig()
    streaming: StreamingConfig = StreamingConfig()

    def digest(self) -> str:
        """Return the sha256 hex digest of the canonical JSON form of this config."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _format_error(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    rest = [".".join(str(p) for p in e["loc"]) or "(top level)" for e in err.errors()[1:]]
    more = f" (also: {', '.join(rest[:5])}{', ...' if len(rest) > 5 else ''})" if rest else ""
    return f"invalid config {source}: {loc}: {msg}{more}"


def load_config(path: str | Path | None = None) -> NewsetlConfig:
    """Load and validate a YAML config.

    Args:
        path: YAML file, laid over ``configs/default.yaml`` (:func:`merge_config`: it names only
            what it changes); ``None`` loads ``configs/default.yaml`` alone.

    Returns:
        The validated, frozen config.

    Raises:
        ConfigError: missing or unreadable file, bad YAML, unknown key, wrong type or
            out-of-range value. The message is one line and names the key.
    """
    defaults = _read_yaml(DEFAULT_CONFIG_PATH)
    if path is None:
        return config_from_dict(defaults, source=str(DEFAULT_CONFIG_PATH))
    return config_from_dict(merge_config(defaults, _read_yaml(Path(path))), source=str(path))


def _read_yaml(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read config {path}: {err.strerror or err}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)  # where the parser stopped (0-based), when it knows
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"invalid YAML in config {path}{where}: {problem}") from err
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"invalid config {path}: top level must be a mapping")
    return raw


def merge_config(base: dict, override: dict) -> dict:
    """``override`` laid over ``base``, key by key: mappings merge recursively, any other value
    (a list included, e.g. ``clean.rules``) replaces the base's. A config file only names what it
    changes; everything else keeps ``configs/default.yaml``'s value (its boilerplate rules too).
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = value
    return out


def config_from_dict(raw: dict, source: str = "<dict>") -> NewsetlConfig:
    """Validate a plain dict (as parsed from YAML) into a :class:`NewsetlConfig`.

    Raises:
        ConfigError: as :func:`load_config`.
    """
    try:
        return NewsetlConfig.model_validate(_tuples(raw))
    except ValidationError as err:
        raise ConfigError(_format_error(err, source)) from None


def _tuples(obj):
    """YAML gives lists; the frozen strict models want tuples."""
    if isinstance(obj, dict):
        return {k: _tuples(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return tuple(_tuples(v) for v in obj)
    return obj
