"""tree-sitter node helpers for :mod:`codex_guard.shell.analyze` (bounded walks, safe access)."""

from __future__ import annotations

from . import _parser

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (start-up time)
if TYPE_CHECKING:
    from tree_sitter import Node


def first_named(node: Node) -> Node | None:
    """The first named child, or None (``named_child(0)`` raises on a childless node)."""
    return node.named_children[0] if node.named_child_count else None


def is_all_elements(node: Node, src: bytes) -> bool:
    """``${NAME[@]}`` or ``$@`` (one word per element even inside double quotes)."""
    sub = first_named(node)
    if sub is not None and sub.type == "special_variable_name":
        return _parser.node_text(sub, src) == "@"
    if sub is None or sub.type != "subscript":
        return False
    index = sub.child_by_field_name("index")
    return index is not None and _parser.node_text(index, src) == "@"


def programs_in(node: Node, src: bytes) -> tuple[str, ...]:
    """Basenames of the command names inside ``node`` (a substitution), bounded."""
    out: dict[str, None] = {}
    stack = [node]
    seen = 0
    while stack and seen < 2000:
        n = stack.pop()
        seen += 1
        if n.type == "command_name":
            text = (_parser.node_text(n, src) or "").strip("'\"\\")
            out.setdefault(text.rsplit("/", 1)[-1] or text, None)
        stack.extend(reversed(n.named_children))
    return tuple(out)


def heredoc_pipe_tail(others: list[Node]) -> Node | None:
    """The pipeline tree-sitter-bash nests inside a heredoc redirect (``cat <<EOF | sh``)."""
    for child in others:
        if child.type == "heredoc_redirect":
            for part in child.named_children:
                if part.type == "pipeline":
                    return part
    return None


def calls(body: Node, name: str, src: bytes) -> bool:
    """Whether a function body names the function as a command (bounded walk)."""
    stack = [body]
    seen = 0
    while stack and seen < 5000:
        n = stack.pop()
        seen += 1
        if n.type == "command_name" and (_parser.node_text(n, src) or "").strip("'\"\\") == name:
            return True
        stack.extend(n.children)
    return False


def forks(node: Node) -> bool:
    """Whether a function body holds a pipeline or a background ``&`` (bounded walk)."""
    stack = [node]
    seen = 0
    while stack and seen < 5000:
        n = stack.pop()
        seen += 1
        if n.type == "pipeline" or (not n.is_named and n.type == "&"):
            return True
        stack.extend(n.children)
    return False
