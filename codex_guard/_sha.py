"""SHA-256 for the hook path without ``hashlib``.

``hashlib`` loads OpenSSL (``_hashlib``) on import, a few milliseconds paid on every hook start
(issue 8); CPython's own ``_sha2`` (3.12+) or ``_sha256`` (3.11) module gives the same FIPS 180-4
digest for a fraction of that. Falls back to ``hashlib`` where neither exists.
"""

import sys

# No ``from __future__ import annotations``: this module is imported before the module bundle
# serves any (codex_guard/_bundle.py), and that import costs the hook a normal module load.


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 digest (64 characters) of ``data``. The digest module is
    loaded on first use (an extension module: the bundle's own file name needs only
    :func:`fnv1a_64`)."""
    try:  # the module's name since 3.12 first there, 3.11's first here: no failed import to pay
        if sys.version_info >= (3, 12):
            from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
        else:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:  # pragma: no cover - not CPython
        from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return str(sha256(data).hexdigest())


def fnv1a_64(text: str) -> int:
    """The 64-bit FNV-1a hash of ``text`` (UTF-8, lone surrogates kept): a short cache-file
    name, not a digest (Fowler, Noll and Vo; IETF draft-eastlake-fnv)."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogatepass"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h
