"""Read: find input files and turn them into RawPage records.

Readers never raise on bad input. A file that cannot become a page still yields a
RawPage (possibly empty) so the KB records it with a reason in ``pages``.

Supported inputs: ``.html/.htm/.shtml/.xhtml`` (HTML), ``.txt`` (plain-text dumps);
container formats (WARC, JSONL) are handled by :mod:`pipeline.containers`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .document import RawPage

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".asp", ".aspx", ".php", ".jsp")
TEXT_SUFFIXES = (".txt", ".text", ".md")
CONTAINER_SUFFIXES = (".warc", ".warc.gz", ".arc.gz", ".jsonl", ".jsonl.gz", ".ndjson")
# Files we never treat as input (editor backups, our own outputs, VCS metadata).
IGNORED_NAMES = {".gitkeep", ".DS_Store", "README.md", "Thumbs.db"}


@dataclass(frozen=True)
class SourceFile:
    """One input file on disk with the stat fields incremental ingest compares."""

    path: str
    size: int
    mtime_ns: int

    @property
    def kind(self) -> str:
        return kind_of(self.path)


def kind_of(path: str) -> str:
    """``html``, ``text``, ``container`` or ``unknown`` from a file name."""
    name = path.lower()
    if name.endswith(CONTAINER_SUFFIXES):
        return "container"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return "unknown"


def _walk_sorted(root: str) -> Iterator[os.DirEntry]:
    """Files under ``root`` in sorted path order, one directory listing in memory at a time.

    ``sorted(rglob())`` would hold every path of a 100k-page crawl before the first page
    is read; walking depth-first with each listing sorted yields the same order lazily.
    (``os.scandir`` entries, not ``Path`` objects: a no-op re-run is mostly this walk.)
    """
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders (.git, editor swap files)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_sorted(entry.path)
            elif entry.is_file() and entry.name not in IGNORED_NAMES:
                yield entry
        except OSError:
            continue


def find_sources(paths: Iterable[str | os.PathLike]) -> Iterator[SourceFile]:
    """Every input file under ``paths`` (files or directories, walked recursively), sorted.

    A generator: files are stat-ed as they are reached, so memory does not grow with
    the size of the tree. Sorting makes ingest order — and so every derived id and row
    order — independent of the file system.
    """
    for root in paths:
        root = str(Path(root))  # "./sources/" → "sources": the same paths however it is typed
        if os.path.isfile(root):
            st = os.stat(root)
            yield SourceFile(root, st.st_size, st.st_mtime_ns)
        elif os.path.isdir(root):
            for entry in _walk_sorted(root):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                yield SourceFile(entry.path, st.st_size, st.st_mtime_ns)
        else:
            raise FileNotFoundError(f"{root}: no such file or directory")


def count_sources(paths: Iterable[str | os.PathLike]) -> int:
    """How many files :func:`find_sources` will yield (for a progress bar; no stat calls)."""
    total = 0
    for root in paths:
        root = str(Path(root))
        if os.path.isfile(root):
            total += 1
        elif os.path.isdir(root):
            total += sum(1 for _ in _walk_sorted(root))
    return total


def read_file(source: SourceFile, max_bytes: int | None = None) -> RawPage:
    """The bytes of a single-page file as a RawPage (``kind`` html/text/unknown).

    A file over ``max_bytes`` is not read at all (a 5 GB "page" must not fill memory)
    and one that cannot be read (gone since the walk, no permission) is not an error:
    both become an ``invalid`` page whose reason lands in ``pages.reason``.
    """
    if max_bytes is not None and source.size > max_bytes:
        return _unread(source, f"page too large ({source.size} bytes > {max_bytes} limit)")
    try:
        with open(source.path, "rb") as f:
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    except OSError as error:
        return _unread(source, f"unreadable file: {error.strerror or error}")
    kind = source.kind
    if kind == "unknown":
        # Sniff: something that starts like markup is HTML, anything else a text dump.
        head = data[:2048].lstrip().lower()
        kind = "html" if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta")) else "text"
    return RawPage(path=source.path, data=data, kind=kind)


def _unread(source: SourceFile, reason: str) -> RawPage:
    from .containers import InvalidRecord

    marker = f"{source.path}\n{source.size}\n{source.mtime_ns}\n{reason}"
    return InvalidRecord(path=source.path, data=marker.encode("utf-8", "surrogateescape"), reason=reason)
