"""Issue 4 floors on ../shared/corpus/evasions.jsonl with the built-in packs only.

Every line is judged in-process with ``codex_guard.hook.judge_command`` (HOME, CODEX_HOME and the
system folder point at empty temp dirs), and a handful through ``codex-guard explain --json`` as a
process, which must agree. Floors: ≥98% of deny lines forbidden; ≥95% of ask lines prompt or
forbidden and ≥85% exactly prompt; ≤3% of allow lines anything but null/allow. On failure the
per-category table (bench/evasions.py) and the missed lines are printed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_evasions", ROOT / "bench" / "evasions.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_evasions"] = mod
    spec.loader.exec_module(mod)
    return mod


B = _bench()
CASES = B.load_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="../shared/corpus/evasions.jsonl is absent")


@pytest.fixture(scope="module")
def results() -> list[tuple[dict[str, Any], str | None]]:
    with B.builtin_packs_only() as cwd:
        out: list[tuple[dict[str, Any], str | None]] = B.run_in_process(CASES, cwd)
    return out


def _report(results: list[tuple[dict[str, Any], str | None]]) -> str:
    return (
        "\n"
        + B.markdown(results, "codex-guard, built-in packs")
        + "\n\n"
        + "\n".join(B.misses(results))
    )


def test_corpus_fields() -> None:
    for c in CASES:
        assert {"id", "command", "should_be"} <= set(c), c
        assert c["should_be"] in ("deny", "ask", "allow"), c


def test_deny_floor(results: list[tuple[dict[str, Any], str | None]]) -> None:
    f = B.floors(results)
    assert f["deny_forbidden"] >= 0.98, _report(results)


def test_ask_floor(results: list[tuple[dict[str, Any], str | None]]) -> None:
    f = B.floors(results)
    assert f["ask_prompt_or_forbidden"] >= 0.95, _report(results)


def test_ask_exactly_prompt_floor(results: list[tuple[dict[str, Any], str | None]]) -> None:
    f = B.floors(results)
    assert f["ask_prompt"] >= 0.85, _report(results)


def test_allow_ceiling(results: list[tuple[dict[str, Any], str | None]]) -> None:
    f = B.floors(results)
    assert f["allow_other"] <= 0.03, _report(results)


def test_table_counts_every_line(results: list[tuple[dict[str, Any], str | None]]) -> None:
    table = B.category_table(results)
    total = table[-1]
    assert total["category"] == "total" and total["lines"] == len(CASES)
    assert sum(r["lines"] for r in table[:-1]) == len(CASES)
    assert total["deny"] + total["ask"] + total["allow"] == len(CASES)


def _spread(n: int) -> list[dict[str, Any]]:
    """n cases spread over the three expectations (deterministic)."""
    by: dict[str, list[dict[str, Any]]] = {"deny": [], "ask": [], "allow": []}
    for c in CASES:
        by[c["should_be"]].append(c)
    out: list[dict[str, Any]] = []
    for group in by.values():
        step = max(1, len(group) // max(1, n // 3))
        out += group[::step][: n // 3]
    return out


@pytest.mark.parametrize("case", _spread(6), ids=lambda c: c["id"])
def test_explain_process_agrees(
    case: dict[str, Any], results: list[tuple[dict[str, Any], str | None]]
) -> None:
    expected = {c["id"]: d for c, d in results}[case["id"]]
    with B.builtin_packs_only() as cwd:
        obj = B.run_explain(case["command"], cwd)
    assert obj["decision"] == expected
    assert isinstance(obj["commands"], list) and isinstance(obj["matchedRules"], list)
