"""Pure language-identification logic (no Beam import): the detectors, code normalisation and
the optional language filter.

Two offline detectors (``language.detector``):

- ``fasttext`` (default): fastText's lid.176 model, see :mod:`transforms.language.lid176`;
  65-85 µs an article on a 400-character sample (2-core VM).
- ``lingua``: lingua-language-detector (Stahl, https://github.com/pemistahl/lingua-py): n-gram
  models shipped inside the wheel. Only the configured candidate languages are loaded; in
  low-accuracy mode (trigram models only) 20 languages load in about 0.2 s and 70 MB and classify
  a 400-character sample in about 0.5-0.7 ms (BBC corpus, 2-core machine).
"""
from __future__ import annotations

import functools
from collections import OrderedDict

import xxhash

from transforms.language import lid176
from transforms.records import KEPT, Article, Reject, replace_fields

SOURCE_INPUT = "input"  # the dump gave the language
SOURCE_LINGUA = "lingua"  # detected by lingua from the title and the first body characters
SOURCE_FASTTEXT = lid176.SOURCE_FASTTEXT  # detected by fastText lid.176 from the same sample
SOURCES = frozenset({SOURCE_INPUT, SOURCE_LINGUA, SOURCE_FASTTEXT})  # the values of language_source
LANGUAGE_FILTERED = "language_filtered"
UNKNOWN = "unknown"


_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})  # ISO 639-2 special codes, not languages


@functools.cache
def _two_letter_aliases() -> dict[str, str]:
    """CLDR's language aliases (shipped in babel) whose target is an ISO 639-1 code.

    ISO 639-2/T and /B and ISO 639-3 codes of languages that have a two-letter code
    (``eng``, ``fre``, ``fra``, ``ger``, ``heb`` ...: 240) and the withdrawn two-letter codes
    (``iw`` -> ``he``, ``in`` -> ``id``, ``ji`` -> ``yi``, ``jw`` -> ``jv``, ``mo`` -> ``ro``,
    ``sh`` -> ``sr``); a target with a region or script keeps its language (``prs`` ->
    ``fa_AF`` -> ``fa``). Targets without a two-letter code (``tl`` -> ``fil``) are left out.
    """
    from babel.core import get_global

    aliases = {}
    for code, target in get_global("language_aliases").items():
        language = target.split("_")[0]
        if len(language) == 2 and language.isalpha() and code.isalpha():
            aliases[code.lower()] = language.lower()
    return aliases


@functools.cache
def endonyms() -> dict[str, str]:
    """Each language's name in its own language, case-folded -> its ISO 639-1 code, from CLDR
    (babel's locale data: ``deutsch`` -> ``de``, ``français`` -> ``fr``, ``中文`` -> ``zh``,
    ``русский`` -> ``ru``; 158 names). Built once a process, when a value is neither a code nor
    an English name (about 0.6 s: every two-letter locale is loaded)."""
    from babel import Locale, localedata

    names: dict[str, str] = {}
    for code in sorted(i for i in localedata.locale_identifiers() if len(i) == 2 and i.isalpha()):
        name = Locale.parse(code).languages.get(code)
        if name:
            names.setdefault(name.casefold(), code)
    return names


def normalize_code(value: str | None) -> str | None:
    """Map a language given by a dump to a lower-case ISO 639-1 code when possible.

    ``"en"``, ``"EN-us"``, ``"en_GB"``, ``"eng"`` -> ``"en"``; ``"English"`` -> ``"en"``;
    ``"iw"``, ``"heb"`` -> ``"he"`` (ISO 639-2/3 and withdrawn codes through CLDR's aliases,
    :func:`_two_letter_aliases`); ``"Deutsch"``, ``"Español"`` -> ``"de"``, ``"es"`` (names in
    their own language, :func:`endonyms`); an unknown
    value is returned lower-cased and stripped (never dropped); empty, and the ISO 639-2
    special codes that name no language (``und`` undetermined, ``mul`` multiple, ``zxx`` no
    linguistic content, ``mis`` uncoded), -> None, so that the detector is asked.
    """
    if value is None or not str(value).strip():
        return None
    if str(value).strip().lower().replace("_", "-").split("-")[0] in _NO_LANGUAGE:
        return None
    from lingua import IsoCode639_1, Language

    text = str(value).strip().lower()
    head = text.replace("_", "-").split("-")[0]
    if head in _two_letter_aliases():
        return _two_letter_aliases()[head]
    try:
        return IsoCode639_1.from_str(head).name.lower()
    except ValueError:
        pass
    try:
        return Language.from_str(text).iso_code_639_1.name.lower()
    except ValueError:
        return endonyms().get(text.casefold(), text)


def check_codes(codes, detector: str = SOURCE_LINGUA) -> list[str]:
    """Return the codes in ``codes`` that ``detector`` cannot answer (for config validation).

    ``lingua``: ISO 639-1 codes lingua knows; ``fasttext``: the lid.176 labels
    (:data:`transforms.language.lid176.LABELS`, which include some 3-letter codes).
    """
    if detector == SOURCE_FASTTEXT:
        return [code for code in codes if code not in lid176.LABELS]
    from lingua import IsoCode639_1

    bad = []
    for code in codes:
        try:
            IsoCode639_1.from_str(code)
        except ValueError:
            bad.append(code)
    return bad


class LinguaDetector:
    """lingua over the configured candidate ISO 639-1 codes, models preloaded.

    Args:
        languages: candidate ISO 639-1 codes (at least 2).
        low_accuracy: trigram models only (fast load, worse on short texts).
    """

    source = SOURCE_LINGUA

    def __init__(self, languages, low_accuracy: bool = True):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_iso_codes_639_1(
            *[IsoCode639_1.from_str(c) for c in languages]).with_preloaded_language_models()
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.build()

    def detect(self, text: str) -> str | None:
        """Lower-case ISO 639-1 code, or None when lingua declines."""
        found = self._detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found is not None else None


def build_detector(language_cfg):
    """Build the configured detector (call once per worker, e.g. in ``DoFn.setup``).

    Args:
        language_cfg: the ``language`` config section (``detector``, ``languages``,
            ``low_accuracy`` for lingua, ``min_confidence`` for fasttext).

    Returns:
        :class:`LinguaDetector` or :class:`transforms.language.lid176.FastTextDetector` in a
        :class:`RepeatMemo`: an object with ``source`` (the ``language_source`` value) and
        ``detect(text) -> code | None``.

    Raises:
        FileNotFoundError: fasttext and the bundled model is missing.
    """
    if language_cfg.detector == SOURCE_FASTTEXT:
        return RepeatMemo(lid176.FastTextDetector(language_cfg.languages, language_cfg.min_confidence))
    return RepeatMemo(LinguaDetector(language_cfg.languages, language_cfg.low_accuracy))


class RepeatMemo:
    """A detector that answers a sample it has seen before from memory.

    News dumps repeat articles (the same story at several URLs, re-crawls, syndicated copies
    under the same headline), and their samples (:func:`sample_text`) are then equal: 1,189 of
    the 25,123 detections (4.7%) of the 50 MB benchmark corpus's written articles. Detection is
    a pure function of the sample, so the answer is the same; fastText's ``predict`` (65-85 µs on
    400 characters) is skipped for a ~0.3 µs digest.

    Args:
        detector: an object with ``source`` and ``detect(text) -> code | None``.
        max_entries: samples remembered (least recently used forgotten first); each costs about
            150 bytes (a 16-byte xxh3-128 digest of the sample, not the sample, is the key).
    """

    def __init__(self, detector, max_entries: int = 65_536):
        self.source = detector.source
        self.detector = detector
        self._answers: OrderedDict[bytes, str | None] = OrderedDict()
        self._max = max_entries
        self.hits = 0

    def detect(self, text: str) -> str | None:
        """``detector.detect(text)``, remembered by the text's xxh3-128 digest."""
        return self._remembered(text, b"", self.detector.detect)

    @property
    def confident(self):
        """``detector.confident(text, floor)`` remembered like :meth:`detect`; None when the
        detector has no such method (lingua)."""
        inner = getattr(self.detector, "confident", None)
        if inner is None:
            return None
        return lambda text, floor: self._remembered(text, str(floor).encode(), lambda t: inner(t, floor))

    def _remembered(self, text: str, kind: bytes, answer):
        key = kind + xxhash.xxh3_128_digest(text.encode("utf-8", "surrogatepass"))  # lone surrogates too
        try:
            found = self._answers[key]
        except KeyError:
            found = self._answers[key] = answer(text)
            if len(self._answers) > self._max:
                self._answers.popitem(last=False)
            return found
        self._answers.move_to_end(key)
        self.hits += 1
        return found


def sample_text(article: Article, chars: int) -> str:
    """The title and body paragraphs joined by newlines, cut to ``chars`` characters."""
    parts, n = [], 0
    for p in ((article.title,) if article.title else ()) + article.paragraphs:
        parts.append(p)
        n += len(p) + 1
        if n >= chars:
            break
    return "\n".join(parts)[:chars]


_NOT_ASCII_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())


def letter_count(text: str) -> int:
    """How many characters of ``text`` are letters (``str.isalpha``: Unicode categories L*).

    An ASCII text (most samples of English news) is counted by deleting its other bytes in C
    (``bytes.translate``), about 2 µs for 400 characters instead of 12 µs for the per-character
    ``str.isalpha`` calls, which any other text still takes.
    """
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_ASCII_LETTER))
    return sum(map(str.isalpha, text))


def identify(article: Article, language_cfg, detector) -> Article:
    """Fill ``language`` (ISO 639-1, or a lid.176 label such as ``yue``) and ``language_source`` of one article.

    A language given by the dump wins (normalised, source ``input``, or the source the dump gives
    with it when that is one of ``input``, ``fasttext``, ``lingua``: newsetl's own ``articles/``
    read back keep their ``language_source``); else the detector's answer on
    :func:`sample_text` (source ``detector.source``: ``fasttext`` or ``lingua``) when the sample
    has at least ``min_letters`` letters; with fewer, or when the detector declines (lingua: no
    reliable answer; fasttext: best allowed label under ``min_confidence``), language and source
    stay None.
    """
    given = normalize_code(article.language)
    if given is not None:
        source = article.language_source if article.language_source in SOURCES else SOURCE_INPUT
        return replace_fields(article, language=given, language_source=source)
    if article.language_source is not None:  # given with a language that names none ("und")
        article = replace_fields(article, language_source=None)
    if detector is None:
        return article
    found = short_answer(article, language_cfg, detector)
    if found is not None:
        return replace_fields(article, language=found, language_source=detector.source)
    sample = sample_text(article, language_cfg.sample_chars)
    if letter_count(sample) < language_cfg.min_letters:
        return article  # too little text to tell (tables of figures, one-line briefs)
    found = detector.detect(sample)
    if found is None:
        return article
    return replace_fields(article, language=found, language_source=detector.source)


def short_answer(article: Article, language_cfg, detector) -> str | None:
    """fastText's answer on the first ``short_sample_chars`` characters when it is sure
    (probability >= ``short_sample_confidence``), else None (then :func:`identify` reads
    ``sample_chars``). Off with ``short_sample_chars`` 0, for an article whose whole sample is
    that short, and for detectors without ``confident`` (lingua).

    fastText's time grows with the sample (about linearly in its words): 40 against 72 µs at
    200 and 400 characters (10 MB bench corpus, best of 3). On the 29,287 articles of ``make
    eval``'s five corpora the answers at 200 characters and 0.8 equal the answers at 400 on
    every article; the short sample answers 68.5% (AG News) to 99.2% (BBC) of them.
    """
    chars = language_cfg.short_sample_chars
    confident = getattr(detector, "confident", None)
    if not chars or chars >= language_cfg.sample_chars or confident is None:
        return None
    short = sample_text(article, chars)
    if len(short) < chars or letter_count(short) < language_cfg.min_letters:
        return None  # the whole sample is this short, or too few letters: the usual path decides
    return confident(short, language_cfg.short_sample_confidence)


def identify_written(article: Article, decisions, language_cfg, detector) -> Article:
    """:func:`identify` for an assembled article that will be written, i.e. that keeps at least
    one body paragraph (``decisions``: its :class:`ParagraphDecision` list); any other article
    is returned as it is (it is not written, so its language is never seen).

    Without a language filter this is where the batch pipeline identifies languages, after
    dedup, as CCNet does (Wenzek et al. 2020: deduplication, then language identification): the
    articles whose every paragraph is a duplicate (14% at 50 MB of the benchmark corpus) cost
    no detection.
    """
    if any(d.status == KEPT and d.index > 0 for d in decisions):
        return identify(article, language_cfg, detector)
    return article


def filter_reject(article: Article, language_cfg) -> Reject | None:
    """The dead letter for an article the language filter removes, else None.

    No filter when ``keep`` is empty. An article without a language passes only when
    ``keep_unknown`` is true. Reason ``language_filtered`` (stage ``language``).
    """
    if not language_cfg.keep:
        return None
    if article.language in language_cfg.keep or (article.language is None and language_cfg.keep_unknown):
        return None
    lang = article.language or UNKNOWN
    why = article.language_source or f"undetected: under {language_cfg.min_letters} letters or no reliable answer"
    return Reject(article.source_file, article.source_record, -1, "language", LANGUAGE_FILTERED,
                  f"language {lang} ({why}) not in keep {list(language_cfg.keep)} (article {article.article_id})",
                  (article.title or (article.paragraphs[0] if article.paragraphs else ""))[:200])
