"""Where scanning meets the hook: scan a prompt, a shell command or a tool output, apply
``guardrails.toml`` and produce a :class:`~codex_guard.verdict.Verdict`.

* UserPromptSubmit (:func:`judge_prompt`): a ``block`` finding → ``forbidden`` (the prompt is
  blocked, the reason lists each kind with its redacted form); only ``warn`` findings → no
  decision, and a notice the renderer turns into a ``systemMessage`` for the person.
* PreToolUse on a shell command (:func:`scan_command`): a ``block`` finding (a literal token in a
  ``curl -H 'Authorization: Bearer …'``) → at least ``prompt``. Only ``block`` detectors run
  there (every shell call pays for the scan), so a ``warn`` kind is never looked for in a
  command and yields no notice.
* PostToolUse (:func:`judge_tool_output`): a ``block`` finding → ``forbidden``, rendered as
  ``{"decision":"block","reason":…}`` so the model sees the reason instead of the output; a
  structured ``tool_response`` is scanned as its text leaves (:func:`tool_output_text`).

A broken guardrails.toml never disables scanning silently: the verdict carries the error, and
the renderer blocks (prompt, output) or denies (command) with it.
"""

from __future__ import annotations

from codex_guard.verdict import FORBIDDEN, PROMPT, FindingRef, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["judge_prompt", "judge_tool_output", "scan_command", "tool_output_text"]


def _classified(
    text: str, cwd: str | None, v: Verdict, *, only_block: bool = False
) -> list[tuple[Any, str]] | None:
    """Findings of ``text`` with their actions, or None after recording a config error.

    Detectors whose action is ``off`` (and, with ``only_block``, every action but ``block``) do
    not run at all."""
    from codex_guard import scan
    from codex_guard.guardrails import BLOCK, WARN, GuardrailsError, load_guardrails

    try:
        g = load_guardrails(cwd or None)
    except GuardrailsError as e:
        v.error = f"guardrails.toml is broken, so nothing can be scanned: {e}"
        return None
    errors: list[str] = []
    body = text
    if len(text) > g.max_chars:
        # the head and the tail: what a client that truncates long outputs still shows
        half = g.max_chars // 2
        body = text[:half] + "\n" + text[len(text) - (g.max_chars - half) :]
        note = (
            f"only the first and last {g.max_chars} of {len(text)} characters were scanned "
            "([scan] max_chars in guardrails.toml)"
        )
        if g.oversize == "block":
            v.raise_to(FORBIDDEN, note)
        elif g.oversize == "warn":
            v.notices.append(note)
    wanted = (BLOCK,) if only_block else (BLOCK, WARN)

    def enabled(d: Any) -> bool:
        return g.action_for(d.id, d.severity, d.category) in wanted

    found = scan.scan(body, catalogue=g.catalogue(), errors=errors, enabled=enabled)
    v.notices.extend(f"codex-guard: {e}" for e in errors)
    # for the audit entry's redaction (hook.audit_entry): what was scanned, what was found in it
    v._scanned = body
    v._secrets.extend((body[f.start : f.end], f.redacted) for f in found)
    return g.classify(body, found)


def _ref(f: Any) -> FindingRef:
    return FindingRef(f.kind, f.redacted, f.description)


def _summary(items: list[Any]) -> str:
    return ", ".join(f"{f.kind} ({f.redacted})" for f in items)


def _judge(text: str, cwd: str | None, where: str) -> Verdict:
    """``forbidden`` with the ``block`` findings; a notice (and the findings, for the audit)
    for ``warn`` ones; ``error`` when guardrails.toml is broken."""
    v = Verdict()
    classified = _classified(text, cwd, v)
    if classified is None:
        return v
    blocking = [f for f, act in classified if act == "block"]
    warning = [f for f, act in classified if act == "warn"]
    if blocking:
        v.findings.extend(_ref(f) for f in blocking)
        v.decision = FORBIDDEN
    if warning:
        v.notices.append(f"codex-guard: {where} contains {_summary(warning)}")
        if not blocking:
            v.findings.extend(_ref(f) for f in warning)
    return v


def judge_prompt(prompt: str, cwd: str | None = None) -> Verdict:
    """Scan a prompt under guardrails.toml.

    Returns:
        A verdict: ``forbidden`` with the blocking findings in ``findings``; or no decision with
        a ``notices`` entry naming the ``warn`` findings; or an empty verdict. ``error`` is set
        when guardrails.toml is broken.
    """
    return _judge(prompt, cwd, "this prompt")


def scan_command(command: str, cwd: str | None, v: Verdict) -> None:
    """Scan a shell command for literal secrets and raise ``v`` (the rules' verdict): a
    ``block`` finding makes it at least ``prompt``. Only ``block`` detectors run here (personal
    data in a command is not what this check is for, and every shell call pays for the scan)."""
    classified = _classified(command, cwd, v, only_block=True)
    if classified is None:
        return
    blocking = [f for f, _ in classified]
    v.findings.extend(_ref(f) for f in blocking)
    if blocking:
        v.raise_to(
            PROMPT,
            f"the command contains a literal secret: {_summary(blocking)}; "
            "use an environment variable or a secret manager instead",
        )


# dict keys whose string value is output text itself: scanned bare, not as "key: value"
_TEXT_FIELDS = frozenset({"stdout", "stderr", "output", "text", "content", "result", "error"})


def tool_output_text(response: Any) -> str:
    """The text of a PostToolUse ``tool_response``, as the model would read it.

    A string as is (Codex's shell and apply_patch outputs). Anything else (Claude Code's Bash
    ``{"stdout", "stderr", "interrupted", "isImage"}``, its Read ``{"file": {"content"}}``, an
    MCP ``CallToolResult`` with ``content[].text``) becomes its string leaves, depth first in
    document order, one per line: the value of a text field (``stdout``, ``stderr``, ``text``,
    ``content``, ...) bare, any other scalar as ``key: value`` so that a label such as
    ``password`` stays next to its value. Scanning ``json.dumps`` instead would escape quotes
    and newlines (``password = \\"…\\"``) and hide secrets from the detectors. Booleans and
    ``None`` are skipped; never raises.
    """
    if isinstance(response, str):
        return response
    lines: list[str] = []
    stack: list[tuple[str | None, Any]] = [(None, response)]
    while stack:
        key, node = stack.pop()
        if node is None or isinstance(node, bool) or node == "":
            continue
        if isinstance(node, dict):
            stack.extend((str(k), val) for k, val in reversed(list(node.items())))
        elif isinstance(node, list | tuple):
            stack.extend((key, val) for val in reversed(node))
        else:
            text = node if isinstance(node, str) else str(node)
            lines.append(text if key is None or key in _TEXT_FIELDS else f"{key}: {text}")
    return "\n".join(lines)


def judge_tool_output(response: Any, cwd: str | None = None) -> Verdict:
    """Scan a tool's output (PostToolUse).

    Returns:
        ``forbidden`` with the blocking findings when the output must not reach the model; a
        notice for ``warn`` findings; ``error`` when guardrails.toml is broken.
    """
    return _judge(tool_output_text(response), cwd, "a tool output")
