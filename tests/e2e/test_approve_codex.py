"""One-time approvals inside real Codex sessions (`codex exec` 0.169.0, loopback fake model).

A user rule in ``$CODEX_HOME/rules`` asks for approval before ``touch``. The flow a person sees:
the agent's ``touch approved.txt`` is denied with an approval code (read here from the
``function_call_output`` Codex sends back to the model), the person runs ``codex-guard approve
CODE``, and the next turn of the same session (``codex exec resume --last``) runs exactly that
command once. ``--ignore-rules`` keeps Codex's own engine out of it (0.169.0 would otherwise
apply the same ``prompt`` rule itself), so only the hook decides.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
from codex_env import CodexHome, run_codex_exec
from fake_model import FakeModelServer, FinalMessage, ShellCall
from scripted_model import ScriptedModel, guard, rehome

pytestmark = pytest.mark.e2e

BLOCKED = "Command blocked by PreToolUse hook:"
RULE = (
    'prefix_rule(pattern=["touch"], decision="prompt", '
    'justification="creating files needs a person", match=["touch x"])\n'
)
CODE = re.compile(r"codex-guard approve ([A-Z2-9]{6})")


def _setup(home: CodexHome, tmp_path: Path, ttl: int | None = None) -> dict[str, str]:
    env = {
        "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "CODEX_GUARD_STATE_DIR": str(tmp_path / "state"),
        "CODEX_GUARD_USER": "the-person",
    }
    if ttl is not None:
        env["CODEX_GUARD_APPROVAL_TTL"] = str(ttl)
    rules = home.codex_home / "rules"
    rules.mkdir()
    (rules / "user.rules").write_text(RULE)
    done = guard(home, env, "install")
    assert done.returncode == 0, done.stderr
    return env


def _exec(home: CodexHome, env: dict[str, str], prompt: str, resume: bool = False) -> None:
    extra = ["--ignore-rules"] + (["resume", "--last"] if resume else [])
    done = run_codex_exec(home, prompt, env=env, extra_args=extra)
    assert done.returncode == 0, done.stderr


def _code(output: str | None) -> str:
    assert output and BLOCKED in output, output
    m = CODE.search(output)
    assert m, output
    return m.group(1)


def _audit(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]


def test_prompt_rule_denied_with_code_then_approved_retry_runs_once(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> None:
    env = _setup(codex_home, tmp_path)
    target = codex_home.workdir / "approved.txt"
    fake_model.set_script(
        [ShellCall("touch approved.txt", call_id="c1"), FinalMessage("please approve")]
    )
    _exec(codex_home, env, "create approved.txt")
    out1 = fake_model.tool_output("c1")
    code = _code(out1)
    assert "creating files needs a person" in (out1 or "") and not target.exists()

    listed = guard(codex_home, env, "approve", "--list")
    assert code in listed.stdout and "touch approved.txt" in listed.stdout
    done = guard(codex_home, env, "approve", code)
    assert done.returncode == 0, done.stderr

    # Next turn of the same session: a different command first (the code does not cover it),
    # then exactly the approved one, then the approved one again (used up).
    fake_model.set_script(
        [
            ShellCall("touch other.txt", call_id="c2"),
            ShellCall("touch approved.txt", call_id="c3"),
            ShellCall("touch approved.txt && echo again", call_id="c4"),
            ShellCall("touch approved.txt", call_id="c5"),
            FinalMessage("done"),
        ]
    )
    _exec(codex_home, env, "approved, go ahead", resume=True)
    assert _code(fake_model.tool_output("c2")) != code
    assert not (codex_home.workdir / "other.txt").exists()
    out3 = fake_model.tool_output("c3") or ""
    assert BLOCKED not in out3, out3
    assert target.exists()  # it really ran
    assert _code(fake_model.tool_output("c4")) != code
    assert _code(fake_model.tool_output("c5")) != code  # one execution only

    entries = _audit(tmp_path)
    sessions = {e["session_id"] for e in entries if e["event"] == "PreToolUse"}
    assert len(sessions) == 1  # resume keeps the session the approval is bound to
    ran = [e for e in entries if e.get("approval")]
    ran = [e for e in ran if e["event"] == "PreToolUse"]
    assert len(ran) == 1 and ran[0]["command"] == [["touch", "approved.txt"]]
    assert ran[0]["approval"] == {**ran[0]["approval"], "code": code, "approved_by": "the-person"}
    verify = guard(codex_home, env, "audit", "verify", str(tmp_path / "audit.jsonl"))
    assert verify.returncode == 0, verify.stdout


def test_expired_code_is_refused(
    codex_home: CodexHome, fake_model: FakeModelServer, tmp_path: Path
) -> None:
    env = _setup(codex_home, tmp_path, ttl=1)
    fake_model.set_script([ShellCall("touch late.txt", call_id="c1"), FinalMessage("ask")])
    _exec(codex_home, env, "create late.txt")
    code = _code(fake_model.tool_output("c1"))
    time.sleep(2.5)
    done = guard(codex_home, env, "approve", code)
    assert done.returncode == 1 and "expired" in done.stderr
    fake_model.set_script([ShellCall("touch late.txt", call_id="c2"), FinalMessage("done")])
    _exec(codex_home, env, "retry", resume=True)
    assert _code(fake_model.tool_output("c2")) != code
    assert not (codex_home.workdir / "late.txt").exists()


def test_agent_cannot_approve_its_own_request(codex_home: CodexHome, tmp_path: Path) -> None:
    """The agent reads the code from the deny and runs `codex-guard approve CODE` itself; the
    approval is refused and the retry stays denied."""
    env = _setup(codex_home, tmp_path)
    with ScriptedModel() as server:
        home = rehome(codex_home, server)
        approve = f"{sys.executable} -m codex_guard approve"
        server.set_script(
            [
                ShellCall("touch approved.txt", call_id="c1"),
                lambda: ShellCall(f"{approve} {_code(server.tool_output('c1'))}", call_id="c2"),
                ShellCall("touch approved.txt", call_id="c3"),
                FinalMessage("done"),
            ]  # type: ignore[list-item]
        )
        _exec(home, env, "create approved.txt, approving it yourself")
        code = _code(server.tool_output("c1"))
        out2 = server.tool_output("c2") or ""
        assert f"approved {code}" not in out2, out2
        assert "must come from a person" in out2 or BLOCKED in out2, out2
        assert _code(server.tool_output("c3")) == code  # still pending, never approved
    assert not (home.workdir / "approved.txt").exists()
    listed = guard(home, env, "approve", "--list")
    assert f"{code}  pending" in listed.stdout
