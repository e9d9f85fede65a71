"""Tampering with the audit log: every kind of edit is detected and the entry named."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_guard.audit.chain import chain
from codex_guard.audit.log import append
from codex_guard.audit.verify import Problem, verify_series


def _log(tmp_path: Path, n: int = 10) -> Path:
    log = tmp_path / "audit.jsonl"
    for i in range(n):
        append(
            {
                "timestamp": f"2026-11-21T10:00:{i:02d}.000Z",
                "event_id": f"e{i}",
                "command": [["echo", str(i)]],
                "effective_decision": "allow",
            },
            str(log),
        )
    return log


def _lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


def _write(log: Path, lines: list[str]) -> None:
    log.write_text("".join(x + "\n" for x in lines), encoding="utf-8")


def _problems(log: Path) -> list[Problem]:
    return verify_series([str(log)]).problems


def _summary(problems: list[Problem]) -> list[tuple[str, int, str]]:
    return [(p.kind, p.line, p.event_id) for p in problems]


def test_intact(tmp_path: Path) -> None:
    log = _log(tmp_path)
    report = verify_series([str(log)])
    assert report.ok and len(report.records) == 10 and report.notes == []


def test_edited_field(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    e = json.loads(lines[3])
    e["effective_decision"] = "forbidden"
    lines[3] = json.dumps(e, separators=(",", ":"))
    _write(log, lines)
    assert _summary(_problems(log)) == [("modified", 4, "e3")]


def test_deleted_line(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    del lines[4]
    _write(log, lines)
    problems = _problems(log)
    assert _summary(problems) == [("deleted", 5, "e5")]
    assert "1 entry (seq 5) missing" in str(problems[0])


def test_deleted_run_of_lines(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    del lines[2:5]
    _write(log, lines)
    problems = _problems(log)
    assert _summary(problems) == [("deleted", 3, "e5")]
    assert "3 entries (seq 3..5)" in str(problems[0])


def _forge_after(lines: list[str], index: int, event_id: str) -> str:
    """A forged entry that chains correctly to line ``index`` (hash recomputed locally, seq
    continued), as a careful attacker would write it."""
    prev = json.loads(lines[index])
    forged = {
        "timestamp": prev["timestamp"],
        "event_id": event_id,
        "command": [["rm", "-rf", "/"]],
        "effective_decision": "allow",
        "seq": prev["seq"] + 1,
    }
    forged["chain_hash"] = chain(prev["chain_hash"], forged)
    return json.dumps(forged, separators=(",", ":"))


def test_inserted_line_with_recomputed_hash(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines.insert(6, _forge_after(lines, 5, "forged"))
    _write(log, lines)
    problems = _problems(log)
    assert _summary(problems) == [("inserted", 7, "forged")]
    assert "line 8 follows line 6 directly" in str(problems[0])


def test_inserted_line_at_the_start(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    forged = {"timestamp": "x", "event_id": "first", "effective_decision": "allow", "seq": 1}
    forged["chain_hash"] = chain(hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest(), forged)
    _write(log, [json.dumps(forged), *lines])
    assert _summary(_problems(log)) == [("inserted", 1, "first")]


def test_swapped_lines(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[3], lines[4] = lines[4], lines[3]
    _write(log, lines)
    assert _summary(_problems(log)) == [("reordered", 4, "e4"), ("reordered", 5, "e3")]


def test_moved_line(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    moved = lines.pop(2)
    lines.insert(7, moved)
    _write(log, lines)
    kinds = {(p.kind, p.event_id) for p in _problems(log)}
    assert ("reordered", "e2") in kinds or ("inserted", "e2") in kinds
    assert all(p.kind in ("reordered", "inserted", "deleted") for p in _problems(log))


def test_truncated_tail(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _write(log, _lines(log)[:7])
    problems = _problems(log)
    assert _summary(problems) == [("truncated", 0, "e9")]
    assert "3 entries (seq 8..10) missing at the end" in str(problems[0])


def test_whole_log_deleted(tmp_path: Path) -> None:
    log = _log(tmp_path)
    log.unlink()
    assert [p.kind for p in _problems(log)] == ["truncated"]


def test_tail_rewritten_with_recomputed_hashes(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[-1] = _forge_after(lines, len(lines) - 2, "replaced")
    _write(log, lines)
    assert _summary(_problems(log)) == [("truncated", 10, "replaced")]


def test_replaced_chain_hash(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    e = json.loads(lines[5])
    e["chain_hash"] = "0" * 64
    lines[5] = json.dumps(e)
    _write(log, lines)
    assert [(p.line, p.event_id) for p in _problems(log)][:1] == [(6, "e5")]


def test_every_region_is_reported_in_one_run(tmp_path: Path) -> None:
    """Edit, delete, forged insert, swap and truncation in one file: all named, in line order."""
    log = _log(tmp_path, 30)
    lines = _lines(log)
    e = json.loads(lines[2])
    e["command"] = [["echo", "innocent"]]
    lines[2] = json.dumps(e)
    lines[14], lines[15] = lines[15], lines[14]
    forged = _forge_after(lines, 20, "forged")
    del lines[27:]  # truncate e27..e29
    del lines[8]  # delete e8
    lines.insert(20, forged)  # after e20, now at index 19 → forged is line 21
    _write(log, lines)
    assert _summary(_problems(log)) == [
        ("modified", 3, "e2"),
        ("deleted", 9, "e9"),
        ("reordered", 14, "e15"),
        ("reordered", 15, "e14"),
        ("inserted", 21, "forged"),
        ("truncated", 0, "e29"),
    ]


def test_not_json(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines.insert(3, "garbage")
    _write(log, lines)
    assert _summary(_problems(log)) == [("invalid", 4, "")]


@pytest.mark.parametrize("mode", ["intact", "tampered"])
def test_cli_exit_codes(tmp_path: Path, mode: str) -> None:
    log = _log(tmp_path)
    if mode == "tampered":
        lines = _lines(log)
        lines[1], lines[2] = lines[2], lines[1]
        _write(log, lines)
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "audit", "verify", str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "CODEX_HOME": str(tmp_path / "nohome")},
    )
    if mode == "intact":
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout == f"{log}: chain intact, 10 entries\n"
    else:
        assert done.returncode == 1
        assert "chain BROKEN (10 entries checked, 2 problems)" in done.stdout
        assert "audit.jsonl line 2 (event_id e2): reordered" in done.stdout
        assert "audit.jsonl line 3 (event_id e1): reordered" in done.stdout


def _parsed(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return line


_ops = st.lists(
    st.tuples(
        st.sampled_from(["edit", "delete", "swap", "move", "forge", "truncate", "garbage"]),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_ops)
def test_any_tampering_is_reported_and_verify_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, int]]
) -> None:
    """Random combinations of edits; the only undetectable change, a correctly chained entry
    appended after the last one, is not among them."""
    log = _log(tmp_path_factory.mktemp("t"), 12)
    original = _lines(log)
    lines = list(original)
    for op, a, b in ops:
        if not lines:
            break
        i, j = a % len(lines), b % len(lines)
        if op == "edit" and isinstance(_parsed(lines[i]), dict):
            e = json.loads(lines[i])
            e["effective_decision"] = (
                "forbidden" if e.get("effective_decision") != "forbidden" else "allow"
            )
            lines[i] = json.dumps(e)
        elif op == "delete":
            del lines[i]
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "move":
            lines.insert(j, lines.pop(i))
        elif op == "forge" and i < len(lines) - 1:
            with contextlib.suppress(ValueError, KeyError):
                lines.insert(i + 1, _forge_after(lines, i, f"forged{i}"))
        elif op == "truncate":
            del lines[max(1, i) :]
        elif op == "garbage":
            lines[i] = lines[i][: len(lines[i]) // 2]
    _write(log, lines)
    report = verify_series([str(log)])
    changed = [_parsed(x) for x in lines] != [_parsed(x) for x in original]
    assert bool(report.problems) == changed, [str(p) for p in report.problems]
    for p in report.problems:
        assert p.kind in ("modified", "deleted", "inserted", "reordered", "truncated", "invalid")
