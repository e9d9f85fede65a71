"""guardrails.toml: layers, tighten-only projects, actions, allowlist, custom detectors, limits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from codex_guard.gate import judge_prompt, judge_tool_output, scan_command, tool_output_text
from codex_guard.guardrails import GuardrailsError, config_paths, load_guardrails
from codex_guard.verdict import FORBIDDEN, PROMPT, Verdict

AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
SSN = "767-03-1134"
EMAIL = "carlos.nowak.3877@fastmail.com"


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    system = tmp_path / "etc"
    home = tmp_path / "codex-home"
    repo = tmp_path / "repo"
    sub = repo / "pkg" / "sub"
    for d in (system, home, sub, repo / ".git"):
        d.mkdir(parents=True)
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(system))
    monkeypatch.setenv("CODEX_HOME", str(home))
    return {"system": system, "user": home, "repo": repo, "sub": sub}


def _write(folder: Path, text: str, project: bool = False) -> Path:
    d = folder / ".codex" if project else folder
    d.mkdir(parents=True, exist_ok=True)
    p = d / "guardrails.toml"
    p.write_text(text)
    return p


def test_defaults(layers: dict[str, Path]) -> None:
    g = load_guardrails(str(layers["sub"]))
    assert g.files == []
    assert g.action_for("aws-access-key-id", "high", "secret") == "block"
    assert g.action_for("us-ssn", "high", "personal") == "warn"
    assert g.action_for("email-address", "low", "personal") == "off"
    assert g.action_for("phone-number", "low", "personal") == "off"


def test_paths_root_down_to_cwd(layers: dict[str, Path]) -> None:
    paths = [p for _, p in config_paths(str(layers["sub"]))]
    repo = layers["repo"]
    assert paths[2:] == [
        str(repo / ".codex" / "guardrails.toml"),
        str(repo / "pkg" / ".codex" / "guardrails.toml"),
        str(repo / "pkg" / "sub" / ".codex" / "guardrails.toml"),
    ]


def test_kind_beats_severity_beats_category(layers: dict[str, Path]) -> None:
    _write(
        layers["user"],
        '[scan.actions]\npersonal = "block"\nlow = "warn"\n"us-ssn" = "off"\n',
    )
    g = load_guardrails(None)
    assert g.action_for("us-ssn", "high", "personal") == "off"
    assert g.action_for("email-address", "low", "personal") == "off"  # default kind entry
    assert g.action_for("iban", "high", "personal") == "block"
    assert g.action_for("phone-number", "low", "personal") == "off"
    assert g.action_for("jwt", "low", "secret") == "warn"


GHP = "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"


def test_system_is_a_floor_for_actions(layers: dict[str, Path]) -> None:
    """The review's repro (#10): an organisation's block is not undone by a user's off."""
    _write(layers["system"], '[scan.actions]\nsecret = "block"\npersonal = "block"\n')
    _write(layers["user"], '[scan.actions]\nsecret = "off"\npersonal = "off"\n"jwt" = "off"\n')
    g = load_guardrails(None)
    assert g.action_for("iban", "high", "personal") == "block"
    assert g.action_for("jwt", "medium", "secret") == "block"  # a kind key cannot loosen either
    assert judge_prompt(f"token {GHP}", None).decision == FORBIDDEN


def test_user_refines_and_tightens_system(layers: dict[str, Path]) -> None:
    # the system may loosen a default; the user may tighten what the system set
    _write(layers["system"], '[scan.actions]\npersonal = "off"\nlow = "warn"\n')
    _write(layers["user"], '[scan.actions]\n"us-ssn" = "block"\n"jwt" = "block"\n')
    g = load_guardrails(None)
    assert g.action_for("iban", "high", "personal") == "off"
    assert g.action_for("us-ssn", "high", "personal") == "block"
    assert g.action_for("jwt", "low", "secret") == "block"
    assert judge_prompt(f"SSN {SSN}", None).decision == FORBIDDEN


def test_user_loosens_defaults_without_system(layers: dict[str, Path]) -> None:
    _write(layers["user"], '[scan.actions]\n"github-pat" = "off"\n')
    assert judge_prompt(f"token {GHP}", None).decision is None
    _write(layers["system"], '[scan.actions]\nsecret = "block"\n')
    assert judge_prompt(f"token {GHP}", None).decision == FORBIDDEN


def test_user_allowlist_cannot_silence_a_system_action(layers: dict[str, Path]) -> None:
    digest = hashlib.sha256(GHP.encode()).hexdigest()
    _write(layers["user"], f'[scan.allowlist]\nsha256 = ["{digest}"]\n')
    assert judge_prompt(f"token {GHP}", None).decision is None  # no system action: honoured
    _write(layers["system"], '[scan.actions]\nsecret = "block"\n')
    assert judge_prompt(f"token {GHP}", None).decision == FORBIDDEN
    _write(
        layers["system"],
        f'[scan.actions]\nsecret = "block"\n[scan.allowlist]\nsha256 = ["{digest}"]\n',
    )
    assert judge_prompt(f"token {GHP}", None).decision is None  # the system's own allowlist


def test_user_limits_under_system_limits(layers: dict[str, Path]) -> None:
    _write(layers["user"], '[scan]\nmax_chars = 10\noversize = "off"\n')
    g = load_guardrails(None)
    assert (g.max_chars, g.oversize) == (10, "off")  # no system limit: the user's
    _write(layers["system"], '[scan]\nmax_chars = 5000\noversize = "block"\n')
    g = load_guardrails(None)
    assert (g.max_chars, g.oversize) == (5000, "block")
    _write(layers["user"], "[scan]\nmax_chars = 9000\n")
    assert load_guardrails(None).max_chars == 9000  # scanning more is tightening


NEVER_MATCHING_GITHUB_PAT = """
[[scan.detector]]
id = "github-pat"
description = "a replacement that never matches"
keywords = ["zzqq"]
regex = 'zzqq_never'
secret_group = 0
severity = "high"
"""


def test_user_detector_cannot_replace_under_a_system_file(layers: dict[str, Path]) -> None:
    _write(layers["user"], NEVER_MATCHING_GITHUB_PAT)
    assert judge_prompt(f"token {GHP}", None).decision is None  # the user's own choice
    _write(layers["system"], '[scan.actions]\nsecret = "block"\n')
    g = load_guardrails(None)
    assert g.catalogue().by_id("github-pat-user") is not None
    assert [f.kind for f in judge_prompt(f"token {GHP}", None).findings] == ["github-pat"]


def test_project_can_only_tighten(layers: dict[str, Path]) -> None:
    _write(layers["user"], '[scan.actions]\npersonal = "off"\n"jwt" = "warn"\n')
    _write(
        layers["repo"],
        '[scan.actions]\nsecret = "off"\npersonal = "block"\n"jwt" = "off"\n'
        "[scan]\nmax_chars = 10\n",
        project=True,
    )
    g = load_guardrails(str(layers["sub"]))
    assert g.action_for("aws-access-key-id", "high", "secret") == "block"  # not loosened
    assert g.action_for("iban", "high", "personal") == "block"  # tightened
    assert g.action_for("jwt", "medium", "secret") == "warn"  # project "off" ignored
    assert g.max_chars > 10  # a project cannot scan less


def test_allowlist_by_sha256_user_only(layers: dict[str, Path]) -> None:
    digest = hashlib.sha256(AWS_ID.encode()).hexdigest()
    text = f"id {AWS_ID}"
    _write(layers["repo"], f'[scan.allowlist]\nsha256 = ["{digest}"]\n', project=True)
    assert judge_prompt(text, str(layers["sub"])).decision == FORBIDDEN
    _write(layers["user"], f'[scan.allowlist]\nsha256 = ["{digest.upper()}"]\n')
    assert judge_prompt(text, str(layers["sub"])).decision is None


def test_custom_detector(layers: dict[str, Path]) -> None:
    _write(
        layers["user"],
        """
[scan]
regex_timeout_ms = 500
[[scan.detector]]
id = "acme-token"
description = "ACME internal token"
keywords = ["acme_"]
regex = '''(acme_[A-Za-z0-9]{24})'''
secret_group = 1
severity = "high"
""",
    )
    v = judge_prompt("use acme_Zq81Lm0PxT4vBn7Ws2Yc9Kd3 now", None)
    assert v.decision == FORBIDDEN
    assert [f.kind for f in v.findings] == ["acme-token"]
    g = load_guardrails(None)
    assert g.catalogue().by_id("acme-token").timeout == 0.5


def test_custom_detector_time_out_is_reported(layers: dict[str, Path]) -> None:
    _write(
        layers["user"],
        """
[scan]
regex_timeout_ms = 1
[[scan.detector]]
id = "slow"
description = "catastrophic backtracking"
keywords = []
regex = '''(?:(?:a|aa)+)+b'''
secret_group = 0
severity = "high"
""",
    )
    v = judge_prompt("a" * 60 + "c", None)
    assert any("timed out" in n for n in v.notices)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[scan]\nsurprise = 1\n", "unknown key"),
        ('[scan.actions]\nsecret = "deny"\n', "must be one of"),
        ('[scan.actions]\nnot-a-kind = "off"\n', "is not a category"),
        ('[scan.allowlist]\nsha256 = ["AKIA"]\n', "64 hex"),
        ("[scan]\nmax_chars = 0\n", "positive integer"),
        ("[[scan.detector]]\nid = 'x'\n", "missing field"),
        (
            "[[scan.detector]]\nid='x'\ndescription='d'\nkeywords=[]\nregex='('\n"
            "secret_group=0\nseverity='high'\n",
            "bad regex",
        ),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_bad_config_names_the_file(layers: dict[str, Path], text: str, message: str) -> None:
    path = _write(layers["user"], text)
    with pytest.raises(GuardrailsError) as err:
        load_guardrails(None)
    assert str(path) in str(err.value) and message in str(err.value)
    v = judge_prompt("hello", None)  # the hook blocks with the error instead of failing open
    assert v.error and str(path) in v.error


def test_other_tables_are_left_alone(layers: dict[str, Path]) -> None:
    _write(layers["user"], '[audit]\npath = "/x"\nwhatever = 1\n[scan.actions]\npersonal = "off"\n')
    assert load_guardrails(None).action_for("iban", "high", "personal") == "off"


def test_warn_and_off(layers: dict[str, Path]) -> None:
    v = judge_prompt(f"SSN {SSN}, mail {EMAIL}", None)
    assert v.decision is None
    assert len(v.notices) == 1 and "us-ssn" in v.notices[0] and SSN not in v.notices[0]
    assert "email-address" not in v.notices[0]


def test_oversize(layers: dict[str, Path]) -> None:
    _write(layers["user"], '[scan]\nmax_chars = 10\noversize = "block"\n')
    v = judge_prompt("x" * 11, None)
    assert v.decision == FORBIDDEN and "max_chars" in v.reasons[0]


def test_command_secret_needs_approval(layers: dict[str, Path]) -> None:
    token = "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"
    v = Verdict()
    scan_command(f"curl -H 'Authorization: Bearer {token}' https://api.github.com", None, v)
    assert v.decision == PROMPT and "github-pat" in v.reasons[0] and token not in v.reasons[0]
    v = Verdict()
    scan_command("ls -la", None, v)
    assert v.decision is None and not v.findings


def test_tool_output(layers: dict[str, Path]) -> None:
    secret = "qM6SOPjmVbd1985cRdymX4JMEZOaSdtoy+DMKYvM"
    out = f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {secret}\n"
    v = judge_tool_output(out, None)
    assert v.decision == FORBIDDEN
    assert {f.kind for f in v.findings} == {"aws-access-key-id", "aws-secret-access-key"}
    mcp = {"content": [{"type": "text", "text": out}], "isError": False}
    assert judge_tool_output(mcp, None).decision == FORBIDDEN
    assert judge_tool_output("total 0\n", None).decision is None


PASSWORD_LINE = 'password = "Zx9Qw8Er7Ty6Ui5Op4As3"'


@pytest.mark.parametrize(
    "response",
    [
        PASSWORD_LINE,
        # Claude Code Bash
        {"stdout": PASSWORD_LINE, "stderr": "", "interrupted": False, "isImage": False},
        {"stdout": "", "stderr": f"warning\n{PASSWORD_LINE}\n", "interrupted": False},
        # an MCP CallToolResult, and Claude Code's Read
        {"content": [{"type": "text", "text": f"line 1\n{PASSWORD_LINE}"}], "isError": False},
        {"type": "text", "file": {"filePath": "/p/.env", "content": PASSWORD_LINE}},
        # structured content: the key is the label
        {"structuredContent": {"password": "Zx9Qw8Er7Ty6Ui5Op4As3"}},
    ],
)
def test_tool_output_objects_are_scanned_as_text(layers: dict[str, Path], response: object) -> None:
    v = judge_tool_output(response, None)
    assert v.decision == FORBIDDEN, tool_output_text(response)
    assert [f.kind for f in v.findings] == ["generic-password"]


def test_tool_output_text_leaves() -> None:
    response = {"stdout": "a\nb", "stderr": "", "interrupted": False, "isImage": False}
    assert tool_output_text(response) == "a\nb"
    mcp = {"content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}], "n": 3}
    assert tool_output_text(mcp) == "type: text\nx\ntype: text\ny\nn: 3"
    assert tool_output_text(None) == "" and tool_output_text("raw") == "raw"


def test_oversize_scans_head_and_tail(layers: dict[str, Path]) -> None:
    _write(layers["user"], "[scan]\nmax_chars = 1000\n")
    tail_secret = "x " * 5000 + f"key {AWS_ID}"
    v = judge_tool_output(tail_secret, None)
    assert v.decision == FORBIDDEN and v.findings[0].kind == "aws-access-key-id"
    assert any("first and last 1000" in n for n in v.notices)
