"""codex-guard's own shell analysis: every command a bash script would run.

Where :mod:`codex_guard.shell.codex_split` refuses anything but plain word-only scripts (as
Codex does, execpolicy.md §5), this module looks *through* the shell: it parses with the same
tree-sitter-bash 0.25.1 grammar as Codex (``shell-command/src/bash.rs``) but walks every
construct, performs bash quote removal on each word, strips ``VAR=value`` prefixes and
absolute program paths, unwraps wrappers (``sudo``, ``env``, ``nice``, ``timeout``,
``xargs`` ...) and nested shells (``bash -c '...'``, ``eval``), and records a human-readable
reason for every construct whose effect it cannot see statically (``unsupported``).

The contract is "never silently harmless": a construct that may run code this module cannot
enumerate always produces a reason, and :func:`analyze_script` / :func:`analyze_argv` never
raise, whatever the input.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from . import _parser
from ._words import (
    QUOTED,
    Word,
    decode_ansi_c,
    has_pattern,
    is_assignment_word,
    unescape_double_quoted,
    unescape_unquoted,
)
from ._wrappers import (
    WRAPPERS,
    interpreter_family,
    reads_code_from_stdin,
    shell_args,
    take_assignments,
)

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = [
    "REASON_BACKTICK",
    "REASON_BAD_UNICODE",
    "REASON_COMMAND_SUBSTITUTION",
    "REASON_DYNAMIC_PROGRAM",
    "REASON_DYNAMIC_SCRIPT",
    "REASON_EVAL",
    "REASON_INTERNAL",
    "REASON_NOT_TEXT",
    "REASON_NUL",
    "REASON_PARSE_BUDGET",
    "REASON_PARSE_ERROR",
    "REASON_PATTERN_PROGRAM",
    "REASON_PIPE_INTO_INTERPRETER",
    "REASON_PROCESS_SUBSTITUTION",
    "REASON_RECURSIVE_FUNCTION",
    "REASON_STDIN_INTERPRETER",
    "REASON_TOO_DEEP",
    "REASON_TOO_LARGE",
    "REASON_UNPARSED_TEXT",
    "Analysis",
    "Command",
    "analyze_argv",
    "analyze_script",
]

# ---------------------------------------------------------------------------------------------
# Public data model


@dataclass(frozen=True)
class Command:
    """One command that would run.

    Attributes:
        argv: the words after bash quote removal (``r''m`` -> ``rm``, ``"rm"`` -> ``rm``,
            ``\\rm`` -> ``rm``, ``$'\\x72'`` -> ``r``). The program is reduced to its basename
            when written as an absolute path (``/usr/bin/rm`` -> ``rm``). A dynamic argument
            (``$HOME``, ``${X}``, ``$(cmd)``) keeps its literal source text.
        program_path: the program as written when it contained a ``/`` (e.g.
            ``"/usr/bin/rm"`` or ``"./run.sh"``), else None. Relative paths are *not* reduced
            to a basename: ``./rm`` is a local file, not ``rm``.
        assignments: leading ``VAR=value`` words stripped before the program, plus those a
            wrapper such as ``env``/``sudo`` added (after quote removal).
        via: the wrapper chain that led here, outermost first, e.g. ``("bash -lc",)``,
            ``("sudo",)`` or ``("sudo", "env")``. Empty for a command written directly.
    """

    argv: tuple[str, ...]
    program_path: str | None = None
    assignments: tuple[str, ...] = ()
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """The result of analysing a script or an argv.

    Attributes:
        commands: every command that would run, in source order; a wrapped command appears
            both as the wrapper invocation and, right after it, as the inner command.
        unsupported: one human-readable reason per kind of construct this version cannot see
            through (deduplicated, in order of first occurrence). Empty means every command
            that can run is listed in ``commands``.
    """

    commands: tuple[Command, ...] = ()
    unsupported: tuple[str, ...] = ()


REASON_PARSE_ERROR = "parse error"
REASON_COMMAND_SUBSTITUTION = "command substitution $(…)"
REASON_BACKTICK = "backtick substitution"
REASON_PROCESS_SUBSTITUTION = "process substitution <(…)/>(…)"
REASON_EVAL = "eval"
REASON_PIPE_INTO_INTERPRETER = "pipe into a shell interpreter (… | sh)"
REASON_STDIN_INTERPRETER = "heredoc/herestring feeding an interpreter"
REASON_DYNAMIC_PROGRAM = "dynamic program name ($VAR)"
REASON_PATTERN_PROGRAM = "glob or brace expansion in program name"
REASON_DYNAMIC_SCRIPT = 'dynamic script passed to a shell (bash -c "$X")'
REASON_RECURSIVE_FUNCTION = "recursive shell function (possible fork bomb)"
REASON_UNPARSED_TEXT = "text the parser could not place"
REASON_TOO_DEEP = "nesting too deep; analysis truncated"
REASON_TOO_LARGE = "script too large; analysis truncated"
REASON_PARSE_BUDGET = "parse time budget exhausted; analysis truncated"
REASON_NUL = "NUL byte in script (removed before analysis)"
REASON_BAD_UNICODE = "lone surrogate in script (replaced before analysis)"
REASON_INTERNAL = "internal analysis error"
REASON_NOT_TEXT = "input is not text"

# Work bounds (the hook must answer quickly on hostile input).
MAX_SCRIPT_BYTES = 256 * 1024  # longer scripts are analysed on their first 256 KiB only
MAX_NODES = 100_000  # syntax nodes visited over the whole analysis, nested scripts included
MAX_SCRIPT_DEPTH = 8  # nested scripts: bash -c, eval, su -c, heredoc into a shell, ...
MAX_TREE_DEPTH = 150  # syntax nesting plus wrapper chain (bounds Python recursion)
PARSE_BUDGET = 1.0  # seconds of tree-sitter time per analysis, nested scripts included

# Shells the analysis unwraps at the top of analyze_argv, when argv[0] is a bare name or lives
# in one of these directories (a file called ./bash may be anything).
_TOP_SHELLS = frozenset({"bash", "zsh", "sh", "dash"})
_SYSTEM_BIN_DIRS = frozenset(
    {
        "/bin",
        "/usr/bin",
        "/usr/local/bin",
        "/opt/homebrew/bin",
        "/run/current-system/sw/bin",
        "/home/linuxbrew/.linuxbrew/bin",
    }
)

_WORDISH = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "concatenation",
        "number",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "ansi_c_string",
        "translated_string",
        "arithmetic_expansion",
        "brace_expression",
    }
)
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_EXPANSIONS = frozenset(
    {"simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"}
)
# Leaves that can hold no command: skipped when looking for substitutions.
_INERT = frozenset(
    {"word", "number", "raw_string", "comment", "variable_name", "ansi_c_string", "file_descriptor"}
)

# Fast path: a script made of these characters only (and blanks) is plain words.
_FAST_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+@%-~ \t"
)
_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "function",
        "in",
        "time",
        "coproc",
        "declare",
        "typeset",
        "export",
        "readonly",
        "local",
        "unset",
    }
)


def _blank_only(gap: bytes) -> bool:
    """True when ``gap`` holds only blanks and line continuations."""
    return not gap.replace(b"\\\n", b"").strip(b" \t\r\n")


# ---------------------------------------------------------------------------------------------
# Internal word and I/O model


class _Feed:
    """Text a heredoc or herestring sends to a command's stdin."""

    __slots__ = ("dynamic", "text")

    def __init__(self, text: str, dynamic: bool) -> None:
        self.text = text
        self.dynamic = dynamic


class _IO:
    """How a command's stdin is fed: from a pipe, from heredocs/herestrings, or (``xargs``)
    not at all while its arguments come from stdin."""

    __slots__ = ("feeds", "piped", "xargs")

    def __init__(
        self, piped: bool = False, feeds: tuple[_Feed, ...] = (), xargs: bool = False
    ) -> None:
        self.piped = piped
        self.feeds = feeds
        self.xargs = xargs


_NO_IO = _IO()


class _Src:
    """One parsed script: its bytes, the wrapper chain leading to it, its nesting depth."""

    __slots__ = ("depth", "src", "via")

    def __init__(self, src: bytes, via: tuple[str, ...], depth: int) -> None:
        self.src = src
        self.via = via
        self.depth = depth


class _Budget(Exception):
    """Raised internally when the node budget is exhausted."""


# ---------------------------------------------------------------------------------------------
# Program names


def _normalize_program(text: str) -> tuple[str, str | None]:
    """``(argv0, program_path)``: an absolute path reduces to its basename, a Windows drive
    path (``C:/Git/bin/git.exe``) to its basename without ``.exe``; a relative path is kept
    as written (``./rm`` is a local file, not ``rm``)."""
    drive = _drive_path_base(text)
    if drive is not None:
        return drive, text
    if "/" not in text:
        return text, None
    if text.startswith("/"):
        base = text.rstrip("/").rsplit("/", 1)[-1]
        return (base or text), text
    return text, text


def _drive_path_base(text: str) -> str | None:
    """Basename of a Windows drive path written with forward slashes (``C:/Git/git.exe``)."""
    if len(text) > 3 and text[0].isascii() and text[0].isalpha() and text[1:3] in (":/", ":\\"):
        base = text.replace("\\", "/").rsplit("/", 1)[-1]
        if base.lower().endswith(".exe"):
            base = base[:-4]
        return base or None
    return None


# ---------------------------------------------------------------------------------------------
# The analyzer


class _Analyzer:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.reasons: dict[str, None] = {}
        self.nodes_left = MAX_NODES
        self.deadline = time.monotonic() + PARSE_BUDGET

    # -- bookkeeping ---------------------------------------------------------------------------

    def reason(self, text: str) -> None:
        self.reasons.setdefault(text, None)

    def result(self) -> Analysis:
        return Analysis(tuple(self.commands), tuple(self.reasons))

    def tick(self) -> None:
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise _Budget

    # -- scripts -------------------------------------------------------------------------------

    def script(self, script: str, via: tuple[str, ...], depth: int, tdepth: int) -> None:
        """Analyse ``script`` (a nested one when depth > 0)."""
        if depth > MAX_SCRIPT_DEPTH or tdepth > MAX_TREE_DEPTH:
            self.reason(REASON_TOO_DEEP)
            return
        if "\x00" in script:
            self.reason(REASON_NUL)
            script = script.replace("\x00", "")
        fast = _fast_split(script)
        if fast is not None:
            i, assignments = take_assignments(fast, 0)
            if i < len(fast):
                self.emit(fast[i:], assignments, via, _NO_IO, _Src(b"", via, depth), tdepth)
            return
        try:
            src = script.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: not text any shell could receive
            self.reason(REASON_BAD_UNICODE)
            src = script.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode()
        if len(src) > MAX_SCRIPT_BYTES:
            self.reason(REASON_TOO_LARGE)
            src = src[:MAX_SCRIPT_BYTES]
        tree, complete = _parser.parse(src, self.deadline - time.monotonic())
        if not complete:
            self.reason(REASON_PARSE_BUDGET)
        root = tree.root_node
        if root.has_error:
            self.reason(REASON_PARSE_ERROR)
        spans = [(c.start_byte, c.end_byte) for c in root.children]
        if _has_uncovered_text(src, spans, len(src) if complete else root.end_byte):
            # tree-sitter-bash silently drops some text (a leading `- `); bash would not
            self.reason(REASON_UNPARSED_TEXT)
        self.visit(root, _Src(src, via, depth), _NO_IO, tdepth)

    # -- generic traversal -----------------------------------------------------------------------

    def visit(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        self.tick()
        if td > MAX_TREE_DEPTH:
            self.reason(REASON_TOO_DEEP)
            return
        kind = node.type
        if node.is_missing or kind == "ERROR":
            self.reason(REASON_PARSE_ERROR)
        if kind == "command":
            self.command(node, s, io, [], td)
        elif kind == "redirected_statement":
            self.redirected_statement(node, s, io, td)
        elif kind == "pipeline":
            piped = io.piped
            for child in node.children:
                if not child.is_named:
                    if child.type in ("|", "|&"):
                        piped = True
                    continue
                self.visit(child, s, _IO(piped, io.feeds), td + 1)
        elif kind == "command_substitution":
            first = node.child(0)
            backtick = first is not None and first.type == "`"
            self.reason(REASON_BACKTICK if backtick else REASON_COMMAND_SUBSTITUTION)
            self.visit_children(node, s, _NO_IO, td)
        elif kind == "process_substitution":
            self.reason(REASON_PROCESS_SUBSTITUTION)
            self.visit_children(node, s, _NO_IO, td)
        elif kind == "function_definition":
            self.function_definition(node, s, td)
        elif kind in ("declaration_command", "unset_command"):
            self.declaration(node, s, td)
        elif kind in ("variable_assignment", "variable_assignments"):
            self.assignment_statement(node, s, io, td)
        elif kind == "comment":
            return
        else:
            self.visit_children(node, s, io, td)

    def visit_children(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        for child in node.named_children:
            if child.type not in _INERT:
                self.visit(child, s, io, td + 1)

    def redirected_statement(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        body = node.child_by_field_name("body")
        others = [c for c in node.children if body is None or c != body]
        if body is not None and body.type == "command":
            self.tick()
            self.command(body, s, io, others, td + 1)
        elif body is not None:
            feeds = [
                feed
                for c in others
                if c.type in _REDIRECTS
                for feed in self.redirect_parts(c, s, None)
            ]
            self.visit(body, s, _IO(io.piped, io.feeds + tuple(feeds), io.xargs), td + 1)
        for child in others:
            if child.is_named and child.type not in _INERT:
                self.visit(child, s, _NO_IO, td + 1)

    def function_definition(self, node: Node, s: _Src, td: int) -> None:
        name_node = node.child_by_field_name("name")
        name = _parser.node_text(name_node, s.src) if name_node is not None else None
        before = len(self.commands)
        self.visit_children(node, s, _NO_IO, td)
        if name and any(c.argv[:1] == (name,) for c in self.commands[before:]):
            self.reason(REASON_RECURSIVE_FUNCTION)

    def declaration(self, node: Node, s: _Src, td: int) -> None:
        """``export``/``declare``/``local``/``readonly``/``typeset``/``unset``: a builtin whose
        arguments may hold substitutions."""
        words: list[Word] = []
        for index, child in enumerate(node.children):
            if not child.is_named:
                if index == 0:  # the keyword: export, declare, local, unset ...
                    words.append(self.literal_node(child, s))
                continue
            if child.type == "variable_assignment":
                words.append(Word.literal(self.assignment_text(child, s)))
            elif child.type in _REDIRECTS or child.type == "comment":
                continue
            else:
                words.append(self.eval_word(child, s))
        if words:
            self.emit(words, (), s.via, _NO_IO, s, td + 1)
        self.visit_children(node, s, _NO_IO, td)

    # -- commands --------------------------------------------------------------------------------

    def command(self, node: Node, s: _Src, io: _IO, others: list[Node], td: int) -> None:
        """A simple command; ``others`` are the sibling redirects of a redirected_statement."""
        assignments: list[str] = []
        words: list[Word] = []
        feeds: list[_Feed] = []
        covered: list[tuple[int, int]] = []
        seen_name = False
        for child in node.children:
            covered.append((child.start_byte, child.end_byte))
            kind = child.type
            if not child.is_named:  # `$` before $"...", or `==` that bash passes as a word
                w = self.literal_node(child, s)
                w.dollar = kind == "$"
                words.append(w)
                continue
            if kind == "variable_assignment" and not seen_name:
                w = self.assignment_word(child, s)
                if _valid_assignment_node(child, s):
                    assignments.append(w.text)
                else:  # `9=x cmd`: not a name, so bash runs `9=x` as the program
                    seen_name = True
                    words.append(w)
            elif kind == "command_name":
                seen_name = True
                inner = child.named_child(0)
                w = self.eval_word(inner if inner is not None else child, s)
                w.start, w.end = child.start_byte, child.end_byte
                words.append(w)
            elif kind in _REDIRECTS:
                feeds.extend(self.redirect_parts(child, s, words))
            elif kind != "comment":
                words.append(self.eval_word(child, s))
        for child in others:
            covered.append((child.start_byte, child.end_byte))
            if child.type in _REDIRECTS:
                feeds.extend(self.redirect_parts(child, s, words))
        self.recover_gaps(node.start_byte, covered, s, words)
        words = _merge_adjacent(words, s.src)
        while words and _is_unquoted_assignment(words[0]):
            # tree-sitter-bash takes `_= cmd` as command name `_=`; bash assigns _ and runs cmd
            assignments.append(words.pop(0).text)
        if words:
            command_io = _IO(io.piped, io.feeds + tuple(feeds), io.xargs)
            self.emit(words, tuple(assignments), s.via, command_io, s, td + 1)
        for child in node.named_children:
            if child.type == "variable_assignment":  # handled above; look inside only
                self.visit_children(child, s, _NO_IO, td + 1)
            elif child.type not in _INERT:
                self.visit(child, s, _NO_IO, td + 1)

    def redirect_parts(self, node: Node, s: _Src, words: list[Word] | None) -> list[_Feed]:
        """Split a redirect into what it feeds to stdin and the stray argument words that
        tree-sitter-bash attaches to it (``git >/dev/null reset --hard`` parses ``reset
        --hard`` inside the redirect; bash passes them to git)."""
        kind = node.type
        feeds: list[_Feed] = []
        target_seen = False
        quoted_delimiter = False
        strip_tabs = False
        for child in node.children:
            ckind = child.type
            if not child.is_named:
                if ckind == "<<-":
                    strip_tabs = True
                continue
            if kind == "heredoc_redirect":
                if ckind == "heredoc_start":
                    text = _parser.node_text(child, s.src) or ""
                    quoted_delimiter = any(q in text for q in "'\"\\")
                elif ckind == "heredoc_body":
                    body = _parser.node_text(child, s.src) or ""
                    if strip_tabs:
                        body = "\n".join(line.lstrip("\t") for line in body.split("\n"))
                    dynamic = not quoted_delimiter and any(
                        c.type in _EXPANSIONS for c in child.named_children
                    )
                    feeds.append(_Feed(body, dynamic))
                elif ckind in _WORDISH and words is not None:
                    words.append(self.eval_word(child, s))
                continue
            if ckind == "file_descriptor" or ckind not in _WORDISH:
                continue
            if not target_seen:
                target_seen = True
                if kind == "herestring_redirect":
                    w = self.eval_word(child, s)
                    feeds.append(_Feed(w.text + "\n", w.dynamic))
                continue
            if words is not None:
                words.append(self.eval_word(child, s))
        if kind == "heredoc_redirect" and not feeds:
            feeds.append(_Feed("", False))
        return feeds

    def recover_gaps(
        self, start: int, covered: list[tuple[int, int]], s: _Src, words: list[Word]
    ) -> None:
        """Words in source text that no syntax node covers (tree-sitter-bash drops the ``-``
        of ``python3 - <<EOF``). They are kept as arguments; odd characters get a reason."""
        pos = start
        for a, b in sorted(covered):
            if a > pos:
                gap = s.src[pos:a]
                if not _blank_only(gap):
                    self.add_gap_words(gap, pos, words)
            pos = max(pos, b)

    def add_gap_words(self, gap: bytes, offset: int, words: list[Word]) -> None:
        i = 0
        n = len(gap)
        while i < n:
            if gap[i] in b" \t\r\n":
                i += 1
                continue
            j = i
            while j < n and gap[j] not in b" \t\r\n":
                j += 1
            piece = gap[i:j].replace(b"\\\n", b"").decode("utf-8", "replace")
            if piece and piece != "\\":
                odd = any(c in piece for c in "'\"$`()<>|&;{}\\")
                if odd:
                    self.reason(REASON_UNPARSED_TEXT)
                value, shape = unescape_unquoted(piece)
                words.append(Word(value, shape, odd, offset + i, offset + j))
            i = j

    # -- words -----------------------------------------------------------------------------------

    def literal_node(self, node: Node, s: _Src) -> Word:
        text = _parser.node_text(node, s.src) or ""
        return Word(text, text, False, node.start_byte, node.end_byte)

    def assignment_text(self, node: Node, s: _Src) -> str:
        """``NAME=value`` after quote removal of the value (substitutions kept as source)."""
        return self.assignment_word(node, s).text

    def assignment_word(self, node: Node, s: _Src) -> Word:
        """A ``variable_assignment`` node as one word (``NAME=value``, value quote-removed)."""
        texts: list[str] = []
        shapes: list[str] = []
        dynamic = False
        for child in node.children:
            if child.type in ("variable_name", "subscript") or not child.is_named:
                raw = _parser.node_text(child, s.src) or ""
                texts.append(raw)
                shapes.append(raw)
            else:
                w = self.eval_word(child, s)
                texts.append(w.text)
                shapes.append(w.shape)
                dynamic = dynamic or w.dynamic
        return Word("".join(texts), "".join(shapes), dynamic, node.start_byte, node.end_byte)

    def assignment_statement(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        """Assignments alone on a line. tree-sitter-bash also accepts names bash does not
        (``9=x``, ``-0X=y``): from the first such word on, bash runs a command."""
        parts = [node] if node.type == "variable_assignment" else list(node.named_children)
        assignments: list[str] = []
        words: list[Word] = []
        for child in parts:
            if child.type != "variable_assignment":
                self.visit(child, s, _NO_IO, td + 1)
                continue
            w = self.assignment_word(child, s)
            if not words and _valid_assignment_node(child, s):
                assignments.append(w.text)
            else:
                words.append(w)
            self.visit_children(child, s, _NO_IO, td + 1)
        if words:
            self.emit(words, tuple(assignments), s.via, io, s, td + 1)

    def eval_word(self, node: Node, s: _Src) -> Word:
        """Quote removal of one argument node."""
        self.tick()
        kind = node.type
        raw = _parser.node_text(node, s.src) or ""
        start, end = node.start_byte, node.end_byte
        if kind == "word" or (kind == "number" and node.named_child_count == 0):
            text, shape = unescape_unquoted(raw)
            return Word(text, shape, False, start, end)
        if kind == "raw_string":
            inner = raw[1:-1] if len(raw) >= 2 and raw.endswith("'") else raw[1:]
            return Word(inner, QUOTED * len(inner), False, start, end)
        if kind == "ansi_c_string":
            body = raw[2:-1] if len(raw) >= 3 and raw.endswith("'") else raw[2:]
            text = decode_ansi_c(body)
            return Word(text, QUOTED * len(text), False, start, end)
        if kind in ("string", "translated_string"):
            return self.eval_string(node, s)
        if kind == "ERROR":  # already reported; keep the text as bash would likely see it
            text, shape = unescape_unquoted(raw)
            return Word(text, shape, any(c in raw for c in "$`'\""), start, end)
        if kind == "concatenation":
            return self.eval_parts(node, s, list(node.children), start, end, quoted=False)
        text = raw
        return Word(text, QUOTED * len(text), True, start, end)

    def eval_string(self, node: Node, s: _Src) -> Word:
        children = list(node.children)
        start, end = node.start_byte, node.end_byte
        # Drop the opening `$"`/`"` and the closing `"` tokens; the text between is content.
        inner_start = start
        inner_end = end
        if children and not children[0].is_named and children[0].type in ('"', '$"'):
            inner_start = children[0].end_byte
            children = children[1:]
        if children and not children[-1].is_named and children[-1].type == '"':
            inner_end = children[-1].start_byte
            children = children[:-1]
        word = self.eval_parts(node, s, children, inner_start, inner_end, quoted=True)
        return Word(word.text, QUOTED * len(word.text), word.dynamic, start, end)

    def eval_parts(
        self, node: Node, s: _Src, children: list[Node], start: int, end: int, quoted: bool
    ) -> Word:
        """Join the pieces of a string or concatenation, including uncovered text between
        child nodes (literal content)."""
        texts: list[str] = []
        shapes: list[str] = []
        dynamic = False
        pos = start

        def literal(raw: str) -> None:
            if quoted:
                value = unescape_double_quoted(raw)
                texts.append(value)
                shapes.append(QUOTED * len(value))
            else:
                value, shape = unescape_unquoted(raw)
                texts.append(value)
                shapes.append(shape)

        for child in children:
            if child.start_byte > pos:
                literal(_parser.slice_text(s.src, pos, child.start_byte))
            if child.type == "string_content" or not child.is_named:
                literal(_parser.node_text(child, s.src) or "")
            elif quoted and child.type not in ("string", "raw_string"):
                raw = _parser.node_text(child, s.src) or ""
                texts.append(raw)
                shapes.append(QUOTED * len(raw))
                dynamic = True
            else:
                w = self.eval_word(child, s)
                texts.append(w.text)
                shapes.append(w.shape)
                dynamic = dynamic or w.dynamic
            pos = max(pos, child.end_byte)
        if end > pos:
            literal(_parser.slice_text(s.src, pos, end))
        return Word("".join(texts), "".join(shapes), dynamic, node.start_byte, node.end_byte)

    # -- emitting and unwrapping -----------------------------------------------------------------

    def emit(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        io: _IO,
        s: _Src,
        td: int,
    ) -> None:
        """Record the command ``words`` and everything it runs in turn."""
        if not words:
            return
        if td > MAX_TREE_DEPTH:
            self.reason(REASON_TOO_DEEP)
            return
        self.tick()
        prog = words[0]
        if prog.dynamic:
            argv0, path = prog.text, None
        else:
            argv0, path = _normalize_program(prog.text)
        argv = (argv0, *(w.text for w in words[1:]))
        self.commands.append(Command(argv, path, assignments, via))
        if prog.dynamic:
            self.reason(REASON_DYNAMIC_PROGRAM)
            return
        if has_pattern(prog.shape):
            self.reason(REASON_PATTERN_PROGRAM)
            return
        # A relative path (./sudo) is some local file; it is still unwrapped like the tool it
        # is named after: that can only add commands, and the outer command stays listed.
        name = argv0.rsplit("/", 1)[-1] or argv0
        family = interpreter_family(name)
        if family is not None and not io.xargs and (io.piped or io.feeds):
            self.stdin_code(name, family, words, io, s, via, td)
        self.unwrap(name, family, words, assignments, via, io, s, td)

    def stdin_code(
        self,
        name: str,
        family: str,
        words: list[Word],
        io: _IO,
        s: _Src,
        via: tuple[str, ...],
        td: int,
    ) -> None:
        """An interpreter whose stdin is a pipe or a heredoc/herestring: if it reads its
        program from stdin, report it; a literal heredoc/herestring fed to a shell is analysed
        as a nested script as well (bash expands an unquoted heredoc first: dynamic)."""
        if not reads_code_from_stdin(family, words):
            return
        if io.feeds:
            self.reason(REASON_STDIN_INTERPRETER)
            if family in ("shell", "source"):
                for feed in io.feeds:
                    if feed.dynamic:
                        self.reason(REASON_DYNAMIC_SCRIPT)
                    self.script(feed.text, (*via, f"{name} <<"), s.depth + 1, td + 1)
        if io.piped:
            self.reason(REASON_PIPE_INTO_INTERPRETER)

    def unwrap(
        self,
        name: str,
        family: str | None,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        io: _IO,
        s: _Src,
        td: int,
    ) -> None:
        if family == "shell":
            self.nested_shell(name, words, via, io, s, td)
            return
        if name == "eval":
            self.reason(REASON_EVAL)
            if len(words) > 1:
                code = " ".join(w.text for w in words[1:])
                self.script(code, (*via, "eval"), s.depth + 1, td + 1)
            return
        if name == "trap":
            self.trap(words, via, s, td)
            return
        if name == "alias":
            for w in words[1:]:
                if "=" in w.text:
                    self.script(w.text.split("=", 1)[1], (*via, "alias"), s.depth + 1, td + 1)
            return
        if name == "su":
            self.su(words, via, s, td)
            return
        if name == "find":
            self.find_exec(words, assignments, via, s, td)
            return
        wrapper = WRAPPERS.get(name)
        if wrapper is None:
            return
        inner = wrapper(words)
        if inner is None or inner.index >= len(inner.words):
            return
        inner_words = inner.words[inner.index :]
        inner_io = io
        if name == "xargs":
            inner_io = _IO(xargs=True)
            if inner.placeholder:
                ph = inner.placeholder
                inner_words = [w.with_dynamic() if ph in w.text else w for w in inner_words]
        self.emit(inner_words, assignments + inner.assignments, (*via, name), inner_io, s, td + 1)

    def nested_shell(
        self, name: str, words: list[Word], via: tuple[str, ...], io: _IO, s: _Src, td: int
    ) -> None:
        sh = shell_args(words)
        if sh.c_flag is not None:
            if sh.operand < len(words):
                script = words[sh.operand]
                if script.dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.script(script.text, (*via, f"{name} {sh.c_flag}"), s.depth + 1, td + 1)
            elif io.xargs:
                self.reason(REASON_DYNAMIC_SCRIPT)
        elif io.xargs and (sh.operand >= len(words) or words[sh.operand].dynamic):
            self.reason(REASON_DYNAMIC_SCRIPT)

    def trap(self, words: list[Word], via: tuple[str, ...], s: _Src, td: int) -> None:
        args = words[1:]
        if args and args[0].text == "--":
            args = args[1:]
        if len(args) < 2 or args[0].text.startswith("-"):
            return
        action = args[0]
        if action.dynamic:
            self.reason(REASON_DYNAMIC_SCRIPT)
        if action.text:
            self.script(action.text, (*via, "trap"), s.depth + 1, td + 1)

    def su(self, words: list[Word], via: tuple[str, ...], s: _Src, td: int) -> None:
        for i in range(1, len(words)):
            a = words[i].text
            script: Word | None = None
            if a in ("-c", "--command", "--session-command") and i + 1 < len(words):
                script = words[i + 1]
            elif a.startswith(("--command=", "--session-command=")):
                value = a.split("=", 1)[1]
                script = Word(value, value, words[i].dynamic)
            if script is not None:
                if script.dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.script(script.text, (*via, "su -c"), s.depth + 1, td + 1)
                return

    def find_exec(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        s: _Src,
        td: int,
    ) -> None:
        i = 1
        n = len(words)
        while i < n:
            flag = words[i].text
            if flag not in ("-exec", "-execdir", "-ok", "-okdir"):
                i += 1
                continue
            j = i + 1
            inner: list[Word] = []
            while j < n:
                t = words[j].text
                if t == ";" or (t == "+" and inner and inner[-1].text == "{}"):
                    break
                inner.append(words[j].with_dynamic() if "{}" in t else words[j])
                j += 1
            if inner:
                self.emit(inner, assignments, (*via, f"find {flag}"), _IO(xargs=True), s, td + 1)
            i = j + 1


def _valid_assignment_node(node: Node, s: _Src) -> bool:
    """Whether a tree-sitter ``variable_assignment`` is one for bash: its name must be an
    identifier (tree-sitter-bash also accepts ``9=x``, ``-0X=y``, ``@X=y``)."""
    name = node.child_by_field_name("name")
    if name is None:
        return False
    if name.type == "subscript":  # a[i]=x
        name = name.child_by_field_name("name")
        if name is None:
            return False
    text = _parser.node_text(name, s.src) or ""
    return is_assignment_word(text + "=")


def _is_unquoted_assignment(word: Word) -> bool:
    """``NAME=...`` where the name and ``=`` were written unquoted (``"A"=1`` is a word)."""
    if word.dynamic or not is_assignment_word(word.text):
        return False
    eq = word.text.index("=")
    return word.shape[: eq + 1] == word.text[: eq + 1]


def _has_uncovered_text(src: bytes, spans: list[tuple[int, int]], end: int) -> bool:
    pos = 0
    for a, b in sorted(spans):
        if a > pos and not _blank_only(src[pos:a]):
            return True
        pos = max(pos, b)
    return end > pos and not _blank_only(src[pos:end])


def _merge_adjacent(words: list[Word], src: bytes) -> list[Word]:
    """Join argument nodes that bash sees as one word: tree-sitter-bash splits ``r\\<newline>m``
    into two words, and gives ``$"..."`` as a ``$`` token next to a string."""
    if len(words) < 2:
        return words
    words = sorted(words, key=lambda w: w.start)
    out = [words[0]]
    for w in words[1:]:
        prev = out[-1]
        if prev.end >= 0 and w.start >= prev.end:
            gap = src[prev.end : w.start]
            if not gap.replace(b"\\\n", b""):
                if prev.dollar and src[w.start : w.start + 1] == b'"':
                    out[-1] = w  # $"..." is a (locale-translated) double-quoted string
                    continue
                out[-1] = Word(
                    prev.text + w.text,
                    prev.shape + w.shape,
                    prev.dynamic or w.dynamic,
                    prev.start,
                    w.end,
                )
                continue
        out.append(w)
    return out


def _fast_split(script: str) -> list[Word] | None:
    """The words of a one-line script of plain characters only (no quotes, expansions,
    operators, globs or reserved words), which needs no parser; None when the full parse is
    needed. Equivalent to the tree-sitter path on such scripts (tested)."""
    if len(script) > 4096 or not all(c in _FAST_CHARS for c in script):
        return None
    parts = script.split()
    i = 0
    while i < len(parts) and is_assignment_word(parts[i]):
        i += 1
    if i < len(parts) and parts[i] in _RESERVED:
        return None
    return [Word(p, p) for p in parts]


# ---------------------------------------------------------------------------------------------
# Entry points


def analyze_script(script: str) -> Analysis:
    """Every command a bash script would run, as far as this version can see.

    Args:
        script: bash source text (what ``bash -c`` would receive). Any string is accepted,
            including binary junk and NUL bytes.

    Returns:
        An :class:`Analysis`: ``commands`` in source order (nested ``bash -c`` scripts,
        ``eval`` strings, substitutions, wrapper targets included, with ``via`` set) and
        ``unsupported``, one reason per construct that could run code this version cannot
        enumerate (substitutions, ``eval``, ``… | sh``, heredocs into interpreters, dynamic
        program names, parse errors, exhausted work bounds ...).

    Never raises: a non-string input, a parse failure or an internal error gives an Analysis
    with a reason. Work is bounded (:data:`MAX_SCRIPT_BYTES`, :data:`MAX_NODES`,
    :data:`MAX_SCRIPT_DEPTH`, :data:`MAX_TREE_DEPTH`).

    Algorithm: tree-sitter-bash 0.25.1 as in Codex ``shell-command/src/bash.rs``
    (execpolicy.md §5), walked in full instead of refused; bash quoting rules for words.
    """
    analyzer = _Analyzer()
    if not isinstance(script, str):
        return Analysis((), (REASON_NOT_TEXT,))
    try:
        analyzer.script(script, (), 0, 0)
    except _Budget:
        analyzer.reason(REASON_TOO_LARGE)
    except RecursionError:
        analyzer.reason(REASON_TOO_DEEP)
    except Exception as exc:  # the hook must get an answer whatever happens
        analyzer.reason(f"{REASON_INTERNAL} ({type(exc).__name__})")
    return analyzer.result()


def _is_top_shell(program: str) -> bool:
    if "/" not in program:
        return program in _TOP_SHELLS
    head, _, base = program.rpartition("/")
    return base in _TOP_SHELLS and head in _SYSTEM_BIN_DIRS


def analyze_argv(argv: Sequence[str]) -> Analysis:
    """Analyse a command given as argv (what an exec-style tool call runs).

    Args:
        argv: the program and its arguments. ``[bash|zsh|sh|dash, -c|-lc, SCRIPT, ...]``
            (bare name or in a system bin directory such as ``/bin``) is unwrapped to
            :func:`analyze_script` of SCRIPT, with ``via`` left empty since the shell is only
            the transport. Any other argv is one command whose words are taken literally (no
            shell quoting applies), then unwrapped like a script command (``sudo``, ``env``,
            ``bash -c`` elsewhere ...).

    Returns:
        An :class:`Analysis` as for :func:`analyze_script`. Never raises; a non-sequence or
        non-string elements give an Analysis with a reason.
    """
    try:
        if isinstance(argv, (str, bytes)) or not all(isinstance(a, str) for a in argv):
            return Analysis((), (REASON_NOT_TEXT,))
        args = list(argv)
    except Exception:
        return Analysis((), (REASON_NOT_TEXT,))
    if not args:
        return Analysis()
    if len(args) >= 3 and args[1] in ("-c", "-lc") and _is_top_shell(args[0]):
        return analyze_script(args[2])
    analyzer = _Analyzer()
    try:
        words = [Word.literal(a) for a in args]
        analyzer.emit(words, (), (), _NO_IO, _Src(b"", (), 0), 0)
    except _Budget:
        analyzer.reason(REASON_TOO_LARGE)
    except RecursionError:
        analyzer.reason(REASON_TOO_DEEP)
    except Exception as exc:
        analyzer.reason(f"{REASON_INTERNAL} ({type(exc).__name__})")
    return analyzer.result()
