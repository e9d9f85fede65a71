"""The parser path of the shell analysis: a script that is not plain words (quotes,
expansions, redirections, substitutions, compound commands, functions ...) is parsed with
tree-sitter-bash 0.25.1, as Codex parses it (``shell-command/src/bash.rs``, execpolicy.md §5), and
its tree walked in full here.

:class:`Walker` is the analyzer of :mod:`codex_guard.shell.analyze` plus the tree walk; an
analyzer becomes one the first time it needs the parser (``_Analyzer.parse_script``), so a
hook whose scripts are plain words never loads this module or the parser (issue 8). What the
walk finds goes through the same word-level handling (``_Analyzer.emit``: wrappers, nested
shells, inline code) as the plain-word path.
"""

from __future__ import annotations

import time

from . import _parser, _static, _tree
from ._files import listed_paths
from ._words import (
    QUOTED,
    SPLIT,
    Word,
    brace_expand,
    decode_ansi_c,
    is_assignment_word,
    unescape_double_quoted,
    unescape_unquoted,
)
from .analyze import (
    _IO,
    _NO_IO,
    MAX_FUNCTION_CALLS,
    MAX_SCRIPT_BYTES,
    MAX_TREE_DEPTH,
    MAX_VARIANTS,
    MAX_WORDS,
    REASON_BAD_UNICODE,
    REASON_DEV_TCP,
    REASON_FORK_BOMB,
    REASON_PARSE_BUDGET,
    REASON_PARSE_ERROR,
    REASON_RECURSIVE_FUNCTION,
    REASON_TOO_DEEP,
    REASON_TOO_LARGE,
    REASON_TOO_MANY_CALLS,
    REASON_TOO_MANY_VALUES,
    REASON_TOO_MANY_WORDS,
    REASON_UNPARSED_TEXT,
    _Analyzer,
    _dedupe,
    _Feed,
    _normalize_program,
    _Src,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from tree_sitter import Node

_BARE_TILDE_RX: list[re.Pattern[bytes]] = []

_BRANCHING = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "case_statement",
        "case_item",
        "while_statement",
        "c_style_for_statement",
        "subshell",
        "command_substitution",
        "process_substitution",
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


def _bare_tilde() -> re.Pattern[bytes]:
    if not _BARE_TILDE_RX:
        import re

        _BARE_TILDE_RX.append(re.compile(rb"(?<=[ \t])~(?=[ \t;)\]])"))
    return _BARE_TILDE_RX[0]


def _blank_only(gap: bytes) -> bool:
    """True when ``gap`` holds only blanks and line continuations."""
    return not gap.replace(b"\\\n", b"").strip(b" \t\r\n")


def _split_fields(word: Word) -> list[Word] | None:
    """Field splitting: blanks that came from an unquoted expansion (SPLIT in the shape)
    separate words; None when there is nothing to split. An unquoted expansion that is
    empty gives no word at all (``[]``)."""
    if SPLIT not in word.shape:
        return None
    pieces: list[Word] = []
    text: list[str] = []
    shape: list[str] = []
    for ch, sh in zip(word.text, word.shape, strict=False):
        if sh == SPLIT and ch in " \t\n":
            if text:
                pieces.append(
                    Word("".join(text), "".join(shape), word.dynamic, word.start, word.end)
                )
                text, shape = [], []
            continue
        text.append(ch)
        shape.append(sh)
    if text:
        pieces.append(Word("".join(text), "".join(shape), word.dynamic, word.start, word.end))
    for p in pieces:
        p.sources = word.sources
        p.code = word.code
    return pieces


def _brace_words(words: list[Word]) -> list[Word]:
    """Brace expansion of each word (``~/.ssh/{config,id_rsa}`` -> two words)."""
    out: list[Word] = []
    for w in words:
        expanded = brace_expand(w.text, w.shape)
        if expanded is None:
            out.append(w)
            continue
        for text, shape in expanded:
            piece = Word(text, shape, w.dynamic, w.start, w.end)
            piece.sources = w.sources
            piece.code = w.code
            out.append(piece)
    return out


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
                combos = [
                    (a + c, b + d, x or y)
                    for a, b, x in prev.variants()
                    for c, d, y in w.variants()
                ][:MAX_VARIANTS]
                merged = Word(combos[0][0], combos[0][1], combos[0][2], prev.start, w.end)
                merged.alts = tuple(combos[1:])
                merged.sources = prev.sources + w.sources
                out[-1] = merged
                continue
        out.append(w)
    return out


class Walker(_Analyzer):
    """The analyzer with the tree walk (see the module docstring)."""

    __slots__ = ()

    def parse_script(self, script: str, via: tuple[str, ...], depth: int, tdepth: int) -> None:
        """Parse ``script`` with tree-sitter-bash and walk the tree."""
        try:
            src = script.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: not text any shell could receive
            self.reason(REASON_BAD_UNICODE)
            src = script.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode()
        if len(src) > MAX_SCRIPT_BYTES:
            self.reason(REASON_TOO_LARGE)
            src = src[:MAX_SCRIPT_BYTES]
        tree, complete = _parser.parse(src, self.deadline - time.monotonic())
        if complete and tree.root_node.has_error and _bare_tilde().search(src):
            # tree-sitter-bash 0.25.1 reads a lone `~` inside [ ]/[[ ]] as an operator and
            # loses the rest of the line; `~/` names the same directory and parses.
            retry = _bare_tilde().sub(b"~/", src)
            tree2, complete2 = _parser.parse(retry, self.deadline - time.monotonic())
            if complete2 and not tree2.root_node.has_error:
                src, tree = retry, tree2
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
            self.pipeline(node, s, io, td)
        elif kind in ("command_substitution", "process_substitution"):
            scope = self.enter_scope()
            try:
                self.visit_children(node, s, _NO_IO, td)
            finally:
                self.leave_scope(scope)
        elif kind == "for_statement":
            self.for_statement(node, s, io, td)
        elif kind in _BRANCHING:
            scope = self.enter_scope()
            try:
                self.visit_children(node, s, io, td)
            finally:
                self.leave_scope(scope)
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

    def pipeline(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        """``a | b | c``: each stage learns the programs upstream of it and, when every
        earlier stage is statically known (``echo …``, ``base64 -d`` …), what it reads."""
        self.stages(list(node.children), s, io, td)

    def stages(self, children: list[Node], s: _Src, io: _IO, td: int) -> None:
        scope = self.enter_scope()  # every stage runs in a subshell
        try:
            self.run_stages(children, s, io, td)
        finally:
            self.leave_scope(scope)

    def run_stages(self, children: list[Node], s: _Src, io: _IO, td: int) -> None:
        piped = io.piped
        upstream = io.upstream
        text = io.text
        paths = io.paths
        for child in children:
            if not child.is_named:
                if child.type in ("|", "|&"):
                    piped = True
                continue
            before = len(self.commands)
            self.stage_words = None
            self.stage_stdin = None
            stage_in = text
            stage_io = _IO(piped, io.feeds, False, upstream, stage_in, paths)
            self.visit(child, s, stage_io, td + 1)
            text = self.stage_text(child, stage_in)
            paths = listed_paths(self.stage_words or []) if child.type == "command" else None
            upstream = self.upstream_after(upstream, before)

    def for_statement(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        """``for NAME in WORDS; do …; done``: NAME takes each word's values in the body."""
        var = node.child_by_field_name("variable")
        name = _parser.node_text(var, s.src) if var is not None else None
        values: list[tuple[str, bool]] = []
        has_in = False
        for child in node.children_by_field_name("value"):
            has_in = True
            w = self.eval_word(child, s)
            for text, shape, dyn in w.variants():
                word = Word(text, shape, dyn)
                split = _split_fields(word)
                for piece in split if split is not None else [word]:
                    values.append((piece.text, piece.dynamic))
        scope = self.enter_scope()
        try:
            if name:
                self.set_var(name, values if has_in else [("$@", True)], s.depth)
            self.visit_children(node, s, io, td)
        finally:
            self.leave_scope(scope)

    def visit_children(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        for child in node.named_children:
            if child.type not in _INERT:
                self.visit(child, s, io, td + 1)

    def redirected_statement(self, node: Node, s: _Src, io: _IO, td: int) -> None:
        body = node.child_by_field_name("body")
        others = [c for c in node.children if body is None or c != body]
        tail = _tree.heredoc_pipe_tail(others)
        if body is not None and body.type == "command":
            self.tick()
            before = len(self.commands)
            self.stage_words = None
            self.stage_stdin = None
            self.command(body, s, io, others, td + 1)
            if tail is not None:
                # `cat <<EOF | bash`: tree-sitter-bash puts `| bash` inside the heredoc redirect
                text = self.stage_text(body, io.text)
                upstream = self.upstream_after(io.upstream, before)
                self.stages(list(tail.children), s, _IO(True, (), False, upstream, text), td + 1)
        elif body is not None:
            feeds = [
                feed
                for c in others
                if c.type in _REDIRECTS
                for feed in self.redirect_parts(c, s, None, [])
            ]
            self.visit(body, s, _IO(io.piped, io.feeds + tuple(feeds), io.xargs), td + 1)
        for child in others:
            if child.is_named and child.type not in _INERT:
                if tail is not None and child.type == "heredoc_redirect":
                    for part in child.named_children:
                        if part != tail and part.type not in _INERT:
                            self.visit(part, s, _NO_IO, td + 1)
                    continue
                self.visit(child, s, _NO_IO, td + 1)
        if body is None and others:
            # `> /dev/sda`: a redirection alone still opens (and truncates) its target
            redirects: list[tuple[str, str]] = []
            for child in others:
                if child.type in _REDIRECTS:
                    self.redirect_parts(child, s, None, redirects)
            self.emit([Word.literal(":")], (), s.via, _NO_IO, s, td + 1, tuple(redirects))

    def function_definition(self, node: Node, s: _Src, td: int) -> None:
        """``NAME() { BODY; }``: the body is analysed where the function is called, with the
        call's arguments (:meth:`call_function`); a function never called is analysed once at
        the end (:meth:`finish`), since a trap or a child shell may still run it."""
        name_node = node.child_by_field_name("name")
        name = _parser.node_text(name_node, s.src) if name_node is not None else None
        body = node.child_by_field_name("body")
        if not name or body is None:
            self.visit_children(node, s, _NO_IO, td)
            return
        if _tree.calls(body, name, s.src):
            self.reason(REASON_RECURSIVE_FUNCTION)
            if _tree.forks(body):
                self.reason(REASON_FORK_BOMB)
        self.functions[name] = (body, s, td)

    def call_function(self, name: str, words: list[Word], td: int) -> None:
        """``f ARGS`` for a function defined earlier: its body runs again with ``$1``… bound
        to ARGS (``f(){ rm -rf "$1"; }; f ~`` runs ``rm -rf ~``). Not re-entered while it
        runs (recursion), at most MAX_FUNCTION_CALLS calls per analysis."""
        if name in self.calling:
            return
        if self.function_calls >= MAX_FUNCTION_CALLS:
            self.reason(REASON_TOO_MANY_CALLS)
            return
        body, s, _td = self.functions[name]
        self.called.add(name)
        self.function_calls += 1
        saved = self.bind_positionals(words[1:])
        self.calling.add(name)
        try:
            self.visit(body, s, _NO_IO, td + 1)
        finally:
            self.calling.discard(name)
            self.restore(saved)

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
                if _valid_assignment_node(child, s):
                    self.assign(child, s)
            elif child.type in _REDIRECTS or child.type == "comment":
                continue
            else:
                words.append(self.eval_word(child, s))
        if words:
            self.emit(words, (), s.via, _NO_IO, s, td + 1)
        self.visit_children(node, s, _NO_IO, td)

    def command(self, node: Node, s: _Src, io: _IO, others: list[Node], td: int) -> None:
        """A simple command; ``others`` are the sibling redirects of a redirected_statement."""
        assignments: list[str] = []
        words: list[Word] = []
        feeds: list[_Feed] = []
        redirects: list[tuple[str, str]] = []
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
            elif kind == "variable_assignment":  # `0a= FOO= a`: after the program, a word
                words.append(self.assignment_word(child, s))
            elif kind == "command_name":
                seen_name = True
                inner = _tree.first_named(child)
                w = self.eval_word(inner if inner is not None else child, s)
                w.start, w.end = child.start_byte, child.end_byte
                words.append(w)
            elif kind in _REDIRECTS:
                feeds.extend(self.redirect_parts(child, s, words, redirects))
            elif kind != "comment":
                words.append(self.eval_word(child, s))
        for child in others:
            covered.append((child.start_byte, child.end_byte))
            if child.type in _REDIRECTS:
                feeds.extend(self.redirect_parts(child, s, words, redirects))
        self.recover_gaps(node.start_byte, covered, s, words)
        words = _merge_adjacent(words, s.src)
        while words and _is_unquoted_assignment(words[0]):
            # tree-sitter-bash takes `_= cmd` as command name `_=`; bash assigns _ and runs cmd
            assignments.append(words.pop(0).text)
        if not words and assignments:  # `_=` alone: assignment statements after all
            self.assigned.extend(assignments)
            for a in assignments:
                key, _, value = a.partition("=")
                if not key.endswith("+"):
                    self.set_var(key, [(value, False)], s.depth)
        if len(words) > MAX_WORDS:
            self.reason(REASON_TOO_MANY_WORDS)
            words = words[:MAX_WORDS]
        variants = self.variants(words)
        for variant in variants:
            command_io = _IO(
                io.piped, io.feeds + tuple(feeds), io.xargs, io.upstream, io.text, io.paths
            )
            self.emit(variant, tuple(assignments), s.via, command_io, s, td + 1, tuple(redirects))
            self.note_download(variant, redirects)
        for child in node.named_children:
            if child.type == "variable_assignment":  # handled above; look inside only
                self.visit_children(child, s, _NO_IO, td + 1)
            elif child.type not in _INERT:
                self.visit(child, s, _NO_IO, td + 1)
        self.stage_words = variants[0] if len(variants) == 1 else None
        literal = [f for f in feeds if not f.dynamic]
        if len(feeds) == 1 and literal:
            self.stage_stdin = literal[0].text.encode("utf-8", "surrogatepass")

    def variants(self, words: list[Word]) -> list[list[Word]]:
        """Field splitting of unquoted expansions, and one word list per combination of the
        values words may take (bounded by MAX_VARIANTS; the rest give a reason)."""
        out: list[list[Word]] = [[]]
        for w in words:
            options = w.variants() if w.alts else [(w.text, w.shape, w.dynamic)]
            nxt: list[list[Word]] = []
            for prefix in out:
                for text, shape, dyn in options:
                    piece = Word(text, shape, dyn, w.start, w.end)
                    piece.sources = w.sources
                    piece.code = w.code
                    split = _split_fields(piece)
                    nxt.append(prefix + _brace_words(split if split is not None else [piece]))
            if len(nxt) > MAX_VARIANTS:
                self.reason(REASON_TOO_MANY_VALUES)
                nxt = nxt[:MAX_VARIANTS]
            out = nxt
        return [v for v in out if v] or [[]]

    def redirect_parts(
        self,
        node: Node,
        s: _Src,
        words: list[Word] | None,
        redirects: list[tuple[str, str]],
    ) -> list[_Feed]:
        """Split a redirect into what it feeds to stdin and the stray argument words that
        tree-sitter-bash attaches to it (``git >/dev/null reset --hard`` parses ``reset
        --hard`` inside the redirect; bash passes them to git)."""
        kind = node.type
        feeds: list[_Feed] = []
        target_seen = False
        quoted_delimiter = False
        strip_tabs = False
        op = ""
        for child in node.children:
            ckind = child.type
            if not child.is_named:
                if ckind == "<<-":
                    strip_tabs = True
                if not target_seen:
                    op += _parser.node_text(child, s.src) or ""
                continue
            if ckind == "file_descriptor" and not target_seen:
                op += _parser.node_text(child, s.src) or ""
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
                elif ckind in _REDIRECTS:  # `cat <<EOF > out`: nested in the heredoc node
                    feeds.extend(self.redirect_parts(child, s, words, redirects))
                continue
            if ckind == "file_descriptor" or ckind not in _WORDISH:
                continue
            if not target_seen:
                target_seen = True
                w = self.eval_word(child, s)
                if kind == "herestring_redirect":
                    feeds.append(_Feed(w.text + "\n", w.dynamic))
                for text, _shape, _dyn in w.variants():
                    redirects.append((op or "<<<", text))
                    if text.startswith("/dev/tcp/") or text.startswith("/dev/udp/"):
                        self.reason(REASON_DEV_TCP)
                continue
            if words is not None:
                words.append(self.eval_word(child, s))
        if kind == "heredoc_redirect":
            redirects.append(("<<", ""))
            if not feeds:
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
        nodes: list[Node] = []
        words: list[Word] = []
        for child in parts:
            if child.type != "variable_assignment":
                self.visit(child, s, _NO_IO, td + 1)
                continue
            w = self.assignment_word(child, s)
            if not words and _valid_assignment_node(child, s):
                assignments.append(w.text)
                nodes.append(child)
            else:
                words.append(w)
            self.visit_children(child, s, _NO_IO, td + 1)
        if words:  # prefixes of a command: its environment only
            self.emit(words, tuple(assignments), s.via, io, s, td + 1)
            return
        self.assigned.extend(assignments)
        for child in nodes:
            self.assign(child, s)

    def assign(self, node: Node, s: _Src) -> None:
        """Record a shell variable assignment (``NAME=value``, ``NAME+=value``) for later
        ``$NAME`` expansions; inside a branch or loop the values add up."""
        name_node = node.child_by_field_name("name")
        if name_node is None or name_node.type != "variable_name":
            return
        name = _parser.node_text(name_node, s.src) or ""
        value_node = node.child_by_field_name("value")
        if value_node is not None and value_node.type == "array":
            self.assign_array(name, value_node, s)
            return
        if value_node is None:
            values = [("", False)]
        else:
            w = self.eval_word(value_node, s)
            values = [(text, dyn) for text, _shape, dyn in w.variants()]
        op = next((c.type for c in node.children if not c.is_named), "=")
        old = self.lookup(name) or [("$" + name, True)]
        if op == "+=":
            values = [(a + b, x or y) for a, x in old for b, y in values][:MAX_VARIANTS]
        self.set_var(name, values, s.depth, old)

    def assign_array(self, name: str, node: Node, s: _Src) -> None:
        """``NAME=(w1 w2 …)``: ``"${NAME[@]}"`` gives the words, ``$NAME`` the first. Inside a
        scope the new elements add to the possible arrays instead of replacing them."""
        elements: list[tuple[str, bool]] = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            w = self.eval_word(child, s)
            split = _split_fields(w)
            elements += [(p.text, p.dynamic) for p in (split if split is not None else [w])]
        elements = elements[:MAX_WORDS]
        if self.scopes:
            self.arrays.setdefault(name, []).append(elements)
            self.arrays[name] = self.arrays[name][-MAX_VARIANTS:]
        else:
            self.arrays[name] = [elements]
        self.set_var(name, [elements[0] if elements else ("", False)], s.depth)

    def array_values(self, name: str, index: str) -> list[tuple[str, bool]] | None:
        """``${NAME[@]}`` (all words joined by blanks, to be field-split) or ``${NAME[N]}``."""
        arrays = self.arrays.get(name)
        if arrays is None:
            return None
        out: list[tuple[str, bool]] = []
        for elements in arrays:
            if index in ("@", "*"):
                out.append((" ".join(e for e, _d in elements), any(d for _e, d in elements)))
            elif index.isdigit() and int(index) < len(elements):
                out.append(elements[int(index)])
            else:
                return None
        return _dedupe(out)

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
        if kind == "brace_expression":  # {1..3}: literal syntax, expanded with the word
            return Word(raw, raw, False, start, end)
        return self.eval_dynamic(node, s, quoted=False)

    def eval_dynamic(self, node: Node, s: _Src, quoted: bool) -> Word:
        """An expansion or substitution: its known values, or its source text as a dynamic
        word. Characters from an unquoted expansion are marked SPLIT in the shape."""
        kind = node.type
        raw = _parser.node_text(node, s.src) or ""
        start, end = node.start_byte, node.end_byte
        values: list[tuple[str, bool]] | None = None
        sources: tuple[str, ...] = ()
        code: str | None = None
        if kind in ("simple_expansion", "expansion"):
            values = self.expand(node, s)
        elif kind == "command_substitution":
            out = self.static_substitution(node, s)
            if out is not None:
                values = [(out, False)]
            else:
                sources = _tree.programs_in(node, s.src)
        elif kind == "process_substitution":
            # a /dev/fd/N path: not an arbitrary file; its content comes from `sources`
            sources = _tree.programs_in(node, s.src)
            code = self.static_substitution(node, s)
            values = [(raw, False)]
        if not values:
            values = [(raw, True)]
        mark = QUOTED if quoted or kind == "process_substitution" else SPLIT
        if kind in ("expansion", "simple_expansion") and _tree.is_all_elements(node, s.src):
            mark = SPLIT  # "${a[@]}": one word per element even when quoted
        alts = [(v, (QUOTED if d else mark) * len(v), d) for v, d in values]
        w = Word(alts[0][0], alts[0][1], alts[0][2], start, end)
        w.alts = tuple(alts[1:])
        w.sources = sources
        w.code = code
        return w

    def expand(self, node: Node, s: _Src) -> list[tuple[str, bool]] | None:
        """``$NAME``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:?}``, ``${NAME:+alt}``."""
        children = list(node.children)
        if node.type == "simple_expansion":
            name_node = _tree.first_named(node)
            if name_node is None:
                return None
            name = _parser.node_text(name_node, s.src) or ""
            if name_node.type == "special_variable_name":
                return self.vars.get(name) if name in ("@", "*", "#", "0") else None
            if name_node.type != "variable_name":
                return None
            return self.lookup(name)
        if len(children) == 3 and children[1].type == "subscript":
            sub_name = children[1].child_by_field_name("name")
            sub_index = children[1].child_by_field_name("index")
            if sub_name is None or sub_index is None:
                return None
            return self.array_values(
                _parser.node_text(sub_name, s.src) or "", _parser.node_text(sub_index, s.src) or ""
            )
        if len(children) < 3 or children[1].type != "variable_name":
            return None  # ${#X}, ${!X}, ${@}: not evaluated
        name = _parser.node_text(children[1], s.src) or ""
        value = self.lookup(name)
        if children[2].type == "}":
            return value
        op = children[2].type
        rest = [c for c in children[3:] if c.type != "}"]
        if op in (":?", "?"):
            return value
        default: list[tuple[str, bool]] = [("", False)]
        if rest:
            w = self.eval_parts(node, s, rest, rest[0].start_byte, rest[-1].end_byte, False)
            default = [(text, dyn) for text, _shape, dyn in w.variants()]
        if op in (":-", "-", ":=", "="):
            if value is None:
                return default
            if op.startswith(":"):
                return _dedupe(
                    [v for v in value if v[0] or v[1]]
                    + (default if any(not v[0] and not v[1] for v in value) else [])
                )
            return value
        if op in (":+", "+"):
            if value is None:
                return None
            return default if all(v[0] for v in value) else None
        return None

    def static_substitution(self, node: Node, s: _Src) -> str | None:
        """The output of ``$(echo rm)`` / ``$(printf …)`` / ``$(echo … | base64 -d)``
        when every word is known, trailing newlines removed as bash does; else None."""
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1 or inner[0].type not in ("command", "pipeline"):
            return None
        stages = [inner[0]] if inner[0].type == "command" else list(inner[0].named_children)
        data: bytes | None = None
        for stage in stages:
            if stage.type != "command":
                return None
            words: list[Word] = []
            for child in stage.children:
                if child.type == "variable_assignment" or child.type in _REDIRECTS:
                    return None
                if not child.is_named or child.type == "comment":
                    continue
                target = _tree.first_named(child) if child.type == "command_name" else child
                w = self.eval_word(target if target is not None else child, s)
                if w.dynamic or w.alts:
                    return None
                words.extend(_split_fields(w) or [w])
            if not words:
                return None
            argv = [_normalize_program(words[0].text)[0], *(w.text for w in words[1:])]
            data = _static.stage_output(argv, data)
            if data is None:
                return None
        return None if data is None else data.decode("utf-8", "replace").rstrip("\n")

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
        # shapes from the parts: QUOTED, except "${a[@]}", which still gives one word each
        out = Word(word.text, word.shape, word.dynamic, start, end)
        out.alts = word.alts
        out.sources = word.sources
        return out

    def eval_parts(
        self, node: Node, s: _Src, children: list[Node], start: int, end: int, quoted: bool
    ) -> Word:
        """Join the pieces of a string or concatenation, including uncovered text between
        child nodes (literal content)."""
        texts: list[str] = []
        shapes: list[str] = []
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

        combos: list[tuple[str, str, bool]] = [("", "", False)]
        sources: tuple[str, ...] = ()

        def flush() -> None:
            nonlocal combos
            if texts:
                text, shape = "".join(texts), "".join(shapes)
                combos = [(a + text, b + shape, d) for a, b, d in combos]
                texts.clear()
                shapes.clear()

        for child in children:
            if child.start_byte > pos:
                literal(_parser.slice_text(s.src, pos, child.start_byte))
            if child.type == "string_content" or not child.is_named:
                literal(_parser.node_text(child, s.src) or "")
            else:
                if quoted and child.type not in ("string", "raw_string"):
                    w = self.eval_dynamic(child, s, quoted=True)
                else:
                    w = self.eval_word(child, s)
                flush()
                sources += w.sources
                combos = [
                    (a + text, b + shape, d or dyn)
                    for a, b, d in combos
                    for text, shape, dyn in w.variants()
                ][:MAX_VARIANTS]
            pos = max(pos, child.end_byte)
        if end > pos:
            literal(_parser.slice_text(s.src, pos, end))
        flush()
        word = Word(combos[0][0], combos[0][1], combos[0][2], node.start_byte, node.end_byte)
        word.alts = tuple(combos[1:])
        word.sources = sources
        return word
