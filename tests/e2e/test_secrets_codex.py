"""Secret scanning inside a real Codex session (`codex exec` 0.169.0 against the loopback fake
model), with codex-guard registered by its own installer (UserPromptSubmit, PreToolUse and
PostToolUse hooks, trusted by hash).

What is asserted is what reached the fake model server: a prompt holding a freshly generated,
checksum-valid GitHub token never arrives there at all; a tool output holding an AWS key pair is
replaced by codex-guard's block reason before Codex sends it back to the model.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FakeModelServer, FinalMessage, ShellCall

pytestmark = pytest.mark.e2e

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token(prefix: str = "ghp_") -> str:
    """A random GitHub token in the documented format: 30 base62 characters plus the base62
    CRC32 of them, zero-padded to 6 (github.blog 2021-04-05, token formats)."""
    body = "".join(secrets.choice(_B62) for _ in range(30))
    n = zlib.crc32(body.encode())
    check = ""
    while n:
        n, r = divmod(n, 62)
        check = _B62[r] + check
    return prefix + body + check.rjust(6, "0")


def aws_pair() -> tuple[str, str]:
    """A random access key id (AKIA + 16 [A-Z2-7]) and a 40-character secret key."""
    key_id = "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return key_id, "".join(secrets.choice(alphabet) for _ in range(40))


@pytest.fixture
def guarded(codex_home: CodexHome, tmp_path: Path) -> tuple[CodexHome, dict[str, str], Path]:
    audit = tmp_path / "audit" / "audit.jsonl"
    env = {"CODEX_GUARD_AUDIT_LOG": str(audit)}
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "install"],
        env=codex_home.env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    hooks = json.loads(codex_home.hooks_json.read_text())["hooks"]
    assert {"PreToolUse", "UserPromptSubmit", "PostToolUse"} <= set(hooks)
    return codex_home, env, audit


def test_generated_github_token_in_prompt_never_reaches_the_model(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    token = github_token()
    fake_model.set_script([FinalMessage("done")])
    done = run_codex_exec(home, f"push with this token please: {token}", env=env)
    assert done.returncode == 0, done.stderr
    assert token not in fake_model.all_bodies_text()
    assert fake_model.responses_requests() == []
    log = audit.read_text()
    assert token not in log and "github-pat" in log


def test_control_prompt_without_secret_reaches_the_model(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, _ = guarded
    fake_model.set_script([FinalMessage("done")])
    marker = "please-refactor-the-parser-" + secrets.token_hex(4)
    done = run_codex_exec(home, marker, env=env)
    assert done.returncode == 0, done.stderr
    assert marker in fake_model.all_bodies_text()


def test_tool_output_with_aws_key_is_replaced_by_the_reason(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, audit = guarded
    key_id, secret = aws_pair()
    (home.workdir / "creds.txt").write_text(
        f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    )
    fake_model.set_script([ShellCall("cat creds.txt"), FinalMessage("done")])
    done = run_codex_exec(home, "show me the credentials file", env=env)
    assert done.returncode == 0, done.stderr
    out = fake_model.tool_output("call_1")
    assert out is not None, "Codex never sent the tool output back"
    assert "codex-guard withheld this tool output" in out and "aws-secret-access-key" in out
    bodies = fake_model.all_bodies_text()
    assert secret not in bodies and key_id not in bodies
    assert secret not in audit.read_text()


def test_control_clean_tool_output_reaches_the_model(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    home, env, _ = guarded
    marker = "harmless-" + secrets.token_hex(6)
    (home.workdir / "notes.txt").write_text(marker + "\n")
    fake_model.set_script([ShellCall("cat notes.txt"), FinalMessage("done")])
    done = run_codex_exec(home, "show me the notes", env=env)
    assert done.returncode == 0, done.stderr
    out = fake_model.tool_output("call_1") or ""
    assert marker in out and "codex-guard" not in out


def test_personal_data_warns_and_the_prompt_goes_through(
    guarded: tuple[CodexHome, dict[str, str], Path], fake_model: FakeModelServer
) -> None:
    """Personal data defaults to ``warn``: the prompt reaches the model, and codex-guard's
    ``systemMessage`` (for the person) does not."""
    home, env, audit = guarded
    fake_model.set_script([FinalMessage("done")])
    prompt = "fill in the W-4 for Wei Zhang, SSN 767-03-1134, filing status single"
    done = run_codex_exec(home, prompt, env=env)
    assert done.returncode == 0, done.stderr
    bodies = fake_model.all_bodies_text()
    assert "767-03-1134" in bodies
    assert "codex-guard" not in bodies
    assert len(fake_model.responses_requests()) >= 1
    assert "us-ssn" in audit.read_text()
