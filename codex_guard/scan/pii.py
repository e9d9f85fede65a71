"""Offline validators for personal data: checksums and issuing rules that cut false positives.

Each function takes a :class:`~codex_guard.scan.validators.Candidate` and returns ``True`` to
keep it; none raises. A validator may *narrow* the candidate (move ``c.end`` left) when the
regex matched a little too much (an IBAN followed by another upper-case word, say).

Algorithms and their sources:

* Luhn (ISO/IEC 7812-1 annex B): payment cards, Canadian SIN, US NPI (over ``80840`` + NPI;
  CMS "NPI check digit" note), as in Presidio ``credit_card_recognizer.py``,
  ``ca_sin_recognizer.py``, ``us_npi_recognizer.py``.
* Card issuer ranges and lengths: ISO/IEC 7812 IIN ranges as published by the schemes (Visa 4,
  Mastercard 51-55 / 2221-2720, Amex 34/37, Discover 6011/644-649/65, JCB 3528-3589, Diners
  300-305/36/38-39, UnionPay 62).
* IBAN (ISO 13616-1): per-country length (SWIFT IBAN registry) and mod-97 == 1 (ISO 7064).
* Bitcoin: Base58Check (double SHA-256, version 0x00 / 0x05; Bitcoin wiki "Base58Check encoding")
  and segwit Bech32 / Bech32m (BIP-173 / BIP-350) with witness version and program length rules.
* Ethereum: EIP-55 mixed-case checksum (Keccak-256 of the lower-case hex address).
* US SSN: SSA rules (area 001-899 except 666, group 01-99, serial 0001-9999) plus the voided and
  advertising numbers (078-05-1120, 219-09-9999, 123-45-6789; Presidio ``us_ssn_recognizer.py``).
* US ITIN: IRS, 9XX-[50-65|70-88|90-92|94-99]-XXXX.
* UK NHS number: mod-11 check digit (NHS Data Dictionary). UK NINO prefix rules (HMRC NIM39110).
* US DEA number: (d1+d3+d5 + 2*(d2+d4+d6)) mod 10 == d7 (21 CFR 1301; Presidio
  ``medical_license_recognizer.py``). ABA routing number: 3-7-1 weighted sum mod 10 == 0.
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from .validators import Candidate

__all__ = ["PII_VALIDATORS", "bech32_polymod", "luhn_ok"]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _digits(s: str) -> str:
    return "".join(ch for ch in s if "0" <= ch <= "9")


def luhn_ok(digits: str) -> bool:
    """True if the all-digit string ``digits`` passes the Luhn (mod 10) check."""
    if not digits or not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _same_separators(s: str) -> bool:
    seps = {ch for ch in s if not ch.isdigit()}
    return len(seps) <= 1


# ---------------------------------------------------------------------------------- cards

# Published test numbers (Stripe, Adyen, Braintree, PayPal docs): never real accounts.
_TEST_PANS = frozenset(
    {
        "4242424242424242",
        "4000056655665556",
        "4111111111111111",
        "4012888888881881",
        "4222222222222",
        "5555555555554444",
        "5200828282828210",
        "5105105105105100",
        "2223003122003222",
        "378282246310005",
        "371449635398431",
        "378734493671000",
        "6011111111111117",
        "6011000990139424",
        "3056930009020004",
        "36227206271667",
        "30569309025904",
        "38520000023237",
        "3566002020360505",
        "3530111333300000",
        "6200000000000005",
        "4000000000000002",
        "4000000000009995",
        "4000000000000077",
        "4000002500003155",
    }
)


def _card_brand_ok(d: str) -> bool:
    n = len(d)
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if d[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925:
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19
    if 300 <= p3 <= 305 or p2 in (36, 38, 39):
        return 14 <= n <= 19
    if p2 == 62:
        return 16 <= n <= 19
    return False


def credit_card(c: Candidate) -> bool:
    """A payment card number: consistent separators, issuer range and length, Luhn, not a
    published test number."""
    raw = c.secret
    if not _same_separators(raw):
        return False
    d = _digits(raw)
    if not 13 <= len(d) <= 19 or d in _TEST_PANS or len(set(d)) < 4:
        return False
    return _card_brand_ok(d) and luhn_ok(d)


# ---------------------------------------------------------------------------------- IBAN

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

# ISO 13616 / bank documentation examples (published, not accounts)
_EXAMPLE_IBANS = frozenset(
    {
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "GB29NWBK60161331926819",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "CH9300762011623852957",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "BE68539007547034",
        "AT611904300234573201",
    }
)


def iban(c: Candidate) -> bool:
    """ISO 13616 IBAN: known country, exact country length, mod-97 == 1, not a published
    example. Narrows the candidate to the country's length (the regex may run on)."""
    raw = c.secret
    cc = raw[:2]
    want = _IBAN_LENGTHS.get(cc)
    if want is None:
        return False
    kept = 0
    end = c.start
    for i, ch in enumerate(raw):
        if ch.isalnum():
            kept += 1
            if kept == want:
                end = c.start + i + 1
                break
    if kept != want:
        return False
    # the next character must not continue the same group (we stop at a group boundary)
    nxt = c.text[end : end + 1]
    if nxt.isalnum():
        return False
    value = "".join(ch for ch in c.text[c.start : end] if ch.isalnum())
    if value in _EXAMPLE_IBANS or not value.isascii():
        return False
    moved = value[4:] + value[:4]
    try:
        num = int("".join(str(int(ch, 36)) for ch in moved))
    except ValueError:
        return False
    if num % 97 != 1:
        return False
    c.end = end
    return True


# ---------------------------------------------------------------------------------- crypto


def _b58decode(s: str) -> bytes | None:
    n = 0
    for ch in s:
        i = _B58.find(ch)
        if i < 0:
            return None
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(s) - len(s.lstrip("1"))
    return b"\x00" * pad + body


def bech32_polymod(values: list[int]) -> int:
    """The BIP-173 checksum polymod over 5-bit ``values`` (1 for Bech32, 0x2BC830A3 for
    Bech32m)."""
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _segwit_ok(s: str) -> bool:
    if s != s.lower() and s != s.upper():
        return False
    s = s.lower()
    hrp, sep, data = s.rpartition("1")
    if hrp not in ("bc", "tb") or not sep or len(data) < 8 or any(ch not in _BECH32 for ch in data):
        return False
    values = [_BECH32.index(ch) for ch in data]
    expanded = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    const = bech32_polymod(expanded + values)
    witver = values[0]
    if witver > 16 or const != (1 if witver == 0 else 0x2BC830A3):
        return False
    # witness program length (BIP-173): 5-bit groups -> bytes
    prog_bits = (len(values) - 7) * 5
    prog_len = prog_bits // 8
    if witver == 0:
        return prog_len in (20, 32)
    return 2 <= prog_len <= 40


def bitcoin_address(c: Candidate) -> bool:
    """Base58Check P2PKH/P2SH (version 0x00 / 0x05, double-SHA-256 checksum) or segwit bech32."""
    s = c.secret
    if not s.isascii():
        return False
    if s[:3].lower() in ("bc1", "tb1"):
        return _segwit_ok(s)
    raw = _b58decode(s)
    if raw is None or len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    import hashlib  # lazy: only a base58 candidate pays for OpenSSL

    check = hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4]
    return check == raw[21:]


_ETH_CONTEXT = ("wallet", "eth", "address", "ether", "contract", "recipient", "send to", "pay")


def ethereum_address(c: Candidate) -> bool:
    """``0x`` + 40 hex. Mixed case must pass EIP-55; a single-case address (no checksum) needs a
    wallet/address word within 60 characters before it."""
    from .keccak import keccak256

    s = c.secret
    body = s[2:]
    if len(body) != 40 or len(set(body.lower())) < 6:
        return False
    if body == body.lower() or body == body.upper():
        before = c.text[max(0, c.start - 60) : c.start].lower()
        return any(w in before for w in _ETH_CONTEXT)
    h = keccak256(body.lower().encode("ascii")).hex()
    for ch, hx in zip(body, h[:40], strict=True):
        if ch.isalpha() and (ch.isupper() != (int(hx, 16) >= 8)):
            return False
    return True


# ---------------------------------------------------------------------------------- national ids

_VOIDED_SSNS = frozenset({"078051120", "219099999", "123456789", "987654320", "111111111"})


def _context_before(c: Candidate, words: tuple[str, ...], window: int = 80) -> bool:
    """True if one of ``words`` (lower-case) occurs in the ``window`` characters before."""
    before = c.text[max(0, c.start - window) : c.start].lower()
    return any(w in before for w in words)


_SSN_WORDS = ("ssn", "social security", "soc sec", "ss#", "ss #", "ss no", "taxpayer")


def us_ssn(c: Candidate) -> bool:
    """SSA rules: one separator style, area 001-899 except 666, group 01-99, serial 0001-9999,
    not a voided/advertising number, not ``987-65-432x`` (SSA-reserved for advertising).
    Without dashes (``354478991``, ``354 47 8991``) an SSN word must come just before."""
    raw = c.secret
    if not _same_separators(raw):
        return False
    if "-" not in raw and not _context_before(c, _SSN_WORDS):
        return False
    d = _digits(raw)
    if len(d) != 9 or d in _VOIDED_SSNS or len(set(d)) == 1:
        return False
    if len(set(d[:3])) == len(set(d[3:5])) == len(set(d[5:])) == 1:
        return False  # 111-22-3333, 555-55-5555: the textbook fake shapes
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    return not d.startswith("98765432")


def us_itin(c: Candidate) -> bool:
    """IRS ITIN: 9XX-GG-XXXX with group 50-65, 70-88, 90-92 or 94-99."""
    raw = c.secret
    if not _same_separators(raw):
        return False
    if "-" not in raw and not _context_before(c, ("itin", "tax id", "tax_id", "taxpayer")):
        return False
    d = _digits(raw)
    if len(d) != 9 or d[0] != "9":
        return False
    g = int(d[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


def ca_sin(c: Candidate) -> bool:
    """Canadian SIN: 9 digits, first not 0 or 8, Luhn."""
    raw = c.secret
    if not _same_separators(raw):
        return False
    d = _digits(raw)
    return len(d) == 9 and d[0] not in "08" and len(set(d)) > 2 and luhn_ok(d)


def us_npi(c: Candidate) -> bool:
    """US NPI: 10 digits starting 1 or 2, Luhn over ``80840`` + the NPI."""
    d = _digits(c.secret)
    return len(d) == 10 and d[0] in "12" and len(set(d)) > 2 and luhn_ok("80840" + d)


def aba_routing(c: Candidate) -> bool:
    """ABA routing transit number: prefix 00-12, 21-32, 61-72 or 80; 3-7-1 weighted sum mod 10."""
    d = _digits(c.secret)
    if len(d) != 9 or len(set(d)) < 3:
        return False
    p = int(d[:2])
    if not (p <= 12 or 21 <= p <= 32 or 61 <= p <= 72 or p == 80):
        return False
    w = (3, 7, 1) * 3
    return sum(int(x) * k for x, k in zip(d, w, strict=True)) % 10 == 0


def uk_nhs(c: Candidate) -> bool:
    """NHS number: 10 digits, weights 10..2 on the first 9, check = 11 - (sum mod 11)."""
    raw = c.secret
    if not _same_separators(raw):
        return False
    d = _digits(raw)
    if len(d) != 10 or len(set(d)) == 1:
        return False
    total = sum(int(d[i]) * (10 - i) for i in range(9))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(d[9])


_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def uk_nino(c: Candidate) -> bool:
    """UK National Insurance number: prefix rules of HMRC NIM39110 (no D F I Q U V, O not
    second, not BG GB KN NK NT TN ZZ), 6 digits, suffix A-D."""
    s = "".join(ch for ch in c.secret if ch.isalnum()).upper()
    if len(s) != 9:
        return False
    p = s[:2]
    if p in _NINO_BAD_PREFIX or any(ch in "DFIQUV" for ch in p) or p[1] == "O":
        return False
    return s[2:8].isdigit() and len(set(s[2:8])) > 1 and s[8] in "ABCD"


def us_dea(c: Candidate) -> bool:
    """DEA registration number: 2 letters + 7 digits, (d1+d3+d5 + 2*(d2+d4+d6)) mod 10 == d7."""
    s = c.secret.upper()
    if len(s) != 9 or not s[2:].isdigit():
        return False
    d = [int(x) for x in s[2:]]
    if len(set(d)) < 3:
        return False
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


_PHONE_WORDS = (
    "phone",
    "tel",
    "call",
    "mobile",
    "cell",
    "fax",
    "contact",
    "whatsapp",
    "sms",
    "text me",
    "reach",
    "dial",
    "ring",
    "handy",
    "téléphone",
    "telefono",
    "número",
)


def phone(c: Candidate) -> bool:
    """A phone number. International (``+CC ...``): 8-15 digits (E.164). NANP: area and exchange
    codes start 2-9; the bare ``NXX-NXX-XXXX`` form needs a phone word within 200 characters
    before it, the ``(NXX) NXX-XXXX`` form does not."""
    raw = c.secret
    d = _digits(raw)
    if raw.startswith("+"):
        if "  " in raw or "--" in raw or ".." in raw:
            return False
        return 8 <= len(d) <= 15 and len(set(d)) > 2
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) != 10 or d[0] in "01" or d[3] in "01" or len(set(d)) < 3:
        return False
    if d[1:3] == "11" or (d[3:6] == "555" and d[6:8] == "01"):
        return False  # N11 service codes; 555-0100..0199 is reserved for fiction (NANPA)
    if raw.startswith("("):
        return True
    return _context_before(c, _PHONE_WORDS, 200)


_EMAIL_NOT_TLD = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "py", "css", "map", "json", "lock"}
)
_EMAIL_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "test.com", "domain.com")


def email(c: Candidate) -> bool:
    """An e-mail address that is not an SSH remote (``git@host:``), not URL userinfo
    (``scheme://user:pass@host``), not a package pin (``pkg@1.2.3``), not an image at-suffix
    (``logo@2x.png``), and not at a documentation domain (``example.com``)."""
    s = c.secret
    local, _, domain = s.rpartition("@")
    dl = domain.lower()
    tld = dl.rsplit(".", 1)[-1]
    if not tld.isalpha() or tld in _EMAIL_NOT_TLD or len(tld) < 2:
        return False
    if any(dl == d or dl.endswith("." + d) for d in _EMAIL_EXAMPLE_DOMAINS):
        return False
    after = c.text[c.end : c.end + 1]
    if local.lower() == "git" or (
        after == ":" and local.lower() in ("hg", "svn", "ssh", "ubuntu", "root", "ec2-user")
    ):
        return False  # an SSH remote (git@github.com:org/repo), not a person's address
    if c.text[max(0, c.start - 3) : c.start] == "://":
        return False  # URL userinfo (https://jdoe@bitbucket.org/..., a Sentry DSN key)
    line_start = c.text.rfind("\n", 0, c.start) + 1
    before = c.text[line_start : c.start]
    scheme = before.rfind("://")
    if (
        scheme != -1
        and not any(ch in before[scheme + 3 :] for ch in " \t/\"'")
        and ":" in (before[scheme + 3 :] + local)
    ):
        return False  # user:pass@host inside a URL
    return not local.lower().startswith(("noreply", "no-reply"))


PII_VALIDATORS = {
    "luhn_card": credit_card,
    "iban_mod97": iban,
    "bitcoin_address": bitcoin_address,
    "eip55": ethereum_address,
    "us_ssn": us_ssn,
    "us_itin": us_itin,
    "ca_sin": ca_sin,
    "us_npi": us_npi,
    "aba_routing": aba_routing,
    "uk_nhs": uk_nhs,
    "uk_nino": uk_nino,
    "us_dea": us_dea,
    "email": email,
    "phone": phone,
}
"""Validator name (as written in ``detectors.toml``) -> function, for personal-data detectors."""
