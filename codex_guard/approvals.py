"""One-time approvals for ``prompt`` decisions on Codex (DESIGN.md §4).

Codex cannot ask from a PreToolUse hook (codex-hooks.md §3.3), so a ``prompt`` decision there is
a deny whose reason carries a short approval code. The person runs ``codex-guard approve CODE``
in their own terminal; the agent's retry of exactly the same command string, in the same cwd and
session, then passes once.

State: one JSON file, ``approvals.json``, in ``$CODEX_GUARD_STATE_DIR`` or else platformdirs
``user_state_dir("codex-guard")``; the folder is created 0700 and the file 0600. Every
read-modify-write holds an exclusive ``flock`` on ``approvals.lock`` beside it and replaces the
file atomically (write a temporary file, ``fsync``, ``os.replace``).

Lifetimes (seconds, default 600; ``$CODEX_GUARD_APPROVAL_TTL`` or ``[approvals] ttl_seconds`` in
``$CODEX_HOME/guardrails.toml``): a pending request can be approved until ``ttl`` after it was
issued; an approval can be used once until ``ttl`` after it was granted. Expired records are
kept a day (so ``approve`` can tell "expired" from "unknown") and then dropped.
"""

from __future__ import annotations

import os
import time

from codex_guard._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

DEFAULT_TTL = 600
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand
CODE_LENGTH = 6
KEEP_EXPIRED = 86400  # seconds an expired record is kept, so ``approve`` can say "expired"
_FILE = "approvals.json"
_LOCK = "approvals.lock"


class ApprovalError(Exception):
    """``approve`` refused: an unknown, expired, already used or malformed code, or an
    unreadable state file. The message is one line for the person."""


class Request(Record):
    """One approval request.

    Attributes:
        code: the approval code (``CODE_LENGTH`` characters of ``CODE_ALPHABET``).
        command: a display form of the command the agent asked to run, secrets redacted
            (never the command itself: it may hold a literal secret, review #14).
        cwd: the session working directory of the request.
        session_id: the client's session (thread) id.
        client: ``codex``.
        rule: the rule that asked for approval, readable (pattern, file:line, justification).
        created: when it was issued (epoch seconds); expires: until when it can be approved
            (pending) or used (approved), epoch seconds; ttl: the lifetime in seconds.
        approved_at: when approved (epoch seconds) or None; approved_by: the approving user.
        command_sha256: hex SHA-256 of the exact command string (UTF-8): what a retry must
            match (a record without it matches nothing).
    """

    _FIELDS = (
        "code",
        "command",
        "cwd",
        "session_id",
        "client",
        "rule",
        "created",
        "expires",
        "ttl",
        "approved_at",
        "approved_by",
        "command_sha256",
    )
    __slots__ = _FIELDS

    def __init__(
        self,
        code: str,
        command: str,
        cwd: str,
        session_id: str,
        client: str,
        rule: str,
        created: float,
        expires: float,
        ttl: int,
        approved_at: float | None = None,
        approved_by: str | None = None,
        command_sha256: str = "",
    ) -> None:
        self.code = code
        self.command = command
        self.cwd = cwd
        self.session_id = session_id
        self.client = client
        self.rule = rule
        self.created = created
        self.expires = expires
        self.ttl = ttl
        self.approved_at = approved_at
        self.approved_by = approved_by
        self.command_sha256 = command_sha256

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict, in declaration order (the state file's record)."""
        return {k: getattr(self, k) for k in self._FIELDS}

    @property
    def approved(self) -> bool:
        """Whether a person approved it."""
        return self.approved_at is not None


def state_dir() -> str:
    """``$CODEX_GUARD_STATE_DIR``, else platformdirs ``user_state_dir("codex-guard")``."""
    from codex_guard._dirs import guard_dir

    return guard_dir("state")


def state_path() -> str:
    """The approvals state file."""
    return os.path.join(state_dir(), _FILE)


def ttl_seconds() -> int:
    """The approval lifetime in seconds: ``$CODEX_GUARD_APPROVAL_TTL``, else ``[approvals]
    ttl_seconds`` of ``$CODEX_HOME/guardrails.toml``, else 600. Invalid values fall back to the
    default (a positive integer is required)."""
    env = os.environ.get("CODEX_GUARD_APPROVAL_TTL")
    if env:
        try:
            v = int(env)
            return v if v > 0 else DEFAULT_TTL
        except ValueError:
            return DEFAULT_TTL
    from codex_guard._toml import TomlFileError, read_toml
    from codex_guard.policy.layers import codex_home

    try:
        data = read_toml(os.path.join(codex_home(), "guardrails.toml"))
    except TomlFileError:
        return DEFAULT_TTL
    if data is None:
        return DEFAULT_TTL
    section = data.get("approvals")
    ttl = section.get("ttl_seconds") if isinstance(section, dict) else None
    return ttl if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0 else DEFAULT_TTL


def normalize_code(text: str) -> str:
    """Upper-case, without spaces or dashes (``abc-def`` → ``ABCDEF``)."""
    return "".join(ch for ch in text.upper() if ch not in " -_")


def _new_code(taken: set[str]) -> str:
    """A fresh code: each character drawn uniformly from ``CODE_ALPHABET`` with ``os.urandom``
    (the CSPRNG ``secrets`` uses; bytes at or above the largest multiple of the alphabet size
    are dropped, so there is no modulo bias)."""
    n = len(CODE_ALPHABET)
    limit = 256 - 256 % n
    while True:
        chars: list[str] = []
        while len(chars) < CODE_LENGTH:
            chars.extend(CODE_ALPHABET[b % n] for b in os.urandom(2 * CODE_LENGTH) if b < limit)
        code = "".join(chars[:CODE_LENGTH])
        if code not in taken:
            return code


class _locked:
    """``with _locked() as path``: hold the state lock (``flock`` on ``approvals.lock``); the
    value is the state file path. Creates the folder 0700."""

    __slots__ = ("fd",)

    def __enter__(self) -> str:
        import fcntl

        folder = state_dir()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        self.fd = os.open(os.path.join(folder, _LOCK), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self.fd)
            raise
        return os.path.join(folder, _FILE)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing releases the lock


def _read(path: str) -> dict[str, Request]:
    from codex_guard._json import JSONDecodeError, loads

    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return {}
    if not raw.strip():
        return {}
    try:
        data = loads(raw)
        return {code: Request(**rec) for code, rec in data["requests"].items()}
    except (JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise ApprovalError(f"approval state {path} is unreadable ({e}); delete it") from None


def _write(path: str, requests: dict[str, Request]) -> None:
    from codex_guard._json import dumps

    body = dumps(
        {"version": 1, "requests": {c: r.to_dict() for c, r in requests.items()}}, indent=True
    )
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, body + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _transact(fn: Callable[[dict[str, Request], float], Any]) -> Any:
    """Run ``fn(requests, now)`` under the lock; writes back when it changed anything.
    Records expired for more than :data:`KEEP_EXPIRED` are dropped first."""
    now = time.time()
    with _locked() as path:
        requests = _read(path)
        before = {c: r.to_dict() for c, r in requests.items()}
        kept = {c: r for c, r in requests.items() if r.expires + KEEP_EXPIRED > now}
        result = fn(kept, now)
        if {c: r.to_dict() for c, r in kept.items()} != before:
            _write(path, kept)
        return result


def command_digest(command: str) -> str:
    """Hex SHA-256 of the exact command string, UTF-8 (``surrogatepass``: never raises)."""
    from codex_guard._sha import sha256_hex

    return sha256_hex(command.encode("utf-8", "surrogatepass"))


def _same(r: Request, digest: str, cwd: str, session_id: str) -> bool:
    return r.command_sha256 == digest and r.cwd == cwd and r.session_id == session_id


def _display(command: str) -> str:
    """``command`` with every secret the default catalogue finds redacted."""
    from codex_guard import scan

    found = scan.scan(command)
    return scan.redact(command, found) if found else command


def use_or_request(
    command: str,
    cwd: str,
    session_id: str,
    rule: str,
    client: str = "codex",
    display: str | None = None,
) -> tuple[Request, bool]:
    """Consume an approval for exactly this command, cwd and session, or issue a request.

    Args:
        command: the command string as the client sent it (compared byte for byte).
        cwd: the event's working directory.
        session_id: the event's session id.
        rule: readable text of the rule that asked for approval (shown by ``approve --list``).
        client: the client name recorded with a new request.
        display: the redacted form of ``command`` to store and show (the hook passes it, from
            the findings of the scan that judged the command); default: the command with what
            the default catalogue finds redacted. The command itself is never stored, only its
            SHA-256.

    Returns:
        ``(request, used)``: ``used`` True when an approved, unexpired grant was consumed (it is
        removed from the state); otherwise the pending request for this command (an existing
        one is reused, so a retry before approval keeps the same code).

    Raises:
        ApprovalError: the state file is unreadable.
        OSError: the state folder cannot be written.
    """

    digest = command_digest(command)

    def step(kept: dict[str, Request], now: float) -> tuple[Request, bool]:
        live = [r for r in kept.values() if r.expires > now and _same(r, digest, cwd, session_id)]
        for r in live:
            if r.approved:
                del kept[r.code]
                return r, True
        if live:
            return live[0], False
        ttl = ttl_seconds()
        code = _new_code(set(kept))
        shown = _display(command) if display is None else display
        r = Request(code, shown, cwd, session_id, client, rule, now, now + ttl, ttl)
        r.command_sha256 = digest
        kept[code] = r
        return r, False

    result: tuple[Request, bool] = _transact(step)
    return result


def _approvable(code: str, kept: dict[str, Request], now: float) -> Request:
    """The request ``code`` names, if it can still be approved.

    Raises:
        ApprovalError: the code is malformed, unknown, expired or already approved.
    """
    norm = normalize_code(code)
    if len(norm) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in norm):
        raise ApprovalError(
            f"{code!r} is not an approval code ({CODE_LENGTH} letters/digits, e.g. K7QXM3)"
        )
    r = kept.get(norm)
    if r is None:
        raise ApprovalError(f"unknown approval code {norm} (already used, or never issued)")
    if r.expires <= now:
        raise ApprovalError(
            f"approval code {norm} has expired; have the agent retry the command to get a new code"
        )
    if r.approved:
        raise ApprovalError(f"approval code {norm} is already approved and not yet used")
    return r


def lookup(code: str) -> Request:
    """The pending request ``code`` names, without changing anything (to show it to the person
    before they approve; the lock is not held afterwards).

    Raises:
        ApprovalError: as :func:`approve`.
    """
    with _locked() as path:
        kept = _read(path)
    return _approvable(code, kept, time.time())


def approve(code: str, user: str) -> Request:
    """Grant one execution of the request ``code``; it can be used until ``ttl`` from now.

    Raises:
        ApprovalError: the code is malformed, unknown, expired or already approved.
    """

    def step(kept: dict[str, Request], now: float) -> Request:
        r = _approvable(code, kept, now)
        r.approved_at = now
        r.approved_by = user
        r.expires = now + r.ttl
        return r

    result: Request = _transact(step)
    return result


def pending() -> list[Request]:
    """Every unexpired request (pending or approved but unused), oldest first.

    Raises:
        ApprovalError: the state file is unreadable.
    """
    now = time.time()
    with _locked() as path:
        live = [r for r in _read(path).values() if r.expires > now]
    return sorted(live, key=lambda r: r.created)


def approver() -> str:
    """The approving person: ``$CODEX_GUARD_USER``, else the login name of the process user
    (the same ``user`` the audit log records)."""
    from codex_guard.audit.ids import user

    return user()
