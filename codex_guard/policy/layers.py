"""Rule-file discovery across layers (DESIGN.md §3; Codex ``core/src/exec_policy.rs``).

Lowest precedence first: the built-in packs, the system folder ``/etc/codex``, the user folder
``$CODEX_HOME`` (default ``~/.codex``), every project ``.codex/`` from the project root down to the
event's cwd, then extra files (``--rules`` / ``CODEX_GUARD_RULES``). In each folder the plain-Codex
``rules/*.rules`` are read, then codex-guard's ``guard/*.rules`` (which may use ``guard_rule``).
All files go through one parser, so strictest-wins holds across layers.

The ``[rules]`` of ``requirements.toml`` (the system folder's, then ``CODEX_GUARD_REQUIREMENTS``
and ``--requirements`` files) are appended after all rule files, as Codex does.

Two steps, so a cache can sit between them: :func:`discover` (cheap: folder listings and the user
``config.toml``) returns a :class:`Discovery` whose ``fingerprint()`` covers every input;
:func:`load_discovered` evaluates it (Starlark). :func:`load` is both.

Project ``allow`` rules count only when Codex trusts the project (``[projects."<dir>"]
trust_level = "trusted"`` in the user ``config.toml`` for the layer's directory, the project root
or the git root); project prompt/forbidden rules always count.
"""

from __future__ import annotations

import os

from codex_guard._record import FrozenRecord
from codex_guard.policy.errors import PolicyError
from codex_guard.policy.policy import Policy

PACKS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "packs")
SYSTEM_DIR = "/etc/codex"
UNTRUSTED_PROJECT = "project-untrusted"


class RuleFile(FrozenRecord):
    """One file to load: its path, layer name and whether ``guard_rule`` is available.

    Immutable by convention; equal and hashable by value."""

    __slots__ = ("guard", "layer", "path")
    _FIELDS = ("path", "layer", "guard")

    def __init__(self, path: str, layer: str, guard: bool = False) -> None:
        self.path = path
        self.layer = layer
        self.guard = guard

    def to_plain(self) -> tuple[str, str, bool]:
        """``(path, layer, guard)``: marshal-able data (the policy cache, cache keys)."""
        return (self.path, self.layer, self.guard)

    @classmethod
    def from_plain(cls, data: object) -> RuleFile:
        """The inverse of :meth:`to_plain`.

        Raises:
            ValueError: ``data`` does not have the expected shape.
        """
        if (
            type(data) is tuple
            and len(data) == 3
            and type(data[0]) is str
            and type(data[1]) is str
            and type(data[2]) is bool
        ):
            return cls(data[0], data[1], data[2])
        raise ValueError("bad RuleFile")


class LoadedPolicy:
    """The policy of all layers plus what was loaded from where.

    Attributes:
        policy: the merged policy.
        files: every rule file, in load order.
        project_root: the project root found from the cwd, or None.
        project_trusted: whether Codex trusts that project.
    """

    __slots__ = ("files", "policy", "project_root", "project_trusted")

    def __init__(
        self,
        policy: Policy,
        files: list[RuleFile] | None = None,
        project_root: str | None = None,
        project_trusted: bool = False,
    ) -> None:
        self.policy = policy
        self.files = [] if files is None else files
        self.project_root = project_root
        self.project_trusted = project_trusted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LoadedPolicy) and (
            self.policy,
            self.files,
            self.project_root,
            self.project_trusted,
        ) == (other.policy, other.files, other.project_root, other.project_trusted)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return (
            f"LoadedPolicy(policy={self.policy!r}, files={self.files!r}, "
            f"project_root={self.project_root!r}, project_trusted={self.project_trusted!r})"
        )


def codex_home() -> str:
    """``$CODEX_HOME`` or ``~/.codex``."""
    return os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")


def _rules_in(folder: str) -> list[str]:
    """Regular files directly in ``folder`` ending in ``.rules``, sorted by path.

    Raises:
        PolicyError: the folder exists but cannot be listed (Codex ``ReadDir``).
    """
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise PolicyError(
            f"failed to read rules files from {folder}: {e.strerror}", folder
        ) from None
    out = []
    for name in names:
        p = os.path.join(folder, name)
        if name.endswith(".rules") and os.path.isfile(p):
            out.append(p)
    return sorted(out)


def project_root(cwd: str) -> str | None:
    """The first ancestor of ``cwd`` (inclusive) that contains ``.git``, or None."""
    d = os.path.abspath(cwd)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def trusted_projects(home: str) -> set[str]:
    """Directories marked ``trust_level = "trusted"`` under ``[projects]`` in the user
    ``config.toml``; empty when the file is missing.

    Raises:
        PolicyError: the config file exists but is not valid TOML.
    """
    path = os.path.join(home, "config.toml")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return set()
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PolicyError(f"invalid config.toml: {e}", path) from None
    projects = data.get("projects")
    out = set()
    if isinstance(projects, dict):
        for k, v in projects.items():
            if isinstance(v, dict) and v.get("trust_level") == "trusted":
                out.add(os.path.normpath(k))
    return out


class Discovery:
    """What :func:`discover` found: everything the policy depends on, without evaluating it.

    Attributes:
        files: the rule files, in load order.
        requirements: ``requirements.toml`` files whose ``[rules]`` are appended after the
            files (the system one first, then ``CODEX_GUARD_REQUIREMENTS``/``--requirements``).
        project_root: the project root found from the cwd, or None.
        project_trusted: whether Codex trusts that project.
        inputs: every path whose content or listing decides the policy (rule files, the
            folders they were listed from, requirements files, the user ``config.toml`` read for
            trust); a cache may key on their stats (:meth:`fingerprint`).
    """

    __slots__ = ("files", "inputs", "project_root", "project_trusted", "requirements")

    def __init__(
        self,
        files: tuple[RuleFile, ...],
        requirements: tuple[str, ...] = (),
        project_root: str | None = None,
        project_trusted: bool = False,
        inputs: tuple[str, ...] = (),
    ) -> None:
        self.files = files
        self.requirements = requirements
        self.project_root = project_root
        self.project_trusted = project_trusted
        self.inputs = inputs

    def __repr__(self) -> str:
        return (
            f"Discovery(files={self.files!r}, requirements={self.requirements!r}, "
            f"project_root={self.project_root!r}, project_trusted={self.project_trusted!r}, "
            f"inputs={self.inputs!r})"
        )

    def fingerprint(self) -> tuple[tuple[str, int, int, int] | tuple[str], ...]:
        """``(path, size, mtime_ns, inode)`` of every input (``(path,)`` when missing): equal
        fingerprints mean an equal policy."""
        out: list[tuple[str, int, int, int] | tuple[str]] = []
        for p in self.inputs:
            try:
                st = os.stat(p)
            except OSError:
                out.append((p,))
                continue
            out.append((p, st.st_size, st.st_mtime_ns, st.st_ino))
        return tuple(out)

    def cache_key(self) -> tuple[object, ...]:
        """Everything :func:`load_discovered` depends on: the file list with layers (trust
        changes layer names), the requirements files and the stats of every input. Equal keys
        mean an equal :class:`LoadedPolicy`. Plain data (tuples of str, int, bool, None)."""
        return (
            tuple(f.to_plain() for f in self.files),
            self.requirements,
            self.project_root,
            self.project_trusted,
            self.fingerprint(),
        )


def system_folder() -> str:
    """``$CODEX_GUARD_SYSTEM_DIR`` or ``/etc/codex``."""
    return os.environ.get("CODEX_GUARD_SYSTEM_DIR") or SYSTEM_DIR


def discover(
    cwd: str | None,
    *,
    extra: list[str] | None = None,
    home: str | None = None,
    system_dir: str | None = None,
    packs: bool = True,
    requirements: list[str] | None = None,
) -> Discovery:
    """List the rule files of every layer for an event in ``cwd`` (cheap: listings, stats and
    the user ``config.toml`` only; no Starlark).

    Args:
        cwd: the event's working directory (None: no project layers).
        extra: extra rule files (after ``CODEX_GUARD_RULES``).
        home: the Codex home (default ``$CODEX_HOME`` or ``~/.codex``).
        system_dir: the system folder (default ``$CODEX_GUARD_SYSTEM_DIR`` or ``/etc/codex``).
        packs: include the built-in packs.
        requirements: extra ``requirements.toml`` files (after the system one and
            ``CODEX_GUARD_REQUIREMENTS``).

    Raises:
        PolicyError: a rules folder cannot be listed or the user config.toml is invalid.
    """
    home = home or codex_home()
    sysdir = system_dir or system_folder()
    files: list[RuleFile] = []
    inputs: list[str] = []

    def folder(base: str, layer: str) -> None:
        for sub, guard in (("rules", False), ("guard", True)):
            d = os.path.join(base, sub)
            inputs.append(d)
            files.extend(RuleFile(p, layer, guard) for p in _rules_in(d))

    if packs:
        inputs.append(PACKS_DIR)
        files += [RuleFile(p, "builtin", True) for p in _rules_in(PACKS_DIR)]
    folder(sysdir, "system")
    folder(home, "user")
    root = project_root(cwd) if cwd else None
    trusted = False
    if cwd and root:
        chain = []
        d = os.path.abspath(cwd)
        while True:
            chain.append(d)
            if d == root:
                break
            d = os.path.dirname(d)
        dirs = [
            d
            for d in reversed(chain)
            if os.path.isdir(os.path.join(d, ".codex"))
            and os.path.realpath(os.path.join(d, ".codex")) != os.path.realpath(home)
        ]
        if dirs:
            inputs.append(os.path.join(home, "config.toml"))
            marks = trusted_projects(home)
            trusted = bool({root, os.path.normpath(root)} & marks)
            for d in dirs:
                layer_trusted = trusted or os.path.normpath(d) in marks
                folder(os.path.join(d, ".codex"), "project" if layer_trusted else UNTRUSTED_PROJECT)
            trusted = trusted or any(os.path.normpath(d) in marks for d in dirs)
    env_extra = [p for p in os.environ.get("CODEX_GUARD_RULES", "").split(os.pathsep) if p]
    for p in [*env_extra, *(extra or [])]:
        files.append(RuleFile(os.path.abspath(p), "extra", p.endswith(".guard.rules")))
    env_req = [p for p in os.environ.get("CODEX_GUARD_REQUIREMENTS", "").split(os.pathsep) if p]
    reqs = [os.path.join(sysdir, "requirements.toml")]
    reqs += [os.path.abspath(p) for p in [*env_req, *(requirements or [])]]
    inputs += [f.path for f in files] + reqs
    return Discovery(tuple(files), tuple(reqs), root, trusted, tuple(inputs))


def load_files(files: list[RuleFile] | tuple[RuleFile, ...]) -> Policy:
    """Parse ``files`` in order with one parser.

    Raises:
        PolicyError: a file cannot be read or parsed (names the file and position).
    """
    from codex_guard.policy.parser import PolicyParser, read_rules  # starlark: only on a miss

    parser = PolicyParser()
    for f in files:
        parser.parse(f.path, read_rules(f.path), layer=f.layer, guard_builtins=f.guard)
    return parser.policy


def requirements_policy(paths: list[str] | tuple[str, ...]) -> Policy:
    """The ``[rules]`` of every existing ``requirements.toml`` in ``paths``, in order.

    Raises:
        PolicyError: a requirements file is unreadable or invalid.
    """
    out = Policy()
    if not any(os.path.exists(p) for p in paths):
        return out  # the common case: no import, no TOML
    from codex_guard.policy.requirements import load_requirements

    for p in paths:
        req = load_requirements(p)
        if req is not None:
            out.merge_overlay(req)
    return out


def load_discovered(found: Discovery) -> LoadedPolicy:
    """Evaluate what :func:`discover` found: every rule file through one parser, then the
    requirements rules appended after them (Codex ``merge_overlay``). This is the expensive
    step (Starlark); its result depends only on ``found.fingerprint()``.

    Raises:
        PolicyError: a rule or requirements file is unreadable or invalid.
    """
    policy = load_files(found.files)
    policy.merge_overlay(requirements_policy(found.requirements))
    return LoadedPolicy(policy, list(found.files), found.project_root, found.project_trusted)


def load(
    cwd: str | None,
    *,
    extra: list[str] | None = None,
    home: str | None = None,
    requirements: list[str] | None = None,
) -> LoadedPolicy:
    """Discover and load every layer for an event in ``cwd`` (:func:`discover` then
    :func:`load_discovered`)."""
    return load_discovered(discover(cwd, extra=extra, home=home, requirements=requirements))


def codex_policy(
    layers: list[tuple[str, str]],
    requirements: Policy | None = None,
    *,
    ignore_user_and_project: bool = False,
) -> tuple[Policy, PolicyError | None]:
    """The policy Codex itself builds (``load_exec_policy_with_warning``), for comparison.

    Args:
        layers: the *enabled* config layers, lowest precedence first, as ``(source,
            config_folder)`` with source ``system``/``user``/``project``.
        requirements: the requirements policy, appended after the file rules.
        ignore_user_and_project: Codex's ``--ignore-rules``.

    Returns:
        ``(policy, warning)``: on a parse error Codex warns and drops *every* rules file,
        keeping only the requirements policy (or an empty one); codex-guard's hook instead
        fails closed.

    Raises:
        PolicyError: a ``rules`` folder exists but cannot be listed (Codex ``ReadDir``, a hard
            error).
    """
    files = []
    for source, folder in layers:
        if ignore_user_and_project and source in ("user", "project"):
            continue
        files += [RuleFile(p, source) for p in _rules_in(os.path.join(folder, "rules"))]
    try:
        policy = load_files(files)
    except PolicyError as e:
        return (requirements or Policy()), e
    if requirements is not None:
        policy.merge_overlay(requirements)
    return policy, None
