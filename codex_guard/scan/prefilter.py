"""Required-literal pre-filter: what every match of a detector's regex must contain.

A detector whose regex cannot match a text need not be compiled nor run on it. From the parse
tree of a pattern (the standard library's ``re._parser``, the parser ``re.compile`` itself uses)
:func:`required_factors` derives *factors*: each factor is a set of alternative strings, and
every match of the pattern contains at least one alternative of every factor as a substring.
This is the required-literal extraction of ripgrep (``grep-regex`` ``literal.rs``) and Google's
``codesearch`` (Russ Cox, "Regular Expression Matching with a Trigram Index", 2012): literals
are multiplied through concatenations, unioned through alternations, kept through repetitions of
at least one, and given up where a set would grow too large (``[A-Za-z0-9]{20}`` gives nothing).

The factors are computed when the catalogue is built (a cache miss, see ``catalogue.py``) and
checked at scan time by :func:`codex_guard.scan.catalogue.factors_hold` with plain substring
searches (that module is on the hook path; this one only runs on a cache miss), so a hook process
that scans a benign prompt imports neither ``re`` nor ``regex``.

A factor is ``(level, alternatives)``. Level 0: the alternatives are looked up in the text itself.
Level 1: they are lower-case and are looked up in the lower-cased text (case-insensitive parts
of the pattern; ``str.lower`` maps each ASCII letter to its lower case in place, so a
case-insensitive ASCII match always shows up there). Level 2: lower-case with every digit
written ``0``, looked up in the lower-cased text with its digits so written; a class of digits
(``\\d``, ``[0-9]``, ``[2-7]``) is then the one string ``0``, so ``\\d{4}-\\d{4}`` requires
``0000-0000``. Each level maps the text character by character, so a match of the pattern,
mapped, is still a substring of the text, mapped (the alternatives are ASCII: a pattern with a
non-ASCII literal gives no factor from it).

The extraction is conservative: anything it does not model (back-references, conditionals,
non-ASCII literals, patterns only the ``regex`` module accepts) contributes no factor, which only
makes the pre-filter let more through. ``tests/test_scan_prefilter.py`` checks the result on every
detector's examples and, with generated texts, that the filtered scan equals the full one.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Factor = tuple[int, tuple[str, ...]]

__all__ = ["covered", "parse_tree", "required_factors"]

_CAP = 64
"""Largest set of exact strings tracked for one sub-pattern (``[0-9a-f]`` is 16, ``\\d\\d`` 100)."""

_MAX_FACTORS = 4
"""Factors kept per pattern (the most selective ones)."""

_WIDE = 16
"""A factor of more single characters than this (``[A-Za-z0-9]``) is dropped: almost every text
satisfies it, so checking it costs more than it saves."""

_PREFER: tuple[str, ...] = ()
"""The ``prefer`` argument of the :func:`required_factors` call in progress."""


Strings = tuple[set[str], int]  # a set of strings and their level (see the module docstring)
_EMPTY: Strings = ({""}, 0)
_ZERO = str.maketrans("123456789", "000000000")
_DIGITS = frozenset("0123456789")


def _norm(strings: set[str], frm: int, to: int) -> set[str]:
    """``strings`` of level ``frm`` written at level ``to`` (>= ``frm``)."""
    if to == frm:
        return strings
    out = {s.lower() for s in strings} if frm == 0 else strings
    return {s.translate(_ZERO) for s in out} if to == 2 else out


class _Info:
    """What is known about the strings one sub-pattern matches.

    ``exact``: every string it can match, when that set is small (else None); ``pre`` / ``suf``:
    strings every match starts / ends with (``{""}`` when nothing is known); ``factors``: what
    every match contains. Each set comes with its level."""

    __slots__ = ("exact", "factors", "pre", "suf")

    def __init__(
        self,
        exact: Strings | None,
        factors: list[tuple[int, frozenset[str]]],
        pre: Strings = _EMPTY,
        suf: Strings = _EMPTY,
    ) -> None:
        self.exact = exact
        self.factors = factors
        self.pre = exact if exact is not None else pre
        self.suf = exact if exact is not None else suf


def _exact(strings: set[str], level: int) -> _Info:
    return _Info((strings, level), [])


_NOTHING_KNOWN = _Info(None, [])


def parse_tree(pattern: str) -> Any:
    """``re._parser.parse(pattern, re.ASCII)``, or None when the standard library does not take
    the pattern without a warning (a pattern only the ``regex`` module accepts)."""
    import re
    import warnings

    parser: Any = getattr(re, "_parser", None)
    if parser is None:  # pragma: no cover - Python < 3.11 names it sre_parse
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return parser.parse(pattern, re.ASCII.value)  # an int, as re.compile passes it
    except (re.error, FutureWarning, DeprecationWarning, RecursionError, OverflowError):
        return None


def required_factors(
    pattern: str, prefer: tuple[str, ...] = (), tree: Any = None
) -> tuple[Factor, ...] | None:
    """The factors of ``pattern`` as compiled with ``re.ASCII`` (see the module docstring).

    Args:
        pattern: the regex.
        prefer: lower-case strings; where a choice is made (one factor per alternation branch,
            the factors kept), factors whose every alternative contains one of them rank first.
            The tests use it to prove a detector's ``keywords`` necessary; the scan uses none.
        tree: ``parse_tree(pattern)`` when the caller has it already (it is not modified).

    Returns:
        A tuple of at most ``_MAX_FACTORS`` factors (empty when nothing is required), or None
        when the standard library cannot parse the pattern without a warning (a pattern only
        the ``regex`` module accepts); the caller then relies on the keywords alone.
    """
    import re

    if tree is None:
        tree = parse_tree(pattern)
        if tree is None:
            return None
    parser: Any = getattr(re, "_parser", None)  # not None: parse_tree used it
    global _PREFER
    _PREFER = tuple(prefer)
    try:
        info = _seq(list(tree), bool(tree.state.flags & re.IGNORECASE), parser)
        facts = list(info.factors)
        if info.exact is not None:
            facts.append((info.exact[1], frozenset(info.exact[0])))
        return _best(facts)
    finally:
        _PREFER = ()


def _best(facts: list[tuple[int, frozenset[str]]]) -> tuple[Factor, ...]:
    """Minimised, de-duplicated, most selective factors first (longest shortest alternative)."""
    out: dict[tuple[int, tuple[str, ...]], int] = {}
    for level, alts in facts:
        if not alts or "" in alts:
            continue  # always satisfied
        # an alternative that contains another one is implied by it
        kept = sorted(a for a in alts if not any(b != a and b in a for b in alts))
        if len(kept) > _CAP or (len(kept) > _WIDE and max(len(a) for a in kept) == 1):
            continue
        out[(level, tuple(kept))] = min(len(a) for a in kept)
    ranked = sorted(out, key=lambda f: (not covered(f, _PREFER), -out[f], f[0], len(f[1]), f))
    kept_factors: list[Factor] = []
    for f in ranked:
        if not any(_implies(g, f) for g in kept_factors):
            kept_factors.append(f)
    return tuple(kept_factors[:_MAX_FACTORS])


def _implies(g: Factor, f: Factor) -> bool:
    """Whether ``g`` holding implies ``f`` holding (each alternative of ``g`` contains one of
    ``f``), so that ``f`` need not be checked."""
    if g[0] > f[0]:
        return False  # a hit at a coarser level says nothing about the finer one
    g_alts = _norm(set(g[1]), g[0], f[0])
    return all(any(b in a for b in f[1]) for a in g_alts)


def covered(factor: Factor, prefer: tuple[str, ...]) -> bool:
    """Whether every alternative of ``factor`` contains one of ``prefer`` (lower-case strings),
    so that a text satisfying the factor contains one of them in its lower-cased form."""
    if not prefer:
        return False
    level, alts = factor
    # at level 2 a "0" may stand for any digit: only keywords without digits are seen as such
    words = [k for k in prefer if level < 2 or not _DIGITS.intersection(k)]
    return all(any(k in a for k in words) for a in _norm(set(alts), level, 1 if level < 2 else 2))


def _cat(a: Strings, b: Strings) -> Strings | None:
    """Every string of ``a`` followed by every string of ``b``, or None when too many."""
    level = max(a[1], b[1])
    left, right = _norm(a[0], a[1], level), _norm(b[0], b[1], level)
    if len(left) * len(right) > _CAP:
        return None
    return {x + y for x in left for y in right}, level


def _union(parts: list[Strings]) -> Strings | None:
    level = max(lv for _, lv in parts)
    out: set[str] = set()
    for strings, lv in parts:
        out |= _norm(strings, lv, level)
    return (out, level) if len(out) <= _CAP else None


def _flush(strings: Strings, factors: list[tuple[int, frozenset[str]]]) -> None:
    if strings[0] and "" not in strings[0]:
        factors.append((strings[1], frozenset(strings[0])))


def _seq(items: list[Any], ci: bool, p: Any) -> _Info:
    """A concatenation: the factors of every item, plus the runs of exactly-known items joined
    to the end (suffix) of the item before them and the start (prefix) of the item after."""
    factors: list[tuple[int, frozenset[str]]] = []
    run: Strings = _EMPTY
    pre: Strings | None = None  # set once the run is broken
    for op, av in items:
        it = _item(op, av, ci, p)
        factors.extend(it.factors)
        if it.exact is not None:
            joined = _cat(run, it.exact)
            if joined is not None:
                run = joined
                continue
            if pre is None:
                pre = run
            _flush(run, factors)
            run = it.exact
            continue
        joined = _cat(run, it.pre)
        seg = joined if joined is not None else run
        _flush(seg, factors)
        if pre is None:
            pre = seg
        run = it.suf
    if pre is None:
        return _Info(run, factors)
    _flush(run, factors)
    return _Info(None, factors, pre, run)


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
            return _NOTHING_KNOWN
        ch = chr(av)
        return _exact({ch.lower()} if ci else {ch}, int(ci))
    if op is p.IN:
        chars = _chars(av, ci, p)
        if chars is not None and len(chars) > 1 and chars <= _DIGITS:
            # joined to its neighbours as "0"; a narrower class ([13]) is also a factor itself
            own = [(0, frozenset(chars))] if len(chars) < len(_DIGITS) else []
            return _Info(({"0"}, 2), own)
        if chars is None or len(chars) > _WIDE:
            return _NOTHING_KNOWN  # a wide class only multiplies the alternatives
        return _exact(chars, int(ci))
    if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
        return _exact({""}, 0)  # zero-width: consumes nothing
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
    return _NOTHING_KNOWN  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, …


def _branch(branches: list[Any], ci: bool, p: Any) -> _Info:
    infos = [_seq(list(b), ci, p) for b in branches]
    factors: list[tuple[int, frozenset[str]]] = []
    # each branch's most selective factor (or its exact set): one of them must be there
    picks: list[Strings] = []
    for i in infos:
        own = list(i.factors)
        if i.exact is not None:
            own.append((i.exact[1], frozenset(i.exact[0])))
        best = _best(own)
        if not best:
            picks = []
            break
        picks.append((set(best[0][1]), best[0][0]))
    union = _union(picks) if picks else None
    if union is not None:
        factors.append((union[1], frozenset(union[0])))
    exacts = [i.exact for i in infos]
    if all(e is not None for e in exacts):
        exact = _union([e for e in exacts if e is not None])
        if exact is not None:
            return _Info(exact, factors)
    pre = _union([i.pre for i in infos]) or _EMPTY
    suf = _union([i.suf for i in infos]) or _EMPTY
    return _Info(None, factors, pre, suf)


def _repeat(lo: int, hi: int, body: _Info) -> _Info:
    if lo == 0:
        if hi == 1 and body.exact is not None:
            return _exact(body.exact[0] | {""}, body.exact[1])
        return _exact({""}, 0) if hi == 0 else _NOTHING_KNOWN
    factors = list(body.factors)
    if body.exact is not None:
        factors.append((body.exact[1], frozenset(body.exact[0])))
        if hi - lo <= 3:
            parts: list[Strings] = []
            acc: Strings | None = _EMPTY
            for n in range(hi + 1):
                if acc is None:
                    break
                if n >= lo:
                    parts.append(acc)
                if n < hi:
                    acc = _cat(acc, body.exact)
            else:
                exact = _union(parts)
                if exact is not None:
                    return _Info(exact, factors)
    return _Info(None, factors, body.pre, body.suf)
