"""Fixtures for end-to-end tests that drive the real ``codex`` CLI against a fake model.

* ``fake_model``: a running :class:`fake_model.FakeModelServer` on ``127.0.0.1`` with an
  empty script; call ``fake_model.set_script([...])`` before running Codex.
* ``codex_home``: a :class:`codex_env.CodexHome` under ``tmp_path`` whose ``config.toml``
  targets ``fake_model``; skips the test when the codex binary is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import codex_env
import pytest
from codex_env import CODEX_MISSING_REASON, CodexHome, make_codex_home
from fake_model import FakeModelServer


@pytest.fixture
def fake_model() -> Iterator[FakeModelServer]:
    """A started fake Responses API server (stopped after the test)."""
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def codex_home(tmp_path: Path, fake_model: FakeModelServer) -> CodexHome:
    """An isolated HOME/CODEX_HOME/workdir wired to ``fake_model`` (skips if codex is absent).

    The fake server is also used as ``HTTP(S)_PROXY``, so any non-loopback request Codex
    attempts is refused and shows up in ``fake_model.proxy_attempts()``.
    """
    if codex_env.codex_bin() is None:
        pytest.skip(CODEX_MISSING_REASON)
    return make_codex_home(tmp_path, fake_model.base_url, proxy_url=fake_model.origin)
