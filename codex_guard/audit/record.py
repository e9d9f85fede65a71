"""What the hook calls for each decision: append it to the configured log (rotating as
configured) and, when ``[audit.otel]`` is set, export it as an OpenTelemetry log record."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def record(entry: dict[str, Any]) -> dict[str, Any]:
    """Log one decision.

    Args:
        entry: the audit fields (see ``docs/audit.md``), without ``seq`` / ``chain_hash``.

    Returns:
        The entry as written.

    Raises:
        OSError: the log cannot be written (the OpenTelemetry export never raises; its problems
            go to stderr).
    """
    from codex_guard.audit.config import AuditConfig, AuditConfigError, default_log_path, load
    from codex_guard.audit.log import append

    try:
        cfg = load()
    except AuditConfigError as e:
        sys.stderr.write(f"codex-guard: {e}; audit settings ignored\n")
        import os

        cfg = AuditConfig(os.environ.get("CODEX_GUARD_AUDIT_LOG") or default_log_path())
    written = append(entry, cfg.path, rotate_bytes=cfg.rotate_bytes, keep=cfg.keep)
    if cfg.otel is not None:
        try:
            from codex_guard.audit.otel import emit

            emit(written, cfg.otel)
        except Exception as e:  # an unreachable collector must not change the decision
            sys.stderr.write(f"codex-guard: OpenTelemetry export failed: {e}\n")
    return written
