"""``codex-guard install`` / ``uninstall [--client codex|claude] [--project]``."""

from __future__ import annotations

import sys


def _parse(argv: list[str]) -> tuple[str, bool, str | None] | None:
    client, project, command = "codex", False, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--project":
            project = True
        elif a == "--client" and i + 1 < len(argv):
            client = argv[i + 1]
            i += 1
        elif a.startswith("--client="):
            client = a.split("=", 1)[1]
        elif a == "--command" and i + 1 < len(argv):
            command = argv[i + 1]
            i += 1
        else:
            sys.stderr.write(f"codex-guard: unknown argument {a!r}\n")
            return None
        i += 1
    if client not in ("codex", "claude"):
        sys.stderr.write(f"codex-guard: unknown client {client!r} (codex or claude)\n")
        return None
    return client, project, command


def _report(verb: str, argv: list[str], uninstall: bool) -> int:
    parsed = _parse(argv)
    if parsed is None:
        return 2
    from codex_guard import install as inst

    client, project, command = parsed
    try:
        if uninstall:
            res = inst.uninstall(client, project)
        else:
            res = inst.install(client, project, command=command)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"codex-guard {verb}: {e}\n")
        return 1
    for p in res.changed:
        print(f"updated {p}")
    if not res.changed:
        print(
            "no codex-guard hooks found; nothing changed"
            if uninstall
            else "codex-guard hooks already installed; nothing changed"
        )
    for n in res.notes:
        print(f"note: {n}")
    if not uninstall:
        _warm_caches()
    return 0


def _warm_caches() -> None:
    """Fill the caches the hook reads now, so the first hook after an install or upgrade does not
    pay for them (issue 8): the compiled policy (Starlark evaluation and example validation of
    the rule files, the built-in packs taking longest), the checked detector catalogue with its
    pre-filter and precompiled patterns, and the module bundle (:func:`codex_guard._bundle.warm`).
    A broken rules file is reported, not fatal: the hook denies with the same message until it
    is fixed."""
    import os

    from codex_guard import _bundle
    from codex_guard.policy.cache import load
    from codex_guard.policy.errors import PolicyError
    from codex_guard.scan import load_catalogue

    try:
        load(os.getcwd())
    except PolicyError as e:
        print(f"note: a rules file is broken, so the hook will deny every command: {e.one_line()}")
    except OSError as e:
        print(f"note: the policy cache could not be filled: {e}")
    try:
        load_catalogue()
    except Exception as e:  # the hook reports the same problem on its first scan
        print(f"note: the detector catalogue could not be loaded: {e}")
    try:
        _bundle.warm()
    except OSError as e:
        print(f"note: the module bundle could not be written: {e}")


def run(argv: list[str]) -> int:
    """Install the hooks; exit 0 on success, 1 on a file error, 2 on usage errors."""
    return _report("install", argv, uninstall=False)


def run_uninstall(argv: list[str]) -> int:
    """Remove the hooks; exit codes as :func:`run`."""
    return _report("uninstall", argv, uninstall=True)
