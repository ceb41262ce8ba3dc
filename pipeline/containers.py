"""Crawler containers: WARC / WARC.gz and JSONL files holding many pages each.

Each record becomes one :class:`~pipeline.document.RawPage` whose ``path`` names the
container and the record (``crawl.warc.gz#1234`` — the record's byte offset;
``pages.jsonl#L12`` — the line number), so a claim can be traced back to the exact
record. Records stream one at a time: a 10 GB crawl is never held in memory.

Readers never raise on bad input. A record that cannot become a page (a broken JSON
line, a truncated WARC) becomes an :class:`InvalidRecord`, which ingest stores as a
``rejected`` page with the reason, and reading goes on with the next record.

    >>> import io, json, tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "c.jsonl")
    >>> _ = open(p, "w").write(json.dumps({"url": "u", "text": "正文"}) + "\\n{broken\\n")
    >>> [(r.path.rsplit("/", 1)[1], r.kind) for r in iter_records(p)]
    [('c.jsonl#L1', 'text'), ('c.jsonl#L2', 'invalid')]
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from . import limits as page_limits
from .document import RawPage

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_CONTENT_TYPES = ("text/html", "application/xhtml")


@dataclass
class InvalidRecord(RawPage):
    """A container record that is not a page; ``reason`` lands in ``pages.reason``."""

    reason: str = ""

    def __post_init__(self) -> None:
        self.kind = "invalid"


def is_container(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES + WARC_SUFFIXES)


def iter_records(path: str, counts: Counter | None = None) -> Iterator[RawPage]:
    """Every page in the container at ``path``, in file order.

    ``counts`` (optional) receives ``records_skipped`` for records that are not
    pages at all (WARC request/metadata records, images, CSS).
    """
    counts = counts if counts is not None else Counter()
    if path.lower().endswith(JSONL_SUFFIXES):
        yield from iter_jsonl(path)
    else:
        yield from iter_warc(path, counts)


def iter_jsonl(path: str) -> Iterator[RawPage]:
    """One page per line: ``{"url", "html" | "text", "fetched_at"}`` as crawlers write them."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    limit = page_limits.current().max_page_bytes
    number = 0
    try:
        with opener(path, "rb") as lines:
            for number, line in enumerate(_capped_lines(lines, limit), 1):
                if line is None:
                    reason = f"page too large (JSON line of more than {limit} bytes)"
                    yield InvalidRecord(path=f"{path}#L{number}", data=f"{path}#L{number}\n{reason}".encode(),
                                        reason=reason)
                elif line.strip():
                    yield jsonl_record(line.rstrip(b"\r\n"), f"{path}#L{number}")
    except (OSError, EOFError, gzip.BadGzipFile) as error:  # truncated .gz, unreadable file
        reason = f"unreadable JSONL after line {number}: {type(error).__name__}: {error}"
        yield InvalidRecord(path=f"{path}#L{number + 1}", data=f"{path}\n{reason}".encode(), reason=reason)


def _capped_lines(stream, limit: int) -> Iterator[bytes | None]:
    """The lines of ``stream``; ``None`` for a line over ``limit`` bytes, which is skipped
    without being held (a gzip bomb inflates to one endless line)."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(2**20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def jsonl_record(line: bytes, path: str) -> RawPage:
    """One JSONL line as a page, or an :class:`InvalidRecord` saying what is wrong with it."""

    def invalid(reason: str) -> InvalidRecord:
        return InvalidRecord(path=path, data=line, reason=reason)

    try:
        record = json.loads(line)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        if isinstance(error, json.JSONDecodeError):  # "Unterminated string starting at" → "Unterminated string"
            detail = f"{error.msg.removesuffix(' at').removesuffix(' starting')} (column {error.colno})"
        else:
            detail = str(error)
        return invalid(f"broken JSON line: {detail}")
    except RecursionError:  # [[[[... nested deeper than Python's recursion limit
        return invalid("broken JSON line: nested too deeply")
    if not isinstance(record, dict):
        return invalid(f"JSON line is a {type(record).__name__}, not an object")
    url = record.get("url")
    fetched_at = record.get("fetched_at")
    url = url if isinstance(url, str) else None
    fetched_at = str(fetched_at) if isinstance(fetched_at, (str, int, float)) else None
    for field, kind in (("html", "html"), ("text", "text")):
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            # The text is already decoded: keep it (no charset guessing on re-encoded bytes).
            return RawPage(path=path, data=value.encode("utf-8", "surrogatepass"), kind=kind, url=url,
                           fetched_at=fetched_at, text=value, encoding="utf-8")
    return InvalidRecord(path=path, data=line, url=url, fetched_at=fetched_at,
                         reason="JSON line has no 'html' or 'text' field with content")


def _http_content_type(record) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").lower()


def iter_warc(path: str, counts: Counter) -> Iterator[RawPage]:
    """HTML ``response`` (and ``resource``) records of a WARC or WARC.gz file.

    ``url`` is WARC-Target-URI and ``fetched_at`` WARC-Date; the payload is the HTTP
    body with transfer and content encodings undone (warcio does this).
    """
    from warcio.archiveiterator import ArchiveIterator

    limit = page_limits.current().max_page_bytes
    offset = 0
    try:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type is None:  # no WARC-Type: garbage, or a file cut inside the header
                    offset = records.get_record_offset()
                    reason = "broken WARC record: no WARC-Type header"
                    yield InvalidRecord(path=f"{path}#{offset}", data=f"{path}#{offset}\n{reason}".encode(),
                                        reason=reason)
                    continue
                if record.rec_type not in ("response", "resource"):
                    counts["records_skipped"] += 1
                    continue
                content_type = _http_content_type(record)
                # At most one byte over the page budget: a gzip bomb is never inflated whole.
                data = record.content_stream().read(limit + 1)
                # Only after the payload is read: asking earlier makes warcio skip it.
                offset = records.get_record_offset()
                missing = getattr(record.raw_stream, "limit", 0)  # the file ended inside this record
                # (a record cut inside its HTTP headers has lost its Content-Type: report it all the same)
                if not missing and not content_type.startswith(HTML_CONTENT_TYPES) and not (
                    not content_type and data[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))
                ):
                    counts["records_skipped"] += 1
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                fetched_at = record.rec_headers.get_header("WARC-Date")
                record_path = f"{path}#{offset}"
                if missing:
                    reason = f"truncated WARC record: {missing} bytes missing"
                    yield InvalidRecord(path=record_path, data=f"{url}\n{reason}".encode() + data[:1024],
                                        url=url, fetched_at=fetched_at, reason=reason)
                    continue
                if len(data) > limit:
                    reason = f"page too large (more than {limit} bytes once decompressed)"
                    yield InvalidRecord(path=record_path, data=f"{url}\n{reason}".encode(),
                                        url=url, fetched_at=fetched_at, reason=reason)
                    continue
                status = record.http_headers.get_statuscode() if record.http_headers is not None else None
                if status and not status.startswith("2"):
                    reason = f"HTTP status {status}: not a page"
                    yield InvalidRecord(path=record_path, data=f"{url}\n{reason}".encode() + data[:1024],
                                        url=url, fetched_at=fetched_at, reason=reason)
                    continue
                yield RawPage(path=record_path, data=data, kind="html", url=url, fetched_at=fetched_at)
            end, size = getattr(records, "offset", 0), os.fstat(stream.fileno()).st_size
            if size - end > 4:  # bytes after the last record warcio could read
                raise ValueError(f"{size - end} bytes at the end are not a WARC record")
    except Exception as error:  # warcio's ArchiveLoadFailed, zlib errors on a truncated .gz
        reason = f"unreadable WARC after offset {offset}: {str(error)[:200] or type(error).__name__}"
        yield InvalidRecord(path=f"{path}#{offset}+", data=f"{path}\n{reason}".encode(), reason=reason)
