"""codex-guard inside a real Claude Code session (`claude -p`, @anthropic-ai/claude-code@2.1.328)
against the loopback fake Messages API (:mod:`fake_anthropic`).

Root-safe configuration: ``--dangerously-skip-permissions`` refuses to run as root, so Claude
Code's own permission layer is opened with ``--allowedTools Bash`` (the control test proves a
command really runs that way); the only thing left to stop a command is codex-guard's hook, which
``codex-guard install --client claude`` writes into ``$CLAUDE_CONFIG_DIR/settings.json``.
Telemetry, auto-update, error reporting and other non-essential traffic are switched off through
the environment, and HTTP(S)_PROXY points at the fake server so any other outbound request is
recorded and refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from codex_env import REPO_ROOT
from fake_anthropic import FakeAnthropic, Text, ToolUse

pytestmark = pytest.mark.e2e

CLAUDE = REPO_ROOT / "node_modules" / ".bin" / "claude"
AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "qM6SOPjmVbd1985cRdymX4JMEZOaSdtoy+DMKYvM"


class Session:
    """An isolated HOME / CLAUDE_CONFIG_DIR / CODEX_HOME / workdir with codex-guard installed."""

    def __init__(self, root: Path, server: FakeAnthropic) -> None:
        self.root = root
        self.home = root / "home"
        self.work = root / "work"
        self.audit = root / "audit.jsonl"
        self.server = server
        for d in (self.home / ".codex" / "rules", self.work):
            d.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        scrub = ("ANTHROPIC_", "CLAUDE", "CODEX", "OPENAI_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(scrub)}
        env.update(
            HOME=str(self.home),
            CLAUDE_CONFIG_DIR=str(self.home / ".claude"),
            CODEX_HOME=str(self.home / ".codex"),
            CODEX_GUARD_AUDIT_LOG=str(self.audit),
            CODEX_GUARD_STATE_DIR=str(self.root / "state"),
            ANTHROPIC_BASE_URL=self.server.origin,
            ANTHROPIC_API_KEY="sk-ant-loopback-dummy",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
            DISABLE_TELEMETRY="1",
            DISABLE_AUTOUPDATER="1",
            DISABLE_ERROR_REPORTING="1",
            HTTPS_PROXY=self.server.origin,
            HTTP_PROXY=self.server.origin,
            NO_PROXY="127.0.0.1,localhost",
        )
        return env

    def install(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "codex_guard", "install", "--client", "claude"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        hooks = json.loads((self.home / ".claude" / "settings.json").read_text())["hooks"]
        assert {"PreToolUse", "UserPromptSubmit", "PermissionRequest"} <= set(hooks)

    def claude(self, prompt: str, tools: str = "Bash") -> subprocess.CompletedProcess[str]:
        """``claude -p PROMPT`` with Claude Code's own permissions opened for ``tools``."""
        return subprocess.run(
            [str(CLAUDE), "-p", prompt, "--allowedTools", tools, "--output-format", "json"],
            env=self.env(),
            cwd=self.work,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def entries(self) -> list[dict[str, object]]:
        if not self.audit.exists():
            return []
        return [json.loads(x) for x in self.audit.read_text().splitlines()]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    if not (CLAUDE.exists() and os.access(CLAUDE, os.X_OK)):
        pytest.skip("claude CLI not installed: run `npm ci` (@anthropic-ai/claude-code@2.1.328)")
    with FakeAnthropic() as server:
        s = Session(tmp_path, server)
        s.install()
        yield s
        assert server.proxy_attempts() == []  # nothing tried to leave loopback


def test_control_an_unmatched_command_really_runs(session: Session) -> None:
    session.server.set_script([ToolUse({"command": "touch ok.txt"}, id="t1"), Text("done")])
    done = session.claude("make ok.txt")
    assert done.returncode == 0, done.stderr
    assert (session.work / "ok.txt").exists()
    assert any(e["event"] == "PreToolUse" and e["client"] == "claude" for e in session.entries())


def test_forbidden_commands_are_denied_and_do_not_run(session: Session) -> None:
    (session.home / ".codex" / "rules" / "user.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="forbidden", justification="no new files")\n'
    )
    precious = session.home / "precious.txt"
    precious.write_text("keep me")
    session.server.set_script(
        [
            ToolUse({"command": "rm -rf ~"}, id="t1"),
            ToolUse({"command": "touch forbidden.txt"}, id="t2"),
            Text("done"),
        ]
    )
    done = session.claude("clean up and make a file")
    assert done.returncode == 0, done.stderr
    assert precious.exists()
    assert not (session.work / "forbidden.txt").exists()
    results = session.server.tool_results()
    assert "recursive delete" in results["t1"], results
    assert "no new files" in results["t2"] and "codex-guard: forbidden" in results["t2"], results
    decisions = [e["effective_decision"] for e in session.entries() if e["event"] == "PreToolUse"]
    assert decisions == ["forbidden", "forbidden"]


def test_prompt_rule_is_a_native_ask_and_does_not_run_unattended(session: Session) -> None:
    (session.home / ".codex" / "rules" / "user.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt", justification="ask first")\n'
    )
    session.server.set_script([ToolUse({"command": "touch asked.txt"}, id="t1"), Text("done")])
    done = session.claude("make asked.txt")
    assert done.returncode == 0, done.stderr
    assert not (session.work / "asked.txt").exists()  # nobody answered the ask in -p mode
    assert not (session.root / "state" / "approvals.json").exists()  # no Codex-style code


def test_write_of_a_claude_settings_file_is_denied(session: Session) -> None:
    """A new ``.claude/settings.local.json`` could add hooks or drop ours: denied; the control
    write of an ordinary file in the same run goes through."""
    target = session.work / ".claude" / "settings.local.json"
    session.server.set_script(
        [
            ToolUse({"file_path": str(target), "content": '{"hooks": {}}'}, name="Write", id="t1"),
            ToolUse({"file_path": str(session.work / "notes.md"), "content": "x"}, "Write", "t2"),
            Text("ok"),
        ]
    )
    done = session.claude("reset settings", "Bash,Write,Edit")
    assert done.returncode == 0, done.stderr
    assert not target.exists()
    assert "Claude Code settings" in session.server.tool_results()["t1"]
    assert (session.work / "notes.md").read_text() == "x"


def test_secret_prompt_is_blocked_and_never_reaches_the_server(session: Session) -> None:
    session.server.set_script([Text("should never be asked")])
    prompt = f"deploy with aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    session.claude(prompt)
    sent = session.server.all_bodies_text()
    assert AWS_ID not in sent and AWS_SECRET not in sent
    assert session.server.main_loop_requests() == []
    blocked = [e for e in session.entries() if e["event"] == "UserPromptSubmit"]
    assert blocked and blocked[0]["effective_decision"] == "forbidden"
    assert AWS_SECRET not in session.audit.read_text()
