"""apply_patch protection inside a real Codex session (`codex exec` 0.169.0, loopback fake model).

The fake model answers with Codex's freeform ``apply_patch`` tool (a ``custom_tool_call`` item
whose ``input`` is the patch text). The hooks ``codex-guard install`` registers (matcher
``Bash|apply_patch``) must see it: a patch that edits the user's hooks.json is denied and the file
stays as it was, while an ordinary patch in the same session is applied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FinalMessage
from scripted_model import PatchCall, ScriptedModel, guard, rehome

pytestmark = pytest.mark.e2e


def test_apply_patch_on_hooks_json_is_denied_and_ordinary_patch_applies(
    codex_home: CodexHome, tmp_path: Path
) -> None:
    env = {"CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    done = guard(codex_home, env, "install")
    assert done.returncode == 0, done.stderr
    hooks = codex_home.hooks_json
    before = hooks.read_text()
    evil = f"*** Begin Patch\n*** Delete File: {hooks}\n*** End Patch\n"
    fine = "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** End Patch\n"
    with ScriptedModel() as server:
        home = rehome(codex_home, server)
        server.set_script(
            [PatchCall(evil, "p1"), PatchCall(fine, "p2"), FinalMessage("done")]  # type: ignore[list-item]
        )
        run = run_codex_exec(home, "tidy up", env=env)
        assert run.returncode == 0, run.stderr
        out1 = server.custom_output("p1") or ""
        out2 = server.custom_output("p2") or ""
    assert hooks.exists() and hooks.read_text() == before
    assert "blocked by PreToolUse hook" in out1 and "apply_patch may not change" in out1, out1
    assert (codex_home.workdir / "notes.txt").read_text() == "hello\n", out2
    entries = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    tools = [(e["command"], e["effective_decision"]) for e in entries if e["event"] == "PreToolUse"]
    assert tools == [
        ([["apply_patch", str(hooks)]], "forbidden"),
        ([["apply_patch", "notes.txt"]], "allow"),
    ]
