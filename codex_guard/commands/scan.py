"""``codex-guard scan [FILE|-]…``: report secrets and personal data in text.

Prints one line per finding (``file:line: kind redacted``); exit 1 when anything was found,
0 when clean, 2 when a file cannot be read.
"""

from __future__ import annotations

import sys


def run(argv: list[str]) -> int:
    """Scan each file (``-`` or nothing = stdin)."""
    from codex_guard import scan

    found = False
    for name in argv or ["-"]:
        try:
            if name == "-":
                text = sys.stdin.buffer.read().decode("utf-8", "replace")
            else:
                with open(name, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
        except OSError as e:
            sys.stderr.write(f"{name}: cannot read: {e.strerror}\n")
            return 2
        for f in scan.scan(text):
            found = True
            line = text.count("\n", 0, f.start) + 1
            print(f"{name}:{line}: {f.kind} {f.redacted}")
    return 1 if found else 0
