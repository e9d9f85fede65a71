"""Rotation: the chain continues across files, verify follows the series, pruning keeps an anchor."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from codex_guard.audit.chain import chain
from codex_guard.audit.files import live_of, rotated, series
from codex_guard.audit.log import append
from codex_guard.audit.verify import verify_series


def _fill(log: Path, n: int, rotate: int = 600, keep: int = 0) -> None:
    for i in range(n):
        append(
            {"timestamp": "2026-11-21T10:00:00.000Z", "event_id": f"e{i}", "pad": "x" * 100},
            str(log),
            rotate_bytes=rotate,
            keep=keep,
        )


def _read(path: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in Path(path).read_text().splitlines()]


def test_first_entry_of_a_new_file_chains_to_the_last_of_the_old(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 20)
    files = series(str(log))
    assert files[-1] == str(log) and len(files) >= 4
    assert files[:-1] == [f"{log}.{n}" for n in range(1, len(files))]
    for older, newer in itertools.pairwise(files):
        last = _read(older)[-1]
        first = _read(newer)[0]
        assert first["seq"] == last["seq"] + 1  # type: ignore[operator]
        assert first["chain_hash"] == chain(str(last["chain_hash"]), first)
    for p in files[:-1]:  # a file rotates once it reached the limit, never before
        assert os.path.getsize(p) >= 600
        assert oct(os.stat(p).st_mode & 0o777) == "0o600"
    report = verify_series(files)
    assert report.ok and [r.seq for r in report.records] == list(range(1, 21))


def test_verify_cli_follows_the_series(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 20)
    n = len(series(str(log)))
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "audit", "verify", str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "CODEX_HOME": str(tmp_path / "h")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == f"{log}: chain intact, 20 entries in {n} files\n"


def test_a_deleted_rotated_file_is_named(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 20)
    files = series(str(log))
    gone = _read(files[1])
    os.unlink(files[1])
    report = verify_series(series(str(log)))
    assert [(p.kind, p.file, p.line) for p in report.problems] == [("deleted", files[2], 1)]
    assert f"{len(gone)} entr" in str(report.problems[0])


def test_an_edit_in_a_rotated_file_is_named(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 20)
    first = rotated(str(log))[0]
    lines = Path(first).read_text().splitlines()
    e = json.loads(lines[1])
    e["event_id"] = "other"
    lines[1] = json.dumps(e)
    Path(first).write_text("\n".join(lines) + "\n")
    report = verify_series(series(str(log)))
    assert [(p.kind, p.file, p.line, p.event_id) for p in report.problems] == [
        ("modified", first, 2, "other")
    ]


def test_verifying_a_rotated_file_checks_it_and_its_elders(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 20)
    second = rotated(str(log))[1]
    assert series(second) == rotated(str(log))[:2]
    assert live_of(second) == str(log)
    assert verify_series(series(second), live=None).ok


def test_pruning_keeps_an_anchor(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 30, keep=2)
    assert len(rotated(str(log))) == 2
    anchor = json.loads((tmp_path / "audit.jsonl.anchor").read_text())
    files = series(str(log))
    assert _read(files[0])[0]["seq"] == anchor["seq"] + 1
    report = verify_series(files)
    assert report.ok and report.notes == [
        f"series starts after pruned entry seq {anchor['seq']} (anchor)"
    ]
    # the first remaining entry is still checked against the anchor
    lines = Path(files[0]).read_text().splitlines()
    e = json.loads(lines[0])
    e["effective_decision"] = "forbidden"
    lines[0] = json.dumps(e)
    Path(files[0]).write_text("\n".join(lines) + "\n")
    assert [p.kind for p in verify_series(files).problems] == ["modified"]


def test_empty_live_file_after_crash_still_chains(tmp_path: Path) -> None:
    """The writer died right after a rotation, leaving only a partial line in the new live file:
    the repair empties it and the next entry still chains to the rotated file."""
    from codex_guard.audit.rotate import rotate

    log = tmp_path / "audit.jsonl"
    _fill(log, 5, rotate=0)
    rotate(str(log))
    log.write_bytes(b'{"half')
    assert [p.kind for p in verify_series(series(str(log))).problems] == ["unterminated"]
    _fill(log, 1, rotate=0)
    report = verify_series(series(str(log)))
    assert report.ok and [r.seq for r in report.records] == [1, 2, 3, 4, 5, 6]


def test_truncation_stays_visible_after_later_appends(tmp_path: Path) -> None:
    """Cutting the tail and letting the hook carry on does not hide the cut: the next entry
    chains to the checkpoint, so verify names the gap."""
    log = tmp_path / "audit.jsonl"
    _fill(log, 8, rotate=0)
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:5]) + "\n")
    _fill(log, 2, rotate=0)
    report = verify_series([str(log)])
    assert [(p.kind, p.line, p.event_id) for p in report.problems] == [("deleted", 6, "e0")]
    assert "3 entries (seq 6..8) missing" in str(report.problems[0])


def test_verifying_a_rotated_file_after_pruning_starts_at_the_anchor(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    _fill(log, 30, keep=2)
    oldest = rotated(str(log))[0]
    done = subprocess.run(
        [sys.executable, "-m", "codex_guard", "audit", "verify", oldest],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert "chain intact" in done.stdout and "anchor" in done.stdout
