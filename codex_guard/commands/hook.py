"""``codex-guard hook [--client codex|claude] [--rules FILE…]``: answer one event from stdin.

Exit 0 with one JSON object or nothing on stdout; exit 2 with the reason on stderr when stdin is
not an event at all, or when the answer cannot be written to stdout (both clients treat that as
block/deny on blocking events, codex-hooks.md §4).

Hard deadline: Codex fails open when a hook times out (30 s) or crashes (codex-hooks.md §4), so
on POSIX the decision is computed in a forked child that writes its answer to a pipe; the parent
waits at most :data:`DEFAULT_DEADLINE_S` (``CODEX_GUARD_DEADLINE_S`` overrides it) and, when the
child is late or dies abnormally (signal, OOM kill), kills it and answers the fail-closed
deny/block itself (:func:`codex_guard.hook.fail_closed`), with an audit entry saying why. The
fork is skipped only for a decision that reads nothing a repository controls and does bounded
work (:func:`_bounded`: a plain-words shell command, a cached policy without project files, no
project guardrails.toml), the common case, which saves the fork's ~2 ms (issue 8).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_DEADLINE_S = 20.0


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
    out = _decide_within_deadline(event, extra or None)
    if out is not None:
        try:
            sys.stdout.buffer.write(_dump(out) + b"\n")
            sys.stdout.flush()
        except (AttributeError, OSError, ValueError) as e:  # stdout closed, full, broken pipe
            # exit 2 + stderr blocks/denies on both clients: the decision is not lost
            sys.stderr.write(f"{_reason(out)} (codex-guard could not write stdout: {e})\n")
            return 2
    return 0


def _decide(event: Any, extra: list[str] | None) -> dict[str, Any] | None:
    """``hook.handle`` on the event; an internal error becomes the audited fail-closed answer."""
    from codex_guard import hook

    try:
        return hook.handle(event, extra)
    except Exception as e:  # fail closed, never a traceback on stdout
        sys.stderr.write(f"codex-guard: internal error: {type(e).__name__}: {e}\n")
        return hook.fail_closed_audited(event, e)


def deadline_s() -> float:
    """Seconds the hook may spend on one decision: ``CODEX_GUARD_DEADLINE_S`` when it is a
    positive number, else :data:`DEFAULT_DEADLINE_S` (below Codex's 30 s hook timeout)."""
    raw = os.environ.get("CODEX_GUARD_DEADLINE_S")
    try:
        value = float(raw) if raw else DEFAULT_DEADLINE_S
    except ValueError:
        return DEFAULT_DEADLINE_S
    return value if 0 < value < 3600 else DEFAULT_DEADLINE_S


def _bounded(event: Any, extra: list[str] | None) -> bool:
    """Whether deciding ``event`` reads no input a repository controls and does only bounded
    work, so the deadline fork (about 2 ms) can be skipped and the decision made in process.

    The deadline exists because a hostile repository's Starlark, glob or detector regex could
    outlast Codex's hook timeout, which fails open. This holds when all of these do: the event
    is a ``PreToolUse`` of the shell tool; its command is plain words (no parser, linear in its
    at most 4 KiB, :func:`codex_guard.shell.is_plain`); the compiled policy is in the cache (no
    Starlark evaluated) and has no project-layer rule file; no project ``guardrails.toml``
    exists (no project detector runs). What remains is codex-guard's own rules and detectors and
    the person's system and user configuration. Any doubt, including an error here, is False.
    """
    try:
        from codex_guard.events import ToolCall

        if not (
            isinstance(event, ToolCall)
            and event.name == "PreToolUse"
            and event.tool_name == "Bash"
            and isinstance(event.command, str)
        ):
            return False
        from codex_guard.shell import is_plain

        if not is_plain(event.command):
            return False
        cwd = event.cwd or None
        from codex_guard.guardrails import config_paths

        if any(layer == "project" and os.path.lexists(p) for layer, p in config_paths(cwd)):
            return False
        from codex_guard.policy.cache import cached
        from codex_guard.policy.layers import UNTRUSTED_PROJECT

        loaded = cached(cwd, extra=extra)
        return loaded is not None and not any(
            f.layer in ("project", UNTRUSTED_PROJECT) for f in loaded.files
        )
    except Exception:
        return False


def _decide_within_deadline(event: Any, extra: list[str] | None) -> dict[str, Any] | None:
    """:func:`_decide` in a forked child, answered fail-closed if the child is late or dies.

    The child writes ``b"1"`` + the compact JSON answer (or just ``b"1"`` for no output) to a
    pipe and ``_exit``s; anything else (no marker, killed by a signal, non-zero status, no
    answer after :func:`deadline_s` seconds) is an abnormal end. Without ``os.fork`` (Windows)
    the decision runs inline, with no deadline."""
    if not hasattr(os, "fork") or _bounded(event, extra):
        return _decide(event, extra)
    import time

    limit = time.monotonic() + deadline_s()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written by both processes
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: decide, hand the bytes over, leave without flushing/atexit
        code = 0
        try:
            os.close(rfd)
            out = _decide(event, extra)
            data = b"1" + (b"" if out is None else _dump(out))
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view) :]
            from codex_guard import _bundle

            _bundle.save()  # what the decision imported, for the next hook (rarely anything)
        except BaseException:  # any failure: the parent answers fail-closed
            code = 70
        finally:
            try:
                if sys.stderr is not None:
                    sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(wfd)
    data, why = _collect(pid, rfd, limit)
    if why is None and data[:1] == b"1":
        if len(data) == 1:
            return None
        from codex_guard._json import loads

        try:
            parsed = loads(data[1:])
        except ValueError:
            why = "the decision process wrote a malformed answer"
        else:
            return parsed if isinstance(parsed, dict) else None
    from codex_guard import hook

    reason = why or "the decision process ended without an answer"
    sys.stderr.write(f"codex-guard: {reason}; failing closed\n")
    return hook.fail_closed_audited(event, hook.DeadlineError(reason))


class _Late(Exception):
    """Raised by the SIGALRM handler when the decision process outlives the deadline."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Late


def _collect(pid: int, rfd: int, limit: float) -> tuple[bytes, str | None]:
    """Read the child's answer until EOF and reap it, or kill it at ``limit`` (monotonic).

    Returns the bytes read and None when the child exited with status 0, else the reason
    the answer cannot be trusted. The wait is plain blocking ``read``/``waitpid`` under a
    one-shot ``ITIMER_REAL`` whose SIGALRM handler raises (PEP 475: the interrupted call then
    raises instead of retrying), so neither ``select`` nor polling is needed; the signal
    functions come from ``_signal``, the C module behind ``signal`` that every CPython process
    has loaded (``signal`` itself imports ``enum``: milliseconds of start-up, issue 8)."""
    import time

    try:
        import _signal as sig  # type: ignore[import-not-found,unused-ignore]  # no stub
    except ImportError:  # pragma: no cover - not CPython
        import signal as sig  # type: ignore[no-redef,unused-ignore]

    chunks: list[bytes] = []
    why: str | None = None
    status: int | None = None
    late = f"no decision within {deadline_s():g} s (hook deadline)"
    previous = sig.signal(sig.SIGALRM, _on_alarm)
    try:
        try:
            left = limit - time.monotonic()
            if left <= 0:
                raise _Late
            sig.setitimer(sig.ITIMER_REAL, left)
            try:
                while True:
                    chunk = os.read(rfd, 65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                # EOF: the child is exiting; reap it, within the deadline still
                status = os.waitpid(pid, 0)[1]
            finally:
                sig.setitimer(sig.ITIMER_REAL, 0)
        except _Late:
            why = late
    finally:
        os.close(rfd)
        sig.signal(sig.SIGALRM, previous)
    if why is not None or status is None:
        try:
            os.kill(pid, 9)  # SIGKILL (9 on every POSIX system)
            os.waitpid(pid, 0)
        except OSError:
            pass
        return b"".join(chunks), why or late
    if os.WIFSIGNALED(status):
        return b"", f"the decision process was killed by signal {os.WTERMSIG(status)}"
    if os.waitstatus_to_exitcode(status) != 0:
        code = os.waitstatus_to_exitcode(status)
        return b"", f"the decision process failed with exit status {code}"
    return b"".join(chunks), None


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
    from codex_guard._json import JSONEncodeError, dumps

    try:
        return dumps(out)
    except JSONEncodeError:
        from codex_guard.hook import scrub_surrogates

        return dumps(scrub_surrogates(out))
