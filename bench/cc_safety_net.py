"""The evasions corpus through cc-safety-net (npm) as a Claude Code PreToolUse hook.

Usage: ``python bench/cc_safety_net.py [--version X] [--corpus PATH] [--misses]``

Installs ``cc-safety-net`` with ``npm install --prefix bench/.cache`` (gitignored) unless it is
already there, then feeds every line of ``../shared/corpus/evasions.jsonl`` to
``cc-safety-net hook --claude-code`` as a Claude Code ``PreToolUse`` Bash event on stdin (HOME and
its config home pointed at an empty temp dir, default safety level), and classifies its answer:
``permissionDecision`` deny → forbidden, ask → prompt, allow → allow, no output → null (exit code
2 counts as deny, the legacy protocol). Prints the same per-category table as
``bench/evasions.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VERSION = "2.4.5"


def _evasions() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_evasions", HERE / "evasions.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_evasions"] = mod
    spec.loader.exec_module(mod)
    return mod


def install(version: str) -> Path:
    """The cc-safety-net entry script, installed into bench/.cache if missing.

    Raises:
        RuntimeError: npm is missing or the install failed.
    """
    entry = CACHE / "node_modules" / "cc-safety-net" / "dist" / "bin" / "cc-safety-net.js"
    pkg = CACHE / "node_modules" / "cc-safety-net" / "package.json"
    if entry.exists() and json.loads(pkg.read_text()).get("version") == version:
        return entry
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH")
    CACHE.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(CACHE),
            "--no-audit",
            "--no-fund",
            f"cc-safety-net@{version}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not entry.exists():
        raise RuntimeError(f"npm install cc-safety-net@{version} failed: {done.stderr[-500:]}")
    return entry


def classify(stdout: str, returncode: int) -> str | None:
    """A hook answer as a codex-guard decision: forbidden / prompt / allow / None (no opinion)."""
    if returncode == 2:
        return "forbidden"
    text = stdout.strip()
    if not text:
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return None
    out = obj.get("hookSpecificOutput") or {}
    decision = out.get("permissionDecision") or obj.get("decision")
    table = {"deny": "forbidden", "block": "forbidden", "ask": "prompt", "allow": "allow"}
    return table.get(str(decision))


def judge(entry: Path, command: str, home: str, cwd: str) -> str | None:
    """Run the hook once for ``command``."""
    event = {
        "session_id": "bench",
        "transcript_path": os.path.join(home, "transcript.jsonl"),
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "bench"},
        "permission_mode": "default",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_SAFETY_NET", "SAFETY_NET"))}
    env.update(HOME=home, CC_SAFETY_NET_HOME=os.path.join(home, ".cc-safety-net"))
    done = subprocess.run(
        ["node", str(entry), "hook", "--claude-code"],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return classify(done.stdout, done.returncode)


def main(argv: list[str]) -> int:
    """Print the table for cc-safety-net."""
    import argparse

    ev = _evasions()
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--version", default=VERSION)
    ap.add_argument("--corpus", type=Path, default=ev.CORPUS)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args(argv)
    cases = ev.load_cases(args.corpus)
    if not cases:
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    entry = install(args.version)
    with tempfile.TemporaryDirectory(prefix="ccsn-bench-") as tmp:
        home, cwd = os.path.join(tmp, "home"), os.path.join(tmp, "project")
        os.makedirs(home)
        os.makedirs(cwd)
        t0 = time.monotonic()
        results = [(c, judge(entry, c["command"], home, cwd)) for c in cases]
        per_call = (time.monotonic() - t0) / len(cases)
    title = (
        f"cc-safety-net {args.version} (npm, `hook --claude-code`, default level), "
        f"{len(cases)} lines, {ev.machine()}, {per_call * 1000:.0f} ms per call"
    )
    print(ev.markdown(results, title))
    if args.misses:
        print()
        for m in ev.misses(results):
            print(f"- {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
