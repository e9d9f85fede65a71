"""Wrapper commands and interpreters for :mod:`codex_guard.shell.analyze`.

* Wrappers (``sudo``, ``env``, ``nice``, ``timeout``, ``xargs`` ...): where, in a wrapper's
  argv, the command it runs begins, following each tool's documented option syntax (GNU
  coreutils/findutils, sudo(8), bash(1)). Unknown options are assumed to take no value.
* Interpreters (shells, python, node, perl ...): whether an invocation reads its *program* from
  stdin, which makes ``… | sh`` and ``python3 <<EOF`` code this analysis cannot see.

Pure functions over :class:`~codex_guard.shell._words.Word` lists; no tree-sitter.
"""

from __future__ import annotations

from ._words import QUOTED, Word, is_assignment_word

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from collections.abc import Callable

# Shells whose `-c` script is analysed and which may read a script from stdin.
SHELLS = frozenset(
    {
        "sh",
        "bash",
        "rbash",
        "zsh",
        "dash",
        "ash",
        "ksh",
        "ksh93",
        "mksh",
        "pdksh",
        "oksh",
        "yash",
        "posh",
        "fish",
        "csh",
        "tcsh",
    }
)


class Inner:
    """Where a wrapper's inner command starts: ``words[index:]`` (``words`` may differ from
    the wrapper's own, e.g. after ``env -S`` splitting), the ``NAME=value`` words the wrapper
    sets for it, and the placeholder (``xargs -I {}``) replaced at run time."""

    __slots__ = ("assignments", "index", "placeholder", "words")

    def __init__(
        self,
        words: list[Word],
        index: int,
        assignments: tuple[str, ...] = (),
        placeholder: str | None = None,
    ) -> None:
        self.words = words
        self.index = index
        self.assignments = assignments
        self.placeholder = placeholder


def option_value_skip(
    words: list[Word],
    i: int,
    short_with_value: str,
    long_with_value: frozenset[str],
    stop_short: str = "",
    stop_long: frozenset[str] = frozenset(),
) -> int | None:
    """Skip getopt-style options from ``words[i]``; return the index of the first operand, or
    None when an option means "no command is run" (``stop_*``)."""
    n = len(words)
    while i < n:
        a = words[i].text
        if a == "--":
            return i + 1
        if a.startswith("--") and len(a) > 2:
            opt = a.split("=", 1)[0]
            if opt in stop_long:
                return None
            i += 2 if (opt in long_with_value and "=" not in a) else 1
            continue
        if a.startswith("-") and len(a) > 1:
            step = 1
            for j in range(1, len(a)):
                ch = a[j]
                if ch in stop_short:
                    return None
                if ch in short_with_value:
                    if j == len(a) - 1:
                        step = 2
                    break
            i += step
            continue
        return i
    return i


def take_assignments(words: list[Word], i: int) -> tuple[int, tuple[str, ...]]:
    """Consume ``NAME=value`` words from ``words[i]`` on; return the next index and them."""
    out: list[str] = []
    while i < len(words) and not words[i].dynamic and is_assignment_word(words[i].text):
        out.append(words[i].text)
        i += 1
    return i, tuple(out)


def _wrap_sudo(words: list[Word]) -> Inner | None:
    i = option_value_skip(
        words,
        1,
        short_with_value="aCcDghpRrtTUu",
        long_with_value=frozenset(
            {
                "--auth-type",
                "--close-from",
                "--chdir",
                "--group",
                "--host",
                "--prompt",
                "--chroot",
                "--role",
                "--type",
                "--command-timeout",
                "--other-user",
                "--user",
                "--login-class",
            }
        ),
        stop_short="elVvK",
        stop_long=frozenset({"--edit", "--list", "--validate", "--version", "--help"}),
    )
    if i is None:
        return None
    i, assignments = take_assignments(words, i)
    return Inner(words, i, assignments)


def _wrap_doas(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "uC", frozenset(), stop_short="C")
    return None if i is None else Inner(words, i)


def _split_string(word: Word) -> list[Word]:
    import shlex  # lazily: only `env -S` needs it

    try:
        parts = shlex.split(word.text)
    except ValueError:
        parts = word.text.split()
    return [Word(p, QUOTED * len(p), word.dynamic or "$" in p) for p in parts]


def _wrap_env(words: list[Word]) -> Inner | None:
    """``env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... [COMMAND [ARG]...]``; the
    ``-S`` string is split into words like env does (approximately: shell-like quoting)."""
    words = list(words)
    i = 1
    steps = 0
    while i < len(words):
        steps += 1
        if steps > 256:  # each -S split shrinks the text, so this only bounds the work
            break
        a = words[i].text
        if a == "--":
            i += 1
            break
        if a in ("-u", "--unset", "-C", "--chdir", "-P"):
            i += 2
            continue
        if a in ("-S", "--split-string"):
            if i + 1 < len(words):
                words[i : i + 2] = _split_string(words[i + 1])
            else:
                i += 1
            continue
        if a.startswith("--split-string="):
            value = a.split("=", 1)[1]
            words[i : i + 1] = _split_string(Word(value, value, words[i].dynamic))
            continue
        if a.startswith("--") or a == "-":
            i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            step = 1
            for j in range(1, len(a)):
                ch = a[j]
                if ch in "uCP":
                    step = 2 if j == len(a) - 1 else 1
                    break
                if ch == "S":
                    rest = a[j + 1 :]
                    if rest:
                        words[i : i + 1] = _split_string(Word(rest, rest, words[i].dynamic))
                        step = 0
                    elif i + 1 < len(words):
                        words[i : i + 2] = _split_string(words[i + 1])
                        step = 0
                    break
            i += step
            continue
        break
    i, assignments = take_assignments(words, i)
    return Inner(words, i, assignments)


def _wrap_command(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "", frozenset(), stop_short="vV")
    return None if i is None else Inner(words, i)


def _wrap_exec(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "a", frozenset())
    return None if i is None else Inner(words, i)


def _wrap_plain(words: list[Word]) -> Inner | None:
    i = 1
    if i < len(words) and words[i].text == "--":
        i += 1
    return Inner(words, i)


def _wrap_nice(words: list[Word]) -> Inner | None:
    i = 1
    while i < len(words):
        a = words[i].text
        if a == "--":
            i += 1
            break
        if a in ("-n", "--adjustment"):
            i += 2
            continue
        if a.startswith("-") and len(a) > 1:
            i += 1
            continue
        break
    return Inner(words, i)


def _wrap_nohup(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "", frozenset(), stop_long=frozenset({"--help", "--version"}))
    return None if i is None else Inner(words, i)


def _wrap_time(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "fo", frozenset({"--format", "--output"}))
    return None if i is None else Inner(words, i)


def _wrap_timeout(words: list[Word]) -> Inner | None:
    i = option_value_skip(
        words,
        1,
        "sk",
        frozenset({"--signal", "--kill-after"}),
        stop_long=frozenset({"--help", "--version"}),
    )
    if i is None:
        return None
    return Inner(words, i + 1)  # skip DURATION


def _wrap_stdbuf(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "ioe", frozenset({"--input", "--output", "--error"}))
    return None if i is None else Inner(words, i)


def _wrap_setsid(words: list[Word]) -> Inner | None:
    i = option_value_skip(words, 1, "", frozenset())
    return None if i is None else Inner(words, i)


def _wrap_xargs(words: list[Word]) -> Inner | None:
    n = len(words)
    i = 1
    placeholder: str | None = None
    long_value = frozenset(
        {
            "--arg-file",
            "--delimiter",
            "--eof",
            "--max-lines",
            "--max-args",
            "--max-procs",
            "--max-chars",
            "--process-slot-var",
        }
    )
    while i < n:
        a = words[i].text
        if a == "--":
            i += 1
            break
        if a.startswith("--") and len(a) > 2:
            opt, eq, value = a.partition("=")
            if opt == "--replace":
                placeholder = value if eq else "{}"
            i += 2 if (opt in long_value and not eq) else 1
            continue
        if a.startswith("-") and len(a) > 1:
            step = 1
            for j in range(1, len(a)):
                ch = a[j]
                if ch in "adEILnPs":
                    rest = a[j + 1 :]
                    if ch == "I":
                        if rest:
                            placeholder = rest
                        elif i + 1 < n:
                            placeholder = words[i + 1].text
                    if not rest:
                        step = 2
                    break
                if ch in "eil":  # optional values, glued only
                    if ch == "i":
                        placeholder = a[j + 1 :] or "{}"
                    break
            i += step
            continue
        break
    return Inner(words, i, placeholder=placeholder)


def _skip_then(
    short: str, long: frozenset[str], positionals: int, stop: str = ""
) -> Callable[[list[Word]], Inner | None]:
    """A wrapper taking options (``short``/``long`` with values), then ``positionals``
    operands (a priority, a CPU mask, a lock file, a new root ...), then the command."""

    def wrap(words: list[Word]) -> Inner | None:
        i = option_value_skip(words, 1, short, long, stop_short=stop)
        if i is None:
            return None
        return Inner(words, i + positionals)

    return wrap


def _wrap_flock(words: list[Word]) -> Inner | None:
    i = option_value_skip(
        words, 1, "wEc", frozenset({"--timeout", "--conflict-exit-code", "--command"})
    )
    if i is None or any(w.text in ("-c", "--command") for w in words[1:i]):
        return None  # `flock F -c CMD` runs CMD through sh: see WRAPPER_SCRIPTS
    return Inner(words, i + 1)


def _wrap_ssh(words: list[Word]) -> Inner | None:
    """``ssh [options] HOST COMMAND…``: the remote command, as words (the remote shell joins
    and re-parses them; the caller analyses the joined text)."""
    i = option_value_skip(words, 1, "BbcDEeFIiJLlmOoPpQRSWw", frozenset())
    if i is None or i + 1 >= len(words):
        return None
    return Inner(words, i + 1)


WRAPPERS: dict[str, Callable[[list[Word]], Inner | None]] = {
    "ionice": _skip_then(
        "cnpPu", frozenset({"--class", "--classdata", "--pid", "--pgid", "--uid"}), 0, "pPu"
    ),
    "chrt": _skip_then(
        "T", frozenset({"--sched-runtime", "--sched-period", "--sched-deadline"}), 1, "p"
    ),
    "taskset": _skip_then("", frozenset(), 1, "p"),
    "flock": _wrap_flock,
    "chroot": _skip_then("", frozenset({"--userspec", "--groups"}), 1),
    "unshare": _skip_then("S", frozenset({"--setuid", "--setgid", "--map-user", "--map-group"}), 0),
    "strace": _skip_then("abeEIoOpPsSuUX", frozenset(), 0),
    "ltrace": _skip_then("aeEFlnopsuA", frozenset(), 0),
    "runuser": _skip_then("ugGcs", frozenset({"--user", "--group", "--supp-group", "--shell"}), 0),
    "ssh": _wrap_ssh,
    "sudo": _wrap_sudo,
    "doas": _wrap_doas,
    "env": _wrap_env,
    "command": _wrap_command,
    "builtin": _wrap_plain,
    "exec": _wrap_exec,
    "nice": _wrap_nice,
    "nohup": _wrap_nohup,
    "time": _wrap_time,
    "timeout": _wrap_timeout,
    "stdbuf": _wrap_stdbuf,
    "setsid": _wrap_setsid,
    "xargs": _wrap_xargs,
    "coproc": _wrap_plain,
    "busybox": _wrap_plain,
}


# ---------------------------------------------------------------------------------------------
# Interpreters that may read their program from stdin

# family -> (short options that give inline code or a module/script, short options taking a
# value, long options giving inline code, long options taking a value)
_INTERPRETER_OPTIONS: dict[str, tuple[str, str, frozenset[str], frozenset[str]]] = {
    "python": ("cm", "WXQ", frozenset(), frozenset({"--check-hash-based-pycs"})),
    "node": (
        "ep",
        "r",
        frozenset({"--eval", "--print"}),
        frozenset({"--require", "--import", "--loader", "--experimental-loader"}),
    ),
    "perl": ("eE", "IMmx", frozenset(), frozenset()),
    "ruby": ("e", "IrCE", frozenset(), frozenset()),
    "php": ("rRBEFf", "cdz", frozenset(), frozenset()),
    "lua": ("e", "l", frozenset(), frozenset()),
    "osascript": ("e", "ls", frozenset(), frozenset()),
    "tcl": ("c", "", frozenset(), frozenset()),
    "r": ("e", "", frozenset({"--file"}), frozenset()),
}


def _versioned(name: str, stem: str) -> bool:
    return name.startswith(stem) and all(c.isdigit() or c == "." for c in name[len(stem) :])


def interpreter_family(name: str) -> str | None:
    """The interpreter family of a program name ("shell", "python", "node", ..., "iex",
    "source"), or None for anything that does not run code it reads from stdin."""
    if name in SHELLS:
        return "shell"
    low = name.lower()
    if low.endswith(".exe"):
        low = low[:-4]
    if _versioned(low, "python") or _versioned(low, "pypy"):
        return "python"
    if low in ("node", "nodejs", "bun"):
        return "node"
    if _versioned(low, "perl"):
        return "perl"
    if low in ("ruby", "irb", "jruby"):
        return "ruby"
    if _versioned(low, "php"):
        return "php"
    if _versioned(low, "lua") or low == "luajit":
        return "lua"
    if low == "osascript":
        return "osascript"
    if low in ("tclsh", "wish", "expect"):
        return "tcl"
    if low == "rscript":
        return "r"
    if low in ("pwsh", "powershell"):
        return "pwsh"
    if low in ("iex", "invoke-expression"):
        return "iex"
    if name in ("source", "."):
        return "source"
    return None


STDIN_NAMES = frozenset({"-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"})


class ShellArgs:
    """The options of a POSIX-ish shell invocation."""

    __slots__ = ("c_flag", "operand", "stdin_flag")

    def __init__(self, c_flag: str | None, stdin_flag: bool, operand: int) -> None:
        self.c_flag = c_flag  # the option word that carried `c`, e.g. "-lc"
        self.stdin_flag = stdin_flag  # -s
        self.operand = operand  # index of the first operand (script string or file)


def shell_args(words: list[Word]) -> ShellArgs:
    """Parse a shell's options as bash(1) does: option words up to ``--``/``-`` or the first
    operand; ``-o``/``-O`` take a value; ``c`` anywhere in a ``-`` cluster (``-lc``, ``-ec``)
    makes the first operand the script. ``bash -- -c x`` runs a *file* named ``-c``."""
    c_flag: str | None = None
    stdin_flag = False
    i = 1
    n = len(words)
    while i < n:
        a = words[i].text
        if a in ("--", "-"):
            i += 1
            break
        if a.startswith("--"):
            i += 2 if a in ("--rcfile", "--init-file", "--init-command") else 1
            continue
        if len(a) > 1 and a[0] in "-+":
            extra = 0
            for ch in a[1:]:
                if ch == "c" and a[0] == "-":
                    c_flag = a
                elif ch == "s" and a[0] == "-":
                    stdin_flag = True
                elif ch in "oO":
                    extra += 1
            i += 1 + extra
            continue
        break
    return ShellArgs(c_flag, stdin_flag, i)


def reads_code_from_stdin(family: str, words: list[Word]) -> bool:
    """Whether this invocation (``words[0]`` of ``family``) takes its program from stdin:
    no inline code (``-c``/``-e``/``-m`` ...) and no script operand, or an explicit ``-`` /
    ``/dev/stdin`` / ``-s``."""
    n = len(words)
    if family == "iex":
        return True
    if family == "source":
        return n > 1 and words[1].text in STDIN_NAMES
    if family == "shell":
        sh = shell_args(words)
        if sh.c_flag is not None:
            return False
        return sh.stdin_flag or sh.operand >= n or words[sh.operand].text in STDIN_NAMES
    if family == "pwsh":
        for i in range(1, n):
            low = words[i].text.lower()
            if low in ("-c", "-command", "-e", "-ec", "-encodedcommand", "-f", "-file"):
                return i + 1 < n and words[i + 1].text == "-"
        return not any(not w.text.startswith("-") for w in words[1:])
    inline_short, value_short, inline_long, value_long = _INTERPRETER_OPTIONS[family]
    # An inline-code option (-c, -e …) means the program is not read from stdin.
    first = option_value_skip(words, 1, value_short, value_long, inline_short, inline_long)
    if first is None:
        return False
    i = first
    return i >= n or words[i].text in STDIN_NAMES


# Options whose value is a command line the program runs through a shell (rsync(1) -e,
# zip(1) -TT, man(1) -P, vim(1) -c/+ with `!`, ssh_config(5) ProxyCommand/LocalCommand).
COMMAND_OPTIONS: dict[str, tuple[frozenset[str], str]] = {
    "rsync": (frozenset({"-e", "--rsh"}), ""),
    "zip": (frozenset({"-TT", "--unzip-command"}), ""),
    "man": (frozenset({"-P", "--pager"}), ""),
    "vim": (frozenset({"-c", "--cmd"}), "!"),
    "vi": (frozenset({"-c", "--cmd"}), "!"),
    "nvim": (frozenset({"-c", "--cmd"}), "!"),
    "ex": (frozenset({"-c", "--cmd"}), "!"),
    "ssh": (frozenset({"-o"}), "ssh_config"),
    "scp": (frozenset({"-o"}), "ssh_config"),
    "sftp": (frozenset({"-o"}), "ssh_config"),
}
_SSH_COMMAND_KEYS = ("proxycommand", "localcommand", "knownhostscommand", "remotecommand")


def command_option_values(name: str, words: list[Word]) -> list[Word]:
    """The command lines carried by ``name``'s command-valued options (see COMMAND_OPTIONS),
    as words whose text is the command (``rsync -e 'ssh -i k'`` gives ``ssh -i k``)."""
    spec = COMMAND_OPTIONS.get(name)
    if spec is None:
        return []
    options, kind = spec
    out: list[Word] = []
    for i, w in enumerate(words[1:], 1):
        a = w.text
        value: str | None = None
        if a in options and i + 1 < len(words):
            value = words[i + 1].text
        elif "=" in a and a.split("=", 1)[0] in options:
            value = a.split("=", 1)[1]
        elif a.startswith("+") and kind == "!":  # vim +CMD
            value = a[1:]
        if value is None:
            continue
        if kind == "!":
            value = value.lstrip(":").strip()
            if not value.startswith("!"):
                continue
            value = value[1:]
        elif kind == "ssh_config":
            key, _, rest = value.replace("=", " ", 1).partition(" ")
            if key.lower() not in _SSH_COMMAND_KEYS:
                continue
            value = rest.strip()
        out.append(
            Word(value, QUOTED * len(value), w.dynamic or words[min(i + 1, len(words) - 1)].dynamic)
        )
    return out
