"""Size-based rotation of the audit log, with the chain continuing across files.

The writer that finds the live file at or above ``rotate_bytes`` (while holding its lock) renames it
to the next number (``audit.jsonl.N``, oldest = 1) and lets the append start a new live file, whose
first entry chains to the last entry of the renamed one (:func:`files.predecessor_of_live`).
Writers that were waiting on the old file's lock see that the path now names another file and
reopen it, so nothing is ever appended to a rotated file. With ``keep`` set, the oldest files past
``keep`` are deleted and ``audit.jsonl.anchor`` records the last deleted entry's ``seq`` and
``chain_hash``, so ``verify`` still checks the first remaining entry.
"""

from __future__ import annotations

import os

from codex_guard.audit import files


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rotate(live: str, keep: int = 0) -> str:
    """Rename the live file to the next rotated name and prune past ``keep``.

    Must be called while holding the exclusive lock on the live file.

    Args:
        live: the live log file.
        keep: how many rotated files to keep (0 = all).

    Returns:
        The rotated file's new path.

    Raises:
        OSError: the rename fails.
    """
    existing = files.rotated(live)
    last = files.rotation_number(existing[-1]) if existing else None
    target = f"{live}.{(last[1] if last else 0) + 1}"
    os.rename(live, target)
    if keep > 0:
        prune(live, keep)
    _fsync_dir(os.path.dirname(os.path.abspath(live)))
    return target


def prune(live: str, keep: int) -> list[str]:
    """Delete the oldest rotated files beyond ``keep``, recording the anchor first.

    Returns:
        The deleted paths.
    """
    old = files.rotated(live)
    doomed = old[: max(0, len(old) - keep)]
    if not doomed:
        return []
    for p in reversed(doomed):
        link = files.file_tail_link(p)
        if link is not None:
            files.write_sidecar(
                live + ".anchor",
                {"seq": link[0], "chain_hash": link[1], "pruned_through": os.path.basename(p)},
                durable=True,
            )
            break
    for p in doomed:
        os.unlink(p)
    return doomed
