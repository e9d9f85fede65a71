"""Deny file edits that would switch the guard off: ``apply_patch`` on Codex, ``Edit``/``Write``/
``MultiEdit``/``NotebookEdit`` on Claude Code, when they touch a protected path.

Codex reports its freeform ``apply_patch`` tool as ``tool_name: "apply_patch"`` with
``tool_input: {"command": "<patch text>"}`` and also lets a hook matcher name it ``Edit`` or
``Write`` (codex-hooks.md §5). The patch names its files on ``*** Add File: P``,
``*** Update File: P``, ``*** Delete File: P`` and ``*** Move to: P`` lines (Codex's
``apply_patch`` grammar); P is relative to the session cwd unless absolute. Claude Code's edit tools
carry ``file_path`` (``notebook_path`` for notebooks).

Protected: the hooks files (``hooks.json`` of ``$CODEX_HOME`` and of any ``.codex/``, Claude
Code's ``settings*.json`` under any ``.claude/`` and ``$CLAUDE_CONFIG_DIR``), Codex's
``config.toml`` files (they hold the hook trust entries and the ``hooks`` feature switch), every
``rules/`` and ``guard/`` folder of those config folders, ``guardrails.toml`` anywhere, the system
folder (``/etc/codex``), and everything :func:`protected_paths` lists: codex-guard's own state
(approvals), cache, data and config folders, its audit log with sidecars and rotations, and the
installed package and hook script. ``packs/self_protection.rules`` protects the same paths for
shell commands (``tests/test_self_protection.py`` checks the two agree).

Hunk headers are read as Codex's parser reads them (``codex-rs/apply-patch/src/parser.rs``,
``parse_one_hunk``: each header line is trimmed, lines split on LF or CRLF). On macOS and Windows,
whose file systems ignore case, paths are compared case-insensitively.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from codex_guard.verdict import FORBIDDEN, Verdict

PATCH_TOOLS = ("apply_patch", "Edit", "Write", "MultiEdit", "NotebookEdit")
_HEADER = re.compile(r"\*\*\* (?:Add File|Update File|Delete File|Move to): *(.+?)\s*")
_CASELESS = sys.platform in ("darwin", "win32")  # default file systems ignore case
_CONFIG_FILES = ("hooks.json", "config.toml", "guardrails.toml", "requirements.toml")
_CONFIG_FOLDERS = ("rules", "guard")


def patch_paths(patch: str) -> list[str]:
    """The file paths an ``apply_patch`` text names, in order (as written): every line that,
    trimmed as Codex trims hunk headers, is an ``Add File``/``Update File``/``Delete File``/
    ``Move to`` header (LF or CRLF line ends)."""
    out = []
    for line in patch.splitlines():
        m = _HEADER.fullmatch(line.strip())
        if m:
            out.append(m.group(1))
    return out


def edit_paths(tool_name: str, tool_input: Any) -> list[str]:
    """The paths one edit-tool call writes: patch headers for ``apply_patch`` (and for an
    ``Edit``/``Write`` whose input is a patch), ``file_path``/``notebook_path`` otherwise."""
    if not isinstance(tool_input, dict):
        return []
    out: list[str] = []
    cmd = tool_input.get("command", tool_input.get("patch"))
    if isinstance(cmd, str):
        out += patch_paths(cmd)
    for key in ("file_path", "notebook_path", "path"):
        v = tool_input.get(key)
        if isinstance(v, str) and v:
            out.append(v)
    return out


def protected_paths() -> list[tuple[str, str, bool]]:
    """codex-guard's own files, the one list both this module and the self-protection pack's
    path list follow: ``(path, what it is, whole folder?)``. A folder entry protects everything
    below it; a file entry also protects every file beside it whose name starts with its name
    (the audit log's ``.head``/``.anchor`` sidecars and ``.1``… rotations).

    Entries: the approval state folder (``$CODEX_GUARD_STATE_DIR`` or platformdirs
    ``user_state_dir``), the cache folder (compiled policy, catalogue), the data and config
    folders, the audit log, and, for an installed (site-packages) copy, the package folder and
    the ``codex-guard`` script beside the interpreter.
    """
    from codex_guard._dirs import guard_dir, user_dir
    from codex_guard.audit.log import default_path

    out = [
        (guard_dir("state"), "codex-guard's approval state", True),
        (guard_dir("cache"), "codex-guard's cache folder", True),
        (user_dir("data"), "codex-guard's data folder", True),
        (user_dir("config"), "codex-guard's config folder", True),
        (default_path(), "codex-guard's audit log", False),
    ]
    package = os.path.dirname(os.path.abspath(__file__))
    if os.path.basename(os.path.dirname(package)) in ("site-packages", "dist-packages"):
        out.append((package, "the installed codex-guard package", True))
        script = os.path.join(os.path.dirname(sys.executable), "codex-guard")
        out.append((script, "the codex-guard hook script", False))
    return out


def _fold(s: str) -> str:
    return os.path.normcase(s).casefold() if _CASELESS else s


def _under(path: str, folder: str) -> bool:
    folder = os.path.normpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _config_dirs() -> list[tuple[str, str]]:
    # policy.layers.codex_home()/SYSTEM_DIR, without importing the rules engine on this path
    home = os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
    out = [(home, "the Codex home")]
    claude = os.environ.get("CLAUDE_CONFIG_DIR")
    if claude:
        out.append((claude, "the Claude Code config folder"))
    out.append(
        (os.environ.get("CODEX_GUARD_SYSTEM_DIR") or "/etc/codex", "the system Codex folder")
    )
    return out


def protected_reason(path: str, cwd: str) -> str | None:
    """Why writing ``path`` (relative to ``cwd`` unless absolute) is not allowed (text that
    follows "it is"), or None.

    Both the path as written (normalised) and its real path (symlinks resolved) are checked.
    """
    try:
        p = os.path.expanduser(path)
        if not os.path.isabs(p):
            p = os.path.join(cwd or os.getcwd(), p)
        real = os.path.realpath(p)
    except (ValueError, UnicodeEncodeError):  # a NUL byte or a lone surrogate
        return "a path no file system can hold (NUL byte or lone surrogate)"
    for cand in dict.fromkeys((os.path.normpath(p), real)):
        why = _reason_for(cand)
        if why:
            return why
    return None


def _reason_for(p: str) -> str | None:
    p = _fold(p)
    parts = p.split(os.sep)
    base = parts[-1]
    if base == "guardrails.toml":
        return "codex-guard's configuration (guardrails.toml)"
    for folder, what in _config_dirs():
        for cand in dict.fromkeys(
            _fold(c) for c in (os.path.normpath(folder), os.path.realpath(folder))
        ):
            if not _under(p, cand):
                continue
            rel = os.path.relpath(p, cand).split(os.sep)
            if what == "the system Codex folder":
                return f"in {what} ({cand})"
            if what == "the Claude Code config folder":
                if len(rel) == 1 and base.startswith("settings") and base.endswith(".json"):
                    return f"a Claude Code settings file with hooks ({what})"
                continue
            if len(rel) == 1 and rel[0] in _CONFIG_FILES:
                return f"the {rel[0]} of {what} (hooks, hook trust or configuration)"
            if rel[0] in _CONFIG_FOLDERS:
                return f"in the {rel[0]}/ folder of {what} (rules codex-guard enforces)"
    for i, part in enumerate(parts[:-1]):
        rest = parts[i + 1 :]
        if part == ".codex":
            if len(rest) == 1 and rest[0] in _CONFIG_FILES:
                return f"a Codex {rest[0]} (hooks, hook trust or configuration)"
            if rest[0] in _CONFIG_FOLDERS:
                return f"in a .codex/{rest[0]}/ folder (rules codex-guard enforces)"
        if (
            part == ".claude"
            and len(rest) == 1
            and rest[0].startswith("settings")
            and rest[0].endswith(".json")
        ):
            return "a Claude Code settings file (it holds the hooks)"
    for gpath, what, whole in protected_paths():
        for cand in dict.fromkeys(
            _fold(c) for c in (os.path.normpath(gpath), os.path.realpath(gpath))
        ):
            if whole and _under(p, cand):
                return f"in {what}"
            if not whole and p.startswith(cand):
                return what
    return None


def judge_edit(tool_name: str, tool_input: Any, cwd: str) -> Verdict | None:
    """The verdict for an edit-tool call, or None when ``tool_name`` is not an edit tool.

    Returns:
        ``forbidden`` with one reason per protected path it touches; an empty verdict (no
        decision) when it touches none. An ``apply_patch`` whose text names no file at all is
        left to Codex, which rejects it.
    """
    if tool_name not in PATCH_TOOLS:
        return None
    v = Verdict()
    paths = edit_paths(tool_name, tool_input)
    v.commands = [[tool_name, *paths]]
    for reason in edit_reasons(tool_name, paths, cwd):
        v.raise_to(FORBIDDEN, reason)
    return v


def edit_reasons(tool_name: str, paths: list[str], cwd: str) -> list[str]:
    """One ``forbidden`` reason per path of ``paths`` (relative to ``cwd`` unless absolute)
    that is protected; ``tool_name`` names the writer in the reason."""
    out = []
    for path in paths:
        why = protected_reason(path, cwd)
        if why is None and "$" in path:  # an unquoted heredoc: the shell expands $HOME, …
            why = protected_reason(os.path.expandvars(path), cwd)
        if why:
            out.append(
                f"{tool_name} may not change {path}: it is {why}. The agent may not change "
                "the guard's own files; ask the user to make this change themselves"
            )
    return out


SHELL_PATCH_PROGRAMS = ("apply_patch", "applypatch")


def shell_patch_reasons(argv: tuple[str, ...], stdin: tuple[str, ...], cwd: str) -> list[str]:
    """The ``forbidden`` reasons for ``apply_patch``/``applypatch`` run as a shell command
    (Codex applies ``apply_patch <<'EOF' … EOF`` and ``apply_patch 'PATCH'`` given to its shell
    tool itself): the patch is its heredoc/herestring text (``stdin``) or its argument, and
    gets the same verdict as the ``apply_patch`` tool. ``[]`` for any other program."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name not in SHELL_PATCH_PROGRAMS:
        return []
    paths = [p for text in (*argv[1:], *stdin) for p in patch_paths(text)]
    return edit_reasons(name, paths, cwd)
