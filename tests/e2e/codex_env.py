"""Helpers to run the real ``codex exec`` in an isolated home against :mod:`fake_model`.

* :func:`codex_bin` finds ``<repo>/node_modules/.bin/codex`` (``npm ci`` installs it).
* :func:`make_codex_home` creates a throw-away ``HOME`` and ``CODEX_HOME`` whose
  ``config.toml`` points Codex at the fake server on ``127.0.0.1``.
* :func:`run_codex_exec` runs ``codex exec`` non-interactively with a clean environment.
* :func:`codex_trusted_hash` computes the ``[hooks.state."<key>"] trusted_hash`` Codex needs
  before it runs a user hook (see ``codex-hooks.md`` §6.4/§6.5).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "API_KEY_ENV",
    "CODEX_MISSING_REASON",
    "DEFAULT_MODEL",
    "CodexHome",
    "append_config",
    "codex_bin",
    "codex_trusted_hash",
    "hook_state_key",
    "make_codex_home",
    "run_codex_exec",
    "toml_str",
    "trust_hook_toml",
    "trust_project_toml",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The project root (``tests/e2e/`` is two levels below it)."""

CODEX_MISSING_REASON = (
    "codex CLI not installed: run `npm ci` in the project root "
    "(expects node_modules/.bin/codex, @openai/codex@0.169.0)"
)
"""``pytest.skip`` reason used when :func:`codex_bin` returns ``None``."""

API_KEY_ENV = "CODEX_GUARD_FAKE_API_KEY"
"""Environment variable the fake provider reads its (dummy) API key from."""

_DUMMY_API_KEY = "fake-key-for-loopback-tests"

DEFAULT_MODEL = "gpt-5.5"
"""Model slug Codex is told to use; the fake server ignores it."""

DEFAULT_TIMEOUT = 120.0
"""Seconds before :func:`run_codex_exec` gives up on a ``codex exec`` run."""

# Variables that must never leak from the developer's environment into the child.
_SCRUB_PREFIXES = ("OPENAI_", "ANTHROPIC_", "CODEX_", "AZURE_OPENAI", "CLAUDE_")
_SCRUB_NAMES = frozenset(
    {
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "RUST_LOG",
        "SSL_CERT_FILE",
    }
)


def codex_bin() -> Path | None:
    """Return ``<repo>/node_modules/.bin/codex`` if it exists and is executable, else ``None``."""
    path = REPO_ROOT / "node_modules" / ".bin" / "codex"
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def toml_str(value: str) -> str:
    """Quote ``value`` as a TOML basic string (JSON string syntax is valid TOML)."""
    return json.dumps(value)


@dataclass(frozen=True)
class CodexHome:
    """An isolated home for one Codex run.

    ``home`` is used as ``$HOME``, ``codex_home`` as ``$CODEX_HOME`` (``home/.codex``),
    ``workdir`` as the session working directory (``--cd``) and ``base_url`` is the fake
    provider's URL written to ``config.toml``. ``proxy_url`` (the fake server's origin) is
    exported as ``HTTP(S)_PROXY`` so that any request to a non-loopback host ends up refused
    and recorded by the fake server instead of leaving the machine.
    """

    home: Path
    codex_home: Path
    workdir: Path
    base_url: str
    proxy_url: str | None = None

    @property
    def config_toml(self) -> Path:
        """``$CODEX_HOME/config.toml``."""
        return self.codex_home / "config.toml"

    @property
    def hooks_json(self) -> Path:
        """``$CODEX_HOME/hooks.json`` (the user-layer hooks file)."""
        return self.codex_home / "hooks.json"

    def append_config(self, text: str) -> None:
        """Append ``text`` to ``config.toml`` (see :func:`append_config`)."""
        append_config(self.config_toml, text)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A clean environment for ``codex``: no real API keys, loopback only."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES
        }
        env.update(
            {
                "HOME": str(self.home),
                "CODEX_HOME": str(self.codex_home),
                API_KEY_ENV: _DUMMY_API_KEY,
                "NO_COLOR": "1",
                "TERM": "dumb",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        if self.proxy_url:
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                env[name] = self.proxy_url
                env[name.lower()] = self.proxy_url
        if extra:
            env.update(extra)
        return env


def base_config(base_url: str, *, model: str = DEFAULT_MODEL) -> str:
    """The ``config.toml`` text that points Codex at the fake provider at ``base_url``."""
    return f"""\
# Written by tests/e2e/codex_env.py: loopback-only fake provider.
model = {toml_str(model)}
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.fake]
name = "fake"
base_url = {toml_str(base_url)}
env_key = {toml_str(API_KEY_ENV)}
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 30000

[analytics]
enabled = false

[feedback]
enabled = false

[history]
persistence = "none"

[features]
# Curated-plugin sync reaches github.com / api.github.com / chatgpt.com at startup.
plugins = false
"""


def make_codex_home(
    root: Path,
    base_url: str,
    *,
    proxy_url: str | None = None,
    model: str = DEFAULT_MODEL,
) -> CodexHome:
    """Create ``root/home``, ``root/home/.codex`` and ``root/work`` plus a ``config.toml``.

    ``root`` is typically pytest's ``tmp_path``. ``base_url`` is the fake server's
    ``base_url`` (``http://127.0.0.1:<port>/v1``).
    """
    home = root / "home"
    codex_home = home / ".codex"
    workdir = root / "work"
    for d in (home, codex_home, workdir):
        d.mkdir(parents=True, exist_ok=True)
    (codex_home / "config.toml").write_text(base_config(base_url, model=model), encoding="utf-8")
    return CodexHome(
        home=home,
        codex_home=codex_home,
        workdir=workdir,
        base_url=base_url,
        proxy_url=proxy_url,
    )


def append_config(config_toml: Path, text: str) -> None:
    """Append ``text`` to ``config_toml`` on a fresh line (tables go at the end of the file)."""
    existing = config_toml.read_text(encoding="utf-8") if config_toml.exists() else ""
    sep = "" if not existing or existing.endswith("\n") else "\n"
    if not text.endswith("\n"):
        text += "\n"
    config_toml.write_text(existing + sep + "\n" + text, encoding="utf-8")


def trust_project_toml(project_dir: Path) -> str:
    """TOML marking ``project_dir`` trusted (enables its ``.codex/`` config and hooks)."""
    return f'[projects.{toml_str(str(project_dir))}]\ntrust_level = "trusted"\n'


def run_codex_exec(
    env_home: CodexHome,
    prompt: str,
    *,
    extra_args: Sequence[str] = (),
    cwd: Path | None = None,
    skip_git_repo_check: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``codex exec`` once and return the finished process (stdout/stderr as text).

    The prompt is passed as an argument and stdin is ``/dev/null``. ``cwd`` (default
    ``env_home.workdir``) is passed both as ``--cd`` and as the process cwd. ``extra_args``
    go before the prompt (e.g. ``["--ignore-rules"]``). ``env`` adds/overrides variables on
    top of :meth:`CodexHome.env`. Raises :class:`subprocess.TimeoutExpired` after
    ``timeout`` seconds and ``RuntimeError`` when the binary is missing.
    """
    binary = codex_bin()
    if binary is None:
        raise RuntimeError(CODEX_MISSING_REASON)
    workdir = cwd if cwd is not None else env_home.workdir
    argv: list[str] = [str(binary), "exec", "--cd", str(workdir), "--color", "never"]
    if skip_git_repo_check:
        argv.append("--skip-git-repo-check")
    argv.extend(extra_args)
    argv.extend(["--", prompt])
    return subprocess.run(
        argv,
        cwd=workdir,
        env=env_home.env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- hook trust
def codex_trusted_hash(event_snake: str, matcher: str | None, handler: dict[str, Any]) -> str:
    """The ``trusted_hash`` Codex 0.169.0 expects for one hook handler (codex-hooks.md §6.5).

    The harness uses the product's own implementation, so the self-tests here prove it against
    the real binary: a wrong hash makes Codex skip the hook silently and those tests fail.
    """
    from codex_guard.install import trusted_hash

    if handler.get("type", "command") != "command":
        raise ValueError("only command handlers are supported")
    return trusted_hash(event_snake, matcher, handler)


def hook_state_key(source: Path, event_snake: str, group_index: int, handler_index: int) -> str:
    """The ``[hooks.state."<key>"]`` key: ``<abs source path>:<event>:<group>:<handler>``."""
    return f"{source.resolve()}:{event_snake}:{group_index}:{handler_index}"


def trust_hook_toml(
    source: Path,
    event_snake: str,
    group_index: int,
    handler_index: int,
    matcher: str | None,
    handler: dict[str, Any],
) -> str:
    """TOML for one ``[hooks.state."<key>"] trusted_hash = "sha256:..."`` trust entry."""
    key = hook_state_key(source, event_snake, group_index, handler_index)
    digest = codex_trusted_hash(event_snake, matcher, handler)
    return f"[hooks.state.{toml_str(key)}]\ntrusted_hash = {toml_str(digest)}\n"
