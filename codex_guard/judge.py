"""Judge the commands of a shell script against the layered policy.

Wires the ``shell`` and ``policy`` leaves (only this module, ``hook.py`` and the commands do):
every command the shell layer extracts is matched by prefix rules (Codex semantics) and guard
rules; constructs the shell layer could not see through raise the decision to at least
``prompt`` with the reason it gives, never a silent allow.
"""

from __future__ import annotations

from codex_guard.policy.layers import UNTRUSTED_PROJECT, LoadedPolicy
from codex_guard.policy.rule import RuleMatch
from codex_guard.shell import Analysis, Command
from codex_guard.verdict import PROMPT, Match, Verdict, stricter


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
    out += policy.guard_matches(argv)
    return [
        m for m in out if not (m.decision == "allow" and m.rule.source.layer == UNTRUSTED_PROJECT)
    ]


def judge(loaded: LoadedPolicy, analysis: Analysis, cwd: str | None) -> Verdict:
    """The verdict for an analysed script: strictest decision over every command's matches,
    raised to ``prompt`` for each construct the analysis could not see through."""
    v = Verdict(policy_files=[f.path for f in loaded.files])
    for c in analysis.commands:
        v.commands.append(list(c.argv))
        for m in command_matches(loaded, c, cwd):
            v.matches.append(_to_match(list(c.argv), m))
            v.decision = stricter(v.decision, m.decision)
    for reason in analysis.unsupported:
        v.raise_to(PROMPT, f"codex-guard cannot verify this command: {reason}")
    return v
