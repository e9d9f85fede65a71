"""Global suppression filters: placeholders, documentation examples, inline allowlist pragmas.

These run on every candidate after its detector's own checks, so that a template such as
``sk_live_YOUR_SECRET_KEY_HERE``, ``${NPM_TOKEN}``, ``<your-access-key-id>``,
``AKIAXXXXXXXXXXXXXXXX``, a masked ``********`` value or the AWS documentation key
``AKIAIOSFODNN7EXAMPLE`` is never reported.

Sources: the global allowlist of gitleaks' default ``config/gitleaks.toml`` (repeated-character
values, ``$VAR`` / ``${VAR}`` / ``{{ }}`` / ``%VAR%`` templates), the ``.+EXAMPLE$`` allowlist
of its ``aws-access-token`` rule, TruffleHog's ``DefaultFalsePositives`` (``example``,
``xxxxxx``, ``*****``) and detect-secrets' ``is_templated_secret`` /
``is_prefixed_with_dollar_sign`` /
``is_sequential_string`` filters. Inline pragmas: ``gitleaks:allow`` (gitleaks README),
``pragma: allowlist secret`` and ``pragma: allowlist nextline secret`` (detect-secrets
``filters/allowlist.py``), ``trufflehog:ignore`` (TruffleHog README).
"""

from __future__ import annotations

__all__ = [
    "has_digit",
    "has_letter",
    "is_allowlisted_by_pragma",
    "is_code_reference",
    "is_placeholder",
    "is_placeholder_block",
    "is_uuid",
]

_HEX = frozenset("0123456789abcdefABCDEF")

# Words that, as a whole token of the value (split on non-alphanumerics), mark a template.
# Deliberately excludes words that occur in real token prefixes (live, test, key, secret, token).
_PLACEHOLDER_WORDS = frozenset(
    {
        "your",
        "yours",
        "my",
        "example",
        "examples",
        "placeholder",
        "dummy",
        "sample",
        "changeme",
        "redacted",
        "replace",
        "insert",
        "here",
        "todo",
        "fixme",
        "fake",
        "demo",
        "mock",
        "notreal",
        "foobar",
        "lorem",
        "ipsum",
        "xxx",
        "xxxx",
        "xxxxx",
        "tbd",
        "null",
        "undefined",
    }
)

# Whole values that are never secrets.
_PLACEHOLDER_VALUES = frozenset(
    {
        "true",
        "false",
        "null",
        "none",
        "nil",
        "undefined",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "password",
        "passw0rd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "123456",
        "12345678",
        "qwerty",
        "letmein",
        "redacted",
        "[redacted]",
        "<redacted>",
    }
)

# Published documentation values that are not credentials (beyond the ...EXAMPLE rule).
_KNOWN_EXAMPLES = frozenset(
    {
        # jwt.io's default HS256 token
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
        "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        # Stripe documentation test keys (docs.stripe.com/keys)
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        # GitHub documentation example PAT (docs.github.com, REST authentication)
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    }
)

_SEQUENCES = ("abcdefgh", "bcdefghi", "12345678", "23456789", "01234567", "qwertyui", "asdfghjk")

_MASK_MARKS = ("***", "\u2026", "\u2022\u2022", "...", "###")


def has_digit(value: str) -> bool:
    """True if ``value`` contains an ASCII digit."""
    return any("0" <= ch <= "9" for ch in value)


def has_letter(value: str) -> bool:
    """True if ``value`` contains an ASCII letter."""
    return any(("a" <= ch <= "z") or ("A" <= ch <= "Z") for ch in value)


def is_uuid(value: str) -> bool:
    """True for an RFC 4122 textual UUID (8-4-4-4-12 hex), in any case, optionally braced."""
    v = value.strip("{}")
    parts = v.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        ch in _HEX for p in parts for ch in p
    )


def _longest_run(value: str) -> tuple[str, int]:
    best_ch, best, run, prev = "", 0, 0, ""
    for ch in value:
        run = run + 1 if ch == prev else 1
        prev = ch
        if run > best:
            best_ch, best = ch, run
    return best_ch, best


def _is_template(value: str) -> bool:
    if value.startswith("$") and len(value) > 1 and (value[1].isalpha() or value[1] in "{(_"):
        return True  # $VAR, ${VAR}, $(cmd)
    if any(
        mark in value for mark in ("${", "{{", "}}", "$(", "%(", "<%", "%>", "{0}", "[REDACTED")
    ):
        return True
    if value.startswith("%") and value.endswith("%") and len(value) > 2:
        return True  # %VAR%
    if value.startswith("@") and value.endswith("@") and len(value) > 2:
        return True  # @VAR@
    if value in ("%s", "%v", "%d"):
        return True
    # <your-token>, <password>: an angle-bracketed word
    lt = value.find("<")
    return lt != -1 and lt + 1 < len(value) and (value[lt + 1].isalpha() or value[lt + 1] == "_")


def _tokens(value: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    for ch in value:
        if ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def is_placeholder(value: str) -> bool:
    """True if ``value`` is a template, placeholder, masked value or documentation example.

    Checks, in order: empty; known placeholder values (``changeme``, ``true``, ...); known
    published examples; anything containing ``EXAMPLE`` (AWS documentation keys such as
    ``AKIAIOSFODNN7EXAMPLE``; gitleaks ``aws-access-token`` allowlist ``.+EXAMPLE$``) or
    ``example``; templates (``$VAR``, ``${VAR}``, ``{{ x }}``, ``%VAR%``, ``@VAR@``,
    ``<your-key>``); masking marks (``***``, ``...``, ``…``); a run of 8+ identical characters
    (6+ zeros, 4+ ``x``/``X``/``*``/``#``); a placeholder word as a whole token (``your``,
    ``here``, ``dummy``, ...); keyboard or alphabet sequences (``12345678``, ``abcdefgh``).

    An armored block (``-----BEGIN … -----``) is judged by :func:`is_placeholder_block`
    instead: its base64 body is random data in which the run and sequence heuristics fire by
    chance (every ``ssh-keygen`` key holds ``AAAAAAAAA``). Never raises.
    """
    if not value:
        return True
    if value.startswith(_ARMOR):
        return is_placeholder_block(value)
    low = value.lower()
    if low in _PLACEHOLDER_VALUES or value in _KNOWN_EXAMPLES:
        return True
    if "example" in low:
        return True
    if _is_template(value):
        return True
    if any(mark in value for mark in _MASK_MARKS):
        return True
    ch, run = _longest_run(value)
    if run >= 8 or (run >= 4 and ch in "xX*#") or (run >= 6 and ch == "0"):
        return True
    if any(tok.lower() in _PLACEHOLDER_WORDS for tok in _tokens(value)):
        return True
    if any(seq in low for seq in _SEQUENCES):
        return True
    return _is_repetition(value)


_ARMOR = "-----BEGIN "


def _armor_body(block: str) -> str:
    """The base64 body of an armored block: the text without its ``-----BEGIN/END …-----``
    lines and ``Name: value`` headers (RFC 7468 §2, RFC 1421 ``Proc-Type``/``DEK-Info``,
    RFC 4880 §6.2 ``Version``/``Comment``), whitespace and literal ``\\n`` escapes removed."""
    text = block.replace("\\r", "\n").replace("\\n", "\n")
    head_end = text.find("-----", len(_ARMOR))
    text = text[head_end + 5 :] if head_end != -1 else ""
    tail = text.find("-----END")
    if tail != -1:
        text = text[:tail]
    return "".join("".join(line.split()) for line in text.splitlines() if ":" not in line)


def is_placeholder_block(block: str) -> bool:
    """True if the armored block ``block`` (``-----BEGIN … PRIVATE KEY-----`` and its body) is a
    stand-in rather than key material.

    Only the body is judged, with tests that real key material never fails whatever its
    format: empty; a masking mark, a template or ``example`` in it; a short unit repeated
    (``AAAA…``, ``abcabc…``); fewer than 16 distinct characters, or one character making up
    more than a third of it (``MIIEow…xxxxxxxxxxxxxxxx``). Real keys, measured on ``ssh-keygen``
    (rsa, ecdsa, ed25519, encrypted) and ``openssl genpkey`` PKCS#8 output: 39+ distinct
    characters, the commonest at most 18 % (the ``A`` of openssh-key-v1's zero length fields).
    Runs and sequences are deliberately not tested: ``openssh-key-v1`` bodies always hold a
    run of nine ``A``, and long random base64 holds ``xxxx`` or ``abcdefgh`` by chance.
    Never raises.
    """
    body = _armor_body(block)
    if not body:
        return True
    if "example" in body.lower() or _is_template(body):
        return True
    if any(mark in body for mark in _MASK_MARKS):
        return True
    if _is_repetition(body):
        return True
    counts: dict[str, int] = {}
    for ch in body:
        counts[ch] = counts.get(ch, 0) + 1
    return len(counts) < 16 or max(counts.values()) * 3 > len(body)


def _is_repetition(value: str) -> bool:
    """``abc123abc123abc123``, ``Passw0rd!Passw0rd!``: a short unit repeated to fill the value."""
    n = len(value)
    for period in range(1, n // 2 + 1):
        if n % period == 0 and value[:period] * (n // period) == value:
            return True
    return False


_SLUG_HINT_WORDS = frozenset(
    {
        "test",
        "testing",
        "secret",
        "key",
        "api",
        "password",
        "pass",
        "token",
        "default",
        "local",
        "localdev",
        "dev",
        "only",
        "value",
        "string",
    }
)


def is_word_slug(value: str) -> bool:
    """True for a value made of lower-case words and numbers (``localdev-only-key-001``).

    Such slugs are names, not random secrets: at least two ``-``/``_``/``.``-separated parts, each
    all-lowercase letters or all digits, with at least half of them words of 3+ letters.
    """
    parts = [p for p in value.replace("_", "-").replace(".", "-").split("-") if p]
    if len(parts) < 2:
        return False
    if not all((p.isalpha() and p.islower()) or p.isdigit() for p in parts):
        return False
    return sum(1 for p in parts if p.isalpha() and len(p) >= 3) * 2 >= len(parts)


def has_placeholder_word(value: str) -> bool:
    """True if one ``-``/``_``/``.``-separated part of ``value`` is a word such as ``test``,
    ``secret``, ``key``, ``password`` or ``token`` (case-insensitive)."""
    return any(tok.lower() in _SLUG_HINT_WORDS for tok in _tokens(value))


def is_code_reference(value: str) -> bool:
    """True if ``value`` reads as code rather than a literal secret.

    ``os.environ["X"]``, ``config.db.password``, ``getpass()``, ``settings.SECRET``,
    ``DB_PASSWORD`` (an ``UPPER_SNAKE`` variable name) and ``process.env.TOKEN`` all are.
    """
    if not value or not (value[0].isalpha() or value[0] == "_"):
        return False
    head = []
    for ch in value:
        if ch.isalnum() or ch in "_.":
            head.append(ch)
        else:
            break
    ident = "".join(head)
    rest = value[len(ident) :]
    if rest[:1] in ("(", "["):
        return True  # a call or a subscript
    if rest:
        return False
    if "." in ident and all(
        part and (part[0].isalpha() or part[0] == "_") for part in ident.split(".")
    ):
        return True  # dotted attribute path with identifier segments
    return "_" in ident and ident.upper() == ident and not ident.isdigit() and has_letter(ident)


_SAME_LINE_PRAGMAS = (
    "gitleaks:allow",
    "pragma: allowlist secret",
    "pragma: whitelist secret",
    "trufflehog:ignore",
)
_NEXT_LINE_PRAGMA = "pragma: allowlist nextline secret"


def is_allowlisted_by_pragma(text: str, start: int, end: int) -> bool:
    """True if an inline allowlist pragma covers the secret at ``text[start:end]``.

    Accepted on the line where the secret starts or the line where it ends: ``gitleaks:allow``,
    ``pragma: allowlist secret`` (or the older ``whitelist``), ``trufflehog:ignore``. On the line
    before the secret: ``pragma: allowlist nextline secret``. Matching is case-insensitive.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end == -1:
        line_end = len(text)
    first_end = text.find("\n", start, line_end)
    last_start = text.rfind("\n", start, end) + 1 if "\n" in text[start:end] else line_start
    lines = [text[line_start : first_end if first_end != -1 else line_end].lower()]
    if last_start > line_start:
        lines.append(text[last_start:line_end].lower())
    if any(p in line for line in lines for p in _SAME_LINE_PRAGMAS):
        return True
    if line_start > 0:
        prev_start = text.rfind("\n", 0, line_start - 1) + 1
        if _NEXT_LINE_PRAGMA in text[prev_start : line_start - 1].lower():
            return True
    return False
