"""The chain hash of the seed design ("Compliance Audit Trail").

``chain_hash = SHA-256(previous_chain_hash + SHA-256(canonical(entry without chain_hash)))``, both
hashes as lowercase hex strings concatenated as text; the first entry chains to
``SHA-256("CODEX_AUDIT_GENESIS")``. ``canonical`` is the entry as JSON with keys sorted, no
whitespace, UTF-8, non-ASCII unescaped (``orjson.dumps(entry, option=OPT_SORT_KEYS)``), as
written down in ``docs/audit.md``.
"""

from __future__ import annotations

import hashlib
from typing import Any

GENESIS = hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest()


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes hashed for an entry: sorted keys, compact, UTF-8; ``chain_hash`` excluded."""
    import orjson

    body = {k: v for k, v in entry.items() if k != "chain_hash"}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 hex of :func:`canonical`."""
    return hashlib.sha256(canonical(entry)).hexdigest()


def link(previous: str, ehash: str) -> str:
    """The chain hash of an entry whose :func:`entry_hash` is ``ehash`` after an entry whose
    chain hash is ``previous`` (both lowercase hex)."""
    return hashlib.sha256((previous + ehash).encode("ascii")).hexdigest()


def chain(previous: str, entry: dict[str, Any]) -> str:
    """The chain hash of ``entry`` after an entry whose chain hash is ``previous``."""
    return link(previous, entry_hash(entry))
