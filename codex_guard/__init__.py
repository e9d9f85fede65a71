"""codex-guard: a policy-as-code guard for coding agents (Codex CLI, Claude Code)."""

__version__ = "0.1.0"
