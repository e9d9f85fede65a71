"""Counts over audit entries: by decision, by event, by rule and by day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from codex_guard.audit.query import DECISIONS, deciding_rule


def compute(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate entries.

    Returns:
        ``{"total": n, "by_decision": {decision: n}, "by_event": {event: n},
        "by_rule": [{"rule": "file:line", "pattern": "...", "decision": d, "count": n}, …]``
        (the rule that decided each non-allow entry, most frequent first),
        ``"by_day": {"YYYY-MM-DD": {decision: n}}`` (UTC days, ascending)}.
    """
    total = 0
    by_decision: Counter[str] = Counter({d: 0 for d in DECISIONS})
    by_event: Counter[str] = Counter()
    by_rule: Counter[tuple[str, str, str]] = Counter()
    by_day: dict[str, Counter[str]] = {}
    for e in entries:
        total += 1
        decision = str(e.get("effective_decision", "?"))
        by_decision[decision] += 1
        by_event[str(e.get("event", "?"))] += 1
        rule = deciding_rule(e)
        if rule is not None:
            pattern = " ".join(str(p) for p in rule.get("pattern") or [])
            by_rule[(str(rule.get("file", "?")), pattern, decision)] += 1
        ts = e.get("timestamp")
        day = ts[:10] if isinstance(ts, str) else "?"
        by_day.setdefault(day, Counter())[decision] += 1
    return {
        "total": total,
        "by_decision": dict(by_decision),
        "by_event": dict(by_event.most_common()),
        "by_rule": [
            {"rule": f, "pattern": p, "decision": d, "count": n}
            for (f, p, d), n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_day": {day: dict(c) for day, c in sorted(by_day.items())},
    }


def render(stats: dict[str, Any]) -> str:
    """The human-readable report of :func:`compute`'s result."""
    lines = [f"{stats['total']} decisions"]
    lines.append("\nby decision:")
    lines += [f"  {d:<10} {n:>8}" for d, n in stats["by_decision"].items()]
    lines.append("\nby event:")
    lines += [f"  {e:<18} {n:>8}" for e, n in stats["by_event"].items()]
    lines.append("\nby rule:")
    if not stats["by_rule"]:
        lines.append("  (no rule decided anything)")
    for r in stats["by_rule"]:
        lines.append(f"  {r['count']:>8}  {r['decision']:<10} {r['rule']}  [{r['pattern']}]")
    lines.append("\nby day:")
    header = "  " + "day".ljust(12) + "".join(f"{d:>10}" for d in DECISIONS)
    lines.append(header)
    for day, counts in stats["by_day"].items():
        lines.append("  " + day.ljust(12) + "".join(f"{counts.get(d, 0):>10}" for d in DECISIONS))
    return "\n".join(lines) + "\n"
