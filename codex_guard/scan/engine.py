"""The scanning engine: keyword pre-filter, per-detector regexes, checks, overlap merging.

Pipeline for ``scan(text)`` (modelled on gitleaks ``detect/detect.go``):

1. ``text.lower()`` once; every keyword of the catalogue is looked up in it (``str.__contains__``,
   a linear substring search) and only the detectors with a keyword present run at all.
2. Each selected detector's pattern (compiled once per process with the ``regex`` module,
   ``regex.ASCII``) is run with ``finditer`` over the original text; the secret is the
   detector's ``secret_group``.
3. Per candidate: inline allowlist pragma, minimum entropy, validator, global placeholder
   filter, and the ``context`` requirement (in that order, cheapest first). A candidate that
   fails a *checksum* validator (a ``ghp_`` look-alike with a bad CRC32, say) also suppresses
   the less specific candidates it covers at least half of, so that ``generic-api-key`` does
   not report what the specific detector has just proven to be fake. Armored key blocks are
   judged by :func:`filters.is_placeholder_block` (their body, without run heuristics).
4. Overlapping candidates are merged: the detector with the higher ``specificity`` wins (then the
   longer span, then catalogue order) and the merged span is the union, so that redaction covers
   everything any detector flagged.
"""

from __future__ import annotations

from codex_guard._record import FrozenRecord

from .catalogue import load_catalogue

# imported here, not lazily: importing the submodule later would rebind the package attribute
# ``codex_guard.scan.redact`` (the function) to the module ``codex_guard.scan.redact``
from .redact import known_prefix, mask_secret, redact_spans

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .catalogue import Catalogue, Detector

__all__ = ["Finding", "redact", "scan"]


class Finding(FrozenRecord):
    """One secret found in a text.

    ``kind`` is the detector id (e.g. ``"aws-access-key-id"``), ``description`` and ``severity``
    come from the catalogue, ``start``/``end`` are character offsets of the secret in the scanned
    text (``text[start:end]`` is the secret), and ``redacted`` is a safe display form of it
    (see :func:`codex_guard.scan.redact.mask_secret`).

    Immutable by convention, compared and hashed by value (a plain class with ``__slots__``
    rather than a frozen dataclass: ``dataclasses`` costs a hook process milliseconds to import).
    """

    __slots__ = ("description", "end", "kind", "redacted", "severity", "start")
    _FIELDS = ("kind", "description", "severity", "start", "end", "redacted")

    kind: str
    description: str
    severity: str
    start: int
    end: int
    redacted: str

    def __init__(
        self, kind: str, description: str, severity: str, start: int, end: int, redacted: str
    ) -> None:
        self.kind = kind
        self.description = description
        self.severity = severity
        self.start = start
        self.end = end
        self.redacted = redacted


# Compiled patterns, per process: detector id -> (pattern, context pattern or None).
_COMPILED: dict[tuple[str, str], tuple[Any, Any]] = {}


def _compile(source: str, timeout: float | None) -> Any:
    r"""Compile one detector pattern (``ASCII``).

    Built-in patterns go to the standard library's ``re`` when it accepts them without a
    warning: importing ``regex`` costs a short-lived hook process more than the whole scan of a
    shell command. ``regex`` takes what ``re`` cannot express (branch reset ``(?|…)``, ``\p{…}``)
    and every pattern with a time-out (user-supplied detectors), since only ``regex`` can stop a
    runaway match. For the patterns both accept, ``regex`` (its default ``VERSION0``) is
    designed to behave as ``re`` does; the catalogue's examples and counter-examples are tested
    under the engine each pattern actually gets.
    """
    if timeout is None:
        import re
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # e.g. "possible nested set": not re's syntax
                return re.compile(source, re.ASCII)
        except (re.error, FutureWarning, DeprecationWarning):
            pass
    # lazy: import time matters in a short-lived hook process (and regex ships no stubs)
    import regex  # type: ignore[import-untyped,unused-ignore]

    return regex.compile(source, regex.ASCII)


def _compiled(det: Detector) -> tuple[Any, Any]:
    key = (det.id, det.regex)
    hit = _COMPILED.get(key)
    if hit is None:
        pattern = context = None
        if det.timeout is None and det.sre is not None:
            # built with the catalogue cache: no ``import re``, no parsing (precompiled.py)
            from .precompiled import load, unpack

            progs = unpack(det.sre)
            pattern = load(det.regex, progs[0])
            if det.context:
                context = load(det.context, progs[1])
        if pattern is None:
            pattern = _compile(det.regex, det.timeout)
        if det.context and context is None:
            context = _compile(det.context, det.timeout)
        hit = (pattern, context)
        _COMPILED[key] = hit
    return hit


def _secret_span(match: Any, group: int) -> tuple[int, int]:
    start, end = match.span(group)
    if start == -1 and group == 0:
        return match.span(0)  # type: ignore[no-any-return]
    if start == -1:
        # the secret group did not take part: use the first non-empty group (gitleaks behaviour)
        for g in range(1, (match.re.groups or 0) + 1):
            s, e = match.span(g)
            if s != -1 and e > s:
                return s, e
        return match.span(0)  # type: ignore[no-any-return]
    return start, end


class _Hit:
    __slots__ = ("det", "det_index", "end", "start")

    def __init__(self, det_index: int, det: Detector, start: int, end: int) -> None:
        self.det_index = det_index
        self.det = det
        self.start = start
        self.end = end


def _candidates(
    text: str,
    lowered: str,
    catalogue: Catalogue,
    indices: Iterable[int],
    errors: list[str] | None = None,
) -> list[_Hit]:
    from . import filters
    from .validators import CHECKSUM_VALIDATORS, VALIDATORS, Candidate, shannon_entropy

    hits: list[_Hit] = []
    vetoes: list[_Hit] = []  # checksum look-alikes: they also silence less specific detectors
    pragma_possible = any(
        p in lowered for p in ("gitleaks:allow", "allowlist", "whitelist", "trufflehog:ignore")
    )
    for i in indices:
        det = catalogue.detectors[i]
        pattern, context = _compiled(det)
        validator = VALIDATORS[det.validator] if det.validator else None
        vetoing = det.validator in CHECKSUM_VALIDATORS
        matches = (
            pattern.finditer(text)
            if det.timeout is None
            else pattern.finditer(text, timeout=det.timeout)
        )
        try:
            for m in matches:
                start, end = _secret_span(m, det.secret_group)
                if end <= start:
                    continue
                secret = text[start:end]
                if pragma_possible and filters.is_allowlisted_by_pragma(text, start, end):
                    continue
                if det.entropy is not None and shannon_entropy(secret) < det.entropy:
                    continue
                if validator is not None:
                    cand = Candidate(text, start, end, m.start(), m.end())
                    if not validator(cand):
                        # a look-alike vetoes only where it could have been a finding: with
                        # its context present (as the keyword pre-filter also requires)
                        if vetoing and _in_context(text, start, end, det, context):
                            vetoes.append(_Hit(i, det, start, end))
                        continue
                    start, end = cand.start, cand.end  # a validator may narrow the span
                    secret = text[start:end]
                if filters.is_placeholder(secret):
                    continue
                if not _in_context(text, start, end, det, context):
                    continue
                hits.append(_Hit(i, det, start, end))
        except TimeoutError:
            if errors is not None:
                errors.append(f"detector {det.id!r} timed out after {det.timeout} s")
    if vetoes:
        hits = _drop_vetoed(hits, vetoes)
    return hits


def _in_context(text: str, start: int, end: int, det: Detector, context: Any) -> bool:
    """Whether the detector's ``context`` pattern (if any) matches within ``context_window``
    characters on either side of ``text[start:end]``."""
    if context is None:
        return True
    w = det.context_window
    lo, hi = max(0, start - w), min(len(text), end + w)
    if det.timeout is None:
        return context.search(text, lo, hi) is not None
    return context.search(text, lo, hi, timeout=det.timeout) is not None


def _drop_vetoed(hits: list[_Hit], vetoes: list[_Hit]) -> list[_Hit]:
    """Drop hits that a more specific checksum look-alike covers at least half of.

    ``O((h + v) log v)``. The half rule keeps a look-alike from silencing a much larger
    finding it merely touches: a base58 run inside a real OpenSSH key body fails the
    ``bitcoin-address`` checksum, and must not veto the ``private-key`` block around it."""
    import bisect

    vetoes.sort(key=lambda v: v.start)
    starts = [v.start for v in vetoes]
    max_end: list[int] = []  # max_end[k] = max(v.end for v in vetoes[: k + 1])
    for v in vetoes:
        max_end.append(max(v.end, max_end[-1] if max_end else 0))
    kept: list[_Hit] = []
    for h in hits:
        k = bisect.bisect_left(starts, h.end) - 1  # vetoes[: k + 1] start before h ends
        vetoed = False
        while k >= 0 and max_end[k] > h.start:
            v = vetoes[k]
            overlap = min(v.end, h.end) - max(v.start, h.start)
            if (
                overlap > 0
                and v.det.specificity > h.det.specificity
                and overlap * 2 >= h.end - h.start
            ):
                vetoed = True
                break
            k -= 1
        if not vetoed:
            kept.append(h)
    return kept


def _merge(hits: list[_Hit]) -> list[_Hit]:
    """Merge overlapping hits; the most specific detector names the merged (union) span."""
    hits.sort(key=lambda h: (h.start, -h.end))
    merged: list[_Hit] = []
    for h in hits:
        if merged and h.start < merged[-1].end:
            cur = merged[-1]
            winner = max(
                (cur, h),
                key=lambda x: (x.det.specificity, x.end - x.start, -x.det_index),
            )
            merged[-1] = _Hit(winner.det_index, winner.det, cur.start, max(cur.end, h.end))
        else:
            merged.append(h)
    return merged


def _public_prefix(secret: str, det: Detector) -> int:
    """Length of the well-known prefix that may stay visible in the redacted form.

    Only provider formats (``specificity`` >= 50) have one: their keywords are their public
    prefixes (``ghp_``, ``sk-proj-``, ``AKIA``). A generic detector's keyword (``pass``,
    ``token``) at the start of a value is part of the secret and is masked.
    """
    return known_prefix(secret, det.keywords) if det.specificity >= _PREFIXED else 0


_PREFIXED = 50


def scan(
    text: str,
    *,
    catalogue: Catalogue | None = None,
    errors: list[str] | None = None,
    enabled: Callable[[Detector], bool] | None = None,
    full: bool = False,
) -> list[Finding]:
    """Find the secrets in ``text``.

    Args:
        text: any string (a prompt, a shell command); non-ASCII and huge inputs are fine.
        catalogue: detectors to use; default the packaged ``detectors.toml``
            (:func:`codex_guard.scan.catalogue.load_catalogue`).
        errors: if given, a message is appended for each detector whose ``regex`` time-out
            (user-supplied detectors only) expired; that detector's later matches are lost.
        enabled: if given, only the detectors it accepts run (the caller's actions: a detector
            whose findings would be ignored need not cost a regex pass).
        full: run every detector, without the keyword and required-literal pre-filters (for
            tests: the pre-filtered scan must report exactly what the full one does).

    Returns:
        A list of :class:`Finding`, sorted by ``start``, with no two findings overlapping.
        Overlapping matches of several detectors are merged into one finding named after the
        most specific detector (highest ``specificity``) and covering the union of their spans.

    Raises:
        TypeError: if ``text`` is not a ``str``.
        OSError / CatalogueError: only if the default catalogue file is missing or malformed
            (a packaging error); never because of the content of ``text``.

    Cost: one ``lower()`` of the text, one substring search per catalogue keyword and per
    required literal of the detectors with a keyword present, then one linear regex pass per
    detector that passed both (a pattern is compiled only when it first runs).
    """
    if not isinstance(text, str):
        raise TypeError(f"scan() expects str, not {type(text).__name__}")
    if not text:
        return []
    cat = catalogue if catalogue is not None else load_catalogue()
    lowered = text.lower()
    indices = cat.select(lowered) if full else cat.select(lowered, text)
    if enabled is not None:
        indices = [i for i in indices if enabled(cat.detectors[i])]
    if full:
        indices = list(range(len(cat.detectors)))
        if enabled is not None:
            indices = [i for i in indices if enabled(cat.detectors[i])]
    if not indices:
        return []
    hits = _merge(_candidates(text, lowered, cat, indices, errors))
    findings: list[Finding] = []
    for h in hits:
        secret = text[h.start : h.end]
        findings.append(
            Finding(
                kind=h.det.id,
                description=h.det.description,
                severity=h.det.severity,
                start=h.start,
                end=h.end,
                redacted=mask_secret(secret, _public_prefix(secret, h.det)),
            )
        )
    return findings


def redact(text: str, findings: list[Finding]) -> str:
    """Return ``text`` with each finding's ``text[start:end]`` replaced by its ``redacted`` form.

    ``findings`` should come from ``scan(text)`` on the same text (offsets refer to it); they
    may be in any order. Overlapping findings are handled (the earlier one wins the overlap).
    Raises ``TypeError`` if ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() expects str, not {type(text).__name__}")
    return redact_spans(text, findings)
