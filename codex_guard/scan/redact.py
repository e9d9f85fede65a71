"""Safe display forms of secrets, and span-accurate redaction of a text.

A redacted form keeps at most a well-known, non-secret prefix (``AKIA``, ``ghp_``, ``sk-proj-``,
a PEM ``-----BEGIN ... PRIVATE KEY-----`` line) and, only when the random part is at least 16
characters long, its last 4 characters: never more than 25% of the random part. The rest is
masked (``AKIA************GUEM``) or, for long or multi-line secrets, elided
(``sk-proj-…[redacted]…bFWb``). This mirrors the partial redaction of gitleaks' ``--redact=N`` and
of GitHub's secret-scanning alerts.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Protocol

    class _Span(Protocol):
        @property
        def start(self) -> int: ...
        @property
        def end(self) -> int: ...
        @property
        def redacted(self) -> str: ...


__all__ = ["known_prefix", "mask_secret", "redact_spans"]

_MAX_INLINE = 64
_TAIL = 4
_MIN_BODY_FOR_TAIL = 16
_MAX_PREFIX = 24


def known_prefix(secret: str, keywords: Iterable[str]) -> int:
    """Length of the well-known prefix of ``secret`` that may stay visible (0 if none).

    The prefix is the longest detector keyword that ``secret`` starts with (case-insensitively;
    keywords of prefixed detectors are their public prefixes, e.g. ``ghp_``), or a PEM armor
    line ``-----BEGIN ...-----``.
    """
    if secret.startswith("-----BEGIN "):
        close = secret.find("-----", 11)
        if close != -1:
            return close + 5
    low = secret[:_MAX_PREFIX].lower()
    best = 0
    for kw in keywords:
        if len(kw) > best and low.startswith(kw):
            best = len(kw)
    # never keep more than half of a short secret, whatever its prefix
    return min(best, len(secret) // 2)


def mask_secret(secret: str, prefix_len: int = 0) -> str:
    """Return a display form of ``secret`` that does not reveal it.

    ``prefix_len`` characters at the start are a public prefix and are kept. The last 4
    characters are kept only if the rest (after the prefix) is single-line, at least 16
    characters long, and the tail is alphanumeric. Secrets of up to 64 characters are masked
    with ``*`` (same length); longer or multi-line ones become ``<prefix>…[redacted]…<tail>``.
    Never raises; ``mask_secret("")`` is ``""``.
    """
    prefix_len = max(0, min(prefix_len, len(secret)))
    prefix, body = secret[:prefix_len], secret[prefix_len:]
    multiline = "\n" in body or "\\n" in body or "\r" in body
    tail = ""
    if not multiline and len(body) >= _MIN_BODY_FOR_TAIL and body[-_TAIL:].isalnum():
        tail = body[-_TAIL:]
    if not multiline and len(secret) <= _MAX_INLINE:
        return prefix + "*" * (len(body) - len(tail)) + tail
    return prefix + "\u2026[redacted]" + ("\u2026" + tail if tail else "")


def redact_spans(text: str, spans: Sequence[_Span]) -> str:
    """Replace each ``text[span.start:span.end]`` by ``span.redacted`` (spans may be unsorted).

    Overlapping spans are merged: the later one is clipped to start where the earlier ended.
    Spans outside the text are clipped to it. Never raises on well-typed input.
    """
    out: list[str] = []
    pos = 0
    n = len(text)
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        start = max(pos, min(max(span.start, 0), n))
        end = min(max(span.end, 0), n)
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(span.redacted)
        pos = end
    out.append(text[pos:])
    return "".join(out)
