"""Differential test: random rule files and argv through `codex-guard check` and the real
`codex execpolicy check` (npm @openai/codex@0.169.0), with and without
`--resolve-host-executables`.

Every case must give byte-identical stdout and the same exit code; a broken file must fail the
same way (same first stderr line, and the same cause text unless it is a starlark *syntax* error,
whose rendering we do not reproduce). At least 2,000 cases per run.

Reproducible: the seed comes from ``CODEX_GUARD_DIFF_SEED`` (default fixed below) and is printed
with every mismatch; ``CODEX_GUARD_DIFF_POLICIES`` changes the number of rule files.

Speed: the oracle is the native codex binary (not the node wrapper), run from a thread pool;
codex-guard runs in-process through ``codex_guard.commands.check.run`` with stdout/stderr
captured, plus a real ``python -m codex_guard check`` process for a small subset.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from codex_guard.commands import check
from tests.conftest import ROOT, real_codex

SEED = int(os.environ.get("CODEX_GUARD_DIFF_SEED", "20261121"))
N_POLICIES = int(os.environ.get("CODEX_GUARD_DIFF_POLICIES", "140"))
ARGV_PER_POLICY = 10
MIN_CASES = 2000

PROGRAMS = ["git", "ls", "rm", "npm", "é", "日本", "-x"]
WORDS = [
    "status", "push", "commit", "-f", "--force", "-rf", "i", "install", "a b", "", "x\ty",
    "ü", "--", "-", "origin", "main", "'q'", '"dq"', "$HOME", "a\\b", "*", "~",
]  # fmt: skip
HOST_PREFIXES = ["/usr/bin", "/opt/homebrew/bin", "/usr/local/bin", "/usr/bin/../bin", "/bin/."]
DECISIONS = ["allow", "prompt", "forbidden"]


def native_codex() -> str | None:
    """The platform binary inside the npm package (~10x faster to start than the node shim)."""
    base = ROOT / "node_modules" / "@openai"
    for p in sorted(base.glob("codex-linux-*/vendor/*/bin/codex")) if base.exists() else []:
        if os.access(p, os.X_OK):
            return str(p)
    return real_codex()


def _lit(s: str) -> str:
    """A Starlark string literal for ``s``."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    return "".join(out) + '"'


def _list(xs: list[str]) -> str:
    return "[" + ", ".join(_lit(x) for x in xs) + "]"


@dataclass
class Gen:
    """Random rule files and commands from one ``random.Random``."""

    rnd: random.Random

    def token(self) -> str:
        r = self.rnd.random()
        if r < 0.7:
            return self.rnd.choice(WORDS)
        if r < 0.85:
            return self.rnd.choice(PROGRAMS)
        return "".join(self.rnd.choice("abcé-_.=/") for _ in range(self.rnd.randint(1, 4)))

    def alts(self, pool: list[str]) -> list[str]:
        return self.rnd.sample(pool, self.rnd.randint(1, 3))

    def pattern(self) -> list[str | list[str]]:
        pat: list[str | list[str]] = []
        r = self.rnd.random()
        if r < 0.2:
            pat.append(self.alts(PROGRAMS))
        elif r < 0.25:
            pat.append(self.rnd.choice(HOST_PREFIXES) + "/" + self.rnd.choice(PROGRAMS[:4]))
        else:
            pat.append(self.rnd.choice(PROGRAMS))
        for _ in range(self.rnd.choice([0, 1, 1, 2, 2, 3])):
            pat.append(self.alts(WORDS) if self.rnd.random() < 0.25 else self.token())
        return pat

    def example_for(self, pat: list[str | list[str]], ok: bool) -> list[str]:
        ex = [p if isinstance(p, str) else self.rnd.choice(p) for p in pat]
        if self.rnd.random() < 0.15 and isinstance(pat[0], str) and not pat[0].startswith("/"):
            ex[0] = self.rnd.choice(HOST_PREFIXES) + "/" + ex[0]
        if not ok:
            i = self.rnd.randrange(len(ex))
            ex[i] = ex[i] + "Z"
        return ex + [self.token() for _ in range(self.rnd.randint(0, 2))]

    def prefix_rule(self, broken: bool) -> tuple[str, list[str | list[str]]]:
        pat = self.pattern()
        pat_src = "[" + ", ".join(_lit(p) if isinstance(p, str) else _list(p) for p in pat) + "]"
        args: list[tuple[str, str]] = [("pattern", pat_src)]
        if self.rnd.random() < 0.8:
            args.append(("decision", _lit(self.rnd.choice(DECISIONS))))
        if self.rnd.random() < 0.3:
            examples = [self.example_for(pat, True) for _ in range(self.rnd.randint(1, 2))]
            args.append(("match", "[" + ", ".join(self._example_src(e) for e in examples) + "]"))
        if self.rnd.random() < 0.2:
            examples = [self.example_for(pat, False) for _ in range(self.rnd.randint(1, 2))]
            src = "[" + ", ".join(self._example_src(e) for e in examples) + "]"
            args.append(("not_match", src))
        if self.rnd.random() < 0.4:
            just = self.rnd.choice(["no pushing", "destructive: ü 日本", 'say "why"', "a\\b\nc"])
            args.append(("justification", _lit(just)))
        if broken:
            args = self._break(args)
        positional = (
            self.rnd.random() < 0.2
            and [a[0] for a in args]
            == [
                "pattern",
                "decision",
            ][: len(args)]
        )
        body = ", ".join(v if positional else f"{k}={v}" for k, v in args)
        return f"prefix_rule({body})", pat

    def _example_src(self, ex: list[str]) -> str:
        plain = all(t and all(c.isalnum() or c in "-_./=" for c in t) for t in ex)
        if plain and self.rnd.random() < 0.5:
            return _lit(" ".join(ex))
        return _list(ex)

    def _break(self, args: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kind = self.rnd.randrange(10)
        d = dict(args)
        if kind == 0:
            d["decision"] = _lit(self.rnd.choice(["deny", "Allow", "", "ask"]))
        elif kind == 1:
            d["pattern"] = "[]"
        elif kind == 2:
            d["pattern"] = '["git", []]'
        elif kind == 3:
            d["pattern"] = self.rnd.choice(
                ['["git", 3]', '["git", [None]]', '"git"', "[{}]", '[("a",)]', '("git",)']
            )
        elif kind == 4:
            d["justification"] = _lit(self.rnd.choice(["", "   ", "\n"]))
        elif kind == 5:
            d["match"] = self.rnd.choice(
                ['["git \'unterminated"]', '[""]', "[[]]", "[3]", '[["a", 1]]', '[("a",)]']
            )
        elif kind == 6:
            d["match"] = '[["zzz-nomatch", "x"], "zzz other"]'
        elif kind == 7:
            d["colour"] = '"red"'
        elif kind == 8:
            d["not_match"] = '[["git"], ["ls"], ["rm"], ["npm"], ["é"], ["日本"], ["-x"]]'
            d["pattern"] = "[[" + ", ".join(_lit(p) for p in PROGRAMS) + "]]"
        else:
            return [("pattern", d["pattern"]), ("oops", "1 +")]
        return list(d.items())

    def host_executable(self, broken: bool) -> str:
        name = self.rnd.choice(PROGRAMS[:4])
        paths = [self.rnd.choice(HOST_PREFIXES) + "/" + name for _ in range(self.rnd.randint(0, 3))]
        if broken:
            bad = self.rnd.randrange(4)
            if bad == 0:
                name = self.rnd.choice(["", "/usr/bin/git", "..", "git/"])
            elif bad == 1:
                paths.append("bin/" + name)
            elif bad == 2:
                paths.append("/usr/bin/other")
            else:
                return f"host_executable(name={_lit(name)}, paths=[1])"
        return f"host_executable(name={_lit(name)}, paths={_list(paths)})"

    def network_rule(self, broken: bool) -> str:
        host = self.rnd.choice(["Example.COM", "api.github.com:443", "[::1]:80", "x.org."])
        proto = self.rnd.choice(["http", "https", "https_connect", "socks5_tcp"])
        decision = self.rnd.choice(["allow", "deny", "prompt", "forbidden"])
        if broken:
            host, proto = self.rnd.choice(
                [("*.x.com", proto), ("https://a.b", proto), (host, "ftp"), ("[::1", proto)]
            )
        return f"network_rule(host={_lit(host)}, protocol={_lit(proto)}, decision={_lit(decision)})"

    def policy(self, broken: bool) -> tuple[list[str], list[list[str | list[str]]]]:
        """One or two files of rules; with ``broken``, one statement is invalid."""
        stmts: list[str] = []
        patterns: list[list[str | list[str]]] = []
        n = self.rnd.randint(1, 8)
        bad_at = self.rnd.randrange(n) if broken else -1
        for i in range(n):
            r = self.rnd.random()
            if r < 0.15:
                stmts.append(self.host_executable(i == bad_at))
            elif r < 0.22:
                stmts.append(self.network_rule(i == bad_at))
            else:
                src, pat = self.prefix_rule(i == bad_at)
                stmts.append(src)
                patterns.append(pat)
        if broken and self.rnd.random() < 0.1:
            stmts.append(self.rnd.choice(['load("x.star", "y")', "prefix_rule(", "x = [1,"]))
        if self.rnd.random() < 0.25 and len(stmts) > 1:
            cut = self.rnd.randrange(1, len(stmts))
            return ["\n".join(stmts[:cut]) + "\n", "\n".join(stmts[cut:]) + "\n"], patterns
        return ["\n".join(stmts) + "\n"], patterns

    def argv(self, patterns: list[list[str | list[str]]]) -> list[str]:
        if patterns and self.rnd.random() < 0.75:
            pat = self.rnd.choice(patterns)
            cmd = [p if isinstance(p, str) else self.rnd.choice(p) for p in pat]
            cmd = cmd[: self.rnd.randint(1, len(cmd))] if self.rnd.random() < 0.2 else cmd
        else:
            cmd = [self.rnd.choice(PROGRAMS)]
        r = self.rnd.random()
        if r < 0.3 and not cmd[0].startswith("/"):
            cmd[0] = self.rnd.choice([*HOST_PREFIXES, "~/bin", "./bin", "bin", "/"]) + "/" + cmd[0]
        elif r < 0.35:
            cmd[0] = self.rnd.choice(["/", "/usr/bin/", "git/", "."])
        return cmd + [self.token() for _ in range(self.rnd.randint(0, 3))]


@dataclass
class Case:
    index: int
    files: list[str]
    texts: list[str]
    argv: list[str]
    resolve: bool
    broken: bool

    def args(self) -> list[str]:
        out: list[str] = []
        for f in self.files:
            out += ["--rules", f]
        if self.resolve:
            out.append("--resolve-host-executables")
        return [*out, "--", *self.argv]


def build_cases(tmp: Path, seed: int) -> list[Case]:
    """All cases of one run: ``N_POLICIES`` rule sets, about one in four broken."""
    gen = Gen(random.Random(seed))
    cases: list[Case] = []
    for p in range(N_POLICIES):
        broken = gen.rnd.random() < 0.25
        texts, patterns = gen.policy(broken)
        files = []
        for k, text in enumerate(texts):
            path = tmp / f"r{p}_{k}.rules"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        for _ in range(2 if broken else ARGV_PER_POLICY):
            argv = gen.argv(patterns)
            for resolve in (False, True):
                cases.append(Case(len(cases), files, texts, argv, resolve, broken))
    return cases


def run_in_process(args: list[str]) -> tuple[int, bytes, bytes]:
    """``codex-guard check ARGS`` through ``check.run`` with stdout and stderr captured."""
    out, err = io.BytesIO(), io.BytesIO()
    old = sys.stdout, sys.stderr
    wout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    werr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    sys.stdout, sys.stderr = wout, werr
    try:
        rc = check.run(args)
    finally:
        sys.stdout, sys.stderr = old
        wout.flush()
        werr.flush()
    result = rc, out.getvalue(), err.getvalue()
    wout.detach()
    werr.detach()
    return result


def _cause(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").split("\n\nStack backtrace")[0].rstrip("\n")
    # Under load codex may warn that it could not set up its PATH aliases (a lock under
    # CODEX_HOME); that line is about the environment, not the rules.
    lines = text.split("\n")
    return "\n".join(ln for ln in lines if not ln.startswith("WARNING: proceeding, even though"))


def compare(case: Case, want: tuple[int, bytes, bytes], got: tuple[int, bytes, bytes]) -> str:
    """Empty when codex-guard behaved like codex, else a description of the difference."""
    (wrc, wout, werr), (grc, gout, gerr) = want, got
    if gout != wout:
        return f"stdout differs:\n  codex:       {wout!r}\n  codex-guard: {gout!r}"
    if grc != wrc:
        return f"exit code differs: codex {wrc}, codex-guard {grc}\n{gerr.decode()}"
    if wrc != 0:
        w, g = _cause(werr), _cause(gerr)
        if w.split("\n")[0] != g.split("\n")[0]:
            return f"first stderr line differs:\n  codex: {w}\n  guard: {g}"
        if "Parse error" not in w and g != w:
            return f"error cause differs:\n--- codex\n{w}\n--- codex-guard\n{g}"
    return ""


def _report(seed: int, failures: list[tuple[Case, str]], total: int) -> str:
    lines = [f"{len(failures)} of {total} cases differ (CODEX_GUARD_DIFF_SEED={seed})"]
    for case, why in failures[:5]:
        lines.append(f"\n== case {case.index}: codex execpolicy check {case.args()!r}")
        for f, text in zip(case.files, case.texts, strict=True):
            lines.append(f"-- {f}\n{text}")
        lines.append(why)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def oracle() -> str:
    path = native_codex()
    if path is None:
        pytest.skip("real codex binary not installed: run `npm ci` in the repository root")
    return path


def test_generator_is_reproducible(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = build_cases(tmp_path / "a", SEED)
    b = build_cases(tmp_path / "b", SEED)
    assert [(c.texts, c.argv, c.resolve) for c in a] == [(c.texts, c.argv, c.resolve) for c in b]
    assert len(a) >= MIN_CASES
    assert any(c.broken for c in a) and any(not c.broken for c in a)


def test_random_rules_match_real_codex(oracle: str, tmp_path: Path) -> None:
    cases = build_cases(tmp_path, SEED)
    assert len(cases) >= MIN_CASES

    def codex(case: Case) -> tuple[int, bytes, bytes]:
        p = subprocess.run(
            [oracle, "execpolicy", "check", *case.args()],
            capture_output=True,
            timeout=60,
            check=False,
        )
        return p.returncode, p.stdout, p.stderr

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = [pool.submit(codex, c) for c in cases]
        ours = [run_in_process(c.args()) for c in cases]
        theirs = [f.result() for f in futures]
    failures = [
        (c, why) for c, w, g in zip(cases, theirs, ours, strict=True) if (why := compare(c, w, g))
    ]
    assert not failures, _report(SEED, failures, len(cases))
    # The generated set must exercise what it claims to.
    outs = b"".join(t[1] for t in theirs)
    for needle in (b'"forbidden"', b'"prompt"', b'"allow"', b"resolvedProgram", b"justification"):
        assert needle in outs, needle
    assert sum(1 for t in theirs if t[0] != 0) >= 10


def test_random_rules_match_real_codex_as_a_process(
    oracle: str, tmp_path: Path, guard_cmd: list[str]
) -> None:
    """A subset through a real ``codex-guard check`` process (argv and stdout encoding)."""
    cases = build_cases(tmp_path, SEED)
    subset = random.Random(SEED).sample(cases, 16)

    def both(case: Case) -> str:
        w = subprocess.run(
            [oracle, "execpolicy", "check", *case.args()], capture_output=True, check=False
        )
        g = subprocess.run([*guard_cmd, "check", *case.args()], capture_output=True, check=False)
        return compare(case, (w.returncode, w.stdout, w.stderr), (g.returncode, g.stdout, g.stderr))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(both, subset))
    failures = [(c, why) for c, why in zip(subset, results, strict=True) if why]
    assert not failures, _report(SEED, failures, len(subset))
