"""Self-tests of the e2e harness: real ``codex exec`` against the loopback fake model.

These prove that (1) a scripted ``exec_command`` call really runs and its output is sent
back to the "model", (2) a trusted user ``PreToolUse`` hook written the way an installer
would (hooks.json + ``[hooks.state]`` trust entry computed by :func:`codex_trusted_hash`,
no ``--dangerously-bypass-hook-trust``) can deny the command, (3) an untrusted hook is
silently skipped, and (4) a ``UserPromptSubmit`` hook can keep a prompt from the model.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from codex_env import (
    CodexHome,
    codex_trusted_hash,
    run_codex_exec,
    trust_hook_toml,
)
from fake_model import FakeModelServer, FinalMessage, ShellCall

pytestmark = pytest.mark.e2e

PROBE_REASON = "probe says no"


def _write_probe_hook(codex_home: CodexHome, name: str, output: dict[str, Any]) -> str:
    """Write a tiny Python hook that logs its stdin and prints ``output``; return its command.

    The stdin JSON is appended to ``<codex_home>/<name>.log`` (one line per run) so a test
    can prove the hook actually ran.
    """
    script = codex_home.home / f"{name}.py"
    log = codex_home.home / f"{name}.log"
    script.write_text(
        "import sys\n"
        "data = sys.stdin.read()\n"
        f"with open({str(log)!r}, 'a', encoding='utf-8') as fh:\n"
        "    fh.write(data.strip() + '\\n')\n"
        f"sys.stdout.write({json.dumps(output)!r})\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def _hook_runs(codex_home: CodexHome, name: str) -> list[dict[str, Any]]:
    """The stdin payloads the probe hook ``name`` received (empty if it never ran)."""
    log = codex_home.home / f"{name}.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def _install_user_hook(
    codex_home: CodexHome,
    event: str,
    event_snake: str,
    matcher: str | None,
    handler: dict[str, Any],
    *,
    trust: bool = True,
) -> None:
    """Write ``$CODEX_HOME/hooks.json`` with one group/handler and (optionally) trust it."""
    group: dict[str, Any] = {"hooks": [handler]}
    if matcher is not None:
        group["matcher"] = matcher
    codex_home.hooks_json.write_text(json.dumps({"hooks": {event: [group]}}), encoding="utf-8")
    if trust:
        codex_home.append_config(
            trust_hook_toml(codex_home.hooks_json, event_snake, 0, 0, matcher, handler)
        )


def _assert_completed(proc: Any) -> None:
    """Fail with Codex's stderr tail when ``codex exec`` did not exit 0."""
    assert proc.returncode == 0, f"codex exec failed ({proc.returncode}):\n{proc.stderr[-4000:]}"


def test_shell_call_runs_and_output_is_sent_back(
    fake_model: FakeModelServer, codex_home: CodexHome
) -> None:
    """No hook: the scripted command runs in the workdir and its output reaches the model."""
    fake_model.set_script(
        [ShellCall("echo hello > marker.txt && cat marker.txt"), FinalMessage("done")]
    )

    proc = run_codex_exec(codex_home, "please create the marker file")

    _assert_completed(proc)
    marker = codex_home.workdir / "marker.txt"
    assert marker.read_text(encoding="utf-8") == "hello\n"
    reqs = fake_model.responses_requests()
    assert len(reqs) == 2
    first = reqs[0].json
    assert isinstance(first, dict)
    assert "exec_command" in [t.get("name") for t in first.get("tools", [])]
    assert "please create the marker file" in reqs[0].user_texts()
    outputs = reqs[1].function_call_outputs()
    assert [o["call_id"] for o in outputs] == ["call_1"]
    output = fake_model.tool_output("call_1")
    assert output is not None and "hello" in output
    assert "Process exited with code 0" in fake_model.tool_outputs()[0]
    assert "done" in proc.stdout
    # Nothing tried to leave loopback (the fake server doubles as the HTTP(S) proxy).
    assert fake_model.proxy_attempts() == []


def test_trusted_pre_tool_use_hook_denies_command(
    fake_model: FakeModelServer, codex_home: CodexHome
) -> None:
    """A trusted user PreToolUse hook's deny stops the command and reaches the model."""
    command = _write_probe_hook(
        codex_home,
        "pre_probe",
        {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": PROBE_REASON,
            }
        },
    )
    handler = {"type": "command", "command": command, "timeout": 30}
    _install_user_hook(codex_home, "PreToolUse", "pre_tool_use", "Bash", handler)
    fake_model.set_script([ShellCall("touch marker"), FinalMessage("done")])

    proc = run_codex_exec(codex_home, "please touch the marker")

    _assert_completed(proc)
    assert not (codex_home.workdir / "marker").exists()
    runs = _hook_runs(codex_home, "pre_probe")
    assert len(runs) == 1
    assert runs[0]["hook_event_name"] == "PreToolUse"
    assert runs[0]["tool_name"] == "Bash"
    assert runs[0]["tool_input"] == {"command": "touch marker"}
    output = fake_model.tool_output("call_1")
    assert output is not None
    assert f"Command blocked by PreToolUse hook: {PROBE_REASON}" in output


def test_untrusted_hook_is_skipped(fake_model: FakeModelServer, codex_home: CodexHome) -> None:
    """Control for the trust test: without the ``[hooks.state]`` entry the hook never runs."""
    command = _write_probe_hook(
        codex_home,
        "untrusted_probe",
        {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": PROBE_REASON,
            }
        },
    )
    handler = {"type": "command", "command": command, "timeout": 30}
    _install_user_hook(codex_home, "PreToolUse", "pre_tool_use", "Bash", handler, trust=False)
    fake_model.set_script([ShellCall("touch marker"), FinalMessage("done")])

    proc = run_codex_exec(codex_home, "please touch the marker")

    _assert_completed(proc)
    assert (codex_home.workdir / "marker").exists()
    assert _hook_runs(codex_home, "untrusted_probe") == []
    assert PROBE_REASON not in fake_model.all_bodies_text()


def test_user_prompt_submit_hook_blocks_prompt(
    fake_model: FakeModelServer, codex_home: CodexHome
) -> None:
    """A trusted UserPromptSubmit block keeps the prompt text away from the model."""
    prompt = "UPS-PROBE-PROMPT-4242 please run something"
    command = _write_probe_hook(
        codex_home, "ups_probe", {"decision": "block", "reason": "prompt rejected by probe"}
    )
    handler = {"type": "command", "command": command, "timeout": 30}
    # The matcher is ignored for UserPromptSubmit and dropped from the trust hash.
    _install_user_hook(codex_home, "UserPromptSubmit", "user_prompt_submit", None, handler)
    fake_model.set_script([ShellCall("touch marker"), FinalMessage("done")])

    run_codex_exec(codex_home, prompt)

    runs = _hook_runs(codex_home, "ups_probe")
    assert len(runs) == 1
    assert runs[0]["prompt"] == prompt
    assert [r for r in fake_model.responses_requests() if "UPS-PROBE-PROMPT-4242" in r.text] == []
    assert "UPS-PROBE-PROMPT-4242" not in fake_model.all_bodies_text()
    assert not (codex_home.workdir / "marker").exists()


def test_codex_trusted_hash_shape() -> None:
    """Unit check of the hash rules in codex-hooks.md §6.5 (no codex binary needed)."""
    handler = {"type": "command", "command": "python3 /x/hook.py"}
    default = codex_trusted_hash("pre_tool_use", "Bash", handler)
    assert default.startswith("sha256:") and len(default) == len("sha256:") + 64
    # timeout defaults to 600, so spelling it out changes nothing.
    assert codex_trusted_hash("pre_tool_use", "Bash", {**handler, "timeout": 600}) == default
    assert codex_trusted_hash("pre_tool_use", None, handler) != default
    # Matcher is dropped for UserPromptSubmit / Stop / Interrupt.
    for event in ("user_prompt_submit", "stop", "interrupt"):
        assert codex_trusted_hash(event, "x", handler) == codex_trusted_hash(event, None, handler)
    # commandWindows and unknown keys are not hashed.
    assert (
        codex_trusted_hash("pre_tool_use", "Bash", {**handler, "commandWindows": "x", "foo": 1})
        == default
    )


def test_codex_home_is_isolated(codex_home: CodexHome) -> None:
    """The child environment points at the temp home and carries no real provider keys."""
    env = codex_home.env()
    assert env["CODEX_HOME"] == str(codex_home.codex_home)
    assert env["HOME"] == str(codex_home.home)
    assert not any(k.startswith(("OPENAI_", "ANTHROPIC_")) for k in env)
    config = codex_home.config_toml.read_text(encoding="utf-8")
    assert codex_home.base_url in config
    assert codex_home.base_url.startswith("http://127.0.0.1:")
    assert Path(codex_home.workdir).is_dir()
