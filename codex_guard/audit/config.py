"""The ``[audit]`` table of ``guardrails.toml``: where the log lives, rotation, OpenTelemetry.

Only the user file (``$CODEX_HOME/guardrails.toml``, default ``~/.codex``) and the system file
(``$CODEX_GUARD_SYSTEM_DIR/guardrails.toml``, default ``/etc/codex``) are read, never a project's:
a repository the agent works in must not redirect or silence the audit log. A key set in the system
file wins over the user file (an organisation's setting), and ``$CODEX_GUARD_AUDIT_LOG`` wins over
both for the path. ``tomllib`` is imported only when one of the files exists.

```toml
[audit]
path = "~/logs/codex-guard/audit.jsonl"   # ~ and $VARS expanded
rotate_bytes = 10485760                    # rotate when the live file reaches this size; 0 = never
keep = 0                                   # rotated files to keep; 0 = keep all

[audit.otel]
endpoint = "http://127.0.0.1:4318/v1/logs" # OTLP/HTTP logs endpoint
headers = { Authorization = "Bearer …" }
service_name = "codex-guard"
timeout = 2.0                              # seconds per export
```
"""

from __future__ import annotations

import os

from codex_guard._record import FrozenRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_ROTATE_BYTES = 10 * 1024 * 1024
SYSTEM_DIR = "/etc/codex"


class AuditConfigError(ValueError):
    """A ``guardrails.toml`` cannot be read or its ``[audit]`` table is malformed; the message
    names the file and the key."""


class OtelConfig(FrozenRecord):
    """``[audit.otel]``: the OTLP/HTTP logs endpoint, extra HTTP headers, the resource's
    ``service.name`` and the export timeout in seconds."""

    _FIELDS = ("endpoint", "headers", "service_name", "timeout")
    __slots__ = _FIELDS

    def __init__(
        self,
        endpoint: str,
        headers: dict[str, str] | None = None,
        service_name: str = "codex-guard",
        timeout: float = 2.0,
    ) -> None:
        self.endpoint = endpoint
        self.headers: dict[str, str] = {} if headers is None else headers
        self.service_name = service_name
        self.timeout = timeout


class AuditConfig(FrozenRecord):
    """The effective audit settings.

    Attributes:
        path: the live log file (absolute).
        rotate_bytes: rotate before an append once the live file is at least this many bytes
            (0 = never).
        keep: how many rotated files to keep (0 = all).
        otel: OpenTelemetry export settings, or None when not configured.
        sources: the ``guardrails.toml`` files that were read.
    """

    _FIELDS = ("path", "rotate_bytes", "keep", "otel", "sources")
    __slots__ = _FIELDS

    def __init__(
        self,
        path: str,
        rotate_bytes: int = DEFAULT_ROTATE_BYTES,
        keep: int = 0,
        otel: OtelConfig | None = None,
        sources: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self.rotate_bytes = rotate_bytes
        self.keep = keep
        self.otel = otel
        self.sources = sources


def config_files() -> list[str]:
    """The candidate files, lowest precedence first: user, then system."""
    home = os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")
    system = os.environ.get("CODEX_GUARD_SYSTEM_DIR") or SYSTEM_DIR
    return [os.path.join(home, "guardrails.toml"), os.path.join(system, "guardrails.toml")]


def default_log_path() -> str:
    """``audit.jsonl`` in platformdirs' ``user_data_dir("codex-guard")``."""
    from codex_guard._dirs import user_dir

    return os.path.join(user_dir("data"), "audit.jsonl")


def _audit_table(path: str) -> dict[str, Any] | None:
    """The ``[audit]`` table of one file; None when the file does not exist."""
    from codex_guard._toml import TomlFileError, read_toml

    try:
        doc = read_toml(path)
    except TomlFileError as e:
        raise AuditConfigError(str(e)) from None
    if doc is None:
        return None
    table = doc.get("audit")
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise AuditConfigError(f"{path}: [audit] must be a table")
    return table


def _merge(tables: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Later tables win per key (``otel`` as a whole); returns the values and where each came
    from."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for src, table in tables:
        for key, value in table.items():
            merged[key] = value
            origin[key] = src
    return merged, origin


def _int(value: Any, key: str, src: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AuditConfigError(f"{src}: [audit] {key} must be a non-negative integer")
    return value


def _otel(value: Any, src: str) -> OtelConfig | None:
    if not isinstance(value, dict):
        raise AuditConfigError(f"{src}: [audit.otel] must be a table")
    endpoint = value.get("endpoint")
    if endpoint is None:
        return None
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise AuditConfigError(f"{src}: [audit.otel] endpoint must be an http(s) URL")
    headers = value.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise AuditConfigError(f"{src}: [audit.otel] headers must be a table of strings")
    service = value.get("service_name", "codex-guard")
    if not isinstance(service, str) or not service:
        raise AuditConfigError(f"{src}: [audit.otel] service_name must be a string")
    timeout = value.get("timeout", 2.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise AuditConfigError(f"{src}: [audit.otel] timeout must be a positive number")
    return OtelConfig(endpoint, dict(headers), service, float(timeout))


def load(files: list[str] | None = None) -> AuditConfig:
    """Read the effective audit settings.

    Args:
        files: the ``guardrails.toml`` files, lowest precedence first (default
            :func:`config_files`).

    Returns:
        The settings; defaults for everything not configured.

    Raises:
        AuditConfigError: a file exists but cannot be read, is not TOML, or has a bad value.
    """
    tables: list[tuple[str, dict[str, Any]]] = []
    for f in config_files() if files is None else files:
        t = _audit_table(f)
        if t is not None:
            tables.append((f, t))
    merged, origin = _merge(tables)
    path = os.environ.get("CODEX_GUARD_AUDIT_LOG") or ""
    if not path and "path" in merged:
        if not isinstance(merged["path"], str) or not merged["path"]:
            raise AuditConfigError(f"{origin['path']}: [audit] path must be a non-empty string")
        path = os.path.expanduser(os.path.expandvars(merged["path"]))
    path = os.path.abspath(path or default_log_path())
    rotate = DEFAULT_ROTATE_BYTES
    if "rotate_bytes" in merged:
        rotate = _int(merged["rotate_bytes"], "rotate_bytes", origin["rotate_bytes"])
    keep = _int(merged["keep"], "keep", origin["keep"]) if "keep" in merged else 0
    otel = _otel(merged["otel"], origin["otel"]) if "otel" in merged else None
    return AuditConfig(path, rotate, keep, otel, tuple(src for src, _ in tables))
