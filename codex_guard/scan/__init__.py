"""Secret scanning for prompts and shell commands (a leaf package: no other codex_guard imports).

Public API::

    from codex_guard.scan import Finding, redact, scan

    findings = scan(prompt)          # list[Finding], sorted by start, non-overlapping
    if findings:
        safe = redact(prompt, findings)

* :func:`scan` runs the detector catalogue ``detectors.toml`` (gitleaks-style data: keywords,
  regex, secret group, entropy, validator, examples) over a text.
* :class:`Finding` is ``(kind, description, severity, start, end, redacted)``.
* :func:`redact` replaces each secret by its safe display form.
* :func:`detector_ids` lists the kinds the catalogue can report.

Everything runs offline: no secret is ever sent anywhere for verification.
"""

from __future__ import annotations

from .catalogue import Catalogue, CatalogueError, Detector, load_catalogue
from .engine import Finding, redact, scan

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Detector",
    "Finding",
    "detector_ids",
    "load_catalogue",
    "redact",
    "scan",
]


def detector_ids() -> list[str]:
    """Return the ids (kinds) of the packaged catalogue's detectors, in catalogue order.

    Raises ``OSError`` / :class:`CatalogueError` only if the packaged catalogue is missing or
    malformed.
    """
    return [d.id for d in load_catalogue().detectors]
