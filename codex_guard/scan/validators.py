"""Offline validators for candidate secrets.

A detector in ``detectors.toml`` may name a validator (``validator = "github_checksum"``).
After the detector's regex matched, the engine calls the validator with a :class:`Candidate`
and keeps the finding only if it returns ``True``. Validators never raise on any input
(they return ``False`` instead) and never touch the network: this package never verifies a
secret by sending it to its issuer.

The algorithms and where they are documented:

* GitHub tokens (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``) and npm tokens (``npm_``): the
  last 6 characters are the CRC32 of the 30 random characters, base62-encoded (alphabet
  ``0-9A-Za-z``) and zero-padded. Sources: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
  and https://github.blog/2021-09-23-announcing-npms-new-access-token-format/ ; a public
  implementation is Samsung/CredSweeper ``credsweeper/filters/value_github_check.py``.
* Grafana service-account tokens ``glsa_<32>_<8 hex>``: the suffix is the little-endian hex of
  CRC32(``glsa_<32>``) (grafana/grafana ``pkg/components/satokengen/tokengen.go``).
* GitLab routable tokens ``glpat-<payload>.<2 base36 length><7 base36 CRC32>``: the CRC32
  covers everything before the last 7 characters (GitLab handbook, design document
  "cells/routable_tokens").
* age identities ``AGE-SECRET-KEY-1...``: Bech32 (BIP-173) checksum (https://age-encryption.org/v1).
* JWTs: the header is base64url JSON holding an ``alg`` member (RFC 7519 / RFC 7515).
* Discord bot tokens: the first segment is the base64 of the bot's numeric snowflake id
  (trufflehog ``pkg/detectors/discordbottoken``).
* The generic detectors (``generic-api-key``, ``generic-password``, ``basic-auth-credentials``,
  ``database-connection-string``) use the identifier deny-lists and value filters described at
  each function; they follow gitleaks' ``generic-api-key`` and Yelp/detect-secrets'
  ``KeywordDetector`` / ``BasicAuthDetector`` and default filters.
"""

from __future__ import annotations

import math
import zlib

from . import filters
from .pii import PII_VALIDATORS, bech32_polymod

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CHECKSUM_VALIDATORS", "VALIDATORS", "Candidate", "shannon_entropy"]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


class Candidate:
    """A regex match under validation: the whole text plus the match and secret spans.

    ``start``/``end`` delimit the secret (the detector's ``secret_group``) and
    ``match_start``/``match_end`` the whole regex match, as character offsets in ``text``.
    """

    __slots__ = ("end", "match_end", "match_start", "start", "text")

    def __init__(self, text: str, start: int, end: int, match_start: int, match_end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.match_start = match_start
        self.match_end = match_end

    @property
    def secret(self) -> str:
        """The secret's text (``text[start:end]``)."""
        return self.text[self.start : self.end]

    @property
    def match_text(self) -> str:
        """The whole regex match (``text[match_start:match_end]``)."""
        return self.text[self.match_start : self.match_end]


def shannon_entropy(value: str) -> float:
    """Return the Shannon entropy of ``value`` in bits per character (0.0 for "").

    This is the measure gitleaks' ``entropy`` rule field and detect-secrets' high-entropy plugins
    use: ``-sum(p * log2 p)`` over the character frequencies of the string.
    """
    n = len(value)
    if n == 0:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / n * math.log2(c / n) for c in counts.values())


# --------------------------------------------------------------------------------------------
# Checksummed token formats
# --------------------------------------------------------------------------------------------


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def _base36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out.rjust(width, "0")


def github_checksum(c: Candidate) -> bool:
    """GitHub ``gh?_`` and npm ``npm_`` tokens: 4-char prefix, 30 random base62, 6-char CRC32."""
    s = c.secret
    if len(s) != 40 or not s.isascii():
        return False
    body, check = s[4:-6], s[-6:]
    return _base62(zlib.crc32(body.encode("ascii")), 6) == check


def grafana_sa_checksum(c: Candidate) -> bool:
    """Grafana ``glsa_<32>_<8 hex>``: hex of little-endian CRC32 of ``glsa_<32>``."""
    s = c.secret
    if not s.isascii() or len(s) < 15 or s[-9] != "_":
        return False
    crc = zlib.crc32(s[:-9].encode("ascii"))
    return crc.to_bytes(4, "little").hex() == s[-8:].lower()


def gitlab_checksum(c: Candidate) -> bool:
    """GitLab tokens: legacy ``glpat-<20>`` pass; routable ``...<len2><crc7>`` must check out."""
    s = c.secret
    if not s.isascii():
        return False
    if "." not in s:
        return True  # legacy 20-character token: no checksum to verify
    head, _, tail = s.rpartition(".")
    if len(tail) != 9:
        return False
    payload = head.split("-", 1)[-1]
    try:
        declared = int(tail[:2], 36)
    except ValueError:
        return False
    if declared != len(payload):
        return False
    return _base36(zlib.crc32(s[:-7].encode("ascii")), 7) == tail[2:]


def bech32_checksum(c: Candidate) -> bool:
    """Bech32 (BIP-173) checksum, constant 1, as used by age identities (no length limit)."""
    s = c.secret.lower()
    if not s.isascii():
        return False
    hrp, sep, data = s.rpartition("1")
    if not sep or not hrp or len(data) < 6 or any(ch not in _BECH32 for ch in data):
        return False
    expanded = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    return bech32_polymod(expanded + [_BECH32.index(ch) for ch in data]) == 1


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64decode(segment: str) -> bytes | None:
    """``base64.urlsafe_b64decode`` of ``segment`` padded, or None: the same
    ``binascii.a2b_base64`` call without ``import base64`` (which imports ``re``)."""
    import binascii

    try:
        data = (segment + "=" * (-len(segment) % 4)).encode("ascii")
        return binascii.a2b_base64(data.translate(_URLSAFE))
    except (binascii.Error, ValueError):
        return None


def jwt_header(c: Candidate) -> bool:
    """JWS compact serialization whose header decodes to a JSON object with ``"alg"``."""
    parts = c.secret.split(".")
    if len(parts) != 3 or not c.secret.isascii():
        return False
    header = _b64decode(parts[0])
    if header is None or not header.lstrip().startswith(b"{") or b'"alg"' not in header:
        return False
    payload = _b64decode(parts[1])
    return payload is not None and payload.lstrip().startswith(b"{")


def discord_snowflake(c: Candidate) -> bool:
    """Discord bot token: segment 1 is base64 of a 17-20 digit snowflake id."""
    if not c.secret.isascii():
        return False
    first = c.secret.split(".", 1)[0]
    raw = _b64decode(first.replace("+", "-").replace("/", "_"))
    return raw is not None and raw.isdigit() and 17 <= len(raw) <= 20


def pem_private_key(c: Candidate) -> bool:
    """A PEM block as is, or base64 of one (a Kubernetes ``tls.key``, ``LS0tLS1CRUdJTi…``) that
    decodes to a ``-----BEGIN … PRIVATE KEY-----`` armor line (RFC 7468), not a certificate."""
    s = c.secret
    if not s.startswith("LS0t"):
        return True
    import binascii  # base64.b64decode is this call, but base64 imports re

    head = s[: (min(len(s), 120) // 4) * 4]
    try:
        raw = binascii.a2b_base64(head.encode("ascii"))
    except (binascii.Error, ValueError):
        return False
    first = raw.split(b"\n", 1)[0]
    return first.startswith(b"-----BEGIN ") and b"PRIVATE KEY" in first


# --------------------------------------------------------------------------------------------
# Shape checks
# --------------------------------------------------------------------------------------------


def mixed_case(c: Candidate) -> bool:
    """The secret holds both upper- and lower-case letters (random base64, not hex or words)."""
    s = c.secret
    return any(ch.isupper() for ch in s) and any(ch.islower() for ch in s)


def digit_and_letter(c: Candidate) -> bool:
    """The secret holds at least one ASCII digit and one ASCII letter."""
    return filters.has_digit(c.secret) and filters.has_letter(c.secret)


# --------------------------------------------------------------------------------------------
# Generic, context-keyed detectors
# --------------------------------------------------------------------------------------------

# Identifier words that make an assignment public or not a credential at all. Checked as
# substrings of the lower-cased identifier (and of the few characters before it on the line).
_IDENT_DENY = (
    "public",
    "publishable",
    "pubkey",
    "pub_key",
    "site_key",
    "sitekey",
    "site-key",
    "cache",
    "idempot",
    "fingerprint",
    "primary",
    "foreign",
    "partition",
    "sort key",
    "sort_key",
    "hash",
    "checksum",
    "author",  # "Author: ..." (git), not "Authorization", whose value is checked as Bearer/Basic
    "tokeniz",
    "_uri",
    "_url",
    "-url",
    "endpoint",
    "_name",
    "_type",
    "_path",
    "_file",
    "_length",
    "_len",
    "_expir",
    "_ttl",
    "_format",
    "_field",
    "_prefix",
    "_header",
    "_method",
    "_provider",
    "_version",
    "_count",
    "_policy",
    "keyboard",
    "keystore",
    "keyring",
    "keymap",
    "key binding",
    "hotkey",
    "i18n",
)

_PUBLIC_VALUE_PREFIXES = (
    "pk_live_",
    "pk_test_",
    "pk.eyj",
    "ssh-",
    "ecdsa-",
    "age1",
    "aaaa",
    "sha1-",
    "sha256-",
    "sha384-",
    "sha512-",
    "sha256:",
    "h1:",
    "6l",  # reCAPTCHA site keys start with 6L
)

_FILE_SUFFIXES = (
    ".pem",
    ".key",
    ".crt",
    ".json",
    ".yaml",
    ".yml",
    ".txt",
    ".env",
    ".p12",
    ".pfx",
    ".jks",
    ".pub",
    ".js",
    ".ts",
    ".py",
)


_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")

# Words that, in the few words before the identifier on the same line, make it non-secret
# ("cache key: ...", "public key: ...", "Idempotency-Key: ...", "sort key = ...").
_LEAD_DENY = (
    "cache",
    "idempot",
    "public",
    "primary",
    "foreign",
    "partition",
    "sort",
    "fingerprint",
    "site",
    "i18n",
)


def _identifier_before(c: Candidate) -> tuple[str, str]:
    """``(identifier, lead)``: the identifier that introduced the value, and the text before it.

    The identifier runs from the start of the ``[A-Za-z0-9_.-]`` word that contains the regex
    match start up to the secret (so it includes the operator and quotes); ``lead`` is at most
    24 characters of the same line before that word. Both are lower-cased.
    """
    text = c.text
    i = c.match_start
    floor = max(0, c.match_start - 64)
    while i > floor and text[i - 1] in _IDENT_CHARS:
        i -= 1
    line_start = text.rfind("\n", 0, i) + 1
    lead = text[max(line_start, i - 24) : i].lower()
    return text[i : c.start].lower(), lead


def _value_is_generic_noise(value: str) -> bool:
    low = value.lower()
    if low.startswith(_PUBLIC_VALUE_PREFIXES) or low.endswith(_FILE_SUFFIXES):
        return True
    if value.startswith(("/", "./", "../", "~/")) or "://" in value:
        return True
    if filters.is_uuid(value) or filters.is_word_slug(value):
        return True
    # dotted / dashed / snake-cased words with no digits: identifiers, i18n keys, CSS classes
    return not filters.has_digit(value) or not filters.has_letter(value)


def generic_secret(c: Candidate) -> bool:
    """``generic-api-key``: a high-entropy value assigned to a key/token/secret identifier.

    Rejects: public-by-design values (``pk_live_``, ``pk.eyJ``, ssh/age public keys, SRI hashes,
    reCAPTCHA site keys), identifiers that name public or non-secret data (public, site key,
    cache key, idempotency key, fingerprint, ``*_id``, ``*_url``, ...), UUIDs, lower-case word
    slugs (``localdev-only-key-001``), paths, URLs, file names, values without both a digit and a
    letter, and values whose Shannon entropy is below 3.5 (3.0 for pure hex) bits per character.
    The gitleaks ``generic-api-key`` rule uses 3.5.
    """
    value = c.secret
    if not c.text[c.match_start : c.start].lower().startswith("bearer"):
        ident, lead = _identifier_before(c)
        if any(word in ident.replace("authoriz", "") for word in _IDENT_DENY):
            return False
        if any(word in lead for word in _LEAD_DENY):
            return False
        if ident.rstrip(" \t\"'`:=>?|-").endswith(("id", "ids")):
            return False
    if _value_is_generic_noise(value) or filters.is_code_reference(value):
        return False
    is_hex = all(ch in "0123456789abcdefABCDEF" for ch in value)
    return shannon_entropy(value) >= (3.0 if is_hex else 3.5)


_PASSWORD_IDENT_DENY = (
    "hash",
    "_file",
    "_path",
    "_length",
    "_len",
    "policy",
    "reset",
    "field",
    "prompt",
    "regex",
    "pattern",
    "hint",
    "label",
    "expir",
    "_env",
    "_var",
    "_name",
    "_type",
    "_url",
    "_min",
    "_max",
    "required",
    "forgot",
    "bypass",
    "compass",
    "passport",
    "passing",
    "passed",
    "passes",
    "passthrough",
    "passage",
    "passive",
    "passenger",
)


def _is_code_expression(value: str) -> bool:
    """``{None}.union(*x)``, ``get_pw(user)``: a call (an identifier directly followed by
    ``(``) inside the value reads as code, not as a literal password."""
    for i, ch in enumerate(value):
        if ch == "(" and i > 0 and (value[i - 1].isalnum() or value[i - 1] == "_"):
            j = i - 1
            while j >= 0 and (value[j].isalnum() or value[j] in "_."):
                j -= 1
            word = value[j + 1 : i]
            if word and (word[0].isalpha() or word[0] == "_") and len(word) >= 2:
                return True
    return False


def password_strength(value: str) -> bool:
    """True for a value that looks like a chosen password rather than a word or a reference.

    At least 8 characters (at most 128), and either 3 of the 4 classes lower/upper/digit/symbol,
    or 2 classes with 12+ characters and entropy >= 3.5.
    """
    if not 8 <= len(value) <= 128:
        return False
    classes = sum(
        (
            any(ch.islower() for ch in value),
            any(ch.isupper() for ch in value),
            any(ch.isdigit() for ch in value),
            any(not ch.isalnum() for ch in value),
        )
    )
    if classes >= 3:
        return True
    return classes == 2 and len(value) >= 12 and shannon_entropy(value) >= 3.5


_LABEL_PUBLIC = (
    "public",
    "publishable",
    "search",
    "site_key",
    "sitekey",
    "site-key",
    "client_id",
    "clientid",
    "app_id",
    "appid",
    "account_id",
    "project_id",
)


def labelled_secret(c: Candidate) -> bool:
    """Provider-labelled detectors (``DATADOG_API_KEY=…``): the label must not name a public or
    non-secret value (an Algolia *search* key, a *publishable* key, a client or app *id*), and
    the value must not be a code reference."""
    label = c.text[c.match_start : c.start].lower()
    if any(word in label for word in _LABEL_PUBLIC):
        return False
    return not filters.is_code_reference(c.secret)


def generic_password(c: Candidate) -> bool:
    """``generic-password``: a strong-looking value assigned to a password-named identifier.

    Follows detect-secrets' ``KeywordDetector`` (password / passwd / pwd / pass identifiers),
    plus :func:`password_strength` and the code-reference filter (``os.environ[...]``,
    ``getpass()``, ``UPPER_SNAKE`` variable names) so that a reference is not a finding.
    """
    value = c.secret
    ident, _lead = _identifier_before(c)
    if any(word in ident for word in _PASSWORD_IDENT_DENY):
        return False
    if filters.is_code_reference(value) or _is_code_expression(value):
        return False
    if value.startswith(("/", "./", "~/")):
        return False
    if filters.has_placeholder_word(value) and (
        not any(ch.isupper() for ch in value) or value.count(" ") >= 2
    ):
        return False  # test_secret_key_abc123, local-dev-password-1, 'Password used to sign
    return password_strength(value)


_DEFAULT_PASSWORDS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "admin",
        "root",
        "test",
        "guest",
        "user",
        "postgres",
        "mysql",
        "redis",
        "changeme",
        "changeit",
        "example",
        "default",
        "dbpass",
        "dbpassword",
    }
)


def userinfo_password(c: Candidate) -> bool:
    """Password of a URI userinfo / connection string (RFC 3986 ``user:password@host``).

    Rejects well-known defaults (``postgres:postgres``, ``user:password``), a password equal to
    the user name, and 1-5 digit values that are really a ``host:port`` misread as userinfo.
    """
    value = c.secret
    if value.lower() in _DEFAULT_PASSWORDS:
        return False
    if value.isdigit() and len(value) <= 5:
        return False
    return _user_before(c) != value


def _user_before(c: Candidate) -> str:
    """The ``user`` of ``user:password`` just before the secret (``""`` if there is none)."""
    end = c.start - 1
    if end < 0 or c.text[end] != ":":
        return ""
    i = end
    while i > max(c.match_start, end - 64) and c.text[i - 1] not in " \t\n/=\"'@;:":
        i -= 1
    return c.text[i:end]


def basic_auth(c: Candidate) -> bool:
    """``basic-auth-credentials``: RFC 7617 credentials in a URL, ``curl -u``, or a header.

    For ``Authorization: Basic <b64>`` the value must decode to printable ``user:password``; for
    the other forms the password goes through :func:`userinfo_password`.
    """
    if "basic" in c.text[c.match_start : c.start].lower():
        raw = _b64decode(c.secret.replace("+", "-").replace("/", "_"))
        if raw is None:
            return False
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        _user, sep, password = decoded.partition(":")
        return bool(sep and password and decoded.isprintable()) and not filters.is_placeholder(
            password
        )
    if not userinfo_password(c):
        return False
    head = c.text[c.match_start : c.start].lower()
    if "--" in head and "passw" in head and c.secret.isalpha() and c.secret.islower():
        return False  # prose about options: "--username and --password options"
    return len(c.secret) >= 6 or password_strength(c.secret)


def connection_string(c: Candidate) -> bool:
    """``database-connection-string``: a non-default password in a DB URI / ADO.NET string."""
    return userinfo_password(c) and len(c.secret) >= 4


CHECKSUM_VALIDATORS = frozenset(
    {
        "github_checksum",
        "grafana_sa_checksum",
        "gitlab_checksum",
        "bech32_checksum",
        "luhn_card",
        "iban_mod97",
        "bitcoin_address",
        "eip55",
        "uk_nhs",
    }
)
"""Validators that check a format's own checksum. A match that fails one of them is a
look-alike (a fake or mistyped token): the engine then also drops less specific findings
(e.g. ``generic-api-key``) overlapping it."""

VALIDATORS: dict[str, Callable[[Candidate], bool]] = {
    "github_checksum": github_checksum,
    "grafana_sa_checksum": grafana_sa_checksum,
    "gitlab_checksum": gitlab_checksum,
    "bech32_checksum": bech32_checksum,
    "jwt_header": jwt_header,
    "pem_private_key": pem_private_key,
    "discord_snowflake": discord_snowflake,
    "mixed_case": mixed_case,
    "digit_and_letter": digit_and_letter,
    "generic_secret": generic_secret,
    "labelled_secret": labelled_secret,
    "generic_password": generic_password,
    "basic_auth": basic_auth,
    "connection_string": connection_string,
    **PII_VALIDATORS,
}
"""Validator name (as written in ``detectors.toml``) -> function."""
