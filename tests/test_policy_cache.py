"""The compiled-policy cache: hits, invalidation on every input, and refusal of forged entries."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from codex_guard.judge import judge
from codex_guard.policy import cache, layers
from codex_guard.policy.errors import PolicyError
from codex_guard.policy.layers import RuleFile
from codex_guard.policy.policy import Policy
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


def _entries(folder: Path, kind: str = "policy") -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.marshal"))


def _evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the rule files evaluated with Starlark (per-file cache misses) from here on."""
    calls: list[str] = []
    real = cache.evaluate_file

    def counting(f: RuleFile, before: dict[str, list[str]]) -> Policy:
        calls.append(os.path.basename(f.path))
        return real(f, before)

    monkeypatch.setattr(cache, "evaluate_file", counting)
    return calls


def test_hit_reuses_the_evaluation(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert "u.rules" in calls and "catastrophic.rules" in calls
    n = len(calls)
    assert _decide("touch y", world["cwd"]) == "prompt"
    assert len(calls) == n
    (entry,) = _entries(world["cache"])
    assert len(_entries(world["cache"], "file")) == n
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
    packs = [n for n in os.listdir(layers.PACKS_DIR) if n.endswith(".rules")]
    assert len(_entries(world["cache"], "file")) == len(packs)  # the packs only
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
    for f in [entry, *_entries(world["cache"], "file")]:
        f.write_bytes(b"\x80\x05garbage")
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert "u.rules" in calls
    assert cache._read(str(entry), entry.read_bytes().hex()) is None  # key check
    assert marshal.loads(entry.read_bytes())[0] == cache._MAGIC


def _forge(entry: Path, payload: object) -> None:
    magic, key, _ = marshal.loads(entry.read_bytes())
    entry.write_bytes(marshal.dumps((magic, key, payload)))


def test_forged_entries_are_misses(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry with the right magic and key but anything other than the expected data (a code
    object marshal can carry, a wrong shape, a foreign type deep inside) is a miss: nothing in
    it is run, and the policy is evaluated again."""
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    assert _decide("touch x", world["cwd"]) == "prompt"
    (entry,) = _entries(world["cache"])
    marker = world["cwd"] / "pwned"
    code = compile(f"open({str(marker)!r}, 'w').close()", "<forged>", "exec")
    good = marshal.loads(entry.read_bytes())[2]
    rules = dict(good[0][0])
    rules["touch"] = [("touch", (), "allow", None, ("x", 1, "user"), code)]
    forgeries: list[object] = [
        code,
        (code,) * 4,
        ((rules, *good[0][1:]), *good[1:]),
        ((rules, *good[0][1:]), *good[1:], "extra"),
        ({"touch": [("rm", (), "allow", None, ("x", 1, "user"), False)]}, *good[0][1:]),
        ((*good[0][:2], [code], *good[0][3:]), *good[1:]),
    ]
    for payload in forgeries:
        _forge(entry, payload)
        for f in _entries(world["cache"], "file"):
            _forge(f, code)
        calls = _evaluations(monkeypatch)
        assert _decide("touch x", world["cwd"]) == "prompt"
        assert "u.rules" in calls
    assert not marker.exists()
    _forge(entry, good)
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert calls == []


def test_a_fifo_in_place_of_an_entry_is_a_miss(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading an entry never blocks: a FIFO planted where an entry was is not waited on."""
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    assert _decide("touch x", world["cwd"]) == "prompt"
    (entry,) = _entries(world["cache"])
    entry.unlink()
    os.mkfifo(entry, 0o600)
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"  # served by the per-file entries
    assert calls == []
    assert entry.is_file()  # rewritten as a regular file


def test_entries_others_could_write_are_ignored(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """marshal is not safe against crafted data: an entry (or a cache folder) that someone else
    could have written is never read."""
    (world["home"] / "rules" / "u.rules").write_text(
        'prefix_rule(pattern=["touch"], decision="prompt")\n'
    )
    assert _decide("touch x", world["cwd"]) == "prompt"
    entries = [*_entries(world["cache"]), *_entries(world["cache"], "file")]
    for f in entries:
        f.chmod(0o666)
    calls = _evaluations(monkeypatch)
    assert _decide("touch x", world["cwd"]) == "prompt"
    assert "u.rules" in calls and "catastrophic.rules" in calls
    world["cache"].chmod(0o777)
    try:
        calls = _evaluations(monkeypatch)
        assert _decide("touch x", world["cwd"]) == "prompt"
        assert _decide("touch x", world["cwd"]) == "prompt"
        assert calls.count("u.rules") == 2  # a shared folder: no cache at all
    finally:
        world["cache"].chmod(0o700)


def test_hook_process_sees_an_edit_through_the_cache(tmp_path: Path) -> None:
    env = HookEnv(tmp_path)
    rules = env.write_rules(
        env.codex_home / "rules", "u.rules", 'prefix_rule(pattern=["touch"], decision="allow")\n'
    )
    first = env.run(pre_tool("touch a", str(tmp_path)))
    assert first.returncode == 0 and first.stdout == b""
    assert list((tmp_path / "cache").glob("policy-*.marshal"))
    rules.write_text('prefix_rule(pattern=["touch"], decision="forbidden", justification="no")\n')
    second = env.run(pre_tool("touch a", str(tmp_path)))
    assert b'"permissionDecision":"deny"' in second.stdout
    assert b"no" in second.stdout


def test_no_cache_switch(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_GUARD_NO_CACHE", "1")
    calls = _evaluations(monkeypatch)
    _decide("ls", world["cwd"])
    _decide("ls", world["cwd"])
    assert calls.count("catastrophic.rules") == 2
    assert not world["cache"].exists()


def test_entries_rebuild_an_equal_policy(world: dict[str, Path]) -> None:
    """A real policy (packs with guard rules, a network rule, a host executable, a rule with
    alternatives) read back from the cache, whole or file by file, equals the one a single
    parser builds over all files."""
    (world["home"] / "rules" / "n.rules").write_text(
        'prefix_rule(pattern=["deploy", ["a", "b"]], decision="prompt", match=["deploy a"],'
        ' justification="why")\n'
        'network_rule(host="example.com", protocol="https", decision="allow")\n'
        'host_executable(name="git", paths=["/usr/bin/git"])\n'
    )
    found = layers.discover(str(world["cwd"]))
    reference = layers.load_discovered(found)
    assert reference.policy.guard_rules and reference.policy.network_rules
    assert cache.load(str(world["cwd"])) == reference  # cold: evaluated file by file
    assert cache.load(str(world["cwd"])) == reference  # the whole entry
    (entry,) = _entries(world["cache"])
    entry.unlink()
    assert cache.load(str(world["cwd"])) == reference  # from the per-file entries
    assert cache.load_found(found, None) == reference


def test_editing_one_file_re_evaluates_only_that_file(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = world["home"] / "rules"
    (rules / "a.rules").write_text('prefix_rule(pattern=["touch"], decision="prompt")\n')
    (rules / "b.rules").write_text('prefix_rule(pattern=["mv"], decision="prompt")\n')
    assert _decide("touch x", world["cwd"]) == "prompt"
    calls = _evaluations(monkeypatch)
    (rules / "b.rules").write_text('prefix_rule(pattern=["mv"], decision="forbidden")\n')
    assert _decide("mv x y", world["cwd"]) == "forbidden"
    assert calls == ["b.rules"]


def test_a_file_is_re_evaluated_when_host_executables_before_it_change(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's prefix-rule examples are validated with the host executables of the files
    before it, so its entry is keyed on them: changing them re-validates the file, and an
    example that no longer holds fails exactly as a cold evaluation does."""
    rules = world["home"] / "rules"
    (rules / "a.rules").write_text('host_executable(name="git", paths=["/usr/bin/git"])\n')
    (rules / "b.rules").write_text(
        'prefix_rule(pattern=["git", "status"], match=["/usr/bin/git status"])\n'
    )
    assert _decide("git status", world["cwd"]) == "allow"
    calls = _evaluations(monkeypatch)
    (rules / "a.rules").write_text('host_executable(name="git", paths=["/opt/git"])\n')
    with pytest.raises(PolicyError) as cached:
        cache.load(str(world["cwd"]))
    assert calls == ["a.rules", "b.rules"]
    with pytest.raises(PolicyError) as cold:
        layers.load(str(world["cwd"]))
    assert cached.value.message == cold.value.message
    assert cached.value.location() == cold.value.location()


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


def test_old_entries_are_pruned(world: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_KEEP", 2)
    monkeypatch.setattr(cache, "_KEEP_FILES", 5)
    calls = _evaluations(monkeypatch)
    rules = world["home"] / "rules" / "u.rules"
    for i in range(6):
        rules.write_text(f'prefix_rule(pattern=["touch{i}"], decision="prompt")\n')
        assert _decide(f"touch{i} x", world["cwd"]) == "prompt"
    assert len(_entries(world["cache"])) == 2
    assert len(_entries(world["cache"], "file")) == 5
    # the packs' entries, used on every miss, were kept while older user versions went
    assert calls.count("catastrophic.rules") == 1
    assert calls.count("u.rules") == 6


def test_entries_of_the_pickle_format_before_are_removed(world: dict[str, Path]) -> None:
    world["cache"].mkdir(parents=True, exist_ok=True)
    old = world["cache"] / ("policy-" + "0" * 32 + ".pickle")
    old.write_bytes(b"\x80\x05N.")
    _decide("ls", world["cwd"])  # a miss writes its entries, and prunes
    assert not old.exists()


def test_guard_rules_are_unpacked_only_when_their_program_is_judged(
    world: dict[str, Path],
) -> None:
    """A warm load leaves the packs' guard rules packed; judging `rm -rf /` unpacks the rules
    naming rm (and the always-consulted ones), not the rest, and decides as a cold load."""
    cold = _decide("rm -rf /", world["cwd"])
    loaded = cache.load(str(world["cwd"]))  # from the cache
    packed = [g for g in loaded.policy.guard_rules if hasattr(g, "_packed")]
    assert len(packed) == len(loaded.policy.guard_rules) > 100
    assert judge(loaded, analyze_script("rm -rf /"), str(world["cwd"])).decision == cold
    assert cold == "forbidden"
    still = [g for g in loaded.policy.guard_rules if hasattr(g, "_packed")]
    assert 0 < len(packed) - len(still) < 40 and still
    assert all("rm" not in g.programs for g in still)
