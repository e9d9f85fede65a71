"""codex-guard's own files: patch_guard.protected_paths() and the self-protection pack agree.

Every path the Python list names (with the default locations: no ``CODEX_GUARD_*_DIR``/XDG
overrides, a temporary HOME) must be forbidden for shell writes through the hook's
``judge_command`` (which loads the built-in packs) and for ``apply_patch``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codex_guard import patch_guard
from codex_guard.hook import judge_command

_ENV = (
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "CODEX_GUARD_STATE_DIR",
    "CODEX_GUARD_CACHE_DIR",
    "CODEX_GUARD_AUDIT_LOG",
    "CODEX_GUARD_RULES",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    (h / "proj").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("CODEX_HOME", str(h / ".codex"))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc-codex"))
    monkeypatch.setenv("CODEX_GUARD_NO_CACHE", "1")
    for v in _ENV:
        monkeypatch.delenv(v, raising=False)
    return h


def _targets(home: Path) -> list[str]:
    """One file to write inside each protected folder, and each protected file itself plus a
    sidecar of it."""
    out = []
    for path, _what, whole in patch_guard.protected_paths():
        assert path.startswith(str(home)) or not whole or "-packages" in path, path
        if whole:
            out += [path, os.path.join(path, "x.json")]
        else:
            out += [path, path + ".head"]
    return out


def test_protected_paths_cover_every_guard_folder(home: Path) -> None:
    from codex_guard.approvals import state_path
    from codex_guard.audit.log import default_path
    from codex_guard.policy.cache import cache_dir

    paths = {p for p, _w, _f in patch_guard.protected_paths()}
    assert os.path.dirname(state_path()) in paths
    assert str(home / ".local/state/codex-guard") in paths
    assert cache_dir() == str(home / ".cache/codex-guard") and cache_dir() in paths
    assert default_path() in paths


@pytest.mark.parametrize(
    "shape", ["rm -f {p}", "cp /tmp/x {p}", "tee {p}", "echo x > {p}", "cat /tmp/x >> {p}"]
)
def test_pack_forbids_every_protected_path(home: Path, shape: str) -> None:
    cwd = str(home / "proj")
    for target in _targets(home):
        if "-packages" in target:  # an installed copy: the pack spells it **/site-packages/…
            continue
        for spelling in (target, "~" + target[len(str(home)) :]):
            v = judge_command(shape.format(p=spelling), cwd)
            assert v.decision == "forbidden", (shape, spelling, v.reasons)


def test_pack_forbids_installed_package_paths(home: Path) -> None:
    cwd = str(home / "proj")
    for p in (
        "/usr/lib/python3/dist-packages/codex_guard/hook.py",
        "/opt/venv/lib/python3.12/site-packages/codex_guard/packs/self_protection.rules",
        "/opt/venv/bin/codex-guard",
    ):
        assert judge_command(f"rm -f {p}", cwd).decision == "forbidden", p
        assert judge_command(f"echo x > {p}", cwd).decision == "forbidden", p


def test_apply_patch_forbids_every_protected_path(home: Path) -> None:
    cwd = str(home / "proj")
    for target in _targets(home):
        patch = f"*** Begin Patch\n*** Add File: {target}\n+x\n*** End Patch\n"
        v = patch_guard.judge_edit("apply_patch", {"command": patch}, cwd)
        assert v is not None and v.decision == "forbidden", target


def test_forged_approvals_file_is_forbidden(home: Path) -> None:
    cwd = str(home / "proj")
    cmd = "cat > ~/.local/state/codex-guard/approvals.json <<'EOF'\n{}\nEOF"
    assert judge_command(cmd, cwd).decision == "forbidden"
    cmd = "cp /tmp/evil.pickle ~/.cache/codex-guard/policy-0123.pickle"
    assert judge_command(cmd, cwd).decision == "forbidden"


def test_ordinary_files_stay_allowed(home: Path) -> None:
    cwd = str(home / "proj")
    for cmd in ("echo x > notes.txt", "rm -f build/out.o", "cp a ~/.cache/pip/x", "tee log.txt"):
        assert judge_command(cmd, cwd).decision != "forbidden", cmd
    patch = "*** Begin Patch\n*** Add File: src/app.py\n+x\n*** End Patch\n"
    v = patch_guard.judge_edit("apply_patch", {"command": patch}, cwd)
    assert v is not None and v.decision is None
