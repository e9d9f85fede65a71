"""Parse one hook event from stdin into a typed event (codex-hooks.md §2; Claude Code hooks).

A leaf: imports nothing else of codex_guard. Client detection: ``--client`` wins; otherwise an
event carrying ``turn_id`` comes from Codex (a Codex-only field), anything else from Claude Code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CODEX = "codex"
CLAUDE = "claude"


class EventError(ValueError):
    """stdin could not be read as a hook event (empty, not JSON, not an object, no
    ``hook_event_name``)."""


@dataclass(frozen=True)
class Event:
    """Fields common to every event.

    Attributes:
        name: ``hook_event_name`` (``PreToolUse``, ``UserPromptSubmit`` …).
        client: ``codex`` or ``claude``.
        session_id: the session id ('' when absent).
        cwd: the session working directory ('' when absent).
        raw: the whole decoded object.
    """

    name: str
    client: str
    session_id: str
    cwd: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class ToolCall(Event):
    """``PreToolUse`` / ``PermissionRequest`` / ``PostToolUse``: ``tool_name`` and
    ``command`` (``tool_input.command``, or the older ``cmd``; None when not a string)."""

    tool_name: str = ""
    command: str | None = None


@dataclass(frozen=True)
class PromptSubmit(Event):
    """``UserPromptSubmit``: the prompt text."""

    prompt: str = ""


def _loads_lone_surrogates(data: bytes, err: Exception) -> Any:
    """Decode JSON that orjson refused only because a ``\\uD800``-style escape is a lone
    surrogate: valid JSON syntax that Claude Code's ``JSON.stringify`` can emit. The stdlib
    decoder keeps the surrogate, so the shell analysis and the scanner see (and flag) it.

    Raises:
        EventError: the input is not valid JSON (``err``'s message).
    """
    if b"\\u" not in data:
        raise EventError(f"stdin is not valid JSON: {err}") from None
    import json

    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise EventError(f"stdin is not valid JSON: {err}") from None


def parse_event(data: bytes, client: str | None = None) -> Event:
    """Decode one event.

    Args:
        data: the bytes read from stdin.
        client: ``codex`` / ``claude`` to force the client, or None to detect it.

    Returns:
        A :class:`ToolCall`, :class:`PromptSubmit` or plain :class:`Event`.

    Raises:
        EventError: the input is not a usable event.
    """
    import orjson

    if not data.strip():
        raise EventError("empty input: expected one hook event as a JSON object on stdin")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        obj = _loads_lone_surrogates(data, e)
    if not isinstance(obj, dict):
        raise EventError("stdin JSON is not an object")
    name = obj.get("hook_event_name")
    if not isinstance(name, str) or not name:
        raise EventError("event has no hook_event_name")
    if client is None:
        client = CODEX if "turn_id" in obj else CLAUDE
    session = obj.get("session_id")
    cwd = obj.get("cwd")
    common: dict[str, Any] = {
        "name": name,
        "client": client,
        "session_id": session if isinstance(session, str) else "",
        "cwd": cwd if isinstance(cwd, str) else "",
        "raw": obj,
    }
    if name in ("PreToolUse", "PermissionRequest", "PostToolUse"):
        tool = obj.get("tool_name")
        tin = obj.get("tool_input")
        command = None
        if isinstance(tin, dict):
            c = tin.get("command", tin.get("cmd"))
            if isinstance(c, str):
                command = c
            elif isinstance(c, list) and all(isinstance(x, str) for x in c):
                import shlex

                command = shlex.join(c)
        return ToolCall(**common, tool_name=tool if isinstance(tool, str) else "", command=command)
    if name == "UserPromptSubmit":
        prompt = obj.get("prompt")
        return PromptSubmit(**common, prompt=prompt if isinstance(prompt, str) else "")
    return Event(**common)
