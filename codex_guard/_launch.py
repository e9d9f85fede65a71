"""What the hook launcher runs (``hooks/launch.py``, installed as
``codex_guard/hooks_data/launch.py``; ``hooks.json`` runs it as ``python -IS <launcher> hook …``).

The hook is a new process on every shell call and every prompt, so its start-up is paid hundreds
of times a session (issue 8). The console script ``codex-guard`` imports ``re`` before anything
else and a normal interpreter start runs ``site`` (``.pth`` files, the virtual environment). The
launcher runs with ``-I`` (isolated: no user site, no ``PYTHON*`` variables, no script folder on
``sys.path``) and ``-S`` (no ``site``). A script is compiled on every start (it has no ``.pyc``;
about 0.5 ms for the forty lines this module was), so the launcher only puts the folder holding
the ``codex_guard`` package on ``sys.path`` and calls :func:`main` here, which has a ``.pyc``.

:func:`main` adds the ``site-packages`` of the interpreter's virtual
environment to ``sys.path`` (for tree-sitter, Starlark and the other dependencies that slower
paths import lazily), turns the cyclic garbage collector off (the process lives for
milliseconds; its passes cost 3-6 ms of that and free little; memory is bounded by the analysis
limits and measured in ``bench/latency.py``), and for ``hook`` answers (the launcher has already
installed the module bundle, :mod:`codex_guard._bundle`), and leaves with ``os._exit`` after
flushing, skipping the interpreter's teardown of every module (about a millisecond). Any other
command goes to :func:`codex_guard.cli.main`.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def _site_packages() -> str:
    """The ``site-packages`` folder of the virtual environment of ``sys.executable``
    (``<venv>/bin/python``)."""
    env = os.path.dirname(os.path.dirname(sys.executable))
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return os.path.join(env, "lib", version, "site-packages")


def _hook(argv: list[str]) -> "NoReturn":
    """Run ``codex-guard hook`` with ``argv`` and leave the process with its exit status. The
    launcher has installed the module bundle (:func:`codex_guard._bundle.install`) first."""
    from codex_guard import _bundle
    from codex_guard.commands.hook import run

    rc = run(argv)
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - contextlib costs start-up
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    _bundle.save()  # after the answer: only when a module was imported the normal way
    # the answer is written, and the audit entry too (by the decision process, which has exited)
    os._exit(rc)


def main() -> "NoReturn":
    """Run the command line in ``sys.argv`` (called by the launcher; never returns)."""
    import gc

    gc.disable()  # a process of a few milliseconds: collection passes cost 3-6 ms, free nothing
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    site = _site_packages()
    if site != root and site not in sys.path:
        sys.path.insert(1 if sys.path[:1] == [root] else 0, site)
    if sys.argv[1:2] == ["hook"]:
        _hook(sys.argv[2:])
    from codex_guard.cli import main as cli_main

    sys.exit(cli_main(sys.argv[1:]))
