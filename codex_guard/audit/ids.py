"""Who and when of one audit record: the timestamp, the event id and the user (one place for
the hook, ``approve`` and the approval state; review #21).

Cheap on the hook path: no ``datetime``, no ``uuid`` import.
"""

from __future__ import annotations

import os


def now() -> str:
    """UTC now as ISO 8601 with milliseconds and a ``Z`` (``2026-11-21T19:17:14.123Z``)."""
    import time

    ns = time.time_ns()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000))
    return f"{stamp}.{ns // 1_000_000 % 1000:03d}Z"


def uuid4() -> str:
    """A random (version 4, RFC 4122 §4.4) UUID string from ``os.urandom``."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def user() -> str:
    """The acting person: ``$CODEX_GUARD_USER``, else the login name of the process user
    (``pwd``), else ``$USER``, else ``unknown``."""
    env = os.environ.get("CODEX_GUARD_USER")
    if env:
        return env
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, ImportError):
        return os.environ.get("USER", "unknown")
