"""``codex-guard approve CODE`` / ``approve --list``: a person grants one execution of a command
the guard held for approval on Codex (approvals.py).

Meant for the person, in their own terminal: the built-in packs forbid the agent to run it, and
as a second line ``approve CODE`` refuses to run where an agent's tool call runs it. Codex 0.169.0
sets ``CODEX_THREAD_ID``/``CODEX_TOOL_CALL_ID`` in the environment of the commands its agent
runs, and Claude Code 2.1.328 sets ``CLAUDECODE=1`` (both seen in e2e runs).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codex_guard.approvals import Request

USAGE = "usage: codex-guard approve [--yes] CODE | codex-guard approve --list\n"
AGENT_ENV = ("CODEX_TOOL_CALL_ID", "CODEX_THREAD_ID", "CLAUDECODE")


def _age(seconds: float) -> str:
    s = int(max(seconds, 0))
    return f"{s // 60}m{s % 60:02d}s"


def _list() -> int:
    from codex_guard import approvals

    reqs = approvals.pending()
    if not reqs:
        print("no pending approval requests")
        return 0
    now = time.time()
    for r in reqs:
        state = (
            f"approved by {r.approved_by}, usable for {_age(r.expires - now)}"
            if r.approved
            else f"pending, expires in {_age(r.expires - now)}"
        )
        if r.expires <= now:
            state = "expired"
        print(f"{r.code}  {state}")
        print(f"    command: {r.command}")
        print(f"    cwd:     {r.cwd}")
        print(f"    session: {r.session_id}  (asked {_age(now - r.created)} ago)")
        print(f"    rule:    {r.rule}")
    return 0


def _audit_approval(r: Request) -> None:
    """Record the approval itself in the audit log (the retried command's entry records it
    again when it runs)."""
    from codex_guard.audit.ids import now, uuid4
    from codex_guard.audit.record import record

    try:
        record(
            {
                "timestamp": now(),
                "event_id": uuid4(),
                "user": r.approved_by,
                "session_id": r.session_id,
                "command": [],
                "working_directory": r.cwd,
                "policy_files": [],
                "matched_rules": [],
                "effective_decision": "allow",
                "event": "Approve",
                "client": r.client,
                "approval": {
                    "code": r.code,
                    "approved_by": r.approved_by,
                    "approved_at": r.approved_at,
                    "command_text": r.command,  # stored redacted (approvals.Request)
                },
            }
        )
    except OSError as e:
        sys.stderr.write(f"codex-guard: audit log not written: {e}\n")


def _confirm(code: str) -> bool:
    """Show the request and ask the person at the terminal (no lock is held while asking, so
    hooks never wait on a person)."""
    from codex_guard import approvals

    r = approvals.lookup(code)
    print(f"{r.code} asks to run, once:")
    print(f"    command: {r.command}")
    print(f"    cwd:     {r.cwd}")
    print(f"    session: {r.session_id}")
    print(f"    rule:    {r.rule}")
    try:
        answer = input("approve? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run(argv: list[str]) -> int:
    """Approve one code (exit 0), list requests (exit 0); 1 when the code is refused or the
    person says no, 2 on usage errors. On a terminal the request is shown and confirmed first
    (``--yes`` skips the question)."""
    if argv in (["--list"], ["-l"], ["list"]):
        from codex_guard.approvals import ApprovalError

        try:
            return _list()
        except (ApprovalError, OSError) as e:
            sys.stderr.write(f"codex-guard approve: {e}\n")
            return 1
    yes = "--yes" in argv or "-y" in argv
    argv = [a for a in argv if a not in ("--yes", "-y")]
    if len(argv) != 1 or argv[0].startswith("-"):
        sys.stderr.write(USAGE)
        return 2
    agent = [k for k in AGENT_ENV if os.environ.get(k)]
    if agent:
        sys.stderr.write(
            f"codex-guard approve: refused: this runs inside an agent's tool call ({agent[0]} "
            "is set). Approvals must come from a person: run it in a terminal of your own.\n"
        )
        return 1
    from codex_guard import approvals

    try:
        if not yes and sys.stdin.isatty() and sys.stdout.isatty() and not _confirm(argv[0]):
            print("not approved")
            return 1
        r = approvals.approve(argv[0], approvals.approver())
    except (approvals.ApprovalError, OSError) as e:
        sys.stderr.write(f"codex-guard approve: {e}\n")
        return 1
    _audit_approval(r)
    print(f"approved {r.code} once, for {_age(r.expires - time.time())}:")
    print(f"    command: {r.command}")
    print(f"    cwd:     {r.cwd}")
    print(f"    session: {r.session_id}")
    print("the agent may now retry exactly this command once.")
    return 0
