"""The audit entry of each hook event: seed fields, user, session, redaction, never the prompt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codex_guard.events import parse_event
from codex_guard.hook import audit_entry
from codex_guard.verdict import FORBIDDEN, Verdict

AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "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"
SEED = [
    "timestamp",
    "event_id",
    "user",
    "session_id",
    "command",
    "working_directory",
    "policy_files",
    "matched_rules",
    "effective_decision",
]


def _event(name: str, **fields: object) -> bytes:
    return json.dumps(
        {"hook_event_name": name, "turn_id": "t", "session_id": "sess-7", "cwd": "/w", **fields}
    ).encode()


def _run(tmp_path: Path, event: bytes, **env: str) -> list[dict[str, object]]:
    log = tmp_path / "a.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook"],
        input=event,
        capture_output=True,
        env={**os.environ, "CODEX_GUARD_AUDIT_LOG": str(log), "CODEX_HOME": str(tmp_path), **env},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def test_permission_request_is_audited(tmp_path: Path) -> None:
    event = _event("PermissionRequest", tool_name="Bash", tool_input={"command": "rm -rf /"})
    (entry,) = _run(tmp_path, event, CODEX_GUARD_USER="auditor-1")
    assert list(entry)[:9] == SEED
    assert entry["event"] == "PermissionRequest" and entry["effective_decision"] == "forbidden"
    assert entry["user"] == "auditor-1" and entry["session_id"] == "sess-7"
    assert entry["command"] == [["rm", "-rf", "/"]] and entry["working_directory"] == "/w"


def test_user_defaults_to_the_os_account(tmp_path: Path) -> None:
    import pwd

    env = {k: v for k, v in os.environ.items() if k != "CODEX_GUARD_USER"}
    log = tmp_path / "a.jsonl"
    subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook"],
        input=_event("PreToolUse", tool_name="Bash", tool_input={"command": "ls"}),
        capture_output=True,
        env={**env, "CODEX_GUARD_AUDIT_LOG": str(log), "CODEX_HOME": str(tmp_path)},
        timeout=60,
        check=True,
    )
    assert json.loads(log.read_text())["user"] == pwd.getpwuid(os.getuid()).pw_name


def test_secrets_in_commands_are_redacted(tmp_path: Path) -> None:
    cmd = f"AWS_ACCESS_KEY_ID={AWS_ID} AWS_SECRET_ACCESS_KEY={AWS_SECRET} aws s3 ls"
    (entry,) = _run(tmp_path, _event("PreToolUse", tool_name="Bash", tool_input={"command": cmd}))
    text = json.dumps(entry)
    assert AWS_ID not in text and AWS_SECRET not in text
    assert "aws" in text


def test_prompt_text_is_never_logged(tmp_path: Path) -> None:
    prompt = f"please remember the marker-zebra-42 and {AWS_ID} {AWS_SECRET}"
    (entry,) = _run(tmp_path, _event("UserPromptSubmit", prompt=prompt))
    text = json.dumps(entry)
    assert "marker-zebra-42" not in text and AWS_ID not in text and AWS_SECRET not in text
    assert entry["command"] == [] and entry["effective_decision"] == "forbidden"
    clean = _run(tmp_path, _event("UserPromptSubmit", prompt="hello marker-zebra-43"))
    assert "marker-zebra-43" not in json.dumps(clean) and clean[-1]["effective_decision"] == "allow"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("git push --force", [["git", "push", "--force"]]),
        ("echo 'unbalanced", [["echo 'unbalanced"]]),
        (f"curl -H 'x: {AWS_ID}' http://h", None),
    ],
)
def test_post_tool_use_entry_without_a_judged_command(command: str, words: object) -> None:
    """A verdict that split nothing (PostToolUse output scanning, say) still records the tool
    call's command, split into words, redacted."""
    event = parse_event(_event("PostToolUse", tool_name="Bash", tool_input={"command": command}))
    v = Verdict(decision=FORBIDDEN, reasons=[f"output held {AWS_ID}"])
    entry = audit_entry(event, v)
    assert list(entry)[:9] == SEED and entry["event"] == "PostToolUse"
    assert entry["effective_decision"] == "forbidden"
    if words is not None:
        assert entry["command"] == words
    text = json.dumps(entry)
    assert AWS_SECRET not in text and AWS_ID not in text
