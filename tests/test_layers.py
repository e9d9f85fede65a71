"""Rule layers: order, project trust, guard folders, extras (DESIGN.md §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_guard.judge import judge
from codex_guard.policy.errors import PolicyError
from codex_guard.policy.layers import discover, load
from codex_guard.shell import analyze_script


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home = tmp_path / "codex-home"
    system = tmp_path / "etc-codex"
    repo = tmp_path / "repo"
    sub = repo / "pkg" / "sub"
    for d in (home, system, sub, repo / ".git"):
        d.mkdir(parents=True)
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(system))
    monkeypatch.delenv("CODEX_GUARD_RULES", raising=False)
    return {"home": home, "system": system, "repo": repo, "sub": sub}


def _w(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def _decide(cmd: str, cwd: Path) -> str | None:
    v = judge(load(str(cwd)), analyze_script(cmd), str(cwd))
    return v.decision


def test_order_builtin_system_user_project_root_to_cwd_extra(
    world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _w(world["system"] / "rules" / "b.rules", "")
    _w(world["system"] / "rules" / "a.rules", "")
    _w(world["system"] / "rules" / "ignored.rules.bak", "")
    _w(world["home"] / "rules" / "u.rules", "")
    _w(world["home"] / "guard" / "g.rules", "")
    _w(world["repo"] / ".codex" / "rules" / "root.rules", "")
    _w(world["repo"] / "pkg" / "sub" / ".codex" / "rules" / "leaf.rules", "")
    extra = _w(tmp_path / "x.rules", "")
    monkeypatch.setenv("CODEX_GUARD_RULES", str(extra))
    found = discover(str(world["sub"]))
    files, root = found.files, found.project_root
    names = [(Path(f.path).name, f.layer) for f in files]
    builtin = [n for n in names if n[1] == "builtin"]
    assert builtin == sorted(builtin) and ("catastrophic.rules", "builtin") in builtin
    assert names[: len(builtin)] == builtin
    assert names[len(builtin) :] == [
        ("a.rules", "system"),
        ("b.rules", "system"),
        ("u.rules", "user"),
        ("g.rules", "user"),
        ("root.rules", "project-untrusted"),
        ("leaf.rules", "project-untrusted"),
        ("x.rules", "extra"),
    ]
    assert root == str(world["repo"])
    assert [f.guard for f in files if Path(f.path).name == "g.rules"] == [True]


def test_untrusted_project_allow_is_ignored_but_forbidden_counts(world: dict[str, Path]) -> None:
    _w(
        world["repo"] / ".codex" / "rules" / "p.rules",
        'prefix_rule(pattern=["make"], decision="allow")\nprefix_rule(pattern=["touch"], decision="forbidden")\n',
    )
    assert _decide("make build", world["sub"]) is None
    assert _decide("touch x", world["sub"]) == "forbidden"


def test_trusted_project_allow_counts(world: dict[str, Path]) -> None:
    _w(
        world["repo"] / ".codex" / "rules" / "p.rules",
        'prefix_rule(pattern=["make"], decision="allow")\n',
    )
    _w(world["home"] / "config.toml", f'[projects."{world["repo"]}"]\ntrust_level = "trusted"\n')
    assert _decide("make build", world["sub"]) == "allow"


def test_no_layer_can_loosen_a_forbidden(world: dict[str, Path]) -> None:
    _w(world["home"] / "rules" / "u.rules", 'prefix_rule(pattern=["rm"], decision="allow")\n')
    assert _decide("rm -rf ~", world["sub"]) == "forbidden"
    assert _decide("rm x", world["sub"]) == "allow"


def test_system_rules_apply(world: dict[str, Path]) -> None:
    _w(
        world["system"] / "rules" / "org.rules",
        'prefix_rule(pattern=["terraform", "destroy"], decision="prompt")\n',
    )
    assert _decide("cd infra && terraform destroy -auto-approve", world["sub"]) == "prompt"


def test_guard_rule_only_outside_codex_folders(world: dict[str, Path]) -> None:
    guard = 'guard_rule(program=["kubectl"], subcommand=["delete"], decision="prompt", match=["kubectl delete pod x"])\n'
    _w(world["home"] / "guard" / "k.rules", guard)
    assert _decide("kubectl delete pod x", world["sub"]) == "prompt"
    _w(world["home"] / "rules" / "k.rules", guard)
    with pytest.raises(PolicyError) as e:
        load(str(world["sub"]))
    assert "guard_rule" in e.value.message and e.value.line == 1


def test_codex_home_inside_project_is_not_a_project_layer(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEX_HOME", str(world["repo"] / ".codex"))
    _w(world["repo"] / ".codex" / "rules" / "u.rules", 'prefix_rule(pattern=["make"])\n')
    files = discover(str(world["sub"])).files
    assert [f.layer for f in files if f.path.endswith("u.rules")] == ["user"]


def test_rules_path_that_is_a_file_is_an_error(world: dict[str, Path]) -> None:
    _w(world["home"] / "rules", "not a folder")
    with pytest.raises(PolicyError):
        discover(str(world["sub"]))


def test_host_executable_pins_allow_but_not_forbidden(world: dict[str, Path]) -> None:
    _w(
        world["home"] / "rules" / "g.rules",
        'host_executable(name="git", paths=["/usr/bin/git"])\nprefix_rule(pattern=["git", "status"])\n'
        'prefix_rule(pattern=["git", "nuke"], decision="forbidden")\n',
    )
    assert _decide("/usr/bin/git status", world["sub"]) == "allow"
    assert _decide("/tmp/evil/git status", world["sub"]) is None
    assert _decide("/tmp/evil/git nuke", world["sub"]) == "forbidden"
