"""``codex-guard explain [--json] [--cwd DIR] [--rules FILE…] [--requirements FILE…] --
'SHELL COMMAND'``: why the hook decides what it decides.

The decision is computed by the hook's own path (``codex_guard.hook.judge_command``: every layer
for ``--cwd``, default the current directory), so it equals what the hook answers. Shown: the
commands extracted from the script, every matching rule with its layer, file:line and
justification, the reasons that raised the decision without a rule (constructs that cannot be
verified, a broken rules file), the secret-scan findings of the command text (redacted), the
``network_rule``s in force (they never decide shell commands) and the final decision.

``--json`` prints exactly ``{"decision": "forbidden"|"prompt"|"allow"|null, "commands":
[[argv…]…], "matchedRules": [{"command", "pattern", "decision", "justification", "layer",
"file", "line"}…], "findings": [{"kind", "redacted"}…]}`` (``decision`` null when nothing matched).
Exit 0, or 2 on usage errors.
"""

from __future__ import annotations

import os
import sys
from typing import Any

USAGE = "usage: codex-guard explain [--json] [--cwd DIR] [--rules FILE] -- 'SHELL COMMAND'\n"


def run(argv: list[str]) -> int:
    """Explain one command; exit 0, or 2 on usage errors."""
    as_json = False
    cwd = os.getcwd()
    extra: list[str] = []
    reqs: list[str] = []
    script: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            script = argv[i + 1 :]
            break
        if a == "--json":
            as_json = True
        elif a in ("--cwd", "--rules", "-r", "--requirements") and i + 1 < len(argv):
            if a == "--cwd":
                cwd = argv[i + 1]
            elif a == "--requirements":
                reqs.append(os.path.abspath(argv[i + 1]))
            else:
                extra.append(argv[i + 1])
            i += 1
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__ or "")
            return 0
        elif a.startswith("-"):
            sys.stderr.write(f"codex-guard explain: unknown option {a!r}\n{USAGE}")
            return 2
        else:
            script = argv[i:]
            break
        i += 1
    if not script:
        sys.stderr.write(USAGE)
        return 2
    if reqs:
        # The hook reads extra requirements files from the environment (layers.discover).
        old = os.environ.get("CODEX_GUARD_REQUIREMENTS")
        os.environ["CODEX_GUARD_REQUIREMENTS"] = os.pathsep.join([*filter(None, [old]), *reqs])
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
        }
        sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")
        return 0
    out = sys.stdout.write
    out("commands:\n")
    for c in v.commands:
        out("  " + _shell_join(c) + "\n")
    out("matched rules:\n" if rules else "matched rules: none\n")
    for r in rules:
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        out(f"  {r['decision']:9} {' '.join(r['pattern'])}  [{r['layer']} {where}]\n")
        out(f"            for: {_shell_join(r['command'])}\n")
        if r["justification"]:
            out(f"            why: {r['justification']}\n")
    for reason in v.reasons + ([v.error] if v.error else []):
        out(f"reason: {reason}\n")
    for f in findings:
        out(f"finding: {f['kind']} {f['redacted']}\n")
    for line in _network_rules(cwd, extra):
        out(line + "\n")
    out(f"decision: {v.decision or 'none (no rule matched)'}\n")
    return 0


def _shell_join(argv: list[str]) -> str:
    import shlex

    return shlex.join(argv)


def _network_rules(cwd: str, extra: list[str]) -> list[str]:
    """Lines describing the ``network_rule``s of every layer (empty when none or unloadable)."""
    from codex_guard.policy.errors import PolicyError
    from codex_guard.policy.layers import load

    try:
        policy = load(cwd, extra=extra or None).policy
    except PolicyError:
        return []
    if not policy.network_rules:
        return []
    lines = ["network rules (they never decide shell commands):"]
    for n in policy.network_rules:
        where = f"{n.source.path}:{n.source.line}" if n.source.line else n.source.path
        just = f" — {n.justification}" if n.justification else ""
        lines.append(f"  {n.decision:9} {n.protocol}://{n.host}  [{n.source.layer} {where}]{just}")
    return lines
