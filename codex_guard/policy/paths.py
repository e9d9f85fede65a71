"""Lexical path handling as Codex's ``AbsolutePathBuf`` does it (no symlink resolution)."""

from __future__ import annotations

import os


def normalize_lexically(path: str) -> str:
    """Normalise an absolute POSIX path: drop ``.`` components, let ``..`` pop one component
    (never above ``/``), collapse repeated slashes. Trailing slashes are dropped."""
    parts: list[str] = []
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if parts:
                parts.pop()
            continue
        parts.append(comp)
    return "/" + "/".join(parts)


def absolutize(path: str, cwd: str | None = None) -> str:
    """``AbsolutePathBuf::try_from``: expand a leading ``~``, make relative paths absolute against
    ``cwd`` (default: the process cwd), then normalise lexically."""
    if path == "~" or path.startswith("~/"):
        path = os.path.expanduser("~") + path[1:]
    if not path.startswith("/"):
        path = (cwd or os.getcwd()) + "/" + path
    return normalize_lexically(path)


def file_name(path: str) -> str | None:
    """The last component of a normalised absolute path, or ``None`` for ``/``."""
    name = path.rsplit("/", 1)[-1]
    return name or None
