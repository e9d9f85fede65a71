"""``codex-guard doctor [--client codex|claude] [--cwd DIR]``: one line per check, a fix for each
failure; exit 0 only when every check passes (codex_guard/doctor.py)."""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    """Run the checks; 0 when all pass, 1 when any fails, 2 on usage errors."""
    client: str | None = None
    cwd: str | None = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--client", "--cwd") and i + 1 < len(argv):
            if a == "--client":
                client = argv[i + 1]
            else:
                cwd = argv[i + 1]
            i += 2
            continue
        sys.stderr.write(f"codex-guard doctor: unknown argument {a!r}\n")
        return 2
    if client not in (None, "codex", "claude"):
        sys.stderr.write(f"codex-guard doctor: unknown client {client!r} (codex or claude)\n")
        return 2
    from codex_guard.doctor import run_checks

    checks = run_checks(client, cwd)
    for c in checks:
        for line in c.lines():
            print(line)
    failed = [c for c in checks if not c.ok]
    print(
        f"{len(checks) - len(failed)} of {len(checks)} checks passed"
        + ("" if not failed else f"; {len(failed)} failed")
    )
    return 1 if failed else 0
