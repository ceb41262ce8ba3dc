"""Ingest: sources/ → kb/kb.db, incrementally, streaming, in batches, counting what each stage did.

    walk files (lazily) ─► skip unchanged files and containers (path, size, mtime)
      ─► read bytes / container records ─► skip known content (sha256)
      ─► process_record (clean, claims, topics, facts, checks, MinHash) in N processes
      ─► write each batch in one transaction ─► finalize (near-duplicates, conflicts)
         for what changed only

Memory is bounded by the batch, not the corpus: files are walked lazily, container
records stream, and at most two batches are in flight (one being processed while the
previous one is written). Results are written in input order, so the KB is the same
for any number of workers.

A batch's rows and the record of which files it consumed commit together, so a
killed ingest leaves a consistent KB and the next run picks up where it stopped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

from . import dedup, kb
from . import limits as page_limits
from .containers import is_container, iter_records
from .document import RawPage
from .limits import storable_text
from .process import PageResult, process_page
from .read import SourceFile, count_sources, find_sources, read_file

DEFAULT_BATCH_SIZE = 100
MAX_REASONS = 1000  # distinct rejection reasons counted in memory; all are in pages.reason

# Stage counters, in the order the summary prints them.
COUNTERS = (
    "files_seen", "files_unchanged", "containers_read", "records_skipped",
    "pages_read", "pages_known", "pages_processed",
    "pages_ok", "pages_rejected", "pages_error", "pages_replaced",
    "articles", "claims", "facts", "flags", "duplicates",
)


@dataclass
class IngestReport:
    counts: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    dry_run: bool = False
    reprocessing: bool = False  # the code, dictionary or model changed since the KB was built

    def as_dict(self) -> dict:
        return {
            "reprocessing": self.reprocessing,
            "counts": {name: self.counts.get(name, 0) for name in COUNTERS},
            "rejections": dict(self.reasons.most_common()),
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
        }

    def count(self, result: PageResult) -> None:
        c = self.counts
        c["pages_processed"] += 1
        c[f"pages_{result.status}"] += 1
        if result.status != "ok":
            reason = f"{result.status}: {result.reason}"
            if reason not in self.reasons and len(self.reasons) >= MAX_REASONS:
                reason = f"{result.status}: (other reasons; see the pages table)"  # memory stays bounded
            self.reasons[reason] += 1
        else:
            c["articles"] += 1
            c["claims"] += len(result.claims)
            c["facts"] += sum(len(f) for f in result.facts)
            c["flags"] += len(result.flags)

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"{'[dry run] ' if self.dry_run else ''}ingest finished in {self.seconds:.1f}s",
            f"  read      {c['files_seen']} files ({c['files_unchanged']} unchanged, skipped; "
            f"{c['containers_read']} containers read, {c['records_skipped']} non-page records), "
            f"{c['pages_read']} pages read, {c['pages_known']} already in the KB",
            f"  process   {c['pages_processed']} pages: {c['pages_ok']} ok, "
            f"{c['pages_rejected']} rejected, {c['pages_error']} errors; {c['pages_replaced']} replaced",
            f"  extract   {c['articles']} articles, {c['claims']} claims",
            f"  check     {c['facts']} facts, {c['flags']} flags",
        ]
        if self.reprocessing:
            lines.insert(1, "  (pipeline code, dictionary or model changed: known pages were processed again)")
        if not self.dry_run:
            lines.append(f"  dedup     {c['duplicates']} articles in the KB are near-duplicates of another "
                         f"(articles.dup_of)")
        for reason, n in self.reasons.most_common(10):
            lines.append(f"  - {n} × {reason}")
        if c["pages_error"]:
            lines.append("  errors are recorded in the pages table: "
                         "select path, reason from pages where status = 'error'")
        return "\n".join(lines)


# --- the per-page stage: the same function locally, in a pool, or on a cluster -----------

Processed = tuple[PageResult, "dedup.PageDedup | None"]


def process_record(page: RawPage) -> Processed:
    """:func:`process_page` plus its near-duplicate keys (MinHash; both pure functions)."""
    result = process_page(page)
    near_dup = dedup.page_dedup(result.body_seg, result.claim_segs) if result.status == "ok" else None
    return result, near_dup


def process_records(pages: list[RawPage]) -> list[Processed]:
    """A chunk of pages per task: one round-trip to a worker for several pages."""
    return [process_record(page) for page in pages]


# --- what to read ----------------------------------------------------------------------


@dataclass
class PathRecord:
    """Which page an input path holds now, with the stat that says "unchanged" next time."""

    path: str
    size: int
    mtime_ns: int
    page_id: str


@dataclass
class PageItem:
    """A page read from a file or container record, with its path record."""

    record: PathRecord
    page: RawPage


@dataclass
class ContainerDone:
    """Marker after a container's last record: forget its records that disappeared."""

    source: SourceFile
    paths: set[str]


Entry = PathRecord | ContainerDone  # what a batch records besides its results


def _file_unchanged(db, source: SourceFile) -> bool:
    table = "containers" if source.kind == "container" else "page_paths"
    row = db.execute(f"select size, mtime_ns from [{table}] where path = ?", [source.path]).fetchone()
    return bool(row and row[0] == source.size and row[1] == source.mtime_ns)


def _work_items(db, sources: Iterable[SourceFile], report: IngestReport) -> Iterator[PageItem | ContainerDone]:
    """Pages of new or changed files and containers, in input order (a generator)."""
    for source in sources:
        report.counts["files_seen"] += 1
        # A file name that is not UTF-8 cannot be stored as is (see limits.storable_text).
        stored = replace(source, path=storable_text(source.path))
        if _file_unchanged(db, stored):
            report.counts["files_unchanged"] += 1
            continue
        if source.kind == "container" and is_container(source.path):
            report.counts["containers_read"] += 1
            paths: set[str] = set()
            for page in iter_records(source.path, report.counts):
                report.counts["pages_read"] += 1
                record_path = storable_text(page.path)
                paths.add(record_path)
                yield PageItem(PathRecord(record_path, len(page.data), source.mtime_ns, page.id), page)
            yield ContainerDone(stored, paths)
        else:
            page = read_file(source, max_bytes=page_limits.current().max_page_bytes)
            report.counts["pages_read"] += 1
            yield PageItem(PathRecord(stored.path, source.size, source.mtime_ns, page.id), page)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch, pages = [], 0
    for item in items:
        batch.append(item)
        pages += isinstance(item, PageItem)
        if pages >= size:
            yield batch
            batch, pages = [], 0
    if batch:
        yield batch


def _known_ids(db, ids: list[str]) -> set[str]:
    """Ids already in the KB, processed by the current code, dictionary and model."""
    known: set[str] = set()
    current = kb.processor_fingerprint()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        known.update(r[0] for r in db.execute(
            f"select id from pages where processor = ? and id in ({','.join('?' * len(chunk))})",
            [current, *chunk]))
    return known


# --- where pages are processed: this process, a process pool, or a cluster ---------------


class Runner:
    """Processes batches in submission order, a bounded number in flight.

    ``submit`` hands over a batch's entries and the pages to process; ``pop`` returns
    the oldest batch's entries and its outputs, in page order. Subclasses change only
    where :func:`process_records` runs (see :class:`pipeline.distributed.DaskRunner`).
    """

    depth = 2

    def __init__(self, stage: Callable[[list[RawPage]], list[Processed]] = process_records) -> None:
        self.queue: deque = deque()
        self.stage = stage  # a module-level function, so a pool can pickle it

    def submit(self, entries: list[Entry], pages: list[RawPage]) -> None:
        self.queue.append((entries, pages))

    def full(self) -> bool:
        return len(self.queue) >= self.depth

    def pop(self) -> tuple[list[Entry], list[Processed]]:
        entries, pages = self.queue.popleft()
        return entries, self.stage(pages)

    def close(self) -> None:
        pass


class PoolRunner(Runner):
    """A local process pool; each batch is split in chunks so every worker gets some.

    A batch of only a few pages (adding one page to a large KB) is processed here:
    starting workers would cost more than the pages. The pool starts with the first
    batch big enough to share.
    """

    def __init__(self, workers: int, stage: Callable[[list[RawPage]], list[Processed]] = process_records) -> None:
        super().__init__(stage)
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, entries: list[Entry], pages: list[RawPage]) -> None:
        if len(pages) < 2 * self.workers:
            self.queue.append((entries, None, pages))
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers)
        size = -(-len(pages) // (self.workers * 2))
        futures = [self.pool.submit(self.stage, pages[i:i + size]) for i in range(0, len(pages), size)]
        self.queue.append((entries, futures, None))

    def pop(self) -> tuple[list[Entry], list[Processed]]:
        entries, futures, pages = self.queue.popleft()
        if futures is None:
            return entries, self.stage(pages)
        return entries, [out for future in futures for out in future.result()]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def write_batch(db, entries: list[Entry], outputs: list[Processed]) -> None:
    """One transaction: the batch's rows and the paths (and containers) they came from."""
    with db.conn:
        for result, near_dup in outputs:
            kb.write_result(db, result, near_dup)
        for entry in entries:
            if isinstance(entry, PathRecord):
                kb.record_path(db, entry.path, entry.page_id, entry.size, entry.mtime_ns)
            else:
                _forget_missing_records(db, entry)
        kb.mark_stale(db)


def ingest(
    paths: Iterable[str],
    db_path: str,
    *,
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: bool = False,
    on_result: Callable[[PageResult], None] | None = None,
    runner: Runner | None = None,
    command: str = "ingest",
    reprocess: bool = False,
) -> IngestReport:
    """Ingest every page under ``paths`` into the KB at ``db_path``.

    ``runner`` says where pages are processed (default: this process, or a pool of
    ``workers`` processes); whatever it is, the KB comes out the same. Pages built by
    other code, dictionary or model (or all, with ``reprocess``) are processed again.
    """
    paths = list(paths)
    started = time.monotonic()
    started_at = kb.now()
    report = IngestReport(dry_run=dry_run)
    db = kb.open_kb(":memory:" if dry_run and not os.path.exists(db_path) else db_path)
    if not dry_run and kb.ensure_current_processor(db, force=reprocess):
        report.reprocessing = True
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count_sources(paths), unit="file", desc="ingest", file=sys.stderr, leave=False)
    if runner is None:
        runner = PoolRunner(workers) if workers > 1 else Runner()
    # Ids submitted but not yet committed: a copy in a later batch is "known", not redone.
    pending: Counter = Counter()
    seen_in_dry_run: set[str] = set()
    changed = False

    def write(entries: list[Entry], outputs: list[Processed]) -> None:
        nonlocal changed
        for result, _ in outputs:
            report.count(result)
            if on_result:
                on_result(result)
        for entry in entries:
            if isinstance(entry, PathRecord):
                pending[entry.page_id] -= 1
                if pending[entry.page_id] <= 0:
                    del pending[entry.page_id]
        if not dry_run:
            write_batch(db, entries, outputs)
            changed = True

    try:
        for batch in _batches(_work_items(db, find_sources(paths), report), batch_size):
            items = [item for item in batch if isinstance(item, PageItem)]
            known = _known_ids(db, [item.page.id for item in items]) | set(pending) | seen_in_dry_run
            to_process = []
            for item in items:
                page_id = item.page.id
                if page_id in known:
                    report.counts["pages_known"] += 1
                else:
                    known.add(page_id)
                    to_process.append(item.page)
                pending[page_id] += 1
            if dry_run:
                seen_in_dry_run.update(page.id for page in to_process)
            runner.submit([item.record if isinstance(item, PageItem) else item for item in batch], to_process)
            while runner.full():
                write(*runner.pop())
            if bar is not None:
                bar.update(report.counts["files_seen"] - bar.n)
        while runner.queue:
            write(*runner.pop())
        # A killed run leaves the stale mark set, so the next run finishes the job.
        if not dry_run and (changed or kb.is_stale(db)):
            with db.conn:
                report.counts["pages_replaced"] += kb.drop_orphan_pages(db)
            kb.finalize(db)
        if bar is not None:
            bar.update(bar.total - bar.n)
    finally:
        runner.close()
        if bar is not None:
            bar.close()
    if not dry_run:
        report.counts["duplicates"] = db.execute("select count(*) from articles where dup_of is not null").fetchone()[0]
    report.seconds = time.monotonic() - started
    if changed:
        with db.conn:
            db["runs"].insert({
                "started_at": started_at, "finished_at": kb.now(),
                "command": command + " " + " ".join(map(str, paths)),
                "counts": json.dumps(report.as_dict()["counts"]),
            })
    db.close()
    return report


def _forget_missing_records(db, done: ContainerDone) -> None:
    """Drop the paths of records no longer in a changed container; remember its stat."""
    prefix = done.source.path + "#"
    upper = done.source.path + chr(ord("#") + 1)
    stale = [(path,) for (path,) in db.execute(
        "select path from page_paths where path >= ? and path < ?", [prefix, upper]) if path not in done.paths]
    db.conn.executemany("delete from page_paths where path = ?", stale)
    db["containers"].insert({"path": done.source.path, "size": done.source.size,
                             "mtime_ns": done.source.mtime_ns, "records": len(done.paths)}, replace=True)
