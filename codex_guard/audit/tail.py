"""``audit tail``: the last decisions in words, and following the log as it grows."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from codex_guard.audit import files
from codex_guard.audit.query import command_text, why


def describe(entry: dict[str, Any]) -> str:
    """One line: time, decision, event, what was judged and why.

    ``2026-11-21 19:20:01Z  forbidden  PreToolUse         rm -rf ~  <- baseline.rules:12: …``
    """
    ts = str(entry.get("timestamp", "?")).replace("T", " ")
    if len(ts) > 20 and ts.endswith("Z"):
        ts = ts[:19] + "Z"  # drop the milliseconds
    decision = str(entry.get("effective_decision", "?"))
    event = str(entry.get("event", "?"))
    what = command_text(entry)
    if not what:
        kinds = [
            str((r.get("pattern") or ["?"])[0])
            for r in entry.get("matched_rules") or []
            if isinstance(r, dict) and r.get("file") == "codex-guard:scan"
        ]
        what = "prompt" + (f" with {', '.join(kinds)}" if kinds else "")
    reason = why(entry)
    return f"{ts}  {decision:<9}  {event:<17}  {what}" + (f"  <- {reason}" if reason else "")


def _entries(data: bytes) -> Iterator[dict[str, Any]]:
    import orjson

    for raw in data.split(b"\n"):
        if not raw:
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            yield obj


def last(live: str, n: int) -> list[dict[str, Any]]:
    """The last ``n`` complete entries of the series, reading older files only as needed."""
    out: deque[dict[str, Any]] = deque(maxlen=n)
    chunks: list[list[dict[str, Any]]] = []
    have = 0
    for p in reversed(files.series(live)):
        try:
            with open(p, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            continue
        data = data[: data.rfind(b"\n") + 1]
        got = list(_entries(data))
        chunks.append(got)
        have += len(got)
        if have >= n:
            break
    for got in reversed(chunks):
        out.extend(got)
    return list(out) if n else []


def follow(
    live: str,
    emit: Callable[[dict[str, Any]], None],
    *,
    interval: float = 0.25,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Call ``emit`` for each entry appended to the live file from now on, across rotations,
    until ``stop()`` is true (checked every ``interval`` seconds)."""
    fd: int | None = None
    pending = b""
    first = True

    def drain() -> None:
        nonlocal pending
        assert fd is not None
        while chunk := os.read(fd, 65536):
            pending += chunk
        cut = pending.rfind(b"\n") + 1
        for entry in _entries(pending[:cut]):
            emit(entry)
        pending = pending[cut:]

    try:
        while not stop():
            if fd is None:
                try:
                    fd = os.open(live, os.O_RDONLY)
                except FileNotFoundError:
                    time.sleep(interval)
                    continue
                if first:  # start at the end; a file opened after a rotation from its start
                    os.lseek(fd, 0, os.SEEK_END)
                    first = False
                pending = b""
            drain()
            try:
                now = os.stat(live)
                held = os.fstat(fd)
                rotated = (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino)
            except FileNotFoundError:
                rotated = True
            if rotated:
                drain()  # whatever was appended before the rename
                os.close(fd)
                fd = None
                continue
            time.sleep(interval)
    finally:
        if fd is not None:
            os.close(fd)
