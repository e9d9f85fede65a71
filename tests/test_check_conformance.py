"""`codex-guard check` against the real `codex execpolicy check`, byte for byte.

Every ``cli`` case of ../shared/corpus/execpolicy.jsonl plus designed cases here run through both
binaries on the same rule files and argv; stdout and the exit code must be identical, and errors
must carry the expected substrings in both.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import corpus_cases

CLI_CASES = [c for c in corpus_cases("execpolicy.jsonl") if c["mode"] == "cli"]

# Designed differential cases: no expectation written down; the real binary is the oracle.
DESIGNED: list[dict[str, Any]] = [
    {
        "id": "alts-first",
        "policy": 'prefix_rule(pattern=[["git","hg"], "status"], decision="prompt")',
        "command": ["hg", "status", "-s"],
    },
    {
        "id": "alts-tail",
        "policy": 'prefix_rule(pattern=["npm", ["i","install"], "--save"])',
        "command": ["npm", "install", "--save", "x"],
    },
    {
        "id": "dup",
        "policy": 'prefix_rule(pattern=["ls"])\nprefix_rule(pattern=["ls"], decision="forbidden", justification="no")',
        "command": ["ls"],
    },
    {
        "id": "unicode",
        "policy": 'prefix_rule(pattern=["é", "x\\ty"], justification="ünï\\n")',
        "command": ["é", "x\ty", "z"],
    },
    {"id": "no-match", "policy": 'prefix_rule(pattern=["git", "push"])', "command": ["git"]},
    {
        "id": "hyphen-cmd",
        "policy": 'prefix_rule(pattern=["-x"])',
        "command": ["-x", "y"],
        "ddash": True,
    },
    {
        "id": "host-exec",
        "policy": 'host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"], decision="prompt")',
        "command": ["/usr/bin/git", "status"],
        "resolve": True,
    },
    {
        "id": "host-exec-other",
        "policy": 'host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git"], decision="prompt")',
        "command": ["/opt/git", "status"],
        "resolve": True,
    },
    {
        "id": "host-exec-nomap",
        "policy": 'prefix_rule(pattern=["git"], decision="prompt")',
        "command": ["/usr/local/bin/git", "status"],
        "resolve": True,
    },
    {
        "id": "host-exec-norm",
        "policy": 'prefix_rule(pattern=["git"], decision="prompt")',
        "command": ["/usr/bin/../bin/./git"],
        "resolve": True,
    },
    {
        "id": "def-loop",
        "policy": 'def f(p):\n    prefix_rule(pattern=[p], decision="prompt")\nfor p in ["a", "b"]:\n    f(p)\n',
        "command": ["b", "1"],
    },
    {
        "id": "fstring",
        "policy": 'v = "3"\nprefix_rule(pattern=[f"python{v}"], decision="forbidden")',
        "command": ["python3", "-c", "x"],
    },
    {
        "id": "pretty",
        "policy": 'prefix_rule(pattern=["ls"], justification="j")',
        "command": ["ls"],
        "pretty": True,
    },
    {
        "id": "pretty-empty",
        "policy": 'prefix_rule(pattern=["ls"])',
        "command": ["cat"],
        "pretty": True,
    },
    {
        "id": "example-quote",
        "policy": 'prefix_rule(pattern=["git", "status"], match=[["git", "a b", "c\'d", "e\\"f", "", "^x", "a$b", "é", "x!y"]])',
        "command": ["ls"],
    },
    {
        "id": "not-match-debug",
        "policy": 'prefix_rule(pattern=["git", ["a","b"]], decision="prompt", justification="q\\"\\\\", not_match=["git a"])',
        "command": ["ls"],
    },
    {
        "id": "tuple-pattern",
        "policy": 'prefix_rule(pattern=("a",))',
        "command": ["ls"],
        "xfail": "starlark-pyo3 hands tuples to Python as lists, so a tuple pattern is not rejected",
    },
    {
        "id": "none-decision",
        "policy": 'prefix_rule(pattern=["a"], decision=None)',
        "command": ["ls"],
    },
    {
        "id": "too-many-positional",
        "policy": 'prefix_rule(["ls"], "prompt", [], [], "j", 5)',
        "command": ["ls"],
    },
    {
        "id": "network-rule",
        "policy": 'network_rule(host="example.com", protocol="https", decision="deny")\nprefix_rule(pattern=["ls"])',
        "command": ["ls"],
    },
    {"id": "load", "policy": 'load("x.star", "y")', "command": ["ls"]},
    {"id": "empty-file", "policy": "", "command": ["ls"]},
]


def _write(tmp: Path, policy: str | list[str]) -> list[str]:
    files = [policy] if isinstance(policy, str) else policy
    paths = []
    for i, text in enumerate(files):
        p = tmp / f"p{i}.rules"
        p.write_text(text)
        paths.append(p.name)
    return paths


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=60, check=False)


def _args(case: dict[str, Any], paths: list[str]) -> list[str]:
    args = []
    for p in paths:
        args += ["--rules", p]
    if case.get("resolve_host_executables") or case.get("resolve"):
        args.append("--resolve-host-executables")
    if case.get("pretty"):
        args.append("--pretty")
    if case.get("ddash"):
        args.append("--")
    return args + list(case["command"])


def _compare(case: dict[str, Any], tmp: Path, codex_bin: str, guard_cmd: list[str]) -> None:
    paths = _write(tmp, case["policy"])
    args = _args(case, paths)
    want = _run([codex_bin, "execpolicy", "check", *args], tmp)
    got = _run([*guard_cmd, "check", *args], tmp)
    assert got.stdout == want.stdout, (got.stdout, want.stdout, got.stderr)
    assert got.returncode == want.returncode, (got.returncode, want.returncode, got.stderr)
    expect = case.get("expect") or {}
    if "error" in expect:
        for sub in [expect["error"], *expect.get("error_also", [])]:
            assert sub in want.stderr.decode(), (sub, want.stderr)
            assert sub in got.stderr.decode(), (sub, got.stderr)
    elif "expect_json" in case:
        assert got.stdout == case["expect_json"].encode() + b"\n"
    if want.returncode == 1:
        # The cause must be the same text, apart from starlark's own parse-error wording.
        w = want.stderr.decode().split("\n\nStack backtrace")[0]
        g = got.stderr.decode().rstrip("\n")
        if "Parse error" not in w:
            assert g == w, (g, w)


@pytest.mark.skipif(not CLI_CASES, reason="../shared/corpus/execpolicy.jsonl not present")
@pytest.mark.parametrize("case", CLI_CASES, ids=[c["id"] for c in CLI_CASES])
def test_corpus_cli_case(
    case: dict[str, Any], tmp_path: Path, codex_bin: str, guard_cmd: list[str]
) -> None:
    if not case["command"]:
        pytest.skip("an empty command is a usage error in the real CLI")
    _compare(case, tmp_path, codex_bin, guard_cmd)


@pytest.mark.parametrize("case", DESIGNED, ids=[c["id"] for c in DESIGNED])
def test_designed_case(
    case: dict[str, Any], tmp_path: Path, codex_bin: str, guard_cmd: list[str]
) -> None:
    if "xfail" in case:
        pytest.xfail(case["xfail"])
    _compare(case, tmp_path, codex_bin, guard_cmd)
