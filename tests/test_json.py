"""codex_guard._json against orjson, byte for byte (issue 8: the hook path without orjson/json).

The hook used orjson to read events, write its answer, the audit line, the chain hash's canonical
form and the sidecars; ``_json`` must write exactly the same bytes (or the chain hashes of
existing logs would change) and accept exactly the same documents (the hook robustness tests pin
the hook's answers to malformed events).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_guard import _json
from codex_guard.audit import chain

# strings that stress escaping: control characters, quotes, backslash, DEL, U+2028/9, astral
_SPECIAL = st.sampled_from(
    ["\x00", "\x1f", "\x7f", '"', "\\", "/", "\u2028", "\u2029", "\ufeff", "\U0001f600", "é"]
)
TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.characters(max_codepoint=0x7F),
        _SPECIAL,
    ),
    max_size=20,
).map("".join)
INTS = st.integers(min_value=-(1 << 63), max_value=(1 << 64) - 1)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, TEXT, FLOATS)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(TEXT, inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_dumps_is_orjson_byte_for_byte(obj: object) -> None:
    assert _json.dumps(obj) == orjson.dumps(obj)
    assert _json.dumps(obj, sort_keys=True) == orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    assert _json.dumps(obj, indent=True) == orjson.dumps(obj, option=orjson.OPT_INDENT_2)


@settings(max_examples=300)
@given(FLOATS)
def test_floats_are_orjson_byte_for_byte(f: float) -> None:
    assert _json.dumps([f, {"f": f}]) == orjson.dumps([f, {"f": f}])


@settings(max_examples=300)
@given(VALUES)
def test_loads_reads_what_orjson_reads(obj: object) -> None:
    for data in (orjson.dumps(obj), json.dumps(obj, indent=1, ensure_ascii=True).encode()):
        _assert_read_like_orjson(data)


def _assert_read_like_orjson(data: bytes) -> None:
    """Both refuse ``data``, or both read the same value (same types)."""
    try:
        want = orjson.loads(data)
    except orjson.JSONDecodeError:
        with pytest.raises(_json.JSONDecodeError):
            _json.loads(data)
        return
    got = _json.loads(data)
    assert type(got) is type(want)
    assert _json.dumps(got) == orjson.dumps(want)  # NaN != NaN: compare the bytes


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b" \n\t",
        b"\xef\xbb\xbf{}",
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":-Infinity}',
        b'{"a":1e400}',
        b'{"a":-1e400}',
        b"1" * 400,
        b"-" + b"1" * 5000,
        b'"\x1f"',
        b'"\x00"',
        b'"\x7f"',
        b"{}\x00",
        b'{"a":1}\x0c',
        b"{} {}",
        b"01",
        b"[1,]",
        b'{"a":1,}',
        b"[1 2]",
        b'"\\x"',
        b'"\\u12"',
        b'"\xff"',
        b'"\xed\xa0\x80"',
        b'"\xc0\x80"',
        b"tru",
        b"nul",
        b"-",
        b"1.",
        b".5",
        b"1e",
        b"+1",
        b"[" * 200 + b"]" * 200,
        b"[" * 50_000 + b"]" * 50_000,
        b"{'a': 1}",
        b'{"a":1,"a":2}',
        b'{"\\u00e9":"\\ud83d\\ude00"}',
        b"18446744073709551615",
        b"18446744073709551616",
        b"-9223372036854775808",
        b"-9223372036854775809",
        b"123456789012345678901234567890",
        b"1.5e308",
        b"2.5e-324",
        b"-0",
        b"-0.0",
        b"1E+2",
        b' \r\n{"a" : [ 1 , true , null ] } \r\n',
    ],
)
def test_edge_documents_accepted_and_rejected_like_orjson(data: bytes) -> None:
    _assert_read_like_orjson(data)


def test_lone_surrogate_escapes_are_kept_as_the_stdlib_does() -> None:
    assert _json.loads(b'["\\ud800", "\\udfff x"]') == json.loads('["\\ud800", "\\udfff x"]')
    with pytest.raises(_json.JSONEncodeError):  # as orjson: not UTF-8
        _json.dumps({"c": "\ud800"})
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps({"c": "\ud800"})


def test_stdlib_numbers_accepts_what_json_loads_accepts() -> None:
    data = '{"a": NaN, "b": -Infinity, "c": 123456789012345678901234567890, "d": 1e400}'
    got = _json.loads(data.encode(), stdlib_numbers=True)
    assert math.isnan(got["a"]) and got["b"] == -math.inf and got["d"] == math.inf
    assert got["c"] == json.loads(data)["c"]


@pytest.mark.parametrize(
    "obj", [{1: 2}, {"a": object()}, 1 << 64, -(1 << 63) - 1, {"a": {1, 2}}, b"x"]
)
def test_dumps_refuses_what_orjson_refuses(obj: object) -> None:
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(obj)
    with pytest.raises(_json.JSONEncodeError):
        _json.dumps(obj)


def test_str_input_and_no_json_import() -> None:
    import subprocess

    assert _json.loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    root = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {root!r}); from codex_guard import _json; "
        '_json.loads(b\'{"a":[1,2.5,"\\\\u00e9",null,true]}\'); '
        "_json.dumps({'a': [1, 'x', None, True, ('y',)]}, sort_keys=True); "
        "print(sorted(m for m in ('json', 're', 'orjson', 'typing') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-IS", "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize(
    "data", [b'{"a"', b'{"a":', b'{"a":1', b"[1,", b'["x', b'"\\x"', b'"\x1f"', b"[1,]", b"{} x"]
)
def test_malformed_input_in_a_fresh_interpreter_is_a_decode_error(data: bytes) -> None:
    """The C scanner raises json.decoder.JSONDecodeError only when ``json`` is already imported
    (a SystemError otherwise): a process that never imported json must still get the error."""
    import subprocess

    root = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {root!r}); from codex_guard import _json\n"
        f"try: _json.loads({data!r})\n"
        "except _json.JSONDecodeError as e: print('error', e)\n"
    )
    out = subprocess.run([sys.executable, "-IS", "-c", code], capture_output=True, text=True)
    assert out.stdout.startswith("error "), out.stderr


def _orjson_chain(previous: str, entry: dict[str, object]) -> str:
    import hashlib

    body = {k: v for k, v in entry.items() if k != "chain_hash"}
    ehash = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return hashlib.sha256((previous + ehash).encode("ascii")).hexdigest()


@settings(max_examples=200)
@given(st.dictionaries(TEXT, VALUES, max_size=8))
def test_chain_hash_is_unchanged(entry: dict[str, object]) -> None:
    import hashlib

    genesis = hashlib.sha256(b"CODEX_AUDIT_GENESIS").hexdigest()
    assert genesis == chain.GENESIS
    assert chain.chain(genesis, entry) == _orjson_chain(genesis, entry)


# An entry with every kind of byte the canonical form has to get right; its chain hash was
# computed by the orjson writer (codex-guard before issue 8, commit efda7c1).
_PINNED = {
    "timestamp": "2026-11-21T19:17:14.123Z",
    "event_id": "0b7c2f1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b",
    "user": "zoë",
    "session_id": "s\u2028",
    "command": [["printf", 'a\tb\x00\x1f\x7f"\\'], ["echo", "\U0001f600 é"]],
    "working_directory": "/tmp/w",
    "policy_files": [],
    "matched_rules": [
        {"file": "x.rules:1", "pattern": ["printf"], "decision": "prompt", "justification": None}
    ],
    "effective_decision": "prompt",
    "event": "PreToolUse",
    "client": "codex",
    "seq": 1,
    "n": -9223372036854775808,
    "t": 1763760000.125,
    "ok": True,
}
_PINNED_HASH = "31bf3beabfef95c9256842a3c2e1984ac6e904924118e4e74981eea7f60a68e3"


def test_pinned_chain_hash_from_the_orjson_writer() -> None:
    assert chain.chain(chain.GENESIS, _PINNED) == _PINNED_HASH
    assert _orjson_chain(chain.GENESIS, _PINNED) == _PINNED_HASH


def test_a_log_written_by_the_orjson_writer_still_verifies_and_continues(tmp_path: Path) -> None:
    """Lines written the old way (orjson line, orjson canonical form, hashlib) verify with the
    new reader, and entries appended by the new writer continue their chain."""
    from codex_guard.audit.log import append
    from codex_guard.audit.verify import verify_series

    log = tmp_path / "audit.jsonl"
    prev = chain.GENESIS
    lines = []
    for i in range(1, 6):
        e = {**_PINNED, "seq": i, "event_id": f"old-{i}", "command": [["echo", f"\x01{i}é"]]}
        e["chain_hash"] = prev = _orjson_chain(prev, e)
        lines.append(orjson.dumps(e) + b"\n")
    log.write_bytes(b"".join(lines))
    assert verify_series([str(log)]).ok
    for i in range(3):
        written = append({**_PINNED, "event_id": f"new-{i}"}, str(log))
        assert written["seq"] == 6 + i
    report = verify_series([str(log)])
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.records) == 8
    for raw in log.read_bytes().splitlines():  # the new lines are orjson's bytes too
        assert orjson.dumps(orjson.loads(raw)) == raw
