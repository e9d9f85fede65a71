"""The hook's own modules served from one cached file (issue 8: start-up is the hook's cost).

A hook process imports about forty ``codex_guard`` modules. Through the normal path finder each
costs a few file-system calls (the extension-module spellings tried first, the ``.py`` stat, the
``__pycache__`` file opened and read), about 1.5 ms in all on the reference machine. This module
keeps the compiled code of the package in one file in the cache folder and installs a meta-path
finder that serves modules from it, the way CPython's own frozen modules are served from memory.

The file is a 4-byte length, a ``marshal``-ed head, groups of code, each the ``marshal`` of
``{module name: code}``, and the *usages*: the sets of modules that hook processes imported (at
most :data:`_MAX_USAGES`; read only when saving). The head holds the index (``name → (source, is
package, source size, source mtime, offset, length)``, offset and length of the module's group),
the extension modules, where the usages are, and the groups of each usage (so that a process
whose imports are a recorded usage knows it without reading the usages). Modules
are grouped by the usages they belong to, so a process whose imports match a usage seen before
reads and unmarshals a few groups, each wholly needed, instead of forty separate objects: one
``marshal.loads`` shares the strings and names common to its modules, which measured 0.5 ms less
for a hook than one load per module. A module in no usage yet (``warm``) is a group of its own.
The code is compiled without the docstrings of functions and classes (:func:`_lean_code`), a
sixth of what would be unmarshalled otherwise.

Every served module is checked against its source first: the entry records the ``.py`` file's
size and mtime (what a timestamp ``.pyc`` records, PEP 552), and a module whose source no
longer matches is left to the normal import system. The file is read only when it and its
folder are private (:func:`codex_guard._dirs.private_dir`, as every cache entry), it carries the
interpreter's bytecode magic number and the package's own location, and each entry and code
object it serves has the expected shape; anything else and the hook imports as usual.
``CODEX_GUARD_NO_CACHE=1`` turns it off. :func:`save` rewrites the file after a hook when a
module was imported the normal way (a new codex-guard version, an edited checkout) or the
process's imports are a usage not seen before (an event kind not seen before).
"""

# No ``from __future__ import annotations`` (annotations naming typing-only names are quoted):
# this module is imported before the bundle serves any, and that import costs a module load.

import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    Entry = tuple[str, bool, int, int, int, int]

_FORMAT = "codex-guard-modules/9"  # 7: extensions; 8: usages at the end; 9: their groups
_PACKAGE = "codex_guard"
_CODE = type((lambda: None).__code__)
_MAX_USAGES = 24
"""Usages kept in the bundle; later ones are not recorded (their modules stay where they are)."""


class _Finder:
    """A meta-path finder and loader for the modules of one bundle (see the module docstring)."""

    def __init__(self, root: str, fd: int = -1, base: int = 0) -> None:
        self.root = root
        self.fd = fd  # the open bundle, kept for the life of the process
        self.base = base  # where the groups start
        self.table: dict[str, Any] = {}  # the head's index; an entry is checked when used
        self.usages_at = (0, 0)  # (offset, length) of the usages, read only when saving
        self.known: object = ()  # per usage, the set of its groups (offset, length)
        self.extensions: dict[str, Any] = {}  # top-level extension module → (path, size, mtime)
        self.served: set[str] = set()
        self.before: frozenset[str] = frozenset()  # modules imported before the finder
        self.groups: dict[tuple[int, int], dict[str, Any]] = {}  # read, not yet imported
        self.code: dict[str, Any] = {}  # found by find_spec, run by exec_module
        self.bundle = ""  # the file's path (each served module's ``__cached__``)

    def entry(self, name: str) -> "Entry | None":
        """The index entry of module ``name`` when it has the expected shape."""
        e = self.table.get(name)
        if (
            type(e) is tuple
            and len(e) == 6
            and type(e[0]) is str
            and e[0].startswith(self.root + os.sep)
            and type(e[1]) is bool
            and type(e[2]) is int
            and type(e[3]) is int
            and type(e[4]) is int
            and type(e[5]) is int
            and e[4] >= 0
            and e[5] > 0
        ):
            return e
        return None

    def read_code(self, name: str, entry: "Entry") -> "Any":
        """The code object of module ``name`` from its group, or None when it cannot be read."""
        where = (entry[4], entry[5])
        group = self.groups.get(where)
        if group is None:
            try:
                data = os.pread(self.fd, entry[5], self.base + entry[4])
                group = marshal.loads(data) if len(data) == entry[5] else None
            except (OSError, EOFError, ValueError, TypeError):
                group = None
            if type(group) is not dict:
                return None
            self.groups[where] = group
        code = group.pop(name, None)
        return code if type(code) is _CODE else None

    def read_usages(self) -> list[frozenset[str]]:
        """The usages recorded in the bundle (after the groups: only a save reads them)."""
        offset, length = self.usages_at
        if self.fd < 0 or length <= 0:
            return []
        try:
            data = os.pread(self.fd, length, self.base + offset)
            usages = marshal.loads(data) if len(data) == length else None
        except (OSError, EOFError, ValueError, TypeError):
            return []
        if type(usages) is not list or set(map(type, usages)) - {frozenset}:
            return []
        return usages

    def find_spec(self, name: str, path: object = None, target: object = None) -> "Any":
        if name in self.extensions:
            return self.extension_spec(name)
        entry = self.entry(name)
        if entry is None or not _current(entry):
            return None  # not bundled, or the source changed: the normal path finder
        code = self.read_code(name, entry)
        if code is None:
            return None
        self.code[name] = code
        import _frozen_importlib  # type: ignore[import-not-found,unused-ignore]  # no stub

        origin, is_pkg = entry[0], entry[1]
        spec = _frozen_importlib.ModuleSpec(name, self, origin=origin, is_package=is_pkg)  # type: ignore[arg-type]
        spec.has_location = True
        spec.cached = self.bundle  # not derived from the origin (a stat-free string, but work)
        if is_pkg:
            spec.submodule_search_locations = [os.path.dirname(origin)]
        return spec

    def extension_spec(self, name: str) -> "Any":
        """The spec of extension module ``name`` at the file a hook process imported it from
        (no search of ``sys.path``: the search and listing its folders cost more than loading
        the module), when that file is unchanged and its folder is still on ``sys.path``;
        None otherwise (the normal import)."""
        e = self.extensions[name]
        if not (
            type(e) is tuple
            and len(e) == 3
            and type(e[0]) is str
            and type(e[1]) is int
            and type(e[2]) is int
            and os.path.dirname(e[0]) in sys.path
            and _current((e[0], False, e[1], e[2], 0, 0))
        ):
            return None
        import _frozen_importlib  # type: ignore[import-not-found,unused-ignore]  # no stub
        import _frozen_importlib_external  # type: ignore[import-not-found,unused-ignore]

        loader = _frozen_importlib_external.ExtensionFileLoader(name, e[0])
        spec = _frozen_importlib.ModuleSpec(name, loader, origin=e[0])
        spec.has_location = True
        return spec

    def create_module(self, spec: "Any") -> None:
        return None  # the default module object

    def exec_module(self, module: "ModuleType") -> None:
        name = module.__name__
        code = self.code.pop(name)
        self.served.add(name)
        exec(code, module.__dict__)


_FINDER: list[_Finder] = []


def _path(root: str) -> str | None:
    from codex_guard._dirs import guard_dir

    try:
        folder = guard_dir("cache")
    except Exception:
        return None
    tag = sys.implementation.cache_tag or "python"
    key = f"{_FORMAT}\0{tag}\0{root}"
    from codex_guard._sha import fnv1a_64

    return os.path.join(folder, f"modules-{fnv1a_64(key):016x}.bundle")


def _open(path: str, root: str) -> _Finder | None:
    """A finder reading the bundle at ``path`` (its index loaded, entries checked
    when used), or None when the file is missing, not private, or not one this interpreter and
    package location wrote."""
    import _frozen_importlib_external  # type: ignore[import-not-found,unused-ignore]  # no stub

    from codex_guard._dirs import open_headed

    opened = open_headed(os.path.dirname(path), path)
    if opened is None:
        return None
    fd, data, base, _ = opened
    if not (
        type(data) is tuple
        and len(data) == 7
        and data[0] == _FORMAT
        and data[1] == _frozen_importlib_external.MAGIC_NUMBER
        and data[2] == root
        and type(data[3]) is dict
        and type(data[4]) is dict
        and type(data[5]) is tuple
        and len(data[5]) == 2
        and set(map(type, data[5])) == {int}
    ):
        os.close(fd)
        return None
    finder = _Finder(root, fd, base)
    finder.table = data[3]
    finder.extensions = data[4]
    finder.usages_at = data[5]
    finder.known = data[6]
    finder.bundle = path
    return finder


def install() -> bool:
    """Serve this package's modules from the bundle when a valid one exists (the hook launcher
    calls this first). Never raises: the bundle is an optimisation, the normal imports follow.

    Returns:
        True when modules will be served from it.
    """
    try:
        return _install()
    except Exception:
        return False


def _install() -> bool:
    if os.environ.get("CODEX_GUARD_NO_CACHE") or _FINDER:
        return False
    root = os.path.dirname(os.path.abspath(__file__))
    path = _path(root)
    finder = (_open(path, root) if path is not None else None) or _Finder(root)
    finder.before = frozenset(sys.modules)
    _FINDER.append(finder)
    if finder.fd < 0:
        return False
    sys.meta_path.insert(0, finder)
    return True


def save() -> None:
    """Record what this process imported in the bundle: the package's modules it imported the
    normal way, and the set of them it imported as a usage (merged with what the file holds
    now: a forked decision process may have saved more); best effort, never raises. Called
    after the hook has answered."""
    try:  # noqa: SIM105 - contextlib costs the hook's start-up
        _save()
    except Exception:  # an optimisation only
        pass


def _save() -> None:
    if not _FINDER or os.environ.get("CODEX_GUARD_NO_CACHE"):
        return
    finder = _FINDER[0]
    new: dict[str, tuple[str, bool]] = {}
    used: set[str] = set()
    extensions: dict[str, tuple[str, int, int]] = {}
    import _imp

    suffixes = tuple(_imp.extension_suffixes())
    for name, module in list(sys.modules.items()):
        if name in finder.before:
            continue
        if "." not in name and name not in finder.extensions:
            origin = getattr(getattr(module, "__spec__", None), "origin", None)
            if (
                isinstance(origin, str)
                and origin.endswith(suffixes)
                and os.path.dirname(origin) in sys.path
            ):
                st = os.stat(origin)
                extensions[name] = (origin, st.st_size, st.st_mtime_ns)
        if not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
            continue
        if name in finder.served:
            used.add(name)
            continue
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if not isinstance(origin, str) or not origin.endswith(".py"):
            continue
        if origin.startswith(finder.root + os.sep):
            used.add(name)
            entry = finder.entry(name)
            if entry is None or not _current(entry):
                new[name] = (origin, hasattr(module, "__path__"))
    if new or extensions:
        _write(finder.root, new, frozenset(used), extensions)
        return
    # the usages are read only when this process's imports may be a new one: every module
    # came from the bundle, and the groups it read, each wholly imported, are a recorded
    # usage's groups (a set in the head: no read of the usages on the common path)
    known = finder.known
    if (
        used <= finder.served
        and not any(finder.groups.values())
        and type(known) is frozenset
        and frozenset(finder.groups) in known
    ):
        return
    usages = finder.read_usages()
    if frozenset(used) not in usages and len(usages) < _MAX_USAGES:
        _write(finder.root, new, frozenset(used), extensions)


def warm() -> int:
    """Put every module of the package in the bundle now, so that no hook process compiles one
    after a new install or upgrade (``codex-guard install`` calls this).

    Returns:
        How many modules were added (0 when the bundle held them all already, or the cache is
        turned off). Raises ``OSError`` when the cache folder cannot be written.
    """
    if os.environ.get("CODEX_GUARD_NO_CACHE"):
        return 0
    root = os.path.dirname(os.path.abspath(__file__))
    modules: dict[str, tuple[str, bool]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d.isidentifier())  # not __pycache__-like or data
        if "__init__.py" not in files:
            continue
        rel = os.path.relpath(folder, root)
        package = _PACKAGE if rel == "." else f"{_PACKAGE}.{rel.replace(os.sep, '.')}"
        for f in sorted(files):
            stem = f[:-3]
            if f.endswith(".py") and stem.isidentifier():
                is_pkg = stem == "__init__"
                name = package if is_pkg else f"{package}.{stem}"
                modules[name] = (os.path.join(folder, f), is_pkg)
    return _write(root, modules)


def _write(
    root: str,
    modules: dict[str, tuple[str, bool]],
    usage: frozenset[str] | None = None,
    extensions: dict[str, tuple[str, int, int]] | None = None,
) -> int:
    """Merge ``modules`` (``name → (source, is package)``), ``usage`` and ``extensions``
    (top-level extension module ``name → (file, size, mtime)``) into the bundle file of
    ``root``, regrouping the code by usage, and return how many modules were added: those the
    file does not hold for their current source. Raises ``OSError`` when the file cannot be
    written."""
    path = _path(root)
    if path is None:
        return 0
    import _frozen_importlib_external  # type: ignore[import-not-found,unused-ignore]  # no stub

    from codex_guard._dirs import headed, write_private

    codes: dict[str, tuple[str, bool, int, int, Any]] = {}
    usages: list[frozenset[str]] = []
    new = dict(modules)
    exts: dict[str, tuple[str, int, int]] = {}
    now = _open(path, root)  # what the file holds now (another process may have saved)
    if now is not None:
        try:
            usages = now.read_usages()
            for name in now.extensions:
                if now.extension_spec(name) is not None:  # still there, unchanged
                    exts[name] = now.extensions[name]
            for name in now.table:
                e = now.entry(name)
                if e is not None and _current(e) and (name not in new or new[name][0] == e[0]):
                    code = now.read_code(name, e)
                    if code is not None:
                        codes[name] = (e[0], e[1], e[2], e[3], code)
                        new.pop(name, None)
        finally:
            os.close(now.fd)
    fresh_usage = usage is not None and usage not in usages and len(usages) < _MAX_USAGES
    fresh_extensions = {k: v for k, v in (extensions or {}).items() if exts.get(k) != v}
    if not new and not fresh_usage and not fresh_extensions:
        return 0  # another process of this hook saved them already
    exts.update(fresh_extensions)
    if fresh_usage and usage is not None:
        usages.append(usage)
    added = 0
    for name, (origin, is_pkg) in new.items():
        try:
            codes[name] = _entry(origin, is_pkg)
        except (OSError, SyntaxError, ValueError):
            continue  # imported the normal way, which reports the problem
        added += 1
    groups: dict[object, list[str]] = {}
    for name in codes:
        signature = tuple(i for i, u in enumerate(usages) if name in u)
        groups.setdefault(signature or name, []).append(name)  # in no usage: on its own
    table: dict[str, Entry] = {}
    blobs: list[bytes] = []
    offset = 0
    for names in groups.values():
        blob = marshal.dumps({name: codes[name][4] for name in names})
        for name in names:
            origin, is_pkg, size, mtime, _ = codes[name]
            table[name] = (origin, is_pkg, size, mtime, offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    magic = _frozen_importlib_external.MAGIC_NUMBER
    tail = marshal.dumps(usages)
    known = frozenset(frozenset(table[m][4:] for m in u if m in table) for u in usages)
    head = (_FORMAT, magic, root, table, exts, (offset, len(tail)), known)
    data = headed(head, *blobs, tail)
    error = write_private(os.path.dirname(path), path, data)
    if error is not None:
        raise error
    return added


def _current(entry: "Entry") -> bool:
    """Whether a bundle entry still matches its source file (size and mtime)."""
    try:
        st = os.stat(entry[0])
    except OSError:
        return False
    return st.st_size == entry[2] and st.st_mtime_ns == entry[3]


def _entry(origin: str, is_pkg: bool) -> "tuple[str, bool, int, int, Any]":
    """What the bundle holds for one module: its source's size and mtime and its code, compiled
    from the source without the docstrings of its functions and classes (:func:`_lean_code`)."""
    st = os.stat(origin)
    return (origin, is_pkg, st.st_size, st.st_mtime_ns, _lean_code(origin))


def _lean_code(origin: str) -> "Any":
    """The code of the module at ``origin`` as ``compile`` makes it, less the docstrings of its
    functions and classes (a lone docstring becomes ``pass``) and less its ``from __future__
    import …`` statements, whose compiler flags are applied instead: a hook process only runs
    the code, the docstrings are about a sixth of what it would unmarshal, and each future
    statement is a run-time import of ``__future__`` (a stdlib module load, 0.2 ms) that only
    binds a name nothing reads. The module's own docstring stays (the command-line help prints
    some), and so do ``assert`` statements (which ``-OO`` would drop too). Raises ``OSError``
    and ``SyntaxError`` as ``compile`` of the source would."""
    import __future__

    import ast

    with open(origin, "rb") as fh:
        tree = ast.parse(fh.read(), origin)
    flags = 0
    body: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            for alias in stmt.names:
                feature = getattr(__future__, alias.name, None)
                if feature is None:
                    raise SyntaxError(f"{origin}: future feature {alias.name} is not defined")
                flags |= feature.compiler_flag
            continue
        body.append(stmt)
    tree.body = body
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first: ast.stmt = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lone = len(node.body) == 1
                node.body[0:1] = [ast.copy_location(ast.Pass(), first)] if lone else []
    return compile(tree, origin, "exec", flags=flags, dont_inherit=True)
