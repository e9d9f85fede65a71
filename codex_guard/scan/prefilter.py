"""Required-literal pre-filter: what every match of a detector's regex must contain.

A detector whose regex cannot match a text need not be compiled nor run on it. From the parse
tree of a pattern (the standard library's ``re._parser``, the parser ``re.compile`` itself uses)
:func:`required_factors` derives *factors*: each factor is a set of alternative strings, and
every match of the pattern contains at least one alternative of every factor as a substring.
This is the required-literal extraction of ripgrep (``grep-regex`` ``literal.rs``) and Google's
``codesearch`` (Russ Cox, "Regular Expression Matching with a Trigram Index", 2012): literals
are multiplied through concatenations, unioned through alternations, kept through repetitions of
at least one, and given up where a set would grow too large (``\\d{4}`` keeps only "a digit").

The factors are computed when the catalogue is built (a cache miss, see ``catalogue.py``) and
checked at scan time by :func:`factors_hold` with plain substring searches, so a hook process
that scans a benign prompt imports neither ``re`` nor ``regex``.

A factor is ``(folded, alternatives)``: with ``folded`` true the alternatives are lower-case and
are looked up in the lower-cased text (case-insensitive parts of the pattern; ``str.lower`` maps
each ASCII letter to its lower case in place, so a case-insensitive ASCII match always shows up
there), otherwise in the text itself.

The extraction is conservative: anything it does not model (back-references, conditionals,
non-ASCII literals, patterns only the ``regex`` module accepts) contributes no factor, which only
makes the pre-filter let more through. ``tests/test_scan_prefilter.py`` checks the result on every
detector's examples and, with generated texts, that the filtered scan equals the full one.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Factor = tuple[bool, tuple[str, ...]]

__all__ = ["factors_hold", "required_factors"]

_CAP = 64
"""Largest set of exact strings tracked for one sub-pattern (``[0-9a-f]`` is 16, ``\\d\\d`` 100)."""

_MAX_FACTORS = 4
"""Factors kept per pattern (the most selective ones)."""

_WIDE = 16
"""A factor of more single characters than this (``[A-Za-z0-9]``) is dropped: almost every text
satisfies it, so checking it costs more than it saves."""

_PREFER: tuple[str, ...] = ()


def factors_hold(factors: tuple[Factor, ...], text: str, lowered: str) -> bool:
    """True unless some factor has none of its alternatives in the text.

    Args:
        factors: from :func:`required_factors` (may be empty: then always True).
        text: the scanned text; ``lowered`` is ``text.lower()``.
    """
    for folded, alts in factors:
        hay = lowered if folded else text
        for a in alts:
            if a in hay:
                break
        else:
            return False
    return True


class _Info:
    """What is known about the strings one sub-pattern matches.

    ``exact``: every string it can match, when that set is small (else None); ``folded``: the
    strings of ``exact`` are lower-cased (some part was case-insensitive); ``factors``: what every
    match contains."""

    __slots__ = ("exact", "factors", "folded")

    def __init__(
        self, exact: set[str] | None, folded: bool, factors: list[tuple[bool, frozenset[str]]]
    ) -> None:
        self.exact = exact
        self.folded = folded
        self.factors = factors


def required_factors(pattern: str, prefer: tuple[str, ...] = ()) -> tuple[Factor, ...] | None:
    """The factors of ``pattern`` as compiled with ``re.ASCII`` (see the module docstring).

    Args:
        pattern: the regex.
        prefer: lower-case strings; where a choice is made (one factor per alternation branch,
            the factors kept), factors whose every alternative contains one of them rank first.
            The tests use it to prove a detector's ``keywords`` necessary; the scan uses none.

    Returns:
        A tuple of at most ``_MAX_FACTORS`` factors (empty when nothing is required), or None
        when the standard library cannot parse the pattern without a warning (a pattern only
        the ``regex`` module accepts); the caller then relies on the keywords alone.
    """
    import re
    import warnings

    parser: Any = getattr(re, "_parser", None)
    if parser is None:  # pragma: no cover - Python < 3.11 names it sre_parse
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = parser.parse(pattern, re.ASCII)
    except (re.error, FutureWarning, DeprecationWarning, RecursionError):
        return None
    global _PREFER
    _PREFER = tuple(prefer)
    info = _seq(list(tree), bool(tree.state.flags & re.IGNORECASE), parser)
    facts = list(info.factors)
    if info.exact is not None:
        facts.append((info.folded, frozenset(info.exact)))
    return _best(facts)


def _best(facts: list[tuple[bool, frozenset[str]]]) -> tuple[Factor, ...]:
    """Minimised, de-duplicated, most selective factors first (longest shortest alternative)."""
    out: dict[tuple[bool, tuple[str, ...]], int] = {}
    for folded, alts in facts:
        if not alts or "" in alts:
            continue  # always satisfied
        # an alternative that contains another one is implied by it
        kept = sorted(a for a in alts if not any(b != a and b in a for b in alts))
        if len(kept) > _CAP or (len(kept) > _WIDE and max(len(a) for a in kept) == 1):
            continue
        out[(folded, tuple(kept))] = min(len(a) for a in kept)
    ranked = sorted(out, key=lambda f: (not _covered(f), -out[f], len(f[1]), f))
    return tuple(ranked[:_MAX_FACTORS])


def _covered(factor: Factor) -> bool:
    """Every alternative of ``factor`` contains one of the preferred strings."""
    if not _PREFER:
        return False
    folded, alts = factor
    return all(any(k in (a if folded else a.lower()) for k in _PREFER) for a in alts)


def _lower(strings: set[str]) -> set[str]:
    return {s.lower() for s in strings}


def _product(a: _Info, b: _Info) -> _Info:
    """Concatenation of two exactly-known sub-patterns (caller checks both are exact)."""
    assert a.exact is not None and b.exact is not None
    folded = a.folded or b.folded
    left = _lower(a.exact) if folded and not a.folded else a.exact
    right = _lower(b.exact) if folded and not b.folded else b.exact
    if len(left) * len(right) > _CAP:
        return _Info(None, folded, [])
    return _Info({x + y for x in left for y in right}, folded, [])


def _seq(items: list[Any], ci: bool, p: Any) -> _Info:
    """A concatenation: factors of every item, plus the runs of exactly-known items."""
    factors: list[tuple[bool, frozenset[str]]] = []
    run = _Info({""}, False, [])
    whole = True  # every item so far exactly known, and the product small
    for op, av in items:
        it = _item(op, av, ci, p)
        factors.extend(it.factors)
        if it.exact is None:
            whole = False
            _flush(run, factors)
            run = _Info({""}, False, [])
            continue
        joined = _product(run, it)
        if joined.exact is None:
            whole = False
            _flush(run, factors)
            run = it
        else:
            run = joined
    if whole:
        return _Info(run.exact, run.folded, factors)
    _flush(run, factors)
    return _Info(None, False, factors)


def _flush(run: _Info, factors: list[tuple[bool, frozenset[str]]]) -> None:
    if run.exact and "" not in run.exact:
        factors.append((run.folded, frozenset(run.exact)))


def _chars(av: Any, ci: bool, p: Any) -> set[str] | None:
    """The characters a class ``[...]`` matches under ``re.ASCII``, or None (negated, large)."""
    out: set[str] = set()
    for op, a in av:
        if op is p.NEGATE:
            return None
        if op is p.LITERAL:
            out.add(chr(a))
        elif op is p.RANGE:
            if a[1] - a[0] > _CAP:
                return None
            out.update(chr(c) for c in range(a[0], a[1] + 1))
        elif op is p.CATEGORY:
            if a is p.CATEGORY_DIGIT:
                out.update("0123456789")
            else:
                return None  # \w, \s and the negated categories: too wide to help
        else:
            return None
    if any(ord(c) > 127 for c in out):
        return None
    return {c.lower() for c in out} if ci else out


def _item(op: Any, av: Any, ci: bool, p: Any) -> _Info:
    if op is p.LITERAL:
        if av > 127:
            return _Info(None, False, [])
        ch = chr(av)
        return _Info({ch.lower()} if ci else {ch}, ci, [])
    if op is p.IN:
        chars = _chars(av, ci, p)
        if chars is None or len(chars) > _CAP:
            return _Info(None, False, [])
        return _Info(chars, ci, [])
    if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
        return _Info({""}, False, [])  # zero-width: consumes nothing
    if op is p.SUBPATTERN:
        _group, add, delete, sub = av
        inner = (ci or bool(add & p.SRE_FLAG_IGNORECASE)) and not delete & p.SRE_FLAG_IGNORECASE
        return _seq(list(sub), inner, p)
    if op is getattr(p, "ATOMIC_GROUP", None):
        return _seq(list(av), ci, p)
    if op is p.BRANCH:
        return _branch(av[1], ci, p)
    if op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        return _repeat(lo, hi, _seq(list(sub), ci, p))
    return _Info(None, False, [])  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, …


def _branch(branches: list[Any], ci: bool, p: Any) -> _Info:
    infos = [_seq(list(b), ci, p) for b in branches]
    folded = any(i.folded for i in infos)
    exact: set[str] | None = set()
    for i in infos:
        if i.exact is None or exact is None:
            exact = None
            break
        exact |= _lower(i.exact) if folded and not i.folded else i.exact
    if exact is not None and len(exact) > _CAP:
        exact = None
    factors: list[tuple[bool, frozenset[str]]] = []
    # each branch's most selective factor (or its exact set): one of them must be there
    picks: list[Factor] = []
    for i in infos:
        own = list(i.factors)
        if i.exact is not None:
            own.append((i.folded, frozenset(i.exact)))
        best = _best(own)
        if not best:
            picks = []
            break
        picks.append(best[0])
    if picks:
        ufold = any(f for f, _ in picks)
        union: set[str] = set()
        for f, alts in picks:
            union |= _lower(set(alts)) if ufold and not f else set(alts)
        factors.append((ufold, frozenset(union)))
    return _Info(exact, folded, factors)


def _repeat(lo: int, hi: int, body: _Info) -> _Info:
    if lo == 0:
        if hi == 1 and body.exact is not None:
            return _Info(body.exact | {""}, body.folded, [])
        return _Info({""} if hi == 0 else None, False, [])
    factors = list(body.factors)
    if body.exact is not None:
        factors.append((body.folded, frozenset(body.exact)))
        if hi - lo <= 3:
            acc: _Info | None = _Info({""}, False, [])
            strings: set[str] = set()
            for n in range(hi + 1):
                if acc is None or acc.exact is None:
                    break
                if n >= lo:
                    strings |= _lower(acc.exact) if body.folded and not acc.folded else acc.exact
                if n < hi:
                    acc = _product(acc, body)
            else:
                if len(strings) <= _CAP:
                    return _Info(strings, body.folded, factors)
    return _Info(None, body.folded, factors)
