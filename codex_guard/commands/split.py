"""``codex-guard split -- ARGV…``: what Codex's own ``parse_shell_lc_plain_commands`` gives.

Prints compact JSON: an array of argv arrays, or ``null`` where Codex refuses to split (and so can
match only rules on the shell itself), so users can see which commands Codex's native engine can
match and which only codex-guard can (execpolicy.md §5).
"""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    """Exit 0 after printing the split, 2 without an argv."""
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.stderr.write("usage: codex-guard split -- ARGV…   (e.g. bash -lc 'ls && pwd')\n")
        return 2
    import orjson

    from codex_guard.shell.codex_split import plain_commands

    sys.stdout.buffer.write(orjson.dumps(plain_commands(list(argv))) + b"\n")
    return 0
