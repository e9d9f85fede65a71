"""`codex-guard check` against the real `codex execpolicy check`, byte for byte.

Every ``cli`` case of ../shared/corpus/execpolicy.jsonl plus designed cases here run through both
binaries on the same rule files and argv; stdout and the exit code must be identical, and errors
must carry the expected substrings in both.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from codex_guard.policy.amend import AmendError, append_line, network_rule_line, prefix_rule_line
from codex_guard.policy.errors import PolicyError
from codex_guard.policy.layers import codex_policy
from codex_guard.policy.network import compiled_domains
from codex_guard.policy.parser import PolicyParser
from codex_guard.policy.policy import Policy, evaluation_json_obj
from codex_guard.policy.requirements import parse_requirements
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
        "id": "example-quoting",
        "policy": 'prefix_rule(pattern=["a"], match=[["b", "x=y", "a,b", "p%", "a\\\\b", "x!y", "^x", "a^b", "c\'d", "e\\"f", "t\\tz", "a$b", "a`b", "q\\\\\'z", "é", "~x", "#x", "{a}", "!", "a\\x01"]])',
        "command": ["a"],
    },
    {"id": "tuple-pattern", "policy": 'prefix_rule(pattern=("a",))', "command": ["ls"]},
    {"id": "tuple-element", "policy": 'prefix_rule(pattern=[("a", "b")])', "command": ["a"]},
    {"id": "tuple-alt", "policy": 'prefix_rule(pattern=[["a", ("b",)]])', "command": ["a"]},
    {"id": "tuple-match", "policy": 'prefix_rule(pattern=["a"], match=("a",))', "command": ["a"]},
    {
        "id": "tuple-example",
        "policy": 'prefix_rule(pattern=["a"], match=[["a", ("b",)]])',
        "command": ["a"],
    },
    {"id": "tuple-paths", "policy": 'host_executable(name="a", paths=[("/a",)])', "command": ["a"]},
    {
        "id": "tuple-builtin",
        "policy": 'x = tuple(["a"])\nprefix_rule(pattern=[x])',
        "command": ["a"],
    },
    {
        "id": "tuple-unpacking-is-fine",
        "policy": 'for a, b in [("a", "b")]:\n    prefix_rule(pattern=[a, b], decision="prompt")',
        "command": ["a", "b"],
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


# --- every other mode of execpolicy.jsonl, run in-process -------------------------------------

MODES = ("check", "check_multiple", "load", "requirements", "amend", "network_domains")
OTHER_CASES = [
    c for c in corpus_cases("execpolicy.jsonl") if c["mode"] in (*MODES, "inspect_host_executables")
]


def _policy_of(case: dict[str, Any], tmp: Path) -> Policy:
    parser = PolicyParser()
    for i, text in enumerate(
        [case["policy"]] if isinstance(case["policy"], str) else case["policy"]
    ):
        parser.parse(str(tmp / f"p{i}.rules"), text)
    return parser.policy


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


def _run_checks(policy: Policy, checks: list[dict[str, Any]]) -> None:
    for chk in checks:
        got = evaluation_json_obj(policy, chk["commands"], chk["fallback"])
        assert got == chk["expect"], (chk, got)
        assert _dumps(got) == _dumps(chk["expect"])


def _expect_error(err: BaseException | None, expect: dict[str, Any]) -> None:
    assert err is not None, f"expected an error containing {expect['error']!r}"
    text = getattr(err, "message", str(err))
    if expect.get("exact"):
        assert text == expect["error"]
    else:
        assert expect["error"] in text, (expect["error"], text)
    for sub in expect.get("error_also", []):
        assert sub in text
    if "rendered_contains" in expect:
        assert isinstance(err, PolicyError)
        for sub in expect["rendered_contains"]:
            assert sub in err.codex_rendered(), (sub, err.codex_rendered())


def _mode_check(case: dict[str, Any], tmp: Path) -> None:
    expect = case["expect"]
    try:
        policy = _policy_of(case, tmp)
        for add in case.get("add_prefix_rules", []):
            policy.add_prefix_rule(add["prefix"], add["decision"])
    except PolicyError as e:
        _expect_error(e, expect)
        return
    commands = case["commands"] if case["mode"] == "check_multiple" else [case["command"]]
    got = evaluation_json_obj(
        policy,
        commands,
        case["fallback"],
        resolve_host_executables=bool(case.get("resolve_host_executables")),
    )
    assert "error" not in expect, got
    assert got == expect
    if "expect_json" in case:
        assert _dumps(got) == case["expect_json"]


def _mode_network(case: dict[str, Any], tmp: Path) -> None:
    try:
        policy = _policy_of(case, tmp)
    except PolicyError as e:
        _expect_error(e, case["expect"])
        return
    allowed, denied = compiled_domains(policy.network_rules)
    got = {"rule_count": len(policy.network_rules), "allowed": allowed, "denied": denied}
    assert got == case["expect"]


def _mode_inspect(case: dict[str, Any], tmp: Path) -> None:
    assert _policy_of(case, tmp).host_executables == case["expect"]


def _mode_requirements(case: dict[str, Any], tmp: Path) -> None:
    try:
        policy = parse_requirements(case["requirements_toml"])
    except PolicyError as e:
        _expect_error(e, case["expect"])
        return
    _run_checks(policy, case["expect"]["checks"])


def _mode_amend(case: dict[str, Any], tmp: Path) -> None:
    path = tmp / "codex-home" / "rules" / "default.rules"
    if case["initial_contents"] is not None:
        path.parent.mkdir(parents=True)
        path.write_text(case["initial_contents"])
    err = None
    try:
        for op in case["operations"]:
            if op["op"] == "append_allow_prefix_rule":
                line = prefix_rule_line(op["prefix"])
            else:
                line = network_rule_line(
                    op["host"], op["protocol"], op["decision"], op.get("justification")
                )
            append_line(str(path), line)
    except AmendError as e:
        err = e
    if "error" in case["expect"]:
        _expect_error(err, case["expect"])
    else:
        assert err is None, err
        assert path.read_text() == case["expect"]["file"]


def _mode_load(case: dict[str, Any], tmp: Path) -> None:
    for rel, text in case["files"].items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(text)
    layers = [
        (lay["source"], str(tmp / lay["config_folder"])) for lay in case["layers"] if lay["enabled"]
    ]
    req = parse_requirements(case["requirements_toml"]) if case.get("requirements_toml") else None
    expect = case["expect"]
    try:
        policy, warning = codex_policy(
            layers, req, ignore_user_and_project=bool(case.get("ignore_user_and_project_rules"))
        )
    except PolicyError as e:
        _expect_error(e, expect)
        return
    if "error" in expect:
        _expect_error(warning, expect)
        return
    assert (None if warning is None else "parse") == expect["warning"], warning
    _run_checks(policy, expect["checks"])
    if "host_executables" in expect:
        assert policy.host_executables == expect["host_executables"]


_RUNNERS = {
    "check": _mode_check,
    "check_multiple": _mode_check,
    "network_domains": _mode_network,
    "inspect_host_executables": _mode_inspect,
    "requirements": _mode_requirements,
    "amend": _mode_amend,
    "load": _mode_load,
}


@pytest.mark.skipif(not OTHER_CASES, reason="../shared/corpus/execpolicy.jsonl not present")
@pytest.mark.parametrize("case", OTHER_CASES, ids=[c["id"] for c in OTHER_CASES])
def test_corpus_case_other_modes(case: dict[str, Any], tmp_path: Path) -> None:
    _RUNNERS[case["mode"]](case, tmp_path)


def test_every_corpus_mode_is_covered() -> None:
    modes = {c["mode"] for c in corpus_cases("execpolicy.jsonl")}
    assert modes <= {"cli", *_RUNNERS}, modes - {"cli", *_RUNNERS}
