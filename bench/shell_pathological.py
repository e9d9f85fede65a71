"""Time the shell analysis and the whole judge on hostile inputs (issue 4 item 6).

Usage: ``python bench/shell_pathological.py [--repeat N]``

Each case is judged through :func:`codex_guard.hook.judge_command` with the built-in packs in an
empty HOME; the table shows the wall time (best of N, seconds), the decision and the first
reason. The contract: every case ends well under one second with ``prompt`` or stricter and a
reason. The times are measured here, never asserted in tests (tests/test_shell_see_through.py
and tests/test_shell_properties.py assert the verdicts).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def cases() -> dict[str, str]:
    """Name -> script: big, deep, and parser-hostile inputs."""
    return {
        "1 MB script (60k lines)": "echo hello world\n" * (1_000_000 // 17),
        "1 MB single word": "echo " + "a" * 1_000_000,
        "10,000 nested $( (unclosed)": "echo " + "$(" * 10_000,
        "10,000 nested $( … ) (closed)": "echo " + "$(" * 10_000 + "x" + ")" * 10_000,
        "line 1 then $( flood": "rm -rf ~\n" + "$(" * 10_000,
        "100k alternating quotes": "echo " + "'\"" * 50_000,
        "escaped quote soup": '"' + "\\\"'" * 50_000,
        "20k backticks": "`" * 20_000,
        "20k closing parens": ")" * 20_000,
        "20k ${": "${" * 20_000,
        "5,000-stage pipeline into sh": "echo x | " * 5_000 + "sh",
        "3,000 chained assignments": "".join(f"a{i}=$a{i - 1}; " for i in range(1, 3000))
        + "$a2999 -rf ~",
        "200 branches x 8 expansions, then rm": "if x; then a=1; else a=2; fi; " * 200
        + "echo $a$a$a$a$a$a$a$a; rm -rf ~",
        "12 nested bash -c": _nested_bash(12),
        "NUL bytes": "rm -rf ~\x00" * 10_000,
    }


def _nested_bash(depth: int) -> str:
    script = "rm -rf ~"
    for _ in range(depth):
        script = "bash -c '" + script.replace("'", "'\\''") + "'"
    return script


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a case took a second or more or was not prompt/forbidden."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (best is shown)")
    args = ap.parse_args(argv)
    os.environ["HOME"] = tempfile.mkdtemp(prefix="cg-bench-home-")
    os.environ["CODEX_HOME"] = os.path.join(os.environ["HOME"], ".codex")
    cwd = tempfile.mkdtemp(prefix="cg-bench-cwd-")
    from codex_guard.hook import judge_command

    judge_command("ls", cwd)  # warm up: imports, tree-sitter, policy
    bad = 0
    print(f"| case | bytes | seconds (best of {args.repeat}) | decision | first reason |")
    print("|---|---:|---:|---|---|")
    for name, script in cases().items():
        best = float("inf")
        v = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            v = judge_command(script, cwd)
            best = min(best, time.perf_counter() - t0)
        assert v is not None
        reason = (v.reasons or [m.justification or "" for m in v.matches] or [""])[0]
        ok = best < 1.0 and v.decision in ("prompt", "forbidden")
        bad += not ok
        size = len(script.encode("utf-8", "surrogatepass"))
        print(f"| {name} | {size} | {best:.3f} | {v.decision} | {reason[:70]} |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
