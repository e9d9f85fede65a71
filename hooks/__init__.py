"""Hook templates the installer writes (installed as ``codex_guard.hooks_data``)."""
