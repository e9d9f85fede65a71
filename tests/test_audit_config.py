"""The ``[audit]`` table: user and system guardrails.toml, never the project's; env override."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codex_guard.audit.config import DEFAULT_ROTATE_BYTES, AuditConfigError, load


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    home = tmp_path / "codex"
    system = tmp_path / "etc"
    home.mkdir()
    system.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(system))
    monkeypatch.delenv("CODEX_GUARD_AUDIT_LOG", raising=False)
    return home, system


def test_defaults(dirs: tuple[Path, Path]) -> None:
    cfg = load()
    assert cfg.path.endswith(os.path.join("codex-guard", "audit.jsonl"))
    assert (cfg.rotate_bytes, cfg.keep, cfg.otel, cfg.sources) == (
        DEFAULT_ROTATE_BYTES,
        0,
        None,
        (),
    )


def test_user_file(
    dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = dirs
    monkeypatch.setenv("LOGROOT", str(tmp_path / "logs"))
    (home / "guardrails.toml").write_text(
        '[audit]\npath = "$LOGROOT/a.jsonl"\nrotate_bytes = 1000\nkeep = 3\n'
        '[audit.otel]\nendpoint = "http://127.0.0.1:4318/v1/logs"\nheaders = { x-token = "t" }\n'
    )
    cfg = load()
    assert cfg.path == str(tmp_path / "logs" / "a.jsonl")
    assert (cfg.rotate_bytes, cfg.keep) == (1000, 3)
    assert cfg.otel is not None and cfg.otel.headers == {"x-token": "t"}
    assert cfg.otel.service_name == "codex-guard" and cfg.otel.timeout == 2.0


def test_system_wins_and_env_wins_over_both(
    dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, system = dirs
    (home / "guardrails.toml").write_text('[audit]\npath = "/user/a.jsonl"\nkeep = 1\n')
    (system / "guardrails.toml").write_text('[audit]\npath = "/org/a.jsonl"\n')
    cfg = load()
    assert (cfg.path, cfg.keep) == ("/org/a.jsonl", 1)
    monkeypatch.setenv("CODEX_GUARD_AUDIT_LOG", str(tmp_path / "env.jsonl"))
    assert load().path == str(tmp_path / "env.jsonl")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[audit\n", "not valid TOML"),
        ("audit = 3\n", "[audit] must be a table"),
        ("[audit]\nrotate_bytes = -1\n", "rotate_bytes must be a non-negative integer"),
        ("[audit]\npath = 3\n", "path must be a non-empty string"),
        ('[audit.otel]\nendpoint = "ftp://x"\n', "endpoint must be an http(s) URL"),
        ('[audit.otel]\nendpoint = "http://x"\nheaders = { a = 1 }\n', "headers must be a table"),
    ],
)
def test_bad_values_name_the_file(dirs: tuple[Path, Path], text: str, message: str) -> None:
    home, _ = dirs
    (home / "guardrails.toml").write_text(text)
    with pytest.raises(AuditConfigError) as e:
        load()
    assert str(home / "guardrails.toml") in str(e.value) and message in str(e.value)


def _hook(env: dict[str, str], cwd: Path, command: str) -> subprocess.CompletedProcess[bytes]:
    event = {
        "hook_event_name": "PreToolUse",
        "turn_id": "t",
        "session_id": "s",
        "cwd": str(cwd),
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook"],
        input=json.dumps(event).encode(),
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_hook_writes_where_the_user_file_says_and_a_project_cannot_redirect(
    dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = dirs
    (home / "guardrails.toml").write_text(f'[audit]\npath = "{tmp_path / "mine" / "a.jsonl"}"\n')
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    (project / ".codex").mkdir()
    (project / ".codex" / "guardrails.toml").write_text(
        f'[audit]\npath = "{tmp_path / "hostile.jsonl"}"\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "CODEX_GUARD_AUDIT_LOG"}
    env["HOME"] = str(tmp_path)
    done = _hook(env, project, "ls")
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    entries = (tmp_path / "mine" / "a.jsonl").read_text().splitlines()
    assert len(entries) == 1 and json.loads(entries[0])["command"] == [["ls"]]
    assert not (tmp_path / "hostile.jsonl").exists()


def test_hook_with_a_broken_audit_table_still_logs_and_decides(
    dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = dirs
    (home / "guardrails.toml").write_text("[audit]\nrotate_bytes = 'big'\n")
    env = {**os.environ, "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "a.jsonl")}
    done = _hook(env, tmp_path, "rm -rf /")
    assert json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert b"rotate_bytes must be a non-negative integer" in done.stderr
    assert json.loads((tmp_path / "a.jsonl").read_text())["effective_decision"] == "forbidden"
