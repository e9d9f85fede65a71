"""The one function the hook runs: event → verdict → audit → render (DESIGN.md §2).

Never raises: every failure on a blocking event becomes a well-formed deny/block with a reason
(Codex fails open on crashes), and nothing but the one output object reaches stdout.
"""

from __future__ import annotations

import sys

from codex_guard.audit.ids import now as _now
from codex_guard.audit.ids import user as _user
from codex_guard.audit.ids import uuid4 as _uuid4
from codex_guard.events import Event, PromptSubmit, ToolCall
from codex_guard.verdict import FORBIDDEN, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHELL_TOOLS = ("Bash",)


def _redact_tokens(commands: list[list[str]]) -> list[list[str]]:
    """Each token with any secret in it replaced by its redacted form (default catalogue, each
    token alone: the fallback for words no scan judged)."""
    from codex_guard import scan

    if not scan.scan("\n".join(tok for argv in commands for tok in argv)):
        return commands  # the common case: one scan, nothing to redact
    out = []
    for argv in commands:
        row = []
        for tok in argv:
            found = scan.scan(tok)
            row.append(scan.redact(tok, found) if found else tok)
        out.append(row)
    return out


def _mask_known(text: str, secrets: list[tuple[str, str]]) -> str:
    """``text`` with every occurrence of each known secret replaced by its redacted form
    (longest secrets first, so one inside another cannot leave a tail)."""
    for secret, masked in sorted(secrets, key=lambda s: -len(s[0])):
        if secret and secret in text:
            text = text.replace(secret, masked)
    return text


def _redact_command(commands: list[list[str]], v: Verdict) -> list[list[str]]:
    """The words of ``commands`` with their secrets redacted.

    When the verdict scanned the whole text (``v._scanned``, with the catalogue and guardrails
    that judged it, so context-dependent and custom detectors count), every finding's secret is
    replaced wherever it occurs in a word, with no second scan; words that are not part of the
    scanned text (a decoded or expanded word, a text clipped by ``max_chars``) and commands no
    scan saw fall back to :func:`_redact_tokens`."""
    scanned = v._scanned
    if scanned is None:
        return _redact_tokens(commands)
    secrets = v._secrets
    unseen = [[t for t in argv if t not in scanned] for argv in commands]
    rows = [[_mask_known(t, secrets) for t in argv] for argv in commands] if secrets else commands
    if not any(unseen):
        return rows
    from codex_guard import scan

    if not scan.scan("\n".join(t for argv in unseen for t in argv)):
        return rows
    return _redact_tokens(rows)


def _event_command(event: Event) -> list[list[str]]:
    """A tool call's command as words when no verdict split it: a shell tool's command split
    like a shell would (``[[text]]`` if unsplittable); an edit tool's name and the paths it
    writes (never the patch text: it holds whole files); else ``[]``."""
    if not isinstance(event, ToolCall) or not event.tool_name:
        return []
    if event.tool_name in SHELL_TOOLS:
        if event.command is None:
            return []
        import shlex

        try:
            return [shlex.split(event.command)]
        except ValueError:
            return [[event.command]]
    from codex_guard.patch_guard import PATCH_TOOLS, edit_paths

    if event.tool_name not in PATCH_TOOLS:
        return []
    try:
        paths = edit_paths(event.tool_name, event.raw.get("tool_input"))
    except Exception:  # a malformed input still gets its audit line
        paths = []
    return [[event.tool_name, *paths]]


def redact_text(text: str, v: Verdict | None = None) -> str:
    """``text`` (a reason, an error message) with the verdict's known secrets masked and any
    other secret the default catalogue finds redacted."""
    from codex_guard import scan

    if v is not None and v._secrets:
        text = _mask_known(text, v._secrets)
    found = scan.scan(text)
    return scan.redact(text, found) if found else text


def audit_entry(event: Event, v: Verdict) -> dict[str, Any]:
    """The audit record of one decision on any event (PreToolUse, PermissionRequest,
    PostToolUse, UserPromptSubmit …), in the seed's field order plus ``event``/``client``.
    ``command`` is the verdict's judged argvs, else the tool call's command split into words, else
    ``[]``. Secrets are redacted from commands, reasons and the error; prompt text is never
    included."""
    rules: list[dict[str, Any]] = [
        {
            "file": m.file if m.line is None else f"{m.file}:{m.line}",
            "pattern": list(m.pattern),
            "decision": m.decision,
            "justification": m.justification,
        }
        for m in v.matches
    ]
    rules += [
        {
            "file": "codex-guard:scan",
            "pattern": [f.kind],
            "decision": v.decision or "allow",  # a warn finding lets the event through
            "justification": f"{f.description or f.kind}: {f.redacted}",
        }
        for f in v.findings
    ]
    reasons = [redact_text(r, v) for r in v.reasons]
    if v.error:
        reasons.append(redact_text(v.error, v))
    entry: dict[str, Any] = {
        "timestamp": _now(),
        "event_id": _uuid4(),
        "user": _user(),
        "session_id": event.session_id,
        "command": _redact_command(v.commands or _event_command(event), v),
        "working_directory": event.cwd,
        "policy_files": v.policy_files,
        "matched_rules": rules,
        # an error is answered with deny/block (render.py), whatever the rules said
        "effective_decision": FORBIDDEN if v.error else (v.decision or "allow"),
        "event": event.name,
        "client": event.client,
    }
    if reasons:
        entry["reasons"] = reasons
    return entry


def judge_command(command: str, cwd: str, extra_rules: list[str] | None = None) -> Verdict:
    """Load every rule layer for ``cwd`` and judge the shell ``command``; then scan it for
    literal secrets (:func:`codex_guard.gate.scan_command`: a ``block`` finding makes the
    decision at least ``prompt``).

    Returns:
        The verdict; a broken rules file gives ``decision=forbidden`` with ``error`` naming the
        file, line and column.
    """
    from codex_guard.judge import judge
    from codex_guard.policy.cache import load
    from codex_guard.policy.errors import PolicyError
    from codex_guard.shell import analyze_script

    try:
        loaded = load(cwd or None, extra=extra_rules)
    except PolicyError as e:
        v = Verdict(decision=FORBIDDEN)
        v.error = f"a rules file is broken, so no command can be checked: {e.one_line()}"
        return v
    v = judge(loaded, analyze_script(command), cwd or None)
    from codex_guard.gate import scan_command

    scan_command(command, cwd, v)
    return v


def judge_prompt(prompt: str, cwd: str | None = None) -> Verdict:
    """Scan a prompt under guardrails.toml (see :mod:`codex_guard.gate`)."""
    from codex_guard.gate import judge_prompt as judge

    return judge(prompt, cwd)


def handle(event: Event, extra_rules: list[str] | None = None) -> dict[str, Any] | None:
    """Decide one event; returns the output object, or None for no output. An error message
    (``Verdict.error``) is redacted before it is logged or shown to the model (:func:`_audit`
    runs before every render)."""
    from codex_guard import render

    if isinstance(event, ToolCall) and event.name in ("PreToolUse", "PermissionRequest"):
        if not event.tool_name:  # not even the tool is known: nothing can be judged
            v = Verdict(decision=FORBIDDEN, error="tool call without a tool_name string")
            _audit(event, v)
            return render.render_tool(v, event.client, event.name)
        if event.tool_name not in SHELL_TOOLS:
            from codex_guard.patch_guard import judge_edit

            pv = judge_edit(event.tool_name, event.raw.get("tool_input"), event.cwd)
            if pv is None:
                return None
            _audit(event, pv)
            return render.render_tool(pv, event.client, event.name)
        if event.command is None:
            v = Verdict(decision=FORBIDDEN, error="shell tool call without a command string")
        else:
            v = judge_command(event.command, event.cwd, extra_rules)
        code, approval = _approval(event, v)
        _audit(event, v, approval)
        if approval is not None:
            return None  # approved once by a person: runs (no output = allow on Codex)
        return render.render_tool(v, event.client, event.name, code)
    if isinstance(event, PromptSubmit):
        if not isinstance(event.raw.get("prompt"), str):
            v = Verdict(decision=FORBIDDEN, error="prompt event without a prompt string")
        else:
            v = judge_prompt(event.prompt, event.cwd)
        _audit(event, v)
        return render.render_prompt(v)
    if event.name == "PostToolUse":
        from codex_guard.gate import judge_tool_output

        v = judge_tool_output(event.raw.get("tool_response"), event.cwd)
        _audit(event, v)  # every decision is logged, "nothing found" (allow) included
        return render.render_post_tool(v)
    return None


def _approval(event: ToolCall, v: Verdict) -> tuple[str | None, dict[str, Any] | None]:
    """A Codex PreToolUse ``prompt``: ``(None, approval)`` when a person's one-time approval was
    consumed, else ``(code, None)`` with the code to ask for. Other cases: ``(None, None)``."""
    from codex_guard.events import CODEX
    from codex_guard.verdict import PROMPT

    if v.decision != PROMPT or v.error or event.client != CODEX or event.name != "PreToolUse":
        return None, None
    from codex_guard import approvals, render

    assert event.command is not None
    if not event.command.isascii():
        try:  # a lone surrogate: no shell can receive it, so no code can approve it
            event.command.encode("utf-8")
        except UnicodeEncodeError:
            return None, None
    try:
        r, used = approvals.use_or_request(
            event.command,
            event.cwd,
            event.session_id,
            render.rule_text(v),
            display=redact_text(event.command, v),
        )
    except (approvals.ApprovalError, OSError) as e:  # still a deny, just without a code
        sys.stderr.write(f"codex-guard: no approval code: {e}\n")
        return None, None
    if not used:
        return r.code, None
    return None, {"code": r.code, "approved_by": r.approved_by, "approved_at": r.approved_at}


def scrub_surrogates(obj: Any) -> Any:
    """``obj`` (JSON-like: dicts, lists, strings, scalars) with every lone surrogate (from a
    ``\\uD800`` escape in the event) replaced by U+FFFD, so it can be written as UTF-8."""
    if isinstance(obj, str):
        if obj.isascii():
            return obj
        try:
            obj.encode("utf-8")
        except UnicodeEncodeError:
            return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in obj)
        return obj
    if isinstance(obj, dict):
        return {scrub_surrogates(k): scrub_surrogates(x) for k, x in obj.items()}
    if isinstance(obj, list | tuple):
        return [scrub_surrogates(x) for x in obj]
    return obj


def _audit(event: Event, v: Verdict, approval: dict[str, Any] | None = None) -> None:
    """Log the decision (best effort). First redacts ``v.error`` in place, so the rendered
    answer, which always comes after, never echoes a secret from a config file either."""
    from codex_guard.audit.record import record

    try:
        if v.error:
            v.error = redact_text(v.error, v)
        entry = audit_entry(event, v)
        if approval is not None:  # the person's one-time approval turned the prompt into allow
            entry["effective_decision"] = "allow"
            entry["approval"] = approval
        record(scrub_surrogates(entry))
    except Exception as e:  # the decision still stands; say why the log missed it
        sys.stderr.write(f"codex-guard: audit log not written: {e}\n")


class DeadlineError(Exception):
    """The decision did not finish in time, or its process died (commands/hook.py)."""


def fail_closed_audited(event: Event, err: BaseException) -> dict[str, Any] | None:
    """:func:`fail_closed`'s answer, with a best-effort audit entry saying why: ``forbidden``
    with the error when the answer denies/blocks, else ``allow`` with it as a reason."""
    out = fail_closed(event, err)
    why = redact_text(_failure_message(err))
    _audit(event, Verdict(error=why) if out is not None else Verdict(reasons=[why]))
    return out


def _failure_message(err: BaseException) -> str:
    if isinstance(err, DeadlineError):
        return f"codex-guard could not decide in time ({err}); failing closed"
    return f"codex-guard internal error ({type(err).__name__}: {err}); failing closed"


def fail_closed(event: Event | None, err: BaseException) -> dict[str, Any] | None:
    """The output after an internal error: deny a shell or edit call, block a prompt or a tool
    output, else nothing (the reason is redacted)."""
    msg = redact_text(_failure_message(err))
    if event is None:
        return None
    if event.name in ("UserPromptSubmit", "PostToolUse"):
        return {"decision": "block", "reason": msg}
    if event.name in ("PreToolUse", "PermissionRequest") and isinstance(event, ToolCall):
        from codex_guard.patch_guard import PATCH_TOOLS

        if event.tool_name not in SHELL_TOOLS + PATCH_TOOLS:
            return None
        if event.name == "PermissionRequest":
            return {
                "hookSpecificOutput": {
                    "hookEventName": event.name,
                    "decision": {"behavior": "deny", "message": msg},
                }
            }
        return {
            "hookSpecificOutput": {
                "hookEventName": event.name,
                "permissionDecision": "deny",
                "permissionDecisionReason": msg,
            }
        }
    return None
