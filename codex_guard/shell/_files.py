"""What ``find``, ``xargs``, ``cd`` and downloads do to paths, for :mod:`codex_guard.shell.analyze`.

Pure functions over :class:`~codex_guard.shell._words.Word` lists; no tree-sitter. Unknown
parts of a path are spelled as variables (``./$FIND_RESULT``, ``$XARGS_INPUT``) so that rules
can tell "some file below this directory" from "anything".
"""

from __future__ import annotations

from ._words import QUOTED, Word

MAX_ROOTS = 16  # find roots / listed paths considered per command

# What ``xargs CMD`` appends when its input is unknown (a dynamic word).
XARGS_INPUT = "$XARGS_INPUT"

# The unknown part of a file ``find`` finds below a root (``./$FIND_RESULT``).
FIND_RESULT = "$FIND_RESULT"

# find tests after which the search roots themselves are not (necessarily) among the results.
_FIND_TESTS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-newer",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-size",
        "-user",
        "-group",
        "-perm",
        "-empty",
        "-links",
        "-inum",
        "-samefile",
        "-lname",
        "-ilname",
        "-used",
    }
)


def find_roots(words: list[Word]) -> tuple[list[Word], bool, int]:
    """``find``'s search roots, whether the roots themselves are among the results (no name
    test, no ``-mindepth``), and the index of the first expression word."""
    n = len(words)
    k = 1
    while k < n and words[k].text in ("-L", "-H", "-P", "-O0", "-O1", "-O2", "-O3"):
        k += 1
    roots: list[Word] = []
    while k < n and not words[k].text.startswith(("-", "(", "!")) and words[k].text != "\\(":
        roots.append(words[k])
        k += 1
    if not roots:
        roots = [Word.literal(".")]
    filtered = bool({w.text for w in words[k:]} & _FIND_TESTS)
    roots_found = not filtered and not any(
        w.text == "-mindepth" and i + 1 < n and words[i + 1].text != "0"
        for i, w in enumerate(words)
    )
    return roots, roots_found, k


def found_below(roots: list[Word], execdir: bool) -> list[str]:
    """Spellings of "a file found below a root": ``ROOT/$FIND_RESULT`` (``-execdir``:
    ``./$FIND_RESULT``), the unknown part written as a variable."""
    if execdir:
        return ["./" + FIND_RESULT]
    out = []
    for root in roots[:MAX_ROOTS]:
        base = root.text.rstrip("/")
        out.append(("" if root.text.startswith("/") and not base else base) + "/" + FIND_RESULT)
    return out


def listed_paths(words: list[Word]) -> list[tuple[str, bool]] | None:
    """The paths a pipeline stage lists, one per line, as (spelling, dynamic): ``find ROOTS``
    (the roots unless filtered, and files below them), ``git ls-files``/``git diff
    --name-only`` (files below the working directory); None for anything else."""
    if not words or any(w.dynamic for w in words):
        return None
    name = words[0].text.rsplit("/", 1)[-1]
    if name == "find":
        roots, roots_found, _k = find_roots(words)
        out = [(r.text, False) for r in roots] if roots_found else []
        return out + [(p, True) for p in found_below(roots, False)]
    texts = [w.text for w in words[1:]]
    lists_files = texts[:1] == ["ls-files"] or (texts[:1] == ["diff"] and "--name-only" in texts)
    if name == "git" and lists_files:
        return [("./" + XARGS_INPUT, True)]
    return None


def change_dir(cwd: str | None, words: list[Word]) -> str | None:
    """The working directory after ``cd``/``pushd`` ``words`` (see :attr:`Command.cwd`)."""
    import posixpath

    args = [w for w in words[1:] if not (w.text.startswith("-") and len(w.text) > 1)]
    if not args:
        return "~" if words[0].text == "cd" else ""
    target = args[0]
    if target.dynamic or target.text in ("-", "") or target.text.startswith("+"):
        return ""
    path = target.text
    if path.startswith("/"):
        return "/" + posixpath.normpath(path).lstrip("/")
    if path == "~" or path.startswith("~/"):
        if ".." in path.split("/"):
            return ""
        rest = posixpath.normpath("/" + path[2:]) if len(path) > 2 else "/"
        return "~" if rest == "/" else "~" + rest
    if cwd == "":
        return ""
    base = cwd if cwd is not None else "."
    if base == "~" or base.startswith("~/"):
        if ".." in path.split("/"):
            return ""
        return posixpath.normpath(base + "/" + path)
    return posixpath.normpath(base + "/" + path)


def resolve_relative(words: list[Word], cwd: str) -> list[Word] | None:
    """``words`` with operands that are plainly relative paths (``.``, ``..``, ``*``,
    ``./x``, ``../x``) spelled from the known ``cwd``; None when there are none."""
    out: list[Word] = [words[0]]
    changed = False
    base = cwd.rstrip("/")
    for w in words[1:]:
        a = w.text
        if not w.dynamic and (a in (".", "..", "*") or a.startswith(("./", "../", "*/"))):
            rest = a[2:] if a.startswith("./") else ("" if a == "." else a)
            text = (base + "/" + rest).rstrip("/") if rest else (cwd if cwd != "" else "/")
            out.append(Word(text or "/", (text or "/").replace("*", QUOTED), False))
            changed = True
        else:
            out.append(w)
    return out if changed else None


def user_homes(words: list[Word]) -> list[Word] | None:
    """``words`` with each unquoted ``~name`` or ``~name/…`` word spelled from the home folder
    of user ``name``, as bash's tilde expansion does (it looks the name up with ``getpwnam``:
    ``rm -rf ~root`` removes ``/root``); None when no word has one whose user exists (bash then
    leaves the word as it is). ``~``, ``~/…``, ``~+`` and ``~-`` are not names: the rules read
    ``~`` as the person's home, and ``~+``/``~-`` are run-time folders. The expansion is not
    subject to globbing (bash treats it as quoted); the rest of the word keeps its shape."""
    out: list[Word] | None = None
    for i, w in enumerate(words):
        t = w.text
        if w.dynamic or len(t) < 2 or t[0] != "~" or t[1] == "/":
            continue
        name, sep, rest = t[1:].partition("/")
        if name in ("+", "-") or not w.shape.startswith(t[: 1 + len(name)]):
            continue  # a run-time folder, or some of `~name` was quoted: no expansion
        try:
            import pwd

            home = pwd.getpwnam(name).pw_dir
        except (ImportError, KeyError, ValueError, OSError):
            continue  # no such user (or no user database): bash leaves the word unchanged
        if not home.startswith("/"):
            continue
        base = home.rstrip("/")
        text = f"{base}/{rest}" if sep else base or "/"
        shape = QUOTED * len(base) + w.shape[1 + len(name) :] if sep else QUOTED * len(text)
        if out is None:
            out = list(words)
        out[i] = Word(text, shape, False)
    return out


def xargs_items(text: bytes, lines: bool = False) -> list[str]:
    """The arguments ``xargs`` reads from ``text``: blank-separated (quotes honoured), or one
    per line with ``-I``."""
    s = text.decode("utf-8", "replace")
    if lines:
        return [line for line in s.split("\n") if line.strip()]
    import shlex

    try:
        return shlex.split(s)
    except ValueError:
        return s.split()


def file_key(path: str) -> str:
    """A file path as the download tracker compares it (``./x`` and ``x`` are one file)."""
    while path.startswith("./"):
        path = path[2:]
    return path
