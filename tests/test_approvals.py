"""One-time approvals (state file, codes, expiry), apply_patch protection and PermissionRequest,
through the library and through the real hook and ``approve`` processes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from codex_guard import approvals
from codex_guard.commands.approve import AGENT_ENV
from tests.hookrun import HookEnv, pre_tool
from tests.test_audit_entry import ACME
from tests.test_audit_entry import CUSTOM as ACME_DETECTOR

TOUCH_PROMPT = (
    'prefix_rule(pattern=["touch"], decision="prompt", justification="ask before touch")\n'
)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "state"
    monkeypatch.setenv("CODEX_GUARD_STATE_DIR", str(d))
    monkeypatch.delenv("CODEX_GUARD_APPROVAL_TTL", raising=False)
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    return d


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_000_000.0
        monkeypatch.setattr(approvals.time, "time", lambda: self.now)


# ------------------------------------------------------------------ library


def test_request_approve_use_once(state: Path) -> None:
    r, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert not used and len(r.code) == approvals.CODE_LENGTH
    again, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert not used and again.code == r.code  # a retry before approval keeps the code
    granted = approvals.approve(r.code.lower(), "alice")  # codes are case-insensitive
    assert granted.approved_by == "alice"
    used_r, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert used and used_r.code == r.code and used_r.approved_by == "alice"
    nxt, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert not used and nxt.code != r.code  # consumed: the next run needs a new approval


@pytest.mark.parametrize(
    "other", [("touch b", "/w", "s1"), ("touch a", "/elsewhere", "s1"), ("touch a", "/w", "s2")]
)
def test_grant_is_bound_to_command_cwd_and_session(
    state: Path, other: tuple[str, str, str]
) -> None:
    r, _ = approvals.use_or_request("touch a", "/w", "s1", "rule")
    approvals.approve(r.code, "alice")
    _, used = approvals.use_or_request(*other, "rule")
    assert not used
    _, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert used  # still there for the exact triple


def test_state_file_is_private(state: Path) -> None:
    approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(state / "approvals.json").st_mode) == 0o600
    data = json.loads((state / "approvals.json").read_text())
    assert data["version"] == 1 and len(data["requests"]) == 1


def test_pending_request_expires(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    r, _ = approvals.use_or_request("touch a", "/w", "s1", "rule")
    clock.now += approvals.DEFAULT_TTL + 1
    with pytest.raises(approvals.ApprovalError, match="expired"):
        approvals.approve(r.code, "alice")
    assert approvals.pending() == []


def test_approval_expires_unused(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    r, _ = approvals.use_or_request("touch a", "/w", "s1", "rule")
    clock.now += approvals.DEFAULT_TTL - 5
    approvals.approve(r.code, "alice")  # the grant's own lifetime starts now
    clock.now += approvals.DEFAULT_TTL - 5
    assert approvals.pending()[0].approved
    clock.now += 10
    nxt, used = approvals.use_or_request("touch a", "/w", "s1", "rule")
    assert not used and nxt.code != r.code


def test_refusals(state: Path) -> None:
    with pytest.raises(approvals.ApprovalError, match="not an approval code"):
        approvals.approve("rm -rf", "x")
    with pytest.raises(approvals.ApprovalError, match="unknown"):
        approvals.approve("ABCDEF", "x")
    r, _ = approvals.use_or_request("touch a", "/w", "s1", "rule")
    approvals.approve(r.code, "x")
    with pytest.raises(approvals.ApprovalError, match="already approved"):
        approvals.approve(r.code, "x")
    (state / "approvals.json").write_text("{not json")
    with pytest.raises(approvals.ApprovalError, match="unreadable"):
        approvals.approve(r.code, "x")


def test_ttl_from_env_and_guardrails(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert approvals.ttl_seconds() == 600
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "guardrails.toml").write_text("[approvals]\nttl_seconds = 120\n")
    assert approvals.ttl_seconds() == 120
    monkeypatch.setenv("CODEX_GUARD_APPROVAL_TTL", "30")
    assert approvals.ttl_seconds() == 30
    monkeypatch.setenv("CODEX_GUARD_APPROVAL_TTL", "soon")
    assert approvals.ttl_seconds() == 600


def test_concurrent_requests_share_one_code(state: Path) -> None:
    codes: list[str] = []

    def ask() -> None:
        r, _ = approvals.use_or_request("touch a", "/w", "s1", "rule")
        codes.append(r.code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(codes)) == 1 and len(approvals.pending()) == 1


# ------------------------------------------------------------------ processes


class AEnv(HookEnv):
    @property
    def state(self) -> Path:
        return self.root / "state"

    def env(self) -> dict[str, str]:
        env = super().env()
        env["CODEX_GUARD_STATE_DIR"] = str(self.state)
        env["CODEX_GUARD_USER"] = "person-at-terminal"
        for k in AGENT_ENV:  # the tests play the person at their own terminal
            env.pop(k, None)
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``codex-guard ARGS`` in this environment (cwd: ``work`` when it exists)."""
        work = self.root / "work"
        return subprocess.run(
            [sys.executable, "-m", "codex_guard", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=work if work.is_dir() else None,
            timeout=120,
            check=False,
        )


@pytest.fixture
def aenv(tmp_path: Path) -> AEnv:
    e = AEnv(tmp_path)
    e.write_rules(e.codex_home / "rules", "user.rules", TOUCH_PROMPT)
    return e


def _out(done: Any) -> dict[str, Any] | None:
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    return json.loads(text) if text.strip() else None


def _reason(obj: dict[str, Any] | None) -> str:
    assert obj is not None
    hso = obj["hookSpecificOutput"]
    assert hso["permissionDecision"] == "deny"
    return str(hso["permissionDecisionReason"])


def _code(reason: str) -> str:
    import re

    m = re.search(r"codex-guard approve ([A-Z2-9]{6})", reason)
    assert m, reason
    return m.group(1)


def test_codex_prompt_denies_with_code_then_approved_retry_runs_once(aenv: AEnv) -> None:
    ev = pre_tool("touch approved.txt", "/tmp")
    reason = _reason(_out(aenv.run(ev)))
    assert "ask before touch" in reason and "user.rules:1" in reason
    code = _code(reason)
    listed = aenv.cli("approve", "--list")
    assert code in listed.stdout and "touch approved.txt" in listed.stdout
    # a different command with the same code is still denied
    other = _reason(_out(aenv.run(pre_tool("touch other.txt", "/tmp"))))
    assert _code(other) != code
    done = aenv.cli("approve", code)
    assert done.returncode == 0, done.stderr
    assert _out(aenv.run(pre_tool("touch other.txt", "/tmp"))) is not None
    assert _out(aenv.run(ev)) is None  # the approved retry passes: no output on Codex
    again = _reason(_out(aenv.run(ev)))  # used up
    assert _code(again) != code
    entries = [json.loads(x) for x in aenv.audit.read_text().splitlines()]
    passed = [e for e in entries if e.get("approval") and e["event"] == "PreToolUse"]
    assert len(passed) == 1
    assert passed[0]["approval"]["approved_by"] == "person-at-terminal"
    assert passed[0]["approval"]["code"] == code and passed[0]["effective_decision"] == "allow"
    assert any(e["event"] == "Approve" for e in entries)
    assert aenv.cli("audit", "verify", str(aenv.audit)).returncode == 0


def test_expired_code_is_refused_by_approve(aenv: AEnv, tmp_path: Path) -> None:
    code = _code(_reason(_out(aenv.run(pre_tool("touch late.txt", "/tmp")))))
    data = json.loads((aenv.state / "approvals.json").read_text())
    import time

    data["requests"][code]["expires"] = time.time() - 5  # as if issued 10 minutes ago
    (aenv.state / "approvals.json").write_text(json.dumps(data))
    done = aenv.cli("approve", code)
    assert done.returncode == 1 and "expired" in done.stderr


@pytest.mark.parametrize("var", AGENT_ENV)
def test_approve_refuses_inside_an_agent_tool_call(
    aenv: AEnv, var: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _code(_reason(_out(aenv.run(pre_tool("touch a.txt", "/tmp")))))
    env = {**aenv.env(), var: "1"}
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "approve", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "agent" in done.stderr and var in done.stderr
    assert not approvals_file_has_approval(aenv)


def approvals_file_has_approval(aenv: AEnv) -> bool:
    data = json.loads((aenv.state / "approvals.json").read_text())
    return any(r["approved_at"] is not None for r in data["requests"].values())


def test_unwritable_state_still_denies_without_a_code(aenv: AEnv) -> None:
    aenv.state.parent.mkdir(parents=True, exist_ok=True)
    aenv.state.write_text("a file where the state folder should be")
    done = aenv.run(pre_tool("touch a.txt", "/tmp"))
    reason = _reason(_out(done))
    assert "needs a person's approval" in reason and "codex-guard approve" not in reason
    assert b"no approval code" in done.stderr


def _approve_on_terminal(aenv: AEnv, code: str, answer: bytes) -> str:
    """Run ``approve CODE`` with a pseudo-terminal as stdin/stdout, answering ``answer``."""
    import pty

    main, sub = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "codex_guard", "approve", code],
        stdin=sub,
        stdout=sub,
        stderr=sub,
        env=aenv.env(),
    )
    os.close(sub)
    out = b""
    try:
        while b"[y/N]" not in out:
            out += os.read(main, 4096)
        os.write(main, answer)
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        proc.wait(timeout=60)
        os.close(main)
    return out.decode(errors="replace")


def test_terminal_shows_the_request_and_asks(aenv: AEnv) -> None:
    code = _code(_reason(_out(aenv.run(pre_tool("touch shown.txt", "/tmp")))))
    said_no = _approve_on_terminal(aenv, code, b"n\n")
    assert "touch shown.txt" in said_no and "ask before touch" in said_no
    assert "not approved" in said_no and not approvals_file_has_approval(aenv)
    said_yes = _approve_on_terminal(aenv, code, b"y\n")
    assert f"approved {code} once" in said_yes and approvals_file_has_approval(aenv)


def test_approve_usage(aenv: AEnv) -> None:
    assert aenv.cli("approve").returncode == 2
    assert aenv.cli("approve", "NOPE99").returncode == 1
    assert "no pending" in aenv.cli("approve", "--list").stdout


def test_claude_prompt_stays_a_native_ask(aenv: AEnv) -> None:
    obj = _out(aenv.run(pre_tool("touch x", "/tmp", codex=False)))
    assert obj is not None and obj["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert not (aenv.state / "approvals.json").exists()


# ------------------------------------------------------------------ apply_patch protection


def _patch(*headers: str) -> str:
    body = "\n".join(f"{h}\n+x" for h in headers)
    return f"*** Begin Patch\n{body}\n*** End Patch\n"


@pytest.mark.parametrize(
    "header",
    [
        "*** Update File: {home}/.codex/hooks.json",
        "*** Delete File: {home}/.codex/config.toml",
        "*** Add File: {home}/.codex/rules/allow-all.rules",
        "*** Add File: .codex/guard/x.rules",
        "*** Update File: .codex/hooks.json",
        "*** Update File: proj/.claude/settings.local.json",
        "*** Update File: guardrails.toml",
        "*** Delete File: {root}/audit/audit.jsonl",
        "*** Update File: {root}/state/approvals.json",
        "*** Add File: {root}/etc-codex/requirements.toml",
    ],
)
def test_apply_patch_on_protected_paths_is_denied(aenv: AEnv, header: str) -> None:
    aenv.home.mkdir(parents=True, exist_ok=True)
    h = header.format(home=aenv.home, root=aenv.root)
    ev = pre_tool(_patch(h), str(aenv.root), tool="apply_patch")
    reason = _reason(_out(aenv.run(ev)))
    assert "apply_patch may not change" in reason


def test_apply_patch_move_onto_hooks_file_is_denied(aenv: AEnv) -> None:
    patch = "*** Begin Patch\n*** Update File: notes.txt\n*** Move to: .codex/hooks.json\n@@\n-a\n+b\n*** End Patch\n"
    assert "hooks.json" in _reason(_out(aenv.run(pre_tool(patch, "/tmp", tool="apply_patch"))))


def test_apply_patch_through_symlink_is_denied(aenv: AEnv, tmp_path: Path) -> None:
    aenv.codex_home.mkdir(parents=True, exist_ok=True)
    work = tmp_path / "work"
    work.mkdir()
    (work / "innocent.json").symlink_to(aenv.codex_home / "hooks.json")
    ev = pre_tool(_patch("*** Update File: innocent.json"), str(work), tool="apply_patch")
    assert "hooks.json" in _reason(_out(aenv.run(ev)))


def test_ordinary_patch_passes(aenv: AEnv) -> None:
    ev = pre_tool(_patch("*** Add File: src/hooks.py", "*** Update File: README.md"), "/tmp")
    ev["tool_name"] = "apply_patch"
    assert _out(aenv.run(ev)) is None


def test_only_the_audit_log_itself_is_protected_in_its_folder(aenv: AEnv) -> None:
    beside = _patch(f"*** Add File: {aenv.root}/audit/notes.txt")
    assert _out(aenv.run(pre_tool(beside, "/tmp", tool="apply_patch"))) is None
    rotated = _patch(f"*** Delete File: {aenv.audit}.1")
    assert "audit log" in _reason(_out(aenv.run(pre_tool(rotated, "/tmp", tool="apply_patch"))))


def test_claude_edit_of_settings_is_denied(aenv: AEnv) -> None:
    ev = pre_tool("", "/tmp", codex=False, tool="Write")
    ev["tool_input"] = {"file_path": str(aenv.home / ".claude" / "settings.json"), "content": "{}"}
    assert "Claude Code settings" in _reason(_out(aenv.run(ev)))
    ev["tool_input"] = {"file_path": "/tmp/project/app.py", "content": "x"}
    assert _out(aenv.run(ev)) is None


# ------------------------------------------------------------------ PermissionRequest


def _perm(command: str) -> dict[str, Any]:
    ev = pre_tool(command, "/tmp")
    ev["hook_event_name"] = "PermissionRequest"
    del ev["tool_use_id"]
    ev["tool_input"]["description"] = "needs network"
    return ev


def test_permission_request_decisions(aenv: AEnv) -> None:
    aenv.write_rules(
        aenv.codex_home / "rules",
        "allow.rules",
        'prefix_rule(pattern=["npm", "test"], decision="allow")\n',
    )
    deny = _out(aenv.run(_perm("rm -rf /")))
    assert deny is not None
    d = deny["hookSpecificOutput"]
    assert d["hookEventName"] == "PermissionRequest" and d["decision"]["behavior"] == "deny"
    assert d["decision"]["message"]
    allow = _out(aenv.run(_perm("npm test")))
    assert allow == {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow"},
        }
    }
    assert _out(aenv.run(_perm("npm test && curl example.com"))) is None  # not all allowed
    assert _out(aenv.run(_perm("make build"))) is None  # no rule: the person is asked
    assert _out(aenv.run(_perm("touch x"))) is None  # prompt: the person is asked


def test_permission_request_apply_patch_on_hooks_is_denied(aenv: AEnv) -> None:
    ev = _perm(_patch("*** Update File: .codex/hooks.json"))
    ev["tool_name"] = "apply_patch"
    out = _out(aenv.run(ev))
    assert out is not None and out["hookSpecificOutput"]["decision"]["behavior"] == "deny"


# review #14: the state file and `approve` hold a redacted display form, matched by SHA-256
def test_library_stores_a_digest_and_a_redacted_display(state: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Kd3Lm2N"
    cmd = f"aws configure set aws_secret_access_key {secret}"
    r, _ = approvals.use_or_request(cmd, "/w", "s1", "rule")
    text = (state / "approvals.json").read_text()
    assert secret not in text and r.command_sha256 in text
    assert r.command.startswith("aws configure set aws_secret_access_key ***")
    approvals.approve(r.code, "alice")
    assert not approvals.use_or_request(cmd + " ", "/w", "s1", "rule")[1]  # exact string only
    assert approvals.use_or_request(cmd, "/w", "s1", "rule")[1]


def test_custom_detector_secret_never_reaches_state_or_terminal(aenv: AEnv) -> None:
    """A literal secret only a user's custom detector knows: the hook asks for approval, and
    neither approvals.json, `approve --list`, `approve CODE` nor the audit log shows it."""
    (aenv.codex_home / "guardrails.toml").write_text(ACME_DETECTOR)
    ev = pre_tool(f"curl -H 'X-Acme: {ACME}' https://x", "/tmp")
    code = _code(_reason(_out(aenv.run(ev))))
    assert ACME not in (aenv.state / "approvals.json").read_text()
    listed = aenv.cli("approve", "--list")
    assert code in listed.stdout and "X-Acme: acme_" in listed.stdout and ACME not in listed.stdout
    done = aenv.cli("approve", code)
    assert done.returncode == 0 and ACME not in done.stdout, done.stderr
    assert _out(aenv.run(ev)) is None  # the exact command, approved, runs once
    assert ACME not in aenv.audit.read_text()


def test_ids_are_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """review #21: one place for user/timestamp/event id (audit/ids.py)."""
    from codex_guard import hook
    from codex_guard.audit import ids

    monkeypatch.setenv("CODEX_GUARD_USER", "u-21")
    assert approvals.approver() == ids.user() == hook._user() == "u-21"
    assert hook._now is ids.now and hook._uuid4 is ids.uuid4
