"""Codex reference mode: how Codex itself splits ``bash -lc SCRIPT`` for its execpolicy.

A byte-exact port of ``codex-rs/shell-command/src/bash.rs`` (``extract_bash_command``,
``try_parse_word_only_commands_sequence``, ``parse_shell_lc_plain_commands``,
``parse_shell_lc_single_command_prefix``), ``shell_detect.rs`` (``detect_shell_type``) and
``core/src/exec_policy.rs`` (``commands_for_exec_policy``, non-Windows), at the reference
revision described in ``shared/docs/execpolicy.md`` §0 and §5. It uses the same grammar,
tree-sitter-bash 0.25.1.

This module answers "what would Codex match its rules against", nothing more: it refuses
(returns None) on anything that is not a plain word-only command sequence, exactly where Codex
refuses. codex-guard's own, deeper analysis is :mod:`codex_guard.shell.analyze`.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import _parser

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from tree_sitter import Node, Tree

__all__ = [
    "commands_for_exec_policy",
    "detect_shell_type",
    "extract_bash_command",
    "heredoc_prefix",
    "parse_plain_script",
    "plain_commands",
]

# bash.rs try_parse_word_only_commands_sequence: ALLOWED_KINDS / ALLOWED_PUNCT_TOKENS.
_ALLOWED_KINDS = frozenset(
    {
        "program",
        "list",
        "pipeline",
        "command",
        "command_name",
        "word",
        "string",
        "string_content",
        "raw_string",
        "number",
        "concatenation",
    }
)
_ALLOWED_PUNCT_TOKENS = frozenset({"&&", "||", ";", "|", '"', "'"})

# bash.rs is_allowed_heredoc_attachment_kind.
_HEREDOC_ATTACHMENT_KINDS = frozenset(
    {
        "heredoc_body",
        "simple_heredoc_body",
        "heredoc_redirect",
        "herestring_redirect",
        "redirected_statement",
    }
)

# shell_detect.rs detect_shell_type: the literal names matched before the file-stem fallback.
_LITERAL_SHELLS = {
    "zsh": "zsh",
    "sh": "sh",
    "cmd": "cmd",
    "bash": "bash",
    "pwsh": "powershell",
    "powershell": "powershell",
}
_POSIX_SHELL_TYPES = frozenset({"zsh", "bash", "sh"})


# --------------------------------------------------------------------------------------------
# std::path::Path emulation (Unix), just enough for detect_shell_type.


def _path_components(path: str) -> tuple[str, ...]:
    """``Path::components()`` on Unix, as strings ("/" for RootDir, "." for a leading CurDir,
    ".." for ParentDir): empty and interior "." components are dropped."""
    out: list[str] = []
    if path.startswith("/"):
        out.append("/")
    parts = path.split("/")
    for index, part in enumerate(parts):
        if part == "":
            continue
        if part == ".":
            if index == 0 and not path.startswith("/"):
                out.append(".")
            continue
        out.append(part)
    return tuple(out)


def _file_stem(path: str) -> str | None:
    """``Path::file_stem()``: the last Normal component without its final extension."""
    components = _path_components(path)
    if not components:
        return None
    name = components[-1]
    if name in ("/", ".", ".."):
        return None
    # rsplit_file_at_dot
    before, dot, _after = name.rpartition(".")
    if not dot:
        return name  # no dot: `before` is None, so file_stem is `after`, the whole name
    if before == "":
        return name  # ".bashrc": the leading dot does not start an extension
    return before


def detect_shell_type(shell: str) -> str | None:
    """Codex's ``detect_shell_type`` (``shell-command/src/shell_detect.rs``).

    Args:
        shell: argv[0] as given.

    Returns:
        "zsh", "bash", "sh", "powershell" or "cmd", or None. The whole string is compared
        literally (case-sensitive) first, then the function recurses on the file stem, so
        ``/bin/zsh``, ``./bash`` and ``bash.exe`` are bash-family while ``dash`` is not.
    """
    literal = _LITERAL_SHELLS.get(shell)
    if literal is not None:
        return literal
    stem = _file_stem(shell)
    if stem is not None and _path_components(stem) != _path_components(shell):
        return detect_shell_type(stem)
    return None


# --------------------------------------------------------------------------------------------
# bash.rs


def extract_bash_command(argv: Sequence[str]) -> tuple[str, str] | None:
    """Codex's ``extract_bash_command``: ``(shell, script)`` for exactly
    ``[zsh|bash|sh, "-lc"|"-c", script]``, else None. ``-cl``, ``-l -c`` and ``--login -c``
    are not accepted."""
    if len(argv) != 3 or not all(isinstance(a, str) for a in argv):
        return None
    shell, flag, script = argv[0], argv[1], argv[2]
    if flag not in ("-lc", "-c") or detect_shell_type(shell) not in _POSIX_SHELL_TYPES:
        return None
    return shell, script


def _try_parse(script: str) -> tuple[Tree, bytes] | None:
    """Codex's ``try_parse_shell``. Unlike Codex, a parse that exceeds the time budget of
    :func:`codex_guard.shell._parser.parse` (only hostile, error-laden input does) counts as a
    failed parse, i.e. a refusal."""
    src = _parser.encode(script)
    tree, complete = _parser.parse(src)
    return (tree, src) if complete else None


def _strip_quotes(node: Node, src: bytes, quote: str) -> str | None:
    """The text between the node's enclosing ``quote`` characters, verbatim."""
    raw = _parser.node_text(node, src)
    if raw is None or len(raw) < 2 or raw[0] != quote or raw[-1] != quote:
        return None
    return raw[1:-1]


def _parse_double_quoted_string(node: Node, src: bytes) -> str | None:
    if node.type != "string":
        return None
    if any(part.type != "string_content" for part in node.named_children):
        return None
    return _strip_quotes(node, src, '"')


def _parse_raw_string(node: Node, src: bytes) -> str | None:
    if node.type != "raw_string":
        return None
    return _strip_quotes(node, src, "'")


def _parse_plain_command_from_node(cmd: Node, src: bytes) -> list[str] | None:
    if cmd.type != "command":
        return None
    words: list[str] = []
    for child in cmd.named_children:
        kind = child.type
        text: str | None
        if kind == "command_name":
            word_node = child.named_child(0)
            if word_node is None or word_node.type != "word":
                return None
            text = _parser.node_text(word_node, src)
        elif kind in ("word", "number"):
            text = _parser.node_text(child, src)
        elif kind == "string":
            text = _parse_double_quoted_string(child, src)
        elif kind == "raw_string":
            text = _parse_raw_string(child, src)
        elif kind == "concatenation":
            pieces: list[str] = []
            for part in child.named_children:
                if part.type in ("word", "number"):
                    piece = _parser.node_text(part, src)
                elif part.type == "string":
                    piece = _parse_double_quoted_string(part, src)
                elif part.type == "raw_string":
                    piece = _parse_raw_string(part, src)
                else:
                    return None
                if piece is None:
                    return None
                pieces.append(piece)
            text = "".join(pieces)
            if text == "":
                return None
        else:
            return None
        if text is None:
            return None
        words.append(text)
    return words


def _word_only_commands_sequence(tree: Tree, src: bytes) -> list[list[str]] | None:
    """Codex's ``try_parse_word_only_commands_sequence``."""
    root = tree.root_node
    if root.has_error:
        return None
    stack = [root]
    command_nodes: list[Node] = []
    while stack:
        node = stack.pop()
        kind = node.type
        if node.is_named:
            if kind not in _ALLOWED_KINDS:
                return None
            if kind == "command":
                command_nodes.append(node)
        else:
            if any(c in "&;|" for c in kind) and kind not in _ALLOWED_PUNCT_TOKENS:
                return None
            if not (kind in _ALLOWED_PUNCT_TOKENS or kind.strip() == ""):
                return None
        stack.extend(node.children)
    command_nodes.sort(key=lambda n: n.start_byte)
    commands: list[list[str]] = []
    for node in command_nodes:
        words = _parse_plain_command_from_node(node, src)
        if words is None:
            return None
        commands.append(words)
    return commands


def parse_plain_script(script: str) -> list[list[str]] | None:
    """Codex's ``parse_shell_script_into_commands``/``parse_plain_shell_script``: the plain
    commands of a script made only of word-only commands joined by ``&&``, ``||``, ``;``,
    ``|`` and newlines, or None when anything else occurs (execpolicy.md §5 lists what
    refuses). An empty or blank script gives ``[]``."""
    parsed = _try_parse(script)
    if parsed is None:
        return None
    return _word_only_commands_sequence(*parsed)


def plain_commands(argv: list[str]) -> list[list[str]] | None:
    """Codex's ``parse_shell_lc_plain_commands``.

    Args:
        argv: the full command, e.g. ``["bash", "-lc", "git status && ls"]``.

    Returns:
        The list of commands (each a list of words, in source order) when argv is exactly
        ``[bash|zsh|sh, -lc|-c, SCRIPT]`` and SCRIPT is a word-only command sequence; ``[]``
        for an empty or whitespace-only script; None otherwise (refused). Words are the raw
        source text for unquoted words (no unescaping or expansion) and the verbatim inner
        text of quoted strings, exactly as Codex produces them. Never raises.

    Source: execpolicy.md §5; Codex ``shell-command/src/bash.rs``.
    """
    extracted = extract_bash_command(argv)
    if extracted is None:
        return None
    return parse_plain_script(extracted[1])


def _has_named_descendant_kind(node: Node, kind: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            return True
        stack.extend(current.named_children)
    return False


def _find_single_command_node(root: Node) -> Node | None:
    stack = [root]
    single: Node | None = None
    while stack:
        node = stack.pop()
        if node.type == "command":
            if single is not None:
                return None
            single = node
        stack.extend(node.named_children)
    return single


def _is_literal_word_or_number(node: Node) -> bool:
    return node.type in ("word", "number") and node.named_child_count == 0


def _parse_heredoc_command_words(cmd: Node, src: bytes) -> list[str] | None:
    if cmd.type != "command":
        return None
    words: list[str] = []
    for child in cmd.named_children:
        kind = child.type
        text: str | None
        if kind == "command_name":
            word_node = child.named_child(0)
            if word_node is None or not _is_literal_word_or_number(word_node):
                return None
            text = _parser.node_text(word_node, src)
        elif kind in ("word", "number"):
            if not _is_literal_word_or_number(child):
                return None
            text = _parser.node_text(child, src)
        elif kind == "comment" or kind in _HEREDOC_ATTACHMENT_KINDS:
            continue
        else:
            return None
        if text is None:
            return None
        words.append(text)
    return words or None


def heredoc_prefix(argv: list[str]) -> list[str] | None:
    """Codex's ``parse_shell_lc_single_command_prefix`` (the heredoc case).

    Args:
        argv: the full command, e.g. ``["bash", "-lc", "python3 <<'PY'\\n...\\nPY"]``.

    Returns:
        The literal words of the script's only command when the script parses without error,
        contains a ``heredoc_redirect``, no ``file_redirect``, exactly one ``command`` node,
        and that command's words are all literal ``word``/``number`` nodes; None otherwise.
        The heredoc body is not inspected. Never raises.

    Source: execpolicy.md §5; Codex ``shell-command/src/bash.rs``.
    """
    extracted = extract_bash_command(argv)
    if extracted is None:
        return None
    parsed = _try_parse(extracted[1])
    if parsed is None:
        return None
    tree, src = parsed
    root = tree.root_node
    if root.has_error:
        return None
    if not _has_named_descendant_kind(root, "heredoc_redirect"):
        return None
    if _has_named_descendant_kind(root, "file_redirect"):
        return None
    command = _find_single_command_node(root)
    if command is None:
        return None
    return _parse_heredoc_command_words(command, src)


def commands_for_exec_policy(argv: list[str]) -> tuple[list[list[str]], bool]:
    """Codex core's ``commands_for_exec_policy`` on a non-Windows host.

    Args:
        argv: the full command the shell tool would execute.

    Returns:
        ``(commands, used_complex_parsing)``: the plain commands when :func:`plain_commands`
        gives a non-empty list (False); else the heredoc prefix as a single command (True);
        else ``[argv]`` unchanged (False). An empty script therefore falls back to ``[argv]``.
        Never raises.

    Source: execpolicy.md §5; Codex ``core/src/exec_policy.rs``.
    """
    commands = plain_commands(argv)
    if commands:
        return commands, False
    single = heredoc_prefix(argv)
    if single is not None:
        return [single], True
    return [list(argv)], False
