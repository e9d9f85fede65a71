"""Shell analysis for codex-guard: bash source -> the commands that would run.

A leaf package (it imports nothing else from codex_guard). Two views:

* :mod:`codex_guard.shell.analyze` (exported here): codex-guard's own analysis, which sees
  through quoting, wrappers, nested shells and compound commands, and names every construct it
  cannot see through in ``Analysis.unsupported``.
* :mod:`codex_guard.shell.codex_split`: Codex's own reference splitting
  (``parse_shell_lc_plain_commands`` and friends), byte-exact, for execpolicy compatibility.

tree-sitter is imported lazily, on the first parse.
"""

from .analyze import REASON_FORK_BOMB, Analysis, Command, analyze_argv, analyze_script, is_plain

__all__ = [
    "REASON_FORK_BOMB",
    "Analysis",
    "Command",
    "analyze_argv",
    "analyze_script",
    "is_plain",
]
