"""``guard_rule``: codex-guard's own rule builtin, for what ``prefix_rule`` cannot say.

Codex's ``prefix_rule`` matches literal argv prefixes only, so ``rm -r -f /``, ``rm ~ -rf`` or
``git push origin main --force`` escape a prefix rule for ``rm -rf`` / ``git push --force``.
A ``guard_rule`` judges the whole command: the program, leading operands (subcommands), options in
any position (short options also inside clusters such as ``-rf``), operands matched by path globs
after normalisation (``$HOME``/``${HOME}`` → ``~``, trailing slashes, ``..`` resolved lexically,
brace expansion, a glob operand such as ``~/.ss?/id_*`` against every path it could expand to),
redirect targets, the programs upstream in a pipeline and the programs whose output makes up an
operand (``bash <(curl …)``).

Codex refuses to start when a ``rules/`` file uses an unknown builtin, so ``guard_rule`` is only
available in codex-guard's built-in packs and in ``guard/`` folders (DESIGN.md §3). The language
reference with every parameter and examples is ``docs/rules.md``.

Signature (positional order; the first twelve are the original ones)::

    guard_rule(program, decision="forbidden", justification=None, subcommand=None, options=None,
               args=None, not_args=None, no_args=False, value_options=None, match=None,
               not_match=None, unless_args=None, operands=None, not_options=None, dest=None,
               literals=False, writes=None, reads=None, stdin_from=None, arg_from=None,
               program_from=None)

Every given condition must hold (they are ANDed). A condition that holds only because an operand
is known at run time only (``rm -rf $X``) caps the match at ``prompt``. Path globs and operand
matching live in :mod:`codex_guard.policy.globs`.
"""

from __future__ import annotations

from codex_guard._record import FrozenRecord
from codex_guard.policy.globs import (
    MATCH_STEPS,
    MAYBE,
    Pattern,
    glob_match,
    lazy_regex,
    operand_hit,
)
from codex_guard.policy.rule import DECISIONS, RuleMatch, Source, rust_debug_str

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SUBST = r"(?:\$\(|<\(|>\(|`)\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?P<p>[^\s;|&()`'\"]+)"
_LITERAL = r"'([^'\n]{1,4096})'|\"([^\"\n]{1,4096})\""
_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
_READ_OPS = frozenset({"<", "<>"})
_DEST_OPTIONS = ("-t", "--target-directory")
RUNTIME_NOTE = " (an operand is only known at run time, so the person decides)"


class ArgvContext(FrozenRecord):
    """What the shell layer knows about one command beyond its argv.

    Attributes:
        redirects: ``(operator, target)`` pairs after quote removal, e.g. ``(">>", "~/.bashrc")``;
            the operator keeps fd digits (``2>``); a heredoc is ``("<<", "")``, a herestring
            ``("<<<", text)``.
        stdin_from: basenames of every command upstream in the same pipeline (outermost first);
            ``"<<"``/``"<<<"`` when fed by a heredoc/herestring.
        dynamic: argv indices whose value is only known at run time (the argv keeps the source
            text, e.g. ``$1`` or ``$(curl …)``).
        sources: argv index → basenames of the programs whose output makes up that word.
    """

    __slots__ = ("dynamic", "redirects", "sources", "stdin_from")
    _FIELDS = ("redirects", "stdin_from", "dynamic", "sources")

    def __init__(
        self,
        redirects: tuple[tuple[str, str], ...] = (),
        stdin_from: tuple[str, ...] = (),
        dynamic: frozenset[int] = frozenset(),
        sources: tuple[tuple[int, tuple[str, ...]], ...] = (),
    ) -> None:
        self.redirects = redirects
        self.stdin_from = stdin_from
        self.dynamic = dynamic
        self.sources = sources


# ------------------------------------------------------------------------------------ the rule


def _program_matches(globs: tuple[str, ...], name: str) -> bool:
    for g in globs:
        if g == name or (("*" in g or "?" in g or "[" in g) and glob_match(g, name)):
            return True
    return False


def _has_option(opts: set[str], want: str) -> bool:
    """``want`` is an option spelling or a glob over option tokens (``--forc*``,
    ``--volume=/:*``)."""
    if want in opts:
        return True
    if "*" in want or "?" in want or "[" in want:
        return any(glob_match(want, o) for o in opts)
    return False


# GuardRule's fields in constructor order (``raw`` is kept as the rule's debug text)
_FIELDS = (
    "programs",
    "decision",
    "justification",
    "subcommand",
    "options",
    "args",
    "not_args",
    "unless_args",
    "no_args",
    "value_options",
    "operands",
    "not_options",
    "dest",
    "literals",
    "writes",
    "reads",
    "stdin_from",
    "arg_from",
    "program_from",
    "source",
)
_STRS = ("programs", "subcommand", "not_options", "stdin_from", "arg_from", "program_from")
# the glob fields, built from their texts on first use in a rule read from the cache
_GLOBS = ("args", "not_args", "unless_args", "dest", "writes", "reads", "operands")


def _strings(v: object) -> bool:
    """Whether ``v`` is a tuple of strings (``str.join`` checks the items in C)."""
    if type(v) is not tuple:
        return False
    try:
        "".join(v)
    except TypeError:
        return False
    return True


def _debug_text(raw: dict[str, Any]) -> str:
    return "GuardRule { " + ", ".join(f"{k}: {v!r}" for k, v in raw.items()) + " }"


_NEEDS_OPTION, _NEEDS_WRITE, _NEEDS_READ, _NEEDS_STDIN, _NEEDS_SOURCES, _NEEDS_NO_ARGS = (
    1,
    2,
    4,
    8,
    16,
    32,
)


def _needs_of(
    options: tuple[object, ...],
    writes: tuple[object, ...],
    reads: tuple[object, ...],
    stdin_from: tuple[str, ...],
    arg_from: tuple[str, ...],
    program_from: tuple[str, ...],
    *,
    no_args: bool,
) -> int:
    """What a command must have for a rule with these fields to match it, as bits: an option
    word (``options``), a write or read redirect (``writes``, ``reads``), an upstream pipeline
    stage (``stdin_from``), a word made of another program's output (``arg_from``,
    ``program_from``), no arguments (``no_args``); :meth:`GuardRule.could_match` tests them."""
    needs = _NEEDS_OPTION if options else 0
    needs |= _NEEDS_WRITE if writes else 0
    needs |= _NEEDS_READ if reads else 0
    needs |= _NEEDS_STDIN if stdin_from else 0
    needs |= _NEEDS_SOURCES if arg_from or program_from else 0
    return needs | (_NEEDS_NO_ARGS if no_args else 0)


class GuardRule:
    """A compiled ``guard_rule`` call (see the module docstring and ``docs/rules.md``).

    ``raw`` (the bound builtin arguments) is only kept as the rule's :meth:`debug` text.
    """

    __slots__ = (*_FIELDS, "_debug", "_needs", "_packed", "_texts")
    _texts: tuple[tuple[Any, ...], ...]  # glob texts of a rule read from the cache
    _packed: bytes  # a rule read from the cache and not used yet: its marshal-ed to_plain()

    def __init__(
        self,
        programs: tuple[str, ...],
        decision: str,
        justification: str | None,
        subcommand: tuple[str, ...] = (),
        options: tuple[tuple[str, ...], ...] = (),
        args: tuple[Pattern, ...] = (),
        not_args: tuple[Pattern, ...] = (),
        unless_args: tuple[Pattern, ...] = (),
        no_args: bool = False,
        value_options: frozenset[str] = frozenset(),
        operands: tuple[tuple[Pattern, ...], ...] = (),
        not_options: tuple[str, ...] = (),
        dest: tuple[Pattern, ...] = (),
        literals: bool = False,
        writes: tuple[Pattern, ...] = (),
        reads: tuple[Pattern, ...] = (),
        stdin_from: tuple[str, ...] = (),
        arg_from: tuple[str, ...] = (),
        program_from: tuple[str, ...] = (),
        source: Source | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        self.programs = programs
        self.decision = decision
        self.justification = justification
        self.subcommand = subcommand
        self.options = options
        self.args = args
        self.not_args = not_args
        self.unless_args = unless_args
        self.no_args = no_args
        self.value_options = value_options
        self.operands = operands
        self.not_options = not_options
        self.dest = dest
        self.literals = literals
        self.writes = writes
        self.reads = reads
        self.stdin_from = stdin_from
        self.arg_from = arg_from
        self.program_from = program_from
        self.source = Source("<memory>") if source is None else source
        self._debug: str | bytes = _debug_text(raw or {})
        self._needs = _needs_of(
            options, writes, reads, stdin_from, arg_from, program_from, no_args=no_args
        )

    @classmethod
    def lazy(
        cls, programs: tuple[str, ...], subcommand: tuple[str, ...], needs: int, packed: bytes
    ) -> GuardRule:
        """A rule read from the policy cache: its ``programs``, ``subcommand`` and what a
        command needs to have for it to match (:func:`_needs_of`) now (what the per-program
        index and :meth:`could_match` use), every other field from ``packed`` (the ``marshal``
        of its :meth:`to_plain`) when first used, so a hook process unpacks only the rules its
        command could match (issue 8). A ``packed`` that is not a valid rule raises
        ``ValueError`` then."""
        rule = cls.__new__(cls)
        rule.programs = programs
        rule.subcommand = subcommand
        rule._needs = needs
        rule._packed = packed
        return rule

    def could_match(self, argv: list[str], ctx: ArgvContext | None = None) -> bool:
        """False when :meth:`match` is certain to return None for ``argv`` in ``ctx``, decided
        without unpacking a cached rule: its subcommand is none of the words, or the command
        lacks what the rule requires (:func:`_needs_of`: an option, a write or read redirect, an
        upstream pipeline, a word made of another program's output, no arguments at all)."""
        sub = self.subcommand
        if sub and not any(w in sub for w in argv[1:]):
            return False
        needs = self._needs
        if not needs:
            return True
        rest = argv[1:]
        if needs & _NEEDS_NO_ARGS and rest:
            return False
        if needs & _NEEDS_OPTION and not any(w.startswith("-") and w != "-" for w in rest):
            return False
        redirects = ctx.redirects if ctx is not None else ()
        for bit, ops in ((_NEEDS_WRITE, _WRITE_OPS), (_NEEDS_READ, _READ_OPS)):
            if needs & bit and not any(op.lstrip("0123456789") in ops for op, _ in redirects):
                return False
        if needs & _NEEDS_STDIN and not (ctx is not None and ctx.stdin_from):
            return False
        if needs & _NEEDS_SOURCES:
            if ctx is not None:
                return bool(ctx.sources)
            return any("$(" in w or "`" in w or "<(" in w or ">(" in w for w in argv)
        return True

    def _unpack(self, packed: bytes) -> None:
        import marshal

        try:
            full = GuardRule.from_plain(marshal.loads(packed))
        except (EOFError, TypeError) as e:
            raise ValueError(f"bad GuardRule: {e}") from None
        object.__delattr__(self, "_packed")
        for slot in (*_FIELDS, "_debug", "_needs", "_texts"):
            try:
                value = object.__getattribute__(full, slot)
            except AttributeError:
                continue
            object.__setattr__(self, slot, value)

    def __getattr__(self, name: str) -> Any:
        # only reached for an unset slot: the fields of a rule read from the cache (unpacked on
        # first use), then its glob fields, built when a command first gets that far into it
        if name != "_packed":
            try:
                packed = object.__getattribute__(self, "_packed")
            except AttributeError:
                pass
            else:
                self._unpack(packed)
                return getattr(self, name)
        if name in _GLOBS:  # only the field asked for: most rules stop at the subcommand
            texts = object.__getattribute__(self, "_texts")
            t = texts[_GLOBS.index(name)]
            if name == "operands":
                value: Any = tuple(tuple(Pattern(x) for x in alts) for alts in t)
            else:
                value = tuple(Pattern(x) for x in t)
            object.__setattr__(self, name, value)
            return value
        raise AttributeError(name)

    def _has_texts(self) -> bool:
        try:
            object.__getattribute__(self, "_texts")
        except AttributeError:
            return False
        return True

    def _key(self) -> tuple[object, ...]:
        return (*(getattr(self, f) for f in _FIELDS), self.debug())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GuardRule) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in _FIELDS)
        return f"GuardRule({inner})"

    def to_plain(self) -> tuple[object, ...]:
        """Marshal-able data (the policy cache): the fields in constructor order, globs as
        their text, the source as :meth:`Source.to_plain`, then the :meth:`debug` text."""
        # a rule read from the cache: its glob texts, without building the globs
        cached = self._texts if self._has_texts() else ()
        texts = dict(zip(_GLOBS, cached, strict=False))
        out: list[object] = []
        for f in _FIELDS:
            if f in texts:
                out.append(texts[f])
                continue
            v = getattr(self, f)
            if f == "operands":
                v = tuple(tuple(p.text for p in alts) for alts in v)
            elif f in _GLOBS:
                v = tuple(p.text for p in v)
            elif f == "source":
                v = v.to_plain()
            out.append(v)
        # as UTF-8 bytes: marshal loads bytes without decoding them (the text is rarely needed)
        debug = self._debug
        out.append(debug if isinstance(debug, bytes) else debug.encode("utf-8", "surrogatepass"))
        return tuple(out)

    @classmethod
    def from_plain(cls, data: object) -> GuardRule:
        """The inverse of :meth:`to_plain`, checking every field's shape; the glob objects
        are built on first use.

        Raises:
            ValueError: ``data`` does not have the expected shape.
        """
        if type(data) is not tuple or len(data) != len(_FIELDS) + 1:
            raise ValueError("bad GuardRule")
        (
            programs,
            decision,
            justification,
            subcommand,
            options,
            args,
            not_args,
            unless_args,
            no_args,
            value_options,
            operands,
            not_options,
            dest,
            literals,
            writes,
            reads,
            stdin_from,
            arg_from,
            program_from,
            source,
            debug,
        ) = data
        strs = (programs, subcommand, not_options, stdin_from, arg_from, program_from)
        globs = (args, not_args, unless_args, dest, writes, reads)
        try:  # tuples of strings: tuple + tuple and str.join check the items in C
            "".join(sum((*strs, *globs, *options, *operands), ()))
            ok = type(options) is tuple and type(operands) is tuple
            ok = ok and type(value_options) is frozenset and _strings(tuple(value_options))
        except TypeError:
            ok = False
        if not (
            ok
            and decision in DECISIONS
            and (justification is None or type(justification) is str)
            and type(no_args) is bool
            and type(literals) is bool
            and type(debug) is bytes
        ):
            raise ValueError("bad GuardRule")
        rule = cls.__new__(cls)
        rule.programs = programs
        rule.decision = decision
        rule.justification = justification
        rule.subcommand = subcommand
        rule.options = options
        rule.no_args = no_args
        rule.value_options = value_options
        rule.not_options = not_options
        rule.literals = literals
        rule.stdin_from = stdin_from
        rule.arg_from = arg_from
        rule.program_from = program_from
        rule.source = Source.from_plain(source)
        rule._texts = (*globs, operands)
        rule._debug = debug
        rule._needs = _needs_of(
            options, writes, reads, stdin_from, arg_from, program_from, no_args=no_args
        )
        return rule

    PARAMS = [  # noqa: RUF012 - class-level signature table
        ("program", "list", True),
        ("decision", "str", False),
        ("justification", "str", False),
        ("subcommand", "list", False),
        ("options", "list", False),
        ("args", "list", False),
        ("not_args", "list", False),
        ("no_args", "bool", False),
        ("value_options", "list", False),
        ("match", "list", False),
        ("not_match", "list", False),
        ("unless_args", "list", False),
        ("operands", "list", False),
        ("not_options", "list", False),
        ("dest", "list", False),
        ("literals", "bool", False),
        ("writes", "list", False),
        ("reads", "list", False),
        ("stdin_from", "list", False),
        ("arg_from", "list", False),
        ("program_from", "list", False),
    ]

    @classmethod
    def from_args(
        cls,
        b: dict[str, Any],
        source: Source,
        parse_decision: Callable[[str | None], str],
        parse_justification: Callable[[str | None], str | None],
        error: type[Exception],
    ) -> GuardRule:
        """Build a rule from bound builtin arguments; raises ``error`` on a malformed value."""

        def strings(name: str) -> tuple[str, ...]:
            vals = b.get(name) or []
            if not all(isinstance(v, str) and v for v in vals):
                raise error(f"invalid rule: guard_rule {name} must be a list of non-empty strings")
            return tuple(vals)

        def pats(name: str) -> tuple[Pattern, ...]:
            return tuple(Pattern(p) for p in strings(name))

        programs = strings("program")
        if not programs:
            raise error("invalid rule: guard_rule program cannot be empty")
        groups: list[tuple[str, ...]] = []
        for g in b.get("options") or []:
            alts = (g,) if isinstance(g, str) else tuple(g)
            if not alts or not all(isinstance(x, str) and x.startswith("-") for x in alts):
                raise error("invalid rule: guard_rule options must be option strings or lists")
            groups.append(alts)
        operands: list[tuple[Pattern, ...]] = []
        for g in b.get("operands") or []:
            alts = (g,) if isinstance(g, str) else tuple(g)
            if not alts or not all(isinstance(x, str) and x for x in alts):
                raise error("invalid rule: guard_rule operands must be strings or lists of strings")
            operands.append(tuple(Pattern(x) for x in alts))
        not_options = strings("not_options")
        if not all(o.startswith("-") for o in not_options):
            raise error("invalid rule: guard_rule not_options must be option strings")
        return cls(
            programs=programs,
            decision=parse_decision(b.get("decision", "forbidden")),
            justification=parse_justification(b.get("justification")),
            subcommand=strings("subcommand"),
            options=tuple(groups),
            args=pats("args"),
            not_args=pats("not_args"),
            unless_args=pats("unless_args"),
            no_args=bool(b.get("no_args", False)),
            value_options=frozenset(strings("value_options")),
            operands=tuple(operands),
            not_options=not_options,
            dest=pats("dest"),
            literals=bool(b.get("literals", False)),
            writes=pats("writes"),
            reads=pats("reads"),
            stdin_from=strings("stdin_from"),
            arg_from=strings("arg_from"),
            program_from=strings("program_from"),
            source=source,
            raw={k: v for k, v in b.items() if k not in ("match", "not_match")},
        )

    def _split(self, rest: list[str]) -> tuple[set[str], list[int], str | None, int]:
        """Options seen, operand positions (argv indices), the ``-t DIR`` value and its index."""
        opts: set[str] = set()
        operands: list[int] = []
        target: str | None = None
        target_at = -1
        after_ddash = skip = False
        for k, tok in enumerate(rest, start=1):
            if skip:
                skip = False
                if k - 1 >= 1 and rest[k - 2] in _DEST_OPTIONS:
                    target, target_at = tok, k
                continue
            if after_ddash or tok == "-" or not tok.startswith("-"):
                operands.append(k)
            elif tok == "--":
                after_ddash = True
                opts.add("--")  # so a rule can ask for `git checkout -- PATH`
            elif tok.startswith("--"):
                name = tok.split("=", 1)[0]
                opts.add(name)
                opts.add(tok)
                if name == "--target-directory" and "=" in tok:
                    target, target_at = tok.split("=", 1)[1], k
                skip = tok in self.value_options
            elif tok in self.value_options or (self.dest and tok in _DEST_OPTIONS):
                opts.add(tok)
                skip = True
            else:
                opts.add(tok)
                if not tok[1:].isdigit():  # `-15` is a number, not a cluster of -1 and -5
                    opts.update("-" + ch for ch in tok[1:])
        return opts, operands, target, target_at

    def match(self, argv: list[str], ctx: ArgvContext | None = None) -> RuleMatch | None:
        """Match ``argv`` (program already reduced to its basename) in context ``ctx``.

        Returns:
            The match, whose decision is capped at ``prompt`` when it depends on a run-time value;
            None when the rule does not apply. Without ``ctx`` run-time words are recognised by
            their text (``$``, backticks) and sources by ``$(prog``/``<(prog``.
        """
        if not argv:
            return None
        name = argv[0]
        if not _program_matches(self.programs, name):
            base = name.rsplit("/", 1)[-1]
            if (
                self.decision == "allow"
                or base == name
                or not _program_matches(self.programs, base)
            ):
                return None
        rest = list(argv[1:])
        if self.no_args:
            return self._hit(argv, False) if not rest else None
        maybe = False
        budget = [MATCH_STEPS]
        dyn = (
            ctx.dynamic
            if ctx is not None
            else frozenset(k for k, a in enumerate(argv) if k and ("$" in a or "`" in a))
        )
        opts, positions, target, target_at = self._split(rest)
        if self.subcommand:
            if not positions or argv[positions[0]] not in self.subcommand:
                return None
            positions = positions[1:]
        for alts in self.operands:
            if not positions:
                return None
            k = positions.pop(0)
            hit = operand_hit(argv[k], k in dyn, alts, (), budget)
            if hit is None:
                return None
            maybe = maybe or hit == MAYBE
        for group in self.options:
            if not any(_has_option(opts, o) for o in group):
                return None
        if any(_has_option(opts, o) for o in self.not_options):
            return None
        if self.args:
            hit = self._any_hit(argv, positions, dyn, self.args, budget)
            if hit is None:
                return None
            maybe = maybe or hit == MAYBE
        if self.dest:
            if target is not None:
                d, d_at = target, target_at
            elif positions:
                d_at = positions[-1]
                d = argv[d_at]
            else:
                return None
            hit = operand_hit(d, d_at in dyn, self.dest, self.not_args, budget)
            if hit is None:
                return None
            maybe = maybe or hit == MAYBE
        if self.unless_args and any(p.match(argv[k]) for p in self.unless_args for k in positions):
            return None
        redirects = ctx.redirects if ctx is not None else ()
        for pats, ops in ((self.writes, _WRITE_OPS), (self.reads, _READ_OPS)):
            if not pats:
                continue
            hits = [
                operand_hit(t, "$" in t or "`" in t, pats, (), budget)
                for op, t in redirects
                if op.lstrip("0123456789") in ops
            ]
            if "yes" in hits:
                continue
            if MAYBE not in hits:
                return None
            maybe = True
        if self.stdin_from and not any(
            _program_matches(self.stdin_from, p.rsplit("/", 1)[-1])
            for p in (ctx.stdin_from if ctx is not None else ())
        ):
            return None
        if self.arg_from and not self._from_sources(argv, ctx, self.arg_from, False):
            return None
        if self.program_from and not self._from_sources(argv, ctx, self.program_from, True):
            return None
        return self._hit(argv, maybe)

    def _any_hit(
        self,
        argv: list[str],
        positions: list[int],
        dyn: frozenset[int],
        pats: tuple[Pattern, ...],
        budget: list[int],
    ) -> str | None:
        best: str | None = None
        for k in positions:
            words = [argv[k]]
            if self.literals and ("'" in argv[k] or '"' in argv[k]):
                words = [a or b for a, b in lazy_regex(_LITERAL).findall(argv[k])]
            for w in words:
                hit = operand_hit(w, k in dyn and w is argv[k], pats, self.not_args, budget)
                if hit == "yes":
                    return hit
                best = best or hit
        return best

    @staticmethod
    def _from_sources(
        argv: list[str], ctx: ArgvContext | None, want: tuple[str, ...], program: bool
    ) -> bool:
        """Whether a word (the program itself when ``program``, else any word) was produced by
        one of the programs ``want``."""
        if ctx is not None:
            progs = [p for k, ps in ctx.sources if k == 0 or not program for p in ps]
        else:
            words = argv[:1] if program else argv[1:]
            progs = [m.group("p") for a in words for m in lazy_regex(_SUBST).finditer(a)]
        return any(_program_matches(want, p.rsplit("/", 1)[-1]) for p in progs)

    def _hit(self, argv: list[str], maybe: bool) -> RuleMatch:
        if maybe and self.decision == "forbidden":
            why = (self.justification or "matches a forbidden rule") + RUNTIME_NOTE
            return RuleMatch(tuple(argv), "prompt", why, None, self)
        return RuleMatch(tuple(argv), self.decision, self.justification, None, self)

    @property
    def length(self) -> int:
        """Pattern length for 'most specific match' ordering: program + subcommand + groups."""
        n = 1 + (1 if self.subcommand else 0) + len(self.options) + len(self.operands)
        return n + sum(1 for x in (self.args, self.dest, self.writes, self.reads) if x)

    def pattern_tokens(self) -> list[str]:
        """A readable summary of the rule, used where a prefix rule shows its pattern."""

        def globs(name: str, wrap: str = "<{}>") -> str:
            field = getattr(self, name)
            vals = [v if isinstance(v, str) else v.text for v in field]
            return wrap.format("|".join(vals[:4]) + ("|…" if len(vals) > 4 else ""))

        progs = list(self.programs)
        out = ["|".join(progs[:6]) + ("|…" if len(progs) > 6 else "")]
        if self.subcommand:
            out.append("|".join(self.subcommand))
        out += ["|".join(p.text for p in alts) for alts in self.operands]
        out += ["|".join(g) for g in self.options]
        if self.args:
            out.append(globs("args"))
        if self.dest:
            out.append(globs("dest", "→<{}>"))
        if self.writes:
            out.append(globs("writes", "><{}>"))
        if self.reads:
            out.append(globs("reads", "<<{}>"))
        if self.stdin_from:
            out.insert(0, globs("stdin_from", "<{}> |"))
        if self.arg_from:
            out.append(globs("arg_from", "$(<{}>)"))
        if self.no_args:
            out.append("<no arguments>")
        return out

    def debug(self) -> str:
        """A one-line rendering of the rule for messages."""
        text = self._debug
        if isinstance(text, bytes):  # read from the cache
            text = self._debug = text.decode("utf-8", "surrogatepass")
        return text


# ------------------------------------------------------------------------------------ examples

_EXAMPLE_REDIRECTS = frozenset(
    {">", ">>", ">|", "&>", "&>>", ">&", "<", "<>", "2>", "2>>", "1>", "<<<"}
)


def example_argv(ex: list[str]) -> list[str]:
    """An example as the hook would see it: an absolute program path reduced to its basename."""
    if ex and "/" in ex[0] and not lazy_regex(_SUBST).search(ex[0]):
        return [ex[0].rsplit("/", 1)[-1], *ex[1:]]
    return ex


def example_command(ex: list[str]) -> tuple[list[str], ArgvContext]:
    """An example's argv and context: ``|`` tokens split a pipeline (the last command is judged,
    the earlier programs are its ``stdin_from``), and a redirect token (``>``, ``>>``, ``<``,
    ``2>``, ``&>``, ``<<<`` …) followed by a word is a redirect, not an argument."""
    upstream: list[str] = []
    seg: list[str] = []
    for tok in ex:
        if tok == "|":
            if seg:
                upstream.append(example_argv(seg)[0])
            seg = []
        else:
            seg.append(tok)
    argv: list[str] = []
    redirects: list[tuple[str, str]] = []
    i = 0
    while i < len(seg):
        if seg[i] in _EXAMPLE_REDIRECTS and i + 1 < len(seg):
            redirects.append((seg[i], seg[i + 1]))
            i += 2
            continue
        argv.append(seg[i])
        i += 1
    if "<<<" in (op for op, _ in redirects):
        upstream.append("<<<")
    argv = example_argv(argv) if argv else [""]
    dyn = frozenset(k for k, a in enumerate(argv) if k and ("$" in a or "`" in a))
    sources = tuple(
        (k, tuple(m.group("p").rsplit("/", 1)[-1] for m in lazy_regex(_SUBST).finditer(a)))
        for k, a in enumerate(argv)
        if lazy_regex(_SUBST).search(a)
    )
    return argv, ArgvContext(tuple(redirects), tuple(upstream), dyn, sources)


def _example_matches(rule: GuardRule, ex: list[str]) -> bool:
    argv, ctx = example_command(ex)
    m = rule.match(argv, ctx)
    return m is not None and m.decision == rule.decision


def validate_guard_examples(
    rule: GuardRule, match: list[list[str]], not_match: list[list[str]]
) -> str | None:
    """Check a guard rule's examples; the error message (Codex's wording) or None.

    A ``match`` example must match with the rule's own decision (not one capped at ``prompt``
    by a run-time operand); a ``not_match`` example must not match at all.
    """
    from codex_guard.policy import rshlex  # examples are checked on a cache miss only

    for ex in not_match:
        argv, ctx = example_command(ex)
        if rule.match(argv, ctx) is not None:
            rendered = rshlex.try_join(ex) or "unable to render example"
            return f"expected example to not match rule `{rule.debug()}`: {rendered}"
    unmatched = [
        rshlex.try_join(ex) or "unable to render example"
        for ex in match
        if not _example_matches(rule, ex)
    ]
    if unmatched:
        exs = ", ".join(rust_debug_str(u) for u in unmatched)
        return (
            "expected every example to match at least one rule. "
            f"rules: [{rust_debug_str(rule.debug())}]; unmatched examples: [{exs}]"
        )
    return None
