"""Append-only audit log: one JSON object per line, each chained to the one before.

Appends are safe with several hook processes at once: an exclusive ``flock`` on the file, read the
last chain hash, append one whole line, flush and ``fsync``, release. A line left unterminated by a
crash is cut off by the next append before it writes (it was never a complete entry).
"""

from __future__ import annotations

import os
from typing import Any

from codex_guard.audit.chain import GENESIS, chain

_TAIL = 65536


def default_path() -> str:
    """``$CODEX_GUARD_AUDIT_LOG``, else ``audit.jsonl`` in the user data directory
    (platformdirs ``user_data_dir("codex-guard")``)."""
    env = os.environ.get("CODEX_GUARD_AUDIT_LOG")
    if env:
        return env
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("codex-guard", appauthor=False), "audit.jsonl")


def _last_chain_hash(fd: int) -> str:
    """The chain hash of the last complete line; truncates an unterminated last line."""
    import orjson

    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return GENESIS
    start = max(0, size - _TAIL)
    while True:
        os.lseek(fd, start, os.SEEK_SET)
        tail = os.read(fd, size - start)
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            if cut < 0 and start > 0:
                start = max(0, start - _TAIL)
                continue
            new_size = start + cut + 1 if cut >= 0 else 0
            os.ftruncate(fd, new_size)
            if new_size == 0:
                return GENESIS
            size = new_size
            tail = tail[: cut + 1]
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        if len(lines) == 1 and start > 0:
            start = max(0, start - _TAIL)
            continue
        last = lines[-1]
        try:
            obj = orjson.loads(last)
            h = obj.get("chain_hash") if isinstance(obj, dict) else None
        except orjson.JSONDecodeError:
            h = None
        return h if isinstance(h, str) else GENESIS


def append(entry: dict[str, Any], path: str | None = None) -> dict[str, Any]:
    """Append ``entry`` (without ``chain_hash``) to the log, under an exclusive lock.

    Args:
        entry: the fields, in the order they should appear on the line.
        path: the log file (default :func:`default_path`); its folder is created 0700 and the file
            0600.

    Returns:
        The entry as written, ``chain_hash`` included.

    Raises:
        OSError: the log cannot be opened, locked or written.
    """
    import fcntl

    import orjson

    path = path or default_path()
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        prev = _last_chain_hash(fd)
        written = dict(entry)
        written["chain_hash"] = chain(prev, entry)
        os.write(fd, orjson.dumps(written) + b"\n")
        os.fsync(fd)
        return written
    finally:
        os.close(fd)  # closing releases the lock


def verify(path: str) -> tuple[int, list[str]]:
    """Recompute the chain of one log file.

    Returns:
        ``(entries_checked, problems)``; each problem names the line number and ``event_id``.
        Checking continues after a break (the next entry is checked against the stored hash of
        the one before it), so every tampered region is reported.

    Raises:
        OSError: the file cannot be read.
    """
    import orjson

    problems: list[str] = []
    prev = GENESIS
    count = 0
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        problems.append(f"line {len(lines)}: unterminated last line (interrupted write)")
        lines.pop()
    for n, line in enumerate(lines, 1):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            problems.append(f"line {n}: not valid JSON")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {n}: not a JSON object")
            continue
        count += 1
        stored = obj.get("chain_hash")
        if stored != chain(prev, obj):
            problems.append(
                f"line {n} (event_id {obj.get('event_id', '?')}): chain hash mismatch "
                "(entry modified, or an entry before it deleted, inserted or reordered)"
            )
        prev = stored if isinstance(stored, str) else prev
    return count, problems
