"""The floors on the secrets corpus (issue 5): kind recall >= 97 %, negatives flagged <= 2 %.

Reads ``../shared/corpus/secrets.jsonl`` (or ``$CODEX_GUARD_SECRETS_CORPUS``, e.g. the held-out
half) and scores :func:`codex_guard.scan.scan` with ``bench/secrets_corpus.py``: every expected
kind of every positive row counts once (``also_ok`` kinds are never penalised), and a negative
row counts as flagged when it has any finding at all. Every kind the corpus uses must also be a
catalogue kind. Run with ``-s`` to see the per-kind table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import secrets_corpus

from codex_guard.scan import detector_ids

RECALL_FLOOR = 0.97
NEGATIVE_CEILING = 0.02


def _rows() -> list[dict[str, object]]:
    path = secrets_corpus.corpus_path()
    if path is None:
        pytest.skip("secrets corpus not found (set CODEX_GUARD_SECRETS_CORPUS)")
    return secrets_corpus.load(path)


def test_every_corpus_kind_has_a_detector() -> None:
    kinds = {str(k) for row in _rows() for k in row.get("expect") or []}  # type: ignore[attr-defined]
    tsv = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "secret_kinds.tsv"
    if tsv.is_file():
        lines = tsv.read_text(encoding="utf-8").splitlines()[1:]
        kinds |= {line.split("\t", 1)[0] for line in lines if line.strip()}
    assert kinds <= set(detector_ids()), sorted(kinds - set(detector_ids()))


def test_corpus_floors() -> None:
    s = secrets_corpus.score(_rows(), secrets_corpus.codex_guard_detect)
    print(f"\nkind recall {s.pairs_found}/{s.pairs} = {s.recall:.3f}")
    print(f"negatives flagged {s.negatives_flagged}/{s.negatives} = {s.negative_rate:.3f}")
    print(secrets_corpus.per_kind_table(s))
    print("misses:", s.misses)
    print("flagged negatives:", s.flagged_negatives)
    print("extra kinds on positives:", s.extra)
    assert s.recall >= RECALL_FLOOR, s.misses
    assert s.negative_rate <= NEGATIVE_CEILING, s.flagged_negatives


def test_scoring_counts_also_ok_and_negatives() -> None:
    rows: list[dict[str, object]] = [
        {"id": "p", "text": "a", "expect": ["x", "y"], "also_ok": ["z"]},
        {"id": "n", "text": "b", "expect": []},
    ]
    s = secrets_corpus.score(rows, lambda t: {"x", "z"} if t == "a" else {"q"})
    assert (s.pairs, s.pairs_found, s.negatives_flagged, s.extra) == (2, 1, 1, [])
    assert s.misses == ["p: y"]
