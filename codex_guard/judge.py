"""Judge the commands of a shell script against the layered policy.

Wires the ``shell`` and ``policy`` leaves (only this module, ``hook.py`` and the commands do):
every command the shell layer extracts is matched by prefix rules (Codex semantics) and guard
rules (with the shell facts the guard rules look at: redirects, pipeline, run-time words);
constructs the shell layer could not see through raise the decision to at least ``prompt``
with the reason it gives, never a silent allow. Three findings are decided here:

* a program name only known at run time (``$X -rf ~``, ``$(curl …) …``) is ``forbidden`` when
  a forbidden rule matches the command under some program name, else ``prompt``;
* a fork bomb (a function that runs itself in a pipe or in the background) is ``forbidden``;
* an assignment that changes what runs (``PATH=``, ``LD_PRELOAD=``, ``GIT_SSH_COMMAND=`` …,
  as a prefix, an ``export`` or a statement) is ``prompt``;
* ``apply_patch``/``applypatch`` run through the shell (heredoc or argument) that edits one of
  the guard's own files is ``forbidden``, as the ``apply_patch`` tool is (``patch_guard``).
"""

from __future__ import annotations

import os

from codex_guard.policy.guard import ArgvContext
from codex_guard.policy.layers import UNTRUSTED_PROJECT
from codex_guard.policy.rule import RuleMatch
from codex_guard.verdict import FORBIDDEN, PROMPT, Match, Verdict, stricter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from codex_guard.policy.layers import LoadedPolicy
    from codex_guard.shell import Analysis, Command

# Variables whose value decides which code runs (ld.so(8), bash(1), git(1), python(1), node(1)).
RISKY_VARIABLES = frozenset(
    {
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "BASH_ENV",
        "ENV",
        "PROMPT_COMMAND",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "NODE_OPTIONS",
        "PERL5OPT",
        "RUBYOPT",
    }
)
RISKY_PREFIXES = ("DYLD_", "GIT_")
# GIT_* variables that only select output or identity, not code.
_HARMLESS_GIT = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_TERMINAL_PROMPT",
        "GIT_TRACE",
        "GIT_CURL_VERBOSE",
        "GIT_OPTIONAL_LOCKS",
        "GIT_FLUSH",
    }
)
_CONTEXT_FIELDS = frozenset(ArgvContext.__slots__)  # the context's constructor keywords
_NEUTRAL_ARG = "--help"  # an argument no rule should find dangerous
_DECLARERS = frozenset({"export", "declare", "typeset", "local", "readonly"})

# patch_guard.SHELL_PATCH_PROGRAMS, repeated so the common path does not import patch_guard
_SHELL_PATCH_PROGRAMS = ("apply_patch", "applypatch")


def risky_assignment(assignment: str) -> str | None:
    """The variable name when ``NAME=value`` changes which code runs, else None."""
    name = assignment.split("=", 1)[0].rstrip("+")
    if name in RISKY_VARIABLES:
        return name
    if name.startswith(RISKY_PREFIXES) and name not in _HARMLESS_GIT:
        if name == "GIT_PAGER" and assignment.split("=", 1)[1] in ("", "cat", "less", "more"):
            return None
        return name
    return None


def _to_match(cmd: list[str], m: RuleMatch) -> Match:
    src = m.rule.source
    return Match(
        command=tuple(cmd),
        pattern=tuple(m.rule.pattern_tokens()),
        decision=m.decision,
        justification=m.justification,
        file=src.path,
        line=src.line,
        layer=src.layer,
    )


def context(c: Command) -> ArgvContext:
    """The guard rules' view of the shell facts of one command."""
    extra = {"cwd": c.cwd} if "cwd" in _CONTEXT_FIELDS else {}
    return ArgvContext(
        redirects=c.redirects,
        stdin_from=c.stdin_from,
        dynamic=c.dynamic,
        sources=c.sources,
        **extra,
    )


def command_matches(loaded: LoadedPolicy, c: Command, cwd: str | None) -> list[RuleMatch]:
    """Every rule match for one extracted command.

    Prefix rules see the argv with the program as a basename; when the program was written as a
    path, ``allow`` rules count only through Codex's host-executable stage (so an allow for
    ``git`` does not allow ``/tmp/evil/git`` when ``host_executable`` pins git), while
    prompt/forbidden rules match the basename regardless. Project allow rules of an untrusted
    project are dropped.
    """
    policy = loaded.policy
    argv = list(c.argv)
    out: list[RuleMatch] = []
    for m in policy.matches(argv):
        if c.program_path and m.decision == "allow":
            continue
        out.append(m)
    if c.program_path:
        full = [c.program_path, *argv[1:]]
        out += [
            m
            for m in policy.matches(full, resolve_host_executables=True, cwd=cwd)
            if m.decision == "allow" or m.resolved_program is None
        ]
    out += policy.guard_matches(argv, context(c))
    return [
        m for m in out if not (m.decision == "allow" and m.rule.source.layer == UNTRUSTED_PROJECT)
    ]


def dynamic_program_matches(loaded: LoadedPolicy, c: Command) -> list[tuple[str, RuleMatch]]:
    """For a command whose program is only known at run time: every forbidden rule that
    matches it under some program name, as ``(program, match)``.

    Only rules whose match depends on the arguments count (``$X -rf ~`` could be ``rm -rf ~``);
    a rule that forbids a program whatever its arguments (``crontab``) would make every unknown
    program forbidden, so those leave the decision at ``prompt``."""
    policy = loaded.policy
    rest = list(c.argv[1:])
    ctx = context(c)
    out: list[tuple[str, RuleMatch]] = []
    glob = not any(ch in c.argv[0] for ch in "$`(")  # a pattern such as r? rather than $X
    name = c.argv[0].rsplit("/", 1)[-1]

    if glob:
        import fnmatch  # only for a program name that is a pattern

    def could_be(program: str) -> bool:
        return not glob or fnmatch.fnmatchcase(program, name)

    for program, rules in policy.rules_by_program.items():
        if not could_be(program):
            continue
        for r in rules:
            cmd = [program, *rest]
            neutral = [program, _NEUTRAL_ARG]
            if r.decision == FORBIDDEN and r.matches_prefix(cmd) and not r.matches_prefix(neutral):
                out.append(
                    (
                        program,
                        RuleMatch(tuple(cmd[: r.length]), r.decision, r.justification, None, r),
                    )
                )
    for g in policy.guard_rules:
        if g.decision != FORBIDDEN:
            continue
        programs = [p for p in getattr(g, "programs", ()) if could_be(p)]
        for program in programs[:1]:
            m = g.match([program, *rest], ctx)
            if m is None or m.decision != FORBIDDEN:
                continue
            if g.match([program, _NEUTRAL_ARG], ArgvContext()) is None:
                out.append((program, m))
    return out


def _session_cwd(cwd: str | None, c: Command) -> str:
    """The directory a command runs in, as far as known: the session's ``cwd`` after the
    script's own ``cd`` (an unknown ``cd`` leaves the session's)."""
    base = cwd or os.getcwd()
    if not c.cwd:
        return base
    return os.path.join(base, os.path.expanduser(c.cwd))


def judge(loaded: LoadedPolicy, analysis: Analysis, cwd: str | None) -> Verdict:
    """The verdict for an analysed script: strictest decision over every command's matches,
    raised to ``prompt`` for each construct the analysis could not see through (``forbidden``
    for a fork bomb, or a run-time program name that a forbidden rule could match)."""
    v = Verdict(policy_files=[f.path for f in loaded.files])
    risky: dict[str, None] = {}
    for c in analysis.commands:
        v.commands.append(list(c.argv))
        for m in command_matches(loaded, c, cwd):
            v.matches.append(_to_match(list(c.argv), m))
            v.decision = stricter(v.decision, m.decision)
        if 0 in c.dynamic:
            for program, m in dynamic_program_matches(loaded, c)[:1]:
                v.matches.append(_to_match([program, *c.argv[1:]], m))
                v.raise_to(
                    FORBIDDEN,
                    f"the program name {c.argv[0]!r} is only known at run time and could be "
                    f"{program!r}, which a rule forbids",
                )
        if c.argv and c.argv[0].rsplit("/", 1)[-1] in _SHELL_PATCH_PROGRAMS:
            from codex_guard.patch_guard import shell_patch_reasons  # only for apply_patch

            for reason in shell_patch_reasons(c.argv, c.stdin, _session_cwd(cwd, c)):
                v.raise_to(FORBIDDEN, reason)
        declared = list(c.argv[1:]) if c.argv and c.argv[0] in _DECLARERS else []
        for a in (*c.assignments, *declared):
            name = risky_assignment(a)
            if name:
                risky.setdefault(name, None)
    for a in analysis.assignments:
        name = risky_assignment(a)
        if name:
            risky.setdefault(name, None)
    for name in risky:
        v.raise_to(PROMPT, f"sets {name}, which changes what code runs")
    if analysis.unsupported:
        from codex_guard.shell import REASON_FORK_BOMB  # only when something is unsupported
    for reason in analysis.unsupported:
        if reason == REASON_FORK_BOMB:
            v.raise_to(FORBIDDEN, f"codex-guard forbids this command: {reason}")
        else:
            v.raise_to(PROMPT, f"codex-guard cannot verify this command: {reason}")
    return v
