"""The one tree-sitter-bash parser of the process, created lazily, and safe to feed anything.

``tree_sitter`` and ``tree_sitter_bash`` are imported on the first parse only, so that a hook
that never needs a shell parse does not pay for them at start-up. The parser is cached per
process; a lock serialises parses because a tree-sitter ``Parser`` is not safe to use from two
threads at once.

Three properties of tree-sitter-bash 0.25.1 (the grammar Codex uses) need care here:

* **Time.** Its error recovery is quadratic on some hostile inputs (20 000 ``)`` or NUL bytes
  take seconds), and neither the GIL nor tree-sitter's progress callback interrupts it. The
  parse reads its input through a callback that reports end-of-input once a deadline has
  passed, which stops the parser promptly; the caller learns the parse was cut short.
* **Locale.** Its external scanner classifies characters with ``iswalpha``/``iswspace``, which
  follow the process locale (Python sets ``LC_CTYPE`` from the environment; Rust, hence Codex,
  never does, so Codex runs them in the "C" locale). ``é=1 ls`` is a command under "C" and an
  assignment under "C.UTF-8". Parses therefore run with ``LC_CTYPE`` temporarily set to "C".
* **Crashes.** The scanner also calls ``isdigit``/``isalpha`` on full code points (after ``{``,
  ``$``, ``-`` ...); glibc indexes a 384-entry table with them, so a code point beyond the
  Basic Multilingual Plane (``{\\U00101419``) reads far out of bounds and can crash the
  process. Before parsing, each such code point is replaced by U+100xx with the same low byte:
  the same UTF-8 length (so byte offsets are unchanged and node text is read from the original
  bytes), the same character class for the grammar, and the same truncated ``char`` where the
  scanner stores heredoc delimiters. Every out-of-table read then stays within 129 KiB.
"""

from __future__ import annotations

import _thread
import time

try:
    import _locale
except ImportError:  # pragma: no cover - CPython always builds _locale on POSIX
    _locale = None  # type: ignore[assignment]

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from tree_sitter import Node, Parser, Point, Tree

_PARSER: Parser | None = None
_LOCK = _thread.allocate_lock()


def _get_parser() -> Parser:
    global _PARSER
    if _PARSER is None:
        ts, bash = _binding("tree_sitter"), _binding("tree_sitter_bash")
        _PARSER = ts.Parser(ts.Language(bash.language()))
    return _PARSER


def _binding(package: str) -> Any:
    """The compiled ``<package>._binding`` extension of py-tree-sitter / tree-sitter-bash.

    Both packages' ``__init__`` only re-export their ``_binding`` (plus a ``typing.Protocol``
    and an ``importlib.resources`` query loader that pull in ``typing``, ``pathlib`` and
    ``tempfile``: over 10 ms per hook process on a small machine, issue 8). The extension is
    loaded directly from the installed package folder and registered under its usual name,
    so a later ``import tree_sitter`` reuses it. Falls back to the normal import when the
    layout is not the expected one."""
    import sys

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    try:
        import os
        from importlib.machinery import (
            EXTENSION_SUFFIXES,
            ExtensionFileLoader,
            ModuleSpec,
            PathFinder,
        )

        spec = PathFinder.find_spec(package)
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        path = next(
            os.path.join(d, f"_binding{suffix}")
            for d in folders
            for suffix in EXTENSION_SUFFIXES
            if os.path.isfile(os.path.join(d, f"_binding{suffix}"))
        )
        loader = ExtensionFileLoader(name, path)
        module = loader.create_module(ModuleSpec(name, loader, origin=path))
        loader.exec_module(module)
    except Exception:  # an unexpected layout: the documented import path
        import importlib

        return importlib.import_module(name)
    sys.modules[name] = module
    return module


def encode(script: str) -> bytes:
    """UTF-8 bytes of ``script``; lone surrogates (impossible in Rust strings, possible in
    Python) are kept as their 3-byte encodings instead of raising."""
    return script.encode("utf-8", "surrogatepass")


def scanner_safe(src: bytes) -> bytes:
    """``src`` with every 4-byte UTF-8 sequence (a code point above U+FFFF) replaced by the
    4-byte encoding of U+100xx, xx being the original's low byte. Same length, same offsets."""
    if not src or max(src) < 0xF0:
        return src
    buf = bytearray(src)
    n = len(buf)
    for i in [j for j, b in enumerate(src) if 0xF0 <= b <= 0xF4]:
        if i + 3 >= n:
            continue
        b1, b2, b3 = buf[i + 1], buf[i + 2], buf[i + 3]
        if not (0x80 <= b1 < 0xC0 and 0x80 <= b2 < 0xC0 and 0x80 <= b3 < 0xC0):
            continue
        low = ((b2 & 0x03) << 6) | (b3 & 0x3F)
        # U+100xx is F0 90 (80 | xx >> 6) (80 | xx & 3F)
        buf[i : i + 4] = bytes((0xF0, 0x90, 0x80 | (low >> 6), 0x80 | (low & 0x3F)))
    return bytes(buf)


def _enter_c_locale() -> str | None:
    """Switch LC_CTYPE to "C"; return the previous value to restore, or None."""
    if _locale is None:
        return None
    try:
        previous = _locale.setlocale(_locale.LC_CTYPE)
        if previous in ("C", "POSIX"):
            return None
        _locale.setlocale(_locale.LC_CTYPE, "C")
        return previous
    except Exception:
        return None


def _leave_c_locale(previous: str | None) -> None:
    if previous is None or _locale is None:
        return
    try:
        _locale.setlocale(_locale.LC_CTYPE, previous)
    except Exception:
        return


_CHUNK = 4096
DEFAULT_BUDGET = 1.0  # seconds


def parse(src: bytes, budget: float = DEFAULT_BUDGET) -> tuple[Tree, bool]:
    """Parse ``src`` (UTF-8 bash source) with tree-sitter-bash 0.25.1.

    Returns ``(tree, complete)``; ``complete`` is False when the time ``budget`` (seconds)
    ran out and the parser was shown end-of-input early, so the tree covers a prefix only.
    Node offsets refer to ``src``; read node text from ``src`` (:func:`node_text`). Chunks end
    on UTF-8 character boundaries, which keeps the tree identical to a one-piece parse. The
    parse runs under ``LC_CTYPE=C`` on :func:`scanner_safe` bytes (see the module docstring).
    """
    data = scanner_safe(src)
    n = len(data)
    deadline = time.monotonic() + max(budget, 0.0)
    state = [True]

    def read(offset: int, _point: Point) -> bytes:
        if offset >= n:
            return b""
        if time.monotonic() > deadline:
            state[0] = False
            return b""
        end = min(offset + _CHUNK, n)
        while end < n and (data[end] & 0xC0) == 0x80:
            end += 1
        return data[offset:end]

    with _LOCK:
        previous = _enter_c_locale()
        try:
            tree = _get_parser().parse(read)
        finally:
            _leave_c_locale(previous)
    return tree, state[0]


def node_text(node: Node, src: bytes) -> str | None:
    """The source text of ``node``, or None when its byte range is not valid UTF-8 (the
    equivalent of Rust's ``node.utf8_text(..).ok()?``)."""
    try:
        return src[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def slice_text(src: bytes, start: int, end: int) -> str:
    """``src[start:end]`` decoded leniently (never raises)."""
    return src[start:end].decode("utf-8", "replace")
