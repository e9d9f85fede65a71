"""``codex-guard explain [--json] [--cwd DIR] [--rules FILE…] -- 'SHELL COMMAND'``.

Shows the commands extracted from the script, every matching rule with its layer, file:line and
justification, the reasons that raised the decision, the secret findings in the command text, and
the final decision. ``--json`` prints ``{"decision", "commands", "matchedRules", "findings",
"reasons"}`` (``decision`` null when nothing matched).
"""

from __future__ import annotations

import os
import sys
from typing import Any


def run(argv: list[str]) -> int:
    """Explain one command; exit 0, or 2 on usage errors."""
    as_json = False
    cwd = os.getcwd()
    extra: list[str] = []
    script: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            script = argv[i + 1 :]
            break
        if a == "--json":
            as_json = True
        elif a == "--cwd" and i + 1 < len(argv):
            cwd = argv[i + 1]
            i += 1
        elif a in ("--rules", "-r") and i + 1 < len(argv):
            extra.append(argv[i + 1])
            i += 1
        else:
            script = argv[i:]
            break
        i += 1
    if not script:
        sys.stderr.write("usage: codex-guard explain [--json] [--cwd DIR] -- 'SHELL COMMAND'\n")
        return 2
    from codex_guard import scan
    from codex_guard.hook import judge_command

    text = " ".join(script)
    v = judge_command(text, cwd, extra or None)
    findings = [{"kind": f.kind, "redacted": f.redacted} for f in scan.scan(text)]
    rules: list[dict[str, Any]] = [
        {
            "command": list(m.command),
            "pattern": list(m.pattern),
            "decision": m.decision,
            "justification": m.justification,
            "layer": m.layer,
            "file": m.file,
            "line": m.line,
        }
        for m in v.matches
    ]
    if as_json:
        import orjson

        obj = {
            "decision": v.decision,
            "commands": v.commands,
            "matchedRules": rules,
            "findings": findings,
            "reasons": v.reasons + ([v.error] if v.error else []),
        }
        sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")
        return 0
    print("commands:")
    for c in v.commands:
        print("  " + " ".join(c))
    print("matched rules:")
    for r in rules:
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        print(f"  {r['decision']:9} {' '.join(r['pattern'])}  [{r['layer']} {where}]")
        if r["justification"]:
            print(f"            {r['justification']}")
    for reason in v.reasons + ([v.error] if v.error else []):
        print(f"reason: {reason}")
    for f in findings:
        print(f"finding: {f['kind']} {f['redacted']}")
    print(f"decision: {v.decision or 'none (no rule matched)'}")
    return 0
