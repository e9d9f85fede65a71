"""Commands hidden in interpreter code (``python -c``, ``node -e``, ``perl -e``, ``awk``, …).

A heuristic, not a parser of those languages: it finds the calls that hand a *literal* string
to a shell (``os.system("…")``, ``subprocess.run("…", shell=True)``, ``execSync('…')``,
``system("…")``, backticks, awk's ``"cmd" | getline``), literal argv lists
(``subprocess.run(["rm", "-rf", "/"])``), recursive deletes (``shutil.rmtree('/etc')``,
``fs.rmSync(p, {recursive: true})``, ``FileUtils.rm_rf``) and reads of a literal path
(``open('~/.ssh/id_rsa')``, ``readFileSync(os.homedir() + '/.ssh/id_rsa')``). Each becomes a
command the rules judge like any other; the caller keeps a reason for code it cannot read.
"""

from __future__ import annotations

import re

_STR = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
# Home directory spellings in code, normalised to "~" before the patterns run.
_HOME = re.compile(
    r"""(?:require\(\s*['"]os['"]\s*\)\.homedir\(\)|os\.homedir\(\)|homedir\(\)"""
    r"""|os\.path\.expanduser\(\s*['"]~['"]\s*\)|Path\.home\(\)|os\.environ\[\s*['"]HOME['"]\s*\]"""
    r"""|process\.env\.HOME|\$ENV\{\s*HOME\s*\}|ENV\[\s*['"]HOME['"]\s*\])"""
    r"""(?:\s*(?:\+|\.|/|,)\s*(?:"([^"]*)"|'([^']*)'))?"""
)
# Home-relative path helpers whose argument is a literal: the literal itself.
_EXPANDUSER = re.compile(
    r"""(?:os\.path\.expanduser|Path|pathlib\.Path|File\.expand_path|path\.resolve)\(\s*"""
    r"""(?:"(~[^"]*)"|'(~[^']*)')\s*\)(?:\.expanduser\(\))?"""
)
_SHELL_CALL = re.compile(
    r"""(?:\bos\.(?:system|popen)|\bsubprocess\.(?:run|call|check_call|check_output|Popen"""
    r"""|getoutput|getstatusoutput)|\bexecSync|\bexec|\bspawnSync|\bsystem|\bpopen|\bshell_exec"""
    r"""|\bpassthru|\bproc_open|\bIO\.popen|\bOpen3\.\w+|%x|\bqx)\s*[\(\{]?\s*""" + _STR
)
_ARGV_CALL = re.compile(
    r"""(?:\bsubprocess\.(?:run|call|check_call|check_output|Popen)|\bos\.exec\w*|\bspawn\w*"""
    r"""|\bexecFile\w*|\bsystem)\s*\(\s*\[([^\]]*)\]"""
)
_RMTREE = re.compile(
    r"""(?:\bshutil\.rmtree|\brmtree|\bremove_tree|\bFileUtils\.rm_r\w*|\.rm(?:dir)?Sync"""
    r"""|\bfs\.promises\.rm|\brimraf(?:\.sync)?)\s*\(\s*""" + _STR
)
_READ = re.compile(
    r"""(?:\bopen|\bread_text|\bread_bytes|\bPath|\breadFileSync|\breadFile|\bFile\.read"""
    r"""|\bFile\.open|\bIO\.read|\bfile_get_contents|\bfopen|\bslurp)\s*\(\s*""" + _STR
)
_BACKTICK = re.compile(r"`([^`]+)`")
# Perl's quote-like operators: system q{…}, exec qq(…), qx{…}, qx(…).
_PERL_Q = re.compile(
    r"""(?:\b(?:system|exec)\s*\(?\s*qq?|\bqx)\s*(?:\{([^}]*)\}|\(([^)]*)\)|\[([^\]]*)\]|<([^>]*)>)"""
)
# A call that runs code or a command line with an argument that is not a literal (a variable,
# a decoded string ...): the program text hides what runs.
_OPAQUE = re.compile(
    r"""(?:\bos\.(?:system|popen|exec\w*|spawn\w*)|\bsubprocess\.\w+|\b(?:execSync|spawnSync"""
    r"""|execFileSync|shell_exec|passthru|proc_open|popen|system)|\bIO\.popen|\bOpen3\.\w+"""
    r"""|(?<![.\w])(?:exec|eval|compile|Function)|\bchild_process\.\w+)\s*\(\s*(?!["'\[\]\)])"""
)
_AWK_PIPE = re.compile(
    r""""((?:[^"\\]|\\.)*)"\s*\|\s*getline|\|\s*"((?:[^"\\]|\\.)*)"|\bsystem\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)"""
)


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _lit(m: re.Match[str], first: int = 1) -> str:
    a, b = m.group(first), m.group(first + 1)
    return _unescape(a if a is not None else b or "")


def inline_commands(family: str, code: str) -> tuple[list[str], list[list[str]], bool]:
    """``(scripts, argvs, opaque)``: shell scripts the code hands to a shell, argvs it runs or
    whose effect it has (a recursive delete as ``rm -rf PATH``, a file read as ``cat PATH``),
    and whether it runs code or commands built at run time (``os.system(cmd)``,
    ``exec(base64.b64decode(…))``), which this heuristic cannot see.

    Args:
        family: "python", "node", "perl", "ruby", "php", "awk", … (see _wrappers).
        code: the program text.
    """
    code = code[:65536]
    code = _EXPANDUSER.sub(lambda m: repr(m.group(1) or m.group(2) or "~"), code)
    code = _HOME.sub(lambda m: repr("~" + (m.group(1) or m.group(2) or "")), code)
    scripts: list[str] = []
    argvs: list[list[str]] = []
    if family == "awk":
        for m in _AWK_PIPE.finditer(code):
            text = next((g for g in m.groups() if g is not None), "")
            scripts.append(_unescape(text))
        opaque = re.search(r"""\bsystem\s*\(\s*(?!")|\|\s*getline|\|\s*(?!")[A-Za-z_]""", code)
        return scripts, argvs, opaque is not None and not scripts
    for m in _SHELL_CALL.finditer(code):
        method = m.start() > 0 and code[m.start() - 1] == "."
        if method and m.group(0).startswith("exec") and "child_process" not in code:
            continue  # RegExp.prototype.exec and the like
        scripts.append(_lit(m))
    if family in ("perl", "ruby", "php"):
        scripts.extend(m.group(1) for m in _BACKTICK.finditer(code))
    if family == "perl":
        scripts.extend(next(g for g in m.groups() if g is not None) for m in _PERL_Q.finditer(code))
    for m in _ARGV_CALL.finditer(code):
        items = re.findall(_STR, m.group(1))
        argv = [_unescape(a if a else b) for a, b in items]
        if argv:
            argvs.append(argv)
    for m in _RMTREE.finditer(code):
        argvs.append(["rm", "-r", "-f", _lit(m)])
    for m in _READ.finditer(code):
        path = _lit(m)
        if path.startswith(("/", "~")) or "/." in path or path.startswith("."):
            argvs.append(["cat", path])
    return scripts, argvs, _OPAQUE.search(code) is not None


_SED_E_COMMAND = re.compile(
    r"(?:^|[;\n{}])\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/)?\s*(?:,\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/))?\s*e(?:\s+([^;\n}]*))?\s*(?=$|[;\n}])"
)
_SED_S_COMMAND = re.compile(
    r"(?:^|[;\n{}])\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/)?\s*s(.)((?:(?!\1)[^\\]|\\.)*)\1((?:(?!\1)[^\\]|\\.)*)\1([gpiImMe0-9]*)"
)


def sed_commands(script: str) -> tuple[list[str], bool]:
    """GNU sed's command execution (sed(1), "e command" and the ``e`` flag of ``s``):
    ``(scripts, opaque)``, the literal command lines it runs and whether it runs text only
    known at run time (``e`` alone runs the pattern space; ``s/…/…/e`` runs the result)."""
    scripts: list[str] = []
    opaque = False
    for m in _SED_E_COMMAND.finditer(script[:65536]):
        command = (m.group(1) or "").strip()
        if command:
            scripts.append(command)
        else:
            opaque = True
    for m in _SED_S_COMMAND.finditer(script[:65536]):
        if "e" in m.group(4):
            replacement = m.group(3).replace("\\" + m.group(1), m.group(1))
            if replacement and "\\" not in replacement and "&" not in replacement:
                scripts.append(replacement)
            opaque = True
    return scripts, opaque
