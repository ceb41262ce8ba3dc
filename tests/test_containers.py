"""Crawler containers (WARC, WARC.gz, JSONL): records become pages, bad records say why,
unchanged containers are skipped and changed ones re-read only what is new."""

from __future__ import annotations

import gzip
import io
import json
import os

import pytest
import sqlite_utils
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.containers import iter_records
from pipeline.ingest import ingest

ARTICLE = ("<html><head><title>{title}</title></head><body><h1>{title}</h1>"
           "<p>{product}逾期后会按日收取罚息，罚息一般为正常利率的1.5倍。</p>"
           "<p>逾期超过90天一般会上报征信，影响今后申请房贷和车贷。</p>"
           "<p>借款人可以主动联系客服说明情况，申请协商还款或者延期还款。</p></body></html>")


def page_html(product: str) -> bytes:
    return ARTICLE.format(title=f"{product}逾期怎么办", product=product).encode("utf-8")


def write_warc(path, records, gz=True):
    """``records``: (url, payload, content type, status) responses; a request record first."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gz)
        writer.write_record(writer.create_warc_record("https://example.cn/", "request",
                                                      payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        for url, payload, ctype, status in records:
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=http,
                warc_headers_dict={"WARC-Date": "2025-03-01T08:00:00Z"}))


def rows(db_path, sql, params=()):
    return [tuple(r.values()) for r in sqlite_utils.Database(db_path).query(sql, params)]


@pytest.mark.parametrize("name, gz", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_response_records_become_pages(tmp_path, name, gz):
    src = tmp_path / "src"
    src.mkdir()
    write_warc(src / name, [
        ("https://a.cn/weilidai.html", page_html("微粒贷"), "text/html; charset=utf-8", "200 OK"),
        ("https://a.cn/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png", "200 OK"),
        ("https://a.cn/missing.html", b"<html><body>Not found</body></html>", "text/html", "404 Not Found"),
        ("https://a.cn/jiebei.html", page_html("借呗"), "text/html", "200 OK"),
    ], gz=gz)
    db = tmp_path / "kb.db"
    report = ingest([str(src)], str(db))
    assert report.counts["records_skipped"] == 2  # the request and the image
    assert report.counts["pages_ok"] == 2
    got = rows(db, "select url, fetched_at, status, reason, path from pages order by url")
    assert [(u, f, s, r) for u, f, s, r, _ in got] == [
        ("https://a.cn/jiebei.html", "2025-03-01T08:00:00Z", "ok", None),
        ("https://a.cn/missing.html", "2025-03-01T08:00:00Z", "rejected", "HTTP status 404: not a page"),
        ("https://a.cn/weilidai.html", "2025-03-01T08:00:00Z", "ok", None),
    ]
    # Each record's path is the container plus the record's byte offset, and it points at the record.
    for *_, path in got:
        container, offset = path.rsplit("#", 1)
        assert container == str(src / name)
        with open(container, "rb") as f:
            f.seek(int(offset))
            record = next(iter_records_at(f))
        assert record.rec_type == "response"
    titles = rows(db, "select title from articles order by title")
    assert titles == [("借呗逾期怎么办",), ("微粒贷逾期怎么办",)]


def iter_records_at(stream):
    from warcio.archiveiterator import ArchiveIterator

    return iter(ArchiveIterator(stream))


def test_truncated_warc_keeps_earlier_records_and_says_why(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [("https://a.cn/1.html", page_html("花呗"), "text/html", "200 OK"),
                      ("https://a.cn/2.html", page_html("白条"), "text/html", "200 OK")])
    data = path.read_bytes()
    path.write_bytes(data[:-200])  # inside the last record
    pages = list(iter_records(str(path)))
    assert [p.kind for p in pages] == ["html", "invalid"]
    assert pages[1].reason.startswith("truncated WARC record: ")
    assert pages[1].url == "https://a.cn/2.html"
    path.write_bytes(data[:-400])  # inside the last record's header
    pages = list(iter_records(str(path)))
    assert [p.kind for p in pages] == ["html", "invalid"]
    assert pages[1].reason.endswith("bytes at the end are not a WARC record")


JSONL_LINES = [
    json.dumps({"url": "https://b.cn/1", "html": page_html("微粒贷").decode(), "fetched_at": "2025-01-02T03:04:05Z"},
               ensure_ascii=False),
    '{"url": "https://b.cn/2", "html": "<html><body><p>截断',
    json.dumps({"url": "https://b.cn/3", "text": "借呗逾期怎么办\n\n借呗逾期后会按日收取罚息，罚息一般为正常利率的1.5倍。"
                "\n\n逾期超过90天一般会上报征信，影响今后申请房贷和车贷。"}, ensure_ascii=False),
    "",
    json.dumps(["not", "an", "object"]),
    json.dumps({"url": "https://b.cn/5", "title": "no body"}),
]


@pytest.mark.parametrize("name", ["dump.jsonl", "dump.jsonl.gz"])
def test_jsonl_lines_become_pages_and_broken_lines_are_recorded(tmp_path, name):
    text = "\n".join(JSONL_LINES) + "\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    db = tmp_path / "kb.db"
    report = ingest([str(path)], str(db))
    assert report.counts["pages_ok"] == 2
    assert rows(db, "select path, url, fetched_at, status, reason from pages order by path") == [
        (f"{path}#L1", "https://b.cn/1", "2025-01-02T03:04:05Z", "ok", None),
        (f"{path}#L2", None, None, "rejected", "broken JSON line: Unterminated string (column 35)"),
        (f"{path}#L3", "https://b.cn/3", None, "ok", None),
        (f"{path}#L5", None, None, "rejected", "JSON line is a list, not an object"),
        (f"{path}#L6", "https://b.cn/5", None, "rejected", "JSON line has no 'html' or 'text' field with content"),
    ]


def test_directories_are_walked_recursively_in_order_and_hidden_ones_skipped(tmp_path):
    from pipeline.read import count_sources, find_sources

    for rel in ["b/2.html", "a/z/1.txt", "a/0.jsonl", ".git/x.html", "a/.cache/y.txt", "c.warc.gz"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = [os.path.relpath(s.path, tmp_path) for s in find_sources([tmp_path])]
    assert found == ["a/0.jsonl", "a/z/1.txt", "b/2.html", "c.warc.gz"]
    assert count_sources([tmp_path]) == 4
    assert [s.kind for s in find_sources([tmp_path])] == ["container", "text", "html", "container"]


def test_containers_are_incremental(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    warc = src / "crawl.warc.gz"
    products = ["微粒贷", "借呗", "花呗"]
    write_warc(warc, [(f"https://a.cn/{p}", page_html(p), "text/html", "200 OK") for p in products])
    db = tmp_path / "kb.db"
    first = ingest([str(src)], str(db))
    assert first.counts["pages_ok"] == 3

    # Unchanged (path, size, mtime): the container is not even opened.
    again = ingest([str(src)], str(db))
    assert (again.counts["files_unchanged"], again.counts["pages_read"], again.counts["pages_processed"]) == (1, 0, 0)

    # Touched only: every record is read, none processed (their sha256 is known).
    os.utime(warc, ns=(1, 1))
    touched = ingest([str(src)], str(db))
    assert (touched.counts["pages_read"], touched.counts["pages_known"], touched.counts["pages_processed"]) == (3, 3, 0)

    # A new record first and one removed: offsets shift, only the new page is processed,
    # the removed record's page goes, the moved ones stay.
    write_warc(warc, [(f"https://a.cn/{p}", page_html(p), "text/html", "200 OK") for p in ["京东白条", "微粒贷", "花呗"]])
    changed = ingest([str(src)], str(db))
    assert (changed.counts["pages_processed"], changed.counts["pages_known"], changed.counts["pages_replaced"]) == (1, 2, 1)
    assert rows(db, "select title from articles order by title") == [
        ("京东白条逾期怎么办",), ("微粒贷逾期怎么办",), ("花呗逾期怎么办",)]
    paths = rows(db, "select count(*) from page_paths where path like ?", [f"{warc}#%"])
    assert paths == [(3,)]
    orphans = rows(db, "select count(*) from pages where id not in (select page_id from page_paths)")
    assert orphans == [(0,)]
