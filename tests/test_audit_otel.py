"""OpenTelemetry export of audit decisions, against a real OTLP/HTTP receiver on 127.0.0.1.

The receiver decodes each request with the OTLP protobuf classes (``opentelemetry-proto``, which
comes with the exporter). Skipped when the ``otel`` extra is not installed (the ``dev`` extra, and
so ``scripts/test.sh``, installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "opentelemetry.exporter.otlp.proto.http",
    reason="the otel extra is not installed: pip install -e '.[otel]'",
)
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2

AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
AWS_SECRET = "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"


class Receiver:
    """A minimal OTLP/HTTP logs receiver: stores each request's path, headers and decoded body."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    import gzip

                    body = gzip.decompress(body)
                req = logs_service_pb2.ExportLogsServiceRequest()
                req.ParseFromString(body)
                received.append((self.path, dict(self.headers), req))
                out = logs_service_pb2.ExportLogsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/v1/logs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def records(self) -> list[tuple[dict[str, str], Any, Any]]:
        """``(resource attributes, scope logs' log record, request headers)`` for every record."""
        out = []
        for _, headers, req in self.requests:
            for rl in req.resource_logs:
                res = {kv.key: _value(kv.value) for kv in rl.resource.attributes}
                for sl in rl.scope_logs:
                    for rec in sl.log_records:
                        out.append((res, rec, headers))
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind) if kind else None


def _attrs(rec: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in rec.attributes}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _entry() -> dict[str, Any]:
    return {
        "timestamp": "2026-11-21T10:00:00.250Z",
        "event_id": "e-1",
        "user": "alice",
        "session_id": "s1",
        "command": [["rm", "-rf", "/"]],
        "working_directory": "/w",
        "policy_files": ["/p/baseline.rules"],
        "matched_rules": [
            {
                "file": "/p/b.rules:3",
                "pattern": ["rm"],
                "decision": "forbidden",
                "justification": None,
            }
        ],
        "effective_decision": "forbidden",
        "event": "PreToolUse",
        "client": "codex",
        "seq": 7,
        "chain_hash": "ab" * 32,
    }


def test_emit_sends_one_record_with_the_entry_as_attributes(receiver: Receiver) -> None:
    from codex_guard.audit.config import OtelConfig
    from codex_guard.audit.otel import emit

    cfg = OtelConfig(receiver.endpoint, {"x-team-token": "t0k"}, "guard-test", 5.0)
    assert emit(_entry(), cfg) is True
    ((path, _, _),) = receiver.requests
    assert path == "/v1/logs"
    ((res, rec, headers),) = receiver.records()
    assert res["service.name"] == "guard-test"
    assert headers.get("x-team-token") == "t0k"
    assert rec.body.string_value == "codex-guard PreToolUse: forbidden"
    assert rec.severity_text == "WARN" and rec.event_name == "codex_guard.decision"
    assert rec.time_unix_nano == 1795255200250000000
    attrs = _attrs(rec)
    e = _entry()
    assert attrs == {
        **{k: v for k, v in e.items() if k not in ("command", "matched_rules")},
        "command": json.dumps(e["command"], separators=(",", ":")),
        "matched_rules": json.dumps(e["matched_rules"], separators=(",", ":")),
    }


def _hook_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    home = tmp_path / "codex"
    home.mkdir(exist_ok=True)
    (home / "guardrails.toml").write_text(
        f'[audit.otel]\nendpoint = "{endpoint}"\nservice_name = "ci-guard"\ntimeout = 3\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "HTTP", "http"))}
    env.update(
        {
            "CODEX_HOME": str(home),
            "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
            "NO_PROXY": "127.0.0.1",
        }
    )
    return env


def _hook(env: dict[str, str], event: dict[str, Any]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", "hook"],
        input=json.dumps({"turn_id": "t", "session_id": "s9", "cwd": "/tmp", **event}).encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_hook_exports_each_decision_never_the_prompt(receiver: Receiver, tmp_path: Path) -> None:
    env = _hook_env(tmp_path, receiver.endpoint)
    ls = _hook(
        env, {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}
    )
    assert ls.returncode == 0 and ls.stdout == b"", ls.stderr
    prompt = f"deploy with {AWS_ID} and {AWS_SECRET} please"
    blocked = _hook(env, {"hook_event_name": "UserPromptSubmit", "prompt": prompt})
    assert json.loads(blocked.stdout)["decision"] == "block"
    records = receiver.records()
    assert [(_attrs(r)["event"], _attrs(r)["effective_decision"]) for _, r, _ in records] == [
        ("PreToolUse", "allow"),
        ("UserPromptSubmit", "forbidden"),
    ]
    assert all(res["service.name"] == "ci-guard" for res, _, _ in records)
    logged = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    for (_, rec, _), entry in zip(records, logged, strict=True):
        assert _attrs(rec)["event_id"] == entry["event_id"]
        assert _attrs(rec)["chain_hash"] == entry["chain_hash"]
    wire = b"".join(req.SerializeToString() for _, _, req in receiver.requests)
    assert AWS_ID.encode() not in wire and AWS_SECRET.encode() not in wire
    assert b"deploy with" not in wire and b"please" not in wire


def test_unreachable_collector_does_not_change_the_decision(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = _hook_env(tmp_path, f"http://127.0.0.1:{port}/v1/logs")
    done = _hook(
        env,
        {
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "rm -rf /"},
        },
    )
    out = json.loads(done.stdout)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert (tmp_path / "audit.jsonl").exists()


def test_missing_extra_warns_once_and_still_logs(receiver: Receiver, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "opentelemetry"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('simulated: extra not installed')\n")
    env = _hook_env(tmp_path, receiver.endpoint)
    env["PYTHONPATH"] = str(tmp_path / "shadow")
    done = _hook(
        env, {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}
    )
    assert done.returncode == 0 and done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert lines == [
        "codex-guard: [audit.otel] is configured but OpenTelemetry is not installed "
        "(pip install 'codex-guard[otel]'); decisions are not exported"
    ]
    assert receiver.requests == []
    assert json.loads((tmp_path / "audit.jsonl").read_text())["effective_decision"] == "allow"


def test_not_configured_imports_nothing_of_opentelemetry(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from codex_guard.events import parse_event\n"
        "from codex_guard.hook import handle\n"
        "handle(parse_event(sys.stdin.buffer.read()))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'google.protobuf', 'requests'))))\n"
    )
    env = {
        **os.environ,
        "CODEX_HOME": str(tmp_path),
        "CODEX_GUARD_AUDIT_LOG": str(tmp_path / "a.jsonl"),
    }
    event = {
        "hook_event_name": "PreToolUse",
        "turn_id": "t",
        "session_id": "s",
        "cwd": "/tmp",
        "tool_name": "Bash",
        "tool_input": {"command": "ls"},
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(event).encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == "[]"
    assert (tmp_path / "a.jsonl").exists()
