"""The module bundle (``codex_guard/_bundle.py``, issue 8): after a hook, the next hook process
imports the package's modules from one cached file, and anything that does not match (an edited
source, a file others could write, a corrupt entry) falls back to the normal imports."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_lean_start import LAUNCHER, ORG_RULES, ROOT
from tests.test_lean_start import isolated_env as _env

PROBE = """
import sys
sys.path[:0] = [{root!r}]
from codex_guard import _bundle
print(_bundle.install())
import codex_guard.hook, codex_guard.shell.analyze
finder = _bundle._FINDER[0]
print(sorted(finder.served))
"""


def _hook(tmp: Path, command: str = "ls -la") -> subprocess.CompletedProcess[bytes]:
    event = {
        "session_id": "s",
        "cwd": str(tmp),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    argv = [sys.executable, "-IS", str(LAUNCHER), "hook", "--client", "codex"]
    return subprocess.run(
        argv, input=json.dumps(event).encode(), capture_output=True, env=_env(tmp), timeout=60
    )


def _probe(tmp: Path) -> tuple[bool, list[str]]:
    code = PROBE.format(root=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-IS", "-c", code], capture_output=True, text=True, env=_env(tmp)
    )
    assert p.returncode == 0, p.stderr
    installed, served = p.stdout.splitlines()
    return installed == "True", json.loads(served.replace("'", '"'))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    rules = tmp_path / "home/.codex/rules"
    rules.mkdir(parents=True)
    (rules / "org.rules").write_text(ORG_RULES.read_text())
    return tmp_path


def _bundle_file(tmp: Path) -> Path:
    (path,) = (tmp / "cache").glob("modules-*.bundle")
    return path


def test_the_next_hook_imports_from_the_bundle(home: Path) -> None:
    assert _probe(home) == (False, [])  # no bundle yet
    for _ in range(2):
        p = _hook(home)
        assert p.returncode == 0 and p.stdout == b"", p.stderr
    installed, served = _probe(home)
    assert installed and {"codex_guard.hook", "codex_guard.shell.analyze"} <= set(served)
    assert _hook(home, "rm -rf /").stdout.startswith(b'{"hookSpecificOutput"')


def test_an_edited_source_is_imported_normally_and_saved_again(home: Path) -> None:
    _hook(home)
    before = _bundle_file(home).read_bytes()
    src = ROOT / "codex_guard" / "verdict.py"
    st = src.stat()
    try:
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        _, served = _probe(home)
        assert "codex_guard.verdict" not in served and "codex_guard.hook" in served
        assert _hook(home).returncode == 0
        assert _bundle_file(home).read_bytes() != before  # the entry was refreshed
        _, served = _probe(home)
        assert "codex_guard.verdict" in served
    finally:
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_bundle_others_could_write_or_a_corrupt_entry_is_not_used(home: Path) -> None:
    _hook(home)
    path = _bundle_file(home)
    path.chmod(0o666)
    assert _probe(home) == (False, [])
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    n = int.from_bytes(data[:4], "little")
    _, _, _, index, *_ = marshal.loads(bytes(data[4 : 4 + n]))
    *_, offset, length = index["codex_guard.hook"]
    data[4 + n + offset : 4 + n + offset + length] = b"\x00" * length  # not code any more
    path.write_bytes(bytes(data))
    installed, served = _probe(home)
    assert installed and "codex_guard.hook" not in served  # imported the normal way instead
    p = _hook(home, "rm -rf /")
    assert json.loads(p.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_lean_code_drops_function_and_class_docstrings_only(tmp_path: Path) -> None:
    """The bundle's code has no function or class docstrings (a hook only runs them) but keeps
    the module docstring (command help prints it), ``assert`` statements, line numbers and
    behaviour."""
    from codex_guard import _bundle

    src = tmp_path / "m.py"
    src.write_text(
        '"""Module doc."""\n'
        "from __future__ import annotations\n"
        "def only():\n"
        '    """Only a docstring."""\n'
        "def f(x):\n"
        '    """Doc of f."""\n'
        "    assert x > 0, 'positive'\n"
        "    return x * 2\n"
        "class C:\n"
        '    """Doc of C."""\n'
        "    y = 3\n"
        "def g():\n"
        "    x = 1\n"
        '    "not a docstring"\n'
        "    return x\n"
    )
    code = _bundle._lean_code(str(src))
    ns: dict[str, object] = {}
    exec(code, ns)
    assert ns["__doc__"] == "Module doc."
    f, c, only, g = ns["f"], ns["C"], ns["only"], ns["g"]
    assert f.__doc__ is None and c.__doc__ is None and only.__doc__ is None  # type: ignore[attr-defined]
    assert only() is None and f(2) == 4 and c.y == 3 and g() == 1  # type: ignore[operator,attr-defined]
    with pytest.raises(AssertionError, match="positive"):
        f(0)  # type: ignore[operator]
    assert f.__code__.co_firstlineno == 5  # type: ignore[attr-defined]
    # the future statement's flag applies, without its run-time import of __future__
    assert "annotations" not in ns and b"__future__" not in marshal.dumps(code)
    typed = tmp_path / "t.py"
    typed.write_text("from __future__ import annotations\ndef h(x: Undefined) -> Nope: ...\n")
    ns = {}
    exec(_bundle._lean_code(str(typed)), ns)
    assert ns["h"].__annotations__ == {"x": "Undefined", "return": "Nope"}  # type: ignore[attr-defined]
    typed.write_text("from __future__ import braces_please\n")
    with pytest.raises(SyntaxError):
        _bundle._lean_code(str(typed))
    strings = [k for k in marshal.dumps(code).split(b"\x00") if b"Doc of" in k]
    assert strings == []


def test_warm_bundles_every_module_so_the_first_hook_compiles_none(home: Path) -> None:
    """``install`` calls ``_bundle.warm()``: afterwards the bundle holds every module of the
    package, the first hook imports the ones it needs from it and has nothing to save."""
    code = f"import sys; sys.path[:0] = [{str(ROOT)!r}]\nfrom codex_guard import _bundle\n"
    warm = subprocess.run(
        [sys.executable, "-IS", "-c", code + "print(_bundle.warm(), _bundle.warm())"],
        capture_output=True,
        text=True,
        env=_env(home),
    )
    added, again = map(int, warm.stdout.split())
    package = [p for p in (ROOT / "codex_guard").rglob("*.py") if "__pycache__" not in p.parts]
    assert added == len(package) and again == 0, warm.stderr
    for _ in range(2):  # the first decides in a forked process (policy cache miss)
        assert _hook(home).returncode == 0
    first = _bundle_file(home).read_bytes()
    table, usages = _head(first)
    assert usages, "each process's imports are recorded as a usage"
    common = frozenset.intersection(*usages)
    assert {"codex_guard.commands.hook", "codex_guard.events"} <= common
    assert not any("codex_guard.cli" in u or "codex_guard._bundle" in u for u in usages)
    # the modules every usage has are one group (one read, one unmarshal); unused ones alone
    assert len({table[m][4:] for m in common}) == 1
    unused = [table[m][4:] for m in table if not any(m in u for u in usages)]
    assert len(set(unused)) == len(unused) > 10
    assert _hook(home).returncode == 0
    assert _bundle_file(home).read_bytes() == first  # the same imports: nothing to record
    installed, served = _probe(home)
    assert installed and {"codex_guard.hook", "codex_guard.shell.analyze"} <= set(served)


def test_each_usage_refines_the_groups(home: Path) -> None:
    """A prompt imports other modules than a shell command: after both, each recorded usage
    reads only groups of modules it imports (no code it does not run), and few of them."""
    _hook(home)
    _hook(home)  # policy cache filled: decided in this process
    event = {
        "session_id": "s",
        "cwd": str(home),
        "hook_event_name": "UserPromptSubmit",
        "prompt": "hello",
    }
    argv = [sys.executable, "-IS", str(LAUNCHER), "hook", "--client", "codex"]
    before = len(_head(_bundle_file(home).read_bytes())[1])
    p = subprocess.run(argv, input=json.dumps(event).encode(), capture_output=True, env=_env(home))
    assert p.returncode == 0, p.stderr
    table, usages = _head(_bundle_file(home).read_bytes())
    assert len(usages) > before
    command = usages[before - 1]  # the in-process plain command
    prompt = usages[-1]
    assert "codex_guard.shell.analyze" in command and "codex_guard.shell.analyze" not in prompt
    groups: dict[tuple[object, ...], set[str]] = {}
    for name, entry in table.items():
        groups.setdefault(entry[4:], set()).add(name)
    for usage in usages:  # an event importing a usage reads only groups it wholly needs
        touched = [g for g in groups.values() if g & usage]
        assert all(g <= usage for g in touched)
        assert len(touched) < len(usage) / 3  # and far fewer of them than modules


def _head(data: bytes) -> tuple[dict[str, tuple[object, ...]], list[frozenset[str]]]:
    n = int.from_bytes(data[:4], "little")
    _, _, _, table, _, (offset, length), _ = marshal.loads(data[4 : 4 + n])
    usages = marshal.loads(data[4 + n + offset : 4 + n + offset + length])
    return table, usages


def test_extension_modules_are_loaded_from_the_file_a_hook_used(home: Path) -> None:
    """The extension modules a hook imported (``_json``, ``_sha256``, ``fcntl``) are loaded
    next time from the same file, without searching ``sys.path``; never when the file changed
    or its folder is no longer on ``sys.path``."""
    for _ in range(2):
        assert _hook(home).returncode == 0
    data = _bundle_file(home).read_bytes()
    n = int.from_bytes(data[:4], "little")
    extensions = marshal.loads(data[4 : 4 + n])[4]
    assert {"_json", "_sha256", "fcntl"} <= set(extensions)
    import _json

    assert extensions["_json"][0] == _json.__file__
    code = f"""
import os, sys
sys.path[:0] = [{str(ROOT)!r}]
from codex_guard import _bundle
assert _bundle.install()
finder = _bundle._FINDER[0]
spec = finder.find_spec("_json")
print(spec.origin, type(spec.loader).__name__)
import _json
print(_json.__spec__.origin == spec.origin and callable(_json.make_scanner))
path, size, mtime = finder.extensions["_json"]
finder.extensions["_json"] = (path, size, mtime + 1)
print(finder.find_spec("_json"))
finder.extensions["_json"] = (path, size, mtime)
sys.path.remove(os.path.dirname(path))
print(finder.find_spec("_json"))
"""
    p = subprocess.run(
        [sys.executable, "-IS", "-c", code], capture_output=True, text=True, env=_env(home)
    )
    assert p.stdout.splitlines() == [
        f"{_json.__file__} ExtensionFileLoader",
        "True",
        "None",
        "None",
    ], p.stderr


def test_a_recorded_usage_is_recognised_without_reading_the_usages(home: Path) -> None:
    """A hook whose imports are a recorded usage knows it from the head (the groups it read,
    each wholly imported); only a process that may be a new usage reads the usages."""
    for _ in range(3):
        assert _hook(home).returncode == 0
    event = {
        "session_id": "s",
        "cwd": str(home),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "ls -la"},
    }
    code = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}]
sys.argv = ["launch.py", "hook", "--client", "codex"]
from codex_guard import _bundle
assert _bundle.install()
def counted(self, real=_bundle._Finder.read_usages):
    sys.stderr.write("read usages\\n")
    return real(self)
_bundle._Finder.read_usages = counted
from codex_guard._launch import main
main()
"""
    argv = [sys.executable, "-IS", "-c", code]
    p = subprocess.run(argv, input=json.dumps(event).encode(), capture_output=True, env=_env(home))
    assert p.returncode == 0 and p.stdout == b"", p.stderr
    assert b"read usages" not in p.stderr
    event["tool_input"] = {"command": "echo 'quoted' > out.txt"}  # the parser: other modules
    p = subprocess.run(argv, input=json.dumps(event).encode(), capture_output=True, env=_env(home))
    assert p.returncode == 0, p.stderr
    assert b"read usages" in p.stderr
