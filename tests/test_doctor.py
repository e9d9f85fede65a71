"""``codex-guard doctor`` as a process: passes after ``install`` and fails, naming the cause,
after each way the guard silently stops enforcing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tests.test_approvals as ta
from tests.hookrun import pre_tool


class DEnv(ta.AEnv):
    @property
    def work(self) -> Path:
        return self.root / "work"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in super().env().items() if not k.startswith("CLAUDE")}
        env["CLAUDE_CONFIG_DIR"] = str(self.home / ".claude")
        return env

    def doctor(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli("doctor", *args)


@pytest.fixture
def denv(tmp_path: Path) -> DEnv:
    e = DEnv(tmp_path)
    e.codex_home.mkdir(parents=True)
    e.work.mkdir()
    done = e.cli("install")
    assert done.returncode == 0, done.stderr
    return e


def _fails(done: subprocess.CompletedProcess[str], name: str, cause: str) -> None:
    assert done.returncode == 1, done.stdout
    lines = [x for x in done.stdout.splitlines() if x.startswith("FAIL")]
    assert any(name in x and re.search(cause, x) for x in lines), done.stdout
    # every failure comes with its fix on the next line
    out = done.stdout.splitlines()
    for i, line in enumerate(out):
        if line.startswith("FAIL"):
            assert out[i + 1].strip().startswith("fix:"), done.stdout


def test_passes_after_install_with_live_probe(denv: DEnv) -> None:
    done = denv.doctor()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert "live probe PreToolUse: `rm -rf /` denied" in done.stdout
    assert "live probe UserPromptSubmit: secret prompt blocked" in done.stdout
    assert not denv.audit.exists()  # the probe writes to a throw-away log


def test_not_installed(tmp_path: Path) -> None:
    e = DEnv(tmp_path)
    e.codex_home.mkdir(parents=True)
    e.work.mkdir()
    _fails(e.doctor(), "hooks", "not installed")


def test_stale_trust_hash(denv: DEnv) -> None:
    cfg = denv.codex_home / "config.toml"
    text = cfg.read_text()
    first = re.search(r'trusted_hash = "(sha256:[0-9a-f]+)"', text)
    assert first
    cfg.write_text(text.replace(first.group(1), "sha256:" + "0" * 64, 1))
    _fails(denv.doctor(), "trust", "stale trust hash")


def test_deleted_hooks_entry(denv: DEnv) -> None:
    path = denv.codex_home / "hooks.json"
    data = json.loads(path.read_text())
    del data["hooks"]["UserPromptSubmit"]
    path.write_text(json.dumps(data))
    done = denv.doctor()
    _fails(done, "codex user hooks", "lacks codex-guard's entries for UserPromptSubmit")
    _fails(done, "live probe UserPromptSubmit", "no installed handler")


def test_matcher_narrowed_to_bash_misses_apply_patch(denv: DEnv) -> None:
    path = denv.codex_home / "hooks.json"
    data = json.loads(path.read_text())
    data["hooks"]["PreToolUse"][0]["matcher"] = "Bash"
    path.write_text(json.dumps(data))
    _fails(denv.doctor(), "codex user hooks", r"PreToolUse\[apply_patch\]")


def test_unparseable_hooks_file(denv: DEnv) -> None:
    (denv.codex_home / "hooks.json").write_text("{broken")
    _fails(denv.doctor(), "codex user hooks", "does not parse")


def test_broken_rules_file(denv: DEnv) -> None:
    denv.write_rules(denv.codex_home / "rules", "team.rules", 'prefix_rule(pattern=["git", )\n')
    done = denv.doctor()
    _fails(done, "rules", r"team\.rules:1")
    assert "ok   codex user live probe PreToolUse" in done.stdout  # broken rules still deny


def test_failing_rule_example(denv: DEnv) -> None:
    denv.write_rules(
        denv.codex_home / "rules",
        "team.rules",
        'prefix_rule(pattern=["git", "push"], decision="prompt", match=["git pull"])\n',
    )
    _fails(denv.doctor(), "rules", r"team\.rules")


def test_tampered_audit_line(denv: DEnv) -> None:
    for cmd in ("ls", "rm -rf /", "git status"):
        assert denv.run(pre_tool(cmd)).returncode == 0
    lines = denv.audit.read_text().splitlines()
    assert len(lines) == 3 and denv.doctor().returncode == 0
    entry = json.loads(lines[1])
    entry["effective_decision"] = "allow"
    lines[1] = json.dumps(entry)
    denv.audit.write_text("\n".join(lines) + "\n")
    _fails(denv.doctor(), "audit log", "line 2 .*modified")


def test_hooks_feature_disabled(denv: DEnv) -> None:
    cfg = denv.codex_home / "config.toml"
    cfg.write_text("[features]\nhooks = false\n\n" + cfg.read_text())
    _fails(denv.doctor(), "hooks feature", "hooks = false")


def test_untrusted_project_with_rules(denv: DEnv) -> None:
    (denv.work / ".git").mkdir()
    denv.write_rules(
        denv.work / ".codex" / "rules",
        "p.rules",
        'prefix_rule(pattern=["make"], decision="allow")\n',
    )
    _fails(denv.doctor(), "project trust", "does not trust it")
    with open(denv.codex_home / "config.toml", "a") as fh:
        fh.write(f'\n[projects."{denv.work}"]\ntrust_level = "trusted"\n')
    assert denv.doctor().returncode == 0


def test_probe_catches_a_hook_command_that_cannot_run(denv: DEnv) -> None:
    """Entries and trust are perfect, but the command does not run: only the probe sees it."""
    path = denv.codex_home / "hooks.json"
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for g in groups:
            for h in g["hooks"]:
                h["command"] = "/nonexistent/bin/codex-guard hook --client codex"
    path.write_text(json.dumps(data))
    (denv.codex_home / "config.toml").write_text("")
    assert denv.cli("install", "--command", "/nonexistent/bin/codex-guard").returncode == 0
    done = denv.doctor()
    assert "ok   codex user hook trust" in done.stdout
    _fails(done, "live probe PreToolUse", "exited 127")


def test_claude_install_then_doctor(tmp_path: Path) -> None:
    e = DEnv(tmp_path)
    e.home.mkdir(parents=True)
    e.work.mkdir()
    assert e.cli("install", "--client", "claude").returncode == 0
    done = e.doctor("--client", "claude")
    assert done.returncode == 0, done.stdout
    assert "claude user live probe PreToolUse" in done.stdout
    settings = e.home / ".claude" / "settings.json"
    data = json.loads(settings.read_text())
    del data["hooks"]["PreToolUse"]
    settings.write_text(json.dumps(data))
    _fails(e.doctor("--client", "claude"), "claude user hooks", "PreToolUse")
    assert os.path.exists(settings)


def test_claude_disable_all_hooks(tmp_path: Path) -> None:
    e = DEnv(tmp_path)
    e.home.mkdir(parents=True)
    e.work.mkdir()
    assert e.cli("install", "--client", "claude").returncode == 0
    local = e.work / ".claude" / "settings.local.json"
    local.parent.mkdir()
    local.write_text('{"disableAllHooks": true}')
    _fails(e.doctor("--client", "claude"), "claude hooks enabled", "disableAllHooks")


def test_names_an_install_from_before_the_launcher(denv: DEnv) -> None:
    """An older install (the console script as the hook command) still enforces, so doctor
    passes, but it says that `install` again switches to the faster launcher."""
    assert "older `codex-guard hook` command" not in denv.doctor().stdout
    path = denv.codex_home / "hooks.json"
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for g in groups:
            for h in g["hooks"]:
                h["command"] = h["command"].split(" -IS ")[0].rsplit("/", 1)[0] + (
                    "/codex-guard hook --client codex"
                )
    path.write_text(json.dumps(data))
    from codex_guard.install import _trust_keys, edit_trust

    keys = _trust_keys(str(path), data["hooks"])
    edit_trust(str(denv.codex_home / "config.toml"), set(), keys, {})
    done = denv.doctor()
    assert "older `codex-guard hook` command" in done.stdout, done.stdout
    assert done.returncode == 0 and "FAIL" not in done.stdout, done.stdout


def test_install_fills_the_policy_cache(denv: DEnv) -> None:
    """`install` evaluates the rule files once (the packs take longest), so the first hook
    afterwards reads the compiled-policy cache: it never imports Starlark."""
    from tests.test_lean_start import LAUNCHER

    env = denv.env()
    argv = [sys.executable, "-IS", "-X", "importtime", str(LAUNCHER), "hook", "--client", "codex"]
    event = json.dumps(pre_tool("ls -la", str(denv.work))).encode()
    p = subprocess.run(argv, input=event, capture_output=True, env=env, cwd=denv.work, timeout=60)
    assert p.returncode == 0, p.stderr
    imported = {
        line.rsplit("|", 1)[1].strip() for line in p.stderr.decode().splitlines() if "|" in line
    }
    assert "codex_guard.policy.cache" in imported
    assert "starlark" not in imported and "codex_guard.policy.parser" not in imported
    assert "tomllib" not in imported  # nor parses detectors.toml: the catalogue cache is filled
