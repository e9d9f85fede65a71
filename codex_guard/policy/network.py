"""``network_rule``: host normalisation, protocols and the compiled domain lists.

Follows Codex ``codex-rs/execpolicy/src/rule.rs`` (``normalize_network_rule_host``,
``NetworkRuleProtocol``) and ``policy.rs`` (``compiled_network_domains``), execpolicy.md §1.4.
Nothing in a shell decision uses these rules; they are parsed, validated, listed by
``codex-guard explain`` and written by amendments exactly as Codex does.
"""

from __future__ import annotations

from codex_guard._record import FrozenRecord
from codex_guard.policy.rule import DECISIONS, Source

PROTOCOLS = ("http", "https", "socks5_tcp", "socks5_udp")
_PROTOCOL_ALIASES = {"https_connect": "https", "http-connect": "https"}


class NetworkRuleError(ValueError):
    """An invalid ``network_rule`` argument (message: Codex's text after ``invalid rule: ``)."""


class NetworkRule(FrozenRecord):
    """One ``network_rule``.

    Attributes:
        host: the normalised host (lower-case, no port, no trailing dot).
        protocol: ``http`` | ``https`` | ``socks5_tcp`` | ``socks5_udp``.
        decision: ``allow`` | ``prompt`` | ``forbidden`` (``deny`` is read as forbidden).
        justification: verbatim, or None.
        source: where it was declared.
    """

    __slots__ = ("decision", "host", "justification", "protocol", "source")
    _FIELDS = ("host", "protocol", "decision", "justification", "source")
    _COMPARED = ("host", "protocol", "decision", "justification")  # equality ignores the source

    def __init__(
        self,
        host: str,
        protocol: str,
        decision: str,
        justification: str | None = None,
        source: Source | None = None,
    ) -> None:
        self.host = host
        self.protocol = protocol
        self.decision = decision
        self.justification = justification
        self.source = Source("<memory>") if source is None else source

    def to_plain(self) -> tuple[object, ...]:
        """Marshal-able data (the policy cache): the fields in constructor order."""
        return (self.host, self.protocol, self.decision, self.justification, self.source.to_plain())

    @classmethod
    def from_plain(cls, data: object) -> NetworkRule:
        """The inverse of :meth:`to_plain`.

        Raises:
            ValueError: ``data`` does not have the expected shape.
        """
        if (
            type(data) is tuple
            and len(data) == 5
            and type(data[0]) is str
            and data[1] in PROTOCOLS
            and data[2] in DECISIONS
            and (data[3] is None or type(data[3]) is str)
        ):
            return cls(data[0], data[1], data[2], data[3], Source.from_plain(data[4]))
        raise ValueError("bad NetworkRule")


def parse_protocol(raw: str) -> str:
    """``NetworkRuleProtocol::parse``: http, https (also ``https_connect``/``http-connect``),
    socks5_tcp, socks5_udp.

    Raises:
        NetworkRuleError: any other value.
    """
    proto = _PROTOCOL_ALIASES.get(raw, raw)
    if proto not in PROTOCOLS:
        raise NetworkRuleError(
            f"network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got {raw})"
        )
    return proto


def normalize_host(raw: str) -> str:
    """``normalize_network_rule_host``: trim, refuse schemes/paths, unbracket IPv6, drop a port,
    drop trailing dots, lower-case ASCII; refuse empty, wildcard and whitespace hosts.

    Raises:
        NetworkRuleError: with Codex's message.
    """
    host = raw.strip()
    if not host:
        raise NetworkRuleError("network_rule host cannot be empty")
    if "://" in host or any(c in host for c in "/?#"):
        raise NetworkRuleError(
            "network_rule host must be a hostname or IP literal (without scheme or path)"
        )
    if host.startswith("["):
        inside, sep, rest = host[1:].partition("]")
        if not sep:
            raise NetworkRuleError("network_rule host has an invalid bracketed IPv6 literal")
        port = rest[1:] if rest.startswith(":") else None
        port_ok = bool(port) and all("0" <= c <= "9" for c in port or "")
        if rest and not port_ok:
            raise NetworkRuleError(f"network_rule host contains an unsupported suffix: {raw}")
        host = inside
    elif host.count(":") == 1:
        candidate, _, port = host.rpartition(":")
        if candidate and port and all("0" <= c <= "9" for c in port):
            host = candidate
    normalized = host.rstrip(".").strip()
    normalized = "".join(c.lower() if c < "\x80" else c for c in normalized)
    if not normalized:
        raise NetworkRuleError("network_rule host cannot be empty")
    if "*" in normalized:
        raise NetworkRuleError(
            "network_rule host must be a specific host; wildcards are not allowed"
        )
    if any(c.isspace() for c in normalized):
        raise NetworkRuleError("network_rule host cannot contain whitespace")
    return normalized


def compiled_domains(rules: list[NetworkRule]) -> tuple[list[str], list[str]]:
    """``Policy::compiled_network_domains``: fold the rules in order; ``allow`` moves the host
    to the end of the allowed list (and out of the denied one), ``forbidden`` the reverse,
    ``prompt`` is ignored.

    Returns:
        ``(allowed, denied)``.
    """
    allowed: list[str] = []
    denied: list[str] = []
    for r in rules:
        if r.decision == "prompt":
            continue
        add, remove = (allowed, denied) if r.decision == "allow" else (denied, allowed)
        if r.host in remove:
            remove.remove(r.host)
        if r.host in add:
            add.remove(r.host)
        add.append(r.host)
    return allowed, denied
