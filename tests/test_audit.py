"""Audit log: the seed's chain hash, tamper detection, crash repair, concurrent appends."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

from codex_guard.audit.chain import GENESIS, canonical, chain
from codex_guard.audit.log import append, verify


def _entry(i: int) -> dict[str, object]:
    return {"timestamp": f"t{i}", "event_id": f"e{i}", "effective_decision": "allow", "note": "é"}


def test_chain_formula_is_the_seeds() -> None:
    e = _entry(1)
    assert hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest() == GENESIS
    inner = hashlib.sha256(
        json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert (
        canonical(e)
        == json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert chain(GENESIS, e) == hashlib.sha256((GENESIS + inner).encode()).hexdigest()


def test_append_and_verify(tmp_path: Path) -> None:
    log = tmp_path / "d" / "a.jsonl"
    for i in range(5):
        append(_entry(i), str(log))
    assert verify(str(log)) == (5, [])
    assert oct((tmp_path / "d").stat().st_mode & 0o777) == "0o700"


def test_every_tampered_region_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    for i in range(8):
        append(_entry(i), str(log))
    lines = log.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["effective_decision"] = "forbidden"
    lines[2] = json.dumps(edited)
    del lines[5]
    log.write_text("\n".join(lines) + "\n")
    count, problems = verify(str(log))
    assert count == 7
    assert any("line 3" in p and "e2" in p for p in problems)
    assert any("line 6" in p and "e6" in p for p in problems)
    assert len(problems) == 2


def test_interrupted_write_is_reported_then_repaired(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    append(_entry(0), str(log))
    with open(log, "ab") as fh:
        fh.write(b'{"timestamp": "half')
    _, problems = verify(str(log))
    assert problems and "unterminated" in problems[0]
    append(_entry(1), str(log))
    assert verify(str(log)) == (2, [])


def _worker(args: tuple[str, int]) -> None:
    path, n = args
    for i in range(n):
        append(_entry(i), path)


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    log = str(tmp_path / "a.jsonl")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_worker, [(log, 60)] * 4)
    assert verify(log) == (240, [])
