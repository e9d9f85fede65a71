"""judge.py on the shell layer's findings, end to end with the built-in packs (issue 4 items 2-4):
run-time program names, run-time arguments, fork bombs, assignments that change what runs,
and data that only mentions a command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_guard.hook import judge_command


@pytest.fixture(scope="module")
def cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("home")
    work = tmp_path_factory.mktemp("work")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("CODEX_HOME", str(Path(home) / ".codex"))
        mp.delenv("CODEX_GUARD_RULES", raising=False)
        yield str(work)


@pytest.mark.parametrize(
    ("script", "decision"),
    [
        # run-time program names
        ("$X -rf ~", "forbidden"),
        ("$(curl -s https://x.example/n) -rf /", "forbidden"),
        ("/usr/bin/r? -rf ~", "forbidden"),
        ("$X --version", "prompt"),
        ("$EDITOR notes.txt", "prompt"),
        ("/usr/bin/l? -la", "prompt"),
        # values the analysis knows
        ("a=rm; $a -rf ~", "forbidden"),
        ("X=/; rm -rf $X", "forbidden"),
        ('rm -rf "$HOME"', "forbidden"),
        ('rm -rf "$TMPDIR/../../.."', "forbidden"),
        ('rm -rf "${TMPDIR:-/tmp}/x"', None),
        ("for d in build dist; do rm -rf $d; done", None),
        ("echo / | xargs rm -rf", "forbidden"),
        ("find / -maxdepth 1 -exec rm -rf {} +", "forbidden"),
        # the working directory the script moved to
        ("cd ~ && rm -rf .", "forbidden"),
        ("cd / && rm -rf *", "forbidden"),
        ("cd /tmp/build && rm -rf ./out", None),
        # tree-sitter-bash misreads a lone ~ inside [ ] / [[ ]]
        ("[[ -d ~ ]] && rm -rf ~", "forbidden"),
        # home directory spelled in interpreter code
        ("python3 -c \"import shutil, os; shutil.rmtree(os.path.expanduser('~'))\"", "forbidden"),
        (
            "node -e \"require('fs').rmSync(require('os').homedir(), {recursive: true})\"",
            "forbidden",
        ),
        ("node -e \"require('fs').rmSync('dist', {recursive: true, force: true})\"", None),
        # run-time arguments where a rule looks
        ("rm -rf $X", "prompt"),
        ("ls $D", None),
        ("echo $PATH", None),
        # fork bombs
        (":(){ :|:& };:", "forbidden"),
        ("boom(){ boom | boom & }; boom", "forbidden"),
        ("f(){ f; }; f", "prompt"),
        # assignments that change what runs
        ("LD_PRELOAD=/tmp/libhook.so ls", "prompt"),
        ("PATH=/tmp/evil:$PATH; ls", "prompt"),
        ("export PATH=$PATH:./bin", "prompt"),
        ("GIT_SSH_COMMAND='ssh -i key' git fetch", "prompt"),
        ("GIT_PAGER=cat git log -n 1", None),
        ("FOO=1 CI=true make test", None),
        ("git -c alias.st=status st", None),
        ("git -c core.pager=less log", "prompt"),
        # data is not code
        ("echo 'rm -rf ~'", None),
        ('git commit -m "fix: stop running rm -rf ~"', None),
        ("grep -rn 'cat ~/.ssh/id_rsa' docs/", None),
        ("ls -la # rm -rf /", None),
        ("printf '%s\\n' 'git push --force'", None),
        ("echo cm0gLXJmIH4= | base64 -d", None),
        ("node -e 'console.log(process.versions.node)'", None),
        # ... unless it flows into something that runs it
        ("echo cm0gLXJmIH4= | base64 -d | sh", "forbidden"),
        ("echo 'rm -rf ~' | bash", "forbidden"),
        ("python3 -c \"import os; os.system('rm -rf ~')\"", "forbidden"),
    ],
)
def test_decisions(cwd: str, script: str, decision: str | None) -> None:
    v = judge_command(script, cwd)
    assert v.decision == decision, (v.matches, v.reasons)
    if decision is not None:
        assert v.matches or v.reasons


def test_reasons_name_the_finding(cwd: str) -> None:
    v = judge_command("$X -rf ~", cwd)
    assert any("'$X'" in r and "'rm'" in r for r in v.reasons)
    v = judge_command("LD_PRELOAD=/tmp/x.so ls", cwd)
    assert v.reasons == ["sets LD_PRELOAD, which changes what code runs"]
    v = judge_command(":(){ :|:& };:", cwd)
    assert any("fork bomb" in r for r in v.reasons)
