"""``CODEX_HOME`` on a symlinked path (a dotfiles repo, macOS ``/tmp`` → ``/private/tmp``): Codex
canonicalises it (``find_codex_home``), so the trust keys ``codex-guard install`` writes must use
the resolved path, or Codex silently never runs the hook (codex-hooks.md §6.4).

Real ``codex exec`` 0.169.0 against the loopback fake model: a patch that deletes hooks.json is
denied only when Codex found our trust entries.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FinalMessage
from scripted_model import PatchCall, ScriptedModel, guard, rehome

pytestmark = pytest.mark.e2e


def test_install_through_a_symlinked_codex_home_is_trusted_by_codex(
    codex_home: CodexHome, tmp_path: Path
) -> None:
    link = tmp_path / "dotfiles-codex"
    link.symlink_to(codex_home.codex_home, target_is_directory=True)
    home = replace(codex_home, codex_home=link)
    env = {"CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    done = guard(home, env, "install")
    assert done.returncode == 0, done.stderr
    config = (codex_home.codex_home / "config.toml").read_text()
    assert f'"{codex_home.codex_home.resolve()}/hooks.json:pre_tool_use' in config, config
    hooks = codex_home.hooks_json
    before = hooks.read_text()
    evil = f"*** Begin Patch\n*** Delete File: {hooks}\n*** End Patch\n"
    with ScriptedModel() as server:
        home = rehome(home, server)
        server.set_script([PatchCall(evil, "p1"), FinalMessage("done")])  # type: ignore[list-item]
        run = run_codex_exec(home, "tidy up", env=env)
        assert run.returncode == 0, run.stderr
        out1 = server.custom_output("p1") or ""
    assert hooks.exists() and hooks.read_text() == before, out1
    assert "blocked by PreToolUse hook" in out1, out1
    entries = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert any(e["event"] == "PreToolUse" for e in entries)
    doctor = guard(home, env, "doctor")
    assert "stale" not in doctor.stdout and "no trust entry" not in doctor.stdout, doctor.stdout
