"""Clean: RawPage -> Article (main content plus metadata), whatever the page format.

Dispatches on ``RawPage.kind``: HTML goes to :mod:`pipeline.clean_html`, plain-text
dumps to :mod:`pipeline.clean_dump`. A page that has no article raises
:class:`~pipeline.document.Rejected` with the reason.
"""

from __future__ import annotations

from .clean_dump import extract_dump
from .decode import decode_bytes
from .document import Article, RawPage, Rejected

# Control characters other than tab/newline/carriage return mark a binary file.
_BINARY_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))


def looks_binary(data: bytes) -> bool:
    """True for data that is not text in any encoding (NULs, many control bytes)."""
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (a Notepad "Unicode" .txt): its bytes are full of NULs and control
        # values, so judge its characters instead (binary behind a BOM decodes to lone
        # surrogates and private-use characters: count those as control too).
        text = sample.decode("utf-32" if sample.startswith(b"\xff\xfe\x00\x00") else "utf-16", errors="replace")
        sample = [0 if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" else ord(ch) for ch in text]
    elif b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b in _BINARY_CONTROL)
    return controls > len(sample) * 0.05


def page_text(page: RawPage) -> tuple[str, str]:
    """Decoded text and the encoding used (JSONL records may already carry text)."""
    if page.text is not None:
        return page.text, page.encoding or "unicode"
    if not page.data:
        raise Rejected("empty file")
    if looks_binary(page.data):
        raise Rejected("binary content: not an HTML page or text dump")
    return decode_bytes(page.data, html=page.kind == "html")


def extract_article(page: RawPage) -> Article:
    """The article of ``page``.

    >>> page = RawPage("x.txt", "标题\\n正文说明了还款规则，逾期会产生罚息。".encode(), kind="text")
    >>> extract_article(page).title
    '标题'
    """
    text, encoding = page_text(page)
    if not text.strip():
        raise Rejected("no text after decoding")
    if page.kind == "html":
        from .clean_html import extract_html

        article = extract_html(text, url=page.url)
    else:
        article = extract_dump(text, url=page.url)
    article.encoding = encoding
    if page.url and not article.url:
        article.url = page.url
    return article
