"""The compiled-policy cache: evaluated rules of every layer, reused while no source changes.

Evaluating the Starlark rule files (and validating every ``match``/``not_match`` example) is the
most expensive part of a hook call, and the hook is a new process on every shell call. This module
stores the evaluated :class:`~codex_guard.policy.layers.LoadedPolicy` in the user cache directory
(platformdirs ``user_cache_dir("codex-guard")``, or ``$CODEX_GUARD_CACHE_DIR``) and reuses it while
its key holds.

Two kinds of entry, both keyed by the codex-guard version, the Python version and the stat of
every module of the ``policy`` package (so an upgrade or an edited checkout never reuses an old
layout):

* ``policy-<key>.marshal``, the whole policy, keyed by the stat (path, size, mtime in ns, inode)
  of every discovered input with its layer: one read on a hit. Discovery itself (listing the
  rule folders, reading project trust) runs on every call, so a new, removed or re-trusted file
  changes the key at once.
* ``file-<key>.marshal``, one rule file's evaluated contribution (its rules, network rules and
  ``host_executable`` definitions), keyed by that file's path, layer, stat and the
  ``host_executable`` definitions of the files before it (the only state a file's evaluation
  reads from earlier files: its prefix-rule examples are checked with them). On a miss of the
  whole policy only the files whose entry misses are evaluated (and their examples validated),
  so editing one user rules file does not re-evaluate the built-in packs.

Entries are ``marshal`` dumps of plain data only (tuples, lists, dicts, strings, numbers; each
class converts itself with ``to_plain``/``from_plain``), written atomically (temporary file +
``os.replace``) into a 0700 folder as 0600 files. ``marshal`` is not safe against crafted data,
so an entry is only read when it and its folder are owned by this user and writable by nobody
else (:func:`codex_guard._dirs.private_dir`); it must carry the magic and its own key, and every
value is checked against the expected shape while the objects are rebuilt (a code object or any
other type is refused). Anything else is a miss and is rewritten. Guard rules are the exception
to checking at load: each is stored as its own ``marshal`` bytes with its program names, and
unpacked and checked only when a command first names one of its programs (``GuardRule.lazy``;
a hook process needs a handful of the 150 built-in ones); a forged rule that gets that far
raises, and the hook answers fail-closed. A file that fails to evaluate is
never cached. The newest 32 whole-policy and 128 per-file entries are kept (a per-file entry
read on a miss counts as new, so the packs' entries outlive edited user files).
``CODEX_GUARD_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import marshal
import os
import sys
from itertools import chain  # built in: no import cost
from stat import S_ISREG  # imported by os already

from codex_guard.policy.guard import GuardRule
from codex_guard.policy.layers import (
    Discovery,
    LoadedPolicy,
    RuleFile,
    discover,
    requirements_policy,
)
from codex_guard.policy.policy import Policy
from codex_guard.policy.rule import PrefixRule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from codex_guard.policy.policy import ArgvRule

_MAGIC = "codex-guard-policy-cache/6"  # 6: guard rules packed with programs, subcommand, needs
_KEEP = 32  # whole-policy entries kept per cache folder; older ones are pruned on write
_KEEP_FILES = 128  # per-file entries kept


def cache_dir() -> str:
    """``$CODEX_GUARD_CACHE_DIR`` or platformdirs' user cache folder for codex-guard."""
    from codex_guard._dirs import guard_dir

    return guard_dir("cache")


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


_BASE: list[object] = []


def _base() -> list[object]:
    """What every key starts with: magic, codex-guard and Python versions, and the stat of
    every module of the rules engine (an edited checkout or an upgrade never reuses a layout)."""
    if not _BASE:
        from codex_guard import __version__

        here = os.path.dirname(os.path.abspath(__file__))
        _BASE.extend([_MAGIC, __version__, sys.version_info[:2]])
        _BASE.extend(
            (n, _stat(os.path.join(here, n))) for n in sorted(os.listdir(here)) if n.endswith(".py")
        )
    return _BASE


def _hash(parts: list[object]) -> str:
    from codex_guard._sha import sha256_hex

    return sha256_hex(repr(parts).encode("utf-8", "surrogatepass"))


def cache_key(found: Discovery) -> str:
    """The hex SHA-256 of everything a cached policy depends on: the codex-guard version and
    evaluator sources plus :meth:`Discovery.cache_key` (files with layers, requirements, trust,
    the stat of every input)."""
    return _hash([*_base(), found.cache_key()])


def file_key(f: RuleFile, before: dict[str, list[str]]) -> str:
    """The hex SHA-256 of everything one file's evaluation depends on: the codex-guard version
    and evaluator sources, the file's path, layer, ``guard_rule`` availability and stat, and the
    ``host_executable`` definitions ``before`` it (its examples are validated with them)."""
    hosts = tuple((k, tuple(v)) for k, v in before.items())
    return _hash([*_base(), "file", f.to_plain(), _stat(f.path), hosts])


# ----------------------------------------------------------------------------- plain data


def _policy_to_plain(p: Policy) -> tuple[object, ...]:
    guards = []
    for g in p.guard_rules:
        if not isinstance(g, GuardRule):
            raise TypeError(f"cannot cache argv rule {type(g).__name__}")
        guards.append((g.programs, g.subcommand, g._needs, marshal.dumps(g.to_plain())))  # type: ignore[arg-type]
    exact, prefixed, always = p._guard_candidates()  # stored: built once, not per hook
    return (
        {k: [r.to_plain() for r in rs] for k, rs in p.rules_by_program.items()},
        {k: list(v) for k, v in p.host_executables.items()},
        guards,
        [n.to_plain() for n in p.network_rules],
        list(p.files),
        (exact, prefixed, always),
    )


def _strs(v: object) -> list[str]:
    if type(v) is list and all(type(x) is str for x in v):
        return v
    raise ValueError("expected a list of strings")


def _types(values: Iterable[object]) -> set[type]:
    """The set of the types of ``values`` (one C-level pass)."""
    return set(map(type, values))


def _list(v: object) -> list[object]:
    if type(v) is list:
        return v
    raise ValueError("expected a list")


def _policy_from_plain(data: object) -> Policy:
    """Rebuild a :class:`Policy`, checking every value's shape.

    Raises:
        ValueError: ``data`` does not have the expected shape.
    """
    if type(data) is not tuple or len(data) != 6:
        raise ValueError("bad Policy")
    rules, hosts, guards, network, files, index = data
    if type(rules) is not dict or type(hosts) is not dict:
        raise ValueError("bad Policy")
    out = Policy(files=list(_strs(files)))
    by_program = out.rules_by_program
    from_plain = PrefixRule.from_plain
    for k, rs in rules.items():
        if type(k) is not str or type(rs) is not list:
            raise ValueError("bad Policy")
        built = by_program[k] = [from_plain(r) for r in rs]
        for r in built:
            if r.first != k:
                raise ValueError("bad Policy")
    for k, v in hosts.items():
        if type(k) is not str:
            raise ValueError("bad Policy")
        out.host_executables[k] = list(_strs(v))
    # each rule is unpacked and checked when first used (GuardRule.lazy); the shapes of what
    # the index needs are checked here, column by column (C-level passes: a Python loop over
    # the built-in packs' rules cost about 0.3 ms of every hook)
    rows: list[Any] = _list(guards)
    if rows:
        if _types(rows) != {tuple} or set(map(len, rows)) != {4}:
            raise ValueError("bad Policy")
        programs, subcommands, needs, packed = zip(*rows, strict=True)
        if not (
            _types(programs) == {tuple}
            and _types(subcommands) == {tuple}
            and _types(needs) == {int}
            and _types(packed) == {bytes}
            and _types(chain.from_iterable(programs)) <= {str}
            and _types(chain.from_iterable(subcommands)) <= {str}
        ):
            raise ValueError("bad Policy")
        argv_rules: list[ArgvRule] = list(map(GuardRule.lazy, programs, subcommands, needs, packed))
    else:
        argv_rules = []
    out.guard_rules = argv_rules
    out._guard_index = (argv_rules, len(argv_rules), *_guard_index(index, len(argv_rules)))
    if _list(network):  # rarely any: not imported otherwise
        from codex_guard.policy.network import NetworkRule

        out.network_rules = [NetworkRule.from_plain(n) for n in network]
    return out


def _guard_index(
    data: object, n: int
) -> tuple[dict[str, list[int]], list[tuple[str, int]], list[int]]:
    """The stored ``Policy._guard_candidates`` of ``n`` guard rules, checked.

    Raises:
        ValueError: ``data`` does not have the expected shape or names a rule beyond ``n``.
    """
    if type(data) is not tuple or len(data) != 3:
        raise ValueError("bad guard index")
    exact, prefixed, always = data
    if type(exact) is not dict or type(prefixed) is not list or type(always) is not list:
        raise ValueError("bad guard index")
    if _types(exact.values()) - {list} or _types(exact) - {str}:
        raise ValueError("bad guard index")
    if _types(prefixed) - {tuple} or set(map(len, prefixed)) - {2}:
        raise ValueError("bad guard index")
    starts, at = zip(*prefixed, strict=True) if prefixed else ((), ())
    indices = [*chain.from_iterable(exact.values()), *at, *always]
    if _types(starts) - {str} or _types(indices) - {int}:
        raise ValueError("bad guard index")
    if indices and (min(indices) < 0 or max(indices) >= n):
        raise ValueError("bad guard index")
    return exact, prefixed, always


def _loaded_to_plain(loaded: LoadedPolicy) -> tuple[object, ...]:
    return (
        _policy_to_plain(loaded.policy),
        [f.to_plain() for f in loaded.files],
        loaded.project_root,
        loaded.project_trusted,
    )


def _loaded_from_plain(data: object) -> LoadedPolicy:
    if type(data) is not tuple or len(data) != 4:
        raise ValueError("bad LoadedPolicy")
    policy, files, root, trusted = data
    if not (root is None or type(root) is str) or type(trusted) is not bool:
        raise ValueError("bad LoadedPolicy")
    return LoadedPolicy(
        _policy_from_plain(policy), [RuleFile.from_plain(f) for f in _list(files)], root, trusted
    )


# ----------------------------------------------------------------------------- entries


def _read(path: str, key: str) -> object | None:
    """The payload of entry ``path`` when it is private, well-formed and carries ``key``;
    None otherwise (the caller still checks the payload's shape)."""
    try:  # non-blocking: a FIFO planted at the path is refused, not waited on
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not S_ISREG(st.st_mode):
            return None
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            return None  # someone else could have written it
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            obj: object = marshal.loads(fh.read())  # marshal.load reads piece by piece
    except Exception:  # unreadable or malformed: a miss
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    if isinstance(obj, tuple) and type(obj) is tuple and len(obj) == 3:
        magic, found, payload = obj
        if magic == _MAGIC and found == key:
            out: object = payload
            return out
    return None


def _write(folder: str, path: str, key: str, payload: object, prefix: str, keep: int) -> None:
    """Store ``payload`` atomically (:func:`codex_guard._dirs.write_private`); failures only
    cost the next call a re-evaluation."""
    from codex_guard._dirs import write_private

    try:
        data = marshal.dumps((_MAGIC, key, payload))  # type: ignore[arg-type]
    except ValueError as e:  # unmarshallable: a cache is an optimisation, never a failure
        sys.stderr.write(f"codex-guard: policy cache not written: {e}\n")
        return
    error = write_private(folder, path, data)
    if error is not None:
        sys.stderr.write(f"codex-guard: policy cache not written: {error}\n")
        return
    try:  # noqa: SIM105 - contextlib costs the hook's start-up
        _prune(folder, prefix, keep)
    except OSError:
        pass


def _prune(folder: str, prefix: str, keep: int) -> None:
    """Delete all but the ``keep`` newest ``<prefix>*.marshal`` entries of ``folder``, and every
    ``<prefix>*.pickle`` entry of the format before (never read again)."""
    names = []
    for n in os.listdir(folder):
        if n.startswith(prefix) and n.endswith(".marshal"):
            names.append(n)
        elif n.startswith(prefix) and n.endswith(".pickle"):
            _unlink(os.path.join(folder, n))
    if len(names) <= keep:
        return  # nothing to stat
    entries = []
    for name in names:
        p = os.path.join(folder, name)
        try:
            entries.append((os.stat(p).st_mtime_ns, p))
        except OSError:
            continue
    for _, p in sorted(entries)[:-keep]:
        _unlink(p)


def _unlink(path: str) -> None:
    try:  # noqa: SIM105 - contextlib costs the hook's start-up (issue 8)
        os.unlink(path)
    except OSError:
        pass


def _trusted_folder(folder: str) -> bool:
    from codex_guard._dirs import private_dir

    return private_dir(folder)


def evaluate_file(f: RuleFile, before: dict[str, list[str]]) -> Policy:
    """Evaluate one rule file on its own: its rules, guard rules, network rules and file name,
    and only the ``host_executable`` definitions it makes (``before``: those of the files
    before it, which its prefix-rule examples are validated with). Merging the results of every
    file in order (:func:`merge_file`) gives what one parser over all files gives.

    Raises:
        PolicyError: the file cannot be read or parsed, or an example fails (as Codex words it).
    """
    from codex_guard.policy.parser import PolicyParser, read_rules  # starlark: only on a miss

    parser = PolicyParser(Policy(host_executables=dict(before)))
    parser.parse(f.path, read_rules(f.path), layer=f.layer, guard_builtins=f.guard)
    out = parser.policy
    out.host_executables = {
        k: v for k, v in out.host_executables.items() if k not in before or before[k] != v
    }
    return out


def merge_file(into: Policy, part: Policy) -> None:
    """Append one file's contribution (:func:`evaluate_file`) to ``into``, as the parser would
    have: rules after the existing ones per program, guard and network rules after the existing
    ones, its host executables replacing earlier definitions, its file name appended."""
    for rules in part.rules_by_program.values():
        for r in rules:
            into.add_rule(r)
    into.guard_rules += part.guard_rules
    into.network_rules += part.network_rules
    into.host_executables.update(part.host_executables)
    into.files += part.files


def _load_files(files: tuple[RuleFile, ...], folder: str | None) -> Policy:
    """Every file's contribution, from its own entry when ``folder`` (a trusted cache folder)
    holds one, else evaluated (and stored)."""
    policy = Policy()
    for f in files:
        key = file_key(f, policy.host_executables) if folder is not None else ""
        path = os.path.join(folder, f"file-{key[:32]}.marshal") if folder is not None else ""
        part = None
        if folder is not None:
            payload = _read(path, key)
            if payload is not None:
                try:
                    part = _policy_from_plain(payload)
                    os.utime(path)  # recently used: pruning drops the oldest entries first
                except (ValueError, OSError):
                    pass
        if part is None:
            part = evaluate_file(f, policy.host_executables)
            if folder is not None:
                try:
                    plain: object = _policy_to_plain(part)
                except TypeError:
                    plain = None
                if plain is not None:
                    _write(folder, path, key, plain, "file-", _KEEP_FILES)
        merge_file(policy, part)
    return policy


def load_found(found: Discovery, folder: str | None) -> LoadedPolicy:
    """Evaluate what :func:`~codex_guard.policy.layers.discover` found, file by file through
    the per-file entries of ``folder`` (None: no cache), then append the requirements rules.

    Raises:
        PolicyError: a rule or requirements file is unreadable or invalid.
    """
    policy = _load_files(found.files, folder)
    policy.merge_overlay(requirements_policy(found.requirements))
    return LoadedPolicy(policy, list(found.files), found.project_root, found.project_trusted)


# policies :func:`cached` found, for the :func:`load` that follows in the same process (one shot)
_PEEKED: dict[tuple[object, ...], LoadedPolicy] = {}


def cached(cwd: str | None, *, extra: list[str] | None = None) -> LoadedPolicy | None:
    """The policy for an event in ``cwd`` when the cache holds it (nothing to evaluate), else
    None; never evaluates a rule file. The next :func:`load` with the same arguments in this
    process returns it without reading the entry again.

    Raises:
        PolicyError: a rules folder cannot be listed or the user config.toml is invalid.
    """
    if os.environ.get("CODEX_GUARD_NO_CACHE"):
        return None
    found = discover(cwd, extra=extra)
    folder = cache_dir()
    if not _trusted_folder(folder):
        return None
    key = cache_key(found)
    payload = _read(os.path.join(folder, f"policy-{key[:32]}.marshal"), key)
    if payload is None:
        return None
    try:
        loaded = _loaded_from_plain(payload)
    except ValueError:
        return None
    _PEEKED[(cwd, tuple(extra or ()))] = loaded
    return loaded


def load(
    cwd: str | None,
    *,
    extra: list[str] | None = None,
    home: str | None = None,
    requirements: list[str] | None = None,
) -> LoadedPolicy:
    """Every layer's policy for an event in ``cwd``, from the cache when its key still holds.

    Same arguments, result and errors as :func:`codex_guard.policy.layers.load`; a miss
    evaluates the files whose own entry misses (raising
    :class:`~codex_guard.policy.errors.PolicyError` for a broken one, which is never cached) and
    stores the result.
    """
    if home is None and requirements is None:
        peeked = _PEEKED.pop((cwd, tuple(extra or ())), None)
        if peeked is not None:
            return peeked
    found = discover(cwd, extra=extra, home=home, requirements=requirements)
    if os.environ.get("CODEX_GUARD_NO_CACHE"):
        return load_found(found, None)
    key = cache_key(found)
    folder = cache_dir()
    path = os.path.join(folder, f"policy-{key[:32]}.marshal")
    trusted = _trusted_folder(folder)
    if trusted:
        payload = _read(path, key)
        if payload is not None:
            try:
                return _loaded_from_plain(payload)
            except ValueError:
                pass
    else:
        try:  # noqa: SIM105 - a missing folder is created private; a shared one is never read
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            pass
        trusted = _trusted_folder(folder)
    loaded = load_found(found, folder if trusted else None)
    if trusted:
        _write(folder, path, key, _loaded_to_plain(loaded), "policy-", _KEEP)
    return loaded
