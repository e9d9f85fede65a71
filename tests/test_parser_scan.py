"""The parser's plain scan for builtin-call lines and tuples agrees with Python's ``ast``.

``parser._scan_calls`` replaces ``ast`` (a cache miss's biggest import) for the plain subset of
Starlark it reads exactly; wherever it answers, its call lines must be ``ast``'s and it may only
over-estimate "may build tuples" (which costs an extra evaluation, never a wrong decision).
"""

from __future__ import annotations

import glob
import json
import os
import warnings
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard.policy.layers import PACKS_DIR
from codex_guard.policy.parser import _ast_call_lines, _scan_calls

from .conftest import corpus_cases

ROOT = Path(__file__).resolve().parent.parent


def _agree(src: str) -> bool:
    """Check one source; True when the scan answered (False: it left the file to ``ast``)."""
    scanned = _scan_calls(src)
    if scanned is None:
        return False
    lines, tuples = scanned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_lines, ref_tuples = _ast_call_lines(src)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(src, "<rules>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True  # ast gives up on it; Starlark reports any error itself
    assert lines == ref_lines, src
    assert tuples or not ref_tuples, src
    return True


def _sources() -> list[str]:
    out = [Path(p).read_text() for p in sorted(glob.glob(os.path.join(PACKS_DIR, "*.rules")))]
    out.append((ROOT / "bench" / "org.rules").read_text())
    for case in corpus_cases("execpolicy.jsonl"):
        for key in ("policy", "initial_contents"):
            if isinstance(case.get(key), str):
                out.append(case[key])
        files = case.get("files")
        if isinstance(files, dict):
            out += [v for v in files.values() if isinstance(v, str)]
    text = (ROOT / "docs" / "rules.md").read_text()
    out += [block.split("\n", 1)[1] for block in text.split("```starlark")[1:]]
    return [s.split("```", 1)[0] for s in out]


def test_real_rule_files() -> None:
    sources = _sources()
    assert len(sources) > 20
    answered = [_agree(s) for s in sources]
    assert sum(answered) >= 0.9 * len(answered)


def test_the_packs_and_org_rules_need_neither_ast_nor_a_tuple_pass() -> None:
    for p in [*glob.glob(os.path.join(PACKS_DIR, "*.rules")), str(ROOT / "bench" / "org.rules")]:
        src = Path(p).read_text()
        scanned = _scan_calls(src)
        assert scanned is not None, p
        assert scanned == _ast_call_lines(src), p


def test_designed_cases() -> None:
    cases = {
        'prefix_rule(pattern=["a"])\nguard_rule(program=["b"])\n': (1, 2, False),
        'x = ("a", "b")\nprefix_rule(pattern=x)\n': (2, None, True),
        "x = ()\n": (None, None, True),
        'a, b = 1, 2\nprefix_rule(pattern=["a"])\n': (2, None, True),
        '[prefix_rule(pattern=[p]) for p, q in [["a", "b"]]]\n': (1, None, True),
        "d = {}\nd[1, 2] = 3\n": (None, None, True),
        'x = tuple(["a"])\n': (None, None, True),
        "def prefix_rule(x):\n    pass\nobj.prefix_rule(1)\n": (None, None, False),
        's = """\nprefix_rule(\n"""\nprefix_rule(pattern=["a"])\n': (4, None, False),
        "# prefix_rule(\nprefix_rule(\n    pattern=['a'],\n)\n": (2, None, False),
        "f = prefix_rule\nprefix_rule (pattern=['a'])\n": (2, None, False),
        'x = [\n  prefix_rule\n  (pattern=["a"]),\n]\n': (2, None, False),
        "if (1, 2):\n    pass\n": (None, None, True),
        "x = 'it\\'s'\nprefix_rule(pattern=[x])\n": (2, None, False),
    }
    for src, (prefix_line, guard_line, tuples) in cases.items():
        assert _agree(src), src
        scanned = _scan_calls(src)
        assert scanned is not None
        lines, found = scanned
        assert lines["prefix_rule"][:1] == ([prefix_line] if prefix_line else []), src
        assert lines["guard_rule"][:1] == ([guard_line] if guard_line else []), src
        assert found == tuples, src
    for src in ('x = f"{prefix_rule(1)}"\n', "x = 1 + \\\n 2\n", "x = (1\n", "é = 1\n"):
        assert _scan_calls(src) is None, src


_TOKENS = [
    "prefix_rule",
    "guard_rule",
    "network_rule",
    "tuple",
    "x",
    "for",
    "in",
    "if",
    "def",
    "lambda",
    "not",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "+",
    "%",
    "1",
    '"s"',
    "'t'",
    '"""a\nb"""',
    "r'\\''",
    "# c\n",
    "\n",
    " ",
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30))
def test_generated_token_soup(tokens: list[str]) -> None:
    """Random token sequences: whenever both read a file, they agree."""
    _agree(" ".join(tokens))
    _agree("".join(tokens))


_NAMES = st.sampled_from(["prefix_rule", "guard_rule", "network_rule", "tuple", "x", "y"])
_ATOMS = st.one_of(
    _NAMES,
    st.sampled_from(['"s"', "'t'", "1", '"""a\nb"""', "r'\\''", "()", "[]", "{}"]),
)


def _target(draw: st.DrawFn) -> str:
    a, b = draw(_NAMES), draw(_NAMES)
    return draw(st.sampled_from([a, f"{a}, {b}", f"({a}, {b})", f"[{a}, {b}]"]))


@st.composite
def _expr(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3:
        return draw(_ATOMS)
    sub = _expr(depth + 1)
    a, b = draw(sub), draw(sub)
    sep = draw(st.sampled_from([", ", ",\n  ", ",  # c\n "]))
    name = draw(_NAMES)
    forms = [
        a,
        f"({a})",
        f"({a}{sep}{b})",
        f"({a},)",
        f"[{a}{sep}{b}]",
        f"{{{a}: {b}}}",
        f"{name}({a}{sep}k={b})",
        f"{name} ({a})",
        f"{name}\n(pattern=[{a}])" if depth else f"[{name}\n(pattern=[{a}])]",
        f"{a}[{b}]",
        f"{a}[{b}, {a}]",
        f"[{a} for {_target(draw)} in {b}]",
        f"{a} if {b} else {a}",
        f"not {a}",
        f"{a} % ({b}, {a})",
        f"lambda q, r: {a}",
        f"x.{name}({a})",
        f"f'{{{a}}}'",
    ]
    return draw(st.sampled_from(forms))


@st.composite
def _program(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        e = draw(_expr())
        out.append(
            draw(
                st.sampled_from(
                    [
                        e,
                        f"x = {e}",
                        f"x, y = {e}, {e}",
                        f"for {_target(draw)} in {e}:\n    {e}",
                        f"def f(a, b=1):\n    return {e}",
                        f"# {e}",
                    ]
                )
            )
        )
    return "\n".join(out) + "\n"


@settings(max_examples=600, deadline=None)
@given(_program())
def test_generated_programs(src: str) -> None:
    """Generated valid programs: where the scan answers, it agrees with ``ast``."""
    _agree(src)


def test_corpus_is_json() -> None:
    assert json.dumps(_sources()[:1])
