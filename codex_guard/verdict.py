"""Decisions and verdicts: what was decided and why (DESIGN.md §2).

``Decision`` order follows Codex's ``Decision`` enum: allow < prompt < forbidden, strictest wins.
A :class:`Verdict` carries the decision, the rule matches with their provenance, the reasons that
forced a decision without a rule (a construct the shell layer could not see through, a broken rules
file) and the scan findings.
"""

from __future__ import annotations

from codex_guard._record import FrozenRecord, Record

ALLOW, PROMPT, FORBIDDEN = "allow", "prompt", "forbidden"
_RANK = {None: -1, ALLOW: 0, PROMPT: 1, FORBIDDEN: 2}


def stricter(a: str | None, b: str | None) -> str | None:
    """The stricter of two decisions (``None`` = nothing decided)."""
    return a if _RANK[a] >= _RANK[b] else b


class Match(FrozenRecord):
    """One rule that matched one command (immutable by convention; hashable).

    Attributes:
        command: the argv the rule matched.
        pattern: the rule's pattern, readable tokens.
        decision: the rule's decision.
        justification: the rule's justification, or None.
        file: the rules file; line: its line (None when unknown); layer: builtin, system, user,
            project, project-untrusted or extra.
    """

    _FIELDS = ("command", "pattern", "decision", "justification", "file", "line", "layer")
    __slots__ = _FIELDS

    def __init__(
        self,
        command: tuple[str, ...],
        pattern: tuple[str, ...],
        decision: str,
        justification: str | None,
        file: str,
        line: int | None,
        layer: str,
    ) -> None:
        self.command = command
        self.pattern = pattern
        self.decision = decision
        self.justification = justification
        self.file = file
        self.line = line
        self.layer = layer

    def where(self) -> str:
        """``file:line`` (or just the file)."""
        return f"{self.file}:{self.line}" if self.line else self.file


class FindingRef(FrozenRecord):
    """A scan finding as the verdict keeps it: never the secret, only its redacted form
    (immutable by convention; hashable)."""

    _FIELDS = ("kind", "redacted", "description")
    __slots__ = _FIELDS

    def __init__(self, kind: str, redacted: str, description: str = "") -> None:
        self.kind = kind
        self.redacted = redacted
        self.description = description


class Verdict(Record):
    """The outcome for one event (mutable; compared without the transient fields).

    Attributes:
        decision: ``allow`` / ``prompt`` / ``forbidden``, or None when nothing matched.
        matches: every rule match, in command order.
        reasons: human-readable reasons that raised the decision without a rule.
        findings: secret/personal-data findings (prompts).
        commands: the argvs that were judged.
        error: set when the verdict comes from a failure (broken rules file, bad config).
        policy_files: the rules files that were loaded.
        notices: messages for the person only (a ``warn`` finding): rendered as a
            ``systemMessage``, never sent to the model.
        _scanned: the text the scan judged (None when nothing was scanned); transient, never
            logged: the audit entry redacts the command words from it.
        _secrets: ``(secret, redacted form)`` of each finding in ``_scanned``; transient, never
            logged or rendered (the audit entry replaces each secret in every word by its mask).
    """

    _FIELDS = (
        "decision",
        "matches",
        "reasons",
        "findings",
        "commands",
        "error",
        "policy_files",
        "notices",
    )
    __slots__ = (*_FIELDS, "_scanned", "_secrets")  # the transient two: not compared, no repr

    def __init__(
        self,
        decision: str | None = None,
        matches: list[Match] | None = None,
        reasons: list[str] | None = None,
        findings: list[FindingRef] | None = None,
        commands: list[list[str]] | None = None,
        error: str | None = None,
        policy_files: list[str] | None = None,
        notices: list[str] | None = None,
        _scanned: str | None = None,
        _secrets: list[tuple[str, str]] | None = None,
    ) -> None:
        self.decision = decision
        self.matches: list[Match] = [] if matches is None else matches
        self.reasons: list[str] = [] if reasons is None else reasons
        self.findings: list[FindingRef] = [] if findings is None else findings
        self.commands: list[list[str]] = [] if commands is None else commands
        self.error = error
        self.policy_files: list[str] = [] if policy_files is None else policy_files
        self.notices: list[str] = [] if notices is None else notices
        self._scanned = _scanned
        self._secrets: list[tuple[str, str]] = [] if _secrets is None else _secrets

    def raise_to(self, decision: str, reason: str | None = None) -> None:
        """Make the decision at least ``decision``, recording ``reason``."""
        self.decision = stricter(self.decision, decision)
        if reason:
            self.reasons.append(reason)

    def deciding_match(self) -> Match | None:
        """The match that explains the decision: among those with the final decision, the one
        with the longest pattern, the last on ties (Codex's ``max_by_key``)."""
        best: Match | None = None
        for m in self.matches:
            if m.decision == self.decision and (
                best is None or len(m.pattern) >= len(best.pattern)
            ):
                best = m
        return best
