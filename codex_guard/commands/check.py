"""``codex-guard check``: byte-identical to ``codex execpolicy check`` (execpolicy.md §3).

Usage: ``codex-guard check -r|--rules FILE [--rules FILE…] [--pretty]
[--resolve-host-executables] [--requirements TOML…] [--] COMMAND…``. Prints
``{"matchedRules":[…],"decision":"…"}`` (``decision`` omitted when nothing matched) as compact
serde-style JSON plus a newline, exit 0.
``--requirements`` (a codex-guard extension) appends the ``[rules]`` of a ``requirements.toml``
after the rule files, as Codex does with ``/etc/codex/requirements.toml``.
A file that cannot be read or parsed: ``Error: failed to read|parse policy at PATH`` and the cause
on stderr, exit 1. Usage errors: exit 2.
"""

from __future__ import annotations

import os
import sys

USAGE = "Usage: codex-guard check --rules <PATH> <COMMAND>..."


def _usage_error(msg: str) -> int:
    sys.stderr.write(f"error: {msg}\n\n{USAGE}\n\nFor more information, try '--help'.\n")
    return 2


def run(argv: list[str]) -> int:
    """Run the subcommand on ``argv`` (the words after ``check``); returns the exit code."""
    rules: list[str] = []
    reqs: list[str] = []
    pretty = resolve = False
    command: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            command = argv[i + 1 :]
            break
        if a in ("-r", "--rules"):
            if i + 1 >= len(argv):
                return _usage_error(
                    "a value is required for '--rules <PATH>' but none was supplied"
                )
            rules.append(argv[i + 1])
            i += 2
            continue
        if a == "--requirements":
            if i + 1 >= len(argv):
                return _usage_error(
                    "a value is required for '--requirements <PATH>' but none was supplied"
                )
            reqs.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--rules="):
            rules.append(a.split("=", 1)[1])
        elif a.startswith("-r") and len(a) > 2:
            rules.append(a[2:])
        elif a == "--pretty":
            pretty = True
        elif a == "--resolve-host-executables":
            resolve = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__ or "")
            return 0
        elif a.startswith("-") and a != "-":
            return _usage_error(f"unexpected argument '{a}' found")
        else:
            command = argv[i:]
            break
        i += 1
    if not rules:
        return _usage_error("the following required arguments were not provided:\n  --rules <PATH>")
    if not command:
        return _usage_error("the following required arguments were not provided:\n  <COMMAND>...")

    import orjson

    from codex_guard.policy.errors import PolicyError
    from codex_guard.policy.parser import load_policy
    from codex_guard.policy.policy import check_json_obj

    try:
        policy = load_policy(rules)
        if reqs:
            from codex_guard.policy.layers import requirements_policy

            for r in reqs:
                if not os.path.exists(r):
                    raise PolicyError("No such file or directory (os error 2)", r, read_error=True)
            policy.merge_overlay(requirements_policy(reqs))
    except PolicyError as e:
        verb = "read" if e.read_error else "parse"
        cause = "\n".join("    " + ln for ln in e.message.split("\n"))
        sys.stderr.write(f"Error: failed to {verb} policy at {e.path}\n\nCaused by:\n{cause}\n")
        return 1
    obj = check_json_obj(policy.matches(command, resolve_host_executables=resolve))
    opt = orjson.OPT_INDENT_2 if pretty else 0
    sys.stdout.buffer.write(orjson.dumps(obj, option=opt) + b"\n")
    return 0
