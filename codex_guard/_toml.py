"""One reader for codex-guard's TOML configuration files (``guardrails.toml``).

Several parts of a hook call read the same file (``[scan]`` in guardrails.py, ``[audit]`` in
audit/config.py, ``[approvals]`` in approvals.py); this reads and parses each file once per process
(keyed by path and stat, so a file that changes is read again) and imports ``tomllib`` only when a
file exists. A leaf: imports nothing from codex_guard.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PARSED: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


class TomlFileError(ValueError):
    """A configuration file exists but cannot be read or is not valid TOML; the message is
    ``"<path>: cannot read: …"`` or ``"<path>: not valid TOML: …"``."""


def read_toml(path: str) -> dict[str, Any] | None:
    """The parsed document at ``path`` (TOML 1.0, ``tomllib``), or None when the file does not
    exist.

    Raises:
        TomlFileError: the file cannot be read, is not UTF-8 or is not valid TOML.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise TomlFileError(f"{path}: cannot read: {e.strerror}") from None
    ident = (st.st_size, st.st_mtime_ns, st.st_ino)
    hit = _PARSED.get(path)
    if hit is not None and hit[0] == ident:
        return hit[1]
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise TomlFileError(f"{path}: cannot read: {e.strerror}") from None
    import tomllib

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TomlFileError(f"{path}: not valid TOML: {e}") from None
    _PARSED[path] = (ident, doc)
    return doc
