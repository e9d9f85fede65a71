"""`codex-guard split` reproduces Codex's parse_shell_lc_plain_commands (shell_split.jsonl)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.conftest import corpus_cases

CASES = corpus_cases("shell_split.jsonl")


@pytest.mark.skipif(not CASES, reason="../shared/corpus/shell_split.jsonl not present")
@pytest.mark.parametrize("case", CASES[:40], ids=[c["id"] for c in CASES[:40]])
def test_split_matches_codex(case: dict[str, Any], guard_cmd: list[str]) -> None:
    done = subprocess.run(
        [*guard_cmd, "split", "--", *case["argv"]], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == case["expect_commands"]


def test_split_examples(guard_cmd: list[str]) -> None:
    def split(*argv: str) -> Any:
        out = subprocess.run(
            [*guard_cmd, "split", "--", *argv], capture_output=True, timeout=60, check=True
        )
        return json.loads(out.stdout)

    assert split("bash", "-lc", "ls && pwd") == [["ls"], ["pwd"]]
    assert split("bash", "-lc", "echo $(rm -rf ~)") is None
    assert split("ls", "-la") is None
