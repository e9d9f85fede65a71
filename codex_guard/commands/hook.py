"""``codex-guard hook [--client codex|claude] [--rules FILE…]``: answer one event from stdin.

Exit 0 with one JSON object or nothing on stdout; exit 2 with the reason on stderr when stdin is
not an event at all, or when the answer cannot be written to stdout (both clients treat that as
block/deny on blocking events, codex-hooks.md §4).
"""

from __future__ import annotations

import sys
from typing import Any


def run(argv: list[str]) -> int:
    """Run the hook; returns the exit code. Never raises, never writes stray stdout."""
    client: str | None = None
    extra: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--client" and i + 1 < len(argv):
            client = argv[i + 1]
            i += 2
            continue
        if a.startswith("--client="):
            client = a.split("=", 1)[1]
        elif a in ("--rules", "-r") and i + 1 < len(argv):
            extra.append(argv[i + 1])
            i += 2
            continue
        else:
            sys.stderr.write(f"codex-guard hook: unknown argument {a!r}\n")
            return 2
        i += 1
    if client not in (None, "codex", "claude"):
        sys.stderr.write(f"codex-guard hook: unknown client {client!r} (codex or claude)\n")
        return 2
    from codex_guard.events import EventError, parse_event

    try:
        if sys.stdin is None:  # the hook was started with stdin closed
            raise EventError("stdin is closed: expected one hook event as a JSON object")
        data = sys.stdin.buffer.read()
        event = parse_event(data, client)
    except (EventError, OSError, ValueError) as e:
        sys.stderr.write(f"codex-guard: cannot read the hook event: {e}\n")
        return 2
    from codex_guard import hook

    try:
        out = hook.handle(event, extra or None)
    except Exception as e:  # fail closed, never a traceback on stdout
        sys.stderr.write(f"codex-guard: internal error: {type(e).__name__}: {e}\n")
        out = hook.fail_closed(event, e)
    if out is not None:
        try:
            sys.stdout.buffer.write(_dump(out) + b"\n")
            sys.stdout.flush()
        except (AttributeError, OSError, ValueError) as e:  # stdout closed, full, broken pipe
            # exit 2 + stderr blocks/denies on both clients: the decision is not lost
            sys.stderr.write(f"{_reason(out)} (codex-guard could not write stdout: {e})\n")
            return 2
    return 0


def _reason(out: dict[str, Any]) -> str:
    """The reason/message inside an output object ('' when it has none)."""
    hso = out.get("hookSpecificOutput") or {}
    decision = hso.get("decision") or {}
    return str(
        out.get("reason") or hso.get("permissionDecisionReason") or decision.get("message") or ""
    )


def _dump(out: dict[str, object]) -> bytes:
    """``out`` as one line of compact UTF-8 JSON. A lone surrogate (from a ``\\uD800`` escape
    in the event) cannot be UTF-8 and Codex's serde_json rejects it even escaped, so each one
    becomes U+FFFD rather than failing open."""
    import orjson

    try:
        return orjson.dumps(out)
    except orjson.JSONEncodeError:
        from codex_guard.hook import scrub_surrogates

        return orjson.dumps(scrub_surrogates(out))
