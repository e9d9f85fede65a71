"""``guardrails.toml``: what the hook does with each kind of scan finding (docs/guardrails.md).

Layers, lowest first (each optional; read with ``tomllib``):

1. system: ``$CODEX_GUARD_SYSTEM_DIR/guardrails.toml``, default ``/etc/codex/guardrails.toml``;
2. user: ``$CODEX_HOME/guardrails.toml`` (default ``~/.codex/guardrails.toml``);
3. project: every ``.codex/guardrails.toml`` from the project root (the nearest ancestor of
   ``cwd`` holding ``.git``) down to ``cwd``.

The system layer (an organisation's setting) is a *floor*: the user layer overrides the
defaults and refines the system's choices, but where it would loosen a system action the
system's action stands (strictest wins, as for rules layers). Likewise a user scan limit set by
the system counts only where it scans more, the user allowlist does not silence a finding whose
action the system layer sets, and when the system file has a ``[scan]`` table a user detector
cannot replace a built-in or system detector (it is added as ``<id>-user``). A project may only
*tighten*: its actions count only where they are stricter, its custom detectors are added, its
scan limits count only where they scan more, and its allowlist is ignored (a repository must
not be able to silence the scanner for itself).

Only the ``[scan]`` table is read here; other tables (``[audit]`` …) belong to other parts of
codex-guard and are left alone. Schema::

    [scan]
    max_chars = 2000000           # characters scanned per text (half head, half tail)
    regex_timeout_ms = 200        # time-out of each custom detector's regex pass
    oversize = "warn"             # action when a text is longer than max_chars

    [scan.actions]                # per category, severity or kind; kind > severity > category
    secret = "block"              # defaults: secret block, personal warn,
    personal = "warn"             #           email-address and phone-number off
    low = "warn"                  # a severity
    "email-address" = "off"       # a kind

    [scan.allowlist]
    sha256 = ["9f86d0…"]          # SHA-256 (hex) of exact secret values never to report

    [[scan.detector]]             # custom detectors, the detectors.toml schema
    id = "acme-internal-token"
    description = "ACME internal token"
    keywords = ["acme_"]
    regex = '''(acme_[A-Za-z0-9]{32})'''
    secret_group = 1
    severity = "high"

Actions: ``block`` (UserPromptSubmit: the prompt is blocked; PostToolUse: the output is withheld
from the model; PreToolUse: the command needs a person's approval), ``warn`` (the text goes
through and the person sees a ``systemMessage``), ``off`` (not reported).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from codex_guard.scan import Catalogue, Detector, Finding

__all__ = [
    "ACTIONS",
    "Guardrails",
    "GuardrailsError",
    "config_paths",
    "load_guardrails",
]

BLOCK, WARN, OFF = "block", "warn", "off"
ACTIONS = (OFF, WARN, BLOCK)
_RANK = {OFF: 0, WARN: 1, BLOCK: 2}
_SEVERITIES = ("high", "medium", "low")
_CATEGORIES = ("secret", "personal")
DEFAULT_ACTIONS: dict[str, str] = {
    "secret": BLOCK,
    "personal": WARN,
    "email-address": OFF,
    "phone-number": OFF,
}
DEFAULT_MAX_CHARS = 2_000_000
DEFAULT_TIMEOUT_MS = 200
_SCAN_KEYS = frozenset(
    {"max_chars", "regex_timeout_ms", "oversize", "actions", "allowlist", "detector"}
)


_HEX = frozenset("0123456789abcdefABCDEF")


class GuardrailsError(ValueError):
    """A guardrails.toml file is unreadable or invalid; the message names the file."""


class Guardrails:
    """The merged configuration.

    Attributes:
        actions: category / severity / kind -> action: the defaults, overridden by the system
            then the user layer.
        floor: the same from the system layer alone (applied only where stricter).
        tighten: the same from project layers (applied only where stricter).
        allowlist: SHA-256 hex digests of values never reported (system and user layers).
        system_allowlist: the system layer's digests: the only ones that silence a finding
            whose action the system layer sets.
        detectors: custom detectors (system, user and project), in layer order.
        max_chars: characters of one text that are scanned.
        regex_timeout: seconds per custom-detector regex pass.
        oversize: action when a text is longer than ``max_chars``.
        files: the files that were read, lowest layer first.
    """

    __slots__ = (
        "_catalogue",
        "_system_file",
        "_system_limits",
        "actions",
        "allowlist",
        "detectors",
        "files",
        "floor",
        "max_chars",
        "oversize",
        "regex_timeout",
        "system_allowlist",
        "tighten",
    )

    def __init__(
        self,
        actions: dict[str, str] | None = None,
        floor: dict[str, str] | None = None,
        tighten: dict[str, str] | None = None,
        allowlist: set[str] | None = None,
        system_allowlist: set[str] | None = None,
        detectors: list[Detector] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        regex_timeout: float = DEFAULT_TIMEOUT_MS / 1000,
        oversize: str = WARN,
        files: list[str] | None = None,
    ) -> None:
        self.actions = dict(DEFAULT_ACTIONS) if actions is None else actions
        self.floor = {} if floor is None else floor
        self.tighten = {} if tighten is None else tighten
        self.allowlist = set() if allowlist is None else allowlist
        self.system_allowlist = set() if system_allowlist is None else system_allowlist
        self.detectors = [] if detectors is None else detectors
        self.max_chars = max_chars
        self.regex_timeout = regex_timeout
        self.oversize = oversize
        self.files = [] if files is None else files
        # [scan] limits the system layer set, and whether a system file was read at all
        self._system_limits: set[str] = set()
        self._system_file = False
        self._catalogue: Catalogue | None = None

    def _public(self) -> tuple[Any, ...]:
        return (
            self.actions,
            self.floor,
            self.tighten,
            self.allowlist,
            self.system_allowlist,
            self.detectors,
            self.max_chars,
            self.regex_timeout,
            self.oversize,
            self.files,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Guardrails) and self._public() == other._public()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return (
            f"Guardrails(actions={self.actions!r}, floor={self.floor!r}, "
            f"tighten={self.tighten!r}, max_chars={self.max_chars!r}, "
            f"oversize={self.oversize!r}, files={self.files!r})"
        )

    def action_for(self, kind: str, severity: str, category: str) -> str:
        """The action for a finding: the kind's setting, else its severity's, else its
        category's (``secret`` when unknown); a system or project setting counts where it is
        stricter than that."""
        act = _lookup(self.actions, kind, severity, category) or BLOCK
        for table in (self.floor, self.tighten):
            limit = _lookup(table, kind, severity, category)
            if limit is not None and _RANK[limit] > _RANK[act]:
                act = limit
        return act

    def catalogue(self) -> Catalogue:
        """The packaged catalogue plus the custom detectors (custom ids replace built-in ones
        only in system/user layers; a project detector with a built-in id is renamed)."""
        from codex_guard.scan import load_catalogue
        from codex_guard.scan.catalogue import build_catalogue

        if self._catalogue is not None:
            return self._catalogue
        base = load_catalogue()
        if not self.detectors:
            self._catalogue = base
            return base
        custom = {d.id: d._replace(timeout=self.regex_timeout) for d in self.detectors}
        merged = [custom.pop(d.id, d) for d in base.detectors]
        self._catalogue = build_catalogue(merged + list(custom.values()))
        return self._catalogue

    def allowlisted(self, value: str, *, system_only: bool = False) -> bool:
        """True if the SHA-256 of ``value`` (UTF-8) is in the allowlist (with ``system_only``,
        in the system layer's allowlist)."""
        digests = self.system_allowlist if system_only else self.allowlist
        if not digests:
            return False
        from codex_guard._sha import sha256_hex

        return sha256_hex(value.encode("utf-8", "surrogatepass")) in digests

    def classify(self, text: str, findings: list[Finding]) -> list[tuple[Finding, str]]:
        """Each finding of ``text`` with its action, dropping allowlisted values and ``off``.

        A finding whose action the system layer sets (other than ``off``) is dropped only by
        the system layer's allowlist."""
        if not findings:
            return []
        cats = {d.id: d.category for d in self.catalogue().detectors}
        out: list[tuple[Finding, str]] = []
        for f in findings:
            category = cats.get(f.kind, "secret")
            floor = _lookup(self.floor, f.kind, f.severity, category)
            system_only = floor is not None and floor != OFF
            if self.allowlisted(text[f.start : f.end], system_only=system_only):
                continue
            act = self.action_for(f.kind, f.severity, category)
            if act != OFF:
                out.append((f, act))
        return out


def _lookup(table: dict[str, str], kind: str, severity: str, category: str) -> str | None:
    for key in (kind, severity, category):
        if key in table:
            return table[key]
    return None


def _system_dir() -> str:
    return os.environ.get("CODEX_GUARD_SYSTEM_DIR") or "/etc/codex"


def _codex_home() -> str:
    return os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")


def _project_dirs(cwd: str) -> list[str]:
    """``cwd`` and its ancestors up to the project root (nearest ``.git``), root first; only
    ``cwd`` itself when there is no project root."""
    d = os.path.abspath(cwd)
    chain = [d]
    while not os.path.exists(os.path.join(d, ".git")):
        parent = os.path.dirname(d)
        if parent == d:
            return [os.path.abspath(cwd)]
        d = parent
        chain.append(d)
    return list(reversed(chain))


def config_paths(cwd: str | None) -> list[tuple[str, str]]:
    """``(layer, path)`` of every candidate file, lowest layer first (files may not exist)."""
    out = [
        ("system", os.path.join(_system_dir(), "guardrails.toml")),
        ("user", os.path.join(_codex_home(), "guardrails.toml")),
    ]
    if cwd:
        for d in _project_dirs(cwd):
            out.append(("project", os.path.join(d, ".codex", "guardrails.toml")))
    return out


def _read(path: str) -> dict[str, Any] | None:
    """The parsed file, or None when it does not exist (:func:`codex_guard._toml.read_toml`)."""
    from codex_guard._toml import TomlFileError, read_toml

    try:
        return read_toml(path)
    except TomlFileError as e:
        raise GuardrailsError(str(e)) from None


def _action(path: str, where: str, value: Any) -> str:
    if value not in ACTIONS:
        raise GuardrailsError(
            f"{path}: {where} must be one of {', '.join(ACTIONS)}, not {_shape(value)}"
        )
    return str(value)


def _shape(value: Any) -> str:
    """What a bad configured value is, without echoing it (it may be a pasted secret)."""
    if isinstance(value, str):
        return f"a {len(value)}-character string"
    return f"a {type(value).__name__}"


def _positive_int(path: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise GuardrailsError(
            f"{path}: [scan] {key} must be a positive integer, not {_shape(value)}"
        )
    return value


def _apply(g: Guardrails, layer: str, path: str, data: dict[str, Any], kinds: set[str]) -> None:
    from codex_guard.scan.catalogue import CatalogueError, parse_custom_detectors

    scan = data.get("scan")
    if scan is None:
        return
    if not isinstance(scan, dict):
        raise GuardrailsError(f"{path}: [scan] must be a table")
    unknown = set(scan) - _SCAN_KEYS
    if unknown:
        raise GuardrailsError(f"{path}: unknown key(s) in [scan]: {', '.join(sorted(unknown))}")
    project = layer == "project"
    system = layer == "system"
    if system:
        g._system_file = True
        g._system_limits.update(
            k for k in ("max_chars", "regex_timeout_ms", "oversize") if k in scan
        )

    def floored(key: str) -> bool:  # only tighten: a project, or a user under a system limit
        return project or (layer == "user" and key in g._system_limits)

    if "max_chars" in scan:
        n = _positive_int(path, "max_chars", scan["max_chars"])
        g.max_chars = max(g.max_chars, n) if floored("max_chars") else n
    if "regex_timeout_ms" in scan:
        ms = _positive_int(path, "regex_timeout_ms", scan["regex_timeout_ms"])
        g.regex_timeout = (
            max(g.regex_timeout, ms / 1000) if floored("regex_timeout_ms") else ms / 1000
        )
    if "oversize" in scan:
        act = _action(path, "[scan] oversize", scan["oversize"])
        if not floored("oversize") or _RANK[act] > _RANK[g.oversize]:
            g.oversize = act
    actions = scan.get("actions", {})
    if not isinstance(actions, dict):
        raise GuardrailsError(f"{path}: [scan.actions] must be a table")
    target = g.tighten if project else g.actions
    for key, value in actions.items():
        if key not in _CATEGORIES and key not in _SEVERITIES and key not in kinds:
            raise GuardrailsError(
                f"{path}: [scan.actions] {key!r} is not a category (secret, personal), "
                "a severity (high, medium, low) or a detector id"
            )
        act = _action(path, f"[scan.actions] {key}", value)
        if project:
            prev = target.get(key)
            if prev is None or _RANK[act] > _RANK[prev]:
                target[key] = act
        else:
            target[key] = act
            if system:
                g.floor[key] = act
    allow = scan.get("allowlist", {})
    if not isinstance(allow, dict) or set(allow) - {"sha256"}:
        raise GuardrailsError(f"{path}: [scan.allowlist] may only hold sha256 = [...]")
    digests = allow.get("sha256", [])
    if not isinstance(digests, list):
        raise GuardrailsError(f"{path}: [scan.allowlist] sha256 must be a list of hex digests")
    for n, d in enumerate(digests, 1):
        if not isinstance(d, str) or len(d) != 64 or any(c not in _HEX for c in d):
            raise GuardrailsError(  # never echo the entry: it may be the secret itself
                f"{path}: entry {n} of [scan.allowlist] sha256 is not 64 hex characters "
                f"(a SHA-256 digest), but {_shape(d)}"
            )
        if not project:  # a repository cannot allowlist values for itself
            g.allowlist.add(d.lower())
            if system:
                g.system_allowlist.add(d.lower())
    tables = scan.get("detector", [])
    if not isinstance(tables, list):
        raise GuardrailsError(f"{path}: [[scan.detector]] must be an array of tables")
    try:
        dets = parse_custom_detectors(tables, path, g.regex_timeout)
    except CatalogueError as e:
        raise GuardrailsError(str(e)) from None
    for det in dets:
        if project and det.id in kinds:
            det = det._replace(id=f"{det.id}-project")
        elif layer == "user" and g._system_file and det.id in kinds:
            det = det._replace(id=f"{det.id}-user")  # cannot replace what the system runs
        kinds.add(det.id)
        g.detectors.append(det)


def load_guardrails(cwd: str | None = None) -> Guardrails:
    """Read and merge every guardrails.toml layer for ``cwd`` (see the module docstring).

    Args:
        cwd: the session working directory (project layers are looked up from it); None reads
            only the system and user layers.

    Returns:
        The merged :class:`Guardrails` (defaults when no file exists).

    Raises:
        GuardrailsError: a file exists but cannot be read, is not TOML, or has an invalid
            ``[scan]`` table; the message names the file.
    """
    g = Guardrails()
    kinds: set[str] = set()  # the catalogue's kinds: read only when a file names some
    for layer, path in config_paths(cwd):
        try:
            os.stat(path)
        except FileNotFoundError:
            continue  # the common case: no TOML reader imported at all
        except OSError:
            pass  # let the reader report it
        data = _read(path)
        if data is None:
            continue
        g.files.append(path)
        if not kinds:
            from codex_guard.scan import detector_ids

            kinds.update(detector_ids())
        _apply(g, layer, path, data, kinds)
    return g
