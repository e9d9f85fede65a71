"""Shared fixtures: the repository root, the ../shared corpus and the real codex binary."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the compiled-policy cache of every test run (in-process and child processes) out of
    the developer's own cache folder."""
    import tempfile

    os.environ.setdefault("CODEX_GUARD_CACHE_DIR", tempfile.mkdtemp(prefix="cg-test-cache-"))


def corpus_cases(name: str) -> list[dict[str, Any]]:
    """The cases of ``../shared/corpus/<name>``, or [] when the corpus is absent."""
    path = CORPUS / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def real_codex() -> str | None:
    """The real ``codex`` binary installed by ``npm ci`` (package.json), or on PATH if
    CODEX_GUARD_TEST_CODEX points at one."""
    override = os.environ.get("CODEX_GUARD_TEST_CODEX")
    if override:
        return override
    local = ROOT / "node_modules" / ".bin" / "codex"
    if local.exists():
        return str(local)
    return shutil.which("codex") if os.environ.get("CODEX_GUARD_TEST_PATH_CODEX") else None


@pytest.fixture(scope="session")
def codex_bin() -> str:
    """Path of the real codex binary; skips when it is not installed."""
    path = real_codex()
    if path is None:
        pytest.skip("real codex binary not installed: run `npm ci` in the repository root")
    return path


@pytest.fixture(scope="session")
def guard_cmd() -> list[str]:
    """How to run codex-guard as a separate process (the venv's interpreter, -m)."""
    import sys

    return [sys.executable, "-m", "codex_guard"]
