"""The detector catalogue: ``detectors.toml`` parsed and checked once per process.

The catalogue is data, in the spirit of gitleaks' ``config/gitleaks.toml`` (``[[rules]]`` with
``id``, ``regex``, ``secretGroup``, ``entropy``, ``keywords``). Each ``[[detector]]`` table has:

====================  ========  ==================================================================
field                 required  meaning
====================  ========  ==================================================================
``id``                yes       kind name, lowercase (``secret_kinds.tsv`` names where one exists)
``description``       yes       one line for humans
``keywords``          yes       lowercase literals; the regex runs only if one occurs in the
                                lower-cased text (``[]`` = always run), so every match of the
                                regex (or of the ``context`` it needs) must hold one
                                (tests/test_scan_prefilter.py proves it from the regex)
``regex``             yes       a pattern compiled with ``re.ASCII`` (built-ins: plain ``re``
                                syntax, so its pre-filter and compiled code can be cached;
                                ``regex``-module syntax is accepted for custom detectors)
``secret_group``      yes       capture group holding the secret, 0 = the whole match
``severity``          yes       ``"high"``, ``"medium"`` or ``"low"``
``examples``          yes       true positives (texts in which this kind must be found)
``counter_examples``  yes       false positives (texts in which this kind must not be found)
``entropy``           no        minimum Shannon entropy (bits/char) of the secret
``validator``         no        name of a function in :data:`validators.VALIDATORS`
``context``           no        a regex that must match within ``context_window`` characters
                                on either side of the secret (paired / labelled secrets)
``context_window``    no        default 200
``specificity``       no        0-100, default 50; on overlap the higher one wins (generic
                                detectors are low, composite ones high). At 50 and above the
                                keywords are also the format's public prefixes, which the
                                redacted form may keep (``ghp_``, ``AKIA``)
``source``            no        where the format is documented
``category``          no        ``"secret"`` (default) or ``"personal"`` (personal data); the
                                hook's default action depends on it (``guardrails.toml``)
====================  ========  ==================================================================
"""

from __future__ import annotations

import os
from itertools import repeat, starmap  # built in: no import cost

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .prefilter import Factor

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Detector",
    "build_catalogue",
    "load_catalogue",
    "parse_custom_detectors",
]

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "detectors.toml")

_SEVERITIES = ("high", "medium", "low")


_SHORT_TEXT = 131_072
"""Texts up to this many characters are pre-filtered by plain substring search (no ``re``, no
compile). Measured on a 2-core machine: for 100 KB the substring searches take 5 ms (prose) to
13 ms (code), the alternation 15 to 18 ms with ``import re`` and its compile; the alternation
wins from about 150 KB of code."""


_ZERO = str.maketrans("123456789", "000000000")


def factors_hold(factors: tuple[Factor, ...], text: str, lowered: str) -> bool:
    """True unless some factor has none of its alternatives in the text.

    Args:
        factors: from :func:`codex_guard.scan.prefilter.required_factors` (empty: True).
        text: the scanned text; ``lowered`` is ``text.lower()``.
    """
    zeroed = None
    for level, alts in factors:
        if level == 2:
            if zeroed is None:
                zeroed = lowered.translate(_ZERO)
            hay = zeroed
        else:
            hay = lowered if level else text
        for a in alts:
            if a in hay:
                break
        else:
            return False
    return True


class CatalogueError(ValueError):
    """The detector catalogue is malformed (missing field, wrong type, unknown validator...)."""


_FIELDS = (
    "id",
    "description",
    "keywords",
    "regex",
    "secret_group",
    "severity",
    "examples",
    "counter_examples",
    "entropy",
    "validator",
    "context",
    "context_window",
    "specificity",
    "source",
    "category",
    "timeout",
    "factors",
    "sre",
)


class _RowFile:
    """An open catalogue cache entry whose detector rows are read on demand (``os.pread``:
    no shared file offset, so a forked decision process may read too). The descriptor stays
    open for the life of the process, as the catalogue it serves is cached for that long."""

    __slots__ = ("base", "fd", "size")

    def __init__(self, fd: int, base: int, size: int) -> None:
        self.fd = fd
        self.base = base  # where the rows start
        self.size = size  # bytes of rows

    def read(self, offset: int, length: int) -> bytes:
        """The ``length`` bytes of rows at ``offset``; raises ``CatalogueError`` when the entry
        does not hold them (the caller's index was checked against ``size``: not expected)."""
        data = os.pread(self.fd, length, self.base + offset)
        if len(data) != length:
            raise CatalogueError("catalogue cache entry: a detector row is cut short")
        return data


class Detector:
    """One ``[[detector]]`` table of the catalogue (see the module docstring for the fields).

    Immutable by convention; :meth:`_replace` returns a changed copy. A plain class with
    ``__slots__`` (no ``NamedTuple``/dataclass machinery to import: this package runs inside a
    short-lived hook process). Besides the TOML fields it carries ``timeout`` (seconds per
    ``regex`` pass, custom detectors only), ``factors`` (the pre-filter of
    :mod:`codex_guard.scan.prefilter`, derived from ``regex`` and ``context``; empty = none) and
    ``sre`` (the ``marshal`` of the :func:`codex_guard.scan.precompiled.program` of ``regex`` and
    of ``context``, or None; kept packed so that loading the catalogue does not unpack the
    programs of detectors that never run).
    """

    __slots__ = (*_FIELDS, "_packed")

    id: str
    description: str
    keywords: tuple[str, ...]
    regex: str
    secret_group: int
    severity: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    entropy: float | None
    validator: str | None
    context: str | None
    context_window: int
    specificity: int
    source: str
    category: str
    timeout: float | None
    factors: tuple[Factor, ...]
    sre: bytes | None
    _packed: bytes | tuple[_RowFile, int, int]

    def __init__(
        self,
        id: str,
        description: str,
        keywords: tuple[str, ...],
        regex: str,
        secret_group: int,
        severity: str,
        examples: tuple[str, ...],
        counter_examples: tuple[str, ...],
        entropy: float | None = None,
        validator: str | None = None,
        context: str | None = None,
        context_window: int = 200,
        specificity: int = 50,
        source: str = "",
        category: str = "secret",
        timeout: float | None = None,
        factors: tuple[Factor, ...] = (),
        sre: bytes | None = None,
    ) -> None:
        self.id = id
        self.description = description
        self.keywords = keywords
        self.regex = regex
        self.secret_group = secret_group
        self.severity = severity
        self.examples = examples
        self.counter_examples = counter_examples
        self.entropy = entropy
        self.validator = validator
        self.context = context
        self.context_window = context_window
        self.specificity = specificity
        self.source = source
        self.category = category
        self.timeout = timeout
        self.factors = factors
        self.sre = sre

    @classmethod
    def _lazy(cls, detector_id: str, packed: bytes | tuple[_RowFile, int, int]) -> Detector:
        """A detector read from the catalogue cache: its ``id`` now, every other field unpacked
        on first use from ``packed`` (the ``marshal`` of its :meth:`_row`, or where that lies
        in the cache entry: ``(file, offset, length)``), so a hook process only reads and
        unpacks the detectors its text makes candidates (issue 8)."""
        d = cls.__new__(cls)
        d.id = detector_id
        d._packed = packed
        return d

    if not TYPE_CHECKING:  # the checker sees the fields as always set, which they are in use

        def __getattr__(self, name: str) -> Any:
            # reached only for a field not set yet: a lazily loaded detector's
            if name not in _FIELDS:
                raise AttributeError(name)
            try:
                packed = object.__getattribute__(self, "_packed")
            except AttributeError:
                raise AttributeError(name) from None
            import marshal

            if type(packed) is tuple:
                packed = packed[0].read(packed[1], packed[2])
            for field, value in zip(_FIELDS, marshal.loads(packed), strict=True):
                object.__setattr__(self, field, value)
            object.__delattr__(self, "_packed")
            return object.__getattribute__(self, name)

    def _row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in _FIELDS)

    def _replace(self, **changes: Any) -> Detector:
        """A copy with the given fields changed (as ``NamedTuple._replace``)."""
        values = dict(zip(_FIELDS, self._row(), strict=True))
        values.update(changes)
        if "regex" in changes or "context" in changes:
            values["sre"] = changes.get("sre")  # the compiled programs are of the old patterns
        return Detector(**values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Detector) and self._row() == other._row()

    def __hash__(self) -> int:
        return hash(self._row())

    def __repr__(self) -> str:
        return f"Detector(id={self.id!r}, severity={self.severity!r}, category={self.category!r})"


CATEGORIES = ("secret", "personal")


class Catalogue:
    """All detectors plus the keyword index used by the pre-filter (read-only after init)."""

    __slots__ = (
        "_patterns",
        "_prefix_map",
        "_rare",
        "always_run",
        "detectors",
        "keyword_index",
    )

    def __init__(
        self,
        detectors: tuple[Detector, ...],
        keyword_index: dict[str, tuple[int, ...]],
        always_run: tuple[int, ...],
        rare: dict[str, str] | None = None,
    ) -> None:
        self.detectors = detectors
        self.keyword_index = keyword_index
        self.always_run = always_run
        # keyword -> its least common character (a set lookup rules most keywords out of prose)
        self._rare = rare if rare is not None else {k: _rare_char(k) for k in keyword_index}
        self._patterns: dict[frozenset[str], Any] = {}
        self._prefix_map: dict[str, tuple[str, ...]] | None = None

    @property
    def _prefixes(self) -> dict[str, tuple[str, ...]]:
        """keyword -> itself and every other keyword that is a prefix of it (built on first use:
        only long texts need it)."""
        if self._prefix_map is None:
            index = self.keyword_index
            self._prefix_map = {
                k: tuple(k[:n] for n in range(1, len(k) + 1) if k[:n] in index) for k in index
            }
        return self._prefix_map

    def select(self, lowered: str, text: str | None = None) -> list[int]:
        """Indices (catalogue order) of the detectors that may match the text.

        ``lowered`` must be the lower-cased text, ``text`` the text itself. A detector is chosen
        when one of its keywords occurs in ``lowered`` (a detector with no keywords always
        passes this step) and, when ``text`` is given, every factor of its required-literal
        pre-filter (:func:`codex_guard.scan.prefilter.factors_hold`) is satisfied; both are
        necessary conditions for a match, so no finding is lost.

        Keywords, texts up to ``_SHORT_TEXT`` characters: one substring search per keyword.
        Longer texts: one left-to-right pass of a single alternation of the keywords (longest
        first). After each hit the search resumes one character further, so overlapping
        keywords are seen too, and the keywords that are prefixes of the hit (``sk-`` under
        ``sk-proj-``) are added with it. When found keywords keep recurring (``key`` in a long
        config dump), the alternation is rebuilt without them, so the pass stays linear in the
        text with a small constant, whatever the number of occurrences.
        """
        chosen = self._by_keyword(lowered)
        if text is None:
            return chosen
        dets = self.detectors
        return [i for i in chosen if factors_hold(dets[i].factors, text, lowered)]

    def _by_keyword(self, lowered: str) -> list[int]:
        chosen = set(self.always_run)
        if len(lowered) <= _SHORT_TEXT:
            # a few hundred substring searches cost less than compiling the alternation, which
            # a short-lived hook process would do for every shell command
            present = set(lowered)
            rare = self._rare
            for k, dets in self.keyword_index.items():
                if rare[k] in present and k in lowered:
                    chosen.update(dets)
            return sorted(chosen)
        found: set[str] = set()
        pattern = self._pattern(frozenset())
        prefixes = self._prefixes
        pos = 0
        repeats = 0
        while True:
            m = pattern.search(lowered, pos)
            if m is None:
                break
            keyword = m.group()
            if keyword in found:
                repeats += 1
                if repeats > 16:
                    pattern = self._pattern(frozenset(found))
                    repeats = 0
            else:
                for k in prefixes[keyword]:
                    if k not in found:
                        found.add(k)
                        chosen.update(self.keyword_index[k])
                if len(found) == len(self.keyword_index):
                    break
            pos = m.start() + 1
        return sorted(chosen)

    def _pattern(self, without: frozenset[str]) -> Any:
        """The compiled trie-shaped alternation of every keyword not in ``without`` (cached)."""
        import re

        hit = self._patterns.get(without)
        if hit is None:
            remaining = [k for k in self.keyword_index if k not in without]
            # an empty alternation must match nothing: (?!) never matches
            hit = re.compile(_trie_regex(remaining) or "(?!)")
            if len(self._patterns) > 64:
                self._patterns.clear()
            self._patterns[without] = hit
        return hit

    def by_id(self, detector_id: str) -> Detector:
        """Return the detector named ``detector_id``; raises ``KeyError`` if there is none."""
        for det in self.detectors:
            if det.id == detector_id:
                return det
        raise KeyError(detector_id)


_COMMON = " etaoinshrdlcumwfgypbvkjxqz.,-0123456789"
"""Characters from the most to the least common in prompts (English letter frequency, then
punctuation and digits); any other character counts as rarer still."""


def _rare_char(keyword: str) -> str:
    """The least common character of ``keyword`` (by :data:`_COMMON`)."""
    return max(keyword, key=lambda c: _COMMON.find(c) if c in _COMMON else len(_COMMON))


def _trie_regex(words: list[str]) -> str:
    """A regex matching any of ``words``, shaped as a trie (``s(?:k-(?:proj-)?|bp_)``).

    Python's ``re`` tries the branches of a flat alternation one by one at every position; a
    trie shares prefixes, so each position costs one test per distinct first character, which
    makes the keyword pass about 7 times faster on 500 KB of text (measured). Longer keywords win
    over their prefixes at the same position (greedy optional groups).
    """
    import re

    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _expect(table: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in table:
        raise CatalogueError(f"{where}: missing field {name!r}")
    value = table[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CatalogueError(f"{where}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def _str_list(table: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = _expect(table, name, list, where)
    if not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: every entry of {name!r} must be a string")
    return tuple(value)


_KNOWN_FIELDS = frozenset(_FIELDS) - {"timeout", "factors", "sre"}  # the TOML fields


def _parse_detector(table: dict[str, Any], index: int) -> Detector:
    from .validators import VALIDATORS

    where = f"detector #{index}"
    det_id = _expect(table, "id", str, where)
    where = f"detector {det_id!r}"
    unknown = set(table) - _KNOWN_FIELDS
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {sorted(unknown)}")
    if det_id != det_id.lower() or not det_id:
        raise CatalogueError(f"{where}: id must be lowercase and non-empty")
    keywords = _str_list(table, "keywords", where)
    if any(k != k.lower() or not k for k in keywords):
        raise CatalogueError(f"{where}: keywords must be non-empty lowercase strings")
    severity = _expect(table, "severity", str, where)
    if severity not in _SEVERITIES:
        raise CatalogueError(f"{where}: severity must be one of {_SEVERITIES}")
    validator = table.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise CatalogueError(f"{where}: unknown validator {validator!r}")
    entropy = table.get("entropy")
    if entropy is not None and (isinstance(entropy, bool) or not isinstance(entropy, int | float)):
        raise CatalogueError(f"{where}: entropy must be a number")
    context = table.get("context")
    if context is not None and not isinstance(context, str):
        raise CatalogueError(f"{where}: context must be a string")
    window = table.get("context_window", 200)
    specificity = table.get("specificity", 50)
    for name, val in (("context_window", window), ("specificity", specificity)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 0:
            raise CatalogueError(f"{where}: {name} must be a non-negative integer")
    secret_group = _expect(table, "secret_group", int, where)
    if secret_group < 0:
        raise CatalogueError(f"{where}: secret_group must be >= 0")
    source = table.get("source", "")
    if not isinstance(source, str):
        raise CatalogueError(f"{where}: source must be a string")
    category = table.get("category", "secret")
    if category not in CATEGORIES:
        raise CatalogueError(f"{where}: category must be one of {CATEGORIES}")
    return Detector(
        id=det_id,
        description=_expect(table, "description", str, where),
        keywords=keywords,
        regex=_expect(table, "regex", str, where),
        secret_group=secret_group,
        severity=severity,
        examples=_str_list(table, "examples", where),
        counter_examples=_str_list(table, "counter_examples", where),
        entropy=float(entropy) if entropy is not None else None,
        validator=validator,
        context=context,
        context_window=window,
        specificity=specificity,
        source=source,
        category=category,
    )


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    """Build a :class:`Catalogue` from parsed TOML data (``{"detector": [ {...}, ... ]}``).

    Each detector gets its pre-filter ``factors``
    (:func:`codex_guard.scan.prefilter.required_factors` of its ``regex`` and ``context``).

    Raises :class:`CatalogueError` on a missing or mistyped field, an unknown validator, a
    non-lowercase id or keyword, or a duplicate id. Regexes are not compiled here (the engine
    compiles them lazily, once per process); the test-suite compiles all of them.
    """
    import marshal

    from .precompiled import program
    from .prefilter import parse_tree, required_factors

    tables = data.get("detector")
    if not isinstance(tables, list) or not tables:
        raise CatalogueError("the catalogue has no [[detector]] tables")
    detectors: list[Detector] = []
    seen: set[str] = set()
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise CatalogueError(f"detector #{i} is not a table")
        det = _parse_detector(table, i)
        if det.id in seen:
            raise CatalogueError(f"duplicate detector id {det.id!r}")
        seen.add(det.id)
        factors: tuple[Factor, ...] = ()
        progs: list[Any] = []
        for pattern in (det.regex, det.context):
            if pattern is None:
                progs.append(None)
                continue
            tree = parse_tree(pattern)  # parsed once, for both derived forms
            if tree is None:
                progs.append(None)
                continue
            factors += required_factors(pattern, tree=tree) or ()
            progs.append(program(pattern, tree))
        detectors.append(det._replace(factors=factors, sre=marshal.dumps(tuple(progs))))
    return build_catalogue(detectors)


def build_catalogue(detectors: list[Detector]) -> Catalogue:
    """A :class:`Catalogue` over ``detectors`` (ids must be unique) with its keyword index."""
    index: dict[str, list[int]] = {}
    always: list[int] = []
    for i, det in enumerate(detectors):
        if not det.keywords:
            always.append(i)
        for kw in set(det.keywords):
            index.setdefault(kw, []).append(i)
    return Catalogue(
        detectors=tuple(detectors),
        keyword_index={k: tuple(v) for k, v in index.items()},
        always_run=tuple(always),
    )


def parse_custom_detectors(tables: list[Any], where: str, timeout: float | None) -> list[Detector]:
    """Parse user-supplied ``[[detector]]`` tables (the catalogue schema; ``examples`` and
    ``counter_examples`` optional) and check that each regex compiles.

    Args:
        tables: the parsed TOML tables.
        where: the file they come from, for error messages.
        timeout: seconds each regex pass of these detectors may take (``regex`` time-out).

    Raises:
        CatalogueError: a table is malformed or its regex does not compile.
    """
    import regex  # type: ignore[import-untyped,unused-ignore]

    out: list[Detector] = []
    for i, table in enumerate(tables):
        if not isinstance(table, dict):
            raise CatalogueError(f"{where}: detector #{i} is not a table")
        filled = {"examples": [], "counter_examples": [], **table}
        try:
            det = _parse_detector(filled, i)
        except CatalogueError as e:
            raise CatalogueError(f"{where}: {e}") from None
        for name, pattern in (("regex", det.regex), ("context", det.context)):
            if pattern is None:
                continue
            try:
                compiled = regex.compile(pattern, regex.ASCII)
            except regex.error as e:
                raise CatalogueError(f"{where}: detector {det.id!r}: bad {name}: {e}") from None
            if name == "regex" and det.secret_group > compiled.groups:
                raise CatalogueError(
                    f"{where}: detector {det.id!r}: secret_group {det.secret_group} > "
                    f"{compiled.groups} groups"
                )
        out.append(det._replace(timeout=timeout))
    return out


_CACHE: dict[str, Catalogue] = {}

_FORMAT = 6  # 5: rows packed per detector (Detector._lazy); 6: rows read on demand
"""Version of the cached catalogue's layout (bump when ``_FIELDS`` or the factors change)."""


def load_catalogue(path: str | None = None) -> Catalogue:
    """Load and check a catalogue file (default: the packaged ``detectors.toml``), cached.

    The result is cached per path for the life of the process, and across processes as a
    ``marshal`` file of the checked detectors (:func:`_load_rows`), so a hook process neither
    imports ``tomllib`` nor re-derives the pre-filter. Raises ``OSError`` if the file cannot be
    read, ``tomllib.TOMLDecodeError`` if it is not TOML, and :class:`CatalogueError` if it is
    not a valid catalogue.
    """
    key = path or DEFAULT_PATH
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    rows, index, always, rare = _load_rows(key)
    catalogue = Catalogue(tuple(starmap(Detector._lazy, rows)), index, always, rare)
    _CACHE[key] = catalogue
    return catalogue


def _load_rows(
    path: str,
) -> tuple[
    list[tuple[str, bytes | tuple[_RowFile, int, int]]],
    dict[str, tuple[int, ...]],
    tuple[int, ...],
    dict[str, str],
]:
    """The checked catalogue at ``path`` as plain data: per detector its id and its row (the
    ``marshal`` of :meth:`Detector._row` in ``_FIELDS`` order, factors included, or where it
    lies in the cache entry; unpacked on first use, :meth:`Detector._lazy`), the keyword index,
    the always-run indices and each keyword's rarest character.

    Read from a cache entry keyed by the absolute path, size and mtime of the catalogue and of
    the modules that derive the rows, ``_FORMAT`` and the Python version. The entry is a 4-byte
    little-endian length, the ``marshal`` of ``(key, [(id, offset, length)], keyword index,
    always-run, rarest characters)`` and then the rows one after another, so a hook reads the
    small head (about 10 KB) and only the rows of the detectors its text makes candidates, not
    the 250 KB of all of them. On a miss the TOML is parsed and checked
    (:func:`parse_catalogue`) and the entry written atomically (0600 in a 0700 folder). An
    entry is trusted only under the conditions of :func:`_read_toml`. Raises what
    :func:`parse_catalogue` and ``tomllib`` raise.
    """
    import _sre  # type: ignore[import-not-found,unused-ignore]  # CPython internal, no stub
    import marshal
    import sys

    from codex_guard._dirs import headed
    from codex_guard._sha import fnv1a_64

    here = os.path.dirname(os.path.abspath(__file__))
    # the precompiled programs depend on the _sre code format (precompiled.py)
    parts = [str(_FORMAT), sys.version, f"sre {_sre.MAGIC} {_sre.CODESIZE}"]
    derived_by = ("catalogue.py", "prefilter.py", "precompiled.py")
    for f in (path, *(os.path.join(here, m) for m in derived_by)):
        st = os.stat(f)
        parts.append(f"{os.path.abspath(f)}\0{st.st_size}\0{st.st_mtime_ns}")
    ident = "\0".join(parts)
    name = f"detectors-{fnv1a_64(ident):016x}"  # the entry holds ident itself, checked on load
    folder = _cache_dir()
    cache = os.path.join(folder, name + ".marshal")
    hit = _read_entry(folder, cache, ident)
    if hit is not None:
        return hit
    cat = parse_catalogue(_read_toml(path))
    blobs = [marshal.dumps(d._row()) for d in cat.detectors]
    table = []
    offset = 0
    for d, blob in zip(cat.detectors, blobs, strict=True):
        table.append((d.id, offset, len(blob)))
        offset += len(blob)
    head = (ident, table, cat.keyword_index, cat.always_run, cat._rare)
    _write_private(folder, cache, headed(head, *blobs))
    rows: list[tuple[str, bytes | tuple[_RowFile, int, int]]] = [
        (d.id, blob) for d, blob in zip(cat.detectors, blobs, strict=True)
    ]
    return rows, cat.keyword_index, cat.always_run, cat._rare


def _read_entry(
    folder: str, cache: str, ident: str
) -> (
    tuple[
        list[tuple[str, bytes | tuple[_RowFile, int, int]]],
        dict[str, tuple[int, ...]],
        tuple[int, ...],
        dict[str, str],
    ]
    | None
):
    """What :func:`_load_rows` returns, from the cache entry ``cache`` when it is private, whole
    and for ``ident``; None otherwise (the caller parses the TOML)."""
    from codex_guard._dirs import open_headed

    opened = open_headed(folder, cache)
    if opened is None:
        return None
    fd, data, base, size = opened
    if not (
        type(data) is tuple
        and len(data) == 5
        and data[0] == ident
        and type(data[1]) is list
        and type(data[2]) is dict
        and type(data[3]) is tuple
        and type(data[4]) is dict
    ):
        os.close(fd)
        return None
    rows_file = _RowFile(fd, base, size)
    table: list[Any] = data[1]
    # checked column by column in C-level passes (a Python loop per detector cost ~0.1 ms)
    if table and (set(map(type, table)) != {tuple} or set(map(len, table)) != {3}):
        os.close(fd)
        return None
    ids, offsets, lengths = zip(*table, strict=True) if table else ((), (), ())
    if (
        set(map(type, ids)) - {str}
        or set(map(type, offsets)) - {int}
        or set(map(type, lengths)) - {int}
        or (table and (min(offsets) < 0 or min(lengths) < 0))
        or (table and max(map(int.__add__, offsets, lengths)) > rows_file.size)
    ):
        os.close(fd)
        return None
    rows: list[tuple[str, bytes | tuple[_RowFile, int, int]]] = list(
        zip(ids, zip(repeat(rows_file), offsets, lengths), strict=True)
    )
    return rows, data[2], data[3], data[4]


def _write_private(folder: str, path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (0600 file, 0700 folder); silently nothing when
    the cache folder is not writable (then the catalogue is parsed every time)."""
    from codex_guard._dirs import write_private

    write_private(folder, path, data)


def _cache_dir() -> str:
    """``$CODEX_GUARD_CACHE_DIR``, else platformdirs' user cache folder for codex-guard."""
    from codex_guard._dirs import guard_dir

    return guard_dir("cache")


def _read_toml(path: str) -> dict[str, Any]:
    """The parsed TOML of ``path``, through a ``marshal`` cache keyed by the file's absolute
    path, size, mtime and the Python version (a hook process starts fresh for every event, and
    ``tomllib`` takes about 60 ms on the catalogue; ``marshal`` under 1 ms).

    A missing, stale or unreadable cache is ignored and rewritten (atomically, a 0600 file in a
    0700 folder); the cache is never used for a file whose size or mtime changed, nor when the
    entry or its folder is not owned by this user or is group/world-writable. Raises what
    :func:`open` and ``tomllib.load`` raise for the catalogue file itself.
    """
    import marshal
    import sys

    from codex_guard._dirs import private_dir
    from codex_guard._sha import sha256_hex

    st = os.stat(path)
    ident = f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{sys.version}"
    name = "catalogue-" + sha256_hex(ident.encode("utf-8", "surrogatepass"))[:32]

    folder = _cache_dir()
    cache = os.path.join(folder, name + ".marshal")
    try:
        # marshal is not safe against crafted data: only an entry nobody else could have
        # written (ours, not group/world-writable, in such a folder) is read
        if private_dir(folder) and private_dir(cache):
            with open(cache, "rb") as fh:
                data = marshal.loads(fh.read())  # one read: load(fh) reads item by item
            if isinstance(data, dict):
                return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import tomllib

    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    _write_private(folder, cache, marshal.dumps(data))
    return data
