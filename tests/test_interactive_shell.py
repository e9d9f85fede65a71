"""A shell or interpreter that reads its program from the terminal is at least ``prompt``:
Codex fires no hook for ``write_stdin`` (codex-hooks.md §5), so what is typed into it later is
never judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_guard.hook import judge_command


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home" / ".codex"))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc-codex"))
    monkeypatch.delenv("CODEX_GUARD_RULES", raising=False)
    return str(tmp_path)


@pytest.mark.parametrize(
    "command",
    [
        "bash",
        "sh -i",
        "bash --norc --noprofile",
        "bash -l",
        "sh -s",
        "zsh",
        "python3",
        "python3 -u",
        "python",
        "node",
        "irb",
        "perl",
        "sudo bash",
        "exec bash",
        "env python3",
        "cd /tmp && bash",
    ],
)
def test_terminal_interpreter_prompts_naming_write_stdin(command: str, cwd: str) -> None:
    v = judge_command(command, cwd)
    assert v.decision in ("prompt", "forbidden"), command
    assert any("write_stdin" in r for r in v.reasons), v.reasons


@pytest.mark.parametrize(
    "command",
    [
        "bash script.sh",
        "python3 x.py",
        "python3 -c 'print(1)'",
        "bash -c ls",
        "python3 -m pytest -q",
        "node app.js",
        "node --version",
        "python3 -V",
        "bash --version",
        "perl -v",
        "bash < setup.sh",
        "echo ls | bash",
    ],
)
def test_scripts_and_inline_code_are_unchanged(command: str, cwd: str) -> None:
    v = judge_command(command, cwd)
    assert not any("write_stdin" in r for r in v.reasons), (command, v.reasons)
