"""Export a verified audit log as CSV or JSON Lines, one row per entry, with ``chain_valid``.

CSV columns: the seed's fields in order (``timestamp``, ``event_id``, ``user``, ``session_id``,
``command``, ``working_directory``, ``policy_files``, ``matched_rules``, ``effective_decision``,
``chain_hash``), then ``event``, ``client``, ``seq``, ``reasons``, ``chain_valid``. Lists are
flattened to text: ``command`` as shell words with `` ; `` between commands, ``policy_files`` and
``reasons`` joined with `` | ``, ``matched_rules`` as ``file [pattern] decision: justification``
items joined with `` | ``. A cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'`` so spreadsheet tools do not run it as a formula (OWASP
"CSV injection"); the JSON Lines export is always verbatim.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO, Any

from codex_guard.audit.query import command_text, rule_text
from codex_guard.audit.verify import Report

COLUMNS = (
    "timestamp",
    "event_id",
    "user",
    "session_id",
    "command",
    "working_directory",
    "policy_files",
    "matched_rules",
    "effective_decision",
    "chain_hash",
    "event",
    "client",
    "seq",
    "reasons",
    "chain_valid",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def selected(
    report: Report, keep: Callable[[dict[str, Any]], bool]
) -> Iterator[tuple[dict[str, Any], bool]]:
    """``(entry, chain_valid)`` for each entry of the verified series that ``keep`` accepts."""
    for i, rec in enumerate(report.records):
        if keep(rec.entry):
            yield rec.entry, report.valid(i)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def csv_row(entry: dict[str, Any], valid: bool) -> list[str]:
    """The CSV cells of one entry, in :data:`COLUMNS` order."""
    rules = [r for r in entry.get("matched_rules") or [] if isinstance(r, dict)]
    flat: dict[str, str] = {
        "command": command_text(entry),
        "policy_files": " | ".join(str(p) for p in entry.get("policy_files") or []),
        "matched_rules": " | ".join(rule_text(r) for r in rules),
        "reasons": " | ".join(str(r) for r in entry.get("reasons") or []),
        "chain_valid": "true" if valid else "false",
    }
    row = []
    for col in COLUMNS:
        value = flat[col] if col in flat else entry.get(col)
        row.append(_cell("" if value is None else str(value)))
    return row


def write_csv(rows: Iterator[tuple[dict[str, Any], bool]], out: IO[str]) -> int:
    """Write a header and one row per entry; returns the number of rows."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    n = 0
    for entry, valid in rows:
        w.writerow(csv_row(entry, valid))
        n += 1
    return n


def write_jsonl(rows: Iterator[tuple[dict[str, Any], bool]], out: IO[str]) -> int:
    """Write each entry verbatim plus ``"chain_valid": true|false``; returns the count."""
    import orjson

    n = 0
    for entry, valid in rows:
        out.write(orjson.dumps({**entry, "chain_valid": valid}).decode() + "\n")
        n += 1
    return n
