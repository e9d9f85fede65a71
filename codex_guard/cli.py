"""The ``codex-guard`` command line: a thin dispatcher, each subcommand imported lazily.

The hook path (``codex-guard hook``) must stay cheap to start, so nothing heavy is imported here.
"""

from __future__ import annotations

import sys

SUBCOMMANDS = {
    "hook": "codex_guard.commands.hook",
    "check": "codex_guard.commands.check",
    "install": "codex_guard.commands.install",
    "uninstall": "codex_guard.commands.install",
    "scan": "codex_guard.commands.scan",
    "audit": "codex_guard.commands.audit",
    "explain": "codex_guard.commands.explain",
    "split": "codex_guard.commands.split",
    "approve": "codex_guard.commands.approve",
    "doctor": "codex_guard.commands.doctor",
    "test": "codex_guard.commands.test",
    "allow": "codex_guard.commands.allow",
}

HELP = """usage: codex-guard <command> [options]

commands:
  hook [--client codex|claude]     answer one hook event read from stdin (what hooks.json runs)
  check --rules FILE… [--] CMD…    exactly what `codex execpolicy check` prints
  explain [--json] [--cwd DIR] -- 'SHELL COMMAND'
                                   the commands, matching rules, findings and the decision
  test [PATH…] [-v]                run every rule's match/not_match examples (all layers by default)
  allow [--project] -- PREFIX…     always allow PREFIX (Codex's "don't ask again" rule line)
  split -- ARGV…                   how Codex itself splits a `bash -lc` argv (null = refused)
  scan [--json|--sarif] [PATH…|-]  scan text for secrets and personal data
  audit verify [FILE…]             verify the audit log's hash chain (with rotated files)
  audit export --csv|--jsonl [--since T] [--until T] [--decision D] [-o OUT]
                                   the log as CSV / JSON Lines with a chain_valid column
  audit tail [-f] [-n N] / audit stats [--json] / audit path
                                   recent decisions and why; counts by decision, rule, day
  install [--project] [--client codex|claude] / uninstall
                                   register / remove the hooks
  approve CODE | approve --list    grant one run of a command held for approval (Codex) / list
  doctor [--client codex|claude]   prove the hooks are installed, trusted and enforcing
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``argv`` (default ``sys.argv[1:]``); returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(HELP)
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        from codex_guard import __version__

        sys.stdout.write(f"codex-guard {__version__}\n")
        return 0
    name = args[0]
    modname = SUBCOMMANDS.get(name)
    if modname is None:
        sys.stderr.write(f"codex-guard: unknown command {name!r}\n\n{HELP}")
        return 2
    import importlib

    mod = importlib.import_module(modname)
    rc: int = mod.run(args[1:]) if name != "uninstall" else mod.run_uninstall(args[1:])
    return rc
