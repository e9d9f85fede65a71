"""Installer: Codex hooks.json + trust entries, idempotence, backups, exact uninstall."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from codex_guard.install import install, is_ours, trusted_hash, uninstall


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / ".codex"
    h.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(h))
    monkeypatch.setenv("HOME", str(tmp_path))
    return h


def test_install_writes_hooks_and_matching_trust(home: Path) -> None:
    install(command="/opt/cg/bin/codex-guard")
    hooks = json.loads((home / "hooks.json").read_text())["hooks"]
    pre = hooks["PreToolUse"][0]
    assert pre["matcher"] == "Bash|apply_patch" and is_ours(pre["hooks"][0])
    cfg = tomllib.loads((home / "config.toml").read_text())["hooks"]["state"]
    key = f"{home / 'hooks.json'}:pre_tool_use:0:0"
    assert cfg[key]["trusted_hash"] == trusted_hash("pre_tool_use", pre["matcher"], pre["hooks"][0])
    perm = hooks["PermissionRequest"][0]
    pkey = f"{home / 'hooks.json'}:permission_request:0:0"
    assert cfg[pkey]["trusted_hash"] == trusted_hash(
        "permission_request", perm["matcher"], perm["hooks"][0]
    )
    ups = f"{home / 'hooks.json'}:user_prompt_submit:0:0"
    assert cfg[ups]["trusted_hash"].startswith("sha256:")


def test_trusted_hash_matches_codex_algorithm() -> None:
    # codex-hooks.md §6.5: sorted-key compact JSON; matcher dropped for UserPromptSubmit.
    h = {"type": "command", "command": "x hook", "timeout": 30}
    import hashlib

    ident = '{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"x hook","timeout":30,"type":"command"}],"matcher":"Bash"}'
    assert (
        trusted_hash("pre_tool_use", "Bash", h)
        == "sha256:" + hashlib.sha256(ident.encode()).hexdigest()
    )
    assert trusted_hash("user_prompt_submit", "Bash", h) == trusted_hash(
        "user_prompt_submit", None, h
    )
    assert trusted_hash(
        "pre_tool_use", None, {"type": "command", "command": "x hook"}
    ) != trusted_hash("pre_tool_use", None, h)


def test_keeps_existing_content_is_idempotent_and_backs_up(home: Path) -> None:
    other = {"type": "command", "command": "/usr/local/bin/other-hook", "timeout": 5}
    (home / "hooks.json").write_text(
        json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [other]}]}, "x": 1})
    )
    other_key = f"{home / 'hooks.json'}:pre_tool_use:0:0"
    (home / "config.toml").write_text(
        f'model = "m"\n\n[hooks.state."{other_key}"]\ntrusted_hash = "sha256:abc"\n'
    )
    r1 = install(command="/opt/codex-guard/bin/codex-guard")
    assert len(r1.changed) == 2 and list(home.glob("*.bak"))
    snapshot = ((home / "hooks.json").read_text(), (home / "config.toml").read_text())
    r2 = install(command="/opt/codex-guard/bin/codex-guard")
    assert r2.changed == []
    assert snapshot == ((home / "hooks.json").read_text(), (home / "config.toml").read_text())
    data = json.loads(snapshot[0])
    assert data["x"] == 1 and data["hooks"]["PreToolUse"][0]["hooks"] == [other]
    cfg = tomllib.loads(snapshot[1])
    assert cfg["model"] == "m" and cfg["hooks"]["state"][other_key]["trusted_hash"] == "sha256:abc"


def test_uninstall_removes_exactly_what_install_added(home: Path) -> None:
    other = {"type": "command", "command": "/usr/local/bin/other-hook"}
    original_hooks = json.dumps({"hooks": {"Stop": [{"hooks": [other]}]}}, indent=2) + "\n"
    original_cfg = 'model = "m"\n'
    (home / "hooks.json").write_text(original_hooks)
    (home / "config.toml").write_text(original_cfg)
    install(command="/opt/codex-guard/bin/codex-guard")
    uninstall()
    assert (home / "hooks.json").read_text() == original_hooks
    assert (home / "config.toml").read_text() == original_cfg


def test_uninstall_rekeys_trust_of_groups_that_move(home: Path) -> None:
    install(command="/opt/codex-guard/bin/codex-guard")
    data = json.loads((home / "hooks.json").read_text())
    other = {"type": "command", "command": "/bin/other"}
    data["hooks"]["PreToolUse"].append({"matcher": "Bash", "hooks": [other]})
    (home / "hooks.json").write_text(json.dumps(data))
    path = home / "hooks.json"
    with open(home / "config.toml", "a") as fh:
        fh.write(f'\n[hooks.state."{path}:pre_tool_use:1:0"]\ntrusted_hash = "sha256:other"\n')
    uninstall()
    state = tomllib.loads((home / "config.toml").read_text())["hooks"]["state"]
    assert state == {f"{path}:pre_tool_use:0:0": {"trusted_hash": "sha256:other"}}


def test_project_install_targets_repo_codex_folder(home: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    res = install(project=True, cwd=str(repo), command="/opt/codex-guard/bin/codex-guard")
    assert (repo / ".codex" / "hooks.json").exists()
    cfg = tomllib.loads((home / "config.toml").read_text())["hooks"]["state"]
    assert any(k.startswith(str(repo / ".codex" / "hooks.json")) for k in cfg)
    assert res.notes


def test_claude_install_keeps_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / ".claude"))
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text('{"model": "opus"}')
    install(client="claude", command="/opt/codex-guard/bin/codex-guard")
    data = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert data["model"] == "opus"
    assert (
        data["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        == "/opt/codex-guard/bin/codex-guard hook --client claude"
    )
    uninstall(client="claude")
    assert json.loads((tmp_path / ".claude" / "settings.json").read_text()) == {"model": "opus"}


def test_broken_hooks_json_is_refused(home: Path) -> None:
    (home / "hooks.json").write_text("[1]")
    with pytest.raises(ValueError):
        install(command="/opt/codex-guard/bin/codex-guard")


def test_claude_install_registers_edit_tools_and_permission_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    install(client="claude", command="/opt/cg/bin/codex-guard")
    hooks = json.loads((tmp_path / "cfg" / "settings.json").read_text())["hooks"]
    assert set(hooks) == {"PreToolUse", "PermissionRequest", "UserPromptSubmit", "PostToolUse"}
    for event in ("PreToolUse", "PermissionRequest"):
        tools = hooks[event][0]["matcher"].split("|")
        assert {"Bash", "Edit", "Write", "MultiEdit"} <= set(tools)
    assert not (tmp_path / ".claude").exists()  # CLAUDE_CONFIG_DIR wins over ~/.claude


def test_claude_project_install_keeps_existing_hooks_and_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    settings = repo / ".claude" / "settings.json"
    settings.parent.mkdir()
    theirs = {"type": "command", "command": "/usr/bin/their-linter"}
    settings.write_text(
        json.dumps(
            {
                "permissions": {"allow": ["Bash(npm test)"]},
                "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [theirs]}]},
            }
        )
    )
    install(client="claude", project=True, cwd=str(repo / "sub"), command="/opt/cg/codex-guard")
    data = json.loads(settings.read_text())
    assert data["permissions"] == {"allow": ["Bash(npm test)"]}
    assert data["hooks"]["PreToolUse"][0]["hooks"] == [theirs]
    assert is_ours(data["hooks"]["PreToolUse"][1]["hooks"][0])
    assert not (tmp_path / "home" / ".codex" / "config.toml").exists()  # no Codex trust for Claude


def _linked_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: Path, env: bool) -> Path:
    """Install with the Codex home at ``link``, a symlink to a real folder (``CODEX_HOME`` set
    to it when ``env``, else ``link`` is ``~/.codex``); the real folder and its trust keys."""
    real = tmp_path / "dotfiles" / "codex"
    real.mkdir(parents=True)
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    if env:
        monkeypatch.setenv("CODEX_HOME", str(link))
    else:
        monkeypatch.delenv("CODEX_HOME", raising=False)
    install("codex")
    return real


def _state(real: Path) -> dict[str, object]:
    state: dict[str, object] = tomllib.loads((real / "config.toml").read_text())["hooks"]["state"]
    assert state
    return state


def test_trust_keys_use_the_canonical_codex_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Codex canonicalises a set ``CODEX_HOME`` (find_codex_home); tests/e2e/
    test_install_symlinked_home.py shows a key under the symlink spelling is never looked up."""
    real = _linked_install(tmp_path, monkeypatch, tmp_path / "link", env=True)
    assert all(k.startswith(f"{real}/hooks.json:") for k in _state(real))


def test_default_codex_home_is_not_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``CODEX_HOME`` Codex uses ``~/.codex`` as spelled, symlinks and all."""
    real = _linked_install(tmp_path, monkeypatch, tmp_path / ".codex", env=False)
    assert all(k.startswith(f"{tmp_path}/.codex/hooks.json:") for k in _state(real))


def test_doctor_names_a_trust_table_keyed_by_the_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codex_guard import doctor

    link = tmp_path / "link"
    real = _linked_install(tmp_path, monkeypatch, link, env=True)
    cfg = real / "config.toml"
    cfg.write_text(cfg.read_text().replace(f'"{real}/hooks.json:', f'"{link}/hooks.json:'))
    f = doctor.Installed("codex", "user", str(real / "hooks.json"))
    hooks = json.loads((real / "hooks.json").read_text())["hooks"]
    check = doctor.check_trust(f, hooks)
    assert not check.ok and "another spelling" in check.detail, check
