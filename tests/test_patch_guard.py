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
