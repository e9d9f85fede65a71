"""A verdict → the exact bytes and exit code each client accepts (codex-hooks.md §3, §7, §9).

Codex fails open on anything unexpected, so every output here is exactly one JSON object with only
the keys the client's schema allows, or nothing at all.

* PreToolUse, Codex: forbidden → ``permissionDecision: deny`` with a non-empty reason; prompt →
  deny whose reason says a person must approve (Codex cannot ask from a hook); allow / no match →
  no output (a bare ``allow`` is a hook error on Codex).
* PreToolUse, Claude Code: forbidden → deny, prompt → ask, an explicit allow rule → allow,
  no match → no output.
* UserPromptSubmit (both): ``{"decision":"block","reason":…}`` or no output.
* PermissionRequest (both): forbidden → ``decision.behavior: deny``; every command allowed by
  an explicit user or system ``allow`` rule → ``allow``; otherwise no output, so the person is
  asked as usual.
"""

from __future__ import annotations

from codex_guard.events import CLAUDE
from codex_guard.verdict import ALLOW, FORBIDDEN, PROMPT, Verdict

MAX_REASON = 1800


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def rule_text(v: Verdict) -> str:
    """The deciding rule as text: pattern, layer, file:line and justification."""
    m = v.deciding_match()
    if m is None:
        return "; ".join(v.reasons) or "policy decision"
    pattern = " ".join(m.pattern)
    why = m.justification or f"policy {m.decision}s commands starting with `{pattern}`"
    return f"rule `{pattern}` ({m.layer} {m.where()}): {why}"


def tool_reason(v: Verdict, client: str, approval_code: str | None = None) -> str:
    """The human/model-readable reason for a PreToolUse decision; on Codex a ``prompt`` names
    the one-time ``approval_code`` the person can grant (approvals.py)."""
    if v.error:
        if v.decision == FORBIDDEN and v.deciding_match() is not None:
            # a rule already forbids it: say so, and what else went wrong
            return _clip(f"codex-guard: forbidden by {rule_text(v)}; also: {v.error}")
        return _clip(f"codex-guard: {v.error}")
    if v.decision == FORBIDDEN:
        return _clip(f"codex-guard: forbidden by {rule_text(v)}")
    extra = [r for r in v.reasons if r not in rule_text(v)]
    base = rule_text(v)
    if extra and v.deciding_match() is not None:
        base += "; " + "; ".join(extra)
    if client == CLAUDE:
        return _clip(f"codex-guard: needs approval: {base}")
    if approval_code:
        tail = (
            f". Approval code {approval_code}. Do not work around it: stop and ask the user to "
            f"run `codex-guard approve {approval_code}` in their own terminal; after that, retry "
            "exactly the same command once, in the same directory (the approval expires)."
        )
        head = "codex-guard: this command needs a person's approval ("
        room = MAX_REASON - len(head) - len(tail) - 1
        if len(base) > room:  # the code and the instructions must survive clipping
            base = base[: room - 1] + "…"
        return f"{head}{base}){tail}"
    return _clip(
        f"codex-guard: this command needs a person's approval ({base}). "
        "Do not retry it or work around it: stop and ask the user to run it themselves "
        "or to approve it."
    )


def _obj(event: str, **fields: object) -> dict[str, object]:
    return {"hookSpecificOutput": {"hookEventName": event, **fields}}


def explicitly_allowed(v: Verdict, layers: tuple[str, ...] | None = None) -> bool:
    """True when every judged command is allowed by at least one ``allow`` rule (of ``layers``
    when given) and nothing raised the decision: one allowed command must not carry an unmatched
    one (``git status && curl …``) through."""
    if v.decision != ALLOW or v.error or v.reasons or not v.commands:
        return False
    covered = {
        m.command for m in v.matches if m.decision == ALLOW and (not layers or m.layer in layers)
    }
    return all(tuple(c) in covered for c in v.commands)


def render_tool(
    v: Verdict, client: str, event: str = "PreToolUse", approval_code: str | None = None
) -> dict[str, object] | None:
    """The output object for a tool event, or None for no output.

    PermissionRequest: forbidden → deny; every command allowed by a user or system ``allow``
    rule → allow (the person is not asked); otherwise no output (the person is asked).
    """
    if event == "PermissionRequest":
        if v.decision == FORBIDDEN or v.error:
            return _obj(event, decision={"behavior": "deny", "message": tool_reason(v, client)})
        if explicitly_allowed(v, ("user", "system")):
            return _obj(event, decision={"behavior": "allow"})
        return None
    if v.decision == FORBIDDEN or v.error:
        return _obj(
            event, permissionDecision="deny", permissionDecisionReason=tool_reason(v, client)
        )
    if v.decision == PROMPT:
        if client == CLAUDE:
            return _obj(
                event, permissionDecision="ask", permissionDecisionReason=tool_reason(v, client)
            )
        return _obj(
            event,
            permissionDecision="deny",
            permissionDecisionReason=tool_reason(v, client, approval_code),
        )
    if client == CLAUDE and explicitly_allowed(v):
        return _obj(
            event,
            permissionDecision="allow",
            permissionDecisionReason="codex-guard: allowed by rule",
        )
    return _notice(v)


def prompt_reason(v: Verdict) -> str:
    """Reason for blocking a prompt: each finding's kind and redacted form, never the secret."""
    if v.error:
        return _clip(f"codex-guard: {v.error}")
    if not v.findings:
        return _clip("codex-guard blocked this prompt: " + "; ".join(v.reasons))
    items = ", ".join(f"{f.kind} ({f.redacted})" for f in v.findings)
    return _clip(
        "codex-guard blocked this prompt: it contains "
        f"{len(v.findings)} secret(s) or personal data: {items}. "
        "Remove them (or use an environment variable / secret manager) and send it again."
    )


def _notice(v: Verdict) -> dict[str, object] | None:
    """``{"systemMessage": …}`` (shown to the person, not the model) for ``warn`` findings."""
    return {"systemMessage": _clip(" ".join(v.notices))} if v.notices else None


def render_prompt(v: Verdict) -> dict[str, object] | None:
    """The UserPromptSubmit output object (block, or a ``systemMessage`` warning), or None."""
    if v.decision == FORBIDDEN or v.error:
        return {"decision": "block", "reason": prompt_reason(v)}
    return _notice(v)


def render_post_tool(v: Verdict) -> dict[str, object] | None:
    """The PostToolUse output: ``{"decision":"block","reason":…}`` makes the model see the
    reason instead of the tool output (codex-hooks.md §3.5); a warning is a ``systemMessage``."""
    if v.decision == FORBIDDEN or v.error:
        if v.error:
            why = f"codex-guard: {v.error}"
        else:
            items = ", ".join(f"{f.kind} ({f.redacted})" for f in v.findings)
            why = (
                "codex-guard withheld this tool output: it contains secret(s) or personal "
                f"data: {items}. The command ran, but its output is not shown. Do not print "
                "these values again; refer to them through environment variables or files."
            )
        return {"decision": "block", "reason": _clip(why)}
    return _notice(v)
