#!/usr/bin/env python3
"""Whole-process latency and peak memory of the hook, side by side with Codex's native check.

Every case is a fresh process, as Codex starts one per hook call. Cases run interleaved (each
round runs every case once, in a rotated order), after warm-up rounds; the report gives the median,
min-max, the ratio of medians to the native ``codex execpolicy check`` of the same round set, and
the peak resident set size (``ru_maxrss`` from ``os.wait4``, Linux reports KiB).

The hook runs from a non-editable virtual environment built the way ``install.sh`` builds one
(``bench/.cache/venv``, rebuilt from the working tree on every run unless ``--no-build``), so the
numbers are what a user gets, not what an editable development install gets.

Usage::

    python3 bench/latency.py [--rounds N] [--warmup N] [--no-build] [--update-docs]

``--update-docs`` rewrites the latency section of ``docs/benchmarks.md`` (between the markers
``<!-- bench:latency -->`` and ``<!-- /bench:latency -->``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
NATIVE = ROOT / "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
ORG_RULES = ROOT / "bench" / "org.rules"
DOC = ROOT / "docs" / "benchmarks.md"
MARK_A, MARK_B = "<!-- bench:latency -->", "<!-- /bench:latency -->"


def build_venv(build: bool) -> Path:
    """The benchmark's venv with codex-guard installed non-editable from the working tree."""
    venv = CACHE / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        build = True
    if build:
        subprocess.run(
            [
                str(venv / "bin/python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--force-reinstall",
                str(ROOT),
            ],
            check=True,
        )
        subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(ROOT)], check=True
        )
    return venv


def pre_tool(command: str, cwd: str) -> bytes:
    """A Codex PreToolUse event for a shell command (codex-hooks.md §3.3)."""
    return json.dumps(
        {
            "session_id": "bench",
            "turn_id": "t1",
            "transcript_path": None,
            "cwd": cwd,
            "hook_event_name": "PreToolUse",
            "model": "gpt-5.5",
            "permission_mode": "default",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "call_1",
        }
    ).encode()


def prompt_event(size: int, cwd: str) -> bytes:
    """A Codex UserPromptSubmit event with a benign prompt of ``size`` bytes."""
    line = "Please refactor the parser module so that errors carry file and line numbers.\n"
    text = (line * (size // len(line) + 1))[:size]
    return json.dumps(
        {
            "session_id": "bench",
            "turn_id": "t1",
            "transcript_path": None,
            "cwd": cwd,
            "hook_event_name": "UserPromptSubmit",
            "model": "gpt-5.5",
            "permission_mode": "default",
            "prompt": text,
        }
    ).encode()


def extra_rules(n: int) -> str:
    """``n`` distinct prefix rules of mixed decisions, as a user might accumulate them."""
    out = []
    for i in range(n):
        d = ("allow", "prompt", "forbidden")[i % 3]
        out.append(
            f'prefix_rule(pattern = ["tool{i}", ["sub{i}", "alt{i}"]], decision = "{d}", '
            f'justification = "rule {i}")'
        )
    return "\n".join(out) + "\n"


class Case:
    """One process to time: argv, stdin bytes, environment, and an optional per-run setup."""

    def __init__(
        self, name: str, argv: list[str], stdin: bytes, env: dict[str, str], before: object = None
    ) -> None:
        self.name, self.argv, self.stdin, self.env, self.before = name, argv, stdin, env, before
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.rss: list[int] = []

    def run(self, record: bool) -> None:
        if callable(self.before):
            self.before()
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        assert p.stdin is not None and p.stdout is not None and p.stderr is not None
        p.stdin.write(self.stdin)
        p.stdin.close()
        out = p.stdout.read()
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode not in (0,) and b"Traceback" in err:
            raise SystemExit(f"{self.name}: crashed\n{err.decode(errors='replace')}")
        del out
        if record:
            self.times.append((t1 - t0) / 1e6)
            self.cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
            self.rss.append(ru.ru_maxrss)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--no-build", action="store_true", help="reuse bench/.cache/venv as is")
    ap.add_argument("--update-docs", action="store_true")
    a = ap.parse_args()
    if not NATIVE.exists():
        raise SystemExit(f"native codex binary missing: {NATIVE} (run npm ci)")
    venv = build_venv(not a.no_build)
    py, guard = str(venv / "bin/python"), str(venv / "bin/codex-guard")
    # exactly what `codex-guard install` writes into hooks.json for this venv
    launcher = subprocess.run(
        [py, "-I", "-c", "from codex_guard.install import hook_command; print(hook_command())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    a.hook_argv = [*shlex.split(launcher), "hook", "--client", "codex"]

    tmp = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    try:
        return run_cases(a, py, guard, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_cases(a: argparse.Namespace, py: str, guard: str, tmp: Path) -> int:
    work = tmp / "work"
    work.mkdir()
    envs: dict[str, dict[str, str]] = {}
    for name, n_extra in (("org", 0), ("org+1000", 1000)):
        home = tmp / name
        codex_home = home / ".codex"
        (codex_home / "rules").mkdir(parents=True)
        shutil.copy(ORG_RULES, codex_home / "rules" / "org.rules")
        if n_extra:
            (codex_home / "rules" / "extra.rules").write_text(extra_rules(n_extra))
        envs[name] = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "CODEX_HOME": str(codex_home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "CODEX_GUARD_SYSTEM_DIR": str(home / "etc-codex"),
        }
    cwd = str(work)
    native_rules = {
        k: sorted(str(p) for p in (Path(v["CODEX_HOME"]) / "rules").glob("*.rules"))
        for k, v in envs.items()
    }

    def native(env: str, argv: list[str]) -> list[str]:
        rules = [x for r in native_rules[env] for x in ("--rules", r)]
        return [str(NATIVE), "execpolicy", "check", *rules, "--", *argv]

    def touch(env: str) -> object:
        f = Path(envs[env]["CODEX_HOME"]) / "rules" / "org.rules"

        def go() -> None:
            os.utime(f, ns=(time.time_ns(), time.time_ns()))

        return go

    hook = a.hook_argv
    e = envs["org"]
    cases = [
        Case("python -I -c pass", [py, "-I", "-c", "pass"], b"", e),
        Case("python -IS -c pass", [py, "-IS", "-c", "pass"], b"", e),
        Case("native check: ls -la", native("org", ["ls", "-la"]), b"", e),
        Case("hook: ls -la", hook, pre_tool("ls -la", cwd), e),
        Case(
            "hook via console script `codex-guard hook`: ls -la",
            [guard, "hook", "--client", "codex"],
            pre_tool("ls -la", cwd),
            e,
        ),
        Case(
            "hook: cd src && git status && npm test",
            hook,
            pre_tool("cd src && git status && npm test", cwd),
            e,
        ),
        Case("hook: rm -rf / (forbidden)", hook, pre_tool("rm -rf /", cwd), e),
        Case(
            "hook (parser path, no target): python -m pytest -q 2>&1 | tail -5",
            hook,
            pre_tool("python -m pytest -q 2>&1 | tail -5", cwd),
            e,
        ),
        Case("hook: UserPromptSubmit 4 KB", hook, prompt_event(4 * 1024, cwd), e),
        Case("hook: UserPromptSubmit 100 KB", hook, prompt_event(100 * 1024, cwd), e),
        Case(
            "hook: ls -la, cache miss (rules touched)",
            hook,
            pre_tool("ls -la", cwd),
            e,
            before=touch("org"),
        ),
        Case(
            "native check +1000 rules: ls -la",
            native("org+1000", ["ls", "-la"]),
            b"",
            envs["org+1000"],
        ),
        Case("hook +1000 rules: ls -la", hook, pre_tool("ls -la", cwd), envs["org+1000"]),
        Case(
            "hook +1000 rules: cd src && git status && npm test",
            hook,
            pre_tool("cd src && git status && npm test", cwd),
            envs["org+1000"],
        ),
    ]
    for e2 in envs.values():
        e2["CODEX_GUARD_AUDIT_LOG"] = str(Path(e2["HOME"]) / "audit.jsonl")
    for r in range(a.warmup + a.rounds):
        k = r % len(cases)
        for c in cases[k:] + cases[:k]:
            c.run(record=r >= a.warmup)
    report = render(cases, a)
    sys.stdout.write(report)
    if a.update_docs:
        update_docs(report)
    return 0


def render(cases: list[Case], a: argparse.Namespace) -> str:
    def med(c: Case) -> float:
        return statistics.median(c.times)

    by = {c.name: c for c in cases}
    base = {
        "": med(by["native check: ls -la"]),
        "+1000": med(by["native check +1000 rules: ls -la"]),
    }
    cpu_base = {
        "": statistics.median(by["native check: ls -la"].cpu),
        "+1000": statistics.median(by["native check +1000 rules: ls -la"].cpu),
    }
    rows = [
        "| case | median ms | min-max ms | x native check | issue 8 target | met | CPU ms "
        "| CPU x native | peak RSS MiB |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|",
    ]
    for c in cases:
        k = "+1000" if "+1000" in c.name else ""
        cpu = statistics.median(c.cpu)
        ratio = med(c) / base[k]
        target, met = _target(c.name, med(c), ratio)
        name = c.name.replace("|", "\\|")
        rows.append(
            f"| {name} | {med(c):.1f} | {min(c.times):.1f}-{max(c.times):.1f} | "
            f"{ratio:.2f} | {target} | {met} | {cpu:.1f} | {cpu / cpu_base[k]:.2f} | "
            f"{max(c.rss) / 1024:.1f} |"
        )
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    head = (
        f"Run {dt.date.today().isoformat()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}; "
        f"{a.rounds} interleaved rounds after {a.warmup} warm-up rounds. "
        "Built-in packs plus `bench/org.rules` (13 rules) in `$CODEX_HOME/rules`; the `+1000` "
        "cases add 1,000 generated prefix rules. Ratios are medians against the native "
        "`codex execpolicy check` (Rust, 0.169.0) on the same user rules and argv; CPU is the "
        "child's user+system time (`os.wait4`), less sensitive to other load than wall time. "
        "The hook runs as `codex-guard install` registers it (`python -IS hooks/launch.py hook "
        "--client codex`); the console-script row shows what the launcher saves. "
        "Regenerate: `python3 bench/latency.py --update-docs`.\n\n"
    )
    return head + "\n".join(rows) + "\n"


def _target(name: str, median_ms: float, ratio: float) -> tuple[str, str]:
    """The issue 8 target for a case (``""`` for the yardsticks) and whether it is met."""
    if (
        (not name.startswith("hook:") and not name.startswith("hook +1000"))
        or "no target" in name
        or "forbidden" in name  # in the suite; its targets name plain and compound
    ):
        return "", ""
    if "100 KB" in name:
        return "< 150 ms", "yes" if median_ms < 150 else "no"
    if "cache miss" in name:
        limit = 5.0
    elif "+1000" in name or "4 KB" in name:
        limit = 2.5
    else:
        limit = 2.0
    return f"<= {limit:.1f}x", "yes" if ratio <= limit else "no"


def update_docs(report: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{MARK_A}\n{report}{MARK_B}"
    if MARK_A in text and MARK_B in text:
        pre, rest = text.split(MARK_A, 1)
        _, post = rest.split(MARK_B, 1)
        text = pre + block + post
    else:
        text = text.rstrip("\n") + "\n\n## Hook latency and memory\n\n" + block + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
