"""Scanner throughput and whole-process hook time, with the doubling check.

Usage::

    .venv/bin/python bench/scan_throughput.py [--mb 10] [--runs 5]

1. In-process: ``codex_guard.scan.scan`` (best of 3 runs) on N MB of mixed text (prose, code,
   config lines with placeholder and real-looking secrets, digits, base64 and hex blobs;
   deterministic, seed 5) and on 2N MB of the same mix; MB/s and the time ratio (linear cost
   means a ratio near 2).
2. Whole process: ``python -m codex_guard hook --client codex`` on a UserPromptSubmit event with
   a 100 KB prompt of the same mix, and with a 200 KB one; median wall time of ``--runs`` runs
   (the hook is a fresh process per event, so start-up counts), and the ratio.

Both CPU time and wall time are reported: the machine is shared, and CPU time is the one
that other load disturbs least. Compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

_WORDS = [
    "the",
    "deploy",
    "failed",
    "because",
    "the",
    "config",
    "value",
    "was",
    "wrong",
    "and",
    "the",
    "server",
    "returned",
    "an",
    "error",
    "at",
    "line",
    "42",
    "please",
    "check",
    "the",
    "function",
    "return",
    "type",
    "token",
    "password",
    "key",
    "api",
    "secret",
    "auth",
    "user",
    "build",
    "test",
    "release",
    "version",
    "1.2.3",
    "on",
    "2024-05-01",
]


def mixed_text(n_chars: int, seed: int = 5) -> str:
    """Deterministic mixed prompt-like text of about ``n_chars`` characters."""
    r = random.Random(seed)
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    out: list[str] = []
    size = 0
    while size < n_chars:
        k = r.random()
        if k < 0.55:
            line = " ".join(r.choice(_WORDS) for _ in range(r.randint(6, 18)))
        elif k < 0.70:
            line = f"    return self.{r.choice(_WORDS)}({r.randint(0, 999)}, key=value)  # todo"
        elif k < 0.78:
            line = f"API_KEY=${{API_KEY}}  password: changeme  token=<your-token> id={r.random()}"
        elif k < 0.84:
            line = "".join(r.choice(alnum + "+/") for _ in range(76))  # base64 blob line
        elif k < 0.88:
            line = f"sha256:{r.getrandbits(256):064x}  order {r.randint(10**15, 10**16)}"
        elif k < 0.91:
            line = "aws_access_key_id = AKIA" + "".join(
                r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)
            )
        elif k < 0.94:
            line = "call me at (917) 866-9647 or mail a.b@example.org, SSN 078-05-1120"
        else:
            line = f"2024-05-01T12:{r.randint(10, 59)}:00Z INFO request {r.getrandbits(64):x} ok"
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)[:n_chars]


def _scan_time(text: str, repeat: int = 3) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of an in-process scan, each the best of ``repeat`` runs. CPU
    time (``time.process_time``) is what the scan itself costs; wall time also counts waiting
    for the CPU on a shared machine."""
    from codex_guard.scan import scan

    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        scan(text)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def _hook_time(prompt: str, runs: int, env: dict[str, str]) -> tuple[float, float]:
    """``(wall, cpu)`` medians over ``runs`` hook processes (CPU = user + system time of the
    child, from ``resource.getrusage(RUSAGE_CHILDREN)``)."""
    import resource

    event = json.dumps(
        {
            "session_id": "bench",
            "turn_id": "t",
            "transcript_path": None,
            "cwd": tempfile.gettempdir(),
            "hook_event_name": "UserPromptSubmit",
            "model": "m",
            "permission_mode": "default",
            "prompt": prompt,
        }
    ).encode()
    walls, cpus = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "codex_guard", "hook", "--client", "codex"],
            input=event,
            capture_output=True,
            env=env,
            check=True,
        )
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from codex_guard.scan import scan

    scan(mixed_text(20_000))  # warm: catalogue load, regex compilation
    n = int(args.mb * 1_000_000)
    small, big = mixed_text(n), mixed_text(2 * n)
    (w1, c1), (w2, c2) = _scan_time(small), _scan_time(big)
    print("| input | chars | CPU time | CPU throughput | wall time |")
    print("|---|---:|---:|---:|---:|")
    for name, text, w, c in (("mixed text", small, w1, c1), ("mixed text x2", big, w2, c2)):
        mbs = len(text) / c / 1e6
        print(f"| {name} | {len(text):,} | {c:.2f} s | {mbs:.2f} MB/s | {w:.2f} s |")
    print(f"\ndoubling ratio (in-process scan): CPU {c2 / c1:.2f}, wall {w2 / w1:.2f}\n")

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX")}
        env.update(
            HOME=tmp,
            CODEX_HOME=os.path.join(tmp, ".codex"),
            CODEX_GUARD_SYSTEM_DIR=os.path.join(tmp, "etc"),
            CODEX_GUARD_AUDIT_LOG=os.path.join(tmp, "audit.jsonl"),
        )
        rows = [
            ("5-character prompt", _hook_time("hello", args.runs, env)),
            ("100 KB prompt", _hook_time(mixed_text(100_000), args.runs, env)),
            ("200 KB prompt", _hook_time(mixed_text(200_000), args.runs, env)),
        ]
    print("| hook process (UserPromptSubmit) | median CPU time | median wall time |")
    print("|---|---:|---:|")
    for name, (w, c) in rows:
        print(f"| {name} | {c * 1000:.0f} ms | {w * 1000:.0f} ms |")
    (_, e), (_, h1), (_, h2) = (r[1] for r in rows)
    print(
        f"\ndoubling ratio (whole process, CPU): {h2 / h1:.2f}; "
        f"scan part (minus the empty-prompt process): {(h2 - e) / max(h1 - e, 1e-9):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
