"""``codex-guard audit verify [FILE…]``: recompute the hash chain of the audit log."""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    """Exit 0 with a count when every chain is intact, 1 naming each broken entry, 2 on usage."""
    if not argv or argv[0] != "verify":
        sys.stderr.write("usage: codex-guard audit verify [FILE…]\n")
        return 2
    from codex_guard.audit.log import default_path, verify

    files = argv[1:] or [default_path()]
    bad = False
    for path in files:
        try:
            count, problems = verify(path)
        except OSError as e:
            sys.stderr.write(f"{path}: cannot read: {e.strerror}\n")
            bad = True
            continue
        if problems:
            bad = True
            print(f"{path}: chain BROKEN ({count} entries checked)")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"{path}: chain intact, {count} entries")
    return 1 if bad else 0
