"""Append-only audit log: one JSON object per line, each chained to the one before.

Appends are safe with several hook processes at once: open the live file, take an exclusive
``flock``, make sure the path still names the locked file (another writer may have rotated it),
cut off an unterminated last line (a writer that died mid-write), rotate when the file is full,
read the last entry's ``seq`` and ``chain_hash``, append one whole line, flush and ``fsync``,
update the ``.head`` checkpoint, release. The format is in ``docs/audit.md``.
"""

from __future__ import annotations

import os

from codex_guard._json import dumps
from codex_guard.audit import files
from codex_guard.audit.chain import chain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def default_path() -> str:
    """The live log file: ``$CODEX_GUARD_AUDIT_LOG``, else ``[audit] path`` of the user/system
    ``guardrails.toml``, else ``audit.jsonl`` in platformdirs' ``user_data_dir("codex-guard")``.
    A broken ``guardrails.toml`` is ignored here (``audit`` commands report it)."""
    from codex_guard.audit.config import AuditConfigError, default_log_path, load

    try:
        return load().path
    except AuditConfigError:
        return os.environ.get("CODEX_GUARD_AUDIT_LOG") or default_log_path()


def _open_locked(path: str) -> int:
    """Open ``path`` for appending (0600, folder 0700) holding an exclusive lock on the file that
    the path names right now."""
    import fcntl

    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            now = os.stat(path)
        except FileNotFoundError:
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            return fd
        os.close(fd)  # rotated away while we waited: open the new live file


def _trust_checkpoint(path: str, link: tuple[int, str]) -> tuple[int, str]:
    """The link to chain to: the ``.head`` checkpoint when it is at or past the file's last
    entry but differs from it (entries were removed or replaced since the last append), so the
    next entry keeps the damage visible to ``verify`` instead of papering over it; otherwise the
    file's last entry (a checkpoint behind it is merely stale)."""
    head = files.read_sidecar(path + ".head")
    if head is not None and head["seq"] >= link[0] and (head["seq"], head["chain_hash"]) != link:
        return head["seq"], head["chain_hash"]
    return link


def append(
    entry: dict[str, Any],
    path: str | None = None,
    *,
    rotate_bytes: int = 0,
    keep: int = 0,
) -> dict[str, Any]:
    """Append ``entry`` to the log under an exclusive lock, adding ``seq`` and ``chain_hash``.

    Args:
        entry: the fields, in the order they should appear on the line (no ``seq`` or
            ``chain_hash``: the log assigns them).
        path: the live log file (default :func:`default_path`); its folder is created 0700 and
            the file 0600.
        rotate_bytes: rotate first when the live file already has at least this many bytes
            (0 = never).
        keep: rotated files to keep when rotating (0 = all).

    Returns:
        The entry as written, ``seq`` and ``chain_hash`` included.

    Raises:
        OSError: the log cannot be opened, locked or written.
    """
    path = os.path.abspath(path or default_path())
    while True:
        fd = _open_locked(path)
        try:
            link = files.parse_link(files.last_line(fd, repair=True))
            size = os.fstat(fd).st_size
            if rotate_bytes and size >= rotate_bytes:
                from codex_guard.audit.rotate import rotate

                rotate(path, keep)
                continue  # the finally closes (and unlocks) the rotated file
            if size == 0:
                link = files.predecessor_of_live(path)
            seq, prev = _trust_checkpoint(path, link or files.series_start(path))
            written = {k: v for k, v in entry.items() if k not in ("seq", "chain_hash")}
            written["seq"] = seq + 1
            written["chain_hash"] = chain(prev, written)
            os.write(fd, dumps(written) + b"\n")
            os.fsync(fd)
            try:  # noqa: SIM105 - contextlib costs the hook start-up
                files.write_sidecar(
                    path + ".head",
                    {
                        "seq": written["seq"],
                        "event_id": written.get("event_id"),
                        "chain_hash": written["chain_hash"],
                    },
                )
            except OSError:  # a stale checkpoint only weakens tail-truncation detection
                pass
            return written
        finally:
            os.close(fd)  # closing releases the lock


def verify(path: str) -> tuple[int, list[str]]:
    """Verify one file on its own; see :func:`codex_guard.audit.verify.verify`."""
    from codex_guard.audit.verify import verify as _verify

    return _verify(path)
