"""Ingest: sources/ → kb/kb.db, incrementally, in batches, counting what each stage did.

    find files ─► skip unchanged (path, size, mtime) ─► read bytes ─► skip known content
    (sha256) ─► process_page (clean, claims, topics, facts, checks) ─► write batch in one
    transaction ─► finalize (cross-article checks) when anything changed

A batch's rows and the record of which files it consumed commit together, so a
killed ingest leaves a consistent KB and the next run picks up where it stopped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from . import kb
from .document import RawPage
from .process import PageResult, process_page
from .read import SourceFile, find_sources, read_file

DEFAULT_BATCH_SIZE = 100

# Stage counters, in the order the summary prints them.
COUNTERS = (
    "files_seen", "files_unchanged", "pages_read", "pages_known", "pages_processed",
    "pages_ok", "pages_rejected", "pages_error", "pages_replaced",
    "articles", "claims", "facts", "flags",
)


@dataclass
class IngestReport:
    counts: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "counts": {name: self.counts.get(name, 0) for name in COUNTERS},
            "rejections": dict(self.reasons.most_common()),
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"{'[dry run] ' if self.dry_run else ''}ingest finished in {self.seconds:.1f}s",
            f"  read      {c['files_seen']} files ({c['files_unchanged']} unchanged, skipped), "
            f"{c['pages_read']} pages read, {c['pages_known']} already in the KB",
            f"  process   {c['pages_processed']} pages: {c['pages_ok']} ok, "
            f"{c['pages_rejected']} rejected, {c['pages_error']} errors; {c['pages_replaced']} replaced",
            f"  extract   {c['articles']} articles, {c['claims']} claims",
            f"  check     {c['facts']} facts, {c['flags']} flags",
        ]
        for reason, n in self.reasons.most_common(10):
            lines.append(f"  - {n} × {reason}")
        if c["pages_error"]:
            lines.append("  errors are recorded in the pages table: "
                         "select path, reason from pages where status = 'error'")
        return "\n".join(lines)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pages_to_process(db, sources: Iterable[SourceFile], report: IngestReport) -> Iterator[tuple[SourceFile, RawPage | None]]:
    """Yield (source, page) for new or changed files; (source, None) for known content."""
    known_paths = {row[0]: (row[1], row[2], row[3]) for row in
                   db.execute("select path, size, mtime_ns, page_id from page_paths")}
    for source in sources:
        report.counts["files_seen"] += 1
        before = known_paths.get(source.path)
        if before and before[0] == source.size and before[1] == source.mtime_ns:
            report.counts["files_unchanged"] += 1
            continue
        page = read_file(source)
        report.counts["pages_read"] += 1
        yield source, page


def ingest(
    paths: Iterable[str],
    db_path: str,
    *,
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: bool = False,
    on_result: Callable[[PageResult], None] | None = None,
) -> IngestReport:
    """Ingest every page under ``paths`` into the KB at ``db_path``."""
    started = time.monotonic()
    started_at = kb.now()
    report = IngestReport(dry_run=dry_run)
    db = kb.open_kb(":memory:" if dry_run and not os.path.exists(db_path) else db_path)
    sources = list(find_sources(paths))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(sources), unit="file", desc="ingest", file=sys.stderr, leave=False)
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
    changed = False
    try:
        known_pages = {row[0] for row in db.execute("select id from pages")}
        for batch in _batches(_pages_to_process(db, sources, report), batch_size):
            new = [(s, p) for s, p in batch if p.id not in known_pages]
            report.counts["pages_known"] += len(batch) - len(new)
            pages = [p for _, p in new]
            results = list(pool.map(process_page, pages, chunksize=4) if pool else map(process_page, pages))
            if bar is not None:
                bar.update(len(batch))
            for result in results:
                report.counts["pages_processed"] += 1
                report.counts[f"pages_{result.status}"] += 1
                if result.status != "ok":
                    report.reasons[f"{result.status}: {result.reason}"] += 1
                else:
                    report.counts["articles"] += 1
                    report.counts["claims"] += len(result.claims)
                    report.counts["facts"] += sum(len(f) for f in result.facts)
                    report.counts["flags"] += len(result.flags)
                if on_result:
                    on_result(result)
            if dry_run:
                continue
            with db.conn:  # one transaction: rows + which files they came from
                for result in results:
                    kb.write_result(db, result)
                    known_pages.add(result.page_id)
                for source, page in batch:
                    previous = kb.record_path(db, source.path, page.id, source.size, source.mtime_ns)
                    if previous and kb.drop_orphan_page(db, previous):
                        report.counts["pages_replaced"] += 1
                kb.mark_stale(db)
                changed = True
        # A killed run leaves the stale mark set, so the next run finishes the job.
        if not dry_run and (changed or kb.is_stale(db)):
            kb.finalize(db)
        if bar is not None:
            bar.update(bar.total - bar.n)
    finally:
        if pool:
            pool.shutdown()
        if bar is not None:
            bar.close()
    report.seconds = time.monotonic() - started
    if changed:
        with db.conn:
            db["runs"].insert({
                "started_at": started_at, "finished_at": kb.now(),
                "command": "ingest " + " ".join(map(str, paths)),
                "counts": json.dumps(report.as_dict()["counts"]),
            })
    db.close()
    return report
