"""Every hook decision of real `codex exec` sessions lands in the audit log, chained.

codex-guard is installed with its own installer into a temporary CODEX_HOME; Codex 0.169.0 runs
against the loopback fake model. Session 1 runs an allowed command (`ls`) and a forbidden one
(`rm -rf ~`); session 2 sends a prompt holding an AWS key pair, which the hook blocks. The log must
then hold exactly those decisions, with the right `effective_decision`, the sessions' ids, the
user from `CODEX_GUARD_USER`, no secret, and a chain `audit verify` accepts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FakeModelServer, FinalMessage, ShellCall

pytestmark = pytest.mark.e2e

AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "qM6SOPjmVbd1985cRdymX4JMEZOaSdtoy+DMKYvM"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_decision_of_a_session_is_in_the_log(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> None:
    audit = tmp_path / "audit" / "audit.jsonl"
    extra = {"CODEX_GUARD_AUDIT_LOG": str(audit), "CODEX_GUARD_USER": "e2e-auditor"}
    env = codex_home.env(extra)
    installed = _cli(env, "install")
    assert installed.returncode == 0, installed.stderr
    precious = codex_home.home / "precious.txt"
    precious.write_text("keep me")
    (codex_home.workdir / "visible.txt").write_text("x")

    fake_model.set_script([ShellCall("ls"), ShellCall("rm -rf ~"), FinalMessage("done")])
    first = run_codex_exec(codex_home, "list my files, then clean up my home", env=extra)
    assert first.returncode == 0, first.stderr
    assert "visible.txt" in (fake_model.tool_output("call_1") or "")
    assert "Command blocked by PreToolUse hook" in (fake_model.tool_output("call_2") or "")
    assert precious.exists()

    asked = len(fake_model.responses_requests())
    fake_model.set_script([FinalMessage("should never be asked")])
    prompt = f"deploy with aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    second = run_codex_exec(codex_home, prompt, env=extra)
    assert second.returncode == 0, second.stderr
    assert len(fake_model.responses_requests()) == asked  # blocked before the model

    raw = audit.read_text(encoding="utf-8")
    assert AWS_ID not in raw and AWS_SECRET not in raw
    entries = [json.loads(x) for x in raw.splitlines()]
    # PostToolUse entries (when that hook is installed) may sit in between: only the command
    # that really ran may have one.
    post = [e for e in entries if e["event"] == "PostToolUse"]
    assert all(e["command"] == [["ls"]] for e in post)
    decisions = [
        (e["event"], e["command"], e["effective_decision"])
        for e in entries
        if e["event"] != "PostToolUse"
    ]
    assert decisions == [
        ("UserPromptSubmit", [], "allow"),
        ("PreToolUse", [["ls"]], "allow"),
        ("PreToolUse", [["rm", "-rf", "~"]], "forbidden"),
        ("UserPromptSubmit", [], "forbidden"),
    ]
    assert all(e["user"] == "e2e-auditor" and e["client"] == "codex" for e in entries)
    sessions = [e["session_id"] for e in entries]
    assert all(sessions) and len(set(sessions[:-1])) == 1 and sessions[-1] != sessions[0]
    assert all(e["working_directory"] == str(codex_home.workdir) for e in entries)
    rm = next(e for e in entries if e["effective_decision"] == "forbidden")
    assert rm["matched_rules"] and rm["matched_rules"][0]["decision"] == "forbidden"
    assert any(p.endswith("catastrophic.rules") for p in rm["policy_files"])
    kinds = {r["pattern"][0] for r in entries[-1]["matched_rules"]}
    assert {"aws-access-key-id", "aws-secret-access-key"} <= kinds
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))

    verify_env = {**os.environ, "CODEX_GUARD_AUDIT_LOG": str(audit)}
    verified = _cli(verify_env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"chain intact, {len(entries)} entries" in verified.stdout
    stats = json.loads(_cli(verify_env, "audit", "stats", "--json").stdout)
    assert stats["by_decision"]["forbidden"] == 2
