"""``codex-guard scan``: text, --json and --sarif output, exit codes, offsets (real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

AWS_ID = "AKIA7HAZZK5E4DVGFUEM"
SSN = "767-03-1134"


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_guard", "scan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_json_offsets_are_character_offsets() -> None:
    text = f"héllo wörld\nkey {AWS_ID}\nSSN {SSN}\n"
    done = _run("--json", "-", stdin=text)
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert list(out) == ["findings"]
    by_kind = {f["kind"]: f for f in out["findings"]}
    assert set(by_kind) == {"aws-access-key-id", "us-ssn"}
    for f in out["findings"]:
        assert set(f) == {"kind", "start", "end", "line", "redacted"}
    aws = by_kind["aws-access-key-id"]
    assert text[aws["start"] : aws["end"]] == AWS_ID and aws["line"] == 2
    assert AWS_ID not in aws["redacted"]
    ssn = by_kind["us-ssn"]
    assert text[ssn["start"] : ssn["end"]] == SSN and ssn["line"] == 3


def test_clean_input_exits_zero() -> None:
    done = _run("--json", stdin="nothing to see here\n")
    assert done.returncode == 0 and json.loads(done.stdout) == {"findings": []}
    assert _run(stdin="plain text").stdout == ""


def test_text_output_and_several_paths(tmp_path: Path) -> None:
    a, b = tmp_path / "a.env", tmp_path / "b.txt"
    a.write_text(f"\nAWS_ACCESS_KEY_ID={AWS_ID}\n")
    b.write_text("clean\n")
    done = _run(str(a), str(b))
    assert done.returncode == 1
    assert done.stdout == f"{a}:2: aws-access-key-id AKIA************FUEM\n"
    out = json.loads(_run("--json", str(a), str(b)).stdout)
    assert [f["path"] for f in out["findings"]] == [str(a)]


def test_sarif(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text(f"one\ntwo {AWS_ID}\n")
    done = _run("--sarif", str(p))
    assert done.returncode == 1
    log = json.loads(done.stdout)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "codex-guard"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["aws-access-key-id"]
    [res] = run["results"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 5)
    assert region["charOffset"] == 8 and region["charLength"] == len(AWS_ID)
    assert res["ruleId"] == "aws-access-key-id" and res["level"] == "error"
    assert AWS_ID not in done.stdout


def test_errors() -> None:
    done = _run("/nonexistent/file")
    assert done.returncode == 2 and "cannot read" in done.stderr and done.stdout == ""
    done = _run("--yaml")
    assert done.returncode == 2 and "unknown option" in done.stderr
    done = _run("--json", "--sarif")
    assert done.returncode == 2


def test_directory_is_walked_and_binary_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub" / "conf.env").write_text(f"AWS_ACCESS_KEY_ID={AWS_ID}\n")
    (tmp_path / ".git" / "config").write_text(f"AWS_ACCESS_KEY_ID={AWS_ID}\n")
    (tmp_path / "blob.bin").write_bytes(b"\0\1" + AWS_ID.encode())
    out = json.loads(_run("--json", str(tmp_path)).stdout)
    assert [f["path"] for f in out["findings"]] == [str(tmp_path / "sub" / "conf.env")]
    done = _run(str(tmp_path))
    assert done.returncode == 1 and done.stdout.startswith(str(tmp_path / "sub" / "conf.env"))
