"""Evaluate ``.rules`` files with starlark-pyo3 into a :class:`Policy`.

Follows Codex's ``codex-rs/execpolicy/src/parser.rs`` (execpolicy.md §1): each file is parsed
with the Starlark *extended* dialect plus f-strings, the globals are the standard library and the
builtins ``prefix_rule``, ``network_rule`` and ``host_executable``; rules accumulate across files
in one parser; ``match``/``not_match`` examples are validated once the whole file evaluated. With
``guard_builtins=True`` (built-in packs and ``guard/`` folders only, which Codex never loads) the
file may also call codex-guard's ``guard_rule`` (see ``guard.py``).
"""

from __future__ import annotations

from codex_guard.policy import rshlex
from codex_guard.policy.errors import PolicyError
from codex_guard.policy.network import NetworkRule, NetworkRuleError, normalize_host, parse_protocol
from codex_guard.policy.paths import normalize_lexically
from codex_guard.policy.policy import Policy
from codex_guard.policy.rule import DECISIONS, PrefixRule, RuleMatch, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from codex_guard.policy.rule import Token


class _RuleError(Exception):
    """Raised inside a builtin; starlark renders it as ``error: _RuleError: <msg>``."""


def _locations(text: str) -> list[tuple[int, int]]:
    r"""``(line, column)`` of every `` --> path:line:col`` line of a starlark error (the same as
    the regex ``^ --> (.*):(\d+):(\d+)$`` in multi-line mode, without importing ``re``)."""
    out = []
    for ln in text.split("\n"):
        if not ln.startswith(" --> "):
            continue
        head, _, col = ln.rpartition(":")
        _, _, line = head.rpartition(":")
        if ":" in head and line.isdecimal() and col.isdecimal():
            out.append((int(line), int(col)))
    return out


def starlark_type(v: object) -> str:
    """The Starlark type name of a converted value (``string``, ``list``, ``NoneType`` …)."""
    if v is None:
        return "NoneType"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, list):
        return "list"
    if isinstance(v, tuple):
        return "tuple"
    if isinstance(v, dict):
        return "dict"
    return "function" if callable(v) else type(v).__name__


def starlark_repr(v: object) -> str:
    """An approximation of Starlark's ``repr`` for converted values."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(starlark_repr(x) for x in v) + "]"
    if isinstance(v, tuple):
        inner = ", ".join(starlark_repr(x) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, dict):
        return (
            "{" + ", ".join(f"{starlark_repr(k)}: {starlark_repr(x)}" for k, x in v.items()) + "}"
        )
    return str(v)


_PY_TO_SIG = {"str": str, "list": list, "bool": bool}


def bind(
    fn: str, params: list[tuple[str, str, bool]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Bind a builtin call like starlark-rust's typed signatures do.

    Args:
        fn: the builtin's name (for messages).
        params: ``(name, type, required)`` in positional order; type is ``str``/``list``/``bool``.
        args, kwargs: the call's arguments.

    Returns:
        name → value for every parameter given.

    Raises:
        _RuleError: with starlark's wording for extra, missing or mistyped parameters.
    """
    if len(args) > len(params):
        raise _RuleError(
            f"Found {len(args) - len(params)} extra positional parameter(s) for call to {fn}"
        )
    bound: dict[str, Any] = {}
    for (name, _t, _r), value in zip(params, args, strict=False):
        bound[name] = value
    names = {p[0] for p in params}
    extra = [k for k in kwargs if k not in names]
    if extra:
        listed = ", ".join(f"`{k}`" for k in extra)
        raise _RuleError(f"Found {listed} extra named parameter(s) for call to {fn}")
    for k, v in kwargs.items():
        if k in bound:
            raise _RuleError(f"Multiple values for parameter `{k}` in call to {fn}")
        bound[k] = v
    for name, tname, required in params:
        if name not in bound:
            if required:
                raise _RuleError(f"Missing parameter `{name}` for call to `{fn}`")
            continue
        v = bound[name]
        ok = isinstance(v, _PY_TO_SIG[tname]) and not (tname != "bool" and isinstance(v, bool))
        if not ok:
            raise _RuleError(
                f"Type of parameter `{name}` doesn't match, expected `{tname}`, actual "
                f"`{starlark_type(v)} (repr: {starlark_repr(v)})`"
            )
    return bound


def parse_decision(raw: str | None) -> str:
    """``Decision::parse``: None → allow; exactly allow/prompt/forbidden, else an error."""
    if raw is None:
        return "allow"
    if raw not in DECISIONS:
        raise _RuleError(f"invalid decision: {raw}")
    return raw


def parse_justification(raw: str | None) -> str | None:
    """A justification is kept verbatim, but may not be blank."""
    if raw is not None and not raw.strip():
        raise _RuleError("invalid rule: justification cannot be empty")
    return raw


def parse_examples(raw: list[Any] | None) -> list[list[str]]:
    """Tokenise ``match``/``not_match`` examples (strings with Rust shlex 1.3.0)."""
    out: list[list[str]] = []
    for ex in raw or []:
        if isinstance(ex, str):
            toks = rshlex.split(ex)
            if toks is None:
                raise _RuleError("invalid example: example string has invalid shell syntax")
            if not toks:
                raise _RuleError("invalid example: example cannot be an empty string")
            out.append(toks)
        elif isinstance(ex, list):
            if not ex:
                raise _RuleError("invalid example: example cannot be an empty list")
            for t in ex:
                if not isinstance(t, str):
                    raise _RuleError(
                        f"invalid example: example tokens must be strings (got {starlark_type(t)})"
                    )
            out.append(list(ex))
        else:
            raise _RuleError(
                "invalid example: example must be a string or list of strings "
                f"(got {starlark_type(ex)})"
            )
    return out


def _parse_pattern(raw: list[Any]) -> list[Token]:
    toks: list[Token] = []
    for el in raw:
        if isinstance(el, str):
            toks.append(el)
        elif isinstance(el, list):
            if not el:
                raise _RuleError("invalid pattern element: pattern alternatives cannot be empty")
            for alt in el:
                if not isinstance(alt, str):
                    raise _RuleError(
                        "invalid pattern element: pattern alternative must be a string "
                        f"(got {starlark_type(alt)})"
                    )
            toks.append(el[0] if len(el) == 1 else tuple(el))
        else:
            raise _RuleError(
                "invalid pattern element: pattern element must be a string or list of strings "
                f"(got {starlark_type(el)})"
            )
    if not toks:
        raise _RuleError("invalid pattern element: pattern cannot be empty")
    return toks


class _Pending:
    """One builtin call whose examples wait for the end of the file."""

    __slots__ = ("call_index", "guard", "match", "not_match", "rules", "source")

    def __init__(
        self,
        call_index: int,
        rules: list[Any],
        match: list[list[str]],
        not_match: list[list[str]],
        source: Source,
        guard: bool = False,
    ) -> None:
        self.call_index = call_index
        self.rules = rules
        self.match = match
        self.not_match = not_match
        self.source = source
        self.guard = guard


class PolicyParser:
    """Parses rules files in sequence into one :class:`Policy` (Codex ``PolicyParser``).

    Attributes:
        policy: the accumulated policy.
        examples: when a list, every ``match``/``not_match`` example's outcome is appended to
            it and failing examples do not raise (``codex-guard test``); when None (the
            default) the first failure raises as in Codex.
    """

    __slots__ = ("examples", "policy")

    def __init__(
        self, policy: Policy | None = None, examples: list[ExampleResult] | None = None
    ) -> None:
        self.policy = Policy() if policy is None else policy
        self.examples = examples

    def parse(
        self, path: str, contents: str, *, layer: str = "extra", guard_builtins: bool = False
    ) -> None:
        """Evaluate one file and validate its examples.

        Args:
            path: the file's path (used in messages and rule sources).
            contents: its text.
            layer: layer name recorded on each rule (``builtin``, ``system``, ``user``,
                ``project``, ``extra``).
            guard_builtins: whether ``guard_rule`` is available.

        Raises:
            PolicyError: a parse, evaluation or example-validation failure, with the message
                Codex prints and the file/line/column.
        """
        import starlark as sl

        lines, maybe_tuples = _call_lines(contents)
        pending: list[_Pending] = []
        state = {"calls": 0, "fail_at": -1}

        idx_by_kind = {"prefix_rule": 0, "guard_rule": 0, "network_rule": 0}

        def located(kind: str) -> Source:
            known = lines[kind]
            k = idx_by_kind[kind]
            return Source(path, known[k] if k < len(known) else None, layer)

        def enter() -> int:
            i = state["calls"]
            state["calls"] += 1
            if i == state["fail_at"]:
                raise _RuleError("<locate>")
            return i

        def prefix_rule(*args: Any, **kwargs: Any) -> None:
            i = enter()
            args, kwargs = tuples.restore(i, args, kwargs)
            b = bind(
                "prefix_rule",
                [
                    ("pattern", "list", True),
                    ("decision", "str", False),
                    ("match", "list", False),
                    ("not_match", "list", False),
                    ("justification", "str", False),
                    ("canonical_matching", "bool", False),
                ],
                args,
                kwargs,
            )
            decision = parse_decision(b.get("decision"))
            justification = parse_justification(b.get("justification"))
            toks = _parse_pattern(b["pattern"])
            match = parse_examples(b.get("match"))
            not_match = parse_examples(b.get("not_match"))
            src = located("prefix_rule")
            idx_by_kind["prefix_rule"] += 1
            firsts = toks[0] if isinstance(toks[0], tuple) else (toks[0],)
            rules = [
                PrefixRule(
                    first,
                    tuple(toks[1:]),
                    decision,
                    justification,
                    src,
                    canonical=bool(b.get("canonical_matching", False)),
                )
                for first in firsts
            ]
            for r in rules:
                self.policy.add_rule(r)
            pending.append(_Pending(i, list(rules), match, not_match, src))

        def host_executable(*args: Any, **kwargs: Any) -> None:
            args, kwargs = tuples.restore(enter(), args, kwargs)
            b = bind(
                "host_executable", [("name", "str", True), ("paths", "list", True)], args, kwargs
            )
            name: str = b["name"]
            if not name:
                raise _RuleError("invalid rule: host_executable name cannot be empty")
            if "/" in name or name in (".", ".."):
                raise _RuleError(
                    "invalid rule: host_executable name must be a bare executable name "
                    f"(got {name})"
                )
            paths: list[str] = []
            for p in b["paths"]:
                if not isinstance(p, str):
                    raise _RuleError(
                        "invalid rule: host_executable paths must be strings "
                        f"(got {starlark_type(p)})"
                    )
                if not p.startswith("/"):
                    raise _RuleError(
                        f"invalid rule: host_executable paths must be absolute (got {p})"
                    )
                norm = normalize_lexically(p)
                if norm.rsplit("/", 1)[-1] != name:
                    raise _RuleError(
                        f"invalid rule: host_executable path `{p}` must have basename `{name}`"
                    )
                if norm not in paths:
                    paths.append(norm)
            self.policy.host_executables[name] = paths

        def network_rule(*args: Any, **kwargs: Any) -> None:
            args, kwargs = tuples.restore(enter(), args, kwargs)
            b = bind(
                "network_rule",
                [
                    ("host", "str", True),
                    ("protocol", "str", True),
                    ("decision", "str", True),
                    ("justification", "str", False),
                ],
                args,
                kwargs,
            )
            try:
                proto = parse_protocol(b["protocol"])
            except NetworkRuleError as e:
                raise _RuleError(f"invalid rule: {e}") from None
            decision = "forbidden" if b["decision"] == "deny" else parse_decision(b["decision"])
            justification = parse_justification(b.get("justification"))
            try:
                host = normalize_host(b["host"])
            except NetworkRuleError as e:
                raise _RuleError(f"invalid rule: {e}") from None
            src = located("network_rule")
            idx_by_kind["network_rule"] += 1
            self.policy.network_rules.append(NetworkRule(host, proto, decision, justification, src))

        def guard_rule(*args: Any, **kwargs: Any) -> None:
            from codex_guard.policy.guard import GuardRule

            i = enter()
            args, kwargs = tuples.restore(i, args, kwargs)
            b = bind("guard_rule", GuardRule.PARAMS, args, kwargs)
            src = located("guard_rule")
            idx_by_kind["guard_rule"] += 1
            rule = GuardRule.from_args(b, src, parse_decision, parse_justification, _RuleError)
            self.policy.guard_rules.append(rule)
            pending.append(
                _Pending(
                    i,
                    [rule],
                    parse_examples(b.get("match")),
                    parse_examples(b.get("not_match")),
                    src,
                    guard=True,
                )
            )

        builtins: dict[str, Callable[..., None]] = {
            "prefix_rule": prefix_rule,
            "host_executable": host_executable,
            "network_rule": network_rule,
        }
        if guard_builtins:
            builtins["guard_rule"] = guard_rule

        tuples = _TupleMasks.find(path, contents, list(builtins)) if maybe_tuples else _NO_TUPLES

        def evaluate() -> None:
            dialect, standard = _starlark_env()
            module = sl.Module()
            for name, fn in builtins.items():
                module.add_callable(name, fn)
            ast = sl.parse(path, contents, dialect)
            sl.eval(module, ast, standard)

        try:
            evaluate()
        except sl.StarlarkError as e:
            raise _starlark_error(str(e), path) from None
        self.policy.files.append(path)
        if self.examples is not None:
            for p in pending:
                self.examples += _example_results(p, self.policy.host_executables)
            return
        err = self._validate(pending)
        if err is not None:
            message, call_index = err
            # Re-run the file, failing at that call, to learn its position from starlark.
            state["calls"], state["fail_at"] = 0, call_index
            idx_by_kind.update(prefix_rule=0, guard_rule=0, network_rule=0)
            saved = (dict(self.policy.rules_by_program), list(self.policy.guard_rules))
            line = col = None
            try:
                evaluate()
            except sl.StarlarkError as e:
                locs = _locations(str(e))
                if locs:
                    line, col = locs[-1]
            finally:
                self.policy.rules_by_program, self.policy.guard_rules = saved[0], saved[1]
            raise PolicyError(message, path, line, col)

    def _validate(self, pending: list[_Pending]) -> tuple[str, int] | None:
        for p in pending:
            if p.guard:
                from codex_guard.policy.guard import validate_guard_examples

                msg = validate_guard_examples(p.rules[0], p.match, p.not_match)
                if msg is not None:
                    return msg, p.call_index
                continue
            tmp = Policy(host_executables=dict(self.policy.host_executables))
            for r in p.rules:
                tmp.add_rule(r)
            for ex in p.not_match:
                ms = tmp.matches(ex, resolve_host_executables=True)
                if ms:
                    rendered = rshlex.try_join(ex) or "unable to render example"
                    return (
                        f"expected example to not match rule `{ms[0].debug()}`: {rendered}",
                        p.call_index,
                    )
            unmatched = [
                rshlex.try_join(ex) or "unable to render example"
                for ex in p.match
                if not tmp.matches(ex, resolve_host_executables=True)
            ]
            if unmatched:
                from codex_guard.policy.rule import rust_debug_str

                rules = ", ".join(rust_debug_str(r.debug()) for r in p.rules)
                exs = ", ".join(rust_debug_str(u) for u in unmatched)
                return (
                    "expected every example to match at least one rule. "
                    f"rules: [{rules}]; unmatched examples: [{exs}]",
                    p.call_index,
                )
        return None


class ExampleResult:
    """The outcome of one ``match``/``not_match`` example of one rule call.

    Attributes:
        source: the rule call's file, line and layer.
        rule: the rule's pattern, readable (``git [push|fetch]``).
        kind: ``match`` or ``not_match``.
        example: the example, shell-quoted as Codex renders it.
        passed: whether the example behaved as declared.
        matched_by: for a failing ``not_match``, the rule match it produced (Rust debug text).
    """

    __slots__ = ("example", "kind", "matched_by", "passed", "rule", "source")

    def __init__(
        self,
        source: Source,
        rule: str,
        kind: str,
        example: str,
        passed: bool,
        matched_by: str | None = None,
    ) -> None:
        self.source = source
        self.rule = rule
        self.kind = kind
        self.example = example
        self.passed = passed
        self.matched_by = matched_by

    def _key(self) -> tuple[object, ...]:
        return (self.source, self.rule, self.kind, self.example, self.passed, self.matched_by)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExampleResult) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"ExampleResult(source={self.source!r}, rule={self.rule!r}, kind={self.kind!r}, "
            f"example={self.example!r}, passed={self.passed!r}, matched_by={self.matched_by!r})"
        )


def _example_results(p: _Pending, host_executables: dict[str, list[str]]) -> list[ExampleResult]:
    """Every example of one call checked as Codex does (temporary policy of that call's rules
    plus the host executables known so far, host resolution on)."""
    if p.guard:
        from codex_guard.policy.guard import example_command

        rule = p.rules[0]

        def hits(ex: list[str]) -> str | None:
            # the same test as validate_guard_examples: pipes and redirects in the example are
            # the command's context; a match example needs the rule's own decision (not one
            # capped at prompt by a run-time operand)
            argv, ctx = example_command(ex)
            m = rule.match(argv, ctx)
            return None if m is None else str(rule.debug())

        def counts(ex: list[str], kind: str) -> bool:
            argv, ctx = example_command(ex)
            m = rule.match(argv, ctx)
            if kind == "not_match":
                return m is None
            return m is not None and m.decision == rule.decision
    else:
        tmp = Policy(host_executables=dict(host_executables))
        for r in p.rules:
            tmp.add_rule(r)

        def hits(ex: list[str]) -> str | None:
            ms = tmp.matches(ex, resolve_host_executables=True)
            return ms[0].debug() if ms else None

        def counts(ex: list[str], kind: str) -> bool:
            return (hits(ex) is None) == (kind == "not_match")

    toks = list(p.rules[0].pattern_tokens())
    if len(p.rules) > 1:
        toks[0] = "[" + "|".join(r.first for r in p.rules) + "]"
    text = " ".join(toks)
    out = []
    for kind, examples in (("not_match", p.not_match), ("match", p.match)):
        for ex in examples:
            hit = hits(ex)
            passed = counts(ex, kind)
            rendered = rshlex.try_join(ex) or "unable to render example"
            by = hit if kind == "not_match" else None
            out.append(ExampleResult(p.source, text, kind, rendered, passed, by))
    return out


_ENV: list[Any] = []


def _starlark_env() -> tuple[Any, Any]:
    """Codex's dialect (extended, with f-strings) and the standard globals, built once per
    process (the globals take milliseconds to build)."""
    if not _ENV:
        import starlark as sl

        dialect = sl.Dialect.extended()
        dialect.enable_f_strings = True
        _ENV.extend([dialect, sl.Globals.standard()])
    return _ENV[0], _ENV[1]


def _starlark_error(text: str, path: str) -> PolicyError:
    text = text.replace("error: _RuleError: ", "error: ")
    locs = _locations(text)
    line = col = None
    if locs:
        line, col = locs[-1]
    return PolicyError("starlark error: " + text, path, line, col)


# starlark-pyo3 hands Starlark tuples to Python as lists, but Codex's builtins refuse tuples where
# they want lists. When a file may contain tuples, a first evaluation with recording stand-ins
# (written in Starlark, where ``type()`` still tells them apart) notes, per builtin call, which
# values were tuples, three levels deep (argument, element, alternative/token); the real
# evaluation then turns those lists back into tuples before checking, so the messages are Codex's.
_MASK_PRELUDE = """
def __cg_m2(v):
    t = type(v)
    return [t, [type(x) for x in v]] if t in ("list", "tuple") else t
def __cg_m1(v):
    t = type(v)
    return [t, [__cg_m2(x) for x in v]] if t in ("list", "tuple") else t
def __cg_m0(v):
    t = type(v)
    return [t, [__cg_m1(x) for x in v]] if t in ("list", "tuple") else t
"""
_MASK_STUB = """
def {name}(*args, **kwargs):
    __cg_record([__cg_m0(a) for a in args], {{k: __cg_m0(v) for k, v in kwargs.items()}})
"""


def _retuple(value: Any, mask: Any) -> Any:
    if not isinstance(mask, list) or not isinstance(value, list) or len(mask) != 2:
        return value
    kinds = mask[1]
    items = [_retuple(v, m) for v, m in zip(value, kinds, strict=False)] + value[len(kinds) :]
    return tuple(items) if mask[0] == "tuple" else items


class _TupleMasks:
    """Per builtin call (in call order), the tuple masks of its positional and named args."""

    __slots__ = ("calls",)

    def __init__(self, calls: list[tuple[list[Any], dict[str, Any]]] | None = None) -> None:
        self.calls: list[tuple[list[Any], dict[str, Any]]] = [] if calls is None else calls

    @classmethod
    def find(cls, path: str, contents: str, names: list[str]) -> _TupleMasks:
        """Record the masks with a stand-in evaluation; empty when that evaluation fails (the
        real one then reports the failure)."""
        import starlark as sl

        out = cls()
        dialect, standard = _starlark_env()
        module = sl.Module()
        module.add_callable("__cg_record", lambda a, k: out.calls.append((a, k)))
        prelude = _MASK_PRELUDE + "".join(_MASK_STUB.format(name=n) for n in names)
        try:
            sl.eval(module, sl.parse(path, prelude + contents, dialect), standard)
        except sl.StarlarkError:
            return cls()
        return out

    def restore(
        self, index: int, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``args``/``kwargs`` of call ``index`` with recorded tuples turned back into tuples."""
        if index >= len(self.calls):
            return args, kwargs
        amask, kmask = self.calls[index]
        args = tuple(_retuple(v, m) for v, m in zip(args, amask, strict=False)) + args[len(amask) :]
        kwargs = {k: _retuple(v, kmask.get(k)) for k, v in kwargs.items()}
        return args, kwargs


_NO_TUPLES = _TupleMasks()


_BUILTINS = ("prefix_rule", "guard_rule", "network_rule")
_KEYWORDS = frozenset(
    [
        "False",
        "None",
        "True",
        "and",
        "as",
        "assert",
        "async",
        "await",
        "break",
        "class",
        "continue",
        "def",
        "del",
        "elif",
        "else",
        "except",
        "finally",
        "for",
        "from",
        "global",
        "if",
        "import",
        "in",
        "is",
        "lambda",
        "nonlocal",
        "not",
        "or",
        "pass",
        "raise",
        "return",
        "try",
        "while",
        "with",
        "yield",
    ]
)
_STRING_PREFIXES = frozenset(
    [
        "r",
        "u",
        "R",
        "U",
        "f",
        "F",
        "fr",
        "Fr",
        "fR",
        "FR",
        "rf",
        "rF",
        "Rf",
        "RF",
        "b",
        "B",
        "br",
        "Br",
        "bR",
        "BR",
        "rb",
        "rB",
        "Rb",
        "RB",
    ]
)
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _scan_calls(contents: str) -> tuple[dict[str, list[int]], bool] | None:
    """What :func:`_call_lines` finds, by a plain scan of the source (no ``ast`` import, a cache
    miss's biggest import): the line of every ``prefix_rule(``/``guard_rule(``/``network_rule(``
    call in source order, and whether the file may build a tuple (an over-estimate: a comma
    outside call, list and dict brackets, ``()``, a ``for a, b`` target or the name ``tuple``).

    Returns None for anything outside the plain subset it reads exactly (non-ASCII or ``\r``
    outside strings, backslash continuations, f-strings with fields, unbalanced brackets); the
    caller then asks ``ast``.
    """
    out: dict[str, list[int]] = {k: [] for k in _BUILTINS}
    if "\r" in contents or "\x0c" in contents:
        return None
    tuples = False
    stack: list[str] = []  # "(" call, "g" grouping, "[" list, "s" subscript, "{"
    fors: list[int] = []  # bracket depths of `for` targets not yet closed by `in`
    prev = ""  # the previous significant token: a name, "str", "num", ")" or an operator
    fstring = False
    line, i, n = 1, 0, len(contents)
    while i < n:
        c = contents[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c in " \t":
            i += 1
            continue
        if c == "#":
            j = contents.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in _NAME_START:
            j = i + 1
            while j < n and contents[j] in _NAME_CHARS:
                j += 1
            name = contents[i:j]
            if j < n and contents[j] in "'\"" and name in _STRING_PREFIXES:
                fstring = "f" in name or "F" in name
                c, i = contents[j], j  # the string itself, below
            else:
                if name == "tuple":
                    tuples = True
                elif name == "for":
                    fors.append(len(stack))
                elif name == "in" and fors and fors[-1] == len(stack):
                    fors.pop()
                elif name in out and prev not in (".", "def"):
                    k = j
                    while k < n and (contents[k] in " \t" or (stack and contents[k] == "\n")):
                        k += 1
                    if k < n and contents[k] == "(":
                        out[name].append(line)
                    elif k < n and contents[k] in "#\\)":
                        return None  # a comment or continuation before `(`, `(prefix_rule)(…)`
                prev = name
                i = j
                continue
        if c in "'\"":
            triple = contents.startswith(c * 3, i)
            end = c * 3 if triple else c
            j = i + len(end)
            while True:
                if j >= n:
                    return None
                ch = contents[j]
                if ch == "\\":
                    j += 2
                    continue
                if ch == "\n" and not triple:
                    return None
                if contents.startswith(end, j):
                    break
                j += 1
            if fstring and "{" in contents[i:j]:
                return None  # a replacement field could hold a call or a tuple
            line += contents.count("\n", i, j)
            i = j + len(end)
            prev, fstring = "str", False
            continue
        if c in "0123456789":
            j = i + 1
            while j < n and (contents[j] in _NAME_CHARS or contents[j] == "."):
                j += 1
            i, prev = j, "num"
            continue
        if not c.isascii() or c == "\\":
            return None
        after_value = prev in (")", "str") or (prev[:1] in _NAME_START and prev not in _KEYWORDS)
        if c == "(":
            stack.append("(" if after_value else "g")
        elif c == "[":
            stack.append("s" if after_value else "[")
        elif c == "{":
            stack.append("{")
        elif c in _CLOSERS:
            if not stack or _CLOSERS[c] != stack[-1].replace("g", "(").replace("s", "["):
                return None
            if c == ")" and stack[-1] == "g" and prev == "(":
                tuples = True  # ()
            while fors and fors[-1] > len(stack) - 1:
                fors.pop()
            stack.pop()
            c = ")"  # any closer ends a value
        elif c == "," and (not stack or stack[-1] in "gs" or (fors and fors[-1] == len(stack))):
            tuples = True
        prev = c
        i += 1
    if stack:
        return None
    return out, tuples


def _call_lines(contents: str) -> tuple[dict[str, list[int]], bool]:
    """Line numbers of builtin calls in source order, and whether the file may build tuples.
    Lines label rules with where they come from. Read by :func:`_scan_calls`; where it cannot
    be sure, with Python's ``ast`` (Starlark's syntax is a subset of Python's): empty when the
    file is not Python-parsable, which also counts as "may build tuples"."""
    scanned = _scan_calls(contents)
    if scanned is not None:
        return scanned
    return _ast_call_lines(contents)


def _ast_call_lines(contents: str) -> tuple[dict[str, list[int]], bool]:
    """:func:`_call_lines` with Python's ``ast``."""
    import ast

    out: dict[str, list[int]] = {k: [] for k in _BUILTINS}
    try:
        tree = ast.parse(contents)
    except (SyntaxError, ValueError):
        return out, True
    maybe_tuples = any(
        isinstance(n, ast.Tuple) or (isinstance(n, ast.Name) and n.id == "tuple")
        for n in ast.walk(tree)
    )
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in out
    ]
    for n in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        assert isinstance(n.func, ast.Name)
        out[n.func.id].append(n.lineno)
    return out, maybe_tuples


def read_rules(path: str) -> str:
    """Read a rules file as UTF-8.

    Raises:
        PolicyError: with ``read_error=True`` and Codex's wording (``<strerror> (os error N)``).
    """
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as e:
        raise PolicyError(f"{e.strerror} (os error {e.errno})", path, read_error=True) from None
    except UnicodeDecodeError as e:
        msg = f"stream did not contain valid UTF-8: {e}"
        raise PolicyError(msg, path, read_error=True) from None


def load_policy(paths: list[str]) -> Policy:
    """Parse ``paths`` in order with one parser, as ``codex execpolicy check --rules …`` does.

    Raises:
        PolicyError: a file could not be read (``read_error=True``) or parsed.
    """
    parser = PolicyParser()
    for p in paths:
        parser.parse(p, read_rules(p))
    return parser.policy


__all__ = ["PolicyParser", "RuleMatch", "load_policy"]
