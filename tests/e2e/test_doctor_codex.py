"""doctor's trust check against the real thing: when doctor says a trust hash is stale, a real
`codex exec` (0.169.0) really skips the hook and runs a forbidden command; after a reinstall
doctor passes and the same command is denied again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FakeModelServer, FinalMessage, ShellCall
from scripted_model import guard

pytestmark = pytest.mark.e2e

RULE = 'prefix_rule(pattern=["touch"], decision="forbidden", justification="no touching")\n'


def _touch(home: CodexHome, server: FakeModelServer, env: dict[str, str], name: str) -> bool:
    server.set_script([ShellCall(f"touch {name}"), FinalMessage("done")])
    # --ignore-rules: Codex's own engine would also forbid `touch`; only the hook may decide.
    done = run_codex_exec(home, "touch it", env=env, extra_args=["--ignore-rules"])
    assert done.returncode == 0, done.stderr
    return (home.workdir / name).exists()


def test_stale_trust_seen_by_doctor_is_a_hook_codex_really_skips(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> None:
    env = {"CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    rules = codex_home.codex_home / "rules"
    rules.mkdir()
    (rules / "user.rules").write_text(RULE)
    assert guard(codex_home, env, "install").returncode == 0
    ok = guard(codex_home, env, "doctor")
    assert ok.returncode == 0, ok.stdout
    assert not _touch(codex_home, fake_model, env, "a.txt")  # enforced

    cfg = codex_home.config_toml
    text = cfg.read_text()
    key = re.escape(f"{codex_home.hooks_json}:pre_tool_use:0:0")
    text = re.sub(
        rf'(\[hooks\.state\."{key}"\]\ntrusted_hash = ")sha256:[0-9a-f]+',
        r"\g<1>sha256:" + "0" * 64,
        text,
    )
    cfg.write_text(text)
    bad = guard(codex_home, env, "doctor")
    assert bad.returncode == 1 and "stale trust hash" in bad.stdout, bad.stdout
    assert _touch(codex_home, fake_model, env, "b.txt")  # Codex silently skipped the hook

    assert guard(codex_home, env, "install").returncode == 0
    assert guard(codex_home, env, "doctor").returncode == 0
    assert not _touch(codex_home, fake_model, env, "c.txt")
