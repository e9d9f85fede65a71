"""What the hook process imports (issue 8): structure, not timing.

Start-up is the hook's cost (a new process per event), and on this class of machine each of
``re``, ``typing``, ``dataclasses``, ``enum``, ``orjson`` or ``hashlib`` costs milliseconds. These
tests run the installed launcher (``python -IS hooks/launch.py hook``, what ``hooks.json`` runs)
with ``-X importtime`` on a warm policy cache and assert which modules were imported, so a heavy
import slipping back onto a hot path fails a test instead of silently slowing every event. The
timings themselves are measured by ``bench/latency.py`` and recorded in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "hooks" / "launch.py"
ORG_RULES = ROOT / "bench" / "org.rules"

# Never on the plain PreToolUse path (warm cache): each costs milliseconds at start-up.
HEAVY = frozenset(
    {
        "re",
        "typing",
        "dataclasses",
        "enum",
        "inspect",
        "orjson",
        "json",
        "hashlib",
        "_hashlib",
        "pickle",
        "tomllib",
        "tree_sitter",
        "starlark",
        "regex",
        "uuid",
        "datetime",
        "platform",
        "contextlib",
        "shlex",
        "fnmatch",
        "ast",
        "signal",
        "collections",
        "functools",
    }
)


# Imported by plain imports but not through the module bundle, which the launcher uses:
# ``from __future__ import annotations`` is compiled away there (codex_guard/_bundle.py).
BUNDLED_AWAY = frozenset({"__future__"})


def _event(cwd: str, **kw: object) -> bytes:
    base = {
        "session_id": "s",
        "turn_id": "t1",
        "transcript_path": None,
        "cwd": cwd,
        "model": "gpt-5.5",
        "permission_mode": "default",
    }
    base.update(kw)
    return json.dumps(base).encode()


def isolated_env(tmp: Path) -> dict[str, str]:
    """An environment whose homes, system folder, audit log and caches are all under ``tmp``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "home"),
        "CODEX_HOME": str(tmp / "home/.codex"),
        "CODEX_GUARD_SYSTEM_DIR": str(tmp / "etc-codex"),
        "CODEX_GUARD_AUDIT_LOG": str(tmp / "audit.jsonl"),
        "CODEX_GUARD_CACHE_DIR": str(tmp / "cache"),
    }


def _imports(tmp: Path, stdin: bytes) -> tuple[set[str], subprocess.CompletedProcess[bytes]]:
    env = isolated_env(tmp)
    argv = [sys.executable, "-IS", "-X", "importtime", str(LAUNCHER), "hook", "--client", "codex"]
    p = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=60)
    mods = set()
    for line in p.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            mods.add(line.rsplit("|", 1)[1].strip())
    return mods, p


@pytest.fixture
def home(tmp_path: Path) -> Path:
    rules = tmp_path / "home/.codex/rules"
    rules.mkdir(parents=True)
    (rules / "org.rules").write_text(ORG_RULES.read_text())
    (tmp_path / "work").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", ["ls -la", "cd src && git status && npm test"])
def test_plain_pre_tool_use_imports_nothing_heavy(home: Path, command: str) -> None:
    ev = _event(
        str(home / "work"),
        hook_event_name="PreToolUse",
        tool_name="Bash",
        tool_input={"command": command},
        tool_use_id="c1",
    )
    _imports(home, ev)  # the first run fills the policy cache
    mods, p = _imports(home, ev)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    assert p.stdout == b"", "the plain commands are allowed by the org rules: no output"
    entry = json.loads((home / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["effective_decision"] == "allow"
    assert sorted(mods & (HEAVY | BUNDLED_AWAY)) == []


def _forbidden_event(home: Path) -> bytes:
    return _event(
        str(home / "work"),
        hook_event_name="PreToolUse",
        tool_name="Bash",
        tool_input={"command": "rm -rf /"},
        tool_use_id="c1",
    )


def test_forbidden_command_still_denied_through_the_launcher(home: Path) -> None:
    ev = _forbidden_event(home)
    for _ in range(2):
        _, p = _imports(home, ev)
        out = json.loads(p.stdout)
        assert out["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_launcher_finds_the_package_in_the_installed_layout(home: Path) -> None:
    """Installed, the launcher is ``…/site-packages/codex_guard/hooks_data/launch.py``: it must
    put that ``site-packages`` first on ``sys.path`` (not a checkout's), for the hook and for any
    other command."""
    import shutil

    site = home / "venv-site"
    shutil.copytree(
        ROOT / "codex_guard", site / "codex_guard", ignore=shutil.ignore_patterns("__pycache__")
    )
    (site / "codex_guard/hooks_data").mkdir()
    launcher = site / "codex_guard/hooks_data/launch.py"
    shutil.copy(LAUNCHER, launcher)
    env = isolated_env(home)
    ev = _forbidden_event(home)
    argv = [sys.executable, "-IS", str(launcher), "hook", "--client", "codex"]
    p = subprocess.run(argv, input=ev, capture_output=True, env=env, timeout=60)
    assert json.loads(p.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    entry = json.loads((home / "audit.jsonl").read_text().splitlines()[-1])
    assert str(site / "codex_guard/packs") in json.dumps(entry), "rules of the copied package"
    probe = [sys.executable, "-IS", str(launcher), "--version"]
    p = subprocess.run(probe, capture_output=True, env=env, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith(b"codex-guard "), p.stderr
