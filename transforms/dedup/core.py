"""Pure dedup logic (no Beam import): matching form, shingles, within-article dedup,
bucket verification, clustering with the keep rule, and the whole-article rule.

Semantics (docs/ARCHITECTURE.md): members of a cluster are visited in the configured keep
order; a member is kept unless a *verified* near-duplicate of it (Jaccard >= threshold) is
already kept, so a chain A~B~C never drops C in favour of A. A cluster spanning at least
``boilerplate_min_articles`` articles of one domain and ``boilerplate_min_domain_share`` of
that domain's articles is site boilerplate: all its members are dropped.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
import dataclasses
from dataclasses import dataclass

import numpy as np

from transforms.dedup import minhash
from transforms.records import (
    BOILERPLATE, DUPLICATE_ACROSS, DUPLICATE_ARTICLE, DUPLICATE_WITHIN, KEPT,
    Article, Candidate, ParagraphDecision, _reduce_fields, paragraph_id,
)

# "LONDON (Reuters) -", "WASHINGTON, March 3 (AP) --", "Reuters -", "AP -", "SPACE.com -"
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z.'\- ]{0,40}(?:,\s*[A-Za-z0-9. ]{0,30})?\s*)?"
    r"\((?:Reuters|AP|AFP|UPI|Bloomberg|dpa|Xinhua|PA|IANS|PTI)\)\s*[-–—]{1,2}\s*"
    r"|^\s*(?:Reuters|AP|AFP|UPI)\s+[-–—]{1,2}\s*"
)
_AGENCIES = ("Reuters", "AP", "AFP", "UPI")
# ASCII bytes -> their matching form: letters lower-cased, digits kept, everything else a space.
_ASCII_FORM = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Scripts written without spaces between words: CJK ideographs, kana, Thai, Lao, Khmer, Myanmar.
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]")


def matching_form(text: str, strip_datelines: bool = True) -> str:
    """The form used only to compare paragraphs, never written.

    NFKC, wire dateline stripped, case-folded, punctuation and symbols removed, white space
    collapsed; digits are kept ("Shr 1.22 dlrs" and "Shr 0.95 dlrs" differ).
    """
    if strip_datelines and ("(" in text or text.lstrip().startswith(_AGENCIES)):  # the regex needs one of these
        text = _DATELINE.sub("", text, count=1)
    if text.isascii():  # NFKC is the identity and casefold is lower(): one byte-table pass
        return " ".join(text.encode("ascii").translate(_ASCII_FORM).decode("ascii").split())
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


# _ASCII_FORM, but byte 0xFF (in no ASCII text) is kept: the separator of matching_forms' joined texts.
_ASCII_FORM_SEP = _ASCII_FORM[:255] + b"\xff"


def matching_forms(texts: list[str], strip_datelines: bool = True) -> list[str]:
    """``[matching_form(t, strip_datelines) for t in texts]``, the same strings, computed for many
    texts at once: the ASCII texts (nearly all news text) are joined by ``"\xff"`` (a character
    no ASCII text holds) and go through one byte-table pass and one white-space collapse for
    the whole list, then are split again; the other texts are done one by one. About 3x faster
    than one :func:`matching_form` call a paragraph (0.52 -> 0.17 s for the 248,319 paragraphs
    of the 50 MB benchmark corpus).

    Returns:
        One matching form per text, in order ('' for a text without letters or digits).
    """
    if strip_datelines:  # as matching_form: the regex only where it can match
        sub, agencies = _DATELINE.sub, _AGENCIES
        texts = [sub("", t, count=1) if "(" in t or t.lstrip().startswith(agencies) else t for t in texts]
    ascii_flags = [t.isascii() for t in texts]
    if all(ascii_flags):
        return _ascii_forms(texts)
    forms = iter(_ascii_forms([t for t, plain in zip(texts, ascii_flags) if plain]))
    return [next(forms) if plain else matching_form(t, strip_datelines=False) for t, plain in zip(texts, ascii_flags)]


def _ascii_forms(texts: list[str]) -> list[str]:
    """Matching forms of ASCII texts (datelines already stripped), from one pass over their join."""
    if not texts:
        return []
    joined = np.frombuffer("\xff".join(texts).encode("latin-1").translate(_ASCII_FORM_SEP).strip(b" "), dtype=np.uint8)
    # White space collapsed and stripped, vectorised: of each run of spaces only the first stays,
    # and only between two letters or digits (not next to a separator).
    space = joined == 32
    keep = ~space
    starts = np.flatnonzero(space[1:] & keep[:-1]) + 1  # first and last space of each run (none at the ends)
    ends = np.flatnonzero(space[:-1] & keep[1:])
    keep[starts[(joined[starts - 1] != 255) & (joined[ends + 1] != 255)]] = True
    return joined[keep].tobytes().decode("latin-1").split("\xff")


def is_no_space_script(form: str) -> bool:
    """True when at least 30% of the non-space characters are of a script without word spaces."""
    chars = form.replace(" ", "")
    return bool(chars) and len(_NO_SPACE_SCRIPT.findall(chars)) >= 0.3 * len(chars)


def shingles(form: str, word_n: int, char_n: int) -> list[str]:
    """Shingles of a matching form: word n-grams, or character n-grams for no-space scripts.

    Returns:
        The shingle strings (with repeats); empty when the text is shorter than one shingle.
    """
    if is_no_space_script(form):
        chars = form.replace(" ", "")
        return [chars[i: i + char_n] for i in range(len(chars) - char_n + 1)]
    tokens = form.split()
    return [" ".join(tokens[i: i + word_n]) for i in range(len(tokens) - word_n + 1)]


_ARROW_MIN_FORMS = 64  # below this many forms, form_lengths counts in Python


def form_lengths(forms: list[str]) -> np.ndarray:
    """Length of each matching form in words (its space-separated tokens), the unit of
    ``dedup.min_words_across``; a form of a script written without spaces
    (:func:`is_no_space_script`) counts its characters (spaces excluded) as words, an empty form
    (a symbol line, :func:`symbol_form`) 0. Spaces counted by Arrow for a batch's list; a list
    of fewer than 64 forms (one article's duplicates, in :func:`keep_short`) is counted in Python,
    the same numbers: per article, Arrow's array and four kernels cost about 100 µs, 2.5 s of the
    50 MB benchmark corpus's assembly.

    Returns:
        int64 ``(len(forms),)``.
    """
    if len(forms) < _ARROW_MIN_FORMS:  # one article's few paragraphs (keep_short): Arrow's set-up would cost more
        return np.array([0 if not f else len(f.replace(" ", "")) if not f.isascii() and is_no_space_script(f)
                         else f.count(" ") + 1 for f in forms], dtype=np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(forms, type=pa.large_string())
    out = pc.count_substring(arr, " ").to_numpy(zero_copy_only=False).astype(np.int64) + 1  # single spaces between words
    out[pc.equal(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)] = 0
    for i in np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)).tolist():  # few rows
        if is_no_space_script(forms[i]):  # CJK, Thai ...
            out[i] = len(forms[i].replace(" ", ""))
    return out


def short_across(forms: list[str], cfg) -> np.ndarray | None:
    """Which matching forms are too short to be cross-article duplicates: fewer words
    (:func:`form_lengths`) than ``cfg.min_words_across``; None when the rule is off (0).

    Such a paragraph takes part in within-article dedup, site-template boilerplate and the
    whole-article rule, but is never ``duplicate_across`` (exact, near or against an earlier
    release): it goes on with no shingles (:func:`exact_only`) and :func:`keep_short` keeps it
    where its exact group made it a duplicate. Equal 2-3 word lines of unrelated articles
    (``Record March 16``) are coincidence, not copying (README "Dedup", docs/ARCHITECTURE.md).
    """
    if not cfg.min_words_across:
        return None
    return form_lengths(forms) < cfg.min_words_across


def exact_only(forms: list[str], cfg) -> np.ndarray | None:
    """Which matching forms go on to across-article dedup without shingles (no LSH band, no
    near-duplicate edge, exact key only): fewer words than ``cfg.min_words_near`` or
    ``cfg.min_words_across``; None when both are 0. A Jaccard >= 0.8 over the few shingles
    of a short line is met by one differing word (``Qtly div six cts vs six cts prior`` ~
    ``... prior qtr``, two companies' payouts): noise, not a copy."""
    bar = max(cfg.min_words_near, cfg.min_words_across)
    if not bar:
        return None
    return form_lengths(forms) < bar


def symbol_form(text: str) -> str:
    """The exact-match form of a paragraph with no letter or digit (``* * *``, ``—``, ``👍 👎``,
    ``| --- |``), else ''.

    Such a paragraph has an empty matching form, so it has no shingles and MinHash can say
    nothing about it; it is deduplicated by exact key only (:func:`exact_key` of this form):
    NFKC and case-folded as the matching form is, white space collapsed, every symbol kept
    (``* * *`` and ``***`` differ). This follows CCNet (Wenzek et al. 2020, section 3.3;
    ``cc_net/dedup.py`` ``compute_hashes``), which hashes every line, symbol lines included,
    after a normalisation that keeps ASCII punctuation and symbols (``normalize_for_dedup``).
    A form of letters and digits never equals one of symbols, so the two kinds of exact key
    cannot collide. A paragraph whose matching form is empty only because a wire dateline was
    stripped (``LONDON (Reuters) -``) has letters: '' (it stays unmatched).

    Returns:
        The form, or '' for a text with a letter or digit (after NFKC) or only white space.
    """
    if matching_form(text, strip_datelines=False):
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def is_symbol_line(text: str) -> bool:
    """``bool(symbol_form(text))``, cheaply for ASCII text (one search that stops at the first
    letter or digit, mostly the first character)."""
    if text.isascii():
        return _ASCII_ALNUM.search(text) is None and not text.isspace() and bool(text)
    return bool(symbol_form(text))


def exact_key(form: str) -> bytes:
    """16-byte content digest (md5) of a matching form: the exact-match key (never ``hash()``)."""
    return hashlib.md5(form.encode("utf-8")).digest()


def paragraph_key(text: str, strip_datelines: bool = True) -> tuple[str, bytes]:
    """``(matching form, exact key)`` of one paragraph as the dedup stage computes them (one at a
    time): a symbol line has form '' and the key of its :func:`symbol_form`."""
    form = matching_form(text, strip_datelines)
    return form, exact_key(form or symbol_form(text))


def exact_keys(forms: list[str]) -> list[bytes]:
    """``[exact_key(f) for f in forms]`` without a Python call per form."""
    md5 = hashlib.md5
    return [md5(f.encode("utf-8")).digest() for f in forms]


def order_rank(article: Article, keep_order: str, source_priority: tuple[str, ...]) -> tuple:
    """The article part of the keep-order key; smaller is visited (and kept) first.

    ``earliest``: published time, nulls last; ``longest``: most body characters first;
    ``source_priority``: position of the domain in the list (unlisted last), then earliest.
    Ties are broken by ``article_id`` (and then paragraph index by the caller).
    """
    pub = (0, article.published_us) if article.published_us is not None else (1, 0)
    if keep_order == "longest":
        return (-sum(len(p) for p in article.paragraphs), *pub, article.article_id)
    if keep_order == "source_priority":
        rank = source_priority.index(article.domain) if article.domain in source_priority else len(source_priority)
        return (rank, *pub, article.article_id)
    return (*pub, article.article_id)


def dedup_within(article: Article, clean_cfg, cfg) -> tuple[list[ParagraphDecision], list[tuple[int, bytes, np.ndarray, str]]]:
    """Decide every paragraph of one article that can be decided inside it.

    The title is paragraph 0 (status ``title``) and takes part as the earliest paragraph, so a
    headline repeated in the body is a duplicate. Body paragraphs are 1-based. A paragraph is a
    within-article duplicate of the earlier kept paragraph (or title) with the highest exact
    shingle Jaccard >= threshold (ties: earliest); equal matching forms count as 1.0.
    Computed by :func:`transforms.dedup.batch.dedup_within_batch` (the pipeline's batched path).

    Returns:
        ``(decisions, pending)``: final decisions for title, empty, rule-dropped, over-long and
        within-article duplicate paragraphs; ``pending`` lists ``(index, exact key, shingle
        hashes, matching form)`` of the paragraphs that go on to across-article dedup (a
        paragraph without letters or digits: the key of its :func:`symbol_form`, no shingles,
        form ''; it is a duplicate only of an equal symbol line, the title included).
    """
    from transforms.dedup.batch import dedup_within_batch

    return dedup_within_batch([article], clean_cfg, cfg)[0]


def with_band_keys(candidates: list[Candidate], cfg) -> list[Candidate]:
    """Fill ``band_keys`` of candidates that have shingles and no keys, in one vectorised pass
    (:func:`minhash.band_keys`: the band hashes the batched LSH and the release index use).

    Streaming dedup needs each paragraph's own band keys as bucket keys (Leskovec, Rajaraman
    and Ullman ch. 3); the batched across-article stage bands representatives itself.
    """
    todo = [i for i, c in enumerate(candidates) if c.shingles and not c.band_keys]
    if not todo:
        return list(candidates)
    sigs = minhash.signatures([np.frombuffer(candidates[i].shingles, dtype="<u4") for i in todo], cfg.num_perm, cfg.seed)
    out = list(candidates)
    for keys, i in zip(minhash.band_keys(sigs, cfg.bands, cfg.rows), todo):
        out[i] = dataclasses.replace(out[i], band_keys=keys)
    return out


def make_candidates(article: Article, pending, rank: tuple, cfg=None) -> list[Candidate]:
    """Shuffle-ready candidates of pending paragraphs, with band keys when ``cfg`` is given
    (see :func:`transforms.dedup.batch.candidates`)."""
    from transforms.dedup.batch import candidates

    return candidates([article], [pending], [rank], cfg)[0]


def article_fingerprint(pending) -> tuple[bytes, tuple[tuple[int, str], ...]] | None:
    """Whole-article exact key: md5 of the article's surviving body matching forms joined by a space
    (paragraphs without letters or digits, whose pending form is '', are left out).

    Two articles with the same words in the same order but other paragraph breaks (the BBC
    corpus has such pairs) get the same key. Returns ``(key, ((index, form), ...))`` or None.
    """
    forms = tuple((i, f) for i, _, _, f in pending if i > 0 and f)  # symbol lines (form '') carry no text
    if not forms:
        return None
    return exact_key(" ".join(f for _, f in forms)), forms


def align_exact_article(original: tuple[tuple[int, str], ...], duplicate: tuple[tuple[int, str], ...], cfg):
    """Map each paragraph of an exact article copy to the original's paragraph it overlaps most.

    Both arguments are ``((index, matching form), ...)`` whose forms, joined by a space, are
    equal. Returns ``[(duplicate index, original index, exact shingle Jaccard)]``.
    """
    def spans(forms):
        out, pos = [], 0
        for i, f in forms:
            out.append((i, pos, pos + len(f)))
            pos += len(f) + 1
        return out

    orig = spans(original)
    forms_o, forms_d = dict(original), dict(duplicate)
    result = []
    for i, lo, hi in spans(duplicate):
        best = max(orig, key=lambda o: (min(hi, o[2]) - max(lo, o[1]), -o[0]))
        a = minhash.hash_shingles(shingles(forms_d[i], cfg.shingle_size, cfg.char_shingle_size))
        b = minhash.hash_shingles(shingles(forms_o[best[0]], cfg.shingle_size, cfg.char_shingle_size))
        sim = 1.0 if forms_d[i] == forms_o[best[0]] else minhash.exact_jaccard(a, b)
        result.append((i, best[0], round(sim, 6)))
    return result


def follow_copy_pointers(original_id: str, copy_map: dict[int, tuple[str, float]], decisions: dict) -> dict[int, tuple]:
    """Point an exact article copy's paragraphs at kept text: where the original's paragraph is
    itself an exact duplicate across (of another article, or of an earlier release's paragraph),
    the copy's paragraph names what that one names; a copy of a copy otherwise named a dropped
    row (trial 11, finding 5: a re-sent story whose original of the day was a copy of the day
    before).

    Only exact duplicates are followed (similarity 1.0: the original's paragraph has the matching
    form of the paragraph it names, so the copy's Jaccard with it is the one computed against
    the original's); a near one keeps the pointer at the original's paragraph (its Jaccard with
    the near duplicate's source is not known here).

    Args:
        original_id: the original article's id.
        copy_map: index -> (original paragraph id, Jaccard), :func:`align_exact_article`'s.
        decisions: ``{(article_id, index): across-article decision}`` holding the original's
            (:func:`decisions_to_wire` tuples, ``duplicate_of_release`` last, or 6-tuples).

    Returns:
        index -> ``(paragraph id, Jaccard, duplicate_of_release or None)``.
    """
    out = {}
    for i, (pid, sim) in copy_map.items():
        d = decisions.get((original_id, int(pid.rsplit("/", 1)[1])))
        if d is not None and d[1] == DUPLICATE_ACROSS and d[4] and d[5] == 1.0:
            out[i] = (d[4], sim, d[6] if len(d) > 6 else None)
        else:
            out[i] = (pid, sim, None)
    return out


# ---------------------------------------------------------------- exact groups (transforms/dedup/exact.py)


@dataclass(frozen=True, slots=True)
class GroupNode:
    """One exact group as a node of the near-duplicate graph, as the component and member steps
    use it; the batch pipeline keeps nodes in node stores (:func:`transforms.dedup.exact.bandable_store`),
    not as these objects."""

    __reduce__ = _reduce_fields

    key: bytes
    order: tuple
    ref: str  # paragraph id of the representative
    shingles: bytes
    domains: tuple[tuple[str | None, int], ...]
    bands: bytes = b""  # the representative's stored band hashes (an earlier release's paragraph), else b""


def verify_bucket(nodes: list[GroupNode], cfg) -> list[tuple[bytes, bytes, float]]:
    """Verify the candidate pairs of one LSH bucket (the reference for :mod:`transforms.dedup.batch`).

    Members are sorted by keep order. In a bucket of at most ``max_bucket_size + 1`` members
    every pair is verified. A larger (hot) bucket, such as a template line with a counter or a
    footer copied with small edits, is verified by sequential leader clustering (Hartigan,
    *Clustering Algorithms*, 1975, ch. 3): each member is compared with the bucket's leaders,
    the earlier members that matched no earlier leader, and becomes a leader itself when it
    matches none, up to ``max_bucket_size`` leaders. A hot bucket of near-copies then costs
    O(n) comparisons and edges, not O(n * max_bucket_size).

    Returns:
        Verified edges ``(key_a, key_b, similarity)`` with ``a`` before ``b`` in keep order and
        similarity >= threshold (exact shingle Jaccard, or the signature estimate).
    """
    nodes = sorted({n.key: n for n in nodes}.values(), key=lambda n: n.order)
    if len(nodes) < 2:
        return []
    arrays = [np.frombuffer(n.shingles, dtype="<u4") for n in nodes]
    if cfg.verify == "signature":
        sigs = minhash.signatures(arrays, cfg.num_perm, cfg.seed)

    def similarity(i, j):
        if cfg.verify == "signature":
            return minhash.estimate_jaccard(sigs[i], sigs[j])
        return minhash.exact_jaccard(arrays[i], arrays[j])

    hot = len(nodes) > cfg.max_bucket_size + 1
    edges, leaders = [], []
    for j in range(len(nodes)):
        matched = False
        for i in (leaders if hot else range(j)):
            sim = similarity(i, j)
            if sim >= cfg.threshold:
                edges.append((nodes[i].key, nodes[j].key, round(sim, 6)))
                matched = True
        if hot and not matched and len(leaders) < cfg.max_bucket_size:
            leaders.append(j)
    return edges


@dataclass(frozen=True, slots=True)
class GroupDecision:
    """What happens to an exact group's representative (and so to its members)."""

    status: str  # KEPT, DUPLICATE_ACROSS or BOILERPLATE
    cluster_id: str | None
    duplicate_of: str | None  # a kept paragraph id, for DUPLICATE_ACROSS
    similarity: float | None  # DUPLICATE_ACROSS: Jaccard; BOILERPLATE: the domain share (boilerplate_share)


def template_domains(domains, domain_totals: dict, cfg) -> dict:
    """Domains for which a paragraph is site template, with their shares: >=
    ``boilerplate_min_articles`` of the domain's (non-null) articles hold it, and >=
    ``boilerplate_min_domain_share`` of them.

    Args:
        domains: ``((domain, articles holding the paragraph), ...)`` of a group or cluster.
        domain_totals: domain -> articles of that domain in the run.

    Returns:
        ``{domain: share}`` (members / domain articles, 0-1) of the domains that pass both tests.
    """
    out = {}
    for domain, n in domains:
        if domain is None or n < cfg.boilerplate_min_articles:
            continue
        total = domain_totals.get(domain, 0)
        if total and n >= cfg.boilerplate_min_domain_share * total:
            out[domain] = max(out.get(domain, 0.0), n / total)
    return out


def boilerplate_share(domains, domain_totals: dict, cfg) -> float | None:
    """The largest share of a domain whose template the paragraph is (:func:`template_domains`),
    None when it is no domain's template. :func:`keep_short` keeps a short line whose share is
    under ``boilerplate_short_min_domain_share``."""
    template = template_domains(domains, domain_totals, cfg)
    return max(template.values()) if template else None


def is_template(node_domains, template) -> bool:
    """Whether every member of a node (an exact group) is in a domain whose template it is
    (``template``: :func:`template_domains`).

    A group with a member elsewhere (the original article on another site, a site with fewer
    copies than the rule needs, an article without a domain, an earlier release's paragraph) is
    not dropped as site template: its copies are resolved like any duplicates, so one copy is
    kept (trial 10, finding 1).
    """
    return bool(template) and all(domain in template for domain, _ in node_domains)


def distinct_edges(edge_lists) -> list[tuple[int, int, float]]:
    """The distinct edges of several LSH partitions' verified edges, each with its highest similarity.

    Args:
        edge_lists: lists of ``(locator a, locator b, similarity)`` (any order; a pair sharing
            buckets of several bands is verified in each of their partitions).

    Returns:
        ``[(a, b, similarity)]`` sorted by ``(a, b)``.
    """
    best: dict[tuple[int, int], float] = {}
    for edges in edge_lists:
        for a, b, sim in edges:
            if sim > best.get((a, b), -1.0):
                best[a, b] = sim
    return [(a, b, sim) for (a, b), sim in sorted(best.items())]


def resolve_components(nodes: dict[bytes, GroupNode], edges: list[tuple[bytes, bytes, float]],
                       domain_totals: dict, cfg) -> dict[bytes, GroupDecision]:
    """Cluster the verified graph and apply the keep rule in each connected component.

    Args:
        nodes: exact-group key -> node, for every node that has an edge.
        edges: verified edges (deduplicated or not).
        domain_totals: domain -> number of articles (for the boilerplate rule).

    Returns:
        key -> decision for every node. Within a component, nodes are visited in keep order; a
        node is kept unless an already kept neighbour exists, in which case it is a duplicate of
        the kept neighbour with the highest similarity (ties: earliest). Site template: the
        component's domains that meet the rule (:func:`template_domains`, counted over the
        whole component) make its nodes that appear only in them boilerplate; the others are
        resolved as above. ``cluster_id`` is the paragraph id of the component's first member.
    """
    parent = {k: k for k in nodes}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    adjacency: dict[bytes, dict[bytes, float]] = {k: {} for k in nodes}
    for a, b, sim in edges:
        adjacency[a][b] = sim
        adjacency[b][a] = sim
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    components: dict[bytes, list[bytes]] = {}
    for k in nodes:
        components.setdefault(find(k), []).append(k)
    out: dict[bytes, GroupDecision] = {}
    for members in components.values():
        members.sort(key=lambda k: nodes[k].order)
        cluster_id = nodes[members[0]].ref
        counts = Counter()
        for k in members:
            counts.update(dict(nodes[k].domains))
        template = template_domains(counts.items(), domain_totals, cfg)
        share = round(max(template.values()), 6) if template else None
        kept: list[bytes] = []
        for k in members:
            if is_template(nodes[k].domains, template):
                out[k] = GroupDecision(BOILERPLATE, cluster_id, None, share)
                continue
            best = None
            for other, sim in adjacency[k].items():
                if other in out and out[other].status == KEPT:
                    cand = (-sim, nodes[other].order, other)
                    best = cand if best is None or cand < best else best
            if best is None:
                out[k] = GroupDecision(KEPT, cluster_id, None, None)
                kept.append(k)
            else:
                out[k] = GroupDecision(DUPLICATE_ACROSS, cluster_id, nodes[best[2]].ref, -best[0])
    return out


def singleton_decision(node: GroupNode, size: int, domain_totals: dict, cfg) -> GroupDecision:
    """Decision for an exact group with no verified near-duplicate."""
    template = template_domains(node.domains, domain_totals, cfg) if size > 1 else {}
    if is_template(node.domains, template):
        return GroupDecision(BOILERPLATE, node.ref, None, round(max(template.values()), 6))
    return GroupDecision(KEPT, node.ref if size > 1 else None, None, None)


def member_decision(article_id: str, index: int, node: GroupNode, group: GroupDecision) -> tuple:
    """A member's decision from its group's: the representative takes the group decision; other
    members (identical matching form) are duplicates of the kept representative, or of whatever
    the representative duplicates (identical shingle sets have the same similarity).

    Returns:
        ``(status, reason, cluster_id, duplicate_of, similarity)``; for a site template,
        ``similarity`` is the group's domain share (:func:`boilerplate_share`), which
        :func:`keep_short` reads and clears.
    """
    me = paragraph_id(article_id, index)
    if group.status == BOILERPLATE:
        return (BOILERPLATE, "site_template", group.cluster_id, None, group.similarity)
    if me == node.ref:
        if group.status == KEPT:
            return (KEPT, None, group.cluster_id, None, None)
        return (DUPLICATE_ACROSS, "near", group.cluster_id, group.duplicate_of, group.similarity)
    if group.status == KEPT:
        return (DUPLICATE_ACROSS, "exact", group.cluster_id, node.ref, 1.0)
    return (DUPLICATE_ACROSS, "near", group.cluster_id, group.duplicate_of, group.similarity)


def assemble(article: Article, within: list[ParagraphDecision], across: list[tuple], cfg,
             exact_copy: dict[int, tuple[str, float]] | None = None) -> tuple[list[ParagraphDecision], str | None]:
    """Merge within- and across-article decisions of one article and apply the whole-article rule.

    Args:
        within: decisions from :func:`dedup_within`, as records or as :func:`decisions_to_wire` tuples.
        across: ``(index, status, reason, cluster_id, duplicate_of, similarity[, duplicate_of_release])``
            for the pending paragraphs.
        exact_copy: for an article whose text equals an earlier article's but for paragraph
            breaks, index -> (paragraph id in the original, Jaccard[, duplicate_of_release]):
            :func:`follow_copy_pointers`; applied to paragraphs that the paragraph-level rule
            kept, as ``duplicate_across`` with reason ``exact_article`` (a short line that
            :func:`keep_short` kept takes the decision it replaced instead, :func:`_as_copy`).

    Returns:
        ``(decisions sorted by index, duplicate_of_article)``. The article is a whole-article
        duplicate when fewer than ``whole_article_min_kept_share`` of its content paragraphs
        (not title, empty or rule-dropped) survive and at least one was dropped as a duplicate
        (a line without letters or digits, :func:`symbol_form`, counts as surviving and never as
        the dropped one: the rule weighs text, and its outcome is what it was before such lines
        were deduplicated; a line with text kept only by ``min_words_across``, :func:`keep_short`,
        counts as the duplicate it was, so the rule's outcome is what it is without the key, and
        when the article is a whole-article duplicate, such lines are ``duplicate_across`` after
        all: in a copied article, equal short lines are copies too, and a short site template
        kept as content is a copy of its group's first line, :func:`_as_copy`);
        it then points to the article holding most of the dropped text (by characters; ties:
        smallest id), which must be the source (``duplicate_of``) of at least two dropped lines,
        or of the only one when one was dropped, else the article is no copy (one line in
        common, the others equal to unrelated articles' lines: E-Systems' payout, NEWID1708);
        an ``exact_copy`` article always is one. With ``whole_article_action: drop`` its survivors become ``duplicate_article``,
        except those that belong to a cluster (``cluster_id`` set): other articles' paragraphs may
        name them as ``duplicate_of``, so dropping them would lose that text.
    """
    # Merged as core.decisions_to_wire tuples: (index, status, reason, cluster_id, duplicate_of,
    # similarity, duplicate_of_release); one ParagraphDecision per paragraph is built at the end.
    decisions = {w[0]: w for w in (decisions_to_wire((d,))[0] if isinstance(d, ParagraphDecision) else d for d in within)}
    across, short = keep_short(article, across, cfg)
    for w in across:
        if exact_copy and w[1] == KEPT and w[0] in exact_copy:
            # A short line keep_short kept was a copy (or a template) of an equal line: it goes as
            # it was, naming its group's kept paragraph (the original's line may itself be a
            # duplicate, e.g. of an earlier release: trial 11, finding 5); a line the keep rule
            # kept becomes exact_article, pointing to the original's paragraph.
            put_back = _as_copy(article.article_id, short[w[0]]) if w[0] in short else None
            dup_of, sim, *release = exact_copy[w[0]]  # (paragraph id, Jaccard[, release]): follow_copy_pointers
            decisions[w[0]] = put_back or (w[0], DUPLICATE_ACROSS, "exact_article", w[3], dup_of, sim, (release or [None])[0])
            continue
        if len(w) == 7:
            decisions[w[0]] = w  # a wire tuple already (the pipeline's)
            continue
        index, status, reason, cluster_id, dup_of, sim, *release = w
        decisions[index] = (index, status, reason, cluster_id, dup_of, sim, release[0] if release else None)
    short = keep_repeats(article, decisions, short, cfg)
    ordered = [decisions[i] for i in sorted(decisions)]
    statuses = [w[1] for w in ordered]
    kept, across_dups = statuses.count(KEPT), statuses.count(DUPLICATE_ACROSS)
    content = kept + across_dups + statuses.count(DUPLICATE_WITHIN) + statuses.count(BOILERPLATE)
    # Short lines kept by min_words_across weigh as the duplicates (or site templates) they were
    # (the rule's outcome is what it was without min_words_across); those of the article it
    # copies go with it.
    short = {i: w for i, w in short.items() if decisions[i][1] == KEPT}
    kept, across_dups = kept - len(short), across_dups + sum(w[1] == DUPLICATE_ACROSS for w in short.values())
    dup_article, symbols = None, ()
    if across_dups and kept < cfg.whole_article_min_kept_share * content:
        # Symbol lines count as kept whatever their own decision (as before they were compared):
        # they weigh no text. Looked for only here, where the rule may apply (few articles).
        symbols = {w[0] for w in ordered if w[1] in _DROPPED_CONTENT and w[2] in _EXACT_REASONS
                   and is_symbol_line(_text(article, w[0]))}
        kept += len(symbols)
        across_dups -= sum(1 for w in ordered if w[0] in symbols and w[1] == DUPLICATE_ACROSS)
    if across_dups and kept < cfg.whole_article_min_kept_share * content:
        weight, lines = Counter(), Counter()
        for w in ordered:
            w = short.get(w[0], w)
            if w[1] != DUPLICATE_ACROSS or w[0] in symbols:
                continue
            source = w[4].rsplit("/", 1)[0]
            weight[source] += len(_text(article, w[0]))
            lines[source] += 1
        dup_article = min(weight.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if lines[dup_article] < min(2, lines.total()) and not exact_copy:
            # one line in common with the article it would copy, the rest equal to unrelated
            # articles' lines: a story of coincidences, not a copy (E-Systems' payout, NEWID1708)
            return decisions_from_wire(article, ordered), None
        if short:  # in a copied article, its short lines equal to other articles' are copies too
            ordered = [(_as_copy(article.article_id, short[w[0]]) or w) if w[0] in short and w[1] == KEPT else w
                       for w in ordered]
        if cfg.whole_article_action == "drop":
            ordered = [(w[0], DUPLICATE_ARTICLE, "whole_article_duplicate", w[3], None, None, None)
                       if w[1] == KEPT and w[3] is None else w for w in ordered]
    return decisions_from_wire(article, ordered), dup_article


def _as_copy(article_id: str, replaced: tuple) -> tuple | None:
    """The decision of a short line that :func:`keep_short` (or :func:`keep_repeats`) kept, in
    an article that is a copy (whole-article or ``exact_article``): the decision it replaced
    (a ``duplicate_across`` naming its exact group's kept paragraph, a ``duplicate_within``),
    except for a short site template under ``boilerplate_short_min_domain_share`` (kept where
    it is content, so not a template of its site): ``duplicate_across``/``exact`` of its
    group's first member in keep order (its ``cluster_id``, kept as content), the decision the
    group would give it if it were no template, so it goes with the rest of the copy (trial
    11, finding 9: Danaher's re-sent table NEWID1734 kept its ``Year`` as ``boilerplate``).
    None for that first member itself (it stays kept, as a group's representative does).

    Returns:
        a :func:`decisions_to_wire` tuple, or None.
    """
    if replaced[1] != BOILERPLATE:
        return replaced
    first = replaced[3]
    if first is None or first == paragraph_id(article_id, replaced[0]):
        return None
    return (replaced[0], DUPLICATE_ACROSS, "exact", first, first, 1.0, None)


def keep_short(article: Article, across: list[tuple], cfg) -> list[tuple]:
    """Apply ``dedup.min_words_across`` to an article's across-article decisions.

    A paragraph whose matching form has fewer words (:func:`short_across`) is never a
    cross-article duplicate: its ``duplicate_across`` decision (an exact group shared with other
    articles or with an earlier release; it has no shingles, so never a near one) becomes
    ``kept`` (``cluster_id`` None; the group's kept representative keeps its ``cluster_id``, as
    the copies :func:`assemble` may put back name it). Such a line is a site template
    (``boilerplate``/``site_template``) only when its group's domain share (carried in the
    decision's ``similarity`` slot, :func:`boilerplate_share`) is at least
    ``boilerplate_short_min_domain_share``: Reuters' one-word ``Reuter`` sign-off (99% of
    a file's stories) stays a template, the ``Year`` header of 5.6% (its annual figures) is
    kept. The share is cleared from every ``boilerplate`` decision (the ``similarity`` column is
    a Jaccard). Only ``duplicate_across`` and ``boilerplate`` decisions
    are looked at (a few per article), so ordinary paragraphs cost nothing; batch and streaming
    both assemble here.

    Args:
        across: ``(index, status, reason, cluster_id, duplicate_of, similarity[, duplicate_of_release])``.

    Returns:
        ``(across with those decisions replaced by (index, kept, None, None, None, None, None),
        {index: the replaced decision of a line with text, as a 7-tuple})``: :func:`assemble`
        weighs them as what they were and puts them back when the article is a whole-article
        duplicate (in a copied article, equal short lines are copies too).
    """
    strict = cfg.boilerplate_short_min_domain_share
    todo, templates = [], False
    for w in across:
        if w[1] == BOILERPLATE:
            templates = True
            if cfg.min_words_across and w[5] is not None and w[5] < strict:
                todo.append(w)
        elif w[1] == DUPLICATE_ACROSS and cfg.min_words_across:
            todo.append(w)
    if templates:  # the share has done its work: boilerplate rows carry no similarity
        across = [(*w[:5], None, *w[6:]) if w[1] == BOILERPLATE else w for w in across]
    if not todo:
        return across, {}
    texts = [_text(article, w[0]) for w in todo]
    forms = (matching_forms(texts, cfg.strip_datelines) if len(texts) >= 8  # the batch path's set-up pays from ~8 texts
             else [matching_form(t, cfg.strip_datelines) for t in texts])
    short = [(w, form) for w, form, s in zip(todo, forms, short_across(forms, cfg)) if s]
    if not short:
        return across, {}
    restore = {w[0]: (*w[:5], None if w[1] == BOILERPLATE else w[5], *w[6:], None)[:7]
               for w, form in short if form}  # lines with text, not symbol lines
    short = {w[0] for w, _ in short}
    return [(w[0], KEPT, None, None, None, None, None) if w[0] in short else w for w in across], restore


def keep_repeats(article: Article, decisions: dict[int, tuple], short: dict[int, tuple], cfg) -> dict[int, tuple]:
    """Apply ``dedup.min_words_within``: a short line repeated once in its article, away from
    other repeats, is content, not a within-article duplicate.

    A ``duplicate_within``/``exact`` paragraph i of the body whose first occurrence j (> 0: a
    headline repeated in the body stays a duplicate) is kept is put back when
    - its matching form has fewer than ``min_words_within`` words (:func:`form_lengths`),
    - it is the only exact repeat of j (the line occurs twice in the article; a label or widget
      line on every block of a page, ``list: [``, ``Article``, occurs more often),
    - it does not follow j directly (a stutter of the capture), and
    - it is not inside a repeated run: neither i - 1 repeats j - 1 nor i + 1 repeats j + 1
      (``duplicate_within``, exact or near). A body captured twice repeats a run of
      paragraphs; an earnings story's ``Avg shrs 13.9 mln vs 13.8 mln`` in both its quarter and
      its year table (Reuters NEWID422/4 and /9) is one row repeated in another section.
    It then takes j's decision: ``kept`` with reason ``short_repeat`` (no ``cluster_id``; the
    release index leaves it out, j's key is there), or j's ``duplicate_across`` or
    ``boilerplate`` decision, so a re-sent story loses both copies (when j is ``exact_article``,
    i stays ``duplicate_within``: the whole text is in the original). A
    put-back line weighs in the whole-article rule as the duplicate it was (the rule's outcome
    is what it is without ``min_words_within``), and in an article that is a whole-article
    duplicate it is ``duplicate_within`` again (both outcomes are what they are without the key).
    Only articles with a ``duplicate_within`` decision (a few) are looked at.

    Args:
        decisions: index -> wire tuple (:func:`decisions_to_wire`) of every paragraph,
            across-article decisions merged; changed in place.
        short: :func:`keep_short`'s ``{index: replaced decision}``.

    Returns:
        ``short`` with the put-back repeats of its lines added.
    """
    if not cfg.min_words_within:
        return short
    repeats = [w for w in decisions.values() if w[1] == DUPLICATE_WITHIN]
    if not repeats:
        return short
    source = {w[0]: int(w[4].rsplit("/", 1)[1]) for w in repeats}
    exact = Counter(source[w[0]] for w in repeats if w[2] == "exact")
    todo = [(i, j) for i, j in source.items()
            if decisions[i][2] == "exact" and j > 0 and i != j + 1 and exact[j] == 1
            and source.get(i - 1) != j - 1 and source.get(i + 1) != j + 1]
    if not todo:
        return short
    forms = [matching_form(_text(article, i), cfg.strip_datelines) for i, _ in todo]
    for (i, j), n in zip(todo, form_lengths(forms).tolist()):
        if n >= cfg.min_words_within:
            continue
        first, before = decisions[j], decisions[i]
        if first[2] == "exact_article":  # the whole text is in the original: nothing to keep
            continue
        decisions[i] = (i, KEPT, SHORT_REPEAT, None, None, None, None) if first[1] == KEPT else (i, *first[1:])
        if decisions[i][1] == KEPT:  # weighs as what it was; put back in a whole-article copy
            short = {**short, i: before}
    return short


SHORT_REPEAT = "short_repeat"  # the reason of a kept line put back by keep_repeats
_DROPPED_CONTENT = (DUPLICATE_ACROSS, DUPLICATE_WITHIN, BOILERPLATE)
_EXACT_REASONS = ("exact", "site_template")  # the only reasons a symbol line can be dropped for


def _text(article: Article, index: int) -> str:
    return article.title or "" if index == 0 else article.paragraphs[index - 1]


def decisions_to_wire(decisions: list[ParagraphDecision]) -> tuple:
    """An article's decisions for a shuffle, without what its Article already carries (article id,
    paragraph text): ``((index, status, reason, cluster_id, duplicate_of, similarity,
    duplicate_of_release), ...)``, plain values that Beam's coder encodes without pickling.
    :func:`decisions_from_wire` inverts it."""
    return tuple((d.index, d.status, d.reason, d.cluster_id, d.duplicate_of, d.similarity, d.duplicate_of_release)
                 for d in decisions)


def decisions_from_wire(article: Article, wire) -> list[ParagraphDecision]:
    """The decisions :func:`decisions_to_wire` encoded, with the article's id and texts back."""
    aid, title, body, new = article.article_id, article.title or "", article.paragraphs, tuple.__new__
    return [new(ParagraphDecision, (aid, w[0], body[w[0] - 1] if w[0] else title, *w[1:])) for w in wire]
