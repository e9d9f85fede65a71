"""The compiled-policy cache: evaluated rules of every layer, reused while no source changes.

Evaluating the Starlark rule files (and validating every ``match``/``not_match`` example) is the
most expensive part of a hook call, and the hook is a new process on every shell call. This module
stores the evaluated :class:`~codex_guard.policy.layers.LoadedPolicy` in the user cache directory
(platformdirs ``user_cache_dir("codex-guard")``, or ``$CODEX_GUARD_CACHE_DIR``) and reuses it while
its key holds.

The key is the codex-guard version, the stat (path, size, mtime in ns, inode) of every discovered
rule file with its layer, and the stat of every module of the ``policy`` package (so an upgrade or
an edited checkout never reuses an old layout). Discovery itself (listing the rule folders, reading
project trust) runs on every call, so a new, removed or re-trusted file changes the key at once.

Entries are pickles written atomically (temporary file + ``os.replace``) into a 0700 folder as
0600 files, one per key. They are loaded with an unpickler that only resolves an explicit list of
codex-guard's data classes, so a forged cache file cannot name any callable; any
entry that cannot be read, unpickled or does not carry the expected header is a miss and is
rewritten. ``CODEX_GUARD_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from typing import Any

from codex_guard.policy.layers import Discovery, LoadedPolicy, discover, load_discovered

_MAGIC = "codex-guard-policy-cache/1"
_KEEP = 32  # entries kept per cache folder; older ones are pruned on write


_ALLOWED_GLOBALS = frozenset(
    {
        ("codex_guard.policy.globs", "Pattern"),
        ("codex_guard.policy.guard", "GuardRule"),
        ("codex_guard.policy.layers", "LoadedPolicy"),
        ("codex_guard.policy.layers", "RuleFile"),
        ("codex_guard.policy.network", "NetworkRule"),
        ("codex_guard.policy.policy", "Policy"),
        ("codex_guard.policy.rule", "PrefixRule"),
        ("codex_guard.policy.rule", "Source"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)


class _Unpickler(pickle.Unpickler):
    """Resolves only the data classes of :data:`_ALLOWED_GLOBALS`; any other global (a
    function such as ``codex_guard.cli.main``, ``os.system``) makes the load fail before it
    can be called."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} not allowed in the policy cache")


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


def cache_key(found: Discovery) -> str:
    """The hex SHA-256 of everything a cached policy depends on: the codex-guard version and
    evaluator sources plus :meth:`Discovery.cache_key` (files with layers, requirements, trust,
    the stat of every input)."""
    import hashlib

    from codex_guard import __version__

    here = os.path.dirname(os.path.abspath(__file__))
    parts: list[object] = [_MAGIC, __version__, sys.version_info[:2]]
    # every module of the rules engine: an edited checkout or an upgrade never reuses a layout
    parts += [
        (n, _stat(os.path.join(here, n))) for n in sorted(os.listdir(here)) if n.endswith(".py")
    ]
    parts.append(found.cache_key())
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: str, key: str) -> LoadedPolicy | None:
    try:
        with open(path, "rb") as fh:
            obj = _Unpickler(fh).load()
    except Exception:  # any unreadable or forged entry is a miss
        return None
    if (
        isinstance(obj, tuple)
        and len(obj) == 3
        and obj[0] == _MAGIC
        and obj[1] == key
        and isinstance(obj[2], LoadedPolicy)
    ):
        return obj[2]
    return None


def _write(folder: str, path: str, key: str, loaded: LoadedPolicy) -> None:
    """Store ``loaded`` atomically; failures only cost the next call a re-evaluation."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((_MAGIC, key, loaded), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune(folder)
    except Exception as e:  # pickling or I/O: a cache is an optimisation, never a failure
        sys.stderr.write(f"codex-guard: policy cache not written: {e}\n")
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def _prune(folder: str) -> None:
    entries = []
    for name in os.listdir(folder):
        if name.startswith("policy-") and name.endswith(".pickle"):
            p = os.path.join(folder, name)
            try:
                entries.append((os.stat(p).st_mtime_ns, p))
            except OSError:
                continue
    for _, p in sorted(entries)[:-_KEEP]:
        with contextlib.suppress(OSError):
            os.unlink(p)


def load(
    cwd: str | None,
    *,
    extra: list[str] | None = None,
    home: str | None = None,
    requirements: list[str] | None = None,
) -> LoadedPolicy:
    """Every layer's policy for an event in ``cwd``, from the cache when its key still holds.

    Same arguments, result and errors as :func:`codex_guard.policy.layers.load`; a miss
    evaluates the files (raising :class:`~codex_guard.policy.errors.PolicyError` for a broken
    one, which is never cached) and stores the result.
    """
    found = discover(cwd, extra=extra, home=home, requirements=requirements)
    if os.environ.get("CODEX_GUARD_NO_CACHE"):
        return load_discovered(found)
    key = cache_key(found)
    folder = cache_dir()
    path = os.path.join(folder, f"policy-{key[:32]}.pickle")
    hit = _read(path, key)
    if hit is not None:
        return hit
    loaded = load_discovered(found)
    _write(folder, path, key, loaded)
    return loaded
