"""The hook's hard deadline (review #1): a decision that runs too long, or whose process dies,
is answered fail-closed by the parent before Codex's 30 s hook timeout (Codex fails open on a
timeout or a crash, codex-hooks.md §4)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from codex_guard.commands import hook as hook_cmd
from codex_guard.events import parse_event
from tests.hookrun import HookEnv, pre_tool, prompt_event

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the deadline needs os.fork")

# review #1 repro A: a project detector whose regex backtracks catastrophically on "aaaa…"
EVIL = """[scan]
regex_timeout_ms = 600000
[[scan.detector]]
id = "evil"
description = "evil"
keywords = ["aaaa"]
regex = '''((a|aa)+)+\\d'''
secret_group = 1
severity = "high"
"""
HANG = "a" * 34


def _project(henv: HookEnv) -> Path:
    proj = henv.root / "proj"
    (proj / ".git").mkdir(parents=True)
    (proj / ".codex").mkdir()
    (proj / ".codex" / "guardrails.toml").write_text(EVIL)
    henv.codex_home.mkdir(parents=True, exist_ok=True)
    return proj


def _run(henv: HookEnv, event: dict[str, Any], deadline: str) -> tuple[Any, float]:
    env = henv.env()
    env["CODEX_GUARD_DEADLINE_S"] = deadline
    import subprocess
    import sys

    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook", "--client", "codex"],
        input=json.dumps(event).encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    return done, time.monotonic() - t0


def _audit(henv: HookEnv) -> list[dict[str, Any]]:
    return [json.loads(x) for x in henv.audit.read_text().splitlines()]


def test_catastrophic_project_regex_is_denied_within_the_deadline(tmp_path: Path) -> None:
    henv = HookEnv(tmp_path)
    proj = _project(henv)
    done, took = _run(henv, pre_tool(f"rm -rf / # {HANG}", str(proj)), "1.5")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    hso = out["hookSpecificOutput"]
    assert hso["permissionDecision"] == "deny"
    assert "in time" in hso["permissionDecisionReason"]
    assert took < 15  # the scan alone runs for minutes; the answer comes after ~1.5 s
    (entry,) = _audit(henv)
    assert entry["effective_decision"] == "forbidden"
    assert any("deadline" in r for r in entry["reasons"])


def test_hanging_prompt_scan_is_blocked(tmp_path: Path) -> None:
    henv = HookEnv(tmp_path)
    proj = _project(henv)
    event = prompt_event(f"look at {HANG}")
    event["cwd"] = str(proj)
    done, _ = _run(henv, event, "1")
    out = json.loads(done.stdout)
    assert out["decision"] == "block" and "in time" in out["reason"]
    (entry,) = _audit(henv)
    assert entry["event"] == "UserPromptSubmit" and entry["effective_decision"] == "forbidden"


def test_normal_decisions_are_unaffected(tmp_path: Path) -> None:
    henv = HookEnv(tmp_path)
    proj = _project(henv)
    done, _ = _run(henv, pre_tool("ls -la", str(proj)), "20")
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    done, _ = _run(henv, pre_tool("rm -rf /", str(proj)), "20")
    reason = json.loads(done.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "forbidden by" in reason and "in time" not in reason
    assert [e["effective_decision"] for e in _audit(henv)] == ["allow", "forbidden"]


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CODEX_GUARD_AUDIT_LOG", str(log))
    monkeypatch.setenv("CODEX_GUARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CODEX_GUARD_DEADLINE_S", "5")
    for key, sub in (("HOME", "home"), ("CODEX_HOME", "home/.codex"), ("XDG_CONFIG_HOME", "xdg")):
        monkeypatch.setenv(key, str(tmp_path / sub))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc-codex"))
    return log


def _killed(*_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # what an OOM kill looks like to the parent


def _exits(*_: object) -> None:
    raise SystemExit(3)


@pytest.mark.parametrize(("death", "why"), [(_killed, "signal 9"), (_exits, "exit status 70")])
def test_a_dead_decision_process_fails_closed(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, death: Any, why: str
) -> None:
    """A real forked child that dies without an answer: the parent denies, says why, logs it."""
    monkeypatch.setattr(hook_cmd, "_decide", death)
    event = parse_event(json.dumps(pre_tool("ls")).encode(), "codex")
    out = hook_cmd._decide_within_deadline(event, None)
    assert out is not None
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert why in out["hookSpecificOutput"]["permissionDecisionReason"]
    (entry,) = [json.loads(x) for x in isolated.read_text().splitlines()]
    assert entry["effective_decision"] == "forbidden" and why in entry["reasons"][0]


def test_no_output_answer_passes_through(isolated: Path) -> None:
    """A child that decides "no output" (allow on Codex) is not mistaken for a dead one."""
    event = parse_event(json.dumps(pre_tool("ls")).encode(), "codex")
    assert hook_cmd._decide_within_deadline(event, None) is None


def test_deadline_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_GUARD_DEADLINE_S", raising=False)
    assert hook_cmd.deadline_s() == hook_cmd.DEFAULT_DEADLINE_S < 30
    for bad in ("x", "-1", "0", "1e9"):
        monkeypatch.setenv("CODEX_GUARD_DEADLINE_S", bad)
        assert hook_cmd.deadline_s() == hook_cmd.DEFAULT_DEADLINE_S
    monkeypatch.setenv("CODEX_GUARD_DEADLINE_S", "0.5")
    assert hook_cmd.deadline_s() == 0.5


def _warm(henv: HookEnv, event: dict[str, Any]) -> None:
    done, _ = _run(henv, event, "20")  # fills the compiled-policy cache
    assert done.returncode == 0, done.stderr


def test_plain_command_without_repository_input_is_decided_in_process(tmp_path: Path) -> None:
    """No fork (issue 8) when nothing a repository controls is read: a deadline far too short
    for a forked decision does not matter, the warm plain command is decided and allowed."""
    henv = HookEnv(tmp_path)
    henv.write_rules(henv.codex_home / "rules", "u.rules", 'prefix_rule(["ls"], "allow")\n')
    work = tmp_path / "work"
    work.mkdir()
    event = pre_tool("ls -la", str(work))
    _warm(henv, event)
    done, _ = _run(henv, event, "0.001")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""  # allowed: Codex's no-output answer
    assert _audit(henv)[-1]["effective_decision"] == "allow"


@pytest.mark.parametrize(
    ("why", "command"),
    [
        ("project rules", "ls -la"),
        ("project guardrails", "ls -la"),
        ("not plain words", "ls -la | grep 'x y'"),
        ("cache miss", "ls -la"),
    ],
)
def test_anything_a_repository_controls_keeps_the_deadline(
    tmp_path: Path, why: str, command: str
) -> None:
    """The same event under a 1 ms deadline is failed closed once the decision needs the fork:
    project rule files or guardrails, a script that needs the parser, a cache miss."""
    henv = HookEnv(tmp_path)
    henv.write_rules(henv.codex_home / "rules", "u.rules", 'prefix_rule(["ls"], "allow")\n')
    proj = tmp_path / "proj"
    (proj / ".git").mkdir(parents=True)
    if why == "project rules":
        henv.write_rules(proj / ".codex" / "rules", "p.rules", 'prefix_rule(["ls"], "allow")\n')
    if why == "project guardrails":
        (proj / ".codex").mkdir()
        (proj / ".codex" / "guardrails.toml").write_text("[scan]\n")
    event = pre_tool(command, str(proj))
    if why != "cache miss":
        _warm(henv, event)
    done, _ = _run(henv, event, "0.001")
    assert done.returncode == 0, done.stderr
    hso = json.loads(done.stdout)["hookSpecificOutput"]
    assert hso["permissionDecision"] == "deny"
    assert "in time" in hso["permissionDecisionReason"], hso
