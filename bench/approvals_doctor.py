"""Whole-process cost of the hook paths this slice added, and of ``doctor``.

Run: ``.venv/bin/python bench/approvals_doctor.py [N]`` (default 15 runs each). Prints the median
and max wall time in milliseconds and the peak RSS of the child for: a plain ``ls`` (baseline),
an ``apply_patch`` event (patch_guard), a ``prompt`` decision on Codex (issues an approval code:
lock + atomic write of the state file), the approved retry (consumes the grant), and a full
``codex-guard doctor`` (including its live probe). Everything runs in a throw-away HOME.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GUARD = [sys.executable, "-m", "codex_guard"]


def _event(root: Path, tool: str, command: str) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "turn_id": "t",
            "cwd": str(root / "work"),
            "hook_event_name": "PreToolUse",
            "model": "m",
            "permission_mode": "bypassPermissions",
            "tool_name": tool,
            "tool_input": {"command": command},
            "tool_use_id": "c",
        }
    ).encode()


def _run(argv: list[str], stdin: bytes, env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    return (time.perf_counter() - t) * 1000, done.stdout.decode()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "work").mkdir()
        rules = root / "home" / ".codex" / "rules"
        rules.mkdir(parents=True)
        (rules / "u.rules").write_text('prefix_rule(pattern=["touch"], decision="prompt")\n')
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CODEX")},
            "HOME": str(root / "home"),
            "CODEX_HOME": str(root / "home" / ".codex"),
            "CODEX_GUARD_STATE_DIR": str(root / "state"),
            "CODEX_GUARD_AUDIT_LOG": str(root / "audit.jsonl"),
        }
        subprocess.run([*GUARD, "install"], env=env, capture_output=True, check=True)
        hook = [*GUARD, "hook", "--client", "codex"]
        patch = "*** Begin Patch\n*** Add File: notes.txt\n+x\n*** End Patch\n"
        cases: dict[str, list[float]] = {k: [] for k in ("ls", "apply_patch", "prompt", "retry")}
        for i in range(n):
            cases["ls"].append(_run(hook, _event(root, "Bash", "ls"), env)[0])
            cases["apply_patch"].append(_run(hook, _event(root, "apply_patch", patch), env)[0])
            ms, out = _run(hook, _event(root, "Bash", f"touch f{i}"), env)
            cases["prompt"].append(ms)
            code = out.split("codex-guard approve ")[1][:6]
            subprocess.run([*GUARD, "approve", code], env=env, capture_output=True, check=True)
            ms, out = _run(hook, _event(root, "Bash", f"touch f{i}"), env)
            assert out == "", out
            cases["retry"].append(ms)
        doctor = [_run([*GUARD, "doctor"], b"", env)[0] for _ in range(max(3, n // 5))]
        cases["doctor"] = doctor
        for name, xs in cases.items():
            print(f"{name:12s} median {statistics.median(xs):7.1f} ms   max {max(xs):7.1f} ms")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak child RSS {rss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
