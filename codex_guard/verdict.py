"""Decisions and verdicts: what was decided and why (DESIGN.md §2).

``Decision`` order follows Codex's ``Decision`` enum: allow < prompt < forbidden, strictest wins.
A :class:`Verdict` carries the decision, the rule matches with their provenance, the reasons that
forced a decision without a rule (a construct the shell layer could not see through, a broken rules
file) and the scan findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALLOW, PROMPT, FORBIDDEN = "allow", "prompt", "forbidden"
_RANK = {None: -1, ALLOW: 0, PROMPT: 1, FORBIDDEN: 2}


def stricter(a: str | None, b: str | None) -> str | None:
    """The stricter of two decisions (``None`` = nothing decided)."""
    return a if _RANK[a] >= _RANK[b] else b


@dataclass(frozen=True)
class Match:
    """One rule that matched one command.

    Attributes:
        command: the argv the rule matched.
        pattern: the rule's pattern, readable tokens.
        decision: the rule's decision.
        justification: the rule's justification, or None.
        file: the rules file; line: its line (None when unknown); layer: builtin, system, user,
            project, project-untrusted or extra.
    """

    command: tuple[str, ...]
    pattern: tuple[str, ...]
    decision: str
    justification: str | None
    file: str
    line: int | None
    layer: str

    def where(self) -> str:
        """``file:line`` (or just the file)."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class FindingRef:
    """A scan finding as the verdict keeps it: never the secret, only its redacted form."""

    kind: str
    redacted: str
    description: str = ""


@dataclass
class Verdict:
    """The outcome for one event.

    Attributes:
        decision: ``allow`` / ``prompt`` / ``forbidden``, or None when nothing matched.
        matches: every rule match, in command order.
        reasons: human-readable reasons that raised the decision without a rule.
        findings: secret/personal-data findings (prompts).
        commands: the argvs that were judged.
        error: set when the verdict comes from a failure (broken rules file, bad config).
        notices: messages for the person only (a ``warn`` finding): rendered as a
            ``systemMessage``, never sent to the model.
        _scanned: the text the scan judged (None when nothing was scanned); transient, never
            logged: the audit entry redacts the command words from it.
        _secrets: ``(secret, redacted form)`` of each finding in ``_scanned``; transient, never
            logged or rendered (the audit entry replaces each secret in every word by its mask).
    """

    decision: str | None = None
    matches: list[Match] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    findings: list[FindingRef] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    error: str | None = None
    policy_files: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    _scanned: str | None = field(default=None, repr=False, compare=False)
    _secrets: list[tuple[str, str]] = field(default_factory=list, repr=False, compare=False)

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
