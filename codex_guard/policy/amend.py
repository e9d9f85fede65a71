"""Persisting "don't ask again" amendments as Codex does (``codex-rs/execpolicy/src/amend.rs``).

An amendment is one line appended to a rules file (normally ``default.rules``)::

    prefix_rule(pattern=["tok1", "tok2"], decision="allow")
    network_rule(host="api.github.com", protocol="https", decision="allow", justification="…")

Tokens and strings are serde_json string literals (raw UTF-8; ``"``, ``\\`` and control
characters escaped), joined with ``", "``. Writing creates the parent folder, locks the file,
skips a line that is already there verbatim, adds a missing final newline first, then appends the
line and ``\\n`` (execpolicy.md §4 "Persistence of always allow").
"""

from __future__ import annotations

import json
import os

from codex_guard.policy.network import NetworkRuleError, normalize_host, parse_protocol

NETWORK_DECISIONS = {"allow": "allow", "prompt": "prompt", "deny": "deny", "forbidden": "deny"}


class AmendError(ValueError):
    """An amendment that cannot be written; the message is Codex's text."""


def _lit(s: str) -> str:
    """A serde_json string literal (``json.dumps`` without ASCII escaping writes the same)."""
    return json.dumps(s, ensure_ascii=False)


def prefix_rule_line(prefix: list[str]) -> str:
    """The ``prefix_rule(pattern=[…], decision="allow")`` line for ``prefix``.

    Raises:
        AmendError: ``prefix`` is empty (``prefix rule requires at least one token``).
    """
    if not prefix:
        raise AmendError("prefix rule requires at least one token")
    return f'prefix_rule(pattern=[{", ".join(_lit(t) for t in prefix)}], decision="allow")'


def network_rule_line(
    host: str, protocol: str, decision: str, justification: str | None = None
) -> str:
    """The ``network_rule(host=…, protocol=…, decision=…, justification=…?)`` line.

    Args:
        host: normalised as ``network_rule`` does (lower-case, no port).
        protocol: http, https (or an alias), socks5_tcp, socks5_udp.
        decision: allow, prompt or deny (forbidden is written as deny).
        justification: optional; written only when given.

    Raises:
        AmendError: ``invalid network rule: invalid rule: …`` with Codex's reason.
    """
    try:
        host = normalize_host(host)
        proto = parse_protocol(protocol)
    except NetworkRuleError as e:
        raise AmendError(f"invalid network rule: invalid rule: {e}") from None
    if decision not in NETWORK_DECISIONS:
        raise AmendError(f"invalid network rule: invalid decision: {decision}")
    if justification is not None and not justification.strip():
        raise AmendError("invalid network rule: invalid rule: justification cannot be empty")
    line = (
        f"network_rule(host={_lit(host)}, protocol={_lit(proto)}, "
        f"decision={_lit(NETWORK_DECISIONS[decision])}"
    )
    if justification is not None:
        line += f", justification={_lit(justification)}"
    return line + ")"


def append_line(path: str, line: str) -> bool:
    """Append ``line`` to the rules file at ``path`` the way Codex does.

    Returns:
        True when the line was written, False when the file already held it verbatim.

    Raises:
        OSError: the folder or file cannot be created or written.
    """
    import fcntl

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            existing = fh.read().decode("utf-8", errors="surrogateescape")
            if line in existing.splitlines():
                return False
            out = "" if not existing or existing.endswith("\n") else "\n"
            fh.seek(0, os.SEEK_END)
            fh.write((out + line + "\n").encode("utf-8"))
            fh.flush()
            return True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
