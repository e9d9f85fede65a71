"""Path globs for codex-guard's ``guard_rule``: compilation, normalisation and intersection.

A rule glob (``**`` any text, ``*`` any text without ``/``, ``?`` one character other than ``/``,
``[…]`` a class, ``~`` the home directory) is matched against an operand in one of three ways
(``docs/rules.md`` §3.2 and §3.3):

* a literal operand: by regex, under each of its :func:`operand_variants` (known variables
  resolved, braces expanded, ``.``/``..`` resolved lexically);
* an operand that is itself a bash glob (``~/.ss?/id_r*``): by intersection of the two glob
  languages (:func:`globs_intersect`), with bash's rules for what a pathname expansion can
  produce;
* a run-time operand (``$X/y``, ``$(cmd)``): its run-time parts stand for any text, and a match
  is only a possible one (:data:`MAYBE`).

Spelling globs (containing ``$``) and contains-globs (``**…**``) look at the source text only.

``re`` is imported, and a glob compiled, only when an operand really has to be tested against it
(hook start-up, issue 8): a glob whose literal start the text does not share fails without one.
"""

from __future__ import annotations

import posixpath

from codex_guard.policy.paths import normalize_lexically

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any, TypeAlias

    # A glob as tokens for intersection tests: ("c", chars, negated) one character of a set
    # (or of its complement), ("*",) any run without "/", ("**",) any run. ``glob`` marks
    # wildcards that come from bash pathname expansion (they never produce a leading "." or a
    # leading "~").
    _Tok: TypeAlias = tuple[Any, ...]

# Variables whose value codex-guard knows well enough to match paths by (after the shell layer's
# own resolution): each spelling maps to the path it stands for.
_KNOWN_VARS = {
    "HOME": "~",
    "TMPDIR": "/tmp",
    "CODEX_HOME": "~/.codex",
    "XDG_DATA_HOME": "~/.local/share",
    "XDG_CONFIG_HOME": "~/.config",
    "XDG_STATE_HOME": "~/.local/state",
    "PWD": ".",
}
_VAR_RE = (
    r"\$\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)(?:(?::?[-=?+])[^}]*)?\}|\$(?P<s>[A-Za-z_][A-Za-z0-9_]*)"
)
_PWD_SUBST = r"\$\(\s*pwd\s*\)|`\s*pwd\s*`"
_BRACES = r"\{([^{}]*,[^{}]*)\}"
_COMPILED: dict[str, re.Pattern[str]] = {}


def lazy_regex(source: str) -> re.Pattern[str]:
    """``re.compile(source)``, compiled (and ``re`` imported) on first use, once per process."""
    rx = _COMPILED.get(source)
    if rx is None:
        import re

        rx = _COMPILED[source] = re.compile(source)
    return rx


_MAX_PATTERN_TOKENS = 2048
# The shell layer's names for what find/xargs produce below a known root (`./$FIND_RESULT`).
_BELOW_VARS = frozenset({"FIND_RESULT", "XARGS_INPUT"})


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``**`` any text, ``*`` any text without ``/``, ``?`` one non-``/``
    character, ``[…]`` a character class; everything else literal."""
    import re

    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                body = body.replace("\\", "\\\\").replace("[", "\\[")
                out.append("[" + body + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def _class_chars(body: str) -> frozenset[str]:
    chars: set[str] = set()
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            lo, hi = ord(body[i]), ord(body[i + 2])
            chars.update(chr(x) for x in range(lo, min(hi, lo + 512) + 1))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    return frozenset(chars)


def glob_tokens(pattern: str, *, glob: bool) -> list[_Tok]:
    """Tokenise a glob (see :func:`glob_to_regex` for the syntax)."""
    out: list[_Tok] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                out.append(("**", glob))
                i += 2
                continue
            out.append(("*", glob))
        elif c == "?":
            out.append(("c", frozenset("/"), True, glob))
        elif c == "[" and pattern.find("]", i + 2) >= 0:
            j = pattern.find("]", i + 2)
            body = pattern[i + 1 : j]
            neg = body.startswith(("!", "^"))
            out.append(("c", _class_chars(body[1:] if neg else body), neg, glob))
            i = j
        else:
            out.append(("c", frozenset(c), False, False))
        i += 1
    return out


def _one_char_ok(t: _Tok, c: str, at_start: bool, first: bool) -> bool:
    """Whether single-char or star token ``t`` may produce character ``c``.

    ``t[-1]`` says where a wildcard comes from: False (a rule glob), True (bash pathname
    expansion: no leading ``.`` in a component, no leading ``~``), ``"dyn"`` (a run-time value)
    or ``"below"`` (a path strictly below a known root: as True, and no leading ``/``). Operand
    wildcards never produce glob characters, which rule classes such as ``[*]`` spell literally.
    """
    kind, restricted = t[0], t[-1]
    if restricted and c in "*?[":
        return False
    if restricted is True and ((at_start and c == ".") or (first and c == "~")):
        return False
    if restricted == "below" and ((at_start and c in "./") or (first and c == "~")):
        return False
    if kind == "**":
        return True
    if kind == "*":
        return c != "/"
    chars, neg = t[1], t[2]
    if neg:
        return c not in chars and c != "/"
    return c in chars


def _candidates(t: _Tok) -> frozenset[str] | None:
    """The explicit characters a token accepts, or None for 'all but a few'."""
    if t[0] == "c" and not t[2]:
        return t[1]  # type: ignore[no-any-return]
    return None


def _pair_ok(a: _Tok, b: _Tok, a_start: bool, b_start: bool, a_first: bool, b_first: bool) -> bool:
    """Whether some character satisfies both tokens."""
    for cand in (_candidates(a), _candidates(b)):
        if cand is not None:
            return any(
                _one_char_ok(a, c, a_start, a_first) and _one_char_ok(b, c, b_start, b_first)
                for c in cand
            )
    # both accept all but a finite set: some ordinary letter fits both
    return any(
        _one_char_ok(a, c, a_start, a_first) and _one_char_ok(b, c, b_start, b_first)
        for c in "xqZ9_"
    )


def _is_literal(t: _Tok) -> bool:
    """A token that stands for a known character other than ``/`` (or a case pair: ``[Ff]``)."""
    return t[0] == "c" and not t[2] and 1 <= len(t[1]) <= 2 and "/" not in t[1]


class OutOfBudget(Exception):
    """Raised when glob intersection tests for one command exceed their step budget."""


# Search steps allowed per rule and command; beyond, the operand counts as a possible match
# (prompt), so hostile input costs bounded time and never passes silently.
MATCH_STEPS = 20_000


def globs_intersect(a: list[_Tok], b: list[_Tok], budget: list[int] | None = None) -> bool:
    """Whether some string matches both rule glob ``a`` and operand glob ``b`` (a search over
    position pairs). Unless ``b`` holds a run-time value, at least one character the rule spells
    out (other than ``/``) must be spelled out by the operand too: ``tmp/*`` could expand to
    ``tmp/guardrails.toml``, but that guesses the very name the rule protects, so it does not
    count; ``~/.ss?/id_r*`` does."""
    la, lb = len(a), len(b)
    # a run-time value may be anything, so it need not spell anything out
    needs_lit = any(_is_literal(t) for t in a) and not any(t[-1] == "dyn" for t in b)

    def start(toks: list[_Tok], i: int, consumed: bool) -> bool:
        return not consumed and (i == 0 or toks[i - 1] == ("c", frozenset("/"), False, False))

    seen: set[tuple[int, int, bool, bool, bool]] = set()
    stack = [(0, 0, False, False, False)]
    while stack:
        st = stack.pop()
        if st in seen:
            continue
        seen.add(st)
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise OutOfBudget
        i, j, ca, cb, lit = st  # ca/cb: the star at i/j already produced a character
        if i == la and j == lb and (lit or not needs_lit):
            return True
        ta = a[i] if i < la else None
        tb = b[j] if j < lb else None
        a_star = ta is not None and ta[0] in ("*", "**")
        b_star = tb is not None and tb[0] in ("*", "**")
        if a_star:
            stack.append((i + 1, j, False, cb, lit))
        if b_star and (cb or tb is None or tb[-1] != "below"):
            stack.append((i, j + 1, ca, False, lit))
        if ta is None or tb is None:
            continue
        a_s, b_s = start(a, i, ca), start(b, j, cb)
        a_f, b_f = i == 0 and not ca, j == 0 and not cb
        if _pair_ok(ta, tb, a_s, b_s, a_f, b_f):
            both = lit or (_is_literal(ta) and _is_literal(tb))
            stack.append((i if a_star else i + 1, j if b_star else j + 1, a_star, b_star, both))
    return False


def expand_braces(word: str, limit: int = 64) -> list[str]:
    """Bash brace expansion of ``{a,b}`` groups (nested groups too), at most ``limit`` words."""
    out: list[str] = []
    todo = [word]
    while todo and len(out) < limit:
        w = todo.pop(0)
        m = lazy_regex(_BRACES).search(w)
        if m is None:
            out.append(w)
            continue
        for part in m.group(1).split(","):
            todo.append(w[: m.start()] + part + w[m.end() :])
    return out or [word]


def _resolve_vars(arg: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group("b") or m.group("s")
        known = _KNOWN_VARS.get(name)
        return known if known is not None else m.group(0)

    return lazy_regex(_VAR_RE).sub(sub, lazy_regex(_PWD_SUBST).sub(".", arg))


def _normalise(a: str) -> str:
    if a.startswith("./") and len(a) > 2 and a[2] != "$":  # `./$FIND_RESULT` stays below `.`
        a = a[2:]
    if a.startswith("/"):
        return normalize_lexically(a)
    if a == "~" or a.startswith("~/"):
        rest = normalize_lexically("/" + a[2:]) if len(a) > 2 else "/"
        return "~" if rest == "/" else "~" + rest
    if "/" in a and "$" not in a and "`" not in a:  # `build/../..` is `..`
        return posixpath.normpath(a)
    if len(a) > 1:
        a = a.rstrip("/") or "/"
    return a


def operand_variants(arg: str) -> set[str]:
    """The spellings an operand is matched under: as written, with known variables resolved
    (``$HOME`` → ``~``, ``$TMPDIR`` → ``/tmp``, ``$CODEX_HOME`` → ``~/.codex``), brace groups
    expanded, ``./`` and trailing slashes dropped, and ``.``/``..`` resolved lexically in
    absolute and ``~`` paths."""
    out = {arg}
    resolved = _resolve_vars(arg) if "$" in arg else arg
    for w in expand_braces(resolved) if "{" in resolved else [resolved]:
        out.add(_normalise(w))
    return out


def _dynamic_pattern(text: str) -> str:
    """An operand's source text with every run-time part (``$X``, ``${…}``, ``$(…)``, backticks)
    replaced by ``**`` (any text), as a glob pattern; glob characters of the text are kept."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            j = text.find("`", i + 1)
            i = n if j < 0 else j + 1
            out.append("\0")
        elif c == "$" and i + 1 < n and text[i + 1] in "({":
            close = ")" if text[i + 1] == "(" else "}"
            depth, j = 0, i + 1
            while j < n:
                if text[j] == text[i + 1]:
                    depth += 1
                elif text[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(_known_substitution(text[i + 2 : j]) if close == ")" else "\0")
            if close == "}" and text[i + 2 : j].split(":", 1)[0] in _WORD_VARS:
                out[-1] = "\2"
            i = j + 1
        elif c == "$" and i + 1 < n and (text[i + 1].isalnum() or text[i + 1] in "_@*#?!-$"):
            j = i + 2
            if text[i + 1].isalpha() or text[i + 1] == "_":
                while j < n and (text[j].isalnum() or text[j] == "_"):
                    j += 1
            name = text[i + 1 : j]
            below = name in _BELOW_VARS and i > 0 and text[i - 1] == "/"
            i = j
            out.append("\1" if below else "\2" if name in _WORD_VARS or name == "$" else "\0")
        else:
            out.append(c)
            i += 1
    return "".join(out)


# Run-time values that are one path component (never contain `/`): user and host names, ids,
# numbers. `$(cmd)` outputs known well enough to match by: a temporary directory, the cwd.
_WORD_VARS = frozenset(
    {
        "USER",
        "LOGNAME",
        "HOSTNAME",
        "UID",
        "EUID",
        "PPID",
        "RANDOM",
        "BASHPID",
        "SECONDS",
        "EPOCHSECONDS",
        "LINENO",
    }
)
_WORD_COMMANDS = ("whoami", "id", "date", "hostname", "uname", "basename", "nproc", "uuidgen")


def _known_substitution(body: str) -> str:
    """The glob a ``$(body)`` stands for: ``\0`` (anything) unless the command is known."""
    words = body.split()
    if not words:
        return "\0"
    if words[0] == "mktemp" and "-p" not in words and "--tmpdir" not in words:
        return "/tmp/\2"
    if words[0] == "pwd" or words[:3] == ["git", "rev-parse", "--show-toplevel"]:
        return "."
    if words[0] in _WORD_COMMANDS:
        return "\2"
    return "\0"


_RUNTIME_MARKS = frozenset("\0\1\2")


def _has_glob(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def literal_ends(glob: str) -> tuple[str, str]:
    """The text every match of ``glob`` starts with and ends with: the characters before its
    first ``*``, ``?`` or ``[`` and after its last ``*``, ``?``, ``[`` or ``]`` (the whole glob
    twice when it has none)."""
    start = end = glob
    for i, ch in enumerate(glob):
        if ch in "*?[":
            start = glob[:i]
            break
    for i in range(len(glob) - 1, -1, -1):
        if glob[i] in "*?[]":
            end = glob[i + 1 :]
            break
    return start, end


def simple_glob(glob: str) -> tuple[str, str, str] | None:
    """``(star, prefix, suffix)`` when ``glob`` is a literal with at most one ``*`` or ``**``
    (a one-character class such as ``[*]`` reads as its character), so that a text matches it
    exactly when it has the prefix and the suffix and, for ``*``, no ``/`` between them; ``star``
    is ``""`` for a literal. None for any other glob (its regex decides). Same answers as
    :func:`glob_to_regex` (tested)."""
    out: list[str] = []
    star = ""
    cut = -1
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "[":
            j = glob.find("]", i + 2)
            if j < 0:
                out.append(c)
                i += 1
                continue
            body = glob[i + 1 : j]
            if len(body) != 1 or body in "!^\\":
                return None
            out.append(body)
            i = j + 1
            continue
        if c == "?":
            return None
        if c == "*":
            if star:
                return None
            star = "**" if glob.startswith("**", i) else "*"
            cut = len(out)
            i += len(star)
            continue
        out.append(c)
        i += 1
    text = "".join(out)
    if not star:
        return "", text, ""
    return star, text[:cut], text[cut:]


def literal_runs(glob: str) -> tuple[str, ...]:
    """The literal runs of ``glob`` between its wildcards (``*``, ``**``, ``?``, ``[…]``), in
    order: every text the glob matches holds them in that order without overlapping, so a text
    that does not is ruled out without a regex (``**/.ssh/id_*`` against ``README.md``)."""
    runs: list[str] = []
    cur: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        j = glob.find("]", i + 2) if c == "[" else -1
        if c in "*?" or j >= 0:
            if cur:
                runs.append("".join(cur))
                cur = []
            i = j + 1 if j >= 0 else i + 1
            continue
        cur.append(c)
        i += 1
    if cur:
        runs.append("".join(cur))
    return tuple(runs)


def glob_shape(
    glob: str,
) -> tuple[str, str, tuple[str, str, str] | None, tuple[str, ...]]:
    """``(*literal_ends(glob), simple_glob(glob), literal_runs(glob))``, with the common shapes
    of rule globs (a literal; one ``*`` or ``**`` and no ``?``, ``[`` or ``]``) read with
    string methods instead of a loop over every character: a hook analyses each glob of every
    rule a command reaches (about 200 for ``rm -rf /``). Same answers (tested)."""
    if "?" not in glob and "[" not in glob and "]" not in glob:
        stars = glob.count("*")
        if stars == 0:
            return glob, glob, ("", glob, ""), (glob,) if glob else ()
        i = glob.find("*")
        star = "**" if stars == 2 and glob[i + 1 : i + 2] == "*" else "*" if stars == 1 else ""
        if star:
            pre, suf = glob[:i], glob[i + len(star) :]
            return pre, suf, (star, pre, suf), tuple(x for x in (pre, suf) if x)
    return (*literal_ends(glob), simple_glob(glob), literal_runs(glob))


def _runs_in_order(runs: tuple[str, ...], text: str) -> bool:
    pos = 0
    for run in runs:
        k = text.find(run, pos)
        if k < 0:
            return False
        pos = k + len(run)
    return True


def _simple_match(simple: tuple[str, str, str], text: str) -> bool:
    star, pre, suf = simple
    if not star:
        return text == pre
    if len(text) < len(pre) + len(suf) or not (text.startswith(pre) and text.endswith(suf)):
        return False
    return star == "**" or "/" not in text[len(pre) : len(text) - len(suf)]


def glob_match(glob: str, text: str) -> bool:
    """Whether ``text`` matches ``glob`` as a whole (:func:`glob_to_regex`). ``*`` and ``**``
    are decided directly; other globs compile their regex only when ``text`` has the glob's
    literal start, end and runs (:func:`glob_shape`)."""
    if glob == "*":
        return "/" not in text
    if glob == "**":
        return True
    return _shape_match(glob_shape(glob), text, glob)


def _shape_match(
    shape: tuple[str, str, tuple[str, str, str] | None, tuple[str, ...]],
    text: str,
    glob: str,
) -> bool:
    """Whether ``text`` matches ``glob``, whose :func:`glob_shape` is ``shape``: a literal or
    one-star glob without a regex, any other by its regex (compiled on first use and shared,
    :func:`cached_regex`) when ``text`` has the glob's literal start, end and runs."""
    start, end, simple, runs = shape
    if simple is not None:
        return _simple_match(simple, text)
    if not (text.startswith(start) and text.endswith(end)):
        return False
    if not _runs_in_order(runs, text):
        return False
    return cached_regex(glob).match(text) is not None


class Pattern:
    """A rule glob: its regex and tokens (compiled on first use, shared between rules), and
    whether it is a spelling glob (``$``)."""

    __slots__ = ("_regex", "_shape", "_tokens", "spelling", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # `$…` globs match variable spellings, `**…**` globs search the text: both look at the
        # source text only, never at what a run-time word or a bash glob may expand to
        contains = len(text) > 4 and text.startswith("**") and text.endswith("**")
        self.spelling = "$" in text or contains
        # glob_shape, on first use
        self._shape: tuple[str, str, tuple[str, str, str] | None, tuple[str, ...]] | None = None
        self._regex: re.Pattern[str] | None = None
        self._tokens: list[_Tok] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"

    def match(self, text: str) -> bool:
        """Whether ``text`` matches the glob as a whole (:func:`glob_match`), its
        :func:`glob_shape` read once per pattern."""
        shape = self._shape
        if shape is None:
            if self.text == "**":
                return True
            shape = self._shape = glob_shape(self.text)
        return _shape_match(shape, text, self.text)

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled regex (:func:`glob_to_regex`)."""
        if self._regex is None:
            self._regex = cached_regex(self.text)
        return self._regex

    @property
    def tokens(self) -> list[_Tok]:
        """The tokens for intersection tests (:func:`glob_tokens`)."""
        if self._tokens is None:
            self._tokens = glob_tokens(self.text, glob=False)
        return self._tokens


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def cached_regex(text: str) -> re.Pattern[str]:
    """:func:`glob_to_regex` of ``text``, compiled once per process."""
    rx = _REGEX_CACHE.get(text)
    if rx is None:
        rx = _REGEX_CACHE[text] = glob_to_regex(text)
    return rx


def _dyn_tokens(pattern: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for part in lazy_regex("([\0\1\2])").split(pattern):
        if part == "\0":
            toks.append(("**", "dyn"))
        elif part == "\1":
            toks.append(("**", "below"))
        elif part == "\2":  # one run-time path component: like a bash `*` (no leading `.`)
            toks.append(("*", True))
        elif part:
            toks += glob_tokens(part, glob=True)
    return toks


MAYBE = "maybe"


def operand_hit(
    op: str,
    dynamic: bool,
    pats: tuple[Pattern, ...],
    nots: tuple[Pattern, ...],
    budget: list[int] | None = None,
) -> str | None:
    """Whether operand ``op`` matches one of ``pats`` and none of ``nots``.

    Returns ``"yes"``, :data:`MAYBE` (only a run-time value could match) or None. A literal
    operand is matched by regex under each of its :func:`operand_variants`; an operand holding
    glob characters, or run-time parts (``dynamic``: the shell layer says its value is only known
    at run time; its ``$…``/backtick parts then stand for any text), matches when its possible
    expansions intersect the rule glob.
    """
    variants = operand_variants(op)
    # spelling globs see the source text only
    spelled = any(p.match(v) for p in pats if p.spelling for v in variants)
    if spelled and not any(p.match(v) for p in nots for v in variants):
        return "yes"
    path_pats = [p for p in pats if not p.spelling]
    if not path_pats:
        return None
    literal_hits = [v for v in variants if any(p.match(v) for p in path_pats)]
    if literal_hits:
        if any(not any(p.match(v) for p in nots) for v in literal_hits):
            return "yes"
        return None
    normalised = variants - {op} if len(variants) > 1 else variants
    for v in normalised:
        pattern = v
        if dynamic:  # the shell layer says bash only knows this word at run time
            pattern = _dynamic_pattern(v)
            if not _RUNTIME_MARKS & set(pattern) and "$" not in op and "`" not in op:
                pattern = "\0"  # e.g. `<xargs input>`: no visible expansion, all unknown
        runtime = bool(_RUNTIME_MARKS & set(pattern))
        if not runtime and (not _has_glob(pattern) or any(ch.isspace() for ch in pattern)):
            continue  # a word with blanks came quoted: its `*` is text, not a glob
        toks = _dyn_tokens(pattern)
        if len(toks) > _MAX_PATTERN_TOKENS:
            return MAYBE
        try:
            if not any(globs_intersect(p.tokens, toks, budget) for p in path_pats):
                continue
        except OutOfBudget:
            return MAYBE
        shown = pattern.replace("\0", "**").replace("\1", "**").replace("\2", "*")
        if any(p.match(shown) for p in nots):
            continue
        return MAYBE if runtime else "yes"
    return None
