"""A scriptable fake of the OpenAI Responses API for driving the real ``codex`` CLI.

The server listens on ``127.0.0.1`` only (ephemeral port) and answers ``POST .../responses``
with a Server-Sent-Events stream in the shape Codex's own test-suite mocks use
(``openai/codex`` ``codex-rs/core/tests/common/responses.rs``): ``response.created``, one
``response.output_item.done`` per output item, then ``response.completed``.

Each ``POST .../responses`` consumes the next *turn* of the script:

* :class:`ShellCall` answers with a ``function_call`` item for Codex's ``exec_command`` tool;
* :class:`FinalMessage` answers with an assistant ``message`` item, which ends the agent turn.

When the script is exhausted the server answers :class:`FinalMessage` with ``default_final``.

Every request (including ones to other paths, which get a small JSON answer or a 404) is
recorded as a :class:`RecordedRequest`, so tests can inspect exactly what Codex sent to the
"model": e.g. that a secret never left the machine, or that the ``function_call_output`` of a
blocked command carries the hook's reason.

The server also acts as an HTTP proxy *sink*: if a test points ``HTTPS_PROXY``/``HTTP_PROXY``
at it, any attempt by Codex to reach another host is recorded (see
:meth:`FakeModelServer.proxy_attempts`) and refused, so nothing ever leaves loopback.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = [
    "FakeModelServer",
    "FinalMessage",
    "RecordedRequest",
    "ShellCall",
    "Turn",
]


@dataclass(frozen=True)
class ShellCall:
    """A model turn that asks Codex to run ``cmd`` with the ``exec_command`` tool.

    ``extra_args`` are merged into the tool's JSON arguments (e.g. ``{"yield_time_ms": 5000}``
    or ``{"workdir": "/some/dir"}``). ``call_id`` defaults to a unique ``call_<n>``.
    """

    cmd: str
    extra_args: dict[str, Any] = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True)
class FinalMessage:
    """A model turn that answers with a final assistant message ``text`` (ends the turn)."""

    text: str = "done"


Turn = ShellCall | FinalMessage


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request received by the fake server.

    ``body`` holds the raw bytes as received; ``decoded_body`` the bytes after undoing a
    ``Content-Encoding`` we understand (gzip/deflate; otherwise equal to ``body``).
    ``json`` is the parsed body or ``None`` when it is not JSON.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    decoded_body: bytes
    json: Any

    @property
    def text(self) -> str:
        """The decoded body as text (UTF-8, undecodable bytes replaced)."""
        return self.decoded_body.decode("utf-8", errors="replace")

    @property
    def is_responses(self) -> bool:
        """True for a ``POST`` to the Responses endpoint (``.../responses``)."""
        return self.method == "POST" and self.path.split("?", 1)[0].rstrip("/").endswith(
            "/responses"
        )

    def input_items(self) -> list[dict[str, Any]]:
        """The ``input`` items of a Responses request (empty when absent)."""
        if not isinstance(self.json, dict):
            return []
        items = self.json.get("input")
        if not isinstance(items, list):
            return []
        return [item for item in items if isinstance(item, dict)]

    def function_call_outputs(self) -> list[dict[str, Any]]:
        """The ``function_call_output`` items in this request's ``input``."""
        return [i for i in self.input_items() if i.get("type") == "function_call_output"]

    def user_texts(self) -> list[str]:
        """All ``input_text`` spans of ``role == "user"`` messages in this request."""
        texts: list[str] = []
        for item in self.input_items():
            if item.get("type") != "message" or item.get("role") != "user":
                continue
            content = item.get("content")
            if not isinstance(content, list):
                continue
            for span in content:
                if isinstance(span, dict) and isinstance(span.get("text"), str):
                    texts.append(span["text"])
        return texts


def _output_text(output: Any) -> str:
    """Flatten a ``function_call_output.output`` value (string or content list) to text."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        parts = [
            span.get("text", "")
            for span in output
            if isinstance(span, dict) and isinstance(span.get("text"), str)
        ]
        return "".join(parts)
    if isinstance(output, dict) and isinstance(output.get("content"), str):
        return str(output["content"])
    return json.dumps(output)


def _decode_body(raw: bytes, encoding: str) -> bytes:
    """Undo gzip/deflate ``Content-Encoding``; anything else is returned unchanged."""
    enc = encoding.strip().lower()
    try:
        if enc == "gzip":
            return gzip.decompress(raw)
        if enc == "deflate":
            return zlib.decompress(raw)
    except (OSError, zlib.error):
        return raw
    return raw


def _sse(events: Iterable[dict[str, Any]]) -> bytes:
    """Encode events as an SSE stream (``event: <type>`` + ``data: <json>`` per event)."""
    out: list[str] = []
    for event in events:
        out.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
    return "".join(out).encode("utf-8")


_USAGE = {
    "input_tokens": 10,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 15,
}


class _Handler(BaseHTTPRequestHandler):
    """Request handler; all state lives on the owning :class:`FakeModelServer`."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    # Silence the default stderr access log (keeps pytest output clean).
    def log_message(self, format: str, *args: Any) -> None:
        """Do not log requests to stderr."""

    def _record(self) -> RecordedRequest:
        raw = self._read_body()
        decoded = _decode_body(raw, self.headers.get("Content-Encoding", ""))
        parsed: Any = None
        if decoded:
            try:
                parsed = json.loads(decoded)
            except ValueError:
                parsed = None
        req = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=raw,
            decoded_body=decoded,
            json=parsed,
        )
        self.server.owner._add_request(req)
        return req

    def _read_body(self) -> bytes:
        """Read the request body (``Content-Length`` or ``Transfer-Encoding: chunked``)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Consume optional trailers up to the blank line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def do_POST(self) -> None:
        """Serve ``.../responses`` from the script; 404 for anything else."""
        req = self._record()
        if req.is_responses:
            self._send(200, self.server.owner._next_stream(req), "text/event-stream")
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request"}})

    def do_GET(self) -> None:
        """Answer ``.../models`` with an empty list; 404 for anything else."""
        req = self._record()
        path = req.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/models"):
            self._send_json(200, {"object": "list", "data": [], "models": []})
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request"}})

    def do_CONNECT(self) -> None:
        """Proxy sink: record the attempted tunnel target and refuse it."""
        self._record()
        self.server.owner._add_proxy_attempt(self.path)
        self._send(403, b"fake_model: outbound connections are refused\n", "text/plain")
        self.close_connection = True

    def do_DELETE(self) -> None:
        """Record and refuse."""
        self._record()
        self._send_json(404, {"error": {"message": "not found"}})

    do_PUT = do_DELETE
    do_PATCH = do_DELETE


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: FakeModelServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class FakeModelServer:
    """Scriptable fake Responses API on ``127.0.0.1``; use as a context manager.

    >>> with FakeModelServer([ShellCall("touch marker"), FinalMessage("done")]) as srv:
    ...     ...  # run codex with base_url=srv.base_url
    ...     srv.tool_outputs()
    """

    def __init__(self, script: Sequence[Turn] = (), *, default_final: str = "done") -> None:
        """Create (but do not start) a server that will play ``script`` turn by turn."""
        self._lock = threading.Lock()
        self._script: list[Turn] = list(script)
        self._turn_index = 0
        self._default_final = default_final
        self._requests: list[RecordedRequest] = []
        self._proxy_attempts: list[str] = []
        self._ids = itertools.count(1)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakeModelServer:
        """Bind to an ephemeral loopback port and serve in a background thread."""
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeModelServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    # ----------------------------------------------------------------- addresses
    @property
    def port(self) -> int:
        """The bound TCP port (server must be started)."""
        if self._httpd is None:
            raise RuntimeError("FakeModelServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The provider ``base_url`` for Codex: ``http://127.0.0.1:<port>/v1``."""
        return f"{self.origin}/v1"

    # ----------------------------------------------------------------- scripting
    def set_script(self, script: Sequence[Turn]) -> None:
        """Replace the script and restart it from the first turn."""
        with self._lock:
            self._script = list(script)
            self._turn_index = 0

    def add_turns(self, *turns: Turn) -> None:
        """Append turns to the end of the script."""
        with self._lock:
            self._script.extend(turns)

    def _next_turn(self) -> Turn:
        with self._lock:
            if self._turn_index < len(self._script):
                turn = self._script[self._turn_index]
                self._turn_index += 1
                return turn
            self._turn_index += 1
            return FinalMessage(self._default_final)

    def _next_stream(self, req: RecordedRequest) -> bytes:
        turn = self._next_turn()
        n = next(self._ids)
        response_id = f"resp_{n}"
        if isinstance(turn, ShellCall):
            args: dict[str, Any] = {"cmd": turn.cmd, **turn.extra_args}
            item: dict[str, Any] = {
                "type": "function_call",
                "id": f"fc_{n}",
                "call_id": turn.call_id or f"call_{n}",
                "name": "exec_command",
                "arguments": json.dumps(args),
            }
        else:
            item = {
                "type": "message",
                "role": "assistant",
                "id": f"msg_{n}",
                "content": [{"type": "output_text", "text": turn.text}],
            }
        return _sse(
            [
                {"type": "response.created", "response": {"id": response_id}},
                {"type": "response.output_item.done", "item": item},
                {"type": "response.completed", "response": {"id": response_id, "usage": _USAGE}},
            ]
        )

    # ----------------------------------------------------------------- recording
    def _add_request(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def _add_proxy_attempt(self, target: str) -> None:
        with self._lock:
            self._proxy_attempts.append(target)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    def responses_requests(self) -> list[RecordedRequest]:
        """Only the ``POST .../responses`` requests (the model turns), in order."""
        return [r for r in self.requests if r.is_responses]

    def proxy_attempts(self) -> list[str]:
        """``CONNECT`` targets (``host:port``) Codex tried to tunnel to through this server."""
        with self._lock:
            return list(self._proxy_attempts)

    def all_bodies_text(self) -> str:
        """Every request's path and decoded body concatenated (for "never sent X" checks).

        Both the decoded text and the JSON-unescaped re-serialisation are included, so a
        search for a raw string finds it even if it was JSON-escaped on the wire.
        """
        chunks: list[str] = []
        for req in self.requests:
            chunks.append(req.path)
            chunks.append(req.text)
            if req.json is not None:
                chunks.append(json.dumps(req.json, ensure_ascii=False))
        return "\n".join(chunks)

    def iter_function_call_outputs(self) -> Iterator[dict[str, Any]]:
        """Distinct ``function_call_output`` items across all Responses requests.

        Codex resends the whole conversation every turn, so an output appears in every later
        request; items are de-duplicated by ``call_id`` (first occurrence wins).
        """
        seen: set[str] = set()
        for req in self.responses_requests():
            for item in req.function_call_outputs():
                key = str(item.get("call_id"))
                if key in seen:
                    continue
                seen.add(key)
                yield item

    def tool_outputs(self) -> list[str]:
        """The ``output`` text of each distinct ``function_call_output`` sent back to us."""
        return [_output_text(item.get("output")) for item in self.iter_function_call_outputs()]

    def tool_output(self, call_id: str) -> str | None:
        """The ``output`` text for ``call_id``, or ``None`` if Codex never sent it."""
        for item in self.iter_function_call_outputs():
            if item.get("call_id") == call_id:
                return _output_text(item.get("output"))
        return None
