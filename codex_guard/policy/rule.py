"""Rules, patterns and matches of the execpolicy language.

Mirrors ``codex-rs/execpolicy/src/rule.rs`` and ``decision.rs`` (execpolicy.md §1.2, §2): a
``PrefixRule`` matches a command when its first token equals the program and every further pattern
token equals (or, for alternatives, is among) the command token at the same position. The
``Debug`` renderings reproduce the Rust ``{:?}`` text that Codex puts into example errors.
"""

from __future__ import annotations

from codex_guard._record import FrozenRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol, TypeAlias

DECISIONS = ("allow", "prompt", "forbidden")
_RANK = {"allow": 0, "prompt": 1, "forbidden": 2}


def decision_rank(decision: str) -> int:
    """Order of strictness: allow 0 < prompt 1 < forbidden 2 (Codex ``Decision`` derives Ord)."""
    return _RANK[decision]


def strictest(decisions: list[str]) -> str | None:
    """The strictest of ``decisions``, or ``None`` for an empty list."""
    return max(decisions, key=decision_rank) if decisions else None


def rust_debug_str(s: str) -> str:
    """Render ``s`` as Rust's ``<str as Debug>`` does: double quotes, escapes for ``"``, ``\\``,
    ``\\n``, ``\\r``, ``\\t``, ``\\0`` and ``\\u{…}`` for other control characters."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\0":
            out.append("\\0")
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append(f"\\u{{{o:x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _debug_vec(items: list[str]) -> str:
    return "[" + ", ".join(rust_debug_str(x) for x in items) + "]"


def _debug_decision(decision: str) -> str:
    return decision[0].upper() + decision[1:]


def _debug_opt(value: str | None) -> str:
    return "None" if value is None else f"Some({rust_debug_str(value)})"


if TYPE_CHECKING:
    Token: TypeAlias = str | tuple[str, ...]
    """A pattern token after the first: a literal, or a tuple of alternatives (Codex ``Alts``)."""


class Source(FrozenRecord):
    """Where a rule was declared: the file, the 1-based line (when known) and the layer name.

    Immutable by convention; equal and hashable by value."""

    __slots__ = ("layer", "line", "path")
    _FIELDS = ("path", "line", "layer")

    def __init__(self, path: str, line: int | None = None, layer: str = "extra") -> None:
        self.path = path
        self.line = line
        self.layer = layer

    def to_plain(self) -> tuple[str, int | None, str]:
        """``(path, line, layer)``: marshal-able data (the policy cache)."""
        return (self.path, self.line, self.layer)

    @classmethod
    def from_plain(cls, data: object) -> Source:
        """The inverse of :meth:`to_plain`.

        Raises:
            ValueError: ``data`` does not have the expected shape.
        """
        if (
            type(data) is tuple
            and len(data) == 3
            and type(data[0]) is str
            and (data[1] is None or type(data[1]) is int)
            and type(data[2]) is str
        ):
            return cls(data[0], data[1], data[2])
        raise ValueError("bad Source")


_MEMORY = Source("<memory>")


def is_token(t: object) -> bool:
    """Whether ``t`` is a pattern token: a string or a tuple of strings."""
    return type(t) is str or (type(t) is tuple and all(type(x) is str for x in t))


class PrefixRule(FrozenRecord):
    """One ``prefix_rule`` for one first-token alternative.

    Attributes:
        first: the program token (byte-exact).
        rest: the following tokens, each a literal or a tuple of alternatives.
        decision: ``allow`` | ``prompt`` | ``forbidden``.
        canonical: the ``canonical_matching`` flag Codex 0.169.0 accepts (stored and shown in
            messages; it changes nothing ``codex execpolicy check`` reports).
        justification: the rule's justification, verbatim, or None.
        source: where it was declared.
    """

    __slots__ = ("canonical", "decision", "first", "justification", "rest", "source")
    _FIELDS = ("first", "rest", "decision", "justification", "source", "canonical")
    _COMPARED = (
        "first",
        "rest",
        "decision",
        "justification",
        "canonical",
    )  # equality ignores the source

    def __init__(
        self,
        first: str,
        rest: tuple[Token, ...],
        decision: str,
        justification: str | None = None,
        source: Source | None = None,
        canonical: bool = False,
    ) -> None:
        self.first = first
        self.rest = rest
        self.decision = decision
        self.justification = justification
        self.source = _MEMORY if source is None else source
        self.canonical = canonical

    def to_plain(self) -> tuple[object, ...]:
        """Marshal-able data (the policy cache): the fields in constructor order, the source as
        :meth:`Source.to_plain`."""
        return (
            self.first,
            self.rest,
            self.decision,
            self.justification,
            self.source.to_plain(),
            self.canonical,
        )

    @classmethod
    def from_plain(cls, data: object) -> PrefixRule:
        """The inverse of :meth:`to_plain`.

        Raises:
            ValueError: ``data`` does not have the expected shape.
        """
        if not (type(data) is tuple and len(data) == 6):
            raise ValueError("bad PrefixRule")
        first, rest, decision, just, src, canonical = data
        if not (
            type(first) is str
            and type(rest) is tuple
            and decision in DECISIONS
            and (just is None or type(just) is str)
            and type(canonical) is bool
            and type(src) is tuple
            and len(src) == 3
            and type(src[0]) is str
            and (src[1] is None or type(src[1]) is int)
            and type(src[2]) is str
        ):
            raise ValueError("bad PrefixRule")
        for t in rest:
            if type(t) is not str and not is_token(t):
                raise ValueError("bad PrefixRule")
        rule = cls.__new__(cls)
        rule.first = first
        rule.rest = rest
        rule.decision = decision
        rule.justification = just
        rule.source = Source(src[0], src[1], src[2])
        rule.canonical = canonical
        return rule
        first, rest, decision, just, src, canonical = data
        if (
            type(first) is str
            and type(rest) is tuple
            and all(is_token(t) for t in rest)
            and decision in DECISIONS
            and (just is None or type(just) is str)
            and type(canonical) is bool
        ):
            return cls(first, rest, decision, just, Source.from_plain(src), canonical)
        raise ValueError("bad PrefixRule")

    @property
    def length(self) -> int:
        """Number of argv positions the pattern covers."""
        return 1 + len(self.rest)

    def matches_prefix(self, cmd: list[str]) -> bool:
        """True when ``cmd`` starts with this pattern (execpolicy.md §2 ``matches_prefix``)."""
        if len(cmd) < 1 + len(self.rest) or cmd[0] != self.first:
            return False
        for tok, arg in zip(self.rest, cmd[1:], strict=False):
            if isinstance(tok, tuple):
                if arg not in tok:
                    return False
            elif tok != arg:
                return False
        return True

    def pattern_tokens(self) -> list[str]:
        """The pattern rendered as strings, alternatives as ``[a|b]`` (Codex allowed prefixes)."""
        out = [self.first]
        for tok in self.rest:
            out.append("[" + "|".join(tok) + "]" if isinstance(tok, tuple) else tok)
        return out

    def debug(self) -> str:
        """Rust ``{:?}`` of the rule, as in Codex's example-validation errors."""
        rest = []
        for tok in self.rest:
            if isinstance(tok, tuple):
                rest.append(f"Alts({_debug_vec(list(tok))})")
            else:
                rest.append(f"Single({rust_debug_str(tok)})")
        return (
            "PrefixRule { pattern: PrefixPattern { canonical_matching: "
            f"{'true' if self.canonical else 'false'}, first: "
            f"{rust_debug_str(self.first)}, rest: [{', '.join(rest)}] }}, decision: "
            f"{_debug_decision(self.decision)}, justification: {_debug_opt(self.justification)} }}"
        )


if TYPE_CHECKING:

    class RuleLike(Protocol):
        """What every rule kind offers (``PrefixRule``, ``GuardRule``)."""

        @property
        def decision(self) -> str:
            """``allow`` | ``prompt`` | ``forbidden``."""
            ...

        @property
        def justification(self) -> str | None:
            """Why the rule exists, or None."""
            ...

        @property
        def source(self) -> Source:
            """Where the rule was declared."""
            ...

        @property
        def length(self) -> int:
            """Number of argv positions (or conditions) the rule covers."""
            ...

        def pattern_tokens(self) -> list[str]:
            """The rule's pattern, readable."""
            ...

        def debug(self) -> str:
            """Rust-style debug text."""
            ...


class RuleMatch(FrozenRecord):
    """A rule that matched a command.

    Attributes:
        matched_prefix: the argv positions the pattern covered (program as matched).
        decision: the rule's decision.
        justification: the rule's justification or None.
        resolved_program: the absolute program path when matched through host executables.
        rule: the rule itself (not serialised).
    """

    __slots__ = ("decision", "justification", "matched_prefix", "resolved_program", "rule")
    _FIELDS = ("matched_prefix", "decision", "justification", "resolved_program", "rule")

    def __init__(
        self,
        matched_prefix: tuple[str, ...],
        decision: str,
        justification: str | None,
        resolved_program: str | None,
        rule: RuleLike,
    ) -> None:
        self.matched_prefix = matched_prefix
        self.decision = decision
        self.justification = justification
        self.resolved_program = resolved_program
        self.rule = rule

    def to_json_obj(self) -> dict[str, object]:
        """The Codex ``RuleMatch`` serialisation (externally tagged, camelCase, optional keys
        omitted), key order as serde writes it."""
        inner: dict[str, object] = {
            "matchedPrefix": list(self.matched_prefix),
            "decision": self.decision,
        }
        if self.resolved_program is not None:
            inner["resolvedProgram"] = self.resolved_program
        if self.justification is not None:
            inner["justification"] = self.justification
        return {"prefixRuleMatch": inner}

    def debug(self) -> str:
        """Rust ``{:?}`` of ``RuleMatch::PrefixRuleMatch``."""
        rp = (
            "None"
            if self.resolved_program is None
            else f"Some(AbsolutePathBuf({rust_debug_str(self.resolved_program)}))"
        )
        return (
            f"PrefixRuleMatch {{ matched_prefix: {_debug_vec(list(self.matched_prefix))}, "
            f"decision: {_debug_decision(self.decision)}, resolved_program: {rp}, "
            f"justification: {_debug_opt(self.justification)} }}"
        )
