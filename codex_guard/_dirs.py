"""codex-guard's per-user folders (cache, config, data, state), as platformdirs resolves them.

platformdirs is the source of truth. Importing it costs a hook process more than the rest of a
cache-hit decision (it loads ``pathlib``, ``tempfile``, ``shutil`` and the compression modules),
so on Linux the common case is resolved here by platformdirs' own rule for its ``Unix`` class
(``platformdirs/_xdg.py``, 4.x): an absolute ``$XDG_{CACHE,CONFIG,DATA,STATE}_HOME`` wins,
else ``~/.cache``, ``~/.config``, ``~/.local/share`` or ``~/.local/state`` under an absolute
``$HOME`` (or the password database when ``HOME`` is unset), then ``/codex-guard``. Every
other case (another OS, Android, a relative ``HOME``) asks platformdirs itself.
``tests/test_dirs.py`` checks the two agree over generated environments.

A leaf: imports nothing from codex_guard.
"""

# No ``from __future__ import annotations``: imported before the module bundle serves any.

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

APP = "codex-guard"
_XDG = {
    "cache": "XDG_CACHE_HOME",
    "config": "XDG_CONFIG_HOME",
    "data": "XDG_DATA_HOME",
    "state": "XDG_STATE_HOME",
}
_DEFAULT = {
    "cache": "~/.cache",
    "config": "~/.config",
    "data": "~/.local/share",
    "state": "~/.local/state",
}


def _fast(kind: str) -> str | None:
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel"):
        return None
    if os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system":
        return None
    xdg = os.environ.get(_XDG[kind], "")
    if xdg.startswith("/"):
        return os.path.join(xdg, APP)
    home = os.environ.get("HOME")
    if home is not None and not home.startswith("/"):
        return None
    base = os.path.expanduser(_DEFAULT[kind])
    return os.path.join(base, APP) if base.startswith("/") else None


def user_dir(kind: str) -> str:
    """The per-user folder of ``kind`` (``"cache"``, ``"config"``, ``"data"`` or ``"state"``) for
    codex-guard,
    exactly what ``platformdirs.user_<kind>_dir("codex-guard", appauthor=False)`` returns.

    Raises:
        KeyError: an unknown ``kind``.
        RuntimeError: platformdirs cannot resolve a home folder (relative ``HOME``, no entry in
            the password database).
    """
    fast = _fast(kind)
    if fast is not None:
        return fast
    import platformdirs

    resolve = {
        "cache": platformdirs.user_cache_dir,
        "config": platformdirs.user_config_dir,
        "data": platformdirs.user_data_dir,
        "state": platformdirs.user_state_dir,
    }[kind]
    return resolve(APP, appauthor=False)


_ENV = {"cache": "CODEX_GUARD_CACHE_DIR", "state": "CODEX_GUARD_STATE_DIR"}


def guard_dir(kind: str) -> str:
    """The folder codex-guard really uses for ``kind``: ``$CODEX_GUARD_CACHE_DIR`` /
    ``$CODEX_GUARD_STATE_DIR`` when set (cache, state), else :func:`user_dir`.

    Raises: as :func:`user_dir`.
    """
    env = os.environ.get(_ENV[kind], "") if kind in _ENV else ""
    return env or user_dir(kind)


def private_dir(path: str) -> bool:
    """Whether ``path`` is a folder (or file) owned by this user that neither group nor others
    may write: the condition for trusting a cache or state entry found there. Always True
    where the OS has no owners (Windows)."""
    if not hasattr(os, "getuid"):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def write_private(folder: str, path: str, data: bytes) -> OSError | None:
    """Write ``data`` to ``path`` in ``folder`` atomically (a temporary file renamed over it;
    0600 file, folder created 0700): what :func:`private_dir` then trusts.

    Returns:
        None once written; the error when it could not be, with nothing written (a cache
        entry is an optimisation: the caller decides whether to say so).
    """
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as e:
        try:  # noqa: SIM105 - contextlib costs the hook's start-up
            os.unlink(tmp)
        except OSError:
            pass
        return e
    return None


def headed(head: "Any", *parts: bytes) -> bytes:
    """A cache file laid out for :func:`open_headed`: a 4-byte little-endian length, the
    ``marshal`` of ``head``, then ``parts`` one after another (what the head's offsets count
    from). Raises ``ValueError`` when ``head`` cannot be marshalled."""
    import marshal

    data = marshal.dumps(head)
    return len(data).to_bytes(4, "little") + data + b"".join(parts)


def open_headed(folder: str, path: str) -> "tuple[int, object, int, int] | None":
    """Open the :func:`headed` cache file ``path`` in ``folder`` when both are private
    (:func:`private_dir`) and its head unmarshals: ``(descriptor, head, where the parts start,
    bytes of parts)``, the caller then reading parts with ``os.pread`` and closing the
    descriptor. None when missing, not private, cut short or unreadable (a miss)."""
    import marshal

    if not (private_dir(folder) and private_dir(path)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        n = int.from_bytes(os.pread(fd, 4, 0), "little")
        if 4 + n > size:
            raise ValueError("cut short")
        head = marshal.loads(os.pread(fd, n, 4))
    except (OSError, EOFError, ValueError, TypeError):
        os.close(fd)
        return None
    return fd, head, 4 + n, size - 4 - n
