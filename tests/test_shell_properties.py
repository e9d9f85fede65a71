"""Property tests (issue 4): however a forbidden command is wrapped, the verdict is never below
``prompt``; benign scripts built from the same constructs get no decision at all.

Scripts are generated with hypothesis from a forbidden core (``rm -rf ~``, ``cat
~/.ssh/id_rsa`` ...) and any mix of: quote splitting of the program name, assignment
indirection, wrappers (``sudo``/``env``/``nice``/``timeout``/``nohup``/``stdbuf``/``command``),
``xargs``, arrays, ``sh -c '"$0" "$@"' ARGS``, functions, lists and pipelines, subshells and brace groups, ``$(…)``, ``eval``, nested
``bash -c`` (quoted with :func:`shlex.quote`, as bash needs), heredocs and base64 into a shell.
Every script is judged end to end through :func:`codex_guard.hook.judge_command` with the
built-in packs, in an empty HOME and working directory.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_guard.hook import judge_command

FORBIDDEN_CORES = [
    ("rm", ["-rf", "~"]),
    ("rm", ["-rf", "/"]),
    ("rm", ["-r", "-f", "/etc"]),
    ("rm", ["--recursive", "--force", "~/"]),
    ("cat", ["~/.ssh/id_rsa"]),
    ("cat", ["~/.aws/credentials"]),
]

BENIGN_SIMPLE = [
    ("ls", ["-la"]),
    ("git", ["status", "--short"]),
    ("echo", ["hello world"]),
    ("echo", ["rm -rf ~"]),
    ("grep", ["-rn", "rm -rf /", "."]),
    ("grep", ["-c", "git push --force", "notes.md"]),
    ("printf", ["%s\\n", "cat ~/.ssh/id_rsa"]),
    ("git", ["log", "--oneline", "-n", "5"]),
    ("wc", ["-l", "README.md"]),
]

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty HOME (no user rules) and an empty working directory (no project rules)."""
    home = tmp_path_factory.mktemp("home")
    cwd = tmp_path_factory.mktemp("cwd")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("CODEX_HOME", str(Path(home) / ".codex"))
        mp.delenv("CODEX_GUARD_RULES", raising=False)
        yield str(cwd)


def _program(draw: st.DrawFn, prog: str) -> tuple[str, str]:
    """(prefix statements, program word): the name written so that bash still runs ``prog``."""
    style = draw(st.sampled_from(["plain", "empty-quotes", "double", "backslash", "ansi", "var"]))
    if style == "empty-quotes":
        cut = draw(st.integers(1, len(prog) - 1)) if len(prog) > 1 else 1
        return "", prog[:cut] + "''" + prog[cut:]
    if style == "double":
        return "", '"' + prog + '"'
    if style == "backslash":
        return "", "\\" + prog
    if style == "ansi":
        return "", "$'" + "".join(f"\\x{ord(c):02x}" for c in prog) + "'"
    if style == "var":
        return f"p={prog}; ", "$p"
    return "", prog


@st.composite
def simple_command(draw: st.DrawFn, cores: list[tuple[str, list[str]]]) -> str:
    """One simple command (maybe after assignment statements), wrapped by simple wrappers."""
    prog, args = draw(st.sampled_from(cores))
    prefix, word = _program(draw, prog)
    quoted = [shlex.quote(a) if a not in ("~", "~/") else a for a in args]
    if draw(st.booleans()) and args:
        prefix += f"t={quoted[-1]}; "
        quoted[-1] = "$t"
    line = " ".join([word, *quoted])
    wrappers = draw(
        st.lists(
            st.sampled_from(
                [
                    "sudo",
                    "sudo -u root",
                    "env FOO=1",
                    "env -i",
                    "nice -n 5",
                    "timeout 10",
                    "timeout -s KILL 5",
                    "nohup",
                    "stdbuf -oL",
                    "command",
                    "time",
                ]
            ),
            max_size=3,
        )
    )
    for w in wrappers:
        line = f"{w} {line}"
    if draw(st.booleans()):  # assignments are only assignments before the first word
        line = f"FOO=1 {line}"
    if draw(st.booleans()) and not prefix and args and args[-1] not in ("~", "~/"):
        # the last operand through xargs
        head = " ".join([word, *quoted[:-1]])
        line = f"echo {quoted[-1]} | xargs {head}"
    elif not prefix and not wrappers:
        style = draw(st.sampled_from(["as-is", "array", "sh-args", "function"]))
        words = [shlex.quote(prog), *(a if a in ("~", "~/") else shlex.quote(a) for a in args)]
        if style == "array":  # a=(rm -rf ~); "${a[@]}"
            line = f'a=({" ".join(words)}); "${{a[@]}}"'
        elif style == "sh-args":  # sh -c '"$0" "$@"' rm -rf ~
            line = f'sh -c \'"$0" "$@"\' {" ".join(words)}'
        elif style == "function":  # f() { "$@"; }; f rm -rf ~
            line = f'f() {{ "$@"; }}; f {" ".join(words)}'
    return prefix + line


@st.composite
def wrapped(draw: st.DrawFn, cores: list[tuple[str, list[str]]], benign: bool) -> str:
    """A script running the core command through up to four script-level constructs."""
    script = draw(simple_command(cores))
    constructs = [
        "bash-c",
        "and",
        "seq",
        "or",
        "pipe-out",
        "subshell",
        "brace",
        "subst",
        "eval",
    ]
    if not benign:
        constructs += ["heredoc", "base64", "background"]
    for step in draw(st.lists(st.sampled_from(constructs), max_size=4)):
        if step == "bash-c":
            shell = draw(st.sampled_from(["bash -c", "sh -c", "bash -lc", "zsh -c", "dash -ec"]))
            script = f"{shell} {shlex.quote(script)}"
        elif step == "and":
            script = f"ls && {script}"
        elif step == "seq":
            script = f"{script}; echo done"
        elif step == "or":
            script = f"false || {script}"
        elif step == "pipe-out":
            script = f"{script} | cat"
        elif step == "subshell":
            script = f"( {script} )"
        elif step == "brace":
            script = f"{{ {script}; }}"
        elif step == "subst":
            script = f"echo $( {script} )"  # spaced: $(( would be arithmetic
        elif step == "eval":
            script = f"eval {shlex.quote(script)}"
        elif step == "heredoc":
            script = f"bash <<'EOF'\n{script}\nEOF"
        elif step == "base64":
            encoded = base64.b64encode(script.encode()).decode()
            script = f"echo {encoded} | base64 -d | sh"
        elif step == "background":
            script = f"{script} &"
    return script


@SETTINGS
@given(script=wrapped(FORBIDDEN_CORES, benign=False))
def test_wrapped_forbidden_command_is_never_below_prompt(workdir: str, script: str) -> None:
    v = judge_command(script, workdir)
    assert v.decision in ("prompt", "forbidden"), (script, v)
    assert v.matches or v.reasons  # and the person is told why


@SETTINGS
@given(script=wrapped(BENIGN_SIMPLE, benign=True).filter(lambda s: "sudo" not in s))
def test_benign_scripts_get_no_decision(workdir: str, script: str) -> None:
    v = judge_command(script, workdir)
    assert v.decision is None, (script, v.matches, v.reasons)


def test_home_is_isolated(workdir: str) -> None:
    assert judge_command("rm -rf ~", workdir).decision == "forbidden"
