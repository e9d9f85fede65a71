"""The tools people use to write rules: `codex-guard test`, `allow`, `explain`, and the
requirements.toml layer they all see (execpolicy.md §4, §5)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import orjson
import pytest

from codex_guard.hook import judge_command
from codex_guard.policy.layers import PACKS_DIR, discover, load

BAD_RULES = """\
prefix_rule(pattern=["git", "push"], decision="prompt", match=["git push origin"])

prefix_rule(
    pattern=["git", "commit"],
    decision="prompt",
    match=["git commit -m x", "git comit"],
    not_match=["git commit"],
)
prefix_rule(pattern=["ls"], match=[["ls", "-l"]])
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home, system, repo = tmp_path / "home", tmp_path / "etc", tmp_path / "repo"
    for d in (home, system, repo / ".git", repo / "src"):
        d.mkdir(parents=True)
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(system))
    monkeypatch.delenv("CODEX_GUARD_RULES", raising=False)
    monkeypatch.delenv("CODEX_GUARD_REQUIREMENTS", raising=False)
    return {"home": home, "system": system, "repo": repo, "tmp": tmp_path}


def _w(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def _guard(
    guard_cmd: list[str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*guard_cmd, *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=60
    )


# --- codex-guard test ---------------------------------------------------------------------------


def test_builtin_packs_pass_quietly(guard_cmd: list[str]) -> None:
    p = _guard(guard_cmd, "test", PACKS_DIR)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    v = _guard(guard_cmd, "test", "-v", PACKS_DIR)
    assert v.returncode == 0
    assert " 0 failed" in v.stdout and "catastrophic.rules:" in v.stdout
    assert "FAIL" not in v.stdout


def test_every_layer_by_default(world: dict[str, Path], guard_cmd: list[str]) -> None:
    _w(world["home"] / "rules" / "u.rules", 'prefix_rule(pattern=["ls"], match=["ls -l"])\n')
    ok = _guard(guard_cmd, "test", cwd=world["repo"])
    assert (ok.returncode, ok.stdout) == (0, "")
    _w(
        world["repo"] / ".codex" / "rules" / "p.rules",
        'prefix_rule(pattern=["rm"], match=["mv x"])\n',
    )
    bad = _guard(guard_cmd, "test", cwd=world["repo"] / "src")
    assert bad.returncode == 1
    assert ".codex/rules/p.rules:1" in bad.stdout and "mv x" in bad.stdout


def test_wrong_examples_are_all_reported_with_file_line_and_example(
    tmp_path: Path, guard_cmd: list[str]
) -> None:
    f = _w(tmp_path / "bad.rules", BAD_RULES)
    p = _guard(guard_cmd, "test", str(f), cwd=tmp_path)
    assert p.returncode == 1, p
    rows = [ln for ln in p.stdout.splitlines() if ln.startswith("FAIL")]
    assert len(rows) == 2, p.stdout
    assert "bad.rules:3" in rows[0] and "not_match" in rows[0] and "git commit" in rows[0]
    assert "bad.rules:3" in rows[1] and " match " in rows[1] and rows[1].endswith("git comit")
    assert "5 examples" in p.stdout and "3 passed, 2 failed" in p.stdout
    # Loading the same file (what the hook and Codex do) stops at the first failure.
    chk = _guard(guard_cmd, "check", "--rules", str(f), "ls")
    assert chk.returncode == 1 and "expected example to not match rule" in chk.stderr


def test_guard_rule_examples_and_broken_files_are_reported(
    world: dict[str, Path], guard_cmd: list[str]
) -> None:
    _w(
        world["home"] / "guard" / "g.rules",
        'guard_rule(program=["cat"], decision="forbidden", args=["*.pem"],\n'
        '           match=["cat key.pem", "cat key.txt"], not_match=["cat README"])\n',
    )
    _w(world["home"] / "rules" / "broken.rules", 'prefix_rule(pattern=["ls"], decision="maybe")\n')
    p = _guard(guard_cmd, "test", cwd=world["repo"])
    assert p.returncode == 1
    assert "g.rules:1" in p.stdout and "cat key.txt" in p.stdout
    assert "ERROR" in p.stdout and "broken.rules:1:1" in p.stdout and "invalid decision" in p.stdout


def test_requirements_file_is_validated(world: dict[str, Path], guard_cmd: list[str]) -> None:
    _w(
        world["system"] / "requirements.toml",
        '[rules]\nprefix_rules = [{ pattern = [{ token = "rm" }], decision = "allow" }]\n',
    )
    p = _guard(guard_cmd, "test", cwd=world["repo"])
    assert p.returncode == 1
    assert "requirements.toml" in p.stdout and "has decision 'allow'" in p.stdout


# --- requirements.toml in the layers (what the hook uses) --------------------------------------


def test_requirements_rules_come_after_file_rules_and_reach_the_hook(
    world: dict[str, Path],
) -> None:
    _w(world["home"] / "rules" / "u.rules", 'prefix_rule(pattern=["git"], decision="allow")\n')
    _w(
        world["system"] / "requirements.toml",
        "[[rules.prefix_rules]]\n"
        'pattern = [{ any_of = ["git", "hg"] }, { token = "push" }]\n'
        'decision = "prompt"\njustification = "org policy: review pushes"\n',
    )
    loaded = load(str(world["repo"]))
    ms = loaded.policy.matches(["git", "push", "origin"])
    assert [(m.decision, m.rule.source.layer) for m in ms] == [
        ("allow", "user"),
        ("prompt", "requirements"),
    ]
    v = judge_command("git push origin main", str(world["repo"]))
    assert v.decision == "prompt"
    assert any(m.justification == "org policy: review pushes" for m in v.matches)
    assert judge_command("hg push", str(world["repo"])).decision == "prompt"
    assert judge_command("git status", str(world["repo"])).decision == "allow"


def test_broken_requirements_fail_closed_naming_the_file(world: dict[str, Path]) -> None:
    _w(world["system"] / "requirements.toml", "[rules]\nprefix_rules = []\n")
    v = judge_command("ls", str(world["repo"]))
    assert v.decision == "forbidden"
    assert v.error is not None and "requirements.toml" in v.error
    assert "rules prefix_rules cannot be empty" in v.error


def test_discovery_fingerprint_covers_rules_requirements_and_trust(
    world: dict[str, Path],
) -> None:
    _w(world["repo"] / ".codex" / "rules" / "p.rules", "")
    found = discover(str(world["repo"]))
    assert str(world["system"] / "requirements.toml") in found.inputs
    assert str(world["home"] / "config.toml") in found.inputs
    before = found.fingerprint()
    assert discover(str(world["repo"])).fingerprint() == before
    _w(world["system"] / "requirements.toml", "")
    assert discover(str(world["repo"])).fingerprint() != before
    before = discover(str(world["repo"])).fingerprint()
    _w(world["repo"] / ".codex" / "rules" / "p.rules", 'prefix_rule(pattern=["ls"])\n')
    assert discover(str(world["repo"])).fingerprint() != before


# --- codex-guard allow --------------------------------------------------------------------------


def test_allow_writes_codex_line_once_and_codex_reads_it(
    world: dict[str, Path], guard_cmd: list[str], codex_bin: str
) -> None:
    prefix = ["npm", "run", 'say "hi"', "ünï\\x"]
    p = _guard(guard_cmd, "allow", "--", *prefix, cwd=world["repo"])
    assert p.returncode == 0, p.stderr
    again = _guard(guard_cmd, "allow", "--", *prefix, cwd=world["repo"])
    assert again.returncode == 0 and "already" in again.stdout
    path = world["home"] / "rules" / "default.rules"
    line = 'prefix_rule(pattern=["npm", "run", "say \\"hi\\"", "ünï\\\\x"], decision="allow")\n'
    assert path.read_text(encoding="utf-8") == line
    real = subprocess.run(
        [codex_bin, "execpolicy", "check", "--rules", str(path), *prefix, "--x"],
        capture_output=True,
        check=True,
    )
    assert json.loads(real.stdout)["decision"] == "allow"


def test_allow_project_goes_to_the_project_root(
    world: dict[str, Path], guard_cmd: list[str]
) -> None:
    _w(
        world["repo"] / ".codex" / "rules" / "default.rules",
        'prefix_rule(pattern=["ls"], decision="allow")',
    )
    p = _guard(guard_cmd, "allow", "--project", "make", "test", cwd=world["repo"] / "src")
    assert p.returncode == 0
    assert "not trusted" in p.stdout
    assert (world["repo"] / ".codex" / "rules" / "default.rules").read_text() == (
        'prefix_rule(pattern=["ls"], decision="allow")\n'
        'prefix_rule(pattern=["make", "test"], decision="allow")\n'
    )
    assert _guard(guard_cmd, "allow").returncode == 2


# --- codex-guard explain ------------------------------------------------------------------------


def test_explain_json_is_exactly_the_documented_shape_and_the_hooks_decision(
    world: dict[str, Path], guard_cmd: list[str]
) -> None:
    _w(
        world["home"] / "rules" / "u.rules",
        'prefix_rule(pattern=["git", "push"], decision="forbidden", justification="no pushing")\n'
        'network_rule(host="Api.GitHub.com:443", protocol="https", decision="allow")\n',
    )
    script = "cd src && git push origin main"
    p = _guard(guard_cmd, "explain", "--json", "--cwd", str(world["repo"]), "--", script)
    assert p.returncode == 0, p.stderr
    obj = orjson.loads(p.stdout)
    assert list(obj) == ["decision", "commands", "matchedRules", "findings"]
    assert obj["decision"] == "forbidden" == judge_command(script, str(world["repo"])).decision
    assert ["git", "push", "origin", "main"] in obj["commands"]
    (m,) = obj["matchedRules"]
    assert m["justification"] == "no pushing" and m["layer"] == "user" and m["line"] == 1
    assert m["file"].endswith("u.rules") and m["pattern"] == ["git", "push"]
    text = _guard(guard_cmd, "explain", "--cwd", str(world["repo"]), "--", script).stdout
    assert "decision: forbidden" in text and "no pushing" in text
    assert "allow     https://api.github.com" in text  # network rules are listed
    none = _guard(guard_cmd, "explain", "--json", "--cwd", str(world["repo"]), "--", "true")
    assert orjson.loads(none.stdout)["decision"] is None


def test_explain_requirements_option(world: dict[str, Path], guard_cmd: list[str]) -> None:
    req = _w(
        world["tmp"] / "req.toml",
        '[rules]\nprefix_rules = [{ pattern = [{ token = "curl" }], decision = "forbidden" }]\n',
    )
    args = ["explain", "--json", "--cwd", str(world["repo"]), "--requirements", str(req)]
    obj = orjson.loads(_guard(guard_cmd, *args, "--", "curl -s x").stdout)
    assert obj["decision"] == "forbidden"
    assert obj["matchedRules"][0]["layer"] == "requirements"


def test_check_requirements_option_appends_after_rule_files(
    tmp_path: Path, guard_cmd: list[str]
) -> None:
    rules = _w(tmp_path / "a.rules", 'prefix_rule(pattern=["git"], decision="allow")\n')
    req = _w(
        tmp_path / "r.toml",
        '[rules]\nprefix_rules = [{ pattern = [{ token = "git" }], decision = "forbidden" }]\n',
    )
    p = _guard(guard_cmd, "check", "--rules", str(rules), "--requirements", str(req), "git", "x")
    assert p.stdout == (
        '{"matchedRules":[{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"allow"}},'
        '{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"forbidden"}}],"decision":"forbidden"}\n'
    )
    bad = _w(
        tmp_path / "b.toml",
        '[rules]\nprefix_rules = [{ pattern = [{ token = "" }], decision = "prompt" }]\n',
    )
    e = _guard(guard_cmd, "check", "--rules", str(rules), "--requirements", str(bad), "git")
    assert e.returncode == 1
    assert "has an invalid pattern token at index 0: token cannot be empty" in e.stderr


def test_cache_key_follows_trust(world: dict[str, Path]) -> None:
    _w(world["repo"] / ".codex" / "rules" / "p.rules", 'prefix_rule(pattern=["make"])\n')
    before = discover(str(world["repo"])).cache_key()
    assert discover(str(world["repo"])).cache_key() == before
    _w(world["home"] / "config.toml", f'[projects."{world["repo"]}"]\ntrust_level = "trusted"\n')
    after = discover(str(world["repo"]))
    assert after.project_trusted and after.cache_key() != before
