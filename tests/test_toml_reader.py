"""The shared guardrails.toml reader: parsed once per process, re-read when the file changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codex_guard._toml import TomlFileError, read_toml


def test_missing_file_is_none(tmp_path: Path) -> None:
    assert read_toml(str(tmp_path / "guardrails.toml")) is None


def test_parsed_once_and_reread_after_a_change(tmp_path: Path) -> None:
    p = tmp_path / "guardrails.toml"
    p.write_text("[audit]\nkeep = 1\n")
    first = read_toml(str(p))
    assert first == {"audit": {"keep": 1}}
    assert read_toml(str(p)) is first  # the same parse, not a second one
    st = p.stat()
    p.write_text("[audit]\nkeep = 2\n")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert read_toml(str(p)) == {"audit": {"keep": 2}}


@pytest.mark.parametrize("raw", [b"[audit\n", b"\xff\xfe"])
def test_invalid_file_names_the_path(tmp_path: Path, raw: bytes) -> None:
    p = tmp_path / "guardrails.toml"
    p.write_bytes(raw)
    with pytest.raises(TomlFileError, match=r"guardrails.toml: not valid TOML"):
        read_toml(str(p))


def test_unreadable_path_is_an_error(tmp_path: Path) -> None:
    d = tmp_path / "guardrails.toml"
    d.mkdir()  # a folder where the file should be
    with pytest.raises(TomlFileError, match="cannot read"):
        read_toml(str(d))
