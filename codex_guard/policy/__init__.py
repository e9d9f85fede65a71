"""The execpolicy-compatible rules engine (a leaf: imports nothing else of codex_guard)."""
