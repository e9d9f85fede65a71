"""``Policy.guard_matches`` consults only the guard rules that can name a command's program;
it must find exactly what asking every rule finds, in declaration order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard.policy.guard import ArgvContext, GuardRule
from codex_guard.policy.layers import discover, load_discovered
from codex_guard.policy.rule import RuleMatch

POLICY = load_discovered(discover(None, home="/nonexistent", system_dir="/nonexistent")).policy
PROGRAMS = sorted({p for g in POLICY.guard_rules for p in getattr(g, "programs", ())})
WORDS = ["-rf", "-f", "/", "~", "push", "--force", "origin", "x", "$HOME", "~/.ssh/id_rsa", "*"]
WORDS += ["-", "--", "$(curl x)", "<(wget y)", "`id`", "-c", "-e", "--exec-path=/tmp", "clean"]
CONTEXTS = [
    None,
    ArgvContext(),
    ArgvContext(redirects=((">", "~/.bashrc"),)),
    ArgvContext(redirects=(("2>>", "/etc/passwd"), ("<", "~/.ssh/id_rsa"))),
    ArgvContext(stdin_from=("curl",)),
    ArgvContext(sources=((1, ("curl",)),), dynamic=frozenset({1})),
    ArgvContext(sources=((0, ("wget",)),), dynamic=frozenset({0})),
]


def _every_rule(argv: list[str], ctx: ArgvContext | None) -> list[RuleMatch]:
    return [m for g in POLICY.guard_rules if (m := g.match(argv, ctx)) is not None]


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.sampled_from(PROGRAMS),
        st.sampled_from(["ls", "/usr/bin/rm", "./git", "x", "mkfs.ext4", "/sbin/mkfs.xfs"]),
        st.sampled_from(["python3.12", "./python3.11", "newfs_msdos", "mkfs", "python3."]),
    ),
    st.lists(st.sampled_from(WORDS), max_size=4),
    st.sampled_from(CONTEXTS),
)
def test_indexed_matches_equal_asking_every_rule(
    program: str, rest: list[str], ctx: ArgvContext | None
) -> None:
    argv = [program, *rest]
    assert POLICY.guard_matches(argv, ctx) == _every_rule(argv, ctx)


def test_the_index_follows_the_rule_list() -> None:
    policy = load_discovered(discover(None, home="/nonexistent", system_dir="/nonexistent")).policy
    assert policy.guard_matches(["zzz-tool", "x"]) == []
    policy.guard_rules.append(GuardRule(("zzz-tool",), "forbidden", "no"))
    (m,) = policy.guard_matches(["zzz-tool", "x"])
    assert m.decision == "forbidden"
    policy.guard_rules = [GuardRule(("zz*",), "prompt", None)]
    (m,) = policy.guard_matches(["zzz-tool"])
    assert m.decision == "prompt"
    assert policy.guard_matches(["yzz"]) == []  # a `start*` glob is consulted by its start
    (m,) = policy.guard_matches(["/opt/bin/zzz"])
    assert m.decision == "prompt"


def _through_cache() -> object:
    from codex_guard.policy import cache

    loaded = load_discovered(discover(None, home="/nonexistent", system_dir="/nonexistent"))
    return cache._loaded_from_plain(cache._loaded_to_plain(loaded)).policy  # lazy rules


CACHED = _through_cache()


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from([*PROGRAMS, "ls", "git", "rm", "bash", "python3.12", "/usr/bin/dd"]),
    st.lists(st.sampled_from(WORDS), max_size=4),
    st.sampled_from(CONTEXTS),
)
def test_cached_rules_match_as_freshly_evaluated_ones(
    program: str, rest: list[str], ctx: ArgvContext | None
) -> None:
    """Rules read back from the policy cache stay packed until a command could match them
    (programs, subcommand and needs in the clear); they find exactly what fresh rules find."""
    argv = [program, *rest]
    assert CACHED.guard_matches(argv, ctx) == _every_rule(argv, ctx)  # type: ignore[attr-defined]


@settings(max_examples=6000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "/", "*", "**", "[*]", "[a]", "[!a]", "?", ".", "[", "]", "~"]),
        max_size=7,
    ).map("".join),
    st.lists(st.sampled_from(["a", "b", "/", "*", ".", "~", "[", "]", "ab/"]), max_size=8).map(
        "".join
    ),
)
def test_globs_decided_without_a_regex_agree_with_it(glob: str, text: str) -> None:
    """Literal and one-star globs are matched without compiling a regex (issue 8: `re`
    costs milliseconds at start-up); the answer is the regex's."""
    import warnings

    from codex_guard.policy.globs import Pattern, glob_match, glob_to_regex

    with warnings.catch_warnings():  # `re` warns of a possible nested set on "[[" globs
        warnings.simplefilter("ignore", FutureWarning)
        want = glob_to_regex(glob).match(text) is not None
    assert glob_match(glob, text) == want
    assert Pattern(glob).match(text) == want


@settings(max_examples=4000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "/", "*", "**", "[*]", "[a]", "[!a]", "?", ".", "[", "]", "~"]),
        max_size=7,
    ).map("".join)
)
def test_glob_shape_reads_common_globs_as_the_character_loops_do(glob: str) -> None:
    """``glob_shape`` reads literals and one-star globs with string methods; its answer is the
    three character-by-character readings' (literal ends, simple glob, literal runs)."""
    from codex_guard.policy.globs import glob_shape, literal_ends, literal_runs, simple_glob

    assert glob_shape(glob) == (*literal_ends(glob), simple_glob(glob), literal_runs(glob))
