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


# review #3: the audit `command` is redacted from the findings of the scan that judged the
# whole text (label in another word, context detectors, custom detectors), not word by word
ACME = "acme_Q7hTzX9kLmP2wR4vB6nC8dF1gH3jK5gS"
CUSTOM = """[[scan.detector]]
id = "acme"
description = "Acme token"
keywords = ["acme_"]
regex = '''acme_[A-Za-z0-9]{32}'''
secret_group = 0
severity = "high"
"""


@pytest.mark.parametrize(
    ("command", "secret"),
    [
        (
            "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Kd3Lm2N",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Kd3Lm2N",
        ),
        ("sshpass -p 'Tr0ub4dor&3xyzQ' ssh h", "Tr0ub4dor&3xyzQ"),
        ("mysql --password 'Tr0ub4dor&3xyzQ' db", "Tr0ub4dor&3xyzQ"),
        ("curl -u admin:Tr0ub4dor3xyzQwe https://x", "Tr0ub4dor3xyzQwe"),
        ("echo api_key = 'Zx9Qw8Er7Ty6Ui5Op4As3Df'", "Zx9Qw8Er7Ty6Ui5Op4As3Df"),
        (f"curl -H 'X-Acme: {ACME}' https://x", ACME),
    ],
)
def test_command_secrets_found_in_context_are_redacted(
    tmp_path: Path, command: str, secret: str
) -> None:
    (tmp_path / "guardrails.toml").write_text(CUSTOM)  # CODEX_HOME = tmp_path: the user layer
    event = _event("PreToolUse", tool_name="Bash", tool_input={"command": command})
    (entry,) = _run(tmp_path, event, CODEX_GUARD_STATE_DIR=str(tmp_path / "state"))
    assert entry["effective_decision"] == "prompt"
    words = entry["command"][0]
    assert secret not in json.dumps(entry)
    assert words[0] == command.split()[0] and any("*" in w for w in words)


def test_apply_patch_entry_names_the_paths_not_the_patch(tmp_path: Path) -> None:
    """review #4: an edit tool's audit `command` is [tool, *paths], never the patch text."""
    body = "".join(f"+line {i}\n" for i in range(300))
    patch = (
        "*** Begin Patch\n*** Add File: .env\n"
        f"+aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Kd3Lm2N\n{body}*** End Patch"
    )
    for name in ("PreToolUse", "PostToolUse"):
        extra = {"tool_response": "done"} if name == "PostToolUse" else {}
        event = _event(name, tool_name="apply_patch", tool_input={"command": patch}, **extra)
        (entry,) = _run(tmp_path / name, event)
        assert entry["command"] == [["apply_patch", ".env"]]
        assert "wJalrXUtnFEMI" not in json.dumps(entry)


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "ls"}}),
        (
            "PostToolUse",
            {"tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_response": "x"},
        ),
        ("UserPromptSubmit", {"prompt": "hello"}),
    ],
)
def test_broken_guardrails_is_logged_as_forbidden_without_echoing_values(
    tmp_path: Path, name: str, fields: dict[str, object]
) -> None:
    """review #5/#6: a config error denies/blocks and is logged as forbidden; a secret pasted
    into the allowlist is never echoed to the model or the log."""
    token = "ghp_dsnHq0mZ8xT1vY4kR7bW2cE5fJ9pL3aN6sRMKg"
    (tmp_path / "guardrails.toml").write_text(f'[scan.allowlist]\nsha256 = ["{token}"]\n')
    log = tmp_path / "a.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook"],
        input=_event(name, **fields),
        capture_output=True,
        env={**os.environ, "CODEX_GUARD_AUDIT_LOG": str(log), "CODEX_HOME": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"deny" in done.stdout or b"block" in done.stdout
    assert b"sha256 is not 64 hex" in done.stdout and token.encode() not in done.stdout
    (entry,) = [json.loads(x) for x in log.read_text().splitlines()]
    assert entry["effective_decision"] == "forbidden" and token not in json.dumps(entry)


def test_files_user_is_what_getpwuid_returns(tmp_path: Path) -> None:
    """The /etc/passwd fast path (issue 8) answers exactly as ``pwd`` for every account of
    this machine, and defers to ``pwd`` whenever the name service would not read the file
    first."""
    import pwd

    from codex_guard.audit import ids

    for e in pwd.getpwall():
        assert ids._files_user(e.pw_uid) in (None, pwd.getpwuid(e.pw_uid).pw_name)
    assert ids._files_user(os.getuid()) == pwd.getpwuid(os.getuid()).pw_name
    passwd = tmp_path / "passwd"
    passwd.write_text(
        "# comment:x:1000:1000::/:/bin/sh\nroot:x:0:0:root:/root:/bin/bash\n"
        "alice:x:1000:1000:A:/home/alice:/bin/sh\nshadow:x:1000:1000::/:/bin/sh\n"
    )
    conf = tmp_path / "nsswitch.conf"
    for text, want in (
        ("passwd: files systemd\n", "alice"),
        ("# passwd: sss\npasswd:   files [NOTFOUND=return] ldap\n", "alice"),
        ("passwd: sss files\n", None),
        ("passwd: compat\n", None),
        ("group: sss\n", "alice"),  # no passwd line: glibc's default starts with files
    ):
        conf.write_text(text)
        assert ids._files_user(1000, str(conf), str(passwd)) == want, text
    assert ids._files_user(1000, str(tmp_path / "none"), str(passwd)) == "alice"
    conf.write_text("passwd: files\n")
    assert ids._files_user(4242, str(conf), str(passwd)) is None  # not there: ask pwd


def test_files_user_is_remembered_while_the_files_keep_their_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codex_guard.audit import ids

    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(tmp_path / "cache"))
    passwd, conf = tmp_path / "passwd", tmp_path / "nsswitch.conf"
    passwd.write_text("alice:x:1000:1000::/home/alice:/bin/sh\n")
    conf.write_text("passwd: files\n")
    args = (1000, str(conf), str(passwd))
    assert ids._remembered_files_user(*args) == "alice"
    (entry,) = (tmp_path / "cache").glob("user-1000.marshal")
    calls: list[int] = []
    monkeypatch.setattr(ids, "_files_user", lambda *a: calls.append(1) or "other")
    assert ids._remembered_files_user(*args) == "alice" and calls == []  # remembered
    passwd.write_text("bob:x:1000:1000::/home/bob:/bin/sh\n")  # a new size and mtime
    assert ids._remembered_files_user(*args) == "other" and calls == [1]
    entry.chmod(0o666)  # others could have written it: not trusted
    assert ids._remembered_files_user(*args) == "other" and calls == [1, 1]
