"""Codex reference mode (codex_guard.shell.codex_split) against Codex's own behaviour.

The conformance cases come from ../shared/corpus/shell_split.jsonl (execpolicy.md §6): every
case must match ``expect_commands``, ``expect_heredoc_prefix`` and ``expect_exec_policy``
exactly. The corpus is not shipped with the project; those tests skip when it is absent.
"""

from __future__ import annotations

import json
import locale
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard.shell.codex_split import (
    commands_for_exec_policy,
    detect_shell_type,
    extract_bash_command,
    heredoc_prefix,
    parse_plain_script,
    plain_commands,
)

CORPUS_FILE = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "shell_split.jsonl"
)


def _corpus() -> list[Any]:
    if not CORPUS_FILE.exists():
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"conformance corpus not found at {CORPUS_FILE} (../shared is only "
                    "present in the development environment)"
                ),
                id="corpus-absent",
            )
        ]
    cases = [json.loads(line) for line in CORPUS_FILE.read_text().splitlines() if line.strip()]
    return [pytest.param(case, id=case["id"]) for case in cases]


@pytest.mark.parametrize("case", _corpus())
def test_shell_split_corpus(case: dict[str, Any]) -> None:
    argv = case["argv"]
    assert plain_commands(argv) == case["expect_commands"]
    assert heredoc_prefix(argv) == case["expect_heredoc_prefix"]
    commands, complex_parsing = commands_for_exec_policy(argv)
    expected = case["expect_exec_policy"]
    assert commands == expected["commands"]
    assert complex_parsing is expected["used_complex_parsing"]


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("sh", "sh"),
        ("/bin/bash", "bash"),
        ("/usr/bin/zsh", "zsh"),
        ("./bash", "bash"),
        ("bash.exe", "bash"),
        ("/tmp/x/bash", "bash"),
        ("pwsh", "powershell"),
        ("powershell.exe", "powershell"),
        ("cmd", "cmd"),
        ("dash", None),
        ("ksh", None),
        ("fish", None),
        ("BASH", None),  # compared literally, case-sensitive
        ("bash/", None),  # file stem "bash" equals the path by components
        (".bash", None),  # a leading dot does not start an extension
        ("", None),
        ("/", None),
        ("..", None),
    ],
)
def test_detect_shell_type(shell: str, expected: str | None) -> None:
    assert detect_shell_type(shell) == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["bash", "-cl", "ls"],
        ["bash", "-l", "-c", "ls"],
        ["bash", "--login", "-c", "ls"],
        ["dash", "-c", "ls"],
        ["bash", "-c"],
        [],
    ],
)
def test_extract_bash_command_refuses(argv: list[str]) -> None:
    assert extract_bash_command(argv) is None
    assert plain_commands(argv) is None
    assert commands_for_exec_policy(argv) == ([argv], False)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("ls\\\n  -la", [["ls", "-la"]]),  # line continuation
        ("a=b", None),  # a bare assignment is a variable_assignment node
        ("echo a=b", [["echo", "a=b"]]),
        ("echo 'a'\"b\"c", [["echo", "abc"]]),
        ("echo \"\"''", None),  # concatenation joining to "" refuses
        ("echo $'x'", None),
        ("ls |& wc", None),
        ("ls\n\npwd\n", [["ls"], ["pwd"]]),
        ('echo "a\\"b"', [["echo", 'a\\"b']]),  # escapes stay literal
    ],
)
def test_plain_script_details(script: str, expected: list[list[str]] | None) -> None:
    assert parse_plain_script(script) == expected


def test_heredoc_prefix_requires_literal_words_and_single_command() -> None:
    assert heredoc_prefix(["bash", "-lc", "cat <<EOF\nx\nEOF"]) == ["cat"]
    assert heredoc_prefix(["bash", "-lc", "cat -n 2 <<EOF\nx\nEOF"]) == ["cat", "-n", "2"]
    assert heredoc_prefix(["bash", "-lc", "cat <<EOF\n$(rm -rf /)\nEOF"]) is None
    assert heredoc_prefix(["bash", "-lc", "cat <<< x"]) is None
    assert heredoc_prefix(["bash", "-lc", '"cat" <<EOF\nx\nEOF']) is None


def test_parse_uses_codex_c_locale() -> None:
    # Codex (Rust) never calls setlocale, so tree-sitter-bash's iswalpha() sees the "C"
    # locale there: `é=1` is a word, not an assignment. Python sets LC_CTYPE from the
    # environment; the parse must not depend on it, and must restore it.
    before = locale.setlocale(locale.LC_CTYPE)
    assert plain_commands(["bash", "-lc", "é=1 ls"]) == [["é=1", "ls"]]
    assert plain_commands(["bash", "-lc", "echo\u2003hi"]) == [["echo\u2003hi"]]
    assert locale.setlocale(locale.LC_CTYPE) == before


def test_non_bmp_text_is_kept() -> None:
    assert plain_commands(["bash", "-lc", "git commit -m '🎉 release' && echo \U0001d431"]) == [
        ["git", "commit", "-m", "🎉 release"],
        ["echo", "\U0001d431"],
    ]


def test_scanner_out_of_bounds_inputs_do_not_crash() -> None:
    # tree-sitter-bash's scanner calls isdigit()/isalpha() on code points; beyond the BMP that
    # reads far outside glibc's table and can segfault (seen with `{\U00101419`).
    code = (
        "from codex_guard.shell import analyze_script\n"
        "from codex_guard.shell.codex_split import plain_commands\n"
        "for s in ['{\\U00101419', 'x{\\U000E0000', '[ -\\U0010FFFF x ]',\n"
        "          'cat <<EOF\\n$\\U00100000\\nEOF', '${x?\\U000F0000}']:\n"
        "    for _ in range(50):\n"
        "        plain_commands(['bash', '-lc', s])\n"
        "        analyze_script(s)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode(errors="replace")


def test_hostile_parse_is_time_bounded() -> None:
    # tree-sitter-bash's error recovery is quadratic on this input (minutes unbounded).
    start = time.monotonic()
    assert plain_commands(["bash", "-lc", ")" * 100_000]) is None
    assert time.monotonic() - start < 10


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["bash", "zsh", "sh", "/bin/bash", "dash"]))
def test_never_raises(script: str, shell: str) -> None:
    argv = [shell, "-lc", script]
    commands = plain_commands(argv)
    assert commands is None or all(isinstance(w, str) for c in commands for w in c)
    heredoc_prefix(argv)
    result, complex_parsing = commands_for_exec_policy(argv)
    assert result and isinstance(complex_parsing, bool)
