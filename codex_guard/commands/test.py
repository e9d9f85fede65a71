"""``codex-guard test [PATH…] [-v] [--cwd DIR] [--requirements FILE…]``: run every rule's
``match``/``not_match`` examples.

Without PATHs, every layer the hook would load for ``--cwd`` (default: the current directory) is
tested: the built-in packs, ``/etc/codex``, ``$CODEX_HOME``, the project's ``.codex`` folders
(``rules/`` and ``guard/``), the extra rules and the ``requirements.toml`` files. A PATH may be a
rules file or a folder (its ``*.rules``); files in a ``guard`` folder, in the packs or named
``*.guard.rules`` may use ``guard_rule``. Files are evaluated in order through one parser, as the
hook does, so host executables declared earlier count.

Unlike loading (where the first failing example is an error), every example is run and every
failure reported: one row per failing example with file:line, the rule, which list it is in and
the example, plus one row per file that cannot be loaded. Quiet on success unless ``-v`` (then
every example is listed). Exit 0 when everything passed, 1 on any failure, 2 on usage errors.
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: codex-guard test [PATH...] [-v] [--cwd DIR] [--requirements FILE]\n"


def _files_of(path: str) -> list[tuple[str, bool]]:
    """``(file, guard_builtins)`` for a PATH argument."""
    from codex_guard.policy.layers import PACKS_DIR

    def guard_ok(p: str) -> bool:
        parent = os.path.dirname(os.path.abspath(p))
        return (
            os.path.basename(parent) == "guard" or parent == PACKS_DIR or p.endswith(".guard.rules")
        )

    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.endswith(".rules"))
        return [(os.path.join(path, n), guard_ok(os.path.join(path, n))) for n in names]
    return [(path, guard_ok(path))]


def run(argv: list[str]) -> int:
    """Run the subcommand on ``argv`` (the words after ``test``); returns the exit code."""
    verbose = False
    cwd = os.getcwd()
    paths: list[str] = []
    reqs: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-v", "--verbose"):
            verbose = True
        elif a in ("--cwd", "--requirements") and i + 1 < len(argv):
            if a == "--cwd":
                cwd = argv[i + 1]
            else:
                reqs.append(argv[i + 1])
            i += 1
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__ or "")
            return 0
        elif a.startswith("-") and a != "-":
            sys.stderr.write(f"codex-guard test: unknown option {a!r}\n{USAGE}")
            return 2
        else:
            paths.append(a)
        i += 1

    from codex_guard.policy.errors import PolicyError
    from codex_guard.policy.layers import discover
    from codex_guard.policy.parser import ExampleResult, PolicyParser, read_rules
    from codex_guard.policy.requirements import load_requirements

    files: list[tuple[str, str, bool]] = []  # (path, layer, guard)
    req_files = list(reqs)
    if paths:
        for p in paths:
            if not os.path.exists(p):
                sys.stderr.write(f"codex-guard test: no such file or folder: {p}\n")
                return 2
            files += [(f, "extra", g) for f, g in _files_of(p)]
    else:
        try:
            found = discover(cwd, requirements=reqs)
        except PolicyError as e:
            sys.stdout.write(f"ERROR  {e.one_line()}\n")
            return 1
        files = [(f.path, f.layer, f.guard) for f in found.files]
        req_files = [p for p in found.requirements if os.path.exists(p)]

    results: list[ExampleResult] = []
    errors: list[str] = []
    parser = PolicyParser(examples=results)
    for path, layer, guard in files:
        try:
            parser.parse(path, read_rules(path), layer=layer, guard_builtins=guard)
        except PolicyError as e:
            errors.append(e.one_line())
    for path in req_files:
        try:
            load_requirements(path)
        except PolicyError as e:
            errors.append(e.one_line())

    failed = [r for r in results if not r.passed]
    rows = [
        (
            "ok" if r.passed else "FAIL",
            f"{_rel(r.source.path)}:{r.source.line or '?'}",
            r.kind,
            r.rule if len(r.rule) <= 48 else r.rule[:47] + "…",
            r.example + (f"   (matched: {r.matched_by})" if r.matched_by and not r.passed else ""),
        )
        for r in (results if verbose else failed)
    ]
    if rows:
        header = ("result", "where", "list", "rule", "example")
        widths = [max(len(x[k]) for x in [header, *rows]) for k in range(4)]
        for row in [header, *rows]:
            cells = [c.ljust(widths[k]) for k, c in enumerate(row[:4])]
            sys.stdout.write("  ".join([*cells, row[4]]).rstrip() + "\n")
    for err in errors:
        sys.stdout.write(f"ERROR  {err}\n")
    if failed or errors or verbose:
        n_files = len(files) + len(req_files)
        sys.stdout.write(
            f"{len(results)} examples in {n_files} file(s): {len(results) - len(failed)} passed, "
            f"{len(failed)} failed, {len(errors)} file(s) could not be loaded\n"
        )
    return 1 if failed or errors else 0


def _rel(path: str) -> str:
    """``path`` relative to the current directory when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if len(rel) < len(path) else path
