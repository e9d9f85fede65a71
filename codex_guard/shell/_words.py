"""Word-level helpers for :mod:`codex_guard.shell.analyze`: bash quote removal and escapes,
and the :class:`Word` the analysis works on.

Pure string code, no tree-sitter. The rules follow the bash manual, "Quoting":
backslash in unquoted text quotes the next character and ``\\<newline>`` is a line
continuation; inside double quotes a backslash only escapes ``$ ` " \\`` and newline;
``$'...'`` decodes ANSI-C escapes.
"""

from __future__ import annotations

# A placeholder, in a word's "shape", for a character that was quoted, escaped or produced
# by an expansion; the shape keeps unquoted literal characters so that glob and brace
# syntax can be recognised only where bash would act on it.
QUOTED = "\x00"
# In a word's shape: a character produced by an *unquoted* expansion, where bash splits fields
# on blanks (``a="rm -rf"; $a ~``, ``rm${IFS}-rf${IFS}/``).
SPLIT = "\x01"

_SIMPLE_ANSI_C = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_HEX = "0123456789abcdefABCDEF"
_OCT = "01234567"


def unescape_unquoted(raw: str) -> tuple[str, str]:
    """Quote removal for an unquoted word fragment.

    Returns ``(text, shape)``: ``\\x`` becomes ``x``, ``\\<newline>`` disappears, a trailing
    lone backslash stays. ``shape`` is ``text`` with escaped characters replaced by
    :data:`QUOTED`.
    """
    if "\\" not in raw:
        return raw, raw
    text: list[str] = []
    shape: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            i += 2
            if nxt == "\n":
                continue
            text.append(nxt)
            shape.append(QUOTED)
            continue
        text.append(c)
        shape.append(c)
        i += 1
    return "".join(text), "".join(shape)


def unescape_double_quoted(raw: str) -> str:
    """Backslash processing inside ``"..."``: only ``\\$ \\` \\" \\\\`` and ``\\<newline>``
    are special; any other backslash is kept."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _take(body: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(body) and end - start < limit and body[end] in allowed:
        end += 1
    return body[start:end]


def decode_ansi_c(body: str) -> str:
    """Decode the inside of ``$'...'`` the way bash does (``\\n``, ``\\t``, ``\\xHH``,
    ``\\nnn`` octal, ``\\uHHHH``, ``\\UHHHHHHHH``, ``\\cX`` ...). Byte escapes are
    assembled as UTF-8; invalid sequences become U+FFFD. Never raises."""
    if "\\" not in body:
        return body
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8", "surrogatepass")
            i += 1
            continue
        e = body[i + 1]
        i += 2
        if e in _SIMPLE_ANSI_C:
            out += _SIMPLE_ANSI_C[e].encode()
        elif e in _OCT:
            digits = e + _take(body, i, _OCT, 2)
            i += len(digits) - 1
            out.append(int(digits, 8) & 0xFF)
        elif e == "x":
            digits = _take(body, i, _HEX, 2)
            if digits:
                i += len(digits)
                out.append(int(digits, 16))
            else:
                out += b"\\x"
        elif e in "uU":
            digits = _take(body, i, _HEX, 4 if e == "u" else 8)
            value = int(digits, 16) if digits else -1
            if 0 <= value <= 0x10FFFF:
                i += len(digits)
                out += chr(value).encode("utf-8", "surrogatepass")
            else:
                out += ("\\" + e).encode()
        elif e == "c" and i < n:
            out.append(ord(body[i]) & 0x1F)
            i += 1
        else:
            out += ("\\" + e).encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def has_pattern(shape: str) -> bool:
    """True when the unquoted characters of a word (its shape) contain glob characters
    (``* ? [``) or a brace expansion (``{a,b}`` / ``{1..3}``)."""
    if any(c in shape for c in "*?["):
        return True
    start = shape.find("{")
    while start != -1:
        end = shape.find("}", start + 1)
        if end == -1:
            return False
        inner = shape[start + 1 : end]
        if "," in inner or ".." in inner:
            return True
        start = shape.find("{", start + 1)
    return False


def is_assignment_word(text: str) -> bool:
    """``NAME=value`` (or ``NAME+=value``) with a valid shell variable name."""
    eq = text.find("=")
    if eq <= 0:
        return False
    name = text[:eq]
    if name.endswith("+"):
        name = name[:-1]
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return False
    return all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name)


class Word:
    """A shell word after quote removal.

    ``shape`` mirrors ``text`` with quoted/escaped/expanded characters replaced by QUOTED, so
    globs and braces count only where bash would expand them; ``dynamic`` means the value is
    only known at run time; ``start``/``end`` are byte offsets in the script (-1 for argv).
    """

    __slots__ = ("alts", "code", "dollar", "dynamic", "end", "shape", "sources", "start", "text")

    def __init__(
        self,
        text: str,
        shape: str,
        dynamic: bool = False,
        start: int = -1,
        end: int = -1,
        dollar: bool = False,
    ) -> None:
        self.text = text
        self.shape = shape
        self.dynamic = dynamic
        self.start = start
        self.end = end
        self.dollar = dollar  # the lone `$` token tree-sitter emits before a $"..." string
        # Other values the word may take, as (text, shape, dynamic), when an expansion has
        # several known values (a variable assigned in two branches, a `for` loop variable).
        self.alts: tuple[tuple[str, str, bool], ...] = ()
        # Basenames of the programs whose output makes up the word ($(curl …), <(wget …)).
        self.sources: tuple[str, ...] = ()
        # What a process substitution <(…) yields when statically known (a file's content).
        self.code: str | None = None

    @classmethod
    def literal(cls, text: str) -> Word:
        return cls(text, QUOTED * len(text))

    def with_dynamic(self) -> Word:
        w = Word(self.text, self.shape, True, self.start, self.end)
        w.sources = self.sources
        return w

    def variants(self) -> list[tuple[str, str, bool]]:
        """Every (text, shape, dynamic) value the word may take, its own first."""
        return [(self.text, self.shape, self.dynamic), *self.alts]


MAX_BRACE_WORDS = 64


def _brace_alternatives(
    text: str, shape: str, start: int
) -> tuple[int, list[tuple[int, int]]] | None:
    """For the unquoted ``{`` at ``start``: the index of its matching ``}`` and the spans of
    its comma-separated alternatives (top level), or None when it is not a brace list."""
    depth = 0
    parts: list[tuple[int, int]] = []
    begin = start + 1
    for i in range(start, len(text)):
        if shape[i] != text[i]:
            continue  # quoted or expanded: not syntax
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append((begin, i))
                return (i, parts) if len(parts) > 1 else None
        elif c == "," and depth == 1:
            parts.append((begin, i))
            begin = i + 1
    return None


def _sequence(body: str) -> list[str] | None:
    """``1..5``, ``a..e``, ``1..10..2`` (bash sequence expressions), bounded."""
    pieces = body.split("..")
    if len(pieces) not in (2, 3):
        return None
    step = 1
    if len(pieces) == 3:
        if not pieces[2].lstrip("-").isdigit():
            return None
        step = abs(int(pieces[2])) or 1
    a, b = pieces[0], pieces[1]
    if a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
        lo, hi = int(a), int(b)
        rng = range(lo, hi + 1, step) if lo <= hi else range(lo, hi - 1, -step)
        if len(rng) > MAX_BRACE_WORDS:
            return None
        return [str(n) for n in rng]
    if len(a) == 1 and len(b) == 1 and a.isascii() and b.isascii() and a.isalpha() and b.isalpha():
        lo, hi = ord(a), ord(b)
        rng = range(lo, hi + 1, step) if lo <= hi else range(lo, hi - 1, -step)
        return [chr(n) for n in rng]
    return None


def brace_expand(text: str, shape: str) -> list[tuple[str, str]] | None:
    """Bash brace expansion of one word (``a{b,c}d`` -> ``abd acd``, ``{1..3}``), on the
    unquoted characters only (per ``shape``). None when the word has no brace expression;
    at most :data:`MAX_BRACE_WORDS` results."""
    if "{" not in shape:
        return None
    for start, ch in enumerate(shape):
        if ch != "{":
            continue
        found = _brace_alternatives(text, shape, start)
        end: int
        alts: list[tuple[str, str]]
        if found is not None:
            end, spans = found
            alts = [(text[a:b], shape[a:b]) for a, b in spans]
        else:
            close = shape.find("}", start)
            if close == -1:
                continue
            seq = (
                _sequence(text[start + 1 : close])
                if shape[start + 1 : close] == text[start + 1 : close]
                else None
            )
            if seq is None:
                continue
            end, alts = close, [(s, s) for s in seq]
        prefix_t, prefix_s = text[:start], shape[:start]
        suffix_t, suffix_s = text[end + 1 :], shape[end + 1 :]
        out: list[tuple[str, str]] = []
        for at, ash in alts:
            word_t, word_s = prefix_t + at + suffix_t, prefix_s + ash + suffix_s
            more = brace_expand(word_t, word_s)
            out.extend(more if more is not None else [(word_t, word_s)])
            if len(out) >= MAX_BRACE_WORDS:
                return out[:MAX_BRACE_WORDS]
        return out
    return None
