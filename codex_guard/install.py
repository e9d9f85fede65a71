"""Register and remove the hooks in Codex (``hooks.json`` + trust) and Claude Code.

Codex runs a user or project hook only when ``[hooks.state."<key>"] trusted_hash`` in the user
``config.toml`` matches it (codex-hooks.md §6.4 and §6.5); an installer that skips this installs
a hook that silently never runs. ``install`` therefore writes both, keeps everything already
there, backs up each file it changes, and is idempotent; ``uninstall`` removes exactly what
``install`` added (and re-keys the trust entries of other hooks whose group index moved).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Any

EVENT_SNAKE = {
    "PreToolUse": "pre_tool_use",
    "PermissionRequest": "permission_request",
    "PostToolUse": "post_tool_use",
    "PreCompact": "pre_compact",
    "PostCompact": "post_compact",
    "SessionStart": "session_start",
    "SessionEnd": "session_end",
    "UserPromptSubmit": "user_prompt_submit",
    "Stop": "stop",
    "SubagentStart": "subagent_start",
    "SubagentStop": "subagent_stop",
    "Interrupt": "interrupt",
}
_NO_MATCHER = {"user_prompt_submit", "stop", "interrupt"}


def trusted_hash(event_snake: str, matcher: str | None, handler: dict[str, Any]) -> str:
    """Codex's ``trusted_hash`` for one command handler (codex-hooks.md §6.5, verified against
    0.169.0): sha256 over the sorted-key compact JSON of ``{"event_name", "hooks": [normalised
    handler], "matcher"?}``; the matcher is dropped for UserPromptSubmit, Stop and Interrupt.

    Returns:
        ``"sha256:<hex>"``.
    """
    short = event_snake in ("session_end", "interrupt")
    timeout = handler.get("timeout")
    t = int(timeout) if isinstance(timeout, int) else (1 if short else 600)
    t = min(max(t, 1), 3) if short else max(t, 1)
    norm: dict[str, Any] = {
        "type": "command",
        "command": handler["command"],
        "timeout": t,
        "async": bool(handler.get("async", False)),
    }
    if handler.get("statusMessage") is not None:
        norm["statusMessage"] = handler["statusMessage"]
    ident: dict[str, Any] = {"event_name": event_snake, "hooks": [norm]}
    if matcher is not None and event_snake not in _NO_MATCHER:
        ident["matcher"] = matcher
    data = json.dumps(ident, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def hook_command() -> str:
    """The command line hooks run: this interpreter with ``-IS`` on the hook launcher
    (``hooks/launch.py``, installed as ``codex_guard/hooks_data/launch.py``), which skips
    ``site`` and the console script's imports (start-up is paid on every event, issue 8)."""
    from importlib.resources import files

    launcher = os.path.abspath(str(files("codex_guard.hooks_data").joinpath("launch.py")))
    return f"{shlex.quote(sys.executable)} -IS {shlex.quote(launcher)}"


def template(client: str, command: str) -> dict[str, Any]:
    """The hooks of ``hooks/<client>…json`` with ``{{COMMAND}}`` filled in."""
    from importlib.resources import files

    name = "codex-hooks.json" if client == "codex" else "claude-settings.json"
    text = files("codex_guard.hooks_data").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(
        text.replace("{{COMMAND}}", command.replace("\\", "\\\\").replace('"', '\\"'))
    )
    return data


def is_ours(handler: Any) -> bool:
    """A handler codex-guard installed: its command runs ``codex-guard … hook``,
    ``-m codex_guard hook`` or the launcher (``…/codex_guard/hooks_data/launch.py hook``, or
    ``<checkout>/hooks/launch.py hook`` from a source checkout)."""
    if not isinstance(handler, dict):
        return False
    cmd = handler.get("command")
    if not isinstance(cmd, str):
        return False
    return (" hook --client " in cmd or cmd.endswith(" hook")) and (
        "codex-guard" in cmd or "codex_guard" in cmd or "/hooks/launch.py" in cmd
    )


def _backup(path: str) -> str | None:
    if not os.path.exists(path):
        return None
    dest = f"{path}.codex-guard-{time.strftime('%Y%m%d%H%M%S')}.bak"
    shutil.copy2(path, dest)
    return dest


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    if os.path.exists(path):
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def _load_json(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}
    if not text.strip():
        return {}
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: top level is not a JSON object")
    return data


def _strip_ours(hooks: dict[str, Any]) -> dict[str, dict[int, int | None]]:
    """Remove our groups/handlers in place; returns, per event, old group index → new index
    (None when the group was removed)."""
    moves: dict[str, dict[int, int | None]] = {}
    for event, groups in list(hooks.items()):
        if not isinstance(groups, list):
            continue
        kept: list[Any] = []
        mapping: dict[int, int | None] = {}
        for gi, g in enumerate(groups):
            hs = g.get("hooks") if isinstance(g, dict) else None
            if isinstance(hs, list) and any(is_ours(h) for h in hs):
                rest = [h for h in hs if not is_ours(h)]
                if not rest:
                    mapping[gi] = None
                    continue
                g = {**g, "hooks": rest}
            mapping[gi] = len(kept)
            kept.append(g)
        moves[event] = mapping
        hooks[event] = kept
        if not kept:
            del hooks[event]
    return moves


# ------------------------------------------------------------------ config.toml editing


def _header_path(line: str) -> tuple[str, ...] | None:
    """The key path of a ``[table]`` header line, or None for other lines."""
    s = line.strip()
    if not s.startswith("[") or s.startswith("[["):
        return None
    import tomllib

    try:
        data: Any = tomllib.loads(s.split("#", 1)[0] if s.count('"') == 0 else s)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        k = next(iter(data))
        path.append(k)
        data = data[k]
    return tuple(path)


def _toml_key(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def edit_trust(
    config_path: str, remove: set[str], add: dict[str, str], rename: dict[str, str]
) -> bool:
    """Rewrite ``[hooks.state."<key>"]`` tables in a config.toml, keeping everything else.

    Args:
        remove: keys whose tables are deleted.
        add: key → trusted_hash tables appended (replacing any existing table of that key).
        rename: old key → new key for tables that stay.

    Returns:
        True when the file changed.
    """
    try:
        with open(config_path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    import tomllib

    try:
        state = tomllib.loads(text).get("hooks", {}).get("state", {})
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{config_path} is not valid TOML: {e}") from None
    add = {
        k: h
        for k, h in add.items()
        if not (isinstance(state.get(k), dict) and state[k].get("trusted_hash") == h)
    }
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    skipping = False
    for line in lines:
        path = _header_path(line)
        if path is not None:
            skipping = False
            if len(path) == 3 and path[:2] == ("hooks", "state"):
                key = path[2]
                if key in remove or key in add:
                    skipping = True
                    if out and out[-1].strip() == "":
                        out.pop()  # the blank line install put before the table
                    continue
                if key in rename:
                    out.append(f"[hooks.state.{_toml_key(rename[key])}]\n")
                    continue
        if not skipping:
            out.append(line)
    new = "".join(out)
    if add:
        if new and not new.endswith("\n"):
            new += "\n"
        for key, h in add.items():
            new += f"\n[hooks.state.{_toml_key(key)}]\ntrusted_hash = {_toml_key(h)}\n"
    if new == text:
        return False
    _backup(config_path)
    _write(config_path, new)
    return True


# ------------------------------------------------------------------ install / uninstall


@dataclass
class Result:
    """What an install or uninstall did: files changed, backups made, notes for the user."""

    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _codex_home() -> str:
    """The Codex home as Codex spells it in trust keys: ``$CODEX_HOME`` canonicalised (symlinks
    resolved, as Codex's ``find_codex_home`` does when the variable is set), else ``~/.codex``
    as is (Codex does not canonicalise its default)."""
    env = os.environ.get("CODEX_HOME")
    if env:
        return os.path.realpath(env)
    from codex_guard.policy.layers import codex_home

    return codex_home()


def _project_root(start: str) -> str:
    """The repository root above ``start`` (the first folder with ``.git``), else ``start``."""
    from codex_guard.policy.layers import project_root

    return project_root(start) or os.path.abspath(start)


def targets(client: str, project: bool, cwd: str) -> tuple[str, str | None]:
    """``(hooks file, config.toml holding trust or None)`` for a client and scope."""
    if client == "codex":
        base = os.path.join(_project_root(cwd), ".codex") if project else _codex_home()
        return os.path.join(base, "hooks.json"), os.path.join(_codex_home(), "config.toml")
    if project:
        return os.path.join(_project_root(cwd), ".claude", "settings.json"), None
    home = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return os.path.join(home, "settings.json"), None


def _trust_keys(hooks_path: str, hooks: dict[str, Any]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for event, groups in hooks.items():
        snake = EVENT_SNAKE.get(event)
        if snake is None or not isinstance(groups, list):
            continue
        for gi, g in enumerate(groups):
            for hi, h in enumerate(g.get("hooks", []) if isinstance(g, dict) else []):
                if is_ours(h):
                    matcher = g.get("matcher") if isinstance(g.get("matcher"), str) else None
                    keys[f"{hooks_path}:{snake}:{gi}:{hi}"] = trusted_hash(snake, matcher, h)
    return keys


def install(
    client: str = "codex", project: bool = False, cwd: str | None = None, command: str | None = None
) -> Result:
    """Add codex-guard's hooks: PreToolUse and PermissionRequest (shell and edit tools),
    UserPromptSubmit and PostToolUse (``hooks/<client>…json``).

    Args:
        client: ``codex`` or ``claude``.
        project: write the repository's ``.codex/hooks.json`` (``.claude/settings.json``) instead
            of the user's.
        cwd: where to look for the repository (default: the process cwd).
        command: the hook command (default :func:`hook_command`).

    Returns:
        A :class:`Result`.

    Raises:
        ValueError: an existing hooks/settings file is not a JSON object.
        OSError: a file cannot be written.
    """
    res = Result()
    cwd = cwd or os.getcwd()
    hooks_path, config = targets(client, project, cwd)
    hooks_path = os.path.abspath(hooks_path)
    data = _load_json(hooks_path)
    before = json.dumps(data, sort_keys=True)
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ValueError(f'{hooks_path}: "hooks" is not an object')
    old_keys = _trust_keys(hooks_path, hooks)
    moves = _strip_ours(hooks)
    for event, groups in template(client, command or hook_command())["hooks"].items():
        hooks.setdefault(event, []).extend(groups)
    if json.dumps(data, sort_keys=True) != before:
        _backup(hooks_path)
        _write(hooks_path, json.dumps(data, indent=2) + "\n")
        res.changed.append(hooks_path)
    if config is not None:
        new_keys = _trust_keys(hooks_path, hooks)
        rename = _renames(hooks_path, moves)
        stale = set(old_keys) - set(new_keys)
        if edit_trust(config, stale, new_keys, rename):
            res.changed.append(config)
        if project:
            res.notes.append(
                "project hooks load only in a project Codex trusts: make sure "
                f'{_project_root(cwd)} has trust_level = "trusted" under [projects] in {config}'
            )
    return res


def _renames(hooks_path: str, moves: dict[str, dict[int, int | None]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for event, mapping in moves.items():
        snake = EVENT_SNAKE.get(event)
        if snake is None:
            continue
        for old, new in mapping.items():
            if new is not None and new != old:
                for hi in range(64):
                    out[f"{hooks_path}:{snake}:{old}:{hi}"] = f"{hooks_path}:{snake}:{new}:{hi}"
    return out


def uninstall(client: str = "codex", project: bool = False, cwd: str | None = None) -> Result:
    """Remove exactly what :func:`install` added: our handlers and their trust entries; other
    hooks' trust entries follow their groups if indices move.

    Raises:
        ValueError: the hooks/settings file is not a JSON object.
        OSError: a file cannot be written.
    """
    res = Result()
    hooks_path, config = targets(client, project, cwd or os.getcwd())
    hooks_path = os.path.abspath(hooks_path)
    data = _load_json(hooks_path)
    hooks = data.get("hooks")
    if not isinstance(hooks, dict):
        return res
    ours = _trust_keys(hooks_path, hooks)
    moves = _strip_ours(hooks)
    if ours:
        _backup(hooks_path)
        if not hooks:
            del data["hooks"]
        if data:
            _write(hooks_path, json.dumps(data, indent=2) + "\n")
        else:
            os.remove(hooks_path)  # nothing but our hooks was ever in it
        res.changed.append(hooks_path)
    if config is not None and edit_trust(config, set(ours), {}, _renames(hooks_path, moves)):
        res.changed.append(config)
    return res
