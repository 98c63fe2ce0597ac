"""Pure language-identification logic (no Beam import): lingua detector, code normalisation and
the optional language filter.

Detection uses lingua-language-detector (Stahl, https://github.com/pemistahl/lingua-py): n-gram
models shipped inside the wheel, offline. Only the configured candidate languages are loaded; in
low-accuracy mode (trigram models only) 20 languages load in about 0.2 s and 70 MB and classify a
1,000-character sample in about 2 ms (measured on the BBC corpus, 2-core machine).
"""
from __future__ import annotations

import dataclasses

from transforms.records import Article, Reject

SOURCE_INPUT = "input"  # the dump gave the language
SOURCE_LINGUA = "lingua"  # detected from the title and the first body characters
LANGUAGE_FILTERED = "language_filtered"
UNKNOWN = "unknown"


def normalize_code(value: str | None) -> str | None:
    """Map a language given by a dump to a lower-case ISO 639-1 code when possible.

    ``"en"``, ``"EN-us"``, ``"en_GB"`` -> ``"en"``; ``"English"`` -> ``"en"``; an unknown
    value is returned lower-cased and stripped (never dropped); empty -> None.
    """
    if value is None or not str(value).strip():
        return None
    from lingua import IsoCode639_1, Language

    text = str(value).strip().lower()
    head = text.replace("_", "-").split("-")[0]
    try:
        return IsoCode639_1.from_str(head).name.lower()
    except ValueError:
        pass
    try:
        return Language.from_str(text).iso_code_639_1.name.lower()
    except ValueError:
        return text


def check_codes(codes) -> list[str]:
    """Return the ISO 639-1 codes in ``codes`` that lingua does not know (for config validation)."""
    from lingua import IsoCode639_1

    bad = []
    for code in codes:
        try:
            IsoCode639_1.from_str(code)
        except ValueError:
            bad.append(code)
    return bad


def build_detector(language_cfg):
    """Build a lingua detector for the configured candidate languages (call once per worker).

    Args:
        language_cfg: the ``language`` config section (``languages`` ISO 639-1 codes,
            ``low_accuracy``).

    Returns:
        ``lingua.LanguageDetector`` with its models preloaded.
    """
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_iso_codes_639_1(
        *[IsoCode639_1.from_str(c) for c in language_cfg.languages]).with_preloaded_language_models()
    if language_cfg.low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def sample_text(article: Article, chars: int) -> str:
    """The title and body paragraphs joined by newlines, cut to ``chars`` characters."""
    parts, n = [], 0
    for p in ((article.title,) if article.title else ()) + article.paragraphs:
        parts.append(p)
        n += len(p) + 1
        if n >= chars:
            break
    return "\n".join(parts)[:chars]


def identify(article: Article, language_cfg, detector) -> Article:
    """Fill ``language`` (ISO 639-1) and ``language_source`` of one article.

    A language given by the dump wins (normalised, source ``input``); else lingua's answer on
    :func:`sample_text` (source ``lingua``) when the sample has at least ``min_letters``
    letters; with fewer, or when lingua declines, language and source stay None.
    """
    given = normalize_code(article.language)
    if given is not None:
        return dataclasses.replace(article, language=given, language_source=SOURCE_INPUT)
    if detector is None:
        return article
    sample = sample_text(article, language_cfg.sample_chars)
    if sum(ch.isalpha() for ch in sample) < language_cfg.min_letters:
        return article  # too little text to tell (tables of figures, one-line briefs)
    found = detector.detect_language_of(sample)
    if found is None:
        return article
    return dataclasses.replace(article, language=found.iso_code_639_1.name.lower(), language_source=SOURCE_LINGUA)


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
                  f"language {lang} ({why}) not in keep {list(language_cfg.keep)}",
                  (article.title or (article.paragraphs[0] if article.paragraphs else ""))[:200])
