"""Real private keys, generated at test time by ``ssh-keygen`` and ``openssl genpkey``, are found.

Every ``openssh-key-v1`` body holds a run of nine ``A`` (the zero-length KDF fields and the key
count), which the single-token placeholder heuristics read as a template: these tests feed the
scanner real generator output, never base64 shaped like a key.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codex_guard import scan
from codex_guard.gate import judge_prompt, judge_tool_output
from codex_guard.scan import filters
from codex_guard.verdict import FORBIDDEN

SSH_KEYGEN = shutil.which("ssh-keygen")
OPENSSL = shutil.which("openssl")

# (label, ssh-keygen arguments); several ed25519/ecdsa keys because their bodies differ
SSH_KEYS = [
    *((f"ed25519-{i}", ["-t", "ed25519", "-N", ""]) for i in range(8)),
    *((f"ecdsa-{i}", ["-t", "ecdsa", "-N", ""]) for i in range(4)),
    ("ecdsa-384", ["-t", "ecdsa", "-b", "384", "-N", ""]),
    ("rsa-3072", ["-t", "rsa", "-N", ""]),
    ("rsa-2048", ["-t", "rsa", "-b", "2048", "-N", ""]),
    ("ed25519-passphrase", ["-t", "ed25519", "-N", "correct horse battery"]),
    ("rsa-passphrase", ["-t", "rsa", "-b", "2048", "-N", "correct horse battery"]),
    ("rsa-pem", ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""]),
]

# (label, openssl genpkey arguments): PKCS#8 "BEGIN PRIVATE KEY" / "BEGIN ENCRYPTED PRIVATE KEY"
PKCS8_KEYS = [
    ("pkcs8-rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
    ("pkcs8-ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    ("pkcs8-ed25519", ["-algorithm", "ED25519"]),
    ("pkcs8-encrypted", ["-algorithm", "ED25519", "-aes256", "-pass", "pass:throwaway"]),
]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """label -> the text of a freshly generated private key file."""
    out: dict[str, str] = {}
    folder = tmp_path_factory.mktemp("keys")
    if SSH_KEYGEN is not None:
        for label, args in SSH_KEYS:
            path = folder / label
            subprocess.run(
                [SSH_KEYGEN, "-q", *args, "-C", "", "-f", str(path)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            out[label] = path.read_text()
    if OPENSSL is not None:
        for label, args in PKCS8_KEYS:
            path = folder / f"{label}.pem"
            subprocess.run(
                [OPENSSL, "genpkey", *args, "-out", str(path)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            out[label] = path.read_text()
    return out


def _key(keys: dict[str, str], label: str) -> str:
    if label not in keys:
        tool = "openssl" if label.startswith("pkcs8") else "ssh-keygen"
        pytest.skip(f"{tool} is not installed, so no {label} key can be generated")
    return keys[label]


LABELS = [label for label, _ in SSH_KEYS] + [label for label, _ in PKCS8_KEYS]


@pytest.mark.parametrize("label", LABELS)
def test_generated_key_is_one_finding(keys: dict[str, str], label: str) -> None:
    key = _key(keys, label)
    text = f"here is the key:\n{key}\nthanks"
    found = scan.scan(text)
    assert [f.kind for f in found] == ["private-key"], label
    f = found[0]
    assert text[f.start : f.end] == key.rstrip("\n")  # the whole block, armor included
    assert key.splitlines()[1] not in f.redacted


@pytest.mark.parametrize("label", LABELS)
def test_generated_key_blocks_the_prompt(
    keys: dict[str, str], label: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _key(keys, label)
    monkeypatch.setenv("CODEX_GUARD_SYSTEM_DIR", str(tmp_path / "etc"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    v = judge_prompt(f"use this key: {key}", None)
    assert v.decision == FORBIDDEN and [f.kind for f in v.findings] == ["private-key"]
    # `cat ~/.ssh/id_*` in Codex (a string) and in Claude Code (an object)
    assert judge_tool_output(key, None).decision == FORBIDDEN
    assert judge_tool_output({"stdout": key, "stderr": ""}, None).decision == FORBIDDEN


@pytest.mark.parametrize("label", ["ed25519-0", "pkcs8-ec", "rsa-2048"])
def test_generated_key_inside_json_or_on_one_line(keys: dict[str, str], label: str) -> None:
    key = _key(keys, label)
    for text in (
        json.dumps({"private_key": key}),  # \n escapes, as in a JSON file or a log line
        "KEY='" + key.replace("\n", " ") + "'",  # an env file flattened to one line
    ):
        assert [f.kind for f in scan.scan(text)] == ["private-key"], text[:60]


@pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed")
def test_openssh_bodies_hold_the_run_that_fooled_the_old_filter(keys: dict[str, str]) -> None:
    """The regression itself: a run of 9 ``A`` in every unencrypted openssh-key-v1 body."""
    for label in (lbl for lbl in keys if lbl.startswith(("ed25519-", "ecdsa-"))):
        if "passphrase" in label:
            continue
        body = "".join(keys[label].splitlines()[1:-1])
        assert "A" * 9 in body, label
        assert not filters.is_placeholder(keys[label].strip()), label


@pytest.mark.parametrize(
    "block",
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "A" * 70 + "\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA"
        + "x" * 60
        + "\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\n" + "abc123" * 12 + "\n-----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC"
        "EXAMPLEKEY\n-----END PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----",
    ],
)
def test_stand_in_blocks_are_placeholders(block: str) -> None:
    assert filters.is_placeholder_block(block)
    assert filters.is_placeholder(block)
