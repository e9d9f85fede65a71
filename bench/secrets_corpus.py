"""Scoring on the secrets corpus (``../shared/corpus/secrets.jsonl``), shared by the floor test
(``tests/test_scan_corpus.py``) and the benchmarks (``bench/secrets_*.py``).

Row schema (shared/docs/secret-detection.md §7): ``id``, ``text``, ``expect`` (kinds present;
``[]`` for a negative), optional ``also_ok`` (kinds a scanner may also report without penalty).

Measures:

* kind recall: over every (positive row, expected kind) pair, the share whose kind was found;
* per-kind recall: the same, per kind;
* negatives flagged: negative rows with at least one finding (any kind);
* extra kinds: findings on positive rows of a kind neither expected nor ``also_ok``;
* rows flagged: rows with any finding (the only measure that applies to scanners whose kinds
  are not ours, such as detect-secrets).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


def corpus_path() -> Path | None:
    """``$CODEX_GUARD_SECRETS_CORPUS``, else ``../shared/corpus/secrets.jsonl`` beside the
    checkout; None when neither exists."""
    env = os.environ.get("CODEX_GUARD_SECRETS_CORPUS")
    for p in (Path(env) if env else None, HERE.parents[1] / "shared" / "corpus" / "secrets.jsonl"):
        if p is not None and p.is_file():
            return p
    return None


def load(path: Path) -> list[dict[str, object]]:
    """The corpus rows (one JSON object per non-blank line)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class Score:
    """Results of one scanner on the corpus (see the module docstring)."""

    pairs: int = 0
    pairs_found: int = 0
    per_kind_tp: Counter[str] = field(default_factory=Counter)
    per_kind_fn: Counter[str] = field(default_factory=Counter)
    positives: int = 0
    positives_flagged: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    flagged_negatives: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Kind recall over (row, expected kind) pairs."""
        return self.pairs_found / self.pairs if self.pairs else 1.0

    @property
    def negative_rate(self) -> float:
        """Share of negative rows with any finding."""
        return self.negatives_flagged / self.negatives if self.negatives else 0.0


def score(rows: Iterable[dict[str, object]], detect: Callable[[str], set[str]]) -> Score:
    """Run ``detect(text) -> set of kinds`` on every row and score it."""
    s = Score()
    for row in rows:
        text = str(row["text"])
        expect = {str(k) for k in row.get("expect") or []}  # type: ignore[attr-defined]
        also_ok = {str(k) for k in row.get("also_ok") or []}  # type: ignore[attr-defined]
        found = detect(text)
        if expect:
            s.positives += 1
            s.positives_flagged += bool(found)
            for kind in sorted(expect):
                s.pairs += 1
                if kind in found:
                    s.pairs_found += 1
                    s.per_kind_tp[kind] += 1
                else:
                    s.per_kind_fn[kind] += 1
                    s.misses.append(f"{row['id']}: {kind}")
            for kind in sorted(found - expect - also_ok):
                s.extra.append(f"{row['id']}: {kind}")
        else:
            s.negatives += 1
            if found:
                s.negatives_flagged += 1
                s.flagged_negatives.append(f"{row['id']}: {', '.join(sorted(found))}")
    return s


def per_kind_table(s: Score) -> str:
    """A Markdown table of per-kind recall."""
    lines = ["| kind | found | missed | recall |", "|---|---:|---:|---:|"]
    for kind in sorted(set(s.per_kind_tp) | set(s.per_kind_fn)):
        t, n = s.per_kind_tp[kind], s.per_kind_fn[kind]
        lines.append(f"| `{kind}` | {t} | {n} | {t / (t + n):.2f} |")
    return "\n".join(lines)


def codex_guard_detect(text: str) -> set[str]:
    """codex-guard's kinds for ``text`` (every catalogue kind; guardrails actions ignored)."""
    from codex_guard.scan import scan

    return {f.kind for f in scan(text)}
