"""A port of the Rust ``shlex`` crate 1.3.0 (``split`` and ``try_quote``/``try_join``).

Codex tokenises string examples of ``prefix_rule(match=…, not_match=…)`` with this crate and renders
examples in its error messages with ``try_join`` (execpolicy.md §1.2 and §1.5). Python's own
``shlex`` differs: here ``#`` starts a comment only at the start of a word, backslash-newline is
dropped, and inside double quotes a backslash escapes only ``$``, backquote, ``"``, ``\\`` and
newline. Source: github.com/comex/rust-shlex, ``src/lib.rs`` and ``src/bytes.rs`` at 1.3.0.
"""

from __future__ import annotations

_WS = " \t\n"


def split(text: str) -> list[str] | None:
    """Split ``text`` into words like ``shlex::split``.

    Args:
        text: the example string.

    Returns:
        The words, or ``None`` when the input has an unterminated quote or a trailing backslash
        (the crate's ``had_error``).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        # skip initial whitespace and comments
        if ch in _WS:
            i += 1
            continue
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        word: list[str] = []
        while i < n:
            ch = text[i]
            i += 1
            if ch == '"':
                while True:
                    if i >= n:
                        return None
                    c2 = text[i]
                    i += 1
                    if c2 == "\\":
                        if i >= n:
                            return None
                        c3 = text[i]
                        i += 1
                        if c3 in '$`"\\':
                            word.append(c3)
                        elif c3 == "\n":
                            pass
                        else:
                            word.append("\\")
                            word.append(c3)
                    elif c2 == '"':
                        break
                    else:
                        word.append(c2)
            elif ch == "'":
                end = text.find("'", i)
                if end < 0:
                    return None
                word.append(text[i:end])
                i = end + 1
            elif ch == "\\":
                if i >= n:
                    return None
                c2 = text[i]
                i += 1
                if c2 != "\n":
                    word.append(c2)
            elif ch in _WS:
                break
            else:
                word.append(ch)
        out.append("".join(word))
    return out


_UNQUOTED = 1
_SINGLE = 2
_DOUBLE = 4


_UNQUOTED_OK = frozenset(b"+-./:@]_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SINGLE_BAD = frozenset(b"'^\\")
_DOUBLE_BAD = frozenset(b"`$!^")


def _strategy(s: bytes) -> tuple[int, int]:
    """``quoting_strategy`` of shlex 1.3.0: the longest prefix one strategy can cover, and the
    best strategy for it (unquoted, then single, then double quotes)."""
    prev = _SINGLE | _DOUBLE | _UNQUOTED
    i = 0
    if s[0] == ord("^"):
        prev = _SINGLE
        i = 1
    while i < len(s):
        c = s[i]
        cur = prev
        if c >= 0x80:
            cur &= ~_UNQUOTED
        else:
            if c not in _UNQUOTED_OK:
                cur &= ~_UNQUOTED
            if c in _SINGLE_BAD:
                cur &= ~_SINGLE
            if c in _DOUBLE_BAD:
                cur &= ~_DOUBLE
        if cur == 0:
            break
        prev = cur
        i += 1
    if prev & _UNQUOTED:
        return i, _UNQUOTED
    if prev & _SINGLE:
        return i, _SINGLE
    return i, _DOUBLE


def quote(word: str) -> str | None:
    """Quote one word like ``shlex::try_quote``; ``None`` when it holds a NUL byte."""
    if word == "":
        return "''"
    if "\0" in word:
        return None
    data = word.encode("utf-8")
    out = bytearray()
    while data:
        n, strategy = _strategy(data)
        if n == len(data) and strategy == _UNQUOTED and not out:
            return word
        chunk, data = data[:n], data[n:]
        if strategy == _UNQUOTED:
            out += chunk
        elif strategy == _SINGLE:
            out += b"'" + chunk + b"'"
        else:
            out += b'"'
            for c in chunk:
                if c in b'$`"\\':
                    out += b"\\"
                out.append(c)
            out += b'"'
    return out.decode("utf-8", "surrogateescape")


def try_join(words: list[str]) -> str | None:
    """Join words like ``shlex::try_join``: each quoted, separated by one space."""
    parts = []
    for w in words:
        q = quote(w)
        if q is None:
            return None
        parts.append(q)
    return " ".join(parts)
