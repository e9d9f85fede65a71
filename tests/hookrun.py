"""Run the real hook process on an event, in an isolated home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class HookEnv:
    """An isolated HOME / CODEX_HOME / system dir / audit log for hook runs."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def codex_home(self) -> Path:
        return self.home / ".codex"

    @property
    def system(self) -> Path:
        return self.root / "etc-codex"

    @property
    def audit(self) -> Path:
        return self.root / "audit" / "audit.jsonl"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX")}
        env.update(
            HOME=str(self.home),
            CODEX_HOME=str(self.codex_home),
            CODEX_GUARD_SYSTEM_DIR=str(self.system),
            CODEX_GUARD_AUDIT_LOG=str(self.audit),
            CODEX_GUARD_CACHE_DIR=str(self.root / "cache"),
        )
        return env

    def write_rules(self, folder: Path, name: str, text: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        p = folder / name
        p.write_text(text)
        return p

    def run(
        self, stdin: bytes | str | dict[str, Any], *args: str
    ) -> subprocess.CompletedProcess[bytes]:
        if isinstance(stdin, dict):
            stdin = json.dumps(stdin)
        if isinstance(stdin, str):
            stdin = stdin.encode()
        return subprocess.run(
            [sys.executable, "-m", "codex_guard", "hook", *args],
            input=stdin,
            capture_output=True,
            env=self.env(),
            timeout=60,
            check=False,
        )


def pre_tool(
    command: str, cwd: str = "/tmp", *, codex: bool = True, tool: str = "Bash"
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "session_id": "s-1",
        "transcript_path": None,
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "model": "gpt-5.5",
        "permission_mode": "bypassPermissions",
        "tool_name": tool,
        "tool_input": {"command": command},
        "tool_use_id": "call_1",
    }
    if codex:
        ev["turn_id"] = "t-1"
    return ev


def prompt_event(prompt: str, *, codex: bool = True) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "session_id": "s-1",
        "transcript_path": None,
        "cwd": "/tmp",
        "hook_event_name": "UserPromptSubmit",
        "model": "gpt-5.5",
        "permission_mode": "default",
        "prompt": prompt,
    }
    if codex:
        ev["turn_id"] = "t-1"
    return ev
