"""``codex-guard scan [--json|--sarif] [PATH…|-]``: report secrets and personal data.

Every kind the catalogue knows is reported (guardrails.toml actions do not apply here). Output:

* default: one line per finding, ``path:line: kind redacted``;
* ``--json``: ``{"findings": [{"kind", "start", "end", "line", "redacted"}…]}``, where
  ``start``/``end`` are character (code point) offsets into that input and ``line`` is 1-based
  (with several files or a directory each finding also has ``"path"``);
* ``--sarif``: a SARIF 2.1.0 log (OASIS SARIF v2.1.0, §3.13 ``run``, §3.27 ``result``) with one
  rule per kind and one result per finding (``charOffset``/``charLength`` and line/column).

Exit status: 1 when anything was found, 0 when clean, 2 on a usage error or unreadable input
(nothing else is printed on stdout then). ``-`` or no path reads stdin; a directory is walked
(skipping ``.git``, ``node_modules``, ``.venv``, ``__pycache__``); binary files are skipped.
"""

from __future__ import annotations

import sys
from typing import Any

_USAGE = "usage: codex-guard scan [--json|--sarif] [PATH…|-]\n"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})


def _read(name: str) -> str | None:
    """The text of ``name`` (``-`` = stdin), or None for a binary file (a NUL byte in its
    first 8 KiB). Raises ``OSError``."""
    if name == "-":
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    with open(name, "rb") as fh:
        data = fh.read()
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def _expand(paths: list[str]) -> list[str]:
    """Files to scan: each path as given, directories walked in sorted order, skipping VCS,
    ``node_modules``, ``.venv`` and ``__pycache__`` folders."""
    import os

    out: list[str] = []
    for p in paths:
        if p != "-" and os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                out.extend(os.path.join(root, f) for f in sorted(files))
        else:
            out.append(p)
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _sarif(results: list[tuple[str, str, Any]]) -> dict[str, Any]:
    from codex_guard import __version__ as version
    from codex_guard.scan import load_catalogue

    cat = load_catalogue()
    kinds = sorted({f.kind for _, _, f in results})
    rules = []
    for kind in kinds:
        det = cat.by_id(kind)
        rules.append(
            {
                "id": kind,
                "shortDescription": {"text": det.description},
                "properties": {"category": det.category, "severity": det.severity},
            }
        )
    level = {"high": "error", "medium": "warning", "low": "note"}
    out = []
    for name, text, f in results:
        line, col = _line_col(text, f.start)
        end_line, end_col = _line_col(text, f.end)
        out.append(
            {
                "ruleId": f.kind,
                "ruleIndex": kinds.index(f.kind),
                "level": level.get(f.severity, "warning"),
                "message": {"text": f"{f.description}: {f.redacted}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": "stdin" if name == "-" else name},
                            "region": {
                                "startLine": line,
                                "startColumn": col,
                                "endLine": end_line,
                                "endColumn": end_col,
                                "charOffset": f.start,
                                "charLength": f.end - f.start,
                            },
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "codex-guard",
                        "version": version,
                        "informationUri": "https://github.com/openai/codex",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": out,
            }
        ],
    }


def run(argv: list[str]) -> int:
    """Scan each path (``-`` or nothing = stdin); returns the exit status."""
    fmt = "text"
    paths: list[str] = []
    for a in argv:
        if a in ("--json", "--sarif"):
            if fmt != "text":
                sys.stderr.write("codex-guard scan: choose one of --json and --sarif\n" + _USAGE)
                return 2
            fmt = a[2:]
        elif a in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return 0
        elif a.startswith("-") and a != "-":
            sys.stderr.write(f"codex-guard scan: unknown option {a!r}\n" + _USAGE)
            return 2
        else:
            paths.append(a)
    from codex_guard import scan

    results: list[tuple[str, str, Any]] = []
    names = _expand(paths or ["-"])
    for name in names:
        try:
            text = _read(name)
        except OSError as e:
            sys.stderr.write(f"codex-guard scan: {name}: cannot read: {e.strerror}\n")
            return 2
        if text is not None:
            results.extend((name, text, f) for f in scan.scan(text))
    if fmt == "json":
        import json

        many = len(names) > 1 or names != (paths or ["-"])  # several files, or a directory
        findings = [
            {
                **({"path": name} if many else {}),
                "kind": f.kind,
                "start": f.start,
                "end": f.end,
                "line": _line_col(text, f.start)[0],
                "redacted": f.redacted,
            }
            for name, text, f in results
        ]
        sys.stdout.write(json.dumps({"findings": findings}, ensure_ascii=False) + "\n")
    elif fmt == "sarif":
        import json

        sys.stdout.write(json.dumps(_sarif(results), ensure_ascii=False, indent=2) + "\n")
    else:
        for name, text, f in results:
            sys.stdout.write(f"{name}:{_line_col(text, f.start)[0]}: {f.kind} {f.redacted}\n")
    return 1 if results else 0
