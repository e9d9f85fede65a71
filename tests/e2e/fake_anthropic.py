"""A scriptable fake of the Anthropic Messages API for driving the real ``claude -p``.

Listens on ``127.0.0.1`` only (ephemeral port). ``POST /v1/messages`` is answered in the shape
the client asks for: a Server-Sent-Events stream (``message_start``, ``content_block_start`` /
``content_block_delta`` / ``content_block_stop`` per block, ``message_delta`` with the
``stop_reason``, ``message_stop``; Anthropic's "Streaming Messages" documentation) when the request
has ``"stream": true``, else one JSON message object.

Only the agent's main-loop requests (those that offer tools) consume the script, one
:class:`ToolUse` or :class:`Text` turn each; side requests the client makes without tools (titles,
summaries) get a short text answer. ``POST /v1/messages/count_tokens`` gets a token count.
Every request is recorded, so tests can check what reached the "model" (a blocked secret must
never arrive) and read the ``tool_result`` blocks the client sent back.

It is :mod:`fake_model`'s server with another wire format: the same request recording
(``requests``, ``all_bodies_text``) and HTTP proxy sink (``proxy_attempts``): with
``HTTPS_PROXY`` pointing at it, any attempt to reach another host is recorded and refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

import fake_model
from fake_model import RecordedRequest


@dataclass(frozen=True)
class ToolUse:
    """A turn that calls tool ``name`` (default ``Bash``) with ``input``."""

    input: dict[str, Any]
    name: str = "Bash"
    id: str | None = None


@dataclass(frozen=True)
class Text:
    """A turn that answers ``text`` and ends the agent's turn."""

    text: str = "done"


Turn = ToolUse | Text


def _sse(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def _message(msg_id: str, model: str, blocks: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def _stream(msg_id: str, model: str, blocks: list[dict[str, Any]], stop: str) -> bytes:
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                **_message(msg_id, model, [], stop),
                "stop_reason": None,
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        }
    ]
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            events.append(
                {
                    "type": "content_block_start",
                    "index": i,
                    "content_block": {"type": "text", "text": ""},
                }
            )
            events.append(
                {
                    "type": "content_block_delta",
                    "index": i,
                    "delta": {"type": "text_delta", "text": b["text"]},
                }
            )
        else:
            events.append(
                {
                    "type": "content_block_start",
                    "index": i,
                    "content_block": {
                        "type": "tool_use",
                        "id": b["id"],
                        "name": b["name"],
                        "input": {},
                    },
                }
            )
            events.append(
                {
                    "type": "content_block_delta",
                    "index": i,
                    "delta": {"type": "input_json_delta", "partial_json": json.dumps(b["input"])},
                }
            )
        events.append({"type": "content_block_stop", "index": i})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 5},
        }
    )
    events.append({"type": "message_stop"})
    return _sse(events)


def is_main_loop(req: RecordedRequest) -> bool:
    """A Messages request that offers tools (the agent loop)."""
    return (
        req.method == "POST"
        and req.path.split("?", 1)[0].rstrip("/").endswith("/v1/messages")
        and isinstance(req.json, dict)
        and bool(req.json.get("tools"))
    )


class _Handler(fake_model._Handler):
    """fake_model's recording handler and proxy sink, answering the Messages API instead."""

    server: _Server

    def do_POST(self) -> None:
        """Messages (scripted), count_tokens, else 404."""
        req = self._record()
        path = req.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/v1/messages/count_tokens"):
            self._send_json(200, {"input_tokens": 10})
            return
        if not path.endswith("/v1/messages") or not isinstance(req.json, dict):
            self._send_json(404, {"type": "error", "error": {"type": "not_found_error"}})
            return
        owner = self.server.owner
        turn = owner._next_turn() if is_main_loop(req) else Text("ok")
        n = next(owner._ids)
        model = str(req.json.get("model", "claude-fake"))
        if isinstance(turn, ToolUse):
            block = {"type": "tool_use", "id": turn.id or f"toolu_{n}", "name": turn.name}
            blocks = [{**block, "input": turn.input}]
            stop = "tool_use"
        else:
            blocks = [{"type": "text", "text": turn.text}]
            stop = "end_turn"
        if req.json.get("stream"):
            self._send(200, _stream(f"msg_{n}", model, blocks, stop), "text/event-stream")
        else:
            self._send_json(200, _message(f"msg_{n}", model, blocks, stop))

    def do_GET(self) -> None:
        """Record and 404 (no other endpoint is faked)."""
        self._record()
        self._send_json(404, {"type": "error", "error": {"type": "not_found_error"}})


class _Server(fake_model._HTTPServer):
    def __init__(self, owner: FakeAnthropic) -> None:
        self.owner = owner
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _Handler)


class FakeAnthropic(fake_model.FakeModelServer):
    """Scriptable fake Messages API on 127.0.0.1 (a :class:`fake_model.FakeModelServer` with
    the Anthropic wire format): ``with FakeAnthropic() as srv`` then ``ANTHROPIC_BASE_URL =
    srv.origin``. Recording, proxy sink and lifecycle are fake_model's."""

    def __init__(self, script: Sequence[Turn] = ()) -> None:
        super().__init__()
        self._script = list(script)  # type: ignore[arg-type]

    def start(self) -> FakeAnthropic:
        """Bind to an ephemeral loopback port and serve in a background thread."""
        if self._httpd is None:
            self._httpd = _Server(self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def __enter__(self) -> FakeAnthropic:
        """Start the server."""
        return self.start()

    def _next_turn(self) -> Turn:  # type: ignore[override]
        with self._lock:
            i = self._turn_index
            self._turn_index += 1
            turn = self._script[i] if i < len(self._script) else Text("done")
            return turn  # type: ignore[return-value]

    def main_loop_requests(self) -> list[RecordedRequest]:
        """The agent-loop Messages requests."""
        return [r for r in self.requests if is_main_loop(r)]

    def tool_results(self) -> dict[str, str]:
        """``tool_use_id`` → the text of the ``tool_result`` the client sent back."""
        out: dict[str, str] = {}
        for r in self.main_loop_requests():
            for msg in r.json.get("messages", []):
                content = msg.get("content") if isinstance(msg, dict) else None
                for block in content if isinstance(content, list) else []:
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        c = block.get("content")
                        if not isinstance(c, str):
                            c = "".join(x.get("text", "") for x in c or [] if isinstance(x, dict))
                        out.setdefault(str(block.get("tool_use_id")), c)
        return out
