"""The ``[rules] prefix_rules`` of ``requirements.toml`` (Codex
``config/src/requirements_exec_policy.rs``).

Shape (execpolicy.md §4)::

    [rules]
    prefix_rules = [
        { pattern = [{ token = "git" }, { any_of = ["push", "commit"] }],
          decision = "prompt", justification = "review first" },
    ]

``[[rules.prefix_rules]]`` array-of-tables works too. Each rule is checked in Codex's order
(justification, pattern, tokens, decision); ``allow`` is refused, because Codex merges these rules
with every other source and takes the strictest result. A first-token ``any_of`` becomes one rule
per alternative, as in ``prefix_rule``; tokens are kept verbatim. The resulting policy is appended
after the file rules (``merge_overlay``).
"""

from __future__ import annotations

from codex_guard.policy.errors import PolicyError
from codex_guard.policy.policy import Policy
from codex_guard.policy.rule import PrefixRule, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from codex_guard.policy.rule import Token

_ALLOW_REFUSED = (
    "has decision 'allow', which is not permitted in requirements.toml: Codex merges these rules "
    "with other config and uses the most restrictive result (use 'prompt' or 'forbidden')"
)


def _token(raw: Any, i: int, j: int) -> Token:
    def bad(reason: str) -> PolicyError:
        return PolicyError(
            f"rules prefix_rule at index {i} has an invalid pattern token at index {j}: {reason}"
        )

    if not isinstance(raw, dict):
        raise bad("set either token or any_of")
    token, any_of = raw.get("token"), raw.get("any_of")
    if token is not None and any_of is not None:
        raise bad("set either token or any_of, not both")
    if token is not None:
        if not isinstance(token, str) or not token.strip():
            raise bad("token cannot be empty")
        return token
    if any_of is not None:
        if not isinstance(any_of, list) or not any_of:
            raise bad("any_of cannot be empty")
        if any(not isinstance(a, str) or not a.strip() for a in any_of):
            raise bad("any_of cannot include empty tokens")
        return tuple(any_of)
    raise bad("set either token or any_of")


def _rules(raw: Any, source: Source) -> list[PrefixRule]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("rules prefix_rules cannot be empty")
    out: list[PrefixRule] = []
    for i, r in enumerate(raw):
        if not isinstance(r, dict):
            raise PolicyError(f"rules prefix_rule at index {i} has an empty pattern")
        justification = r.get("justification")
        if justification is not None and (
            not isinstance(justification, str) or not justification.strip()
        ):
            raise PolicyError(f"rules prefix_rule at index {i} has an empty justification")
        pattern = r.get("pattern")
        if not isinstance(pattern, list) or not pattern:
            raise PolicyError(f"rules prefix_rule at index {i} has an empty pattern")
        toks = [_token(t, i, j) for j, t in enumerate(pattern)]
        decision = r.get("decision")
        if decision is None:
            raise PolicyError(f"rules prefix_rule at index {i} is missing a decision")
        if decision == "allow":
            raise PolicyError(f"rules prefix_rule at index {i} {_ALLOW_REFUSED}")
        if decision not in ("prompt", "forbidden"):
            raise PolicyError(
                f"rules prefix_rule at index {i} has an invalid decision: unknown variant "
                f"`{decision}`, expected one of `allow`, `prompt`, `forbidden`"
            )
        firsts = toks[0] if isinstance(toks[0], tuple) else (toks[0],)
        out += [PrefixRule(f, tuple(toks[1:]), decision, justification, source) for f in firsts]
    return out


def parse_requirements(text: str, path: str = "requirements.toml") -> Policy:
    """The requirements policy of one ``requirements.toml`` text.

    Args:
        text: the TOML document.
        path: its path, recorded as the rules' source (layer ``requirements``).

    Returns:
        A policy holding the ``[rules] prefix_rules`` (empty when there is no ``[rules]`` table
        or it has no ``prefix_rules`` key).

    Raises:
        PolicyError: invalid TOML, or a rule Codex would refuse (Codex's message).
    """
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"invalid requirements.toml: {e}", path) from None
    policy = Policy(files=[path])
    rules = data.get("rules")
    if not isinstance(rules, dict) or "prefix_rules" not in rules:
        return policy
    try:
        for rule in _rules(rules["prefix_rules"], Source(path, None, "requirements")):
            policy.add_rule(rule)
    except PolicyError as e:
        e.path = path
        raise
    return policy


def load_requirements(path: str) -> Policy | None:
    """:func:`parse_requirements` of the file at ``path``; None when it does not exist.

    Raises:
        PolicyError: unreadable (``read_error``) or invalid.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise PolicyError(f"{e.strerror} (os error {e.errno})", path, read_error=True) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError(f"invalid requirements.toml: {e}", path) from None
    return parse_requirements(text, path)
