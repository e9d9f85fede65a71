"""Tests for codex_guard.scan: catalogue examples, redaction, the shared corpus, properties.

The per-detector tests are parametrised from ``codex_guard/scan/detectors.toml``: adding a
detector (with its ``examples`` and ``counter_examples``) adds its tests.

The corpus floors are in ``tests/test_scan_corpus.py``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard.scan import Finding, detector_ids, load_catalogue, redact, scan
from codex_guard.scan.catalogue import CatalogueError, parse_catalogue
from codex_guard.scan.filters import is_placeholder
from codex_guard.scan.redact import known_prefix, mask_secret
from codex_guard.scan.validators import VALIDATORS, Candidate, shannon_entropy

CATALOGUE = load_catalogue()
DETECTORS = CATALOGUE.detectors


def _examples() -> Iterator[object]:
    for det in DETECTORS:
        for i, text in enumerate(det.examples):
            yield pytest.param(det.id, text, id=f"{det.id}-{i}")


def _counter_examples() -> Iterator[object]:
    for det in DETECTORS:
        for i, text in enumerate(det.counter_examples):
            yield pytest.param(det.id, text, id=f"{det.id}-{i}")


def _kinds(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


# ----------------------------------------------------------------------------- catalogue


def test_catalogue_shape() -> None:
    import regex

    ids = detector_ids()
    assert len(ids) == len(set(ids)) >= 150
    for det in DETECTORS:
        pattern = regex.compile(det.regex, regex.ASCII)
        assert det.secret_group <= pattern.groups, det.id
        if det.context:
            regex.compile(det.context, regex.ASCII)
        assert det.examples, f"{det.id} has no examples"
        assert det.counter_examples, f"{det.id} has no counter_examples"
        assert det.source, f"{det.id} does not say where its format is documented"


def test_required_v1_detectors_present() -> None:
    required = {
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-pat",
        "github-oauth-token",
        "github-app-token",
        "github-refresh-token",
        "github-fine-grained-pat",
        "openai-api-key",
        "anthropic-api-key",
        "anthropic-admin-key",
        "slack-bot-token",
        "slack-user-token",
        "slack-workspace-token",
        "slack-config-token",
        "slack-webhook-url",
        "stripe-secret-key",
        "stripe-restricted-key",
        "private-key",
    }
    assert required <= set(detector_ids())


@pytest.mark.parametrize(("kind", "text"), list(_examples()))
def test_example_is_found(kind: str, text: str) -> None:
    findings = scan(text)
    assert kind in _kinds(findings), f"{kind} not found in {text!r}: {findings}"


@pytest.mark.parametrize(("kind", "text"), list(_counter_examples()))
def test_counter_example_is_not_found(kind: str, text: str) -> None:
    findings = scan(text)
    assert kind not in _kinds(findings), f"{kind} wrongly found in {text!r}: {findings}"


def test_catalogue_errors() -> None:
    good = {
        "id": "x",
        "description": "d",
        "keywords": ["x"],
        "regex": "x",
        "secret_group": 0,
        "severity": "low",
        "examples": [],
        "counter_examples": [],
    }
    parse_catalogue({"detector": [good]})
    with pytest.raises(CatalogueError):
        parse_catalogue({})
    with pytest.raises(CatalogueError):
        parse_catalogue({"detector": [good, good]})
    for bad in (
        {**good, "validator": "nope"},
        {**good, "keywords": ["UPPER"]},
        {**good, "severity": "critical"},
        {**good, "secret_group": "1"},
        {**good, "surprise": 1},
        {k: v for k, v in good.items() if k != "regex"},
    ):
        with pytest.raises(CatalogueError):
            parse_catalogue({"detector": [bad]})


# ----------------------------------------------------------------------------- findings & redaction


def _all_example_findings() -> Iterator[tuple[str, Finding]]:
    for det in DETECTORS:
        for text in det.examples:
            for f in scan(text):
                yield text, f


def test_findings_sorted_non_overlapping_and_in_bounds() -> None:
    for det in DETECTORS:
        for text in det.examples:
            findings = scan(text)
            for a, b in itertools.pairwise(findings):
                assert a.end <= b.start
            for f in findings:
                assert 0 <= f.start < f.end <= len(text)


def test_redacted_form_never_contains_the_secret() -> None:
    seen = 0
    for text, f in _all_example_findings():
        secret = text[f.start : f.end]
        assert secret not in f.redacted
        out = redact(text, scan(text))
        assert secret not in out
        seen += 1
    assert seen > 100


def test_redacted_form_reveals_little() -> None:
    """At most a public prefix, plus 4 trailing characters only if they are <= 25% of the rest."""
    for text, f in _all_example_findings():
        secret = text[f.start : f.end]
        det = CATALOGUE.by_id(f.kind)
        prefix = known_prefix(secret, det.keywords) if det.specificity >= 50 else 0
        assert f.redacted.startswith(secret[:prefix])
        rest = f.redacted[prefix:].replace("[redacted]", "")
        revealed = sum(1 for ch in rest if ch.isalnum())
        # the mask of a long secret is "…[redacted]…TAIL": only TAIL comes from the secret
        assert revealed <= max(4, len(secret[prefix:]) // 4), (secret, f.redacted)
        if revealed:
            assert len(secret[prefix:]) >= 16
        # a PEM armor line, or a provider prefix of at most 20 characters (pypi-AgEIcHlwaS5vcmc)
        assert prefix <= 20 or secret[:prefix].startswith("-----BEGIN "), secret[:prefix]


def test_generic_detectors_keep_no_prefix() -> None:
    text = "DB_PASSWORD=Pass1234!xyzQ"
    [finding] = scan(text)
    assert finding.kind == "generic-password"
    assert finding.redacted == "*" * len("Pass1234!xyzQ")


def test_mask_secret_shapes() -> None:
    assert mask_secret("AKIA7HAZZK5E4DVGFUEM", 4) == "AKIA************FUEM"
    assert mask_secret("hunter2!", 0) == "********"
    long = "sk-proj-" + "a1B2" * 40
    out = mask_secret(long, 8)
    assert out.startswith("sk-proj-\u2026[redacted]") and out.endswith("a1B2")
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
    assert "MIIE" not in mask_secret(pem, 31)


def test_redact_replaces_spans() -> None:
    text = "key AKIA7HAZZK5E4DVGFUEM and 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 done"
    findings = scan(text)
    assert [f.kind for f in findings] == ["aws-access-key-id", "github-pat"]
    out = redact(text, findings)
    assert out == "key AKIA************FUEM and ghp_" + "*" * 32 + "IV5V done"
    assert redact(text, []) == text


# ----------------------------------------------------------------------------- suppression


@pytest.mark.parametrize(
    "text",
    [
        "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "api_key = <YOUR_API_KEY>",
        "token: ${TOKEN}",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AKIAIOSFODNN7EXAMPLE",
        "SLACK_BOT_TOKEN=xoxb-000000000000-000000000000-aaaaaaaaaaaaaaaaaaaaaaaa",
        'api_key = os.environ["OPENAI_API_KEY"]',
        "token = process.env.GITHUB_TOKEN",
        "password: ****",
        "STRIPE_PUBLISHABLE_KEY=pk_live_51oUGkeJvt9yGAosu615OIalEnAkq1FWKtzZRlcFjULfn9RuNDIMmSV",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8DeEvJDxtZpeAlqlfxAbxo7Rn3gfx7dzWFoCPpFuSG dev@host",
        "card 4111 1111 1111 1111 exp 12/30",
        "IBAN NL91 ABNA 0417 1643 00",
        "SSN 078-05-1120",
    ],
)
def test_placeholders_are_suppressed(text: str) -> None:
    assert scan(text) == []


def test_placeholder_filter_keeps_random_tokens() -> None:
    for det in DETECTORS:
        for text in det.examples:
            for f in scan(text):
                assert not is_placeholder(text[f.start : f.end])


@pytest.mark.parametrize(
    ("line", "suppressed"),
    [
        ("AWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM  # gitleaks:allow", True),
        ("AWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM  # pragma: allowlist secret", True),
        ("AWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM  // trufflehog:ignore", True),
        ("# pragma: allowlist nextline secret\nAWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM", True),
        ("# gitleaks:allow\nAWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM", False),
        ("AWS_ACCESS_KEY_ID=AKIA7HAZZK5E4DVGFUEM\n# gitleaks:allow", False),
    ],
)
def test_inline_pragmas(line: str, suppressed: bool) -> None:
    assert (scan(line) == []) is suppressed


def test_merge_prefers_specific_kind() -> None:
    token = "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"
    text = f"git clone https://x-access-token:{token}@github.com/acme/api.git"
    findings = scan(text)
    assert [f.kind for f in findings] == ["github-pat"]
    assert text[findings[0].start : findings[0].end] == token


# ----------------------------------------------------------------------------- validators


def _cand(secret: str) -> Candidate:
    return Candidate(secret, 0, len(secret), 0, len(secret))


def test_checksum_validators() -> None:
    ok = VALIDATORS["github_checksum"]
    assert ok(_cand("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"))
    assert not ok(_cand("ghp_leK4ytsKlKxXwgouuPYjdxbZ9lxs2J3lVDa7"))
    # npm's public dummy sample (secretlint issue #200) uses the same CRC32/base62 scheme
    assert ok(_cand("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"))
    glsa = VALIDATORS["grafana_sa_checksum"]
    assert glsa(_cand("glsa_ue66mEaGjgbRZSzSSGVw1SWMOVOqEXxo_442567b0"))
    assert not glsa(_cand("glsa_BM5iqIavM0lcQP45Q740HpHgmZWEHHlV_917d2689"))
    gl = VALIDATORS["gitlab_checksum"]
    assert gl(_cand("glpat-Yzo0Cm86Z2k2CnU6MnBtdWqaqOjck-qhREwulszCciQtEA.1a0lesnds"))
    assert not gl(_cand("glpat-Yzo0Cm86Z2k2CnU6MnBtdWqaqOjck-qhREwulszCciQtEA.1a0lesndt"))
    bech = VALIDATORS["bech32_checksum"]
    # BIP-173 test vector
    assert bech(_cand("A12UEL5L"))
    assert not bech(_cand("A12UEL5M"))
    for name in VALIDATORS:
        assert VALIDATORS[name](_cand("")) in (True, False)
        assert VALIDATORS[name](_cand("\udcff\u00e9" * 20)) in (True, False)


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


# ----------------------------------------------------------------------------- properties & speed


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_scan_never_raises_on_arbitrary_text(text: str) -> None:
    findings = scan(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
    redact(text, findings)


@pytest.mark.parametrize(
    "text",
    [
        "\udcff\ud800 AKIA7HAZZK5E4DVGFUEM \udfff",
        "key=\ud800" + "a1B2" * 10,
        "password: \udcffXy7#pQ2!zz",
        "\u0130\u212aey=" + "Zq9" * 10,
        "-----BEGIN RSA PRIVATE KEY-----\n\udcff",
    ],
)
def test_scan_handles_surrogates_and_odd_unicode(text: str) -> None:
    findings = scan(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
    redact(text, findings)


_TOKENISH = st.sampled_from(
    [
        "key=",
        "token: ",
        "AKIA",
        "ghp_",
        "sk-proj-",
        "xoxb-",
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "\\n",
        "://",
        "user:",
        "@",
        "password=",
        "eyJ",
        ".",
        "Q~",
        ":AA",
        "\n",
        " ",
        '"',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TOKENISH, st.text(alphabet="aZ09+/=_-xX", max_size=50)), max_size=40))
def test_scan_on_secretish_noise(parts: list[str]) -> None:
    text = "".join(parts)
    findings = scan(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] not in f.redacted
    for a, b in itertools.pairwise(findings):
        assert a.end <= b.start


def _timed(text: str) -> float:
    scan(text)  # warm the pattern cache
    t0 = time.perf_counter()
    scan(text)
    return time.perf_counter() - t0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            ("lorem ipsum dolor sit amet, key token secret auth " * 2000)[:100_000], id="prose"
        ),
        pytest.param(("A" * 100_000), id="one-char"),
        pytest.param(("key=" + "a1" * 60 + " ") * 800, id="assignments"),
        pytest.param(("aZ09+/" * 17_000)[:100_000], id="base64-run"),
        pytest.param(
            ("-----BEGIN RSA PRIVATE KEY-----\n" + "QUJD" * 16 + "\n") * 1000, id="pem-heads"
        ),
        pytest.param(("https://u:p@h " * 8000), id="userinfo"),
        pytest.param(("password: " * 10_000), id="password-labels"),
    ],
)
def test_100kb_prompt_is_fast(text: str) -> None:
    assert _timed(text) < 1.0


_KEYWORDISH = st.sampled_from([*sorted(CATALOGUE.keyword_index), "x", " ", "\n", "_", "-"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_KEYWORDISH, st.text(max_size=5)), max_size=60))
def test_keyword_prefilter_equals_naive_substring_search(parts: list[str]) -> None:
    """The one-pass pre-filter selects exactly the detectors a per-keyword ``in`` test would,
    including overlapping keywords and keywords that are prefixes of others."""
    lowered = "".join(parts).lower()
    naive = set(CATALOGUE.always_run)
    for kw, idx in CATALOGUE.keyword_index.items():
        if kw in lowered:
            naive.update(idx)
    from unittest import mock

    from codex_guard.scan import catalogue as cat_mod

    assert CATALOGUE.select(lowered) == sorted(naive)  # short text: substring searches
    with mock.patch.object(cat_mod, "_SHORT_TEXT", 0):  # the one-pass alternation
        assert CATALOGUE.select(lowered) == sorted(naive)


def test_keyword_prefilter_with_recurring_keywords() -> None:
    lowered = ("key=1 " * 30000 + "sk-proj-abc ghp_x").lower()
    from codex_guard.scan import catalogue as cat_mod

    assert len(lowered) > cat_mod._SHORT_TEXT
    chosen = {CATALOGUE.detectors[i].id for i in CATALOGUE.select(lowered)}
    assert {"openai-api-key", "github-pat", "generic-api-key"} <= chosen


def test_catalogue_parse_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The marshal cache is used while the file is unchanged and ignored once it changes."""
    from codex_guard.scan import catalogue as cat_mod

    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "d.toml"
    body = (
        '[[detector]]\nid = "{id}"\ndescription = "d"\nkeywords = []\nregex = "x"\n'
        'secret_group = 0\nseverity = "low"\nexamples = []\ncounter_examples = []\n'
    )
    src.write_text(body.format(id="first"))
    assert cat_mod._read_toml(str(src))["detector"][0]["id"] == "first"
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert cat_mod._read_toml(str(src))["detector"][0]["id"] == "first"  # from the cache
    src.write_text(body.format(id="second-longer"))  # size (and mtime) change
    assert cat_mod._read_toml(str(src))["detector"][0]["id"] == "second-longer"
    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(src))  # not a directory: no cache at all
    assert cat_mod._read_toml(str(src))["detector"][0]["id"] == "second-longer"
