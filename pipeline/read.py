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


def find_sources(paths: Iterable[str | os.PathLike]) -> Iterator[SourceFile]:
    """Every input file under ``paths`` (files or directories, walked recursively), sorted.

    Sorting makes ingest order — and so every derived id and row order — independent
    of the file system.
    """
    for root in paths:
        root = Path(root)
        if root.is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = sorted(p for p in root.rglob("*") if p.is_file())
        else:
            raise FileNotFoundError(f"{root}: no such file or directory")
        for path in candidates:
            if path.name in IGNORED_NAMES or any(part.startswith(".") for part in path.parts[len(root.parts):]):
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            yield SourceFile(str(path), st.st_size, st.st_mtime_ns)


def read_file(source: SourceFile, max_bytes: int | None = None) -> RawPage:
    """The bytes of a single-page file as a RawPage (``kind`` html/text/unknown)."""
    with open(source.path, "rb") as f:
        data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    kind = source.kind
    if kind == "unknown":
        # Sniff: something that starts like markup is HTML, anything else a text dump.
        head = data[:2048].lstrip().lower()
        kind = "html" if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta")) else "text"
    return RawPage(path=source.path, data=data, kind=kind)
