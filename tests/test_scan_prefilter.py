"""The scan's pre-filters lose nothing, and the hook's scan path stays lean (issue 8).

Two necessary conditions decide which detectors run on a text: a keyword of the detector occurs
in the lower-cased text (``keywords`` in detectors.toml), and every required-literal factor
derived from its regex and context holds (``codex_guard/scan/prefilter.py``). Both are only
sound if they really are *necessary*: a wrong keyword list silently turns a finding into "no
finding". These tests prove the keywords necessary from each regex's parse tree, check the
factors on strings generated from each regex, and compare the pre-filtered scan with the full
scan (every detector run) on the catalogue's examples and on generated texts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_guard.scan import catalogue as cat_mod
from codex_guard.scan import load_catalogue, precompiled, prefilter, scan
from codex_guard.scan.catalogue import factors_hold
from codex_guard.scan.prefilter import required_factors
from tests.test_lean_start import HEAVY as LAUNCHER_HEAVY
from tests.test_lean_start import isolated_env

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue()
DETECTORS = CATALOGUE.detectors

# Keyword lists the extraction cannot prove on its own, each checked by hand.
BY_HAND = {
    # the parser factors "sk-" out of both branches; branch 1 then starts with
    # (proj|svcacct|admin|None)- and branch 2 holds T3BlbkFJ, so every match holds a keyword
    "openai-api-key": ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-none-", "t3blbkfj"),
}


def _re_ok(pattern: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            re.compile(pattern, re.ASCII)
    except (re.error, FutureWarning, DeprecationWarning):
        return False
    return True


# ----------------------------------------------------------------------------- keywords


@pytest.mark.parametrize("det", [d for d in DETECTORS if d.keywords], ids=lambda d: d.id)
def test_keywords_are_necessary(det: cat_mod.Detector) -> None:
    """Every match of the regex (or of the context it needs) contains one of the keywords."""
    if det.id in BY_HAND:
        assert det.keywords == BY_HAND[det.id], "re-check the hand proof"
        return
    assert _re_ok(det.regex), f"{det.id}: a regex-only pattern cannot be proven; prove by hand"
    facts = list(required_factors(det.regex, det.keywords) or ())
    if det.context:
        facts += required_factors(det.context, det.keywords) or ()
    proven = any(prefilter.covered(f, det.keywords) for f in facts)
    assert proven, f"{det.id}: no factor of its regex/context is covered by {det.keywords}: {facts}"


def test_every_builtin_pattern_has_a_prefilter_or_keywords() -> None:
    """Built-in patterns are plain ``re`` (so the factors exist); a detector with neither
    keywords nor factors would run, and compile, on every text."""
    for det in DETECTORS:
        assert _re_ok(det.regex), det.id
        assert det.keywords or det.factors, det.id


# ----------------------------------------------------------------------------- factors


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"ghp_[A-Za-z0-9]{36}", ((False, ("ghp_",)),)),
        (r"ab?c", ((False, ("abc", "ac")),)),
        (r"(?i)x(ab)+y", ((True, ("aby",)), (True, ("xab",)))),
        (r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b", ((False, ("AKIA", "ASIA")),)),
        (r"(?i:bearer)\s+\S+", ((True, ("bearer",)),)),
        (r"x*", ()),
        (r"(a)\1", ((False, ("a",)),)),
        (r"\d{4}[ -]?\d{4}", ((2, ("0000 0000", "0000-0000", "00000000")),)),
        (r"[12]\d{3}", ((2, ("0000",)), (0, ("1", "2")))),
    ],
)
def test_required_factors_examples(pattern: str, expected: tuple[object, ...]) -> None:
    assert required_factors(pattern) == expected


def test_factors_hold_levels() -> None:
    card = required_factors(r"\d{4}[ -]?\d{4}") or ()
    assert factors_hold(card, "card 4111-1111", "card 4111-1111")
    assert not factors_hold(card, "card 4111-111", "card 4111-111")
    bearer = required_factors(r"(?i:bearer) \S+") or ()
    assert factors_hold(bearer, "BEARER x", "bearer x")
    assert not factors_hold(required_factors("AKIA") or (), "akia", "akia")


def test_required_factors_gives_up_on_regex_only_syntax() -> None:
    assert required_factors(r"(?|(a)|(b))") is None
    assert required_factors(r"\p{L}+") is None


def _generated(det: cat_mod.Detector) -> st.SearchStrategy[str]:
    return st.from_regex(re.compile(det.regex, re.ASCII), fullmatch=False)


@pytest.mark.parametrize("det", [d for d in DETECTORS if d.factors], ids=lambda d: d.id)
def test_factors_hold_on_generated_matches(det: cat_mod.Detector) -> None:
    """Strings generated from the regex itself (Hypothesis ``from_regex``): whenever the
    pattern matches, its factors hold (checked without the context part, which a regex match
    alone does not imply)."""
    pattern = re.compile(det.regex, re.ASCII)
    own = required_factors(det.regex) or ()

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_generated(det))
    def check(text: str) -> None:
        if pattern.search(text):
            assert factors_hold(own, text, text.lower()), (det.id, text, own)

    try:
        check()
    except (NotImplementedError, re.error) as e:  # a construct from_regex cannot generate
        pytest.skip(f"from_regex: {e}")


# ----------------------------------------------------------------------------- whole scan


def _all_snippets() -> list[str]:
    out: list[str] = []
    for det in DETECTORS:
        out.extend(det.examples)
        out.extend(det.counter_examples)
    return out


SNIPPETS = _all_snippets()


def test_prefiltered_scan_equals_full_scan_on_catalogue_texts() -> None:
    for text in SNIPPETS:
        assert scan(text) == scan(text, full=True), text


FILLER = st.one_of(
    st.sampled_from(
        [
            "Please refactor the parser module so that errors carry file and line numbers.\n",
            "see src/app/main.py:142 and PR #318 (2024-07-02)",
            " ",
            "\n",
            "; ",
            "password = ",
            "key: ",
            "export ",
            "curl -u ",
            "https://",
            '"',
            "=",
        ]
    ),
    st.text(max_size=30),
    st.text(alphabet="0123456789 -.", max_size=20),
)
PIECES = st.one_of(st.sampled_from(SNIPPETS), FILLER)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=6).map("".join))
def test_prefiltered_scan_equals_full_scan_on_generated_texts(text: str) -> None:
    """The safety net: examples, counter-examples and filler, glued together at random."""
    assert scan(text) == scan(text, full=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=6).map("".join))
def test_long_text_keyword_pass_equals_full_scan(text: str) -> None:
    """The alternation used for texts over ``_SHORT_TEXT`` characters selects the same."""
    with mock.patch.object(cat_mod, "_SHORT_TEXT", 0):
        assert scan(text) == scan(text, full=True)


# ----------------------------------------------------------------------------- the hot path

HEAVY = LAUNCHER_HEAVY | {"warnings"}  # warnings: only the re/regex fallback needs it

_PROBE = """
import sys
sys.path[:0] = [ROOT]
from codex_guard.guardrails import load_guardrails
from codex_guard.scan import engine, scan
text, only_block = eval(sys.stdin.read())
want = ("block",) if only_block else ("block", "warn")
g = load_guardrails(None)
found = scan(text, catalogue=g.catalogue(),
             enabled=lambda d: g.action_for(d.id, d.severity, d.category) in want)
print(repr([[f.kind for f in found], sorted(sys.modules), len(engine._COMPILED)]))
"""


def _probe(tmp: Path, text: str, only_block: bool) -> tuple[list[str], set[str], int]:
    """Run the probe in ``python -IS`` (as the launcher runs) with an isolated environment."""
    env = isolated_env(tmp)
    p = subprocess.run(
        [sys.executable, "-IS", "-c", _PROBE.replace("ROOT", repr(str(ROOT)))],
        input=repr((text, only_block)).encode(),
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    kinds, mods, compiled = eval(p.stdout.decode())  # our own child's repr
    return kinds, set(mods), compiled


BENCH_PROMPT = (
    "Please refactor the parser module so that errors carry file and line numbers.\n" * 60
)[:4096]


@pytest.mark.parametrize(
    ("text", "only_block"),
    [("ls -la", True), ("cd src && git status && npm test", True), (BENCH_PROMPT, False)],
    ids=["ls", "compound", "prompt-4k"],
)
def test_scan_path_imports_nothing_heavy_and_compiles_nothing(
    tmp_path: Path, text: str, only_block: bool
) -> None:
    """What ``gate.scan_command`` / ``gate.judge_prompt`` do, in a ``python -IS`` child with no
    guardrails.toml, on a warm catalogue cache: no heavy module, no regex compiled."""
    _probe(tmp_path, "warm the catalogue cache", only_block)
    kinds, mods, compiled = _probe(tmp_path, text, only_block)
    assert kinds == []
    assert sorted(mods & HEAVY) == []
    assert compiled == 0


def test_scan_path_still_finds_a_secret_in_a_command(tmp_path: Path) -> None:
    """A detector that runs is loaded from its precompiled program: still no ``import re``."""
    _probe(tmp_path, "warm the catalogue cache", True)
    kinds, mods, compiled = _probe(
        tmp_path, "curl -u admin:Zq8vR2mLp4xTq https://example.org", True
    )
    assert kinds == ["basic-auth-credentials"]
    assert compiled >= 1
    assert sorted(mods & HEAVY) == []


@pytest.mark.parametrize("det", DETECTORS, ids=lambda d: d.id)
def test_precompiled_patterns_are_what_re_compiles(det: cat_mod.Detector) -> None:
    """``_sre.compile`` of the cached program gives the very pattern ``re.compile`` does
    (``Pattern.__eq__`` compares flags, pattern text and code)."""
    assert det.sre is not None
    for source, prog in zip((det.regex, det.context), precompiled.unpack(det.sre), strict=True):
        if source is None:
            assert prog is None
            continue
        assert prog is not None, det.id
        assert precompiled.load(source, prog) == re.compile(source, re.ASCII), det.id


def test_precompiled_load_refuses_bad_programs() -> None:
    prog = precompiled.program(r"a(?P<x>b)c")
    assert prog is not None
    assert precompiled.load("a(?P<x>b)c", prog).groupindex == {"x": 1}
    assert precompiled.load("abc", (0, b"\xff\xff\xff\xff", 0, (), (None,))) is None
    assert precompiled.load("abc", "not a program") is None
    assert precompiled.load("abc", None) is None
    assert precompiled.unpack(b"junk") == (None, None)
    assert precompiled.program(r"(?|(a)|(b))") is None
    det = DETECTORS[0]
    assert det._replace(regex="x").sre is None  # a changed pattern drops the stale program


def test_catalogue_cache_entry_is_used_and_keyed_by_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "d.toml"
    body = (
        '[[detector]]\nid = "{id}"\ndescription = "d"\nkeywords = ["tok_"]\n'
        'regex = "tok_[a-z]{{8}}"\nsecret_group = 0\nseverity = "low"\n'
        "examples = []\ncounter_examples = []\n"
    )
    src.write_text(body.format(id="first"))
    rows, index, always, rare = cat_mod._load_rows(str(src))
    assert rows[0][0] == "first" and index == {"tok_": (0,)} and always == ()
    assert rare == {"tok_": "_"}
    entries = list((tmp_path / "cache").glob("detectors-*.marshal"))
    assert len(entries) == 1
    fresh = cat_mod.Detector._lazy(*rows[0])
    with mock.patch.object(cat_mod, "parse_catalogue", side_effect=AssertionError("parsed")):
        cached = cat_mod._load_rows(str(src))  # from the cache: rows read on demand
        assert [r[0] for r in cached[0]] == ["first"] and type(cached[0][0][1]) is tuple
        assert cat_mod.Detector._lazy(*cached[0][0]) == fresh
        assert cached[1:] == (index, always, rare)
    src.write_text(body.format(id="second-longer"))
    assert cat_mod._load_rows(str(src))[0][0][0] == "second-longer"
    det = cat_mod.Detector._lazy(*cat_mod._load_rows(str(src))[0][0])
    assert det.factors == ((False, ("tok_",)),)  # unpacked on first use
    assert json.dumps(det.keywords) == '["tok_"]'
    assert det == cat_mod.parse_catalogue(cat_mod._read_toml(str(src))).detectors[0]


@pytest.mark.parametrize("damage", ["truncate", "head", "garbage"])
def test_damaged_catalogue_cache_entry_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """A cache entry cut short, with a head that does not unmarshal, or not ours at all is
    parsed again from the TOML, never read as detectors."""
    monkeypatch.setenv("CODEX_GUARD_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "d.toml"
    src.write_text(
        '[[detector]]\nid = "only"\ndescription = "d"\nkeywords = ["tok_"]\n'
        'regex = "tok_[a-z]{8}"\nsecret_group = 0\nseverity = "low"\n'
        "examples = []\ncounter_examples = []\n"
    )
    cat_mod._load_rows(str(src))
    (entry,) = (tmp_path / "cache").glob("detectors-*.marshal")
    data = entry.read_bytes()
    n = int.from_bytes(data[:4], "little")
    if damage == "truncate":
        entry.write_bytes(data[: 4 + n + 3])  # the head whole, the row cut short
    elif damage == "head":
        entry.write_bytes(data[:4] + b"\xff" * n + data[4 + n :])
    else:
        entry.write_bytes(b"not a catalogue entry")
    with mock.patch.object(cat_mod, "parse_catalogue", wraps=cat_mod.parse_catalogue) as parse:
        rows = cat_mod._load_rows(str(src))[0]
    assert parse.call_count == 1
    assert cat_mod.Detector._lazy(*rows[0]).regex == "tok_[a-z]{8}"


def test_package_attributes_stay_functions_after_lazy_imports() -> None:
    """A lazily imported submodule must not shadow the package's function of the same name
    (``codex_guard.scan.redact`` is both)."""
    code = (
        f"import sys; sys.path[:0] = [{str(ROOT)!r}]\n"
        "from codex_guard import scan\n"
        "found = scan.scan('ghp_' + 'x' * 36)\n"
        "print(callable(scan.redact), callable(scan.scan))\n"
    )
    p = subprocess.run([sys.executable, "-IS", "-c", code], capture_output=True, timeout=60)
    assert p.stdout.split() == [b"True", b"True"], p.stderr.decode()[-2000:]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="ABCxyz019+/-_=", max_size=40),
        st.binary(max_size=30).map(lambda b: __import__("base64").urlsafe_b64encode(b).decode()),
        st.text(max_size=10),
    )
)
def test_b64decode_is_base64_urlsafe_b64decode(segment: str) -> None:
    """The validators decode base64 with ``binascii`` directly (``base64`` imports ``re``)."""
    import base64
    import binascii

    from codex_guard.scan.validators import _b64decode

    try:
        expected: bytes | None = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        expected = None
    assert _b64decode(segment) == expected
