"""The hook launcher: what ``hooks.json`` runs, as ``python -IS <this file> hook …``.

Installed as ``codex_guard/hooks_data/launch.py``. The hook is a new process on every shell call
and every prompt, so its start-up is paid hundreds of times a session (issue 8). The console
script ``codex-guard`` imports ``re`` before anything else and a normal interpreter start runs
``site`` (``.pth`` files, the virtual environment); this launcher is run with ``-I`` (isolated:
no user site, no ``PYTHON*`` variables, no script folder on ``sys.path``) and ``-S`` (no
``site``), and puts exactly two folders on ``sys.path`` itself: the one holding the
``codex_guard`` package, and the ``site-packages`` of the interpreter's virtual environment (for
tree-sitter, Starlark and the other dependencies that slower paths import lazily).

Only the code under ``__main__`` runs; it is compiled on every start (scripts have no ``.pyc``),
so it stays a few lines. The cyclic garbage collector is off: the process lives for
milliseconds, its passes cost 3-6 ms of that and free little; memory is bounded by the
analysis limits and measured in ``bench/latency.py`` (peak RSS).
"""

if __name__ == "__main__":
    import gc

    gc.disable()  # a process of a few milliseconds: collection passes cost 3-6 ms, free nothing
    import os
    import sys

    _here = os.path.dirname(os.path.abspath(__file__))
    # installed: …/site-packages/codex_guard/hooks_data/launch.py; checkout: <repo>/hooks/launch.py
    for _root in (os.path.dirname(os.path.dirname(_here)), os.path.dirname(_here)):
        if os.path.isfile(os.path.join(_root, "codex_guard", "__init__.py")):
            break
    _env = os.path.dirname(os.path.dirname(sys.executable))  # <venv>/bin/python
    _site = os.path.join(
        _env, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages"
    )
    sys.path[:0] = [_root] if _root == _site else [_root, _site]
    if sys.argv[1:2] == ["hook"]:
        from codex_guard import _bundle

        try:  # noqa: SIM105 - the package's modules from one cached file (codex_guard/_bundle.py)
            _bundle.install()
        except Exception:  # an optimisation: the normal imports follow
            pass
        from codex_guard.commands.hook import run

        _rc = run(sys.argv[2:])
        for _stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105 - contextlib costs start-up
                _stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        _bundle.save()  # after the answer: only when a module was imported the normal way
        # the answer is written and the audit entry too (by the decision process, which has
        # exited): skip the interpreter's teardown of every module, about a millisecond
        os._exit(_rc)
    from codex_guard.cli import main

    sys.exit(main(sys.argv[1:]))
