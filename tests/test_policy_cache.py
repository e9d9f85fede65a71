"""The compiled-policy cache: hits, invalidation on every input, and refusal of forged entries."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from codex_guard.judge import judge
from codex_guard.policy import cache
from codex_guard.policy.errors import PolicyError
from codex_guard.shell import analyze_script

from .hookrun import HookEnv, pre_tool


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home = tmp_path / "codex-home"
    (home / "rules").mkdir(parents=True)
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc-codex"))
    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CODEX_GUARD_RULES", raising=False)
    monkeypatch.delenv("CODEX_GUARD_NO_CACHE", raising=False)
    return {"home": home, "cache": tmp_path / "cache", "cwd": tmp_path}


def _decide(cmd: str, cwd: Path) -> str | None:
    return judge(cache.load(str(cwd)), analyze_script(cmd), str(cwd)).decision


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("policy-*.pickle"))


def _evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the Starlark evaluations (cache misses) from here on."""
    from codex_guard.policy import layers

    calls: list[int] = []
    real = layers.load_discovered

    def counting(found: layers.Discovery) -> object:
        calls.append(len(found.files))
        return real(found)

    monkeypatch.setattr(cache, "load_discovered", counting)
    return calls


def test_hit_reuses_the_evaluation(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert _decide("touch y", world["cwd"]) == "prompt"
    assert len(calls) == 1
    (entry,) = _entries(world["cache"])
    assert entry.stat().st_mode & 0o777 == 0o600
    assert world["cache"].stat().st_mode & 0o777 == 0o700


def test_editing_a_rule_is_seen_at_once(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = world["home"] / "rules" / "u.rules"
    rules.write_text('prefix_rule(pattern=["touch"], decision="prompt")\n')
    assert _decide("touch x", world["cwd"]) == "prompt"
    st = rules.stat()
    # Same size, an mtime one nanosecond later: the key still changes.
    rules.write_text('prefix_rule(pattern=["tauch"], decision="prompt")\n')
    assert rules.stat().st_size == st.st_size
    os.utime(rules, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert _decide("touch x", world["cwd"]) is None
    rules.write_text('prefix_rule(pattern=["touch"], decision="forbidden")\n')
    assert _decide("touch x", world["cwd"]) == "forbidden"


def test_new_and_removed_files_change_the_key(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _decide("touch x", world["cwd"]) is None
    extra = world["home"] / "rules" / "new.rules"
    extra.write_text('prefix_rule(pattern=["touch"], decision="forbidden")\n')
    assert _decide("touch x", world["cwd"]) == "forbidden"
    extra.unlink()
    assert _decide("touch x", world["cwd"]) is None


def test_broken_file_is_never_cached(world: dict[str, Path]) -> None:
    rules = world["home"] / "rules" / "u.rules"
    rules.write_text('prefix_rule(pattern=["touch"], decision="maybe")\n')
    with pytest.raises(PolicyError):
        cache.load(str(world["cwd"]))
    assert _entries(world["cache"]) == []
    with pytest.raises(PolicyError):  # still broken on the next call, not a cached success
        cache.load(str(world["cwd"]))


def test_corrupt_entry_is_a_miss_and_is_rewritten(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    assert _decide("touch x", world["cwd"]) == "prompt"
    (entry,) = _entries(world["cache"])
    entry.write_bytes(b"\x80\x05garbage")
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert len(calls) == 1
    assert cache._read(str(entry), entry.read_bytes().hex()) is None  # header check
    assert pickle.loads(entry.read_bytes())[0] == "codex-guard-policy-cache/1"


class _Evil:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("touch /tmp/codex-guard-pwned",))


def test_forged_entry_cannot_run_code(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = Path("/tmp/codex-guard-pwned")
    marker.unlink(missing_ok=True)
    assert _decide("touch x", world["cwd"]) is None
    (entry,) = _entries(world["cache"])
    entry.write_bytes(pickle.dumps(("codex-guard-policy-cache/1", "k", _Evil())))
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) is None
    assert not marker.exists()
    assert len(calls) == 1


def test_hook_process_sees_an_edit_through_the_cache(tmp_path: Path) -> None:
    env = HookEnv(tmp_path)
    rules = env.write_rules(
        env.codex_home / "rules", "u.rules", 'prefix_rule(pattern=["touch"], decision="allow")\n'
    )
    first = env.run(pre_tool("touch a", str(tmp_path)))
    assert first.returncode == 0 and first.stdout == b""
    assert list((tmp_path / "cache").glob("policy-*.pickle"))
    rules.write_text('prefix_rule(pattern=["touch"], decision="forbidden", justification="no")\n')
    second = env.run(pre_tool("touch a", str(tmp_path)))
    assert b'"permissionDecision":"deny"' in second.stdout
    assert b"no" in second.stdout


def test_no_cache_switch(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_GUARD_NO_CACHE", "1")
    calls = _evaluations(monkeypatch)
    _decide("ls", world["cwd"])
    _decide("ls", world["cwd"])
    assert len(calls) == 2
    assert not world["cache"].exists()


class _Reducer:
    def __init__(self, fn: object, args: tuple[object, ...]) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple[object, ...]:
        return (self.fn, self.args)


def test_codex_guard_functions_are_refused_too(world: dict[str, Path], tmp_path: Path) -> None:
    from codex_guard import cli
    from codex_guard.audit.files import write_sidecar

    target = tmp_path / "pwned.json"
    for fn, args in ((write_sidecar, (str(target), {"x": 1})), (cli.main, (["--version"],))):
        entry = tmp_path / "entry.pickle"
        entry.write_bytes(pickle.dumps(("codex-guard-policy-cache/1", "k", _Reducer(fn, args))))
        assert cache._read(str(entry), "k") is None
    assert not target.exists()


def test_allow_list_covers_a_real_policy(world: dict[str, Path]) -> None:
    """Every global a real entry (packs with guard rules, a network rule, a host executable)
    refers to is on the allow-list, and nothing else is needed."""
    (world["home"] / "rules" / "n.rules").write_text(
        'prefix_rule(pattern=["deploy"], decision="prompt", match=["deploy x"])\n'
        'network_rule(host="example.com", protocol="https", decision="allow")\n'
        'host_executable(name="git", paths=["/usr/bin/git"])\n'
    )
    _decide("ls", world["cwd"])
    seen: set[tuple[str, str]] = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            seen.add((module, name))
            return super().find_class(module, name)

    (entry,) = _entries(world["cache"])
    with entry.open("rb") as fh:
        Recorder(fh).load()
    assert seen <= cache._ALLOWED_GLOBALS
    assert ("codex_guard.policy.guard", "GuardRule") in seen
    with entry.open("rb") as fh:
        assert isinstance(cache._Unpickler(fh).load()[2], cache.LoadedPolicy)


def test_catalogue_cache_is_private_and_untrusted_when_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marshal
    import stat

    from codex_guard.scan import catalogue

    folder = tmp_path / "cat-cache"
    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(folder))
    src = tmp_path / "d.toml"
    src.write_text("a = 1\n")
    assert catalogue._read_toml(str(src)) == {"a": 1}
    (entry,) = folder.glob("catalogue-*.marshal")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    entry.write_bytes(marshal.dumps({"a": 2}))
    assert catalogue._read_toml(str(src)) == {"a": 2}  # ours and private: used
    entry.chmod(0o666)
    assert catalogue._read_toml(str(src)) == {"a": 1}  # others could write it: re-parsed
    entry.write_bytes(marshal.dumps({"a": 2}))
    entry.chmod(0o600)
    folder.chmod(0o777)
    assert catalogue._read_toml(str(src)) == {"a": 1}
