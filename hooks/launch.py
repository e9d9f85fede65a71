"""The hook launcher: what ``hooks.json`` runs, as ``python -IS <this file> hook …``.

Installed as ``codex_guard/hooks_data/launch.py``. A script is compiled on every start, so this
one only puts the folder holding the ``codex_guard`` package on ``sys.path`` (``-I`` leaves the
script's own folder off it), for a hook serves the package's modules from the module bundle
(:func:`codex_guard._bundle.install`; :mod:`codex_guard._launch` itself among them) and calls
:func:`codex_guard._launch.main`, which does the rest.
"""

if __name__ == "__main__":
    import os
    import sys

    _parts = __file__.rsplit(os.sep, 3)  # installed: …/site-packages/codex_guard/hooks_data/…
    sys.path.insert(0, _parts[0] if _parts[2] == "hooks_data" else __file__.rsplit(os.sep, 2)[0])
    if sys.argv[1:2] == ["hook"]:
        from codex_guard._bundle import install

        install()
    from codex_guard._launch import main

    main()
