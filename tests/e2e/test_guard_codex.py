"""codex-guard inside a real Codex session (`codex exec` 0.169.0 against the loopback fake model).

codex-guard is registered with its own `codex-guard install` into a temporary CODEX_HOME, without
`--dangerously-bypass-hook-trust`: the trust entries the installer writes are what makes Codex run
the hook at all. Each test asserts on what really happened: files on disk, and what reached the
model server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec, trust_project_toml
from fake_model import FakeModelServer, FinalMessage, ShellCall

pytestmark = pytest.mark.e2e

BLOCKED = "Command blocked by PreToolUse hook:"
# A made-up key pair in the documented format (not AWS's published example, which is allowlisted).
AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "qM6SOPjmVbd1985cRdymX4JMEZOaSdtoy+DMKYvM"


def _install(home: CodexHome, audit: Path) -> dict[str, str]:
    env = home.env({"CODEX_GUARD_AUDIT_LOG": str(audit)})
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "install"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    hooks = json.loads(home.hooks_json.read_text())
    assert "PreToolUse" in hooks["hooks"] and "UserPromptSubmit" in hooks["hooks"]
    assert "trusted_hash" in home.config_toml.read_text()
    return {"CODEX_GUARD_AUDIT_LOG": str(audit)}


@pytest.fixture
def guarded(codex_home: CodexHome, tmp_path: Path) -> tuple[CodexHome, dict[str, str], Path]:
    audit = tmp_path / "audit" / "audit.jsonl"
    return codex_home, _install(codex_home, audit), audit


def _audit(audit: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in audit.read_text().splitlines()] if audit.exists() else []


def test_rm_rf_home_is_denied(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    precious = home.home / "precious.txt"
    precious.write_text("keep me")
    fake_model.set_script([ShellCall("rm -rf ~"), FinalMessage("done")])
    done = run_codex_exec(home, "clean up my home directory", env=env)
    assert done.returncode == 0, done.stderr
    assert precious.exists() and home.home.is_dir()
    out = fake_model.tool_output("call_1") or ""
    assert BLOCKED in out, out
    assert "codex-guard: forbidden" in out and "catastrophic.rules" in out
    entries = _audit(audit)
    assert any(
        e["effective_decision"] == "forbidden" and e["event"] == "PreToolUse" for e in entries
    )


def test_prompt_with_aws_key_pair_never_reaches_the_model(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    fake_model.set_script([FinalMessage("done")])
    prompt = (
        "my deploy fails, here are my creds:\n"
        f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    )
    done = run_codex_exec(home, prompt, env=env)
    assert done.returncode == 0, done.stderr
    bodies = fake_model.all_bodies_text()
    assert AWS_ID not in bodies and AWS_SECRET not in bodies
    assert fake_model.responses_requests() == []
    text = audit.read_text()
    assert AWS_ID not in text and AWS_SECRET not in text
    assert any(
        e["event"] == "UserPromptSubmit" and e["effective_decision"] == "forbidden"
        for e in _audit(audit)
    )


def test_plain_ls_runs_and_reaches_the_model(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    (home.workdir / "visible-file.txt").write_text("x")
    fake_model.set_script([ShellCall("ls"), FinalMessage("done")])
    done = run_codex_exec(home, "list the files", env=env)
    assert done.returncode == 0, done.stderr
    out = fake_model.tool_output("call_1") or ""
    assert "visible-file.txt" in out and BLOCKED not in out
    assert any(e["event"] == "PreToolUse" and e["command"] == [["ls"]] for e in _audit(audit))


def test_project_rule_in_trusted_repo_takes_effect(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, _ = guarded
    repo = home.workdir
    (repo / ".git").mkdir()
    rules = repo / ".codex" / "rules"
    rules.mkdir(parents=True)
    (rules / "team.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="forbidden", '
        'justification="this repo forbids touch", match=["touch x"])\n'
    )
    home.append_config(trust_project_toml(repo))
    fake_model.set_script([ShellCall("touch made-by-agent.txt"), FinalMessage("done")])
    # --ignore-rules: Codex's own engine skips user/project rules, so only the hook can enforce.
    done = run_codex_exec(home, "create a file", env=env, extra_args=["--ignore-rules"])
    assert done.returncode == 0, done.stderr
    assert not (repo / "made-by-agent.txt").exists()
    out = fake_model.tool_output("call_1") or ""
    assert BLOCKED in out and "this repo forbids touch" in out, out


def test_project_rule_control_without_rule_runs(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    """Control for the test above: the same command without the rule really creates the file."""
    home, env, _ = guarded
    fake_model.set_script([ShellCall("touch made-by-agent.txt"), FinalMessage("done")])
    done = run_codex_exec(home, "create a file", env=env, extra_args=["--ignore-rules"])
    assert done.returncode == 0, done.stderr
    assert (home.workdir / "made-by-agent.txt").exists()


def test_audit_chain_verifies_after_a_session(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    fake_model.set_script([ShellCall("echo hi && rm -rf /"), FinalMessage("done")])
    run_codex_exec(home, "go", env=env)
    assert audit.exists()
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "audit", "verify", str(audit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout + done.stderr
