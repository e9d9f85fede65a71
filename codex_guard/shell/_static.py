"""Static evaluation of the few commands whose output is fully known from their words.

``echo cm0gLXJmIH4= | base64 -d | sh`` runs ``rm -rf ~``; ``echo '~ fr- mr' | rev | sh`` too.
When every word of a pipeline stage is known, :func:`stage_output` computes what the stage
writes to stdout: producers (``echo``, ``printf``) and decoders/filters (``cat``, ``base64 -d``,
``base32 -d``, ``openssl base64 -d``, ``xxd -r -p``, ``rev``, ``tr``, ``gunzip``/``zcat``,
``bunzip2``, ``unxz``). Anything else gives None (unknown output).

Pure functions over strings and bytes; output is capped at :data:`MAX_OUTPUT` bytes.
Semantics follow GNU coreutils (echo, printf, base64, base32, rev, tr) and xxd(1).
"""

from __future__ import annotations

from ._words import decode_ansi_c

MAX_OUTPUT = 1 << 20  # bytes


def _echo(args: list[str]) -> bytes:
    newline = True
    escapes = False
    i = 0
    while (
        i < len(args) and len(args[i]) > 1 and args[i][0] == "-" and set(args[i][1:]) <= set("neE")
    ):
        for ch in args[i][1:]:
            if ch == "n":
                newline = False
            elif ch == "e":
                escapes = True
            else:
                escapes = False
        i += 1
    text = " ".join(args[i:])
    if escapes:
        text = decode_ansi_c(text)
    return (text + ("\n" if newline else "")).encode("utf-8", "surrogatepass")


def _printf(args: list[str]) -> bytes | None:
    if not args:
        return None
    fmt, rest = args[0], args[1:]
    if fmt == "--" and rest:
        fmt, rest = rest[0], rest[1:]
    fmt = fmt.replace("%%", "\x00")
    pieces = fmt.split("%")
    if any(p[:1] not in ("s", "b") for p in pieces[1:]):
        return None
    slots = len(pieces) - 1
    out: list[str] = []
    rounds = 0
    while True:
        rounds += 1
        line = decode_ansi_c(pieces[0])
        for p in pieces[1:]:
            value = rest.pop(0) if rest else ""
            line += (decode_ansi_c(value) if p[0] == "b" else value) + decode_ansi_c(p[1:])
        out.append(line)
        if not rest or slots == 0 or rounds > 10_000:
            break
    return "".join(out).replace("\x00", "%").encode("utf-8", "surrogatepass")


def _b64(data: bytes, alphabet: str) -> bytes | None:
    import base64
    import binascii

    clean = bytes(c for c in data if c not in b" \t\r\n")
    try:
        if alphabet == "32":
            return base64.b32decode(clean + b"=" * (-len(clean) % 8))
        return base64.b64decode(clean + b"=" * (-len(clean) % 4))
    except (binascii.Error, ValueError):
        return None


def _expand_tr_set(spec: str) -> str | None:
    spec = decode_ansi_c(spec)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            a, b = ord(spec[i]), ord(spec[i + 2])
            if b < a or b - a > 1024:
                return None
            out.extend(chr(c) for c in range(a, b + 1))
            i += 3
            continue
        if spec[i] == "[":
            return None  # classes ([:alpha:]) and repeats: not evaluated
        out.append(spec[i])
        i += 1
    return "".join(out)


def _tr(args: list[str], data: bytes) -> bytes | None:
    text = data.decode("utf-8", "surrogatepass")
    if len(args) == 2 and args[0] == "-d":
        gone = _expand_tr_set(args[1])
        if gone is None:
            return None
        return "".join(c for c in text if c not in gone).encode("utf-8", "surrogatepass")
    if len(args) != 2 or args[0].startswith("-"):
        return None
    src, dst = _expand_tr_set(args[0]), _expand_tr_set(args[1])
    if not src or not dst:
        return None
    dst = dst + dst[-1] * max(0, len(src) - len(dst))
    table = {ord(a): b for a, b in zip(src, dst, strict=False)}
    return text.translate(table).encode("utf-8", "surrogatepass")


def _decompress(kind: str, data: bytes) -> bytes | None:
    try:
        if kind == "gzip":
            import zlib

            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return d.decompress(data, MAX_OUTPUT)
        if kind == "bzip2":
            import bz2

            return bz2.BZ2Decompressor().decompress(data, MAX_OUTPUT)
        import lzma

        return lzma.LZMADecompressor().decompress(data, MAX_OUTPUT)
    except Exception:
        return None


_DECOMPRESSORS = {
    "gunzip": "gzip",
    "zcat": "gzip",
    "bunzip2": "bzip2",
    "bzcat": "bzip2",
    "unxz": "xz",
    "xzcat": "xz",
    "unlzma": "xz",
}


def _flags(args: list[str]) -> set[str]:
    out: set[str] = set()
    for a in args:
        if a.startswith("--"):
            out.add(a)
        elif a.startswith("-") and len(a) > 1:
            out.update("-" + c for c in a[1:])
    return out


def stage_output(argv: list[str], stdin: bytes | None) -> bytes | None:
    """What ``argv`` (program as a basename, every word known) writes to stdout given
    ``stdin`` (None = unknown), or None when that cannot be known statically."""
    if not argv:
        return None
    prog, args = argv[0], argv[1:]
    out: bytes | None = None
    try:
        if prog == "echo":
            out = _echo(args)
        elif prog == "printf":
            out = _printf(list(args))
        elif stdin is None:
            return None
        elif prog == "cat" and all(a == "-" for a in args):
            out = stdin
        elif prog in ("base64", "base32"):
            fl = _flags(args)
            operands = [a for a in args if not a.startswith("-")]
            if operands or not fl & {"-d", "-D", "--decode"}:
                return None
            out = _b64(stdin, "32" if prog == "base32" else "64")
        elif prog == "openssl":
            if not args or args[0] not in ("base64", "enc"):
                return None
            fl = set(args[1:])
            ciphers = [
                a for a in args[1:] if a.startswith("-") and a[1:3] in ("ae", "de", "ch", "bf")
            ]
            if "-d" not in fl or (not fl & {"-a", "-A", "-base64"} and args[0] != "base64"):
                return None
            if ciphers or any(not a.startswith("-") for a in args[1:]):
                return None
            out = _b64(stdin, "64")
        elif prog == "xxd":
            fl = _flags(args)
            if "-r" not in fl or not fl & {"-p", "-s", "--ps", "--plain"}:
                return None
            hexchars = bytes(c for c in stdin if c in b"0123456789abcdefABCDEF")
            out = bytes.fromhex(hexchars[: len(hexchars) // 2 * 2].decode())
        elif prog == "rev" and not args:
            text = stdin.decode("utf-8", "surrogatepass")
            lines = text.split("\n")
            out = "\n".join(line[::-1] for line in lines).encode("utf-8", "surrogatepass")
        elif prog == "tr":
            out = _tr(list(args), stdin)
        elif prog in _DECOMPRESSORS or (
            prog in ("gzip", "bzip2", "xz") and _flags(args) & {"-d", "--decompress"}
        ):
            if any(not a.startswith("-") for a in args):
                return None
            kind = _DECOMPRESSORS.get(prog, prog)
            out = _decompress(kind, stdin)
    except (ValueError, UnicodeError, IndexError):
        return None
    if out is None or len(out) > MAX_OUTPUT:
        return None
    return out
