# ruff: noqa: F811  (test functions take the imported henv fixture as a parameter)
"""Scanning through the real hook process: exact output objects per event and client."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.hookrun import HookEnv, pre_tool, prompt_event
from tests.test_hook import _out, henv  # noqa: F401  (henv: a fixture, shared)

TOKEN = "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"
AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "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"


def post_tool(response: Any, *, codex: bool = True) -> dict[str, Any]:
    ev = pre_tool("cat .env", codex=codex)
    ev["hook_event_name"] = "PostToolUse"
    ev["tool_response"] = response
    return ev


def test_prompt_warn_is_a_system_message(henv: HookEnv) -> None:
    obj = _out(henv.run(prompt_event("my SSN is 767-03-1134, fill the form")))
    assert obj is not None and set(obj) == {"systemMessage"}
    assert "us-ssn" in obj["systemMessage"] and "767-03-1134" not in obj["systemMessage"]


def test_prompt_email_is_off_by_default(henv: HookEnv) -> None:
    assert _out(henv.run(prompt_event("mail carlos.nowak.3877@fastmail.com"))) is None


def test_prompt_block_lists_kinds(henv: HookEnv) -> None:
    obj = _out(henv.run(prompt_event(f"token {TOKEN} and SSN 767-03-1134")))
    assert obj is not None and set(obj) == {"decision", "reason"}
    assert obj["decision"] == "block" and "github-pat" in obj["reason"]
    assert TOKEN not in json.dumps(obj)


def test_prompt_user_can_block_personal_data(henv: HookEnv) -> None:
    (henv.codex_home / "guardrails.toml").write_text('[scan.actions]\npersonal = "block"\n')
    obj = _out(henv.run(prompt_event("IBAN DE06 1007 7283 7832 6616 63")))
    assert obj is not None and obj["decision"] == "block" and "iban" in obj["reason"]


@pytest.mark.parametrize("codex", [True, False])
def test_command_with_literal_token_needs_approval(henv: HookEnv, codex: bool) -> None:
    cmd = f"curl -H 'Authorization: Bearer {TOKEN}' https://api.github.com/user"
    obj = _out(henv.run(pre_tool(cmd, codex=codex)))
    assert obj is not None
    hso = obj["hookSpecificOutput"]
    assert hso["permissionDecision"] == ("deny" if codex else "ask")
    assert "github-pat" in hso["permissionDecisionReason"]
    assert TOKEN not in json.dumps(obj)


@pytest.mark.parametrize("codex", [True, False])
def test_post_tool_output_with_key_is_withheld(henv: HookEnv, codex: bool) -> None:
    out = f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    obj = _out(henv.run(post_tool(out, codex=codex)))
    assert obj is not None and set(obj) == {"decision", "reason"}
    assert obj["decision"] == "block" and "aws-secret-access-key" in obj["reason"]
    assert AWS_SECRET not in obj["reason"] and AWS_ID not in obj["reason"]


def test_claude_bash_response_object_is_scanned_as_text(henv: HookEnv) -> None:
    """Claude Code's Bash ``tool_response`` is an object: its stdout is scanned as the text the
    model reads, so a quoted secret is not hidden behind JSON escaping (review #13)."""
    out = 'config:\npassword = "Zx9Qw8Er7Ty6Ui5Op4As3"\n'
    response = {"stdout": out, "stderr": "", "interrupted": False, "isImage": False}
    obj = _out(henv.run(post_tool(response, codex=False)))
    assert obj is not None and obj["decision"] == "block", obj
    assert "generic-password" in obj["reason"] and "Zx9Qw8Er7Ty6Ui5Op4As3" not in obj["reason"]


def test_post_tool_clean_output_passes(henv: HookEnv) -> None:
    assert _out(henv.run(post_tool("hello\n"))) is None
    mcp = {"content": [{"type": "text", "text": "ECHO:hi"}], "isError": False}
    assert _out(henv.run(post_tool(mcp))) is None


def test_broken_guardrails_blocks_output(henv: HookEnv) -> None:
    (henv.codex_home / "guardrails.toml").write_text("[scan]\nbogus = 1\n")
    obj = _out(henv.run(post_tool("hello\n")))
    assert obj is not None and obj["decision"] == "block" and "guardrails.toml" in obj["reason"]


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("codex", [True, False])
def test_ssh_keygen_key_in_prompt_and_output_is_blocked(
    henv: HookEnv, codex: bool, tmp_path: Path
) -> None:
    """Review #2 through the real process: `cat ~/.ssh/id_ed25519` output and a pasted key."""
    path = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key = path.read_text()
    body = key.splitlines()[2]
    obj = _out(henv.run(prompt_event(f"use this key: {key}", codex=codex)))
    assert obj is not None and obj["decision"] == "block" and "private-key" in obj["reason"]
    response: Any = key if codex else {"stdout": key, "stderr": "", "interrupted": False}
    obj = _out(henv.run(post_tool(response, codex=codex)))
    assert obj is not None and obj["decision"] == "block" and "private-key" in obj["reason"]
    assert body not in json.dumps(obj)
