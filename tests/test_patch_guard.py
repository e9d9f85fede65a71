"""patch_guard reads apply_patch text as Codex's parser does (codex-rs/apply-patch/src/parser.rs):
trimmed hunk headers, CRLF line ends; case-insensitive paths on macOS/Windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_guard import patch_guard


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home" / ".codex"))
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc-codex"))
    (tmp_path / "proj").mkdir()
    return str(tmp_path / "proj")


def _decision(patch: str, cwd: str) -> str | None:
    v = patch_guard.judge_edit("apply_patch", {"command": patch}, cwd)
    assert v is not None
    return v.decision


@pytest.mark.parametrize(
    "patch",
    [
        "*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-a\n+b\n*** End Patch",
        "*** Begin Patch\n  *** Update File: .codex/hooks.json\n@@\n-a\n+b\n*** End Patch",
        "*** Begin Patch\n\t*** Add File: .codex/rules/x.rules  \n+x\n*** End Patch",
        "*** Begin Patch\r\n*** Delete File: .codex/config.toml\r\n*** End Patch\r\n",
        "  *** Begin Patch\n *** Update File: src/a.py\n *** Move to: .codex/hooks.json\n"
        "@@\n-a\n+b\n*** End Patch",
        "*** Begin Patch\n*** Add File: guardrails.toml\r\n+x\r\n*** End Patch",
    ],
)
def test_codex_valid_variants_are_forbidden(patch: str, cwd: str) -> None:
    assert _decision(patch, cwd) == "forbidden"


def test_crlf_path_has_no_carriage_return() -> None:
    text = "*** Begin Patch\r\n*** Add File: a.txt\r\n+x\r\n*** End Patch\r\n"
    assert patch_guard.patch_paths(text) == ["a.txt"]


def test_body_lines_are_not_headers(cwd: str) -> None:
    patch = "*** Begin Patch\n*** Add File: notes.md\n+*** Update File: .codex/hooks.json\n*** End Patch"
    assert patch_guard.patch_paths(patch) == ["notes.md"]
    assert _decision(patch, cwd) is None


def test_case_variants_on_caseless_file_systems(cwd: str, monkeypatch: pytest.MonkeyPatch) -> None:
    patch = "*** Begin Patch\n*** Add File: .CODEX/Hooks.JSON\n+{}\n*** End Patch"
    monkeypatch.setattr(patch_guard, "_CASELESS", False)
    assert _decision(patch, cwd) is None  # Linux: another file
    monkeypatch.setattr(patch_guard, "_CASELESS", True)
    assert _decision(patch, cwd) == "forbidden"
    home_hooks = str(Path(cwd).parent / "home" / ".CODEX" / "HOOKS.json")
    v = patch_guard.judge_edit("Write", {"file_path": home_hooks}, cwd)
    assert v is not None and v.decision == "forbidden"
    v = patch_guard.judge_edit("Write", {"file_path": "src/Main.py"}, cwd)
    assert v is not None and v.decision is None


_SHELL_PATCHES = [
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-a\n+b\n"
    "*** End Patch\nEOF",
    "applypatch <<'EOF'\n*** Begin Patch\n  *** Add File: .codex/rules/allow.rules\n+x\n"
    "*** End Patch\nEOF",
    "apply_patch '*** Begin Patch\n*** Delete File: guardrails.toml\n*** End Patch'",
    "bash -lc \"cd sub && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: "
    '../.codex/config.toml\n@@\n-a\n+b\n*** End Patch\nEOF\n"',
    "apply_patch <<EOF\n*** Begin Patch\n*** Update File: $CODEX_HOME/hooks.json\n@@\n-a\n+b\n"
    "*** End Patch\nEOF",
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: ~/.local/state/codex-guard/approvals.json"
    "\n+{}\n*** End Patch\nEOF",
]


@pytest.mark.parametrize("command", _SHELL_PATCHES)
def test_apply_patch_through_the_shell_is_forbidden(command: str, cwd: str) -> None:
    from codex_guard.hook import judge_command

    v = judge_command(command, cwd)
    assert v.decision == "forbidden", v.reasons
    assert any("may not change" in r for r in v.reasons)


def test_apply_patch_through_the_shell_of_ordinary_files_is_not_flagged(cwd: str) -> None:
    from codex_guard.hook import judge_command

    command = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: src/a.py\n+x\n*** End Patch\nEOF"
    v = judge_command(command, cwd)
    assert v.decision != "forbidden"
    assert not any("may not change" in r for r in v.reasons)


def test_judge_knows_the_same_patch_programs() -> None:
    from codex_guard import judge, patch_guard

    assert judge._SHELL_PATCH_PROGRAMS == patch_guard.SHELL_PATCH_PROGRAMS
