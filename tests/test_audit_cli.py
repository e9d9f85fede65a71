"""``codex-guard audit export / tail / stats / path`` on a real log."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codex_guard.audit.export import COLUMNS
from codex_guard.audit.log import append

RULE = {
    "file": "/p/baseline.rules:12",
    "pattern": ["rm", "-rf"],
    "decision": "forbidden",
    "justification": "no recursive deletes",
}
SCAN = {
    "file": "codex-guard:scan",
    "pattern": ["aws-access-key-id"],
    "decision": "forbidden",
    "justification": "AWS access key id: AKIA************FUEM",
}


def _entry(
    ts: str,
    decision: str,
    command: list[list[str]],
    rules: list[dict[str, object]],
    event: str = "PreToolUse",
) -> dict[str, object]:
    return {
        "timestamp": ts,
        "event_id": f"id-{ts}",
        "user": "alice",
        "session_id": "s1",
        "command": command,
        "working_directory": "/w",
        "policy_files": ["/p/baseline.rules", "/u/team.rules"],
        "matched_rules": rules,
        "effective_decision": decision,
        "event": event,
        "client": "codex",
    }


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    for e in (
        _entry("2026-11-19T09:00:00.000Z", "allow", [["ls"]], []),
        _entry(
            "2026-11-20T09:00:00.000Z", "forbidden", [["echo", "hi"], ["rm", "-rf", "/"]], [RULE]
        ),
        _entry("2026-11-20T10:00:00.000Z", "forbidden", [], [SCAN], "UserPromptSubmit"),
        _entry(
            "2026-11-21T09:00:00.000Z",
            "prompt",
            [["=cmd", "x"]],
            [{**RULE, "decision": "prompt", "pattern": ["="]}],
        ),
        _entry("2026-11-21T10:00:00.000Z", "forbidden", [["rm", "-rf", "~"]], [RULE]),
    ):
        append(e, str(path))
    return path


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", "audit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env or os.environ.copy(),
    )


def test_export_csv(log: Path) -> None:
    done = _cli("export", "--csv", str(log))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["effective_decision"] for r in rows] == [
        "allow",
        "forbidden",
        "forbidden",
        "prompt",
        "forbidden",
    ]
    assert all(r["chain_valid"] == "true" for r in rows)
    second = rows[1]
    assert second["command"] == "echo hi ; rm -rf /"
    assert second["policy_files"] == "/p/baseline.rules | /u/team.rules"
    assert (
        second["matched_rules"] == "/p/baseline.rules:12 [rm -rf] forbidden: no recursive deletes"
    )
    assert second["seq"] == "2" and second["user"] == "alice" and len(second["chain_hash"]) == 64
    assert rows[3]["command"] == "'=cmd x"  # no spreadsheet formula


def test_export_filters(log: Path) -> None:
    done = _cli(
        "export",
        "--csv",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-21T09:30Z",
        "--decision",
        "forbidden",
        str(log),
    )
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["timestamp"] for r in rows] == [
        "2026-11-20T09:00:00.000Z",
        "2026-11-20T10:00:00.000Z",
    ]
    bad = _cli("export", "--csv", "--since", "yesterday", str(log))
    assert bad.returncode == 2 and "not a time: 'yesterday'" in bad.stderr
    assert _cli("export", str(log)).returncode == 2  # a format is required


def test_export_jsonl_marks_tampered_entries(log: Path, tmp_path: Path) -> None:
    lines = log.read_text().splitlines()
    e = json.loads(lines[1])
    e["effective_decision"] = "allow"
    lines[1] = json.dumps(e)
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    done = _cli("export", "--jsonl", "-o", str(out), str(log))
    assert done.returncode == 0 and "5 entries written" in done.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["chain_valid"] for r in rows] == [True, False, True, True, True]
    assert {k: v for k, v in rows[0].items() if k != "chain_valid"} == json.loads(lines[0])


def test_stats_json_and_text(log: Path) -> None:
    done = _cli("stats", "--json", str(log))
    stats = json.loads(done.stdout)
    assert stats["total"] == 5
    assert stats["by_decision"] == {"allow": 1, "prompt": 1, "forbidden": 3}
    assert stats["by_event"] == {"PreToolUse": 4, "UserPromptSubmit": 1}
    assert stats["by_rule"][0] == {
        "rule": "/p/baseline.rules:12",
        "pattern": "rm -rf",
        "decision": "forbidden",
        "count": 2,
    }
    assert stats["by_day"] == {
        "2026-11-19": {"allow": 1},
        "2026-11-20": {"forbidden": 2},
        "2026-11-21": {"prompt": 1, "forbidden": 1},
    }
    text = _cli("stats", str(log)).stdout
    assert "5 decisions" in text and "2026-11-20" in text and "/p/baseline.rules:12" in text
    since = json.loads(_cli("stats", "--json", "--since", "2026-11-21", str(log)).stdout)
    assert since["total"] == 2


def test_tail(log: Path) -> None:
    done = _cli("tail", "-n", "3", str(log))
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0] == (
        "2026-11-20 10:00:00Z  forbidden  UserPromptSubmit   prompt with aws-access-key-id"
        "  <- codex-guard:scan: AWS access key id: AKIA************FUEM"
    )
    assert lines[2] == (
        "2026-11-21 10:00:00Z  forbidden  PreToolUse         rm -rf '~'"
        "  <- /p/baseline.rules:12: no recursive deletes"
    )


def test_tail_follow_sees_new_entries_across_a_rotation(log: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "codex_guard", "audit", "tail", "-f", "-n", "1", str(log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "rm -rf '~'" in proc.stdout.readline()
        time.sleep(0.5)  # let it start following
        append(_entry("2026-11-21T11:00:00.000Z", "allow", [["git", "status"]], []), str(log))
        assert "git status" in proc.stdout.readline()
        append(_entry("2026-11-21T11:00:01.000Z", "allow", [["pwd"]], []), str(log), rotate_bytes=1)
        assert "pwd" in proc.stdout.readline()
        append(_entry("2026-11-21T11:00:02.000Z", "allow", [["whoami"]], []), str(log))
        assert "whoami" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_path_and_usage(tmp_path: Path) -> None:
    env = {**os.environ, "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "x.jsonl")}
    assert _cli("path", env=env).stdout == f"{tmp_path / 'x.jsonl'}\n"
    assert _cli(env=env).returncode == 2
    nothing = _cli("verify", env=env)
    assert nothing.returncode == 0 and "no audit log" in nothing.stdout
    assert _cli("bogus", env=env).returncode == 2
