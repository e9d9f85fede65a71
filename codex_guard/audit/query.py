"""Selecting entries (``--since``, ``--until``, ``--decision``) and describing one in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

DECISIONS = ("allow", "prompt", "forbidden")
_RELATIVE = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """A point in time from the command line.

    Accepts ISO 8601 (``2026-11-21``, ``2026-11-21T19:20``, ``…Z`` or with an offset; no zone
    means UTC) or a duration back from now (``30m``, ``12h``, ``7d``, ``2w``).

    Raises:
        ValueError: anything else.
    """
    m = _RELATIVE.fullmatch(text.strip())
    if m:
        delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        return (now or datetime.now(UTC)) - delta
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use ISO 8601 such as 2026-11-21T19:20Z, or 30m / 12h / 7d)"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def entry_time(entry: dict[str, Any]) -> datetime | None:
    """The entry's ``timestamp`` as an aware datetime, or None when missing or malformed."""
    ts = entry.get("timestamp")
    if not isinstance(ts, str):
        return None
    try:
        t = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Selection:
    """Which entries to show: ``since`` ≤ timestamp < ``until`` and the decision, each optional.
    Entries without a readable timestamp are kept only when no time bound is set."""

    since: datetime | None = None
    until: datetime | None = None
    decision: str | None = None

    def __call__(self, entry: dict[str, Any]) -> bool:
        if self.decision and entry.get("effective_decision") != self.decision:
            return False
        if self.since is None and self.until is None:
            return True
        t = entry_time(entry)
        if t is None:
            return False
        return (self.since is None or t >= self.since) and (self.until is None or t < self.until)


def deciding_rule(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The matched rule that explains the effective decision (the last with the longest pattern
    among those with that decision), or None."""
    best: dict[str, Any] | None = None
    for r in entry.get("matched_rules") or []:
        if not isinstance(r, dict) or r.get("decision") != entry.get("effective_decision"):
            continue
        if best is None or len(r.get("pattern") or []) >= len(best.get("pattern") or []):
            best = r
    return best


def command_text(entry: dict[str, Any]) -> str:
    """The entry's commands as shell text, ``; ``-separated (each argv ``shlex.join``-ed)."""
    import shlex

    parts = []
    for argv in entry.get("command") or []:
        if isinstance(argv, list):
            parts.append(shlex.join(str(t) for t in argv))
    return " ; ".join(parts)


def rule_text(rule: dict[str, Any]) -> str:
    """``file:line [pattern] decision: justification`` for one matched rule."""
    pattern = " ".join(str(p) for p in rule.get("pattern") or [])
    just = rule.get("justification")
    tail = f": {just}" if just else ""
    return f"{rule.get('file', '?')} [{pattern}] {rule.get('decision', '?')}{tail}"


def why(entry: dict[str, Any]) -> str:
    """Why the decision was made, in one line: the deciding rule, else the first reason."""
    rule = deciding_rule(entry)
    if rule is not None:
        just = rule.get("justification")
        return f"{rule.get('file', '?')}: {just}" if just else str(rule.get("file", "?"))
    reasons = entry.get("reasons") or []
    return str(reasons[0]) if reasons else ""
