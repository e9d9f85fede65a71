"""codex-guard's folder resolution agrees with platformdirs for every environment shape."""

from __future__ import annotations

import os
from unittest import mock

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_guard._dirs import user_dir

_VARS = ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "/", "/home/dev", "/home/dev/", "relative/dir", "~/x", "/tmp/a b"]),
    st.text(alphabet="/abc. ~", max_size=12),
)


def _platformdirs(kind: str) -> str:
    fn = {
        "cache": platformdirs.user_cache_dir,
        "config": platformdirs.user_config_dir,
        "data": platformdirs.user_data_dir,
        "state": platformdirs.user_state_dir,
    }[kind]
    return fn("codex-guard", appauthor=False)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({v: _VALUES for v in _VARS}),
    st.sampled_from(["cache", "config", "data", "state"]),
)
def test_same_answer_as_platformdirs(env: dict[str, str | None], kind: str) -> None:
    base = {k: v for k, v in os.environ.items() if k not in _VARS}
    base.update({k: v for k, v in env.items() if v is not None})
    with mock.patch.dict(os.environ, base, clear=True):
        try:
            expected: str | Exception = _platformdirs(kind)
        except RuntimeError as e:
            expected = e
        if isinstance(expected, Exception):
            with pytest.raises(RuntimeError):
                user_dir(kind)
        else:
            assert user_dir(kind) == expected


def test_unknown_kind() -> None:
    with pytest.raises(KeyError):
        user_dir("music")
