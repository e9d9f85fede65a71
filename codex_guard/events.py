"""Parse one hook event from stdin into a typed event (codex-hooks.md §2; Claude Code hooks).

A leaf: imports only the private helpers ``_record`` and ``_json``. Client detection:
``--client`` wins; otherwise an event carrying ``turn_id`` comes from Codex (a Codex-only field),
anything else from Claude Code.
"""

from __future__ import annotations

from codex_guard._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CODEX = "codex"
CLAUDE = "claude"


class EventError(ValueError):
    """stdin could not be read as a hook event (empty, not JSON, not an object, no
    ``hook_event_name``)."""


class Event(Record):
    """Fields common to every event (immutable by convention).

    Attributes:
        name: ``hook_event_name`` (``PreToolUse``, ``UserPromptSubmit`` …).
        client: ``codex`` or ``claude``.
        session_id: the session id ('' when absent).
        cwd: the session working directory ('' when absent).
        raw: the whole decoded object.
    """

    _FIELDS: tuple[str, ...] = ("name", "client", "session_id", "cwd", "raw")
    _HIDDEN = ("raw",)
    __slots__ = _FIELDS

    def __init__(self, name: str, client: str, session_id: str, cwd: str, raw: dict[str, Any]):
        self.name = name
        self.client = client
        self.session_id = session_id
        self.cwd = cwd
        self.raw = raw


class ToolCall(Event):
    """``PreToolUse`` / ``PermissionRequest`` / ``PostToolUse``: ``tool_name`` and
    ``command`` (``tool_input.command``, or the older ``cmd``; None when not a string)."""

    __slots__ = ("command", "tool_name")
    _FIELDS = (*Event._FIELDS, "tool_name", "command")

    def __init__(
        self,
        name: str,
        client: str,
        session_id: str,
        cwd: str,
        raw: dict[str, Any],
        tool_name: str = "",
        command: str | None = None,
    ) -> None:
        Event.__init__(self, name, client, session_id, cwd, raw)
        self.tool_name = tool_name
        self.command = command


class PromptSubmit(Event):
    """``UserPromptSubmit``: the prompt text."""

    __slots__ = ("prompt",)
    _FIELDS = (*Event._FIELDS, "prompt")

    def __init__(
        self,
        name: str,
        client: str,
        session_id: str,
        cwd: str,
        raw: dict[str, Any],
        prompt: str = "",
    ) -> None:
        Event.__init__(self, name, client, session_id, cwd, raw)
        self.prompt = prompt


def _loads(data: bytes) -> Any:
    """The decoded document: orjson's acceptance (:func:`codex_guard._json.loads`; a lone
    surrogate escape such as ``\\uD800``, valid JSON that Claude Code's ``JSON.stringify`` can
    emit, is kept so the shell analysis and the scanner see and flag it). A document that
    contains a ``\\u`` escape and is refused gets a second reading with the stdlib decoder's
    acceptance (``NaN``, ``Infinity``, integers of any size), as ``json.loads`` did here before.

    Raises:
        EventError: the input is not valid JSON.
    """
    from codex_guard._json import JSONDecodeError, loads

    try:
        return loads(data)
    except JSONDecodeError as e:
        if b"\\u" not in data:
            raise EventError(f"stdin is not valid JSON: {e}") from None
        try:
            return loads(data, stdlib_numbers=True)
        except JSONDecodeError:
            raise EventError(f"stdin is not valid JSON: {e}") from None


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
    if not data.strip():
        raise EventError("empty input: expected one hook event as a JSON object on stdin")
    obj = _loads(data)
    if not isinstance(obj, dict):
        raise EventError("stdin JSON is not an object")
    name = obj.get("hook_event_name")
    if not isinstance(name, str) or not name:
        raise EventError("event has no hook_event_name")
    if client is None:
        client = CODEX if "turn_id" in obj else CLAUDE
    session = obj.get("session_id")
    cwd = obj.get("cwd")
    common = (
        name,
        client,
        session if isinstance(session, str) else "",
        cwd if isinstance(cwd, str) else "",
        obj,
    )
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
        return ToolCall(*common, tool_name=tool if isinstance(tool, str) else "", command=command)
    if name == "UserPromptSubmit":
        prompt = obj.get("prompt")
        return PromptSubmit(*common, prompt=prompt if isinstance(prompt, str) else "")
    return Event(*common)
