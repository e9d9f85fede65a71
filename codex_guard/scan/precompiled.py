"""Detector patterns compiled once, when the catalogue cache is built, and loaded per process
without ``import re``.

``re.compile`` is two steps: the parser and code generator written in Python
(``re._parser.parse`` and ``re._compiler._code``, about 0.5 ms per detector pattern on the
reference machine, after ``import re`` itself, several milliseconds with ``enum``), then
``_sre.compile``, the C constructor of the pattern object, which validates the code it is
given. :func:`program` runs the first step at catalogue-build time (a cache miss) and returns
plain data that ``marshal`` can store; :func:`load` runs only the second (about 0.04 ms), giving
the very pattern ``re.compile(pattern, re.ASCII)`` would (``==`` compares flags, pattern and
code; ``tests/test_scan_prefilter.py`` checks every detector). This mirrors
``re._compiler.compile`` (CPython ``Lib/re/_compiler.py``). The code format is CPython's and
changes between versions: the catalogue cache is keyed by ``sys.version`` and ``_sre.MAGIC``
(``catalogue._load_rows``), and :func:`load` returns None (the caller then uses
``re.compile``) when anything is off.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Program = tuple[int, bytes, int, tuple[tuple[str, int], ...], tuple[str | None, ...]]

__all__ = ["load", "program", "unpack"]


def unpack(packed: bytes) -> tuple[Any, Any]:
    """The ``(regex program, context program)`` pair a catalogue row stores ``marshal``-ed
    (either may be None); ``(None, None)`` when ``packed`` is not such a pair."""
    import marshal

    try:
        progs = marshal.loads(packed)
    except (EOFError, ValueError, TypeError):
        return None, None
    if isinstance(progs, tuple) and len(progs) == 2:
        return progs[0], progs[1]
    return None, None


def program(pattern: str, tree: Any = None) -> Program | None:
    """The compiled code of ``pattern`` under ``re.ASCII``, as marshal-able data, or None when
    the standard library does not take the pattern without a warning (the engine then uses the
    ``regex`` module) or its code units are not 4 bytes wide.

    Args:
        pattern: the regex.
        tree: ``prefilter.parse_tree(pattern)`` when the caller has it already.

    Returns:
        ``(flags, code, groups, groupindex, indexgroup)``: the arguments of ``_sre.compile``
        with the code packed as native unsigned 32-bit integers.
    """
    import _sre  # type: ignore[import-not-found,unused-ignore]  # CPython internal, no stub
    import re
    from array import array

    from .prefilter import parse_tree

    if _sre.CODESIZE != 4 or array("I").itemsize != 4:
        return None
    compiler: Any = getattr(re, "_compiler", None)
    if tree is None:
        tree = parse_tree(pattern)
    if tree is None or compiler is None:
        return None
    try:
        code = compiler._code(tree, re.ASCII.value)
    except (re.error, RecursionError, OverflowError):
        return None
    groupindex = dict(tree.state.groupdict)
    indexgroup: list[str | None] = [None] * tree.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (
        re.ASCII.value | tree.state.flags,
        array("I", code).tobytes(),
        tree.state.groups - 1,
        tuple(sorted(groupindex.items())),
        tuple(indexgroup),
    )


def load(pattern: str, prog: Any) -> Any:
    """The ``re.Pattern`` for ``pattern`` from its :func:`program`, or None if ``prog`` is not
    one or ``_sre`` refuses it (it validates the code)."""
    import _sre  # type: ignore[import-not-found,unused-ignore]  # CPython internal, no stub

    if prog is None:
        return None
    try:
        flags, code, groups, groupindex, indexgroup = prog
        return _sre.compile(
            pattern, flags, list(memoryview(code).cast("I")), groups, dict(groupindex), indexgroup
        )
    except (TypeError, ValueError, RuntimeError):
        return None
