"""Verify an audit log series and name every tampered entry.

Each line's stored ``chain_hash`` is recomputed from the entry and the stored hash of the line
before it (the series start for the first line: ``SHA-256("CODEX_AUDIT_GENESIS")`` or the anchor
left by pruning). Checking always continues from the *stored* hash, so one break does not hide the
next. A line whose hash does not follow is classified by looking for the stored hash it does follow
(within :data:`WINDOW` lines either side) and by its ``seq``:

* **modified**: it follows no other line and its ``seq`` is the next one: its content changed;
* **deleted**: it follows no line present and ``seq`` jumps: the entries in between are gone;
* **inserted**: a later line follows a line *before* it, so the lines in between are not part of
  the chain (a forged line with a correctly recomputed hash of its own is caught this way);
* **reordered**: it follows a line that comes *after* it (two swapped lines are both named);
* **truncated**: the ``.head`` checkpoint names a later entry than the last one present, or the
  checkpointed entry does not carry the checkpointed hash;
* **unterminated**: the last line has no newline (a writer died mid-write; the next append cuts
  it off) and **invalid**: a line that is not a JSON object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from codex_guard.audit import files
from codex_guard.audit.chain import GENESIS, entry_hash, link

WINDOW = 256
_BASE = -1


@dataclass
class Record:
    """One line of the series: where it is, what it claims, and the entry itself (``{}`` when
    the report was made without entries)."""

    file: str
    line: int
    entry: dict[str, Any]
    seq: int | None
    event_id: str
    stored: str
    ehash: str


@dataclass
class Problem:
    """One finding of :func:`verify_series`: ``kind`` is one of modified, deleted, inserted,
    reordered, truncated, unterminated, invalid; ``line`` is 1-based in ``file`` (0 = after the
    last line)."""

    file: str
    line: int
    event_id: str
    kind: str
    detail: str

    def __str__(self) -> str:
        base = os.path.basename(self.file)
        where = f"{base} line {self.line}" if self.line else f"{base} end"
        eid = f" (event_id {self.event_id})" if self.event_id else ""
        return f"{where}{eid}: {self.kind}: {self.detail}"


@dataclass
class Report:
    """The outcome: every readable entry in order, the problems, and which entries are valid
    (authentic and in their place)."""

    files: list[str]
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def valid(self, index: int) -> bool:
        """Whether record ``index`` is authentic and in its place in the chain."""
        return index not in self.invalid


def _read(path: str, report: Report, keep_entries: bool) -> None:
    import orjson

    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    tail = lines.pop()
    for n, raw in enumerate(lines, 1):
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict) or not isinstance(obj.get("chain_hash"), str):
            report.problems.append(Problem(path, n, "", "invalid", "not an audit entry (JSON)"))
            continue
        seq = obj.get("seq")
        eid = obj.get("event_id")
        report.records.append(
            Record(
                path,
                n,
                obj if keep_entries else {},
                seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
                eid if isinstance(eid, str) else "?",
                obj["chain_hash"],
                entry_hash(obj),
            )
        )
    if tail:
        report.problems.append(
            Problem(
                path,
                len(lines) + 1,
                "",
                "unterminated",
                f"last line has no newline ({len(tail)} bytes; an interrupted write, "
                "cut off by the next append)",
            )
        )


def _find_predecessor(recs: list[Record], i: int, start: str, window: int) -> int | None:
    """The index whose stored hash record ``i`` follows (``_BASE`` for the series start),
    searching the nearest lines first, at most ``window`` either side."""
    r = recs[i]
    if i > 0 and link(start, r.ehash) == r.stored:
        return _BASE
    for d in range(1, window + 1):
        for j in (i - d, i + d):
            if j != i - 1 and 0 <= j < len(recs) and link(recs[j].stored, r.ehash) == r.stored:
                return j
    return None


def _links(recs: list[Record], start: tuple[int, str]) -> list[int | None]:
    """For each record, the index whose stored hash it follows: the line before when the chain
    holds there (``_BASE`` = -1 for the first), else the line found by
    :func:`_find_predecessor`, else None. A log broken almost everywhere is searched with a
    narrower window, so verification stays linear."""
    pred: list[int | None] = []
    prev_h = start[1]
    for i, r in enumerate(recs):
        pred.append(i - 1 if link(prev_h, r.ehash) == r.stored else None)
        prev_h = r.stored
    broken = [i for i, p in enumerate(pred) if p is None]
    window = WINDOW if len(broken) <= 1000 else 8
    for i in broken:
        pred[i] = _find_predecessor(recs, i, start[1], window)
    return pred


def _original_order(pred: list[int | None]) -> list[int]:
    """The authentic records in the order they were written: walk the links back from the last
    record; at a break that no line explains (an edit or a deletion) carry on with the nearest
    earlier record not yet seen. Records never reached are not part of the chain."""
    order: list[int] = []
    seen: set[int] = set()
    cur: int | None = len(pred) - 1
    while cur is not None and cur >= 0:
        seen.add(cur)
        order.append(cur)
        nxt = pred[cur]
        if nxt == _BASE:
            break
        if nxt is None or nxt in seen:
            nxt = next((k for k in range(cur - 1, -1, -1) if k not in seen), None)
        cur = nxt
    order.reverse()
    return order


def _in_place(order: list[int]) -> set[int]:
    """The longest run of records whose physical order matches the written order (a longest
    increasing subsequence): the fewest records that must have moved are the others."""
    import bisect

    tails: list[int] = []
    tail_at: list[int] = []
    back: dict[int, int | None] = {}
    for idx in order:
        k = bisect.bisect_left(tails, idx)
        back[idx] = tail_at[k - 1] if k else None
        if k == len(tails):
            tails.append(idx)
            tail_at.append(idx)
        else:
            tails[k] = idx
            tail_at[k] = idx
    keep: set[int] = set()
    cur = tail_at[-1] if tail_at else None
    while cur is not None:
        keep.add(cur)
        cur = back[cur]
    return keep


def _classify(report: Report, start: tuple[int, str]) -> None:
    recs = report.records
    if not recs:
        return
    pred = _links(recs, start)
    order = _original_order(pred)
    labels: dict[int, tuple[str, str]] = {}
    for i in set(range(len(recs))) - set(order):
        detail = "not part of the chain"
        for k in range(i + 1, len(recs)):
            p = pred[k]
            if p is not None and p < i:
                target = "the start of the log" if p == _BASE else f"line {recs[p].line}"
                detail += f": line {recs[k].line} follows {target} directly"
                break
        labels[i] = ("inserted", detail)
    in_place = _in_place(order)
    for pos, i in enumerate(order):
        r = recs[i]
        if i not in in_place:
            before = recs[order[pos - 1]] if pos else None
            after = recs[order[pos + 1]] if pos + 1 < len(order) else None
            where = [f"after line {before.line} (event_id {before.event_id})"] if before else []
            where += [f"before line {after.line} (event_id {after.event_id})"] if after else []
            labels[i] = ("reordered", "it was written " + " and ".join(where or ["elsewhere"]))
            jumped: range = range(0)
            if before is not None and i < order[pos - 1]:
                jumped = range(i + 1, order[pos - 1] + 1)
            elif after is not None and i > order[pos + 1]:
                jumped = range(order[pos + 1], i)
            if len(jumped) == 1 and jumped[0] in in_place:  # two neighbours swapped: name both
                other = jumped[0]
                labels[other] = ("reordered", f"swapped with line {r.line} (event_id {r.event_id})")
        elif pred[i] is None:
            prev = recs[order[pos - 1]] if pos else None
            prev_seq = prev.seq if prev else start[0]
            if r.seq is not None and prev_seq is not None and r.seq > prev_seq + 1:
                gap = r.seq - prev_seq - 1
                span = f"seq {prev_seq + 1}" + (f"..{r.seq - 1}" if gap > 1 else "")
                labels[i] = ("deleted", f"{_entries(gap)} ({span}) missing before this line")
            elif i > 0 and pred[i - 1] is None:
                labels[i] = (
                    "modified",
                    f"its chain hash does not follow from line {recs[i - 1].line}, whose own "
                    "chain hash is wrong (it or this entry was changed)",
                )
            else:
                labels[i] = ("modified", "its content does not match its chain hash")
    for i in sorted(labels):
        kind, detail = labels[i]
        r = recs[i]
        report.problems.append(Problem(r.file, r.line, r.event_id, kind, detail))
        report.invalid.add(i)


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def _check_head(report: Report, live: str) -> None:
    head = files.read_sidecar(live + ".head")
    if head is None:
        if report.records and os.path.exists(live):
            report.notes.append(
                f"no checkpoint {os.path.basename(live)}.head: a truncated tail cannot be detected"
            )
        return
    recs = report.records
    last_seq = max((r.seq for r in recs if r.seq is not None), default=0)
    eid = str(head.get("event_id") or "")
    if head["seq"] > last_seq:
        missing = head["seq"] - last_seq
        where = f"after line {recs[-1].line}" if recs else "(no entries left)"
        report.problems.append(
            Problem(
                recs[-1].file if recs else live,
                0,
                eid,
                "truncated",
                f"{_entries(missing)} (seq {last_seq + 1}..{head['seq']}) missing at the end, "
                f"{where}; the checkpoint names the last one",
            )
        )
        return
    for r in recs:
        if r.seq == head["seq"] and r.stored != head["chain_hash"]:
            report.problems.append(
                Problem(
                    r.file,
                    r.line,
                    r.event_id,
                    "truncated",
                    "the checkpointed last entry was replaced (tail rewritten)",
                )
            )


def verify_series(
    paths: list[str], *, live: str | None = None, keep_entries: bool = True
) -> Report:
    """Verify files that form one chain, oldest first.

    Args:
        paths: the files, oldest first (see :func:`files.series`).
        live: the live file of the series: its ``.anchor`` gives the start, and its ``.head``
            checkpoint is checked when ``live`` is among ``paths`` (default: the last path when
            it has no rotation number).
        keep_entries: keep each parsed entry in ``Record.entry`` (export, stats); without it a
            large log verifies in far less memory.

    Returns:
        The :class:`Report`.

    Raises:
        OSError: a file cannot be read.
    """
    import fcntl

    report = Report(list(paths))
    if live is None and paths and files.rotation_number(paths[-1]) is None:
        live = paths[-1]
    start = files.series_start(live) if live else (0, GENESIS)
    if start[0]:
        report.notes.append(f"series starts after pruned entry seq {start[0]} (anchor)")
    for p in paths:
        if p == live:
            try:
                fd = os.open(p, os.O_RDONLY)
            except FileNotFoundError:  # deleted, or nothing logged yet: the .head tells which
                _classify(report, start)
                _check_head(report, p)
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)  # a consistent view of the file and its .head
                _read(p, report, keep_entries)
                _classify(report, start)
                _check_head(report, p)
            finally:
                os.close(fd)
            break
        _read(p, report, keep_entries)
    else:
        _classify(report, start)
    report.problems.sort(
        key=lambda pr: (paths.index(pr.file) if pr.file in paths else 0, pr.line or 1 << 62)
    )
    return report


def verify(path: str) -> tuple[int, list[str]]:
    """Verify one file on its own (no rotated predecessors, sidecars of ``path`` if present).

    Returns:
        ``(entries_checked, problems as text)``.
    """
    report = verify_series([path])
    return len(report.records), [str(p) for p in report.problems]
