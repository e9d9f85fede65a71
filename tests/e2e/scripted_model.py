""":mod:`fake_model`'s server with two more kinds of turn, for the codex-guard e2e tests.

* :class:`PatchCall`: the model calls Codex's freeform ``apply_patch`` tool (a
  ``custom_tool_call`` item whose ``input`` is the patch text); Codex answers with a
  ``custom_tool_call_output`` (:meth:`ScriptedModel.custom_output`).
* a callable turn: played when its request arrives, so it can use what Codex sent back for the
  turn before (e.g. an approval code in a deny).

:func:`rehome` points an existing :class:`codex_env.CodexHome` at such a server, and
:func:`guard` runs ``codex-guard`` as the person does, in that home.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, replace
from typing import Any

from codex_env import CodexHome
from fake_model import FakeModelServer, RecordedRequest, Turn, _output_text, _sse

from codex_guard.commands.approve import AGENT_ENV


@dataclass(frozen=True)
class PatchCall:
    """A model turn calling Codex's freeform ``apply_patch`` tool with ``patch``."""

    patch: str
    call_id: str


class ScriptedModel(FakeModelServer):
    """A :class:`fake_model.FakeModelServer` whose script may also hold :class:`PatchCall` and
    zero-argument callables returning a turn."""

    def _next_turn(self) -> Turn:
        turn: Any = super()._next_turn()
        return turn() if callable(turn) else turn  # type: ignore[no-any-return]

    def _next_stream(self, req: RecordedRequest) -> bytes:
        with self._lock:
            i = self._turn_index
            turn = self._script[i] if i < len(self._script) else None
        if not isinstance(turn, PatchCall):
            return super()._next_stream(req)
        self._next_turn()
        item: dict[str, Any] = {
            "type": "custom_tool_call",
            "id": f"ctc_{i}",
            "call_id": turn.call_id,
            "name": "apply_patch",
            "input": turn.patch,
        }
        rid = f"resp_p{i}"
        usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
        return _sse(
            [
                {"type": "response.created", "response": {"id": rid}},
                {"type": "response.output_item.done", "item": item},
                {"type": "response.completed", "response": {"id": rid, "usage": usage}},
            ]
        )

    def custom_output(self, call_id: str) -> str | None:
        """The ``custom_tool_call_output`` text Codex sent back for ``call_id``."""
        for req in self.responses_requests():
            for item in req.input_items():
                if item.get("type") == "custom_tool_call_output" and item.get("call_id") == call_id:
                    return _output_text(item.get("output"))
        return None


def rehome(home: CodexHome, server: FakeModelServer) -> CodexHome:
    """``home`` with its config.toml (rewritten in place) and proxy pointed at ``server``."""
    cfg = home.config_toml.read_text().replace(home.base_url, server.base_url)
    home.config_toml.write_text(cfg)
    return replace(home, base_url=server.base_url, proxy_url=server.origin)


def guard(home: CodexHome, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``codex-guard ARGS`` as the person runs it in their own terminal: ``home``'s environment
    plus ``env``, no agent variables, cwd = the workdir."""
    person = {k: v for k, v in home.env(env).items() if k not in AGENT_ENV}
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", *args],
        env=person,
        cwd=home.workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
