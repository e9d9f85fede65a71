"""JSON for the hook path without ``json`` or ``orjson`` (issue 8).

The hook is a new process per event; importing ``json`` costs ``re`` (and ``enum``), and
``orjson`` imports ``dataclasses``, ``uuid``, ``platform`` and ``datetime``: milliseconds each on
every start. This module drives CPython's own C accelerator ``_json`` (the scanner and string
encoder the stdlib ``json`` package is built on, RFC 8259) directly, and matches ``orjson`` where
the hook used it before:

* :func:`loads` accepts and rejects what ``orjson.loads`` does (no ``NaN``/``Infinity``, no
  number that is infinite as a double, nothing but JSON whitespace after the document, no BOM, no
  raw control character in a string, strict UTF-8 input; integers outside 64 bits become floats;
  duplicate keys keep the last value) with one deliberate difference: a lone surrogate escape
  (``"\\ud800"``) is kept as that code point, as the stdlib decoder does (valid JSON that
  ``JSON.stringify`` emits; orjson refuses it). Nesting is limited by the interpreter's
  recursion limit (orjson's limit is 1024 levels).
* :func:`dumps` writes the bytes ``orjson.dumps(obj)`` (``sort_keys``: with
  ``OPT_SORT_KEYS``; ``indent``: with ``OPT_INDENT_2``) writes for dicts with string keys, lists,
  tuples, strings, integers, booleans, None and floats; a float whose shortest form needs an
  exponent is formatted by orjson itself (imported only then).

Errors: :class:`JSONDecodeError` (a ``ValueError``) and :class:`JSONEncodeError` (a
``TypeError``), as orjson's. ``tests/test_json.py`` compares both directions with orjson over
generated documents.
"""

from __future__ import annotations

import _json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["JSONDecodeError", "JSONEncodeError", "dumps", "loads"]


class JSONDecodeError(ValueError):
    """The input is not one JSON document (the message says where, when known)."""


class JSONEncodeError(TypeError):
    """The object cannot be written as JSON: a type other than those :func:`dumps` lists, a
    non-string key, an integer outside 64 bits, a lone surrogate in a string, or nesting deeper
    than the recursion limit."""


_INF = float("inf")
_I64_MIN = -(1 << 63)
_U64_MAX = (1 << 64) - 1
_WS = " \t\n\r"


def _parse_float(s: str) -> float:
    f = float(s)
    if f == _INF or f == -_INF:
        raise JSONDecodeError(f"number is infinity when parsed as double: {s[:40]}")
    return f


def _parse_int(s: str) -> int | float:
    if len(s) < 19:  # at most 18 digits: always within 64 bits
        return int(s)
    if len(s) <= 21:
        i = int(s)
        if _I64_MIN <= i <= _U64_MAX:
            return i
    return _parse_float(s)  # orjson reads a wider integer as a double


def _reject_constant(s: str) -> Any:
    raise JSONDecodeError(f"unexpected character, expected a JSON value: {s}")


_CONSTANTS = {"NaN": float("nan"), "Infinity": _INF, "-Infinity": -_INF}


class _Context:
    """The settings object ``_json.make_scanner`` reads its options from (the role
    ``json.JSONDecoder`` plays for the stdlib)."""

    __slots__ = (
        "memo",
        "object_hook",
        "object_pairs_hook",
        "parse_constant",
        "parse_float",
        "parse_int",
        "strict",
    )

    def __init__(self, parse_float: Any, parse_int: Any, parse_constant: Any) -> None:
        self.strict = True  # no raw control characters in strings
        self.object_hook = None
        self.object_pairs_hook = None
        self.parse_float = parse_float
        self.parse_int = parse_int
        self.parse_constant = parse_constant
        self.memo: dict[str, str] = {}


_STRICT: Any = _Context(_parse_float, _parse_int, _reject_constant)
# the stdlib's own acceptance (NaN, Infinity, big integers): json.loads(data.decode("utf-8"))
_STDLIB: Any = _Context(float, int, _CONSTANTS.__getitem__)
_SCAN = _json.make_scanner(_STRICT)
_SCAN_STDLIB = _json.make_scanner(_STDLIB)


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - text.rfind("\n", 0, pos)
    return f"line {line} column {col} (char {pos})"


def loads(data: bytes | bytearray | memoryview | str, *, stdlib_numbers: bool = False) -> Any:
    """Decode one JSON document.

    Args:
        data: the document, UTF-8 bytes or text.
        stdlib_numbers: accept what ``json.loads`` accepts beyond orjson (``NaN``,
            ``Infinity``, integers of any size, overflowing floats as infinity).

    Returns:
        The value: dicts, lists, strings, ints, floats, booleans, None.

    Raises:
        JSONDecodeError: not valid UTF-8, not valid JSON, trailing content, a number orjson
            refuses, or nesting deeper than the recursion limit.
    """
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise JSONDecodeError(f"str is not valid UTF-8: {e}") from None
    n = len(text)
    i = 0
    while i < n and text[i] in _WS:
        i += 1
    scan = _SCAN_STDLIB if stdlib_numbers else _SCAN
    try:
        try:
            obj, end = scan(text, i)
        except SystemError:
            # The C scanner reports most syntax errors with ``json.decoder.JSONDecodeError``,
            # looked up in ``sys.modules`` without importing it; until ``json`` is imported it
            # fails with a SystemError instead. Only bad input gets here: import it, read again.
            import json.decoder  # noqa: F401

            obj, end = scan(text, i)
    except StopIteration as e:
        pos = e.value if isinstance(e.value, int) else i
        what = (
            "UTF-8 byte order mark (BOM) is not supported"
            if text[pos : pos + 1] == "\ufeff"
            else "unexpected character, expected a JSON value"
        )
        if pos >= n:
            what = "unexpected end of data, expected a JSON value"
        raise JSONDecodeError(f"{what}: {_where(text, pos)}") from None
    except JSONDecodeError:
        raise
    except RecursionError:
        raise JSONDecodeError("depth limit exceeded") from None
    except ValueError as e:  # json.decoder.JSONDecodeError from the C scanner, int() limits
        raise JSONDecodeError(str(e)) from None
    while end < n and text[end] in _WS:
        end += 1
    if end != n:
        raise JSONDecodeError(f"unexpected content after document: {_where(text, end)}")
    return obj


_encode_str = _json.encode_basestring


def _float(f: float) -> str:
    r = repr(f)
    if "e" in r or "n" in r:  # exponent, inf, nan: orjson's own formatting
        import orjson

        return str(orjson.dumps(f).decode())
    return r


def _encode(obj: Any, out: list[str], sort_keys: bool, indent: str | None, depth: int) -> None:
    if isinstance(obj, str):
        out.append(_encode_str(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        if not _I64_MIN <= obj <= _U64_MAX:
            raise JSONEncodeError("Integer exceeds 64-bit range")
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        out.append(_float(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        if depth > 254:
            raise JSONEncodeError("Recursion limit reached")
        items = list(obj.items())
        for k, _ in items:
            if not isinstance(k, str):
                raise JSONEncodeError("Dict key must be str")
        if sort_keys:
            items.sort(key=_first)
        if indent is None:
            sep, colon, close = ",", ":", "}"
            out.append("{")
        else:
            inner = indent + "  "
            sep, colon, close = ",\n" + inner, ": ", "\n" + indent + "}"
            out.append("{\n" + inner)
        first = True
        for k, v in items:
            if not first:
                out.append(sep)
            first = False
            out.append(_encode_str(k))
            out.append(colon)
            _encode(v, out, sort_keys, None if indent is None else indent + "  ", depth + 1)
        out.append(close)
    elif isinstance(obj, list | tuple):
        if not obj:
            out.append("[]")
            return
        if depth > 254:
            raise JSONEncodeError("Recursion limit reached")
        if indent is None:
            sep, close, child = ",", "]", None
            out.append("[")
        else:
            child = indent + "  "
            sep, close = ",\n" + child, "\n" + indent + "]"
            out.append("[\n" + child)
        first = True
        for v in obj:
            if not first:
                out.append(sep)
            first = False
            _encode(v, out, sort_keys, child, depth + 1)
        out.append(close)
    else:
        raise JSONEncodeError(f"Type is not JSON serializable: {type(obj).__name__}")


def _first(item: tuple[str, Any]) -> str:
    return item[0]


def dumps(obj: Any, *, sort_keys: bool = False, indent: bool = False) -> bytes:
    """``obj`` as compact UTF-8 JSON, byte for byte what orjson writes.

    Args:
        obj: dicts with string keys, lists, tuples, strings, ints (64-bit), floats, booleans,
            None (subclasses of these count as them).
        sort_keys: order every dict's keys (by code point), as ``orjson.OPT_SORT_KEYS``.
        indent: two-space indentation, as ``orjson.OPT_INDENT_2``.

    Returns:
        The encoded bytes (non-ASCII unescaped; ``"``, ``\\`` and control characters escaped).

    Raises:
        JSONEncodeError: see :class:`JSONEncodeError`.
    """
    out: list[str] = []
    _encode(obj, out, sort_keys, "" if indent else None, 0)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise JSONEncodeError("str is not valid UTF-8: surrogates not allowed") from None
