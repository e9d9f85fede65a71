"""``codex-guard audit``: verify, export, tail and count the audit log (``docs/audit.md``).

* ``verify [FILE…]``: recompute the chain of each log (with its rotated files); exit 0 with the
  count when intact, 1 naming every modified, deleted, inserted, reordered or truncated entry.
* ``export --csv|--jsonl [--since T] [--until T] [--decision D] [-o OUT] [LOG]``: one row per
  entry with ``chain_valid``.
* ``tail [-f] [-n N] [LOG]``: the last decisions in words; ``-f`` keeps following.
* ``stats [--json] [--since T] [--until T] [LOG]``: counts by decision, event, rule and day.
* ``path``: where the log is.

Exit codes: 0 success, 1 a broken chain (``verify``), 2 usage, configuration or read errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

USAGE = "usage: codex-guard audit {verify,export,tail,stats,path} …\n"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line and exit 2, argparse's convention
        self.exit(2, f"codex-guard audit: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="codex-guard audit")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    v = sub.add_parser("verify", help="verify the hash chain")
    v.add_argument("files", nargs="*", metavar="FILE")
    helps = {
        "export": "the log as CSV or JSON Lines with a chain_valid column",
        "stats": "counts by decision, event, rule and day",
    }
    for name in ("export", "stats"):
        s = sub.add_parser(name, help=helps[name])
        s.add_argument("log", nargs="?", metavar="LOG")
        s.add_argument("--since", metavar="T")
        s.add_argument("--until", metavar="T")
        s.add_argument("--decision", choices=("allow", "prompt", "forbidden"))
    e = sub.choices["export"]
    fmt = e.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--jsonl", action="store_true")
    e.add_argument("-o", "--output", metavar="OUT")
    sub.choices["stats"].add_argument("--json", action="store_true")
    t = sub.add_parser("tail", help="the last decisions and why; -f to follow")
    t.add_argument("log", nargs="?", metavar="LOG")
    t.add_argument("-n", type=int, default=10, metavar="N")
    t.add_argument("-f", "--follow", action="store_true")
    sub.add_parser("path", help="where the audit log is")
    return p


def _default_log() -> str:
    """The configured live log; raises AuditConfigError when guardrails.toml is broken."""
    from codex_guard.audit.config import load

    return load().path


def run(argv: list[str]) -> int:
    """Run one ``audit`` subcommand; returns the exit code."""
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2), already printed
        return e.code if isinstance(e.code, int) else 2
    from codex_guard.audit.config import AuditConfigError

    try:
        if args.cmd == "verify":
            return _verify(args.files or [_default_log()])
        if args.cmd == "path":
            print(_default_log())
            return 0
        log = args.log or _default_log()
        if args.cmd == "tail":
            return _tail(log, args.n, args.follow)
        return _export(args, log) if args.cmd == "export" else _stats(args, log)
    except AuditConfigError as e:
        sys.stderr.write(f"codex-guard: {e}\n")
        return 2
    except (OSError, ValueError) as e:
        msg = f"{e.filename}: {e.strerror}" if isinstance(e, OSError) and e.filename else str(e)
        sys.stderr.write(f"codex-guard audit: {msg}\n")
        return 2


def _verify(paths: list[str]) -> int:
    import os

    from codex_guard.audit import files
    from codex_guard.audit.verify import verify_series

    bad = False
    for path in paths:
        chain = files.series(path)
        live = files.live_of(path)
        if not any(os.path.exists(p) for p in chain) and not os.path.exists(live + ".head"):
            print(f"{path}: no audit log (nothing recorded yet)")
            continue
        report = verify_series(chain, live=live, keep_entries=False)
        n = len(report.records)
        nfiles = sum(1 for p in chain if os.path.exists(p))
        where = f"{n} entries" + (f" in {nfiles} files" if nfiles > 1 else "")
        if report.problems:
            bad = True
            print(f"{path}: chain BROKEN ({where} checked, {len(report.problems)} problems)")
            for pr in report.problems:
                print(f"  {pr}")
        else:
            print(f"{path}: chain intact, {where}")
        for note in report.notes:
            print(f"  note: {note}")
    return 1 if bad else 0


def _select(args: argparse.Namespace) -> Any:
    from codex_guard.audit.query import Selection, parse_time

    return Selection(
        parse_time(args.since) if args.since else None,
        parse_time(args.until) if args.until else None,
        args.decision,
    )


def _report(log: str) -> Any:
    from codex_guard.audit import files
    from codex_guard.audit.verify import verify_series

    live = files.live_of(log)
    chain = files.series(log)
    return verify_series(chain, live=live)


def _export(args: argparse.Namespace, log: str) -> int:
    from codex_guard.audit.export import selected, write_csv, write_jsonl

    keep = _select(args)
    rows = selected(_report(log), keep)
    write = write_csv if args.csv else write_jsonl
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            n = write(rows, out)
        sys.stderr.write(f"{n} entries written to {args.output}\n")
    else:
        write(rows, sys.stdout)
    return 0


def _stats(args: argparse.Namespace, log: str) -> int:
    import json

    from codex_guard.audit.stats import compute, render

    keep = _select(args)
    report = _report(log)
    result = compute(r.entry for r in report.records if keep(r.entry))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render(result))
    return 0


def _tail(log: str, n: int, follow: bool) -> int:
    from codex_guard.audit.tail import describe, last
    from codex_guard.audit.tail import follow as follow_log

    if n < 0:
        raise ValueError("-n must be 0 or more")
    for entry in last(log, n):
        print(describe(entry))
    if follow:
        sys.stdout.flush()

        def emit(entry: dict[str, Any]) -> None:
            print(describe(entry), flush=True)

        try:
            follow_log(log, emit)
        except KeyboardInterrupt:
            return 0
    return 0
