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
}

HELP = """usage: codex-guard <command> [options]

commands:
  hook [--client codex|claude]     answer one hook event read from stdin (what hooks.json runs)
  check --rules FILE… [--] CMD…    exactly what `codex execpolicy check` prints
  explain [--json] [--cwd DIR] -- 'SHELL COMMAND'
                                   the commands, matching rules, findings and the decision
  split -- ARGV…                   how Codex itself splits a `bash -lc` argv (null = refused)
  scan [--json|--sarif] [PATH…|-]  scan text for secrets and personal data
  audit verify [FILE…]             verify the audit log's hash chain
  install [--project] [--client codex|claude] / uninstall
                                   register / remove the hooks
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
