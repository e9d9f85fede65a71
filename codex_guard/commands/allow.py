"""``codex-guard allow [--project] [--cwd DIR] -- PREFIX…``: always allow commands starting with
PREFIX, written exactly as Codex's own "don't ask again" writes it.

Appends ``prefix_rule(pattern=[…], decision="allow")`` to ``default.rules`` in the user rules
folder (``$CODEX_HOME/rules``) or, with ``--project``, in ``.codex/rules`` at the project root
found from ``--cwd`` (default: the current directory); an identical line is not added twice.
Prints what was done; exit 0, 1 when the file cannot be written, 2 on usage errors.
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: codex-guard allow [--project] [--cwd DIR] -- PREFIX...\n"


def run(argv: list[str]) -> int:
    """Run the subcommand on ``argv`` (the words after ``allow``); returns the exit code."""
    project = False
    cwd = os.getcwd()
    prefix: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            prefix = argv[i + 1 :]
            break
        if a == "--project":
            project = True
        elif a == "--cwd" and i + 1 < len(argv):
            cwd = argv[i + 1]
            i += 1
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__ or "")
            return 0
        elif a.startswith("-"):
            sys.stderr.write(f"codex-guard allow: unknown option {a!r}\n{USAGE}")
            return 2
        else:
            prefix = argv[i:]
            break
        i += 1
    from codex_guard.policy.amend import AmendError, append_line, prefix_rule_line
    from codex_guard.policy.errors import PolicyError
    from codex_guard.policy.layers import codex_home, project_root, trusted_projects

    try:
        line = prefix_rule_line(prefix)
    except AmendError as e:
        sys.stderr.write(f"codex-guard allow: {e}\n{USAGE}")
        return 2
    if project:
        root = project_root(cwd) or os.path.abspath(cwd)
        path = os.path.join(root, ".codex", "rules", "default.rules")
    else:
        path = os.path.join(codex_home(), "rules", "default.rules")
    try:
        added = append_line(path, line)
    except OSError as e:
        sys.stderr.write(f"codex-guard allow: cannot write {path}: {e.strerror}\n")
        return 1
    sys.stdout.write(f"{'added to' if added else 'already in'} {path}:\n  {line}\n")
    if project:
        try:
            trusted = root in trusted_projects(codex_home())
        except PolicyError:  # a broken config.toml: say nothing about trust
            trusted = True
        if not trusted:
            sys.stdout.write(
                "note: this project is not trusted in Codex's config.toml, so its allow rules "
                "do not count (neither in Codex nor in codex-guard)\n"
            )
    return 0
