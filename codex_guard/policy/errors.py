"""Errors of the rules engine, each carrying the file and position it comes from.

Modelled on Codex's ``codex-rs/execpolicy/src/error.rs``: every error can name the rules file,
line and column, so the hook can deny with a reason a person can act on.
"""

from __future__ import annotations


class PolicyError(Exception):
    """A rules file could not be read, parsed, evaluated or validated.

    Attributes:
        message: the engine's message (the text Codex prints after ``Caused by:``).
        path: the rules file, when known.
        line: 1-based line, when known.
        column: 1-based column, when known.
        read_error: True when the file could not be read at all (Codex says
            ``failed to read policy at``), False for parse/validation failures.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        *,
        read_error: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.read_error = read_error

    def location(self) -> str:
        """``path:line:column`` (as much of it as is known), or ``<unknown>``."""
        if self.path is None:
            return "<unknown>"
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def one_line(self) -> str:
        """A single-line summary: ``path:line:col: first line of the message``."""
        first = next(
            (ln.strip() for ln in self.message.splitlines() if ln.strip().startswith("error:")), ""
        )
        if not first:
            first = self.message.strip().splitlines()[0] if self.message.strip() else "error"
        return f"{self.location()}: {first}"

    def codex_rendered(self) -> str:
        """Codex's ``format_exec_policy_error_with_source``:
        ``<path>:<line>: <message> (problem is on or around line <line>)`` (just the message
        when the position is unknown)."""
        if self.path is None or self.line is None:
            return self.message
        return f"{self.path}:{self.line}: {self.message} (problem is on or around line {self.line})"
