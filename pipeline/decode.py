"""Turn page bytes into text without ever crashing.

Order of trust, from what a probe on real Chinese pages taught us:

1. a byte-order mark;
2. strict UTF-8 (it almost never decodes non-UTF-8 by accident);
3. the charset the page declares in ``<meta>`` (not in ``<script charset>``, which
   archived pages carry for unrelated files), with gb2312/gbk widened to gb18030
   because real "gb2312" pages use characters outside it;
4. gb18030, then big5hkscs, strictly;
5. charset-normalizer's detection;
6. a lossy gb18030 decode, so a page is never lost to decoding.

Two near-misses are common on crawled pages and handled before the strict fallbacks:
a UTF-8 page cut mid-character (or carrying a few stray bytes) would otherwise decode
"strictly" as GB18030 mojibake, and a GBK page with a handful of bad bytes would fall
through to Big5. Both are decoded lossily in their own encoding when the damage is tiny.

``strip_charset_declarations`` removes the now-stale ``<?xml encoding?>`` and
``<meta charset>`` from decoded text: lxml refuses a str carrying an XML encoding
declaration, and a parser must not be tempted to re-decode text that is already text.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Declarations we widen: a page saying gb2312 is nearly always really GBK/GB18030.
WIDER_ENCODING = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
}

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""<\?xml[^>]{0,100}encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""")

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalise_encoding_name(name: str) -> str | None:
    """Map a declared charset to the codec we decode with, or None if unknown."""
    name = name.strip().lower()
    name = WIDER_ENCODING.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# Python codecs that are no web charset: a page "declaring" one gets no say.
_NOT_CHARSETS = {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "charmap"}


def declared_encoding(data: bytes) -> str | None:
    """The charset from the first ``<meta>`` (or XML declaration) in the head."""
    head = data[:8192]
    match = _META_CHARSET.search(head) or _XML_DECL.search(head)
    if not match:
        return None
    encoding = normalise_encoding_name(match.group(1).decode("ascii", "ignore"))
    if encoding and encoding.startswith(("utf-16", "utf-32")):
        # A declaration readable as ASCII cannot be in UTF-16/32 (the HTML standard
        # reads such a <meta> as UTF-8); a real UTF-16 page has a BOM.
        return "utf-8"
    return None if encoding in _NOT_CHARSETS else encoding


# A lossy decode is accepted when at most 1 + this share of the non-ASCII bytes is
# damaged: a truncated last character passes, a page in another encoding never does.
NEAR_MISS_RATIO = 0.002
_ASCII = bytes(range(128))

_STALE_DECLARATION = re.compile(
    r"""<\?xml[^>]{0,200}?\?>|<meta\b[^>]{0,300}?charset\s*=[^>]*>""", re.IGNORECASE
)


def strip_charset_declarations(text: str) -> str:
    """Drop ``<?xml ... encoding?>`` and charset ``<meta>`` tags from decoded HTML.

    >>> strip_charset_declarations('<?xml version="1.0" encoding="gbk"?><meta charset="gbk"><p>借呗')
    '<p>借呗'
    """
    return _STALE_DECLARATION.sub("", text[:8192]) + text[8192:]


# Single-byte codecs that Chinese pages sometimes declare by mistake.
WESTERN = frozenset(("cp1252", "latin-1", "iso8859-1", "ascii", "iso8859-15"))

# The commonest characters of Chinese text, simplified and traditional: a decode with
# the wrong double-byte codec yields rare characters instead.
_COMMON = frozenset("的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對生能而子那得于於着著下自之年过過发發后後作里裡用道行所然家种種事成方多经經么麼去法学學如都同现現当當没沒动動面起看定天分还還进進好小部其些主样樣理心她本前开開但因只从從想实實")


def _common_chars(text: str) -> int:
    return sum(1 for ch in text if ch in _COMMON)


def _near_miss(data: bytes, encoding: str) -> str | None:
    """A lossy decode, if only a few characters were damaged."""
    try:
        text = data.decode(encoding, errors="replace")
    except (UnicodeError, LookupError):  # codecs such as "undefined" or "idna" raise even so
        return None
    damaged = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if damaged <= 1 + NEAR_MISS_RATIO * len(data.translate(None, _ASCII)):
        return text
    return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeError, LookupError):  # UnicodeError: <meta charset="undefined">, "idna"
        return None


def decode_bytes(data: bytes, html: bool = True) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding_used)``.

    >>> decode_bytes("借呗".encode("gbk"))
    ('借呗', 'gb18030')
    """
    if not data:
        return "", "empty"
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is not None:
                return text, encoding
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    # GBK bytes are never nearly-valid UTF-8, so this only catches damaged UTF-8.
    text = _near_miss(data, "utf-8")
    if text is not None:
        return text, "utf-8?"
    candidates: list[str] = []
    declared = declared_encoding(data) if html else None
    if declared and declared != "utf-8" and declared not in WESTERN:
        candidates.append(declared)
    if "gb18030" not in candidates:
        candidates.append("gb18030")
    if declared in WESTERN:
        # Old Chinese sites declare iso-8859-1 over GBK bytes; a Western page that
        # is not GBK-valid still gets its declared codec below.
        candidates.append(declared)
    for encoding in candidates:
        text = _strict(data, encoding)
        if text is not None:
            if encoding == "gb18030" and not declared:
                # Undeclared Big5 often passes as GB18030 too: keep whichever reads
                # as Chinese (more of the commonest characters).
                big5 = _strict(data, "big5hkscs")
                if big5 is not None and _common_chars(big5) > _common_chars(text):
                    return big5, "big5hkscs"
            return text, encoding
    for encoding in candidates:
        text = _near_miss(data, encoding)
        if text is not None:
            return text, encoding + "?"
    text = _strict(data, "big5hkscs")
    if text is not None:
        return text, "big5hkscs"
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        encoding = best.encoding
        return data.decode(encoding, errors="replace"), encoding + "?"
    return data.decode("gb18030", errors="replace"), "gb18030?"
