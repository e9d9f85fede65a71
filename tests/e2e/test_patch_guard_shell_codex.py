"""``apply_patch <<'EOF' … EOF`` given to Codex's shell tool (exec_command) in a real Codex
session (`codex exec` 0.169.0, loopback fake model): Codex recognises the heredoc form and applies
the patch itself; codex-guard must still deny a patch that edits the user's hooks.json, while an
ordinary one goes through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FakeModelServer, FinalMessage, ShellCall
from scripted_model import guard

pytestmark = pytest.mark.e2e


def test_shell_apply_patch_heredoc_on_hooks_json_is_denied(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    env = {"CODEX_GUARD_AUDIT_LOG": str(audit)}
    done = guard(codex_home, env, "install")
    assert done.returncode == 0, done.stderr
    hooks = codex_home.hooks_json
    before = hooks.read_text()
    evil = f"apply_patch <<'EOF'\n*** Begin Patch\n*** Delete File: {hooks}\n*** End Patch\nEOF\n"
    fine = (
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: notes.txt\n+hi\n*** End Patch\nEOF\n"
    )
    fake_model.set_script(
        [ShellCall(evil, call_id="s1"), ShellCall(fine, call_id="s2"), FinalMessage("done")]
    )
    run = run_codex_exec(codex_home, "tidy up", env=env)
    assert run.returncode == 0, run.stderr
    out1 = fake_model.tool_output("s1") or ""
    assert hooks.exists() and hooks.read_text() == before, out1
    assert "may not change" in out1, out1
    assert (codex_home.workdir / "notes.txt").read_text() == "hi\n", fake_model.tool_output("s2")
    entries = [json.loads(x) for x in audit.read_text().splitlines()]
    denied = [e for e in entries if e["effective_decision"] == "forbidden"]
    assert denied and denied[0]["event"] == "PreToolUse", entries
