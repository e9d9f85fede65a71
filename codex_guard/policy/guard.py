"""``guard_rule``: codex-guard's own rule builtin, for what ``prefix_rule`` cannot say.

Codex's ``prefix_rule`` matches literal argv prefixes only, so ``rm -r -f /``, ``rm ~ -rf`` or
``git push origin main --force`` escape a prefix rule for ``rm -rf`` / ``git push --force``.
A ``guard_rule`` judges the whole argv: the program, an optional subcommand, required options in
any position (short options also inside clusters such as ``-rf``) and operands matched by globs
after normalisation (``$HOME``/``${HOME}`` → ``~``, trailing slashes, ``..`` in absolute paths).

Codex refuses to start when a ``rules/`` file uses an unknown builtin, so ``guard_rule`` is only
available in codex-guard's built-in packs and in ``guard/`` folders (DESIGN.md §3).

Signature (positional order)::

    guard_rule(program, decision="forbidden", justification=None, subcommand=None, options=None,
               args=None, not_args=None, no_args=False, value_options=None, match=None,
               not_match=None, unless_args=None)

* ``program``: list of program basenames.
* ``subcommand``: list; the first operand must be one of them (``git push``).
* ``options``: list of groups, each a string or a list of alternative spellings; every group must
  be present somewhere in the argv (``[["-r", "-R", "--recursive"], ["-f", "--force"]]``).
* ``args`` / ``not_args``: globs (``*`` and ``?`` stay within one path component, ``**`` crosses
  them, ``[…]`` is a class); at least one operand must match ``args`` and not ``not_args``.
* ``unless_args``: globs; when any operand matches one, the rule does not apply (for example a
  loopback URL for an upload rule).
* ``no_args``: the program must be called with no arguments at all.
* ``value_options``: options that take the next word as their value (``git -C DIR``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codex_guard.policy import rshlex
from codex_guard.policy.paths import normalize_lexically
from codex_guard.policy.rule import RuleMatch, Source, rust_debug_str

_HOME_VARS = ("${HOME:?}", "${HOME}", "$HOME")


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``**`` any text, ``*`` any text without ``/``, ``?`` one non-``/``
    character, ``[…]`` a character class; everything else literal."""
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


def operand_variants(arg: str) -> set[str]:
    """The spellings an operand is matched under: as written, with ``$HOME`` forms as ``~``,
    trailing slashes dropped, and ``.``/``..`` resolved lexically in absolute and ``~`` paths."""
    out = {arg}
    a = arg
    for var in _HOME_VARS:
        if a == var or a.startswith(var + "/"):
            a = "~" + a[len(var) :]
            break
    if a.startswith("/"):
        a = normalize_lexically(a)
    elif a == "~" or a.startswith("~/"):
        rest = normalize_lexically("/" + a[2:]) if len(a) > 2 else "/"
        a = "~" if rest == "/" else "~" + rest
    elif len(a) > 1:
        a = a.rstrip("/") or "/"
    out.add(a)
    return out


@dataclass
class GuardRule:
    """A compiled ``guard_rule`` call (see the module docstring for the semantics)."""

    programs: tuple[str, ...]
    decision: str
    justification: str | None
    subcommand: tuple[str, ...] = ()
    options: tuple[tuple[str, ...], ...] = ()
    args: tuple[re.Pattern[str], ...] = ()
    not_args: tuple[re.Pattern[str], ...] = ()
    unless_args: tuple[re.Pattern[str], ...] = ()
    no_args: bool = False
    value_options: frozenset[str] = frozenset()
    source: Source = field(default_factory=lambda: Source("<memory>"))
    raw: dict[str, Any] = field(default_factory=dict)

    PARAMS = [  # noqa: RUF012 - class-level signature table
        ("program", "list", True),
        ("decision", "str", False),
        ("justification", "str", False),
        ("subcommand", "list", False),
        ("options", "list", False),
        ("args", "list", False),
        ("not_args", "list", False),
        ("no_args", "bool", False),
        ("value_options", "list", False),
        ("match", "list", False),
        ("not_match", "list", False),
        ("unless_args", "list", False),
    ]

    @classmethod
    def from_args(
        cls,
        b: dict[str, Any],
        source: Source,
        parse_decision: Callable[[str | None], str],
        parse_justification: Callable[[str | None], str | None],
        error: type[Exception],
    ) -> GuardRule:
        """Build a rule from bound builtin arguments; raises ``error`` on a malformed value."""

        def strings(name: str) -> tuple[str, ...]:
            vals = b.get(name) or []
            if not all(isinstance(v, str) for v in vals):
                raise error(f"invalid rule: guard_rule {name} must be a list of strings")
            return tuple(vals)

        programs = strings("program")
        if not programs:
            raise error("invalid rule: guard_rule program cannot be empty")
        groups: list[tuple[str, ...]] = []
        for g in b.get("options") or []:
            alts = (g,) if isinstance(g, str) else tuple(g)
            if not alts or not all(isinstance(x, str) and x.startswith("-") for x in alts):
                raise error("invalid rule: guard_rule options must be option strings or lists")
            groups.append(alts)
        return cls(
            programs=programs,
            decision=parse_decision(b.get("decision", "forbidden")),
            justification=parse_justification(b.get("justification")),
            subcommand=strings("subcommand"),
            options=tuple(groups),
            args=tuple(glob_to_regex(p) for p in strings("args")),
            not_args=tuple(glob_to_regex(p) for p in strings("not_args")),
            unless_args=tuple(glob_to_regex(p) for p in strings("unless_args")),
            no_args=bool(b.get("no_args", False)),
            value_options=frozenset(strings("value_options")),
            source=source,
            raw={k: v for k, v in b.items() if k not in ("match", "not_match")},
        )

    def _split(self, rest: list[str]) -> tuple[set[str], list[str]]:
        opts: set[str] = set()
        operands: list[str] = []
        after_ddash = skip = False
        for tok in rest:
            if skip:
                skip = False
                continue
            if after_ddash or tok == "-" or not tok.startswith("-"):
                operands.append(tok)
            elif tok == "--":
                after_ddash = True
            elif tok.startswith("--"):
                opts.add(tok.split("=", 1)[0])
                skip = tok in self.value_options
            elif tok in self.value_options:
                opts.add(tok)
                skip = True
            else:
                opts.add(tok)
                opts.update("-" + ch for ch in tok[1:])
        return opts, operands

    def match(self, argv: list[str]) -> RuleMatch | None:
        """Match ``argv`` (program already reduced to its basename); None when it does not."""
        if not argv or argv[0] not in self.programs:
            return None
        rest = list(argv[1:])
        if self.no_args:
            return self._hit(argv) if not rest else None
        opts, operands = self._split(rest)
        if self.subcommand:
            if not operands or operands[0] not in self.subcommand:
                return None
            operands = operands[1:]
        for group in self.options:
            if not any(o in opts for o in group):
                return None
        if self.args and not any(self._operand_hits(op) for op in operands):
            return None
        if self.unless_args and any(p.match(op) for p in self.unless_args for op in operands):
            return None
        return self._hit(argv)

    def _operand_hits(self, op: str) -> bool:
        vs = operand_variants(op)
        if not any(p.match(v) for p in self.args for v in vs):
            return False
        return not any(p.match(v) for p in self.not_args for v in vs)

    def _hit(self, argv: list[str]) -> RuleMatch:
        return RuleMatch(tuple(argv), self.decision, self.justification, None, self)

    @property
    def length(self) -> int:
        """Pattern length for 'most specific match' ordering: program + subcommand + groups."""
        return 1 + (1 if self.subcommand else 0) + len(self.options) + (1 if self.args else 0)

    def pattern_tokens(self) -> list[str]:
        """A readable summary of the rule, used where a prefix rule shows its pattern."""
        out = ["|".join(self.programs)]
        if self.subcommand:
            out.append("|".join(self.subcommand))
        out += ["|".join(g) for g in self.options]
        if self.raw.get("args"):
            globs = list(self.raw["args"])
            out.append("<" + "|".join(globs[:4]) + ("|…" if len(globs) > 4 else "") + ">")
        if self.no_args:
            out.append("<no arguments>")
        return out

    def debug(self) -> str:
        """A one-line rendering of the rule for messages."""
        return "GuardRule { " + ", ".join(f"{k}: {v!r}" for k, v in self.raw.items()) + " }"


def example_argv(ex: list[str]) -> list[str]:
    """An example as the hook would see it: an absolute program path reduced to its basename."""
    if ex and "/" in ex[0]:
        return [ex[0].rsplit("/", 1)[-1], *ex[1:]]
    return ex


def validate_guard_examples(
    rule: GuardRule, match: list[list[str]], not_match: list[list[str]]
) -> str | None:
    """Check a guard rule's examples; the error message (Codex's wording) or None."""
    for ex in not_match:
        if rule.match(example_argv(ex)) is not None:
            rendered = rshlex.try_join(ex) or "unable to render example"
            return f"expected example to not match rule `{rule.debug()}`: {rendered}"
    unmatched = [
        rshlex.try_join(ex) or "unable to render example"
        for ex in match
        if rule.match(example_argv(ex)) is None
    ]
    if unmatched:
        exs = ", ".join(rust_debug_str(u) for u in unmatched)
        return (
            "expected every example to match at least one rule. "
            f"rules: [{rust_debug_str(rule.debug())}]; unmatched examples: [{exs}]"
        )
    return None
