"""``codex-guard doctor``: prove the guard is installed, trusted and enforcing.

Users' top complaint about command guards is "installed but not enforcing" (peers.md §3.3), and
Codex skips a hook silently when its trust hash is stale (codex-hooks.md §6.4). Each check here
gives one line and, when it fails, the fix:

* the hooks files parse and hold codex-guard's entries (every event and tool the installer
  registers: ``hooks/<client>…json``);
* Codex trust: ``[hooks.state."<file>:<event>:<group>:<handler>"] trusted_hash`` matches each of
  our handlers (codex-hooks.md §6.5) and the entry is not disabled;
* the ``hooks`` feature is not switched off (``[features] hooks``/``codex_hooks = false``) and no
  ``allow_managed_hooks_only`` requirement ignores user and project hooks; for Claude Code, no
  settings file sets ``disableAllHooks``;
* a project with ``.codex/`` rules or hooks is trusted by Codex;
* the rule files of every layer load and their ``match``/``not_match`` examples pass;
* the audit log's hash chain verifies;
* a live probe runs each installed hook command exactly as the client would (``bash -c``, the
  event on stdin) with a forbidden ``PreToolUse`` and a secret-bearing ``UserPromptSubmit``, and
  checks that the first is denied and the second blocked.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from codex_guard import install as inst

PROBE_COMMAND = "rm -rf /"
PROBE_SESSION = "codex-guard-doctor-probe"


@dataclass
class Check:
    """One check: ``ok``, a one-line ``detail`` and, on failure, the ``fix``."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        """The check as printed: ``ok   name: detail`` or ``FAIL name: detail`` + fix line."""
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"
        return [head] if self.ok or not self.fix else [head, f"     fix: {self.fix}"]


@dataclass(frozen=True)
class Installed:
    """A hooks file that holds codex-guard handlers: client, scope and path."""

    client: str
    scope: str
    path: str


def _hooks_files(cwd: str) -> list[Installed]:
    out = []
    for client in ("codex", "claude"):
        for project in (False, True):
            path, _ = inst.targets(client, project, cwd)
            out.append(Installed(client, "project" if project else "user", os.path.abspath(path)))
    return list(dict.fromkeys(out))


def _read_hooks(path: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(hooks mapping, error)``; ``({}, None)`` when the file does not exist."""
    try:
        data = inst._load_json(path)
    except (OSError, ValueError) as e:
        return None, f"{path} does not parse: {e}"
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict):
        return None, f'{path}: "hooks" is not an object'
    return hooks, None


def _ours(hooks: dict[str, Any]) -> list[tuple[str, int, int, str | None, dict[str, Any]]]:
    """Our handlers: ``(event, group index, handler index, matcher, handler)``."""
    out = []
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for gi, g in enumerate(groups):
            if not isinstance(g, dict) or not isinstance(g.get("hooks"), list):
                continue
            m = g.get("matcher")
            for hi, h in enumerate(g["hooks"]):
                if inst.is_ours(h):
                    out.append((event, gi, hi, m if isinstance(m, str) else None, h))
    return out


def _covers(matcher: str | None, tool: str) -> bool:
    """Whether a hook matcher selects ``tool`` (codex-hooks.md §5: empty/``*`` all; only
    ``[A-Za-z0-9_|]`` exact alternatives; else an unanchored regex)."""
    import re

    if matcher in (None, "", "*"):
        return True
    assert matcher is not None
    if re.fullmatch(r"[A-Za-z0-9_|]+", matcher):
        return tool in matcher.split("|")
    try:
        return re.search(matcher, tool) is not None
    except re.error:
        return False


def check_entries(f: Installed, hooks: dict[str, Any]) -> Check:
    """Every event and tool of the install template has one of our handlers."""
    want = inst.template(f.client, "codex-guard")["hooks"]
    ours = _ours(hooks)
    missing = []
    for event, groups in want.items():
        mine = [o for o in ours if o[0] == event]
        if not mine:
            missing.append(event)
            continue
        tmpl_matcher = groups[0].get("matcher")
        if tmpl_matcher:
            for tool in tmpl_matcher.split("|"):
                if not any(_covers(o[3], tool) for o in mine):
                    missing.append(f"{event}[{tool}]")
    name = f"{f.client} {f.scope} hooks"
    if missing:
        return Check(
            name,
            False,
            f"{f.path} lacks codex-guard's entries for {', '.join(missing)}",
            _install_fix(f),
        )
    detail = f"{f.path} has codex-guard's {len(ours)} entries"
    if any("launch.py" not in str(o[4].get("command")) for o in ours):
        # an install from before the launcher: enforcing, but each event pays a slower start-up
        detail += " (some run the older `codex-guard hook` command: `codex-guard install` again "
        detail += "switches them to the faster launcher)"
    return Check(name, True, detail)


def _install_fix(f: Installed) -> str:
    flags = (" --client claude" if f.client == "claude" else "") + (
        " --project" if f.scope == "project" else ""
    )
    return f"run `codex-guard install{flags}`"


def _config_toml() -> tuple[dict[str, Any] | None, str, str | None]:
    import tomllib

    path = os.path.join(inst._codex_home(), "config.toml")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh), path, None
    except FileNotFoundError:
        return {}, path, None
    except (OSError, ValueError) as e:
        return None, path, f"{path} does not parse: {e}"


def _other_spelling(state: Any, path: str, suffix: str) -> str | None:
    """A trust key for the same hooks file and handler written with another spelling of its
    path (a symlink to it), or None."""
    if not isinstance(state, dict):
        return None
    for k in state:
        if isinstance(k, str) and k.endswith(suffix):
            other = k[: -len(suffix)]
            if other != path and os.path.realpath(other) == os.path.realpath(path):
                return k
    return None


def check_trust(f: Installed, hooks: dict[str, Any]) -> Check:
    """Each of our Codex handlers has a matching, enabled ``trusted_hash``."""
    name = f"codex {f.scope} hook trust"
    cfg, cpath, err = _config_toml()
    if cfg is None:
        return Check(name, False, err or cpath, f"fix the TOML syntax of {cpath}")
    state = cfg.get("hooks", {}).get("state", {}) if isinstance(cfg.get("hooks"), dict) else {}
    bad = []
    for event, gi, hi, matcher, h in _ours(hooks):
        snake = inst.EVENT_SNAKE.get(event)
        if snake is None:
            continue
        key = f"{f.path}:{snake}:{gi}:{hi}"
        entry = state.get(key) if isinstance(state, dict) else None
        if not isinstance(entry, dict) or "trusted_hash" not in entry:
            other = _other_spelling(state, f.path, f":{snake}:{gi}:{hi}")
            if other:
                bad.append(
                    f"{event} is trusted under another spelling of the path ({other}), but Codex "
                    f"canonicalises CODEX_HOME and looks up {key}"
                )
            else:
                bad.append(f"{event} has no trust entry ({key})")
        elif entry.get("trusted_hash") != inst.trusted_hash(snake, matcher, h):
            bad.append(f"{event} has a stale trust hash ({key})")
        elif entry.get("enabled") is False:
            bad.append(f"{event} is disabled ({key})")
    if bad:
        return Check(
            name,
            False,
            "; ".join(bad) + " - Codex silently skips such hooks",
            _install_fix(f) + " again (it rewrites the trust entries), or trust them in "
            "Codex's /hooks browser",
        )
    return Check(name, True, f"trust entries in {cpath} match")


def check_feature() -> Check:
    """The ``hooks`` feature is on and user/project hooks are not ignored by requirements."""
    cfg, cpath, err = _config_toml()
    if cfg is None:
        return Check("codex hooks feature", False, err or cpath, f"fix the TOML syntax of {cpath}")
    feats = cfg.get("features", {})
    feats = feats if isinstance(feats, dict) else {}
    for key in ("hooks", "codex_hooks"):
        if feats.get(key) is False:
            return Check(
                "codex hooks feature",
                False,
                f"[features] {key} = false in {cpath}: Codex runs no hooks",
                f"delete `{key} = false` from [features] in {cpath}",
            )
    req = os.path.join(
        os.environ.get("CODEX_GUARD_SYSTEM_DIR") or "/etc/codex", "requirements.toml"
    )
    try:
        import tomllib

        with open(req, "rb") as fh:
            if tomllib.load(fh).get("allow_managed_hooks_only") is True:
                return Check(
                    "codex hooks feature",
                    False,
                    f"allow_managed_hooks_only = true in {req}: user and project hooks are ignored",
                    f"ask your administrator to add codex-guard to the managed [hooks] of {req}",
                )
    except (OSError, ValueError):
        pass
    return Check("codex hooks feature", True, "hooks are enabled")


def check_claude_enabled(cwd: str) -> Check:
    """No Claude Code settings file in reach sets ``disableAllHooks: true``."""
    user, _ = inst.targets("claude", False, cwd)
    project, _ = inst.targets("claude", True, cwd)
    local = os.path.join(os.path.dirname(project), "settings.local.json")
    for path in (user, project, local):
        try:
            data = inst._load_json(path)
        except (OSError, ValueError):
            continue  # reported by the hooks-file check when it is ours
        if data.get("disableAllHooks") is True:
            return Check(
                "claude hooks enabled",
                False,
                f"{path} sets disableAllHooks: true, so Claude Code runs no hooks",
                f'remove "disableAllHooks" from {path}',
            )
    return Check("claude hooks enabled", True, "no settings file disables hooks")


def check_project_trust(cwd: str) -> Check | None:
    """A project with ``.codex`` rules or hooks must be trusted by Codex; None when the cwd is
    in no project with any."""
    from codex_guard.policy.layers import codex_home, project_root, trusted_projects

    root = project_root(cwd)
    if root is None:
        return None
    base = os.path.join(root, ".codex")
    if os.path.realpath(base) == os.path.realpath(codex_home()):
        return None
    things = [
        p
        for p in ("rules", "guard", "hooks.json")
        if os.path.isdir(os.path.join(base, p)) or os.path.isfile(os.path.join(base, p))
    ]
    if not things:
        return None
    try:
        marks = trusted_projects(codex_home())
    except Exception as e:
        return Check("project trust", False, str(e), "fix the user config.toml")
    if os.path.normpath(root) in marks:
        return Check("project trust", True, f"{root} is trusted")
    return Check(
        "project trust",
        False,
        f"{root} has .codex/{', .codex/'.join(things)} but Codex does not trust it: Codex "
        "loads none of its hooks or rules, and codex-guard ignores its allow rules",
        f'add [projects."{root}"] trust_level = "trusted" to '
        f"{os.path.join(codex_home(), 'config.toml')} (or trust it when Codex asks)",
    )


def check_rules(cwd: str) -> Check:
    """Every layer's rule files load and their examples pass."""
    from codex_guard.policy.errors import PolicyError
    from codex_guard.policy.layers import discover, load_discovered

    try:
        found = discover(cwd)
        load_discovered(found)
        files = found.files
    except PolicyError as e:
        return Check(
            "rules",
            False,
            e.one_line(),
            "fix that rules file (a broken file makes codex-guard deny every command); "
            "`codex-guard check --rules FILE -- CMD` shows the error",
        )
    layers = sorted({f.layer for f in files})
    return Check(
        "rules", True, f"{len(files)} files load and their examples pass ({', '.join(layers)})"
    )


def check_audit() -> Check:
    """The audit log's chain verifies (a missing log is fine: nothing logged yet)."""
    from codex_guard.audit.log import default_path, verify

    path = default_path()
    if not os.path.exists(path):
        return Check("audit log", True, f"{path} does not exist yet")
    try:
        n, problems = verify(path)
    except OSError as e:
        return Check("audit log", False, f"{path}: {e}", f"make {path} readable")
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Check(
            "audit log",
            False,
            f"{path}: {problems[0]}{more}",
            "the log was altered: keep it for investigation, move it aside and let "
            "codex-guard start a new one",
        )
    return Check("audit log", True, f"{path}: chain of {n} entries verifies")


def _fake_aws_pair() -> str:
    """A freshly made-up AWS key pair in the documented format (never a real credential)."""
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    b64 = string.ascii_letters + string.digits + "+/"
    key_id = "AKIA" + "".join(secrets.choice(upper) for _ in range(16))
    secret = "".join(secrets.choice(b64) for _ in range(40))
    return f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"


def _shell() -> str:
    try:
        import pwd

        sh = pwd.getpwuid(os.getuid()).pw_shell
        if sh and os.path.isfile(sh) and os.access(sh, os.X_OK):
            return sh
    except (KeyError, ImportError):
        pass
    return "/bin/sh"


def _run_hook(
    command: str, event: dict[str, Any], timeout: int, env: dict[str, str]
) -> tuple[dict[str, Any] | None, str]:
    """Run one hook command as the client does; ``(the one JSON object printed, problem)``."""
    try:
        done = subprocess.run(
            [_shell(), "-c", command],
            input=json.dumps(event).encode(),
            capture_output=True,
            timeout=timeout,
            env=env,
            cwd=event["cwd"],
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout}s (the client would let the call through)"
    except OSError as e:
        return None, f"cannot start: {e}"
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        return None, f"exited {done.returncode}: {err[-1] if err else 'no message'}"
    text = done.stdout.decode(errors="replace").strip()
    try:
        obj = json.loads(text) if text else None
    except ValueError:
        return None, f"printed something that is not one JSON object: {text[:80]!r}"
    if not isinstance(obj, dict):
        return None, "printed nothing (the client would let the call through)"
    return obj, ""


def check_probe(f: Installed, hooks: dict[str, Any], cwd: str) -> list[Check]:
    """Feed the installed PreToolUse and UserPromptSubmit handlers a forbidden command and a
    secret-bearing prompt; both must be refused."""
    base: dict[str, Any] = {
        "session_id": PROBE_SESSION,
        "transcript_path": None,
        "cwd": cwd,
        "permission_mode": "default",
    }
    if f.client == "codex":
        base.update(turn_id="probe", model="probe")
    out: list[Check] = []
    handlers = {o[0]: o for o in _ours(hooks)}
    with tempfile.TemporaryDirectory(prefix="codex-guard-doctor-") as tmp:
        env = {**os.environ, "CODEX_GUARD_AUDIT_LOG": os.path.join(tmp, "audit.jsonl")}
        for event, payload, verdict in (
            (
                "PreToolUse",
                {"tool_name": "Bash", "tool_input": {"command": PROBE_COMMAND}},
                _denied,
            ),
            ("UserPromptSubmit", {"prompt": "deploy with\n" + _fake_aws_pair()}, _blocked),
        ):
            name = f"{f.client} {f.scope} live probe {event}"
            o = handlers.get(event)
            if o is None:
                out.append(Check(name, False, "no installed handler to probe", _install_fix(f)))
                continue
            h = o[4]
            t = h.get("timeout")
            timeout = t if isinstance(t, int) and t > 0 else 60
            ev = {**base, "hook_event_name": event, **payload}
            if event == "PreToolUse":
                ev["tool_use_id"] = "probe"
            obj, problem = _run_hook(h["command"], ev, timeout, env)
            if obj is not None and not verdict(obj, event):
                problem = f"answered {json.dumps(obj)[:120]} instead of refusing"
            what = "`rm -rf /` denied" if event == "PreToolUse" else "secret prompt blocked"
            if problem:
                out.append(
                    Check(
                        name,
                        False,
                        f"`{h['command']}` {problem}",
                        "make the hook command runnable as written (reinstall with "
                        f"`codex-guard install{' --client claude' if f.client == 'claude' else ''}`"
                        " from the environment codex-guard is installed in)",
                    )
                )
            else:
                out.append(Check(name, True, f"{what} by `{h['command']}`"))
    return out


def _denied(obj: dict[str, Any], event: str) -> bool:
    hso = obj.get("hookSpecificOutput")
    return (
        set(obj) == {"hookSpecificOutput"}
        and isinstance(hso, dict)
        and hso.get("hookEventName") == event
        and hso.get("permissionDecision") == "deny"
        and bool(str(hso.get("permissionDecisionReason", "")).strip())
    )


def _blocked(obj: dict[str, Any], event: str) -> bool:
    return obj.get("decision") == "block" and bool(str(obj.get("reason", "")).strip())


def run_checks(client: str | None = None, cwd: str | None = None) -> list[Check]:
    """Every check for the installations found from ``cwd`` (``client`` limits them to one
    client and makes that client's absence a failure).

    Returns:
        The checks in order; the guard is enforcing when all are ``ok``.
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    checks: list[Check] = []
    found: list[tuple[Installed, dict[str, Any]]] = []
    for f in _hooks_files(cwd):
        if client and f.client != client:
            continue
        hooks, err = _read_hooks(f.path)
        if hooks is None:
            checks.append(
                Check(f"{f.client} {f.scope} hooks", False, err or f.path, "fix the JSON syntax")
            )
            continue
        if _ours(hooks):
            found.append((f, hooks))
    if not found and not checks:
        who = {"codex": "Codex", "claude": "Claude Code"}.get(client or "", "Codex or Claude Code")
        flag = " --client claude" if client == "claude" else ""
        checks.append(
            Check(
                "hooks",
                False,
                f"codex-guard is not installed for {who}",
                f"run `codex-guard install{flag}`",
            )
        )
    if any(f.client == "codex" for f, _ in found) or client == "codex":
        checks.append(check_feature())
    if any(f.client == "claude" for f, _ in found) or client == "claude":
        checks.append(check_claude_enabled(cwd))
    for f, hooks in found:
        checks.append(check_entries(f, hooks))
        if f.client == "codex":
            checks.append(check_trust(f, hooks))
    if client != "claude":
        pt = check_project_trust(cwd)
        if pt is not None:
            checks.append(pt)
    checks.append(check_rules(cwd))
    checks.append(check_audit())
    for f, hooks in found:
        checks += check_probe(f, hooks, cwd)
    return checks
