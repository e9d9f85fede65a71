"""The hook's own modules served from one cached file (issue 8: start-up is the hook's cost).

A hook process imports about fifty ``codex_guard`` modules. Through the normal path finder each
costs a few file-system calls (the extension-module spellings tried first, the ``.py`` stat, the
``__pycache__`` file opened and read), about 1.5 ms in all on the reference machine. This module
keeps the compiled code of every ``codex_guard`` module a hook process used in one file in the
cache folder and installs a meta-path finder that serves them from it, the way CPython's own
frozen modules are served from memory. The file is a 4-byte length, a ``marshal``-ed index
(``name → (source, is package, source size, source mtime, offset, length)``) and the modules'
``marshal``-ed code objects one after another; a module's code is read (``os.pread``) and
unmarshalled only when it is imported, so an event that needs few modules reads few. The code is
compiled without the docstrings of functions and classes (:func:`_lean_code`), a sixth of what
would be unmarshalled otherwise.

Every served module is checked against its source first: the entry records the ``.py`` file's
size and mtime (what a timestamp ``.pyc`` records, PEP 552), and a module whose source no
longer matches is left to the normal import system. The file is read only when it and its
folder are private (:func:`codex_guard._dirs.private_dir`, as every cache entry), it carries the
interpreter's bytecode magic number and the package's own location, and each code object it
holds is a code object; anything else and the hook imports as usual. ``CODEX_GUARD_NO_CACHE=1``
turns it off. :func:`save` rewrites the file after a hook when a module was imported the normal
way (a new codex-guard version, an edited checkout, an event kind not seen before).
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    Entry = tuple[str, bool, int, int, int, int]

_FORMAT = "codex-guard-modules/4"  # 3: an index, then code read on import; 4: lean code
_PACKAGE = "codex_guard"
_CODE = type((lambda: None).__code__)


class _Finder:
    """A meta-path finder and loader for the modules of one bundle (see the module docstring)."""

    def __init__(self, root: str, fd: int = -1, base: int = 0) -> None:
        self.root = root
        self.fd = fd  # the open bundle, kept for the life of the process
        self.base = base  # where the code objects start
        self.table: dict[str, Entry] = {}
        self.served: set[str] = set()
        self.code: dict[str, Any] = {}  # read by find_spec, run by exec_module

    def read_code(self, entry: Entry) -> Any:
        """The code object of ``entry`` from the bundle, or None when it cannot be read."""
        try:
            data = os.pread(self.fd, entry[5], self.base + entry[4])
            code = marshal.loads(data) if len(data) == entry[5] else None
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return code if type(code) is _CODE else None

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        entry = self.table.get(name)
        if entry is None or not _current(entry):
            return None  # not bundled, or the source changed: the normal path finder
        code = self.read_code(entry)
        if code is None:
            return None
        self.code[name] = code
        import _frozen_importlib  # type: ignore[import-not-found,unused-ignore]  # no stub

        origin, is_pkg = entry[0], entry[1]
        spec = _frozen_importlib.ModuleSpec(name, self, origin=origin, is_package=is_pkg)  # type: ignore[arg-type]
        spec.has_location = True
        if is_pkg:
            spec.submodule_search_locations = [os.path.dirname(origin)]
        return spec

    def create_module(self, spec: Any) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
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


def _open(path: str, root: str) -> tuple[int, int, dict[str, Entry]] | None:
    """``(fd, start of the code objects, checked index)`` of the bundle at ``path``, or None
    when it is missing, not private, or not one this interpreter and package location wrote."""
    import _frozen_importlib_external  # type: ignore[import-not-found,unused-ignore]  # no stub

    from codex_guard._dirs import private_dir

    if not (private_dir(os.path.dirname(path)) and private_dir(path)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        n = int.from_bytes(os.pread(fd, 4, 0), "little")
        data = marshal.loads(os.pread(fd, n, 4))
    except (OSError, EOFError, ValueError, TypeError):
        os.close(fd)
        return None
    if not (
        type(data) is tuple
        and len(data) == 4
        and data[0] == _FORMAT
        and data[1] == _frozen_importlib_external.MAGIC_NUMBER
        and data[2] == root
        and type(data[3]) is dict
    ):
        os.close(fd)
        return None
    index: dict[str, Entry] = {}
    for name, e in data[3].items():
        if (
            type(name) is str
            and (name == _PACKAGE or name.startswith(_PACKAGE + "."))
            and type(e) is tuple
            and len(e) == 6
            and type(e[0]) is str
            and e[0].startswith(root + os.sep)
            and type(e[1]) is bool
            and all(type(x) is int and x >= 0 for x in e[2:])
        ):
            index[name] = e
    return fd, 4 + n, index


def install() -> bool:
    """Serve this package's modules from the bundle when a valid one exists.

    Returns:
        True when modules will be served from it.
    """
    if os.environ.get("CODEX_GUARD_NO_CACHE") or _FINDER:
        return False
    root = os.path.dirname(os.path.abspath(__file__))
    finder = _Finder(root)
    _FINDER.append(finder)
    path = _path(root)
    opened = _open(path, root) if path is not None else None
    if opened is None:
        return False
    finder.fd, finder.base, finder.table = opened
    sys.meta_path.insert(0, finder)
    return True


def save() -> None:
    """Add to the bundle every module of the package this process imported the normal way
    (merged with what the file holds now: a forked decision process may have saved more);
    best effort, never raises. Called after the hook has answered."""
    try:  # noqa: SIM105 - contextlib costs the hook's start-up
        _save()
    except Exception:  # an optimisation only
        pass


def _save() -> None:
    if not _FINDER or os.environ.get("CODEX_GUARD_NO_CACHE"):
        return
    finder = _FINDER[0]
    new: dict[str, tuple[str, bool]] = {}
    for name, module in list(sys.modules.items()):
        if not (name == _PACKAGE or name.startswith(_PACKAGE + ".")) or name in finder.served:
            continue
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if not isinstance(origin, str) or not origin.endswith(".py"):
            continue
        entry = finder.table.get(name)
        if origin.startswith(finder.root + os.sep) and (entry is None or not _current(entry)):
            new[name] = (origin, hasattr(module, "__path__"))
    _write(finder.root, new)


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
                modules[package if is_pkg else f"{package}.{stem}"] = (
                    os.path.join(folder, f),
                    is_pkg,
                )
    return _write(root, modules)


def _write(root: str, modules: dict[str, tuple[str, bool]]) -> int:
    """Merge ``modules`` (``name → (source, is package)``) into the bundle file of ``root``
    and return how many were added: those the file does not hold for their current source.
    Raises ``OSError`` when the file cannot be written."""
    path = _path(root)
    if not modules or path is None:
        return 0
    import _frozen_importlib_external  # type: ignore[import-not-found,unused-ignore]  # no stub

    from codex_guard._dirs import write_private

    now = _open(path, root)  # what the file holds now (another process may have saved)
    codes: dict[str, tuple[str, bool, int, int, Any]] = {}
    new = dict(modules)
    if now is not None:
        fd, base, index = now
        reader = _Finder(root, fd, base)
        try:
            for name, e in index.items():
                if _current(e) and (name not in new or new[name][0] == e[0]):
                    code = reader.read_code(e)
                    if code is not None:
                        codes[name] = (e[0], e[1], e[2], e[3], code)
                        new.pop(name, None)
        finally:
            os.close(fd)
    if not new:
        return 0  # another process of this hook saved them already
    added = 0
    for name, (origin, is_pkg) in new.items():
        try:
            codes[name] = _entry(origin, is_pkg)
        except (OSError, SyntaxError, ValueError):
            continue  # imported the normal way, which reports the problem
        added += 1
    table: dict[str, Entry] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, (origin, is_pkg, size, mtime, code) in codes.items():
        blob = marshal.dumps(code)
        table[name] = (origin, is_pkg, size, mtime, offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    head = marshal.dumps((_FORMAT, _frozen_importlib_external.MAGIC_NUMBER, root, table))
    data = len(head).to_bytes(4, "little") + head + b"".join(blobs)
    error = write_private(os.path.dirname(path), path, data)
    if error is not None:
        raise error
    return added


def _current(entry: Entry) -> bool:
    """Whether a bundle entry still matches its source file (size and mtime)."""
    try:
        st = os.stat(entry[0])
    except OSError:
        return False
    return st.st_size == entry[2] and st.st_mtime_ns == entry[3]


def _entry(origin: str, is_pkg: bool) -> tuple[str, bool, int, int, Any]:
    """What the bundle holds for one module: its source's size and mtime and its code, compiled
    from the source without the docstrings of its functions and classes (:func:`_lean_code`)."""
    st = os.stat(origin)
    return (origin, is_pkg, st.st_size, st.st_mtime_ns, _lean_code(origin))


def _lean_code(origin: str) -> Any:
    """The code of the module at ``origin`` as ``compile`` makes it, less the docstrings of its
    functions and classes (a lone docstring becomes ``pass``): a hook process only runs them,
    and they are about a sixth of the code it would unmarshal. The module's own docstring
    stays (the command-line help prints some), and so do ``assert`` statements (which ``-OO``
    would drop too). Raises ``OSError`` and ``SyntaxError`` as ``compile`` of the source would."""
    import ast

    with open(origin, "rb") as fh:
        tree = ast.parse(fh.read(), origin)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body[0:1] = (
                    [] if len(node.body) > 1 else [ast.copy_location(ast.Pass(), first)]
                )
    return compile(tree, origin, "exec", dont_inherit=True)
