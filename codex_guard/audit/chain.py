"""The chain hash of the seed design ("Compliance Audit Trail").

``chain_hash = SHA-256(previous_chain_hash + SHA-256(canonical(entry without chain_hash)))``, both
hashes as lowercase hex strings concatenated as text; the first entry chains to
``SHA-256("CODEX_AUDIT_GENESIS")``. ``canonical`` is the entry as JSON with keys sorted, no
whitespace, UTF-8, non-ASCII unescaped (the bytes of ``orjson.dumps(entry,
option=OPT_SORT_KEYS)``, written by :func:`codex_guard._json.dumps` with ``sort_keys``), as
written down in ``docs/audit.md``.
"""

from __future__ import annotations

from codex_guard._json import dumps
from codex_guard._sha import sha256_hex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

GENESIS = sha256_hex(b"CODEX_AUDIT_GENESIS")


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes hashed for an entry: sorted keys, compact, UTF-8; ``chain_hash`` excluded.

    Raises:
        codex_guard._json.JSONEncodeError: a value JSON cannot hold (a lone surrogate …).
    """
    body = {k: v for k, v in entry.items() if k != "chain_hash"}
    return dumps(body, sort_keys=True)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 hex of :func:`canonical`."""
    return sha256_hex(canonical(entry))


def link(previous: str, ehash: str) -> str:
    """The chain hash of an entry whose :func:`entry_hash` is ``ehash`` after an entry whose
    chain hash is ``previous`` (both lowercase hex)."""
    return sha256_hex((previous + ehash).encode("ascii"))


def chain(previous: str, entry: dict[str, Any]) -> str:
    """The chain hash of ``entry`` after an entry whose chain hash is ``previous``."""
    return link(previous, entry_hash(entry))
