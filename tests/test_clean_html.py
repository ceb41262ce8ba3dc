"""extract_html on hand-written fixture pages: metadata exact, no furniture, headings kept.

Each ``tests/fixtures/pages/NAME.html`` (saved in the encoding its page claims, or
lies about) has ``NAME.expected.json``: the metadata, the section headings, the first
and last sentence of the body, whole lines that must survive unsplit (inline keyword
links), strings that must not appear in the body, or the rejection reason.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from pipeline import clean_html
from pipeline.boilerplate import is_boilerplate_line
from pipeline.clean_html import extract_html
from pipeline.decode import decode_bytes, strip_charset_declarations
from pipeline.document import Rejected

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
FIXTURES = sorted(p.stem for p in PAGES.glob("*.html"))
ARTICLES = [name for name in FIXTURES if "rejected" not in json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))]
REJECTS = [name for name in FIXTURES if name not in ARTICLES]


def load(name: str) -> tuple[str, str, dict]:
    text, encoding = decode_bytes((PAGES / f"{name}.html").read_bytes(), html=True)
    expected = json.loads((PAGES / f"{name}.expected.json").read_text("utf-8"))
    return text, encoding, expected


def extract(name: str):
    text, _, expected = load(name)
    return extract_html(text, url=expected.get("fetched_url")), expected


def test_there_are_enough_fixtures():
    assert len(ARTICLES) >= 10
    assert REJECTS


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_decodes_as_expected(name):
    text, encoding, expected = load(name)
    assert encoding == expected["encoding"]
    assert "\ufffd" not in text


@pytest.mark.parametrize("name", ARTICLES)
@pytest.mark.parametrize("field", ["title", "source", "author", "published_at", "url", "site"])
def test_metadata_exact(name, field):
    article, expected = extract(name)
    assert getattr(article, field) == expected[field]


@pytest.mark.parametrize("name", ARTICLES)
def test_headings_become_sections(name):
    article, expected = extract(name)
    assert article.headings == expected["headings"]
    for section in article.sections:
        assert section.heading not in section.paragraphs
    body_lines = article.body.split("\n")
    for heading in expected["headings"]:
        assert heading in body_lines


@pytest.mark.parametrize("name", ARTICLES)
def test_body_starts_and_ends_with_the_article(name):
    article, expected = extract(name)
    lines = article.body.split("\n")
    assert lines[0].startswith(expected["first"])
    assert lines[-1].endswith(expected["last"])
    assert article.title not in lines


@pytest.mark.parametrize("name", ARTICLES)
def test_inline_links_do_not_split_paragraphs(name):
    article, expected = extract(name)
    lines = article.body.split("\n")
    for line in expected["lines"]:
        assert line in lines


@pytest.mark.parametrize("name", ARTICLES)
def test_no_furniture_in_body(name):
    article, expected = extract(name)
    for unwanted in expected["absent"]:
        assert unwanted not in article.body, unwanted
    for line in article.body.split("\n"):
        assert is_boilerplate_line(line) is None, line


@pytest.mark.parametrize("name", REJECTS)
def test_pages_without_an_article_are_rejected_with_a_reason(name):
    text, _, expected = load(name)
    with pytest.raises(Rejected) as error:
        extract_html(text)
    assert str(error.value) == expected["rejected"]


@pytest.mark.parametrize(
    "html, reason",
    [
        ("", "empty page"),
        ("   \n", "empty page"),
        ("<html><body></body></html>", "no main content found"),
        ("<html><body><div><a href='/'>首页</a> <a href='/a'>新闻</a></div></body></html>", "no main content found"),
    ],
)
def test_rejection_reasons(html, reason):
    with pytest.raises(Rejected) as error:
        extract_html(html)
    assert str(error.value) == reason


def test_xml_declaration_in_decoded_text_is_harmless():
    page = (
        '<?xml version="1.0" encoding="gb2312"?>\n<html><head><title>借呗还款_网</title></head>'
        "<body><h1>借呗还款</h1><p>借呗可以提前还款，不收取任何手续费，利息按实际天数计算。</p></body></html>"
    )
    article = extract_html(page)
    assert article.title == "借呗还款"
    assert article.body == "借呗可以提前还款，不收取任何手续费，利息按实际天数计算。"


def test_relative_canonical_without_url_is_dropped():
    page = (
        '<html><head><title>花呗分期_网</title><link rel="canonical" href="/a/1.html"></head>'
        "<body><h1>花呗分期</h1><p>花呗分期会收取手续费，费率按期数不同而不同，提前还款可以减免部分费用。</p></body></html>"
    )
    assert extract_html(page).url is None
    assert extract_html(page, url="https://x.example/a/1.html?from=feed").url == "https://x.example/a/1.html"


@pytest.mark.parametrize(
    "data, encoding",
    [
        # UTF-8 cut mid-character: stays UTF-8 (lossy), never turns into GB18030 mojibake.
        ("借呗逾期怎么办。".encode("utf-8") * 50 + "借".encode("utf-8")[:2], "utf-8?"),
        # GBK with one stray byte: stays GBK-family instead of falling through to Big5.
        ("借呗逾期怎么办。".encode("gbk") * 50 + b"\xff", "gb18030?"),
        # A lying <meta charset=utf-8> on GBK bytes.
        (b'<meta charset="utf-8"><p>' + "网贷逾期".encode("gbk"), "gb18030"),
        # An archive's <script charset=utf-8> before the page's real declaration.
        (b'<script charset="utf-8"></script><meta charset="gb2312">' + "堃".encode("gbk"), "gb18030"),
    ],
)
def test_decode_near_misses(data, encoding):
    assert decode_bytes(data)[1] == encoding


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<?xml version="1.0" encoding="gbk"?><html>', "<html>"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>', "<p>"),
        ('<meta charset="gbk"><meta name="keywords" content="借呗">', '<meta name="keywords" content="借呗">'),
        ("<p>charset=utf-8 in text stays</p>", "<p>charset=utf-8 in text stays</p>"),
    ],
)
def test_strip_charset_declarations(html, expected):
    assert strip_charset_declarations(html) == expected


def test_clean_html_doctests():
    assert doctest.testmod(clean_html).failed == 0
