"""Emit an audit entry as an OpenTelemetry log record over OTLP/HTTP (extra ``codex-guard[otel]``).

Only imported when ``[audit.otel]`` is configured, so the hook pays nothing otherwise. Each
decision becomes one log record: body ``codex-guard <event>: <decision>``, severity INFO for
``allow`` and WARN otherwise, ``event_name`` ``codex_guard.decision``, and the audit entry's fields
as attributes under the same names (lists of lists and objects, such as ``command`` and
``matched_rules``, as compact JSON strings). An entry never holds prompt text, so neither does the
record. The resource carries ``service.name`` from the configuration.
"""

from __future__ import annotations

import sys
from typing import Any

from codex_guard.audit.config import OtelConfig

MISSING_EXTRA = (
    "codex-guard: [audit.otel] is configured but OpenTelemetry is not installed "
    "(pip install 'codex-guard[otel]'); decisions are not exported\n"
)


def attributes(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's fields as OpenTelemetry attribute values (str, int, bool, float, or a list of
    str); nested values as compact JSON."""
    import orjson

    out: dict[str, Any] = {}
    for key, value in entry.items():
        if value is None:
            continue
        if isinstance(value, str | int | float | bool):
            out[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = list(value)
        else:
            out[key] = orjson.dumps(value).decode()
    return out


def _nanos(timestamp: Any) -> int | None:
    from datetime import UTC, datetime

    if not isinstance(timestamp, str):
        return None
    try:
        t = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    d = t - datetime(1970, 1, 1, tzinfo=UTC)
    return (d.days * 86400 + d.seconds) * 10**9 + d.microseconds * 1000  # exact, no float


def emit(entry: dict[str, Any], cfg: OtelConfig) -> bool:
    """Send one entry to the collector, synchronously (a hook process exits right after).

    Args:
        entry: the audit entry as written (``chain_hash`` included).
        cfg: the ``[audit.otel]`` settings.

    Returns:
        True when the record was handed to the exporter; False when the extra is missing (a
        one-line warning goes to stderr). Export failures are reported by the SDK on stderr.
    """
    try:
        from opentelemetry._logs import SeverityNumber
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
        from opentelemetry.sdk.resources import Resource
    except ImportError:
        sys.stderr.write(MISSING_EXTRA)
        return False
    provider = LoggerProvider(resource=Resource.create({"service.name": cfg.service_name}))
    exporter = OTLPLogExporter(endpoint=cfg.endpoint, headers=cfg.headers, timeout=cfg.timeout)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    decision = str(entry.get("effective_decision", "allow"))
    ok = decision == "allow"
    try:
        provider.get_logger("codex_guard.audit").emit(
            timestamp=_nanos(entry.get("timestamp")),
            severity_number=SeverityNumber.INFO if ok else SeverityNumber.WARN,
            severity_text="INFO" if ok else "WARN",
            body=f"codex-guard {entry.get('event', 'decision')}: {decision}",
            attributes=attributes(entry),
            event_name="codex_guard.decision",
        )
    finally:
        provider.shutdown()
    return True
