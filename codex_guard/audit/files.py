"""The files of one audit log: the live file, its rotated predecessors and two small sidecars.

For a live file ``audit.jsonl``:

* ``audit.jsonl.1``, ``audit.jsonl.2`` … are rotated files, **oldest first** (the number only
  grows, so rotation never renames more than the live file);
* ``audit.jsonl.head`` is the checkpoint: the ``seq``, ``event_id`` and ``chain_hash`` of the last
  entry appended (it is how ``verify`` notices a truncated tail);
* ``audit.jsonl.anchor`` exists once old rotated files were pruned (``keep``): the ``seq`` and
  ``chain_hash`` of the last pruned entry, where the remaining chain starts.
"""

from __future__ import annotations

import os

from codex_guard._json import JSONDecodeError, dumps, loads
from codex_guard.audit.chain import GENESIS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CHUNK = 65536


def rotated(path: str) -> list[str]:
    """The rotated files of the live file ``path``, oldest first."""
    folder, base = os.path.split(os.path.abspath(path))
    found: list[tuple[int, str]] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    prefix = base + "."
    for name in names:
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            found.append((int(name[len(prefix) :]), os.path.join(folder, name)))
    return [p for _, p in sorted(found)]


def rotation_number(path: str) -> tuple[str, int] | None:
    """``("…/audit.jsonl", 3)`` for ``…/audit.jsonl.3``; None for a name without a number."""
    base, dot, num = path.rpartition(".")
    return (base, int(num)) if dot and num.isdigit() and base else None


def series(path: str) -> list[str]:
    """Every file of the log whose live file is ``path``, oldest first (the live file last).

    Given a rotated file (``audit.jsonl.3``), the series ends with it.
    """
    rn = _member(path)
    if rn is not None:
        live, n = rn
        return [p for p in rotated(live) if (rotation_number(p) or ("", 0))[1] <= n]
    return [*rotated(path), path]


def live_of(path: str) -> str:
    """The live file of the series ``path`` belongs to."""
    rn = _member(path)
    return rn[0] if rn is not None else path


def _member(path: str) -> tuple[str, int] | None:
    """``(live, n)`` when ``path`` is a rotated file of a log (its live file or a sidecar of it
    exists), else None."""
    rn = rotation_number(path)
    if rn is None:
        return None
    live = rn[0]
    if any(os.path.exists(live + s) for s in ("", ".head", ".anchor", ".1")):
        return rn
    return None


def last_line(fd: int, *, repair: bool = False) -> bytes | None:
    """The last newline-terminated line of the open file ``fd`` (without the newline).

    Args:
        fd: a file descriptor open for reading (and writing when ``repair``).
        repair: cut off an unterminated last line (left by a writer that died mid-write).

    Returns:
        The line, or None when the file holds no complete line.
    """
    size = os.fstat(fd).st_size
    pos = size
    buf = b""
    while True:
        step = min(_CHUNK, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
        end = buf.rfind(b"\n")
        if end < 0 and pos > 0:
            continue
        if end < 0:
            if repair and size:
                os.ftruncate(fd, 0)
            return None
        start = buf.rfind(b"\n", 0, end)
        if start < 0 and pos > 0:
            continue
        if repair and pos + end + 1 != size:
            os.ftruncate(fd, pos + end + 1)
        return buf[start + 1 : end]


def parse_link(line: bytes | None) -> tuple[int, str] | None:
    """``(seq, chain_hash)`` of a log line (``seq`` 0 when absent), or None when the line is not
    an entry."""
    if line is None:
        return None
    try:
        obj = loads(line)
    except JSONDecodeError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("chain_hash"), str):
        return None
    seq = obj.get("seq")
    return (seq if isinstance(seq, int) and not isinstance(seq, bool) else 0), obj["chain_hash"]


def file_tail_link(path: str) -> tuple[int, str] | None:
    """``(seq, chain_hash)`` of the last complete entry of ``path``; None if there is none."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return parse_link(last_line(fd))
    finally:
        os.close(fd)


def read_sidecar(path: str) -> dict[str, Any] | None:
    """A ``.head`` / ``.anchor`` sidecar as a dict, or None when absent or unreadable."""
    try:
        with open(path, "rb") as fh:
            obj = loads(fh.read())
    except (OSError, JSONDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    if not isinstance(obj.get("seq"), int) or not isinstance(obj.get("chain_hash"), str):
        return None
    return obj


def write_sidecar(path: str, data: dict[str, Any], *, durable: bool = False) -> None:
    """Replace a sidecar atomically (write a temporary file, rename it over); 0600."""
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, dumps(data) + b"\n")
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def series_start(live: str) -> tuple[int, str]:
    """Where the chain of the series starts: the anchor (after pruning) or ``(0, GENESIS)``."""
    anchor = read_sidecar(live + ".anchor")
    if anchor is not None:
        return anchor["seq"], anchor["chain_hash"]
    return 0, GENESIS


def predecessor_of_live(live: str) -> tuple[int, str]:
    """The link an entry appended to an empty live file follows: the last entry of the newest
    rotated file, else the series start."""
    for p in reversed(rotated(live)):
        link = file_tail_link(p)
        if link is not None:
            return link
    return series_start(live)
