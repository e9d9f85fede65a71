"""The compiled policy and its matching (``codex-rs/execpolicy/src/policy.rs``).

Matching follows execpolicy.md §2: an exact stage on ``cmd[0]``, then, only when nothing matched
and host resolution is on, a stage on the basename of an absolute program path that honours
``host_executable`` mappings. Every match is reported, in declaration order; the effective decision
is the strictest one.
"""

from __future__ import annotations

from codex_guard.policy.errors import PolicyError
from codex_guard.policy.paths import absolutize, file_name
from codex_guard.policy.rule import DECISIONS, PrefixRule, RuleMatch, Source, strictest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Protocol

    from codex_guard.policy.network import NetworkRule

    class ArgvRule(Protocol):
        """A codex-guard rule that judges a whole argv (see ``guard.py``)."""

        decision: str
        justification: str | None

        def match(self, argv: list[str], ctx: Any = None) -> RuleMatch | None:
            """The match for ``argv`` (with the shell layer's ``ArgvContext``, if any) or
            None."""
            ...


class Policy:
    """All rules of all loaded files.

    Attributes:
        rules_by_program: prefix rules keyed by their first token, in insertion order.
        host_executables: ``host_executable`` mappings, name → normalised absolute paths.
        guard_rules: codex-guard argv rules (built-in packs and ``guard/`` folders only).
        network_rules: ``network_rule`` calls, in declaration order.
        files: every file that contributed, in load order.
    """

    __slots__ = (
        "_guard_index",
        "files",
        "guard_rules",
        "host_executables",
        "network_rules",
        "rules_by_program",
    )

    def __init__(
        self,
        rules_by_program: dict[str, list[PrefixRule]] | None = None,
        host_executables: dict[str, list[str]] | None = None,
        guard_rules: list[ArgvRule] | None = None,
        network_rules: list[NetworkRule] | None = None,
        files: list[str] | None = None,
    ) -> None:
        self.rules_by_program = {} if rules_by_program is None else rules_by_program
        self.host_executables = {} if host_executables is None else host_executables
        self.guard_rules = [] if guard_rules is None else guard_rules
        self.network_rules = [] if network_rules is None else network_rules
        self.files = [] if files is None else files
        # (list, length, by exact program, always consulted): built on first guard_matches
        self._guard_index: (
            tuple[object, int, dict[str, list[int]], list[tuple[str, int]], list[int]] | None
        ) = None

    def _key(self) -> tuple[object, ...]:
        return (
            self.rules_by_program,
            self.host_executables,
            self.guard_rules,
            self.network_rules,
            self.files,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return (
            f"Policy(rules_by_program={self.rules_by_program!r}, "
            f"host_executables={self.host_executables!r}, guard_rules={self.guard_rules!r}, "
            f"network_rules={self.network_rules!r}, files={self.files!r})"
        )

    def add_rule(self, rule: PrefixRule) -> None:
        """Append ``rule`` after the existing rules for its program."""
        self.rules_by_program.setdefault(rule.first, []).append(rule)

    def add_prefix_rule(
        self, prefix: list[str], decision: str, source: Source | None = None
    ) -> PrefixRule:
        """``Policy::add_prefix_rule``: append an all-literal rule without justification.

        Raises:
            PolicyError: ``prefix`` is empty (Codex ``InvalidPattern``) or ``decision`` unknown.
        """
        if not prefix:
            raise PolicyError("invalid pattern element: prefix cannot be empty")
        if decision not in DECISIONS:
            raise PolicyError(f"invalid decision: {decision}")
        src = source or Source("<memory>")
        rule = PrefixRule(prefix[0], tuple(prefix[1:]), decision, None, src)
        self.add_rule(rule)
        return rule

    def merge_overlay(self, overlay: Policy) -> None:
        """``Policy::merge_overlay``: append the overlay's rules after ours per program,
        concatenate network rules and guard rules, let its host executables replace ours."""
        for rules in overlay.rules_by_program.values():
            for r in rules:
                self.add_rule(r)
        self.network_rules += overlay.network_rules
        self.guard_rules += overlay.guard_rules
        self.host_executables.update(overlay.host_executables)
        self.files += [f for f in overlay.files if f not in self.files]

    def rule_count(self) -> int:
        """Number of prefix rules (one per first-token alternative) plus guard rules."""
        return sum(len(v) for v in self.rules_by_program.values()) + len(self.guard_rules)

    def matches(
        self, cmd: list[str], *, resolve_host_executables: bool = False, cwd: str | None = None
    ) -> list[RuleMatch]:
        """All prefix-rule matches for ``cmd`` (``matches_for_command_with_options`` without a
        heuristics fallback).

        Args:
            cmd: the argv.
            resolve_host_executables: enable the absolute-path stage.
            cwd: directory relative program paths are resolved against (default: process cwd).

        Returns:
            The matches in declaration order; empty when nothing matched or ``cmd`` is empty.
        """
        if not cmd:
            return []
        out = [
            RuleMatch(tuple(cmd[: r.length]), r.decision, r.justification, None, r)
            for r in self.rules_by_program.get(cmd[0], ())
            if r.matches_prefix(cmd)
        ]
        if out or not resolve_host_executables:
            return out
        program = absolutize(cmd[0], cwd)
        base = file_name(program)
        if base is None or base not in self.rules_by_program:
            return []
        allowed = self.host_executables.get(base)
        if allowed is not None and program not in allowed:
            return []
        resolved = [base, *cmd[1:]]
        return [
            RuleMatch(tuple(resolved[: r.length]), r.decision, r.justification, program, r)
            for r in self.rules_by_program[base]
            if r.matches_prefix(resolved)
        ]

    def guard_matches(self, argv: list[str], ctx: Any = None) -> list[RuleMatch]:
        """Matches of the codex-guard argv rules for ``argv`` (program already a basename);
        ``ctx`` is the command's ``guard.ArgvContext`` (redirects, pipeline, run-time words)."""
        rules = self.guard_rules
        if not argv:
            return []
        name = argv[0]
        exact, prefixed, always = self._guard_candidates()
        picked = exact.get(name, [])
        base = name.rsplit("/", 1)[-1]
        if base != name:
            picked = picked + exact.get(base, [])
        if prefixed:
            picked = picked + [i for p, i in prefixed if name.startswith(p) or base.startswith(p)]
        out = []
        for i in sorted({*picked, *always}):  # declaration order
            rule = rules[i]
            could = getattr(rule, "could_match", None)
            if could is not None and not could(argv, ctx):
                continue
            m = rule.match(argv, ctx)
            if m is not None:
                out.append(m)
        return out

    def _guard_candidates(
        self,
    ) -> tuple[dict[str, list[int]], list[tuple[str, int]], list[int]]:
        """The guard rules by exact program name; by the literal start of a ``start*`` program
        glob (``mkfs.*``, ``python3.*``: a command whose program or basename does not start
        with it cannot match it, whatever ``*`` may span); and those every command must consult
        (other glob program names, rule kinds without ``programs``). A rule is consulted only
        for a command whose program (or its basename) it could name."""
        rules = self.guard_rules
        idx = self._guard_index
        if idx is None or idx[0] is not rules or idx[1] != len(rules):
            exact: dict[str, list[int]] = {}
            prefixed: list[tuple[str, int]] = []
            always: list[int] = []
            for i, g in enumerate(rules):
                programs = getattr(g, "programs", None)
                if not isinstance(programs, tuple):
                    always.append(i)
                    continue
                starts: list[str] = []
                names: list[str] = []
                for p in programs:  # plain `in` tests: this runs for every rule of every hook
                    if "*" not in p and "?" not in p and "[" not in p:
                        names.append(p)
                        continue
                    head = p[:-1]
                    if (
                        p[-1] != "*"
                        or not head
                        or "*" in head
                        or "?" in head
                        or "[" in head
                        or "\\" in head
                    ):
                        always.append(i)
                        break
                    starts.append(head)
                else:
                    for p in dict.fromkeys(names):
                        exact.setdefault(p, []).append(i)
                    prefixed.extend((h, i) for h in dict.fromkeys(starts))
            idx = self._guard_index = (rules, len(rules), exact, prefixed, always)
        return idx[2], idx[3], idx[4]


def evaluation_json_obj(
    policy: Policy,
    commands: list[list[str]],
    fallback: str | None,
    *,
    resolve_host_executables: bool = False,
) -> dict[str, object]:
    """Codex's ``Evaluation`` for ``check_multiple_with_options`` with a constant heuristics
    fallback: ``{"decision", "matchedRules"}`` in that order; each command without a rule
    match contributes ``{"heuristicsRuleMatch": {"command", "decision"}}`` when ``fallback`` is
    given. ``decision`` is omitted only when nothing at all matched."""
    rules: list[dict[str, object]] = []
    decisions: list[str] = []
    for cmd in commands:
        ms = policy.matches(cmd, resolve_host_executables=resolve_host_executables)
        if ms:
            rules += [m.to_json_obj() for m in ms]
            decisions += [m.decision for m in ms]
        elif fallback is not None:
            rules.append({"heuristicsRuleMatch": {"command": list(cmd), "decision": fallback}})
            decisions.append(fallback)
    obj: dict[str, object] = {}
    d = strictest(decisions)
    if d is not None:
        obj["decision"] = d
    obj["matchedRules"] = rules
    return obj


def check_json_obj(matches: Iterable[RuleMatch]) -> dict[str, object]:
    """The object ``codex execpolicy check`` prints: ``matchedRules`` first, ``decision`` only
    when something matched (execpolicy.md §3)."""
    ms = list(matches)
    obj: dict[str, object] = {"matchedRules": [m.to_json_obj() for m in ms]}
    d = strictest([m.decision for m in ms])
    if d is not None:
        obj["decision"] = d
    return obj
