"""Audit log: the seed's chain hash, private files, concurrent appends, crash repair."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard.audit.chain import GENESIS, canonical, chain
from codex_guard.audit.log import append, verify
from codex_guard.audit.verify import verify_series


def _entry(i: int, worker: int = 0) -> dict[str, object]:
    return {
        "timestamp": f"2026-11-21T10:00:{i % 60:02d}.000Z",
        "event_id": f"w{worker}-e{i}",
        "effective_decision": "allow",
        "note": "é",
    }


def test_chain_formula_is_the_seeds() -> None:
    e = _entry(1)
    assert hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest() == GENESIS
    text = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(e) == text
    assert canonical({**e, "chain_hash": "x"}) == text
    inner = hashlib.sha256(text).hexdigest()
    assert chain(GENESIS, e) == hashlib.sha256((GENESIS + inner).encode()).hexdigest()


def test_written_lines_verify_with_the_documented_formula(tmp_path: Path) -> None:
    """An independent verifier written from docs/audit.md alone accepts the log."""
    log = tmp_path / "a.jsonl"
    for i in range(5):
        append(_entry(i), str(log))
    prev = hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest()
    for n, line in enumerate(log.read_text(encoding="utf-8").splitlines(), 1):
        e = json.loads(line)
        body = {k: v for k, v in e.items() if k != "chain_hash"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        inner = hashlib.sha256(text.encode()).hexdigest()
        assert e["chain_hash"] == hashlib.sha256((prev + inner).encode()).hexdigest()
        assert e["seq"] == n
        prev = e["chain_hash"]


def test_append_and_verify_private_files(tmp_path: Path) -> None:
    log = tmp_path / "d" / "a.jsonl"
    for i in range(5):
        written = append(_entry(i), str(log))
    assert written["seq"] == 5
    assert list(written)[-2:] == ["seq", "chain_hash"]
    assert verify(str(log)) == (5, [])
    assert oct((tmp_path / "d").stat().st_mode & 0o777) == "0o700"
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    head = json.loads((tmp_path / "d" / "a.jsonl.head").read_text())
    assert head == {"seq": 5, "event_id": "w0-e4", "chain_hash": written["chain_hash"]}
    assert oct((tmp_path / "d" / "a.jsonl.head").stat().st_mode & 0o777) == "0o600"


def test_caller_cannot_forge_seq_or_hash(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    append(_entry(0), str(log))
    written = append({**_entry(1), "seq": 99, "chain_hash": "f" * 64}, str(log))
    assert written["seq"] == 2 and written["chain_hash"] != "f" * 64
    assert verify(str(log)) == (2, [])


def test_interrupted_write_is_reported_then_repaired(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    append(_entry(0), str(log))
    with open(log, "ab") as fh:
        fh.write(b'{"timestamp": "half')
    _, problems = verify(str(log))
    assert len(problems) == 1 and "unterminated" in problems[0] and "line 2" in problems[0]
    append(_entry(1), str(log))
    assert verify(str(log)) == (2, [])
    assert [json.loads(x)["seq"] for x in log.read_text().splitlines()] == [1, 2]


_HALF_WRITER = r"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b'{"timestamp":"2026-11-21T10:00:00.000Z","event_id":"dying","effective_dec')
os.fsync(fd)
print("half-written", flush=True)
sys.stdin.read()  # hold the lock until killed
"""


def test_writer_killed_mid_append(tmp_path: Path) -> None:
    """A real process dies by SIGKILL in the middle of its line while holding the lock: the
    lock is released by the kernel, verify names the partial line, the next append cuts it off
    and the chain stays valid."""
    log = tmp_path / "a.jsonl"
    for i in range(3):
        append(_entry(i), str(log))
    proc = subprocess.Popen(
        [sys.executable, "-c", _HALF_WRITER, str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "half-written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    count, problems = verify(str(log))
    assert count == 3
    assert len(problems) == 1 and "line 4" in problems[0] and "unterminated" in problems[0]
    append(_entry(3), str(log))
    assert verify(str(log)) == (4, [])
    assert b"dying" not in log.read_bytes()


def _worker(args: tuple[str, int, int, int]) -> int:
    path, worker, n, rotate = args
    for i in range(n):
        append(_entry(i, worker), path, rotate_bytes=rotate)
    return n


def _run_concurrently(log: str, workers: int, n: int, rotate: int = 0) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        done = pool.map(_worker, [(log, w, n, rotate) for w in range(workers)], chunksize=1)
    assert done == [n] * workers


def test_eight_processes_times_500_appends(tmp_path: Path) -> None:
    """8 real processes append 500 entries each at once through the real append function."""
    log = tmp_path / "a.jsonl"
    _run_concurrently(str(log), 8, 500)
    raw = log.read_bytes()
    lines = raw.split(b"\n")
    assert lines.pop() == b""  # every line terminated
    assert len(lines) == 4000
    entries = [json.loads(x) for x in lines]  # nothing interleaved: every line is one object
    assert sorted(e["event_id"] for e in entries) == sorted(
        f"w{w}-e{i}" for w in range(8) for i in range(500)
    )
    assert [e["seq"] for e in entries] == list(range(1, 4001))
    for w in range(8):  # each writer's own entries in its own order
        mine = [e["event_id"] for e in entries if e["event_id"].startswith(f"w{w}-")]
        assert mine == [f"w{w}-e{i}" for i in range(500)]
    assert verify(str(log)) == (4000, [])


def test_concurrent_appends_across_rotations(tmp_path: Path) -> None:
    """Writers racing while the file rotates every ~4 KiB: nothing lost, one chain."""
    from codex_guard.audit.files import series

    log = tmp_path / "a.jsonl"
    _run_concurrently(str(log), 4, 150, rotate=4096)
    files = series(str(log))
    assert len(files) > 10
    report = verify_series(files)
    assert report.problems == []
    assert [r.seq for r in report.records] == list(range(1, 601))
    assert len({r.event_id for r in report.records}) == 600


_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_text, _json, max_size=6))
def test_canonical_is_the_documented_json(entry: dict[str, object]) -> None:
    """docs/audit.md states the hashed bytes as Python's json.dumps(sort_keys, compact,
    ensure_ascii=False): the writer's orjson bytes must be exactly those, control characters,
    non-ASCII and nesting included."""
    entry.pop("chain_hash", None)
    documented = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical({**entry, "chain_hash": "x"}) == documented.encode()


def test_the_verifier_in_the_docs_works(tmp_path: Path) -> None:
    """The stand-alone verifier printed in docs/audit.md accepts a real log and rejects an
    edited one."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "audit.md").read_text(encoding="utf-8")
    snippet = doc.split("```python\n", 1)[1].split("```", 1)[0]
    for i in range(4):
        append(_entry(i), str(tmp_path / "audit.jsonl"))
    ok = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    log = tmp_path / "audit.jsonl"
    log.write_text(log.read_text().replace('"w0-e2"', '"w0-eX"'))
    bad = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, check=False
    )
    assert bad.returncode == 1 and b"AssertionError" in bad.stderr
