"""What the rules engine imports on a warm policy cache (issue 8): structure, not timing.

A child process (``python -IS -X importtime``, ``sys.path`` set by hand, as the hook launcher
runs) loads the policy of the built-in packs plus ``bench/org.rules`` from a warm cache and judges
plain commands with :func:`codex_guard.judge.judge`. None of the heavy standard-library modules
of ``tests/test_lean_start.py`` may be imported on behalf of the ``policy`` package or
``judge.py``, and no glob may be compiled to a regex: the plain commands never get that far into
any rule. The shell analysis and the verdict module belong to other leaves (``test_lean_start``
covers the whole hook): the commands are handed to ``judge`` as plain objects, and modules
imported under ``codex_guard.verdict`` are not counted here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from . import test_lean_start
from .test_lean_start import HEAVY, ROOT, isolated_env

home = test_lean_start.home  # the same isolated home with bench/org.rules

# Run in the child: load the warm cache, judge plain commands, report decisions and regexes.
_CHILD = """
import sys
sys.path[:0] = [{root!r}, {site!r}]
from codex_guard.policy import cache
loaded = cache.load({cwd!r})
from codex_guard import judge
from codex_guard.policy import errors, globs, guard, layers, network, policy, rule

class Command:
    def __init__(self, argv):
        self.argv = tuple(argv)
        self.program_path = None
        self.redirects = ()
        self.stdin_from = ()
        self.dynamic = frozenset()
        self.sources = ()
        self.cwd = None
        self.stdin = None
        self.assignments = ()

class Analysis:
    def __init__(self, commands):
        self.commands = [Command(a) for a in commands]
        self.assignments = ()
        self.unsupported = ()

decisions = [
    judge.judge(loaded, Analysis(script), {cwd!r}).decision
    for script in {scripts!r}
]
compiled = [*globs._REGEX_CACHE, *globs._COMPILED]  # guard compiles through globs.lazy_regex
print(repr((decisions, compiled, len(loaded.policy.guard_rules))))
"""

SCRIPTS = [
    [["ls", "-la"]],
    [["cd", "src"], ["git", "status"], ["npm", "test"]],
    [["git", "diff"]],
]
# Modules of other leaves whose own imports are not this test's business.


def _tree(stderr: str) -> list[tuple[str, list[str]]]:
    """``(module, ancestors)`` for every import in ``-X importtime`` output (children are
    printed before their parent, indented two more spaces)."""
    rows = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "imported package" not in line:
            name = line.rsplit("|", 1)[1]
            depth = (len(name) - len(name.lstrip(" "))) // 2
            rows.append((depth, name.strip()))
    out: list[tuple[str, list[str]]] = []
    for i, (depth, name) in enumerate(rows):
        ancestors, want = [], depth - 1
        for d, parent in rows[i + 1 :]:
            if d == want:
                ancestors.append(parent)
                want -= 1
            if want < 0:
                break
        out.append((name, ancestors))
    return out


def _run(tmp: Path) -> tuple[subprocess.CompletedProcess[str], list[tuple[str, list[str]]]]:
    env = isolated_env(tmp)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    code = _CHILD.format(root=str(ROOT), site=site, cwd=str(tmp / "work"), scripts=SCRIPTS)
    argv = [sys.executable, "-IS", "-X", "importtime", "-c", code]
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    return p, _tree(p.stderr)


def test_warm_cache_and_plain_commands_import_nothing_heavy(home: Path) -> None:
    cold, _ = _run(home)  # fills the cache (Starlark, example validation)
    assert cold.returncode == 0, cold.stderr[-2000:]
    p, tree = _run(home)
    assert p.returncode == 0, p.stderr[-2000:]
    decisions, compiled, guard_rules = ast.literal_eval(p.stdout)
    assert decisions == ["allow", "allow", "allow"]
    assert guard_rules > 100  # the built-in packs were loaded, from the cache
    assert compiled == []
    assert "starlark" not in {name for name, _ in tree}
    heavy = sorted(
        {f"{name} (via {' < '.join(up) or 'top level'})" for name, up in tree if name in HEAVY}
    )
    assert heavy == []
    ours = {name for name, _ in tree if name.startswith("codex_guard.policy")}
    assert "codex_guard.policy.cache" in ours and "codex_guard.policy.parser" not in ours


def test_the_importtime_tree_is_read_correctly() -> None:
    """The attribution the test above relies on: a child line belongs to the next line that
    is one level less indented."""
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:   1 |   1 |     re",
            "import time:   1 |   2 |   enum",
            "import time:   1 |   1 |   json",
            "import time:   1 |   4 | codex_guard.verdict",
            "import time:   1 |   1 | fnmatch",
        ]
    )
    assert _tree(stderr) == [
        ("re", ["enum", "codex_guard.verdict"]),
        ("enum", ["codex_guard.verdict"]),
        ("json", ["codex_guard.verdict"]),
        ("codex_guard.verdict", []),
        ("fnmatch", []),
    ]
    assert json.dumps(sorted(HEAVY))  # the list is shared with test_lean_start
