"""PermissionRequest in the real interactive Codex (0.169.0 TUI in tmux, loopback fake model).

`codex exec` never asks for approval, so PermissionRequest only fires in the TUI: with
``approval_policy = "on-request"`` and a read-only sandbox, a model call with
``sandbox_permissions: "require_escalated"`` makes Codex ask the person. The ``allow`` rule lives
in ``$CODEX_HOME/guard/`` (read by codex-guard only, never by Codex's own engine), so what lets the
command through without a dialog can only be codex-guard's PermissionRequest answer; without a
rule the hook answers nothing and Codex shows its approval dialog as usual.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from codex_env import CodexHome, codex_bin, trust_project_toml
from fake_model import FakeModelServer, FinalMessage, ShellCall
from scripted_model import guard

pytestmark = pytest.mark.e2e


class Tui:
    """Codex's TUI in a detached tmux session of its own."""

    def __init__(self, home: CodexHome, env: dict[str, str], name: str) -> None:
        self.name = name
        keep = ("HOME", "CODEX_HOME", "PATH", "NO_PROXY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
        pairs = {k: v for k, v in home.env(env).items() if k in keep or k.startswith("CODEX_GUARD")}
        exports = " ".join(f"{k}={json.dumps(v)}" for k, v in pairs.items())
        cmd = (
            f"cd {json.dumps(str(home.workdir))} && env {exports} TERM=xterm-256color "
            f"{codex_bin()} --cd {json.dumps(str(home.workdir))} 'make the file'"
        )
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "50", cmd], check=True
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        ).stdout

    def wait(self, done: Path, seconds: float) -> str:
        """Dismiss the model-upgrade notice; return the screen once ``done`` exists, a dialog
        asks for approval, or time is up."""
        end = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < end:
            time.sleep(0.5)
            screen = self.screen()
            if "Use existing model" in screen:
                subprocess.run(["tmux", "send-keys", "-t", self.name, "2", "Enter"])
                continue
            if done.exists() or "Would you like to run" in screen:
                break
        return screen

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def run_tui(home: CodexHome, env: dict[str, str], name: str, target: Path) -> str:
    """Run one TUI session until ``target`` exists or Codex asks; returns the last screen."""
    tui = Tui(home, env, name)
    try:
        return tui.wait(target, 60)
    finally:
        tui.close()


@pytest.fixture
def tui_home(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> Iterator[tuple[CodexHome, dict[str, str]]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is needed to drive the Codex TUI")
    cfg = codex_home.config_toml.read_text()
    cfg = cfg.replace('approval_policy = "never"', 'approval_policy = "on-request"')
    cfg = cfg.replace('sandbox_mode = "danger-full-access"', 'sandbox_mode = "read-only"')
    codex_home.config_toml.write_text(cfg)
    codex_home.append_config(trust_project_toml(codex_home.workdir))
    env = {
        "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "CODEX_GUARD_STATE_DIR": str(tmp_path / "state"),
    }
    done = guard(codex_home, env, "install")
    assert done.returncode == 0, done.stderr
    fake_model.set_script(
        [
            ShellCall(
                "touch escalated.txt",
                extra_args={"sandbox_permissions": "require_escalated", "justification": "x"},
            ),
            FinalMessage("done"),
        ]
    )
    yield codex_home, env


def _events(tmp_path: Path) -> list[tuple[str, str]]:
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    return [(e["event"], e["effective_decision"]) for e in map(json.loads, lines)]


def test_user_guard_allow_rule_approves_without_a_dialog(
    tui_home: tuple[CodexHome, dict[str, str]], tmp_path: Path
) -> None:
    home, env = tui_home
    guard = home.codex_home / "guard"
    guard.mkdir()
    (guard / "user.rules").write_text('prefix_rule(pattern=["touch"], decision="allow")\n')
    target = home.workdir / "escalated.txt"
    screen = run_tui(home, env, f"cg-pr-allow-{tmp_path.name}", target)
    assert target.exists(), screen
    assert "Would you like to run" not in screen
    assert ("PermissionRequest", "allow") in _events(tmp_path)


def test_without_a_rule_codex_asks_the_person(
    tui_home: tuple[CodexHome, dict[str, str]], tmp_path: Path
) -> None:
    home, env = tui_home
    target = home.workdir / "escalated.txt"
    screen = run_tui(home, env, f"cg-pr-ask-{tmp_path.name}", target)
    assert "Would you like to run" in screen and not target.exists(), screen
    assert any(ev == "PermissionRequest" for ev, _ in _events(tmp_path))
