"""codex-guard's own shell analysis: every command a bash script would run.

Where :mod:`codex_guard.shell.codex_split` refuses anything but plain word-only scripts (as
Codex does, execpolicy.md §5), this module looks *through* the shell: it parses with the same
tree-sitter-bash 0.25.1 grammar as Codex (``shell-command/src/bash.rs``) but walks every
construct, performs bash quote removal on each word, strips ``VAR=value`` prefixes and
absolute program paths, unwraps wrappers (``sudo``, ``env``, ``nice``, ``timeout``,
``xargs`` ...) and nested shells (``bash -c '...'``, ``eval``), and records a human-readable
reason for every construct whose effect it cannot see statically (``unsupported``).

Plain-word scripts are analysed here without the parser (:func:`_fast_split`); anything else
is parsed and walked by :mod:`codex_guard.shell._walk`, which extends the analyzer of this module.

The contract is "never silently harmless": a construct that may run code this module cannot
enumerate always produces a reason, and :func:`analyze_script` / :func:`analyze_argv` never
raise, whatever the input.
"""

from __future__ import annotations

import time

from ._files import (
    XARGS_INPUT,
    change_dir,
    file_key,
    find_roots,
    found_below,
    listed_paths,
    resolve_relative,
    user_homes,
    xargs_items,
)
from ._words import (
    QUOTED,
    Word,
    has_pattern,
    is_assignment_word,
)
from ._wrappers import (
    COMMAND_OPTIONS,
    WRAPPERS,
    command_option_values,
    interpreter_family,
    option_value_skip,
    reads_code_from_stdin,
    shell_args,
    take_assignments,
)

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from tree_sitter import Node

    from . import _static
else:

    class _OnFirstUse:
        """A submodule imported when first used: the static-output helpers (``_static``),
        which plain-word scripts rarely need (issue 8). The parser and the tree walk are in
        :mod:`codex_guard.shell._walk`, loaded by ``_Analyzer.parse_script``."""

        __slots__ = ("_module", "_name")

        def __init__(self, name: str) -> None:
            self._name = name
            self._module = None

        def __getattr__(self, attr: str) -> object:
            if self._module is None:
                self._module = __import__(self._name, fromlist=["_"])
            return getattr(self._module, attr)

    _static = _OnFirstUse(f"{__package__}._static")

__all__ = [
    "REASON_BACKTICK",
    "REASON_BAD_UNICODE",
    "REASON_COMMAND_SUBSTITUTION",
    "REASON_DEV_TCP",
    "REASON_DYNAMIC_PROGRAM",
    "REASON_DYNAMIC_SCRIPT",
    "REASON_EVAL",
    "REASON_FORK_BOMB",
    "REASON_GIT_CODE_CONFIG",
    "REASON_INLINE_CODE",
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
    "REASON_TIME_BUDGET",
    "REASON_TOO_DEEP",
    "REASON_TOO_LARGE",
    "REASON_TOO_MANY_COMMANDS",
    "REASON_TOO_MANY_WORDS",
    "REASON_UNPARSED_TEXT",
    "Analysis",
    "Command",
    "analyze_argv",
    "analyze_script",
    "is_plain",
]

# ---------------------------------------------------------------------------------------------
# Public data model


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
        redirects: ``(operator, target)`` per redirection, target after quote removal and
            variable resolution (``("2>", "/dev/null")``, ``(">>", "~/.bashrc")``); a heredoc
            is ``("<<", "")``, a herestring ``("<<<", TEXT)``.
        stdin_from: basenames of the commands upstream in the same pipeline (``curl x | sh``
            gives ``sh`` ``("curl",)``), ``"<<"``/``"<<<"`` when fed by a heredoc/herestring.
        dynamic: argv indices whose value is only known at run time (after substituting what
            the analysis knows: same-script assignments, ``$HOME`` -> ``~``, ``$TMPDIR`` ->
            ``/tmp``, ``$(echo x)``). Such words keep their source text (``$X``).
        sources: ``(index, programs)``: the programs whose output makes up argv[index]
            (``$(curl …)``, ``<(wget …)``, a file an earlier ``curl -o`` downloaded).
        cwd: the working directory after the script's earlier ``cd``/``pushd``: None when
            unchanged (the session's), an absolute or ``~`` path (``cd ~`` -> ``"~"``), a
            path relative to the session's directory (``cd ../x`` -> ``"../x"``), or ``""``
            when only known at run time (``cd "$D"``, ``cd -``).
        stdin: the text of each heredoc/herestring that feeds the command, as written (an
            unquoted heredoc's ``$X`` left unexpanded); not part of equality.
    """

    # every field but ``stdin``, which is not part of equality or repr
    _COMPARED = (
        "argv",
        "program_path",
        "assignments",
        "via",
        "redirects",
        "stdin_from",
        "dynamic",
        "sources",
        "cwd",
    )
    __slots__ = (*_COMPARED, "stdin")

    argv: tuple[str, ...]
    program_path: str | None
    assignments: tuple[str, ...]
    via: tuple[str, ...]
    redirects: tuple[tuple[str, str], ...]
    stdin_from: tuple[str, ...]
    dynamic: frozenset[int]
    sources: tuple[tuple[int, tuple[str, ...]], ...]
    cwd: str | None
    stdin: tuple[str, ...]

    def __init__(
        self,
        argv: tuple[str, ...],
        program_path: str | None = None,
        assignments: tuple[str, ...] = (),
        via: tuple[str, ...] = (),
        redirects: tuple[tuple[str, str], ...] = (),
        stdin_from: tuple[str, ...] = (),
        dynamic: frozenset[int] = frozenset(),
        sources: tuple[tuple[int, tuple[str, ...]], ...] = (),
        cwd: str | None = None,
        stdin: tuple[str, ...] = (),
    ) -> None:
        self.argv = argv
        self.program_path = program_path
        self.assignments = assignments
        self.via = via
        self.redirects = redirects
        self.stdin_from = stdin_from
        self.dynamic = dynamic
        self.sources = sources
        self.cwd = cwd
        self.stdin = stdin

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._COMPARED)

    def __eq__(self, other: object) -> bool:
        return type(other) is Command and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Command(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._COMPARED) + ")"


class Analysis:
    """The result of analysing a script or an argv.

    Attributes:
        commands: every command that would run, in source order; a wrapped command appears
            both as the wrapper invocation and, right after it, as the inner command.
        unsupported: one human-readable reason per kind of construct this version cannot see
            through (deduplicated, in order of first occurrence). Empty means every command
            that can run is listed in ``commands``.
        assignments: ``NAME=value`` statements of the script (not command prefixes), after
            quote removal, e.g. ``PATH=/tmp/x:$PATH``, in source order.
    """

    __slots__ = ("assignments", "commands", "unsupported")

    commands: tuple[Command, ...]
    unsupported: tuple[str, ...]
    assignments: tuple[str, ...]

    def __init__(
        self,
        commands: tuple[Command, ...] = (),
        unsupported: tuple[str, ...] = (),
        assignments: tuple[str, ...] = (),
    ) -> None:
        self.commands = commands
        self.unsupported = unsupported
        self.assignments = assignments

    def __eq__(self, other: object) -> bool:
        return type(other) is Analysis and (
            self.commands,
            self.unsupported,
            self.assignments,
        ) == (other.commands, other.unsupported, other.assignments)

    def __hash__(self) -> int:
        return hash((self.commands, self.unsupported, self.assignments))

    def __repr__(self) -> str:
        return (
            f"Analysis(commands={self.commands!r}, unsupported={self.unsupported!r}, "
            f"assignments={self.assignments!r})"
        )


REASON_PARSE_ERROR = "parse error"
REASON_COMMAND_SUBSTITUTION = "command substitution $(…)"
REASON_BACKTICK = "backtick substitution"
REASON_PROCESS_SUBSTITUTION = "process substitution <(…)/>(…)"
REASON_EVAL = "eval"
REASON_PIPE_INTO_INTERPRETER = "pipe into a shell interpreter (… | sh)"
REASON_STDIN_INTERPRETER = "heredoc/herestring feeding an interpreter"
REASON_DYNAMIC_PROGRAM = "dynamic program name ($VAR)"
REASON_PATTERN_PROGRAM = "glob or brace expansion in program name"
REASON_DYNAMIC_SCRIPT = 'program text only known at run time (bash -c "$X", python -c "$X")'
REASON_RECURSIVE_FUNCTION = "recursive shell function (possible fork bomb)"
REASON_FORK_BOMB = "fork bomb (a function that runs itself in a pipe or in the background)"
REASON_UNPARSED_TEXT = "text the parser could not place"
REASON_TOO_DEEP = "nesting too deep; analysis truncated"
REASON_TOO_LARGE = "script too large; analysis truncated"
REASON_TOO_MANY_COMMANDS = "too many commands; analysis truncated"
REASON_TOO_MANY_WORDS = "command with too many words; analysis truncated"
REASON_TOO_MANY_CALLS = "too many function calls; analysis truncated"
REASON_TIME_BUDGET = "analysis time budget exhausted; analysis truncated"
REASON_PARSE_BUDGET = "parse time budget exhausted; analysis truncated"
REASON_NUL = "NUL byte in script (removed before analysis)"
REASON_BAD_UNICODE = "lone surrogate in script (replaced before analysis)"
REASON_INTERNAL = "internal analysis error"
REASON_NOT_TEXT = "input is not text"
REASON_TOO_MANY_VALUES = "a word may take too many values; analysis truncated"
REASON_DEV_TCP = "network redirection (/dev/tcp or /dev/udp)"
REASON_GIT_CODE_CONFIG = "git -c setting that runs a command (alias !…, core.sshCommand, pager …)"
REASON_INLINE_CODE = "code run by an interpreter (-c/-e) that is not fully analysed"
REASON_INTERACTIVE = (
    "a shell or interpreter with no script or -c reads its program from the terminal: what is "
    "typed into it later (Codex's write_stdin) is not seen by hooks"
)

# Same-script values of a few environment variables, in the spelling rules expect.
_ENV_VALUES: dict[str, list[tuple[str, bool]]] = {
    "HOME": [("~", False)],
    "TMPDIR": [("/tmp", False)],
    "PWD": [(".", False)],
    "IFS": [(" \t\n", False)],
}
# Environment variables whose value is a command line the program runs (git(1), man(1) ...).
_CODE_VARIABLES = frozenset(
    {
        "GIT_SSH_COMMAND",
        "GIT_EXTERNAL_DIFF",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "GIT_PAGER",
        "GIT_ASKPASS",
        "GIT_PROXY_COMMAND",
        "PAGER",
        "MANPAGER",
        "EDITOR",
        "VISUAL",
        "SSH_ASKPASS",
        "SUDO_ASKPASS",
        "PROMPT_COMMAND",
    }
)
_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "scp", "rsync"})
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk"})
# Interpreter options whose value is program text.
_INLINE_FLAGS: dict[str, tuple[str, ...]] = {
    "python": ("-c",),
    "node": ("-e", "--eval", "-p", "--print"),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "php": ("-r",),
    "lua": ("-e",),
    "tcl": ("-c",),
    "r": ("-e",),
    "osascript": ("-e",),
}
# git -c keys whose value is a command git runs (git-config(1)).
_GIT_CODE_KEYS = frozenset(
    {
        "core.sshcommand",
        "core.pager",
        "core.editor",
        "core.fsmonitor",
        "core.hookspath",
        "core.askpass",
        "core.gitproxy",
        "core.alternaterefscommand",
        "diff.external",
        "credential.helper",
        "sequence.editor",
        "gpg.program",
        "gpg.ssh.program",
        "uploadpack.packobjectshook",
        "receive.procreceiverefs",
        "protocol.allow",
    }
)
_GIT_VALUE_OPTIONS = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"}
)
MAX_FUNCTION_CALLS = 32  # function bodies re-analysed with their call's arguments
MAX_VARIANTS = 16  # commands emitted per source command for words with several values

# Work bounds (the hook must answer quickly on hostile input).
MAX_SCRIPT_BYTES = 256 * 1024  # longer scripts are analysed on their first 256 KiB only
MAX_NODES = 100_000  # syntax nodes visited over the whole analysis, nested scripts included
MAX_SCRIPT_DEPTH = 8  # nested scripts: bash -c, eval, su -c, heredoc into a shell, ...
MAX_TREE_DEPTH = 150  # syntax nesting plus wrapper chain (bounds Python recursion)
PARSE_BUDGET = 0.3  # seconds of tree-sitter time per analysis, nested scripts included
ANALYSIS_BUDGET = 0.45  # seconds for the whole analysis (parse and walk), checked every 256 nodes
MAX_COMMANDS = 500  # commands listed per analysis (each is matched against every rule)
MAX_WORDS = 512  # words per command; longer commands are judged on their first 512
MAX_UPSTREAM = 32  # programs remembered upstream of a pipeline stage

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


# A `~` word on its own (see the tree-sitter-bash workaround in _Analyzer.script_body); compiled
# on the parser path only, so plain-word scripts never import `re` (start-up time, issue 8).


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

    __slots__ = ("feeds", "paths", "piped", "text", "upstream", "xargs")

    def __init__(
        self,
        piped: bool = False,
        feeds: tuple[_Feed, ...] = (),
        xargs: bool = False,
        upstream: tuple[str, ...] = (),
        text: bytes | None = None,
        paths: list[tuple[str, bool]] | None = None,
    ) -> None:
        self.piped = piped
        self.feeds = feeds
        self.xargs = xargs
        self.upstream = upstream  # basenames of the pipeline's earlier commands
        self.text = text  # what the pipe carries, when statically known
        self.paths = paths  # or: the paths it lists, as (spelling, dynamic)


_NO_IO = _IO()

# Arguments that make an interpreter print and exit instead of reading a program.
_INFO_ARGS = frozenset({"--version", "-V", "--help", "-h", "-help", "-version", "-?"})
_INFO_V = frozenset({"node", "perl", "ruby", "php", "lua", "tcl", "r", "pwsh"})  # -v = version


def reads_from_terminal(
    family: str, words: list[Word], redirects: tuple[tuple[str, str], ...], xargs: bool
) -> bool:
    """Whether this interpreter, with no pipe or heredoc feeding it, reads its program from
    the terminal (``bash``, ``sh -i``, ``python3``, ``node``): later input reaches it through
    Codex's ``write_stdin``, which fires no hook (codex-hooks.md §5). A script operand, ``-c``/
    ``-e``/``-m``, a ``< file`` redirect or ``--version``/``--help`` rule it out."""
    if family in ("iex", "source") or xargs or not reads_code_from_stdin(family, words):
        return False
    if any(op == "<" and t not in ("/dev/tty", "/dev/stdin") for op, t in redirects):
        return False
    info = _INFO_ARGS | ({"-v"} if family in _INFO_V else frozenset())
    return not any(w.text in info for w in words[1:])


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
        self.time_limit = time.monotonic() + ANALYSIS_BUDGET
        # Same-script variables: name -> every (value, dynamic) it may hold.
        self.vars: dict[str, list[tuple[str, bool]]] = {}
        self.stage_words: list[Word] | None = None  # words of the last simple command
        self.stage_stdin: bytes | None = None  # its heredoc/herestring, when literal
        self.downloads: dict[str, str] = {}  # file path -> downloader that wrote it
        self.assigned: list[str] = []  # NAME=value statements
        self.cwd: str | None = None  # see Command.cwd
        self.scopes: list[dict[str, list[tuple[str, bool]] | None]] = []  # undo maps
        self.arrays: dict[str, list[list[tuple[str, bool]]]] = {}  # name -> possible arrays
        self.functions: dict[str, tuple[Node, _Src, int]] = {}  # name -> body, defined so far
        self.called: set[str] = set()
        self.calling: set[str] = set()
        self.function_calls = 0

    # -- bookkeeping ---------------------------------------------------------------------------

    def reason(self, text: str) -> None:
        self.reasons.setdefault(text, None)

    def result(self) -> Analysis:
        return Analysis(tuple(self.commands), tuple(self.reasons), tuple(self.assigned))

    def tick(self) -> None:
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise _Budget(REASON_TOO_LARGE)
        if self.nodes_left & 255 == 0 and time.monotonic() > self.time_limit:
            raise _Budget(REASON_TIME_BUDGET)

    # -- scripts -------------------------------------------------------------------------------

    def script(self, script: str, via: tuple[str, ...], depth: int, tdepth: int) -> None:
        """Analyse ``script`` (a nested one when depth > 0, in its own variable scope)."""
        if depth == 0:
            self.script_body(script, via, depth, tdepth)
            return
        scope = self.enter_scope()
        try:
            self.script_body(script, via, depth, tdepth)
        finally:
            self.leave_scope(scope)

    def script_body(self, script: str, via: tuple[str, ...], depth: int, tdepth: int) -> None:
        if depth > MAX_SCRIPT_DEPTH or tdepth > MAX_TREE_DEPTH:
            self.reason(REASON_TOO_DEEP)
            return
        if "\x00" in script:
            self.reason(REASON_NUL)
            script = script.replace("\x00", "")
        fast = _fast_split(script)
        if fast is not None:
            for stages in fast:
                if len(stages) == 1:
                    self.plain_command(stages[0], _NO_IO, via, depth, tdepth)
                else:
                    self.plain_pipeline(stages, via, depth, tdepth)
            return
        self.parse_script(script, via, depth, tdepth)

    # -- the parser path: shell/_walk.py ---------------------------------------------------------

    def parse_script(self, script: str, via: tuple[str, ...], depth: int, tdepth: int) -> None:
        """Parse ``script`` and walk its tree (:class:`codex_guard.shell._walk.Walker`, loaded
        with the parser on first use: plain-word scripts need neither). This analyzer becomes
        a ``Walker`` from here on."""
        from ._walk import Walker

        self.__class__ = Walker
        self.parse_script(script, via, depth, tdepth)

    def call_function(self, name: str, words: list[Word], td: int) -> None:
        """Run the body of function ``name`` (defined on the parser path, so this analyzer is a
        :class:`codex_guard.shell._walk.Walker` whenever a function exists)."""
        from ._walk import Walker

        self.__class__ = Walker
        self.call_function(name, words, td)

    # -- plain words and pipelines (no parser), stages, functions' positionals -----------------

    def plain_command(
        self, words: list[Word], io: _IO, via: tuple[str, ...], depth: int, tdepth: int
    ) -> None:
        """One simple command of plain words (the parser-free path, :func:`_fast_split`), as
        :meth:`command` handles a ``command`` node: leading assignments, the word bound, the
        command itself, the files a downloader writes, and the words a pipeline stage keeps."""
        i, assignments = take_assignments(words, 0)
        if i == len(words):  # assignment statements: remembered for later $NAME
            self.assigned.extend(assignments)
            for a in assignments:
                name, _, value = a.partition("=")
                if not name.endswith("+"):
                    self.set_var(name, [(value, False)], depth)
            return
        words = words[i:]
        if len(words) > MAX_WORDS:
            self.reason(REASON_TOO_MANY_WORDS)
            words = words[:MAX_WORDS]
        self.emit(words, assignments, via, io, _Src(b"", via, depth), tdepth)
        self.note_download(words, [])
        self.stage_words = words

    def plain_pipeline(
        self, stages: list[list[Word]], via: tuple[str, ...], depth: int, tdepth: int
    ) -> None:
        """``a | b | c`` of plain words, as :meth:`stages` walks a ``pipeline`` node."""
        scope = self.enter_scope()  # every stage runs in a subshell
        try:
            upstream: tuple[str, ...] = ()
            text: bytes | None = None
            paths: list[tuple[str, bool]] | None = None
            for k, words in enumerate(stages):
                before = len(self.commands)
                self.stage_words = None
                self.stage_stdin = None
                self.plain_command(
                    words, _IO(k > 0, (), False, upstream, text, paths), via, depth, tdepth
                )
                text = self.words_output(text)
                paths = listed_paths(self.stage_words or [])
                upstream = self.upstream_after(upstream, before)
        finally:
            self.leave_scope(scope)

    def stage_text(self, child: Node, stage_in: bytes | None) -> bytes | None:
        """What the simple command just visited writes to the pipe, when statically known."""
        simple = child.type == "command" or (
            child.type == "redirected_statement"
            and (body := child.child_by_field_name("body")) is not None
            and body.type == "command"
        )
        return self.words_output(stage_in) if simple else None

    def words_output(self, stage_in: bytes | None) -> bytes | None:
        """What the simple command whose words were kept (``stage_words``) writes to stdout
        given ``stage_in``, when statically known."""
        words = self.stage_words
        if not words or any(w.dynamic or w.alts for w in words):
            return None
        argv = [_normalize_program(words[0].text)[0], *(w.text for w in words[1:])]
        return _static.stage_output(
            argv, self.stage_stdin if self.stage_stdin is not None else stage_in
        )

    def upstream_after(self, upstream: tuple[str, ...], before: int) -> tuple[str, ...]:
        new = (c.argv[0].rsplit("/", 1)[-1] for c in self.commands[before:])
        return tuple(dict.fromkeys((*upstream, *new)))[:MAX_UPSTREAM]

    def finish(self) -> None:
        """Analyse the functions the script defined but never called (no arguments known)."""
        for name in list(self.functions):
            if name not in self.called:
                self.call_function(name, [Word.literal(name), Word("$1", QUOTED * 2, True)], 0)

    def bind_positionals(
        self, args: list[Word], zero: Word | None = None
    ) -> dict[str, list[tuple[str, bool]] | None]:
        """Set ``$0``, ``$1``…``$9``, ``$#``, ``$@``/``$*`` (each argument as one possible
        value); returns what to :meth:`restore`."""
        names = ("0", "@", "*", "#", *map(str, range(1, 10)))
        saved = {k: self.vars.get(k) for k in names}
        if zero is not None:
            self.vars["0"] = [(zero.text, zero.dynamic)]
        for i in range(1, 10):
            w = args[i - 1] if i <= len(args) else None
            self.vars[str(i)] = [(w.text, w.dynamic)] if w is not None else [("", False)]
        self.vars["#"] = [(str(len(args)), False)]
        joined = " ".join(w.text for w in args)  # field-split back into the arguments
        self.vars["@"] = self.vars["*"] = [(joined, any(w.dynamic for w in args))]
        return saved

    def restore(self, saved: dict[str, list[tuple[str, bool]] | None]) -> None:
        """Undo :meth:`bind_positionals`."""
        for k, v in saved.items():
            if v is None:
                self.vars.pop(k, None)
            else:
                self.vars[k] = v

    # -- commands --------------------------------------------------------------------------------

    def note_download(self, words: list[Word], redirects: list[tuple[str, str]]) -> None:
        """Remember files a downloader writes (``curl -o F``, ``wget -O F``, ``curl … > F``)."""
        if not words:
            return
        name = words[0].text.rsplit("/", 1)[-1]
        if name not in _DOWNLOADERS:
            return
        letter = "o" if name == "curl" else "O"
        for i, w in enumerate(words[1:], 1):
            a = w.text
            if a.startswith(("--output=", "--output-document=")):
                self.downloads[file_key(a.split("=", 1)[1])] = name
            elif a in ("--output", "--output-document") and i + 1 < len(words):
                self.downloads[file_key(words[i + 1].text)] = name
            elif a.startswith("-") and not a.startswith("--") and letter in a:
                rest = a[a.index(letter) + 1 :]
                if rest:
                    self.downloads[file_key(rest)] = name
                elif i + 1 < len(words):
                    self.downloads[file_key(words[i + 1].text)] = name
        for op, target in redirects:
            if op.lstrip("1") in (">", ">>", ">|", "&>") and target:
                self.downloads[file_key(target)] = name

    # -- variables -------------------------------------------------------------------------------

    def set_var(
        self,
        name: str,
        values: list[tuple[str, bool]],
        depth: int,
        old: list[tuple[str, bool]] | None = None,
    ) -> None:
        """Give ``name`` these values (scopes merge old values back: :meth:`leave_scope`)."""
        if self.scopes and name not in self.scopes[-1]:
            self.scopes[-1][name] = self.vars.get(name)
        self.vars[name] = _dedupe(values)

    def enter_scope(self) -> dict[str, list[tuple[str, bool]] | None]:
        """Start a part of the script that may not run, or runs in a subshell or another
        shell (branches, loops, subshells, substitutions, pipeline stages, nested scripts):
        inside, assignments apply in order; see :meth:`leave_scope`. O(1)."""
        undo: dict[str, list[tuple[str, bool]] | None] = {}
        self.scopes.append(undo)
        return undo

    def leave_scope(self, undo: dict[str, list[tuple[str, bool]] | None]) -> None:
        """After such a part, a variable it assigned may hold its value from before or from
        inside. Costs the number of variables the part assigned."""
        if self.scopes and self.scopes[-1] is undo:
            self.scopes.pop()
        parent = self.scopes[-1] if self.scopes else None
        for name, old in undo.items():
            if parent is not None and name not in parent:
                parent[name] = old
            before = old if old is not None else _ENV_VALUES.get(name, [("$" + name, True)])
            self.vars[name] = _dedupe(before + self.vars.get(name, []))

    def lookup(self, name: str) -> list[tuple[str, bool]] | None:
        """The values of a variable: same-script assignments, else the few environment
        variables whose meaning is known (HOME -> ``~``, TMPDIR -> ``/tmp``), else None."""
        if name in self.vars:
            return self.vars[name]
        return _ENV_VALUES.get(name)

    # -- emitting and unwrapping -----------------------------------------------------------------

    def emit(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        io: _IO,
        s: _Src,
        td: int,
        redirects: tuple[tuple[str, str], ...] = (),
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
        dynamic = frozenset(i for i, w in enumerate(words) if w.dynamic)
        base_shape = prog.shape.rsplit("/", 1)[-1]
        if not prog.dynamic and has_pattern(base_shape):
            dynamic |= {0}  # /usr/bin/r? : the program is whatever the glob matches
        sources = [(i, w.sources) for i, w in enumerate(words) if w.sources]
        sources += [
            (i, (self.downloads[file_key(w.text)],))
            for i, w in enumerate(words)
            if not w.dynamic and file_key(w.text) in self.downloads
        ]
        stdin_from = io.upstream + tuple(op for op, _t in redirects if op in ("<<", "<<<"))
        if len(self.commands) >= MAX_COMMANDS:
            raise _Budget(REASON_TOO_MANY_COMMANDS)
        self.commands.append(
            Command(
                argv,
                path,
                assignments,
                via,
                redirects,
                stdin_from,
                dynamic,
                tuple(sources),
                self.cwd,
                tuple(f.text for f in io.feeds),
            )
        )
        if self.cwd and self.cwd[0] in "/~" and not prog.dynamic:
            resolved = resolve_relative(words, self.cwd)
            if resolved is not None:  # `cd ~ && rm -rf .` also runs as `rm -rf ~`
                self.emit(resolved, assignments, (*via, f"cd {self.cwd}"), io, s, td + 1, redirects)
        homes = user_homes(words)
        if homes is not None:  # `rm -rf ~root` runs as `rm -rf /root`
            self.emit(homes, assignments, (*via, "~user"), io, s, td + 1, redirects)
        for a in assignments:
            key, _, value = a.partition("=")
            if key in _CODE_VARIABLES and value:
                self.script(value, (*via, key), s.depth + 1, td + 1)
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
        elif family is not None and reads_from_terminal(family, words, redirects, io.xargs):
            self.reason(REASON_INTERACTIVE)
        if family is not None and family != "iex":
            self.script_operand(name, family, words, dynamic, via, s, td)
        self.unwrap(name, family, words, assignments, via, io, s, td, redirects)

    def script_operand(
        self,
        name: str,
        family: str,
        words: list[Word],
        dynamic: frozenset[int],
        via: tuple[str, ...],
        s: _Src,
        td: int,
    ) -> None:
        """An interpreter running a script file only known at run time (``bash <(curl …)``,
        ``source "$F"``) runs code this analysis cannot see; ``bash <(echo …)`` runs known
        code, analysed as a nested script."""
        index = -1
        if family == "shell":
            sh = shell_args(words)
            if sh.c_flag is None and sh.operand < len(words):
                index = sh.operand
        elif family == "source" and len(words) > 1:
            index = 1
        if index < 0 or (index not in dynamic and not words[index].sources):
            return
        code = words[index].code
        if code is None:
            self.reason(REASON_DYNAMIC_SCRIPT)
        else:
            self.code(family, code, (*via, f"{name} <(…)"), s, td)

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
        """An interpreter whose stdin is a pipe or a heredoc/herestring and that reads its
        program from there. Program text known here (a literal heredoc, ``echo … | base64 -d``)
        is analysed: fully for a shell, heuristically for other languages (which keeps a
        reason); unknown program text is a reason (bash expands an unquoted heredoc first)."""
        if not reads_code_from_stdin(family, words):
            return
        shell = family in ("shell", "source")
        if io.piped and io.text is not None:
            if not shell:
                self.reason(REASON_STDIN_INTERPRETER)
            code = io.text.decode("utf-8", "replace")
            self.code(family, code, (*via, f"| {name}"), s, td)
            return
        if io.feeds:
            if not shell:
                self.reason(REASON_STDIN_INTERPRETER)
            if shell:
                for feed in io.feeds:
                    if feed.dynamic:
                        self.reason(REASON_DYNAMIC_SCRIPT)
                    self.script(feed.text, (*via, f"{name} <<"), s.depth + 1, td + 1)
            else:
                for feed in io.feeds:
                    self.code(family, feed.text, (*via, f"{name} <<"), s, td)
        if io.piped:
            self.reason(REASON_PIPE_INTO_INTERPRETER)

    def code(self, family: str, code: str, via: tuple[str, ...], s: _Src, td: int) -> None:
        """Program text an interpreter runs: a nested script for a shell, else the commands
        :func:`inline_commands` finds in it."""
        if family in ("shell", "source"):
            self.script(code, via, s.depth + 1, td + 1)
            return
        from ._inline import inline_commands  # lazily: regexes compiled only when needed

        scripts, argvs, opaque = inline_commands(family, code)
        if opaque:
            self.reason(REASON_INLINE_CODE)
        for script in scripts:
            self.script(script, via, s.depth + 1, td + 1)
        for argv in argvs:
            self.emit([Word.literal(a) for a in argv], (), via, _NO_IO, s, td + 1)

    def inline_code(
        self,
        name: str,
        family: str | None,
        words: list[Word],
        via: tuple[str, ...],
        s: _Src,
        td: int,
    ) -> None:
        """``python -c CODE``, ``node -e CODE``, ``perl -e CODE``, ``awk 'PROGRAM'`` …"""
        if family == "awk":
            i = option_value_skip(words, 1, "fvF", frozenset({"--file", "--assign"}))
            if (
                i is not None
                and i < len(words)
                and not any(w.text in ("-f", "--file") for w in words)
            ):
                if words[i].dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.code("awk", words[i].text, (*via, name), s, td)
            return
        if family is None or family in ("shell", "source", "iex", "pwsh"):
            return
        flags = _INLINE_FLAGS.get(family, ("-e",))
        for i, w in enumerate(words[1:-1], 1):
            a = w.text
            if a in flags or (
                len(a) > 2
                and a[0] == "-"
                and a[1] != "-"
                and a[-1] in "ec"
                and f"-{a[-1]}" in flags
            ):
                if words[i + 1].dynamic:  # python3 -c "$(curl …)"
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.code(family, words[i + 1].text, (*via, f"{name} {a}"), s, td)
                return

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
        redirects: tuple[tuple[str, str], ...] = (),
    ) -> None:
        if family == "shell":
            self.nested_shell(name, words, via, io, s, td)
            return
        if name in _AWKS:
            self.inline_code(name, "awk", words, via, s, td)
            return
        if family is not None:
            self.inline_code(name, family, words, via, s, td)
        if name in ("cd", "pushd"):
            self.cwd = change_dir(self.cwd, words)
            return
        if name in ("read", "mapfile", "readarray", "getopts", "printf", "let"):
            for var in _set_by(name, words):  # values only known at run time
                self.set_var(var, [("$" + var, True)], s.depth)
        if name in self.functions:
            self.call_function(name, words, td)
            return
        if name == "eval":
            if len(words) > 1:
                if any(w.dynamic for w in words[1:]):
                    self.reason(REASON_EVAL)
                code = " ".join(w.text for w in words[1:])
                self.script(code, (*via, "eval"), s.depth + 1, td + 1)
            return
        if name == "git":
            self.git(words, assignments, via, s, td, redirects)
            return
        if name in ("sed", "gsed"):
            self.sed(name, words, via, s, td)
            return
        if name in COMMAND_OPTIONS:
            for value in command_option_values(name, words):
                if value.dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.script(value.text, (*via, f"{name} option"), s.depth + 1, td + 1)
        if name in ("tar", "bsdtar", "gtar"):
            self.tar(words, via, s, td)
            return
        if name == "watch":
            self.watch(words, via, s, td)
            return
        if name == "parallel":
            self.parallel(words, assignments, via, io, s, td)
            return
        if name == "trap":
            self.trap(words, via, s, td)
            return
        if name == "alias":
            for w in words[1:]:
                if "=" in w.text:
                    self.script(w.text.split("=", 1)[1], (*via, "alias"), s.depth + 1, td + 1)
            return
        if name in ("su", "runuser"):
            self.su(words, via, s, td)
            if name == "su":
                return
        if name in ("script", "flock"):
            self.option_script(name, words, via, s, td)
        if name == "ssh":
            remote = WRAPPERS["ssh"](words)
            if remote is not None:
                code = " ".join(w.text for w in remote.words[remote.index :])
                self.script(code, (*via, "ssh"), s.depth + 1, td + 1)
            return
        if name in ("at", "batch") and (io.piped or io.feeds) and io.text is not None:
            self.script(
                io.text.decode("utf-8", "replace"), (*via, f"| {name}"), s.depth + 1, td + 1
            )
        elif name in ("at", "batch") and (io.piped or io.feeds):
            for feed in io.feeds:
                self.script(feed.text, (*via, f"{name} <<"), s.depth + 1, td + 1)
            if io.piped:
                self.reason(REASON_PIPE_INTO_INTERPRETER)
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
            lines = inner.placeholder is not None
            text = io.text
            literal = [f for f in io.feeds if not f.dynamic]
            if text is None and len(io.feeds) == 1 and literal:
                text = literal[0].text.encode("utf-8", "surrogatepass")
            items = xargs_items(text, lines) if text is not None else None
            if inner.placeholder:
                ph = inner.placeholder
                for item in items or []:
                    self.emit(
                        [Word.literal(w.text.replace(ph, item)) for w in inner_words],
                        assignments + inner.assignments,
                        (*via, name),
                        inner_io,
                        s,
                        td + 1,
                        redirects,
                    )
                if items is None and io.paths:
                    for spelling, dyn in io.paths[:MAX_VARIANTS]:
                        self.emit(
                            [
                                Word(w.text.replace(ph, spelling), w.shape, dyn)
                                if ph in w.text
                                else w
                                for w in inner_words
                            ],
                            assignments + inner.assignments,
                            (*via, name),
                            inner_io,
                            s,
                            td + 1,
                            redirects,
                        )
                    return
                inner_words = [w.with_dynamic() if ph in w.text else w for w in inner_words]
            elif items is not None:
                inner_words = inner_words + [Word.literal(a) for a in items]
            elif io.paths:
                for spelling, dyn in io.paths[:MAX_VARIANTS]:
                    listed = Word(spelling, QUOTED * len(spelling), dyn)
                    self.emit(
                        [*inner_words, listed],
                        assignments + inner.assignments,
                        (*via, name),
                        inner_io,
                        s,
                        td + 1,
                        redirects,
                    )
                return
            else:
                marker = Word(XARGS_INPUT, QUOTED * len(XARGS_INPUT), True)
                inner_words = [*inner_words, marker]
        self.emit(
            inner_words,
            assignments + inner.assignments,
            (*via, name),
            inner_io,
            s,
            td + 1,
            redirects,
        )

    def nested_shell(
        self, name: str, words: list[Word], via: tuple[str, ...], io: _IO, s: _Src, td: int
    ) -> None:
        sh = shell_args(words)
        if sh.c_flag is not None:
            if sh.operand < len(words):
                script = words[sh.operand]
                if script.dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                rest = words[sh.operand + 1 :]  # `sh -c 'rm -rf "$1"' _ ~`: $0, $1 …
                saved = self.bind_positionals(rest[1:], rest[0] if rest else None)
                try:
                    self.script(script.text, (*via, f"{name} {sh.c_flag}"), s.depth + 1, td + 1)
                finally:
                    self.restore(saved)
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

    def option_script(
        self, name: str, words: list[Word], via: tuple[str, ...], s: _Src, td: int
    ) -> None:
        """``script -c CMD``, ``flock FILE -c CMD``: CMD runs through a shell."""
        for i, w in enumerate(words[1:-1], 1):
            a = w.text
            if a in ("-c", "--command") or (
                len(a) > 2 and a[0] == "-" and a[1] != "-" and a.endswith("c")
            ):
                if words[i + 1].dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.script(words[i + 1].text, (*via, f"{name} -c"), s.depth + 1, td + 1)
                return

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

    def git(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        s: _Src,
        td: int,
        redirects: tuple[tuple[str, str], ...],
    ) -> None:
        """``git [-C DIR] [-c KEY=VALUE] … SUBCOMMAND …``: settings that run commands are
        reasons (and their shell text is analysed); with global options present the command
        is also listed without them (``git push --force``) so prefix rules see it."""
        i = 1
        n = len(words)
        while i < n:
            a = words[i].text
            if a == "-c" and i + 1 < n:
                self.git_setting(words[i + 1].text, via, s, td)
                i += 2
            elif a.startswith("-c") and "=" in a and len(a) > 2:
                self.git_setting(a[2:], via, s, td)
                i += 1
            elif a in _GIT_VALUE_OPTIONS:
                i += 2
            elif a.startswith("--config-env=") or (a.startswith("-") and a != "-"):
                i += 1
            else:
                break
        if 1 < i < n:
            inner = [Word.literal("git"), *words[i:]]
            self.emit(inner, assignments, (*via, "git"), _NO_IO, s, td + 1, redirects)

    def git_setting(self, setting: str, via: tuple[str, ...], s: _Src, td: int) -> None:
        key, _, value = setting.partition("=")
        low = key.lower()
        if low.startswith("alias."):
            if value.startswith("!"):
                self.reason(REASON_GIT_CODE_CONFIG)
                self.script(value[1:], (*via, f"git -c {key}"), s.depth + 1, td + 1)
            return
        if low in _GIT_CODE_KEYS or (
            low.startswith(("pager.", "filter.", "diff.", "merge."))
            and (
                low.endswith((".command", ".clean", ".smudge", ".process", ".driver", ".textconv"))
                or low.startswith("pager.")
            )
        ):
            self.reason(REASON_GIT_CODE_CONFIG)
            if value:
                self.script(value.lstrip("!"), (*via, f"git -c {key}"), s.depth + 1, td + 1)

    def sed(self, name: str, words: list[Word], via: tuple[str, ...], s: _Src, td: int) -> None:
        """GNU sed scripts that run commands (the ``e`` command, ``s///e``)."""
        programs: list[str] = []
        operand_script = True
        i = 1
        while i < len(words):
            a = words[i].text
            if a in ("-e", "--expression") and i + 1 < len(words):
                programs.append(words[i + 1].text)
                operand_script = False
                i += 2
                continue
            if a.startswith("--expression="):
                programs.append(a.split("=", 1)[1])
                operand_script = False
            elif a.startswith("-e") and len(a) > 2:
                programs.append(a[2:])
                operand_script = False
            elif a in ("-f", "--file") or a.startswith("--file="):
                operand_script = False
            elif a in ("-l", "--line-length"):
                i += 1
            elif a == "--":
                if operand_script and i + 1 < len(words):
                    programs.append(words[i + 1].text)
                break
            elif not a.startswith("-") or a == "-":
                if operand_script:
                    programs.append(a)
                break
            i += 1
        if not programs:
            return
        from ._inline import sed_commands  # lazily: regexes compiled only when needed

        for program in programs:
            scripts, opaque = sed_commands(program)
            if opaque:
                self.reason(REASON_INLINE_CODE)
            for script in scripts:
                self.script(script, (*via, f"{name} e"), s.depth + 1, td + 1)

    def tar(self, words: list[Word], via: tuple[str, ...], s: _Src, td: int) -> None:
        """GNU tar options whose value is a command: ``--checkpoint-action=exec=CMD``,
        ``--to-command``, ``--use-compress-program``/``-I``, ``--rsh-command``,
        ``--info-script``/``--new-volume-script``/``-F``."""
        value_opts = (
            "--to-command",
            "--use-compress-program",
            "--rsh-command",
            "--info-script",
            "--new-volume-script",
            "-I",
            "-F",
        )
        for i, w in enumerate(words[1:], 1):
            a = w.text
            cmd: str | None = None
            if a.startswith("--checkpoint-action="):
                action = a.split("=", 1)[1]
                if action.startswith("exec="):
                    cmd = action[5:]
            elif "=" in a and a.split("=", 1)[0] in value_opts:
                cmd = a.split("=", 1)[1]
            elif a in value_opts and i + 1 < len(words):
                cmd = words[i + 1].text
            if cmd:
                if w.dynamic:
                    self.reason(REASON_DYNAMIC_SCRIPT)
                self.script(cmd, (*via, "tar"), s.depth + 1, td + 1)

    def watch(self, words: list[Word], via: tuple[str, ...], s: _Src, td: int) -> None:
        """``watch [-n SECS] … CMD ARGS``: procps watch runs ``sh -c "CMD ARGS"``, or
        the argv itself with ``-x``/``--exec``."""
        i = option_value_skip(words, 1, "ndq", frozenset({"--interval", "--differences"}))
        if i is None or i >= len(words):
            return
        if any(w.text in ("-x", "--exec") for w in words[1:i]):
            self.emit(words[i:], (), (*via, "watch"), _NO_IO, s, td + 1)
            return
        self.script(" ".join(w.text for w in words[i:]), (*via, "watch"), s.depth + 1, td + 1)

    def parallel(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        io: _IO,
        s: _Src,
        td: int,
    ) -> None:
        """GNU parallel: ``parallel [opts] CMD {} ::: ARGS`` runs CMD per argument through a
        shell; without a command it runs each input line as a command."""
        i = option_value_skip(
            words, 1, "jSaIdEX", frozenset({"--jobs", "--sshlogin", "--arg-file", "--delimiter"})
        )
        if i is None:
            return
        end = next(
            (j for j in range(i, len(words)) if words[j].text in (":::", "::::", ":::+")),
            len(words),
        )
        cmd = words[i:end]
        args = [w.text for w in words[end + 1 :]] if end < len(words) else []
        if not cmd:
            if io.text is not None:
                for line in xargs_items(io.text, lines=True):
                    self.script(line, (*via, "parallel"), s.depth + 1, td + 1)
            elif args:
                for a in args:
                    self.script(a, (*via, "parallel"), s.depth + 1, td + 1)
            else:
                self.reason(REASON_DYNAMIC_SCRIPT)
            return
        template = " ".join(w.text for w in cmd)
        if "{" not in template:
            template += " {}"
        values = args or ([XARGS_INPUT] if io.text is None else xargs_items(io.text, True))
        for v in values[:MAX_VARIANTS]:
            self.script(template.replace("{}", v), (*via, "parallel"), s.depth + 1, td + 1)

    def find_exec(
        self,
        words: list[Word],
        assignments: tuple[str, ...],
        via: tuple[str, ...],
        s: _Src,
        td: int,
    ) -> None:
        """``find ROOTS … -exec CMD {} ;``/``-execdir``/``-ok``/``-okdir`` and ``-delete``.
        ``{}`` is each file found: the roots themselves (unless a name test or ``-mindepth``
        excludes them) or anything beneath them (a dynamic word)."""
        n = len(words)
        roots, roots_found, k = find_roots(words)
        i = k
        while i < n:
            flag = words[i].text
            if flag == "-delete" and roots_found:
                for root in roots:
                    argv = [Word.literal("rm"), Word.literal("-r"), Word.literal("-f"), root]
                    self.emit(argv, assignments, (*via, "find -delete"), _NO_IO, s, td + 1)
            if flag not in ("-exec", "-execdir", "-ok", "-okdir"):
                i += 1
                continue
            j = i + 1
            inner: list[Word] = []
            while j < n:
                t = words[j].text
                if t == ";" or (t == "+" and inner and inner[-1].text == "{}"):
                    break
                inner.append(words[j])
                j += 1
            fvia = (*via, f"find {flag}")
            if inner and roots_found and flag in ("-exec", "-ok"):
                for root in roots:
                    if root.dynamic:
                        continue
                    lit = [
                        Word.literal(w.text.replace("{}", root.text)) if "{}" in w.text else w
                        for w in inner
                    ]
                    self.emit(lit, assignments, fvia, _IO(xargs=True), s, td + 1)
            for found in found_below(roots, flag.endswith("dir")) if inner else []:
                dyn = [
                    Word(w.text.replace("{}", found), QUOTED * len(w.text), True)
                    if "{}" in w.text
                    else w
                    for w in inner
                ]
                self.emit(dyn, assignments, fvia, _IO(xargs=True), s, td + 1)
            i = j + 1


def _set_by(name: str, words: list[Word]) -> list[str]:
    """Variables a builtin sets from run-time data (``read a b``, ``mapfile arr``,
    ``printf -v v …``, ``getopts spec v``, ``let v=…``)."""
    texts = [w.text for w in words[1:]]
    if name == "printf":
        return [texts[i + 1] for i, a in enumerate(texts[:-1]) if a == "-v"]
    if name == "getopts":
        return texts[1:2]
    if name == "let":
        return [a.split("=", 1)[0] for a in texts if "=" in a]
    out: list[str] = []
    i = 0
    while i < len(texts):
        a = texts[i]
        if a.startswith("-") and len(a) > 1:
            if a[-1] in "adnNptuCcsO" and i + 1 < len(texts):
                if a[-1] == "a" and name == "read":
                    out.append(texts[i + 1])  # read -a ARRAY
                i += 1
            i += 1
            continue
        out.append(a)
        i += 1
    return [v for v in out if is_assignment_word(v + "=")]


def _dedupe(values: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return list(dict.fromkeys(values))[:MAX_VARIANTS]


_FAST_LIST_CHARS = _FAST_CHARS | frozenset("&|;")


def _fast_split(script: str) -> list[list[list[Word]]] | None:
    """The pipelines of a one-line script of plain words, the pipelines joined by ``&&``,
    ``||`` or ``;`` and their commands by ``|`` (no quotes, expansions, redirections,
    background jobs, globs or reserved words), which needs no parser: per pipeline, one word
    list per command, in order; None when the full parse is needed (including an empty
    command such as ``a && && b``, ``a | | b`` or a trailing ``;``, and a pipeline inside a
    longer list, which tree-sitter-bash groups differently from bash).

    The parser path visits such a list pipeline by pipeline with nothing carried between them
    but the variables, downloads and ``cd`` the commands themselves set, and a pipeline stage by
    stage (:meth:`_Analyzer.stages`); :meth:`_Analyzer.plain_command` and
    :meth:`_Analyzer.plain_pipeline` mirror that. Equivalence on generated scripts is tested
    (``tests/test_shell.py``)."""
    if len(script) > 4096 or not all(c in _FAST_LIST_CHARS for c in script):
        return None
    segments = _fast_segments(script)
    if len(segments) > 1 and "|" in script.replace("||", ""):
        # tree-sitter-bash 0.25.1 reads `a | b && c` as `a | (b && c)` (bash: `(a | b) && c`);
        # such mixes stay with the parser path, so both paths see the same commands
        return None
    items: list[list[list[Word]]] = []
    for seg in segments:
        if seg is None:
            return None
        stages: list[list[Word]] = []
        for stage in seg.split("|"):
            parts = stage.split()
            if not parts:
                return None
            i = 0
            while i < len(parts) and is_assignment_word(parts[i]):
                i += 1
            if i < len(parts) and parts[i] in _RESERVED:
                return None
            stages.append([Word(p, p) for p in parts])
        items.append(stages)
    return items


def is_plain(script: str) -> bool:
    """Whether ``script`` is plain words only (commands joined by ``&&``/``||``/``;`` or one
    pipeline; see :func:`_fast_split`): analysed without a parser, in time linear in its at
    most 4 KiB."""
    return isinstance(script, str) and _fast_split(script) is not None


def _fast_segments(script: str) -> list[str | None]:
    """``script`` cut at each ``&&``, ``||`` and ``;`` (a segment keeps its pipes ``|``); a
    None item for a lone ``&`` (a background job, which the parser path handles)."""
    if "&" not in script and "|" not in script and ";" not in script:
        return [script]
    out: list[str | None] = []
    start = i = 0
    n = len(script)
    while i < n:
        c = script[i]
        if c == ";":
            out.append(script[start:i])
            start = i = i + 1
        elif c in "&|":
            if i + 1 < n and script[i + 1] == c:
                out.append(script[start:i])
                start = i = i + 2
            elif c == "|" and script[i + 1 : i + 2] != "&":  # a pipe; `|&` is the parser's
                i += 1
            else:
                return [None]
        else:
            i += 1
    out.append(script[start:])
    return out


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
        analyzer.finish()
    except _Budget as budget:
        analyzer.reason(str(budget))
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
    except _Budget as budget:
        analyzer.reason(str(budget))
    except RecursionError:
        analyzer.reason(REASON_TOO_DEEP)
    except Exception as exc:
        analyzer.reason(f"{REASON_INTERNAL} ({type(exc).__name__})")
    return analyzer.result()
