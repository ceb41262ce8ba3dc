"""Beyond one machine: the per-page stage on a Dask cluster, results merged from shards.

    python -m pipeline distributed-ingest sources/ --db kb/kb.db --scheduler tcp://host:8786
    python -m pipeline distributed-ingest sources/ --scheduler local --workers 2
    python -m pipeline merge-shards shards/ --db kb/kb.db

The driver does what is cheap and must be serial — walk the inputs, skip unchanged
files and known content, write the KB — exactly as :func:`pipeline.ingest.ingest`
does. What is expensive and pure — :func:`pipeline.ingest.process_records` (clean,
claims, topics, facts, MinHash) — runs as Dask tasks. Each task writes its batch's
results to a *shard* file and returns only the shard's name; the driver merges
shards in submission order through the same ``kb.write_result``, so the KB equals a
local ingest's whatever the cluster size or the order tasks finish in.

A shard is a pickle of ``{"version", "entries", "outputs"}``: the batch's path records
and its ``(PageResult, signature)`` pairs. Shards left behind (a driver that died, or
tasks run by another scheduler) are merged by :func:`merge_shards`. Pickle is fine
for files our own workers write; never merge shards from elsewhere.

Why Dask (not Ray): our tasks are coarse, stateless Python functions over picklable
dataclasses — ``client.submit`` is all we need; ``distributed`` is pure Python on
PyPI (no 100 MB platform wheel, no object store daemon), its LocalCluster runs
in-process for tests, and ``processes=False`` works inside a test run. See docs/scale.md.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import click

if TYPE_CHECKING:  # the pipeline is imported when used, so `--help` stays fast
    from .document import RawPage
    from .ingest import Entry, IngestReport, Processed

SHARD_VERSION = 1
DEFAULT_BATCH_SIZE = 100


def process_to_shard(pages: list[RawPage], entries: list[Entry], shard_path: str) -> str:
    """The Dask task: process ``pages``, write the shard, return its path.

    Written to a temporary name and renamed, so a shard file is always complete.
    """
    from .ingest import process_records

    outputs = process_records(pages)
    tmp = f"{shard_path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump({"version": SHARD_VERSION, "entries": entries, "outputs": outputs}, f,
                    protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, shard_path)
    return shard_path


def read_shard(path: str | os.PathLike) -> tuple[list[Entry], list[Processed]]:
    with open(path, "rb") as f:
        shard = pickle.load(f)
    if shard.get("version") != SHARD_VERSION:
        raise ValueError(f"{path}: shard version {shard.get('version')}, expected {SHARD_VERSION}")
    return shard["entries"], shard["outputs"]


class DaskRunner:
    """A :class:`pipeline.ingest.Runner` whose batches are Dask tasks writing shards.

    ``pop`` returns batches in submission order, whatever order tasks finish in.
    ``shard_dir`` must be visible to the workers and the driver (a shared file system
    on a real cluster; any folder for a LocalCluster). Merged shards are deleted.
    """

    def __init__(self, client, shard_dir: str | os.PathLike, depth: int | None = None, keep_shards: bool = False):
        self.queue: deque = deque()
        self.client = client
        self.shard_dir = Path(shard_dir)
        self.shard_dir.mkdir(parents=True, exist_ok=True)
        self.keep_shards = keep_shards
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        # Enough batches in flight to keep every worker busy while the driver writes.
        self.depth = depth or 2 * workers
        self.number = 0

    def submit(self, entries: list[Entry], pages: list[RawPage]) -> None:
        self.number += 1
        shard = str(self.shard_dir / f"shard-{self.number:08d}.pkl")
        future = self.client.submit(process_to_shard, pages, entries, shard, pure=False,
                                    key=f"zhkb-shard-{os.getpid()}-{self.number}")
        self.queue.append(future)

    def full(self) -> bool:
        return len(self.queue) >= self.depth

    def pop(self) -> tuple[list[Entry], list[Processed]]:
        future = self.queue.popleft()
        shard = future.result()
        entries, outputs = read_shard(shard)
        if not self.keep_shards:
            os.remove(shard)
        return entries, outputs

    def close(self) -> None:
        for future in self.queue:
            future.cancel()
        self.queue.clear()


def connect(scheduler: str, workers: int = 2, processes: bool = True):
    """A Dask client: ``local`` starts a LocalCluster of ``workers``; else a scheduler address."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                               dashboard_address=None)
        return Client(cluster)
    return Client(scheduler)


def distributed_ingest(
    paths: Iterable[str],
    db_path: str,
    *,
    scheduler: str = "local",
    workers: int = 2,
    processes: bool = True,
    client=None,
    shard_dir: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_shards: bool = False,
) -> IngestReport:
    """:func:`pipeline.ingest.ingest` with pages processed on a Dask cluster."""
    from .ingest import ingest

    own_client = client is None
    client = client or connect(scheduler, workers, processes)
    temp = None
    if shard_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="zhkb-shards-")
        shard_dir = temp.name
    try:
        runner = DaskRunner(client, shard_dir, keep_shards=keep_shards)
        return ingest(paths, db_path, batch_size=batch_size, runner=runner, command="distributed-ingest")
    finally:
        if own_client:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
        if temp is not None:
            temp.cleanup()


def merge_shards(shard_dir: str | os.PathLike, db_path: str, *, delete: bool = True) -> IngestReport:
    """Load every shard under ``shard_dir`` (in name order) into the KB, then finalize."""
    from . import kb
    from .ingest import IngestReport, PathRecord, write_batch

    report = IngestReport()
    db = kb.open_kb(db_path)
    kb.ensure_current_processor(db)  # as ingest does: the KB records which code built it
    try:
        for shard in sorted(Path(shard_dir).glob("shard-*.pkl")):
            entries, outputs = read_shard(shard)
            for result, _ in outputs:
                report.count(result)
            write_batch(db, entries, outputs)
            report.counts["pages_known"] += sum(isinstance(e, PathRecord) for e in entries) - len(outputs)
            if delete:
                shard.unlink()
        if kb.is_stale(db):
            with db.conn:
                report.counts["pages_replaced"] += kb.drop_orphan_pages(db)
            kb.finalize(db)
        report.counts["duplicates"] = db.execute(
            "select count(*) from articles where dup_of is not null").fetchone()[0]
    finally:
        db.close()
    return report


# --- CLI commands (registered in pipeline/cli.py) -----------------------------------------


@click.command("distributed-ingest")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--db", "db_path", default=os.path.join("kb", "kb.db"), show_default=True)
@click.option("--scheduler", default="local", show_default=True,
              help="Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster on this machine.")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(1, 1024),
              help="Workers of the local cluster (ignored with a scheduler address).")
@click.option("--shard-dir", type=click.Path(file_okay=False),
              help="Where workers write result shards; must be shared with the workers. Default: a temp folder.")
@click.option("--keep-shards", is_flag=True, help="Keep merged shards (for merge-shards into another KB).")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1, 100_000),
              help="Pages per task and per transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def distributed_ingest_command(paths, db_path, scheduler, workers, shard_dir, keep_shards, batch_size, as_json):
    """Ingest like `ingest`, with page processing on a Dask cluster; the KB comes out the same."""
    import json

    paths = paths or ("sources",)
    if os.path.dirname(db_path):
        os.makedirs(os.path.dirname(db_path), exist_ok=True)
    try:
        report = distributed_ingest(paths, db_path, scheduler=scheduler, workers=workers, shard_dir=shard_dir,
                                    batch_size=batch_size, keep_shards=keep_shards)
    except OSError as error:  # an unreachable scheduler
        raise click.ClickException(f"cannot reach the Dask scheduler {scheduler}: {error}")
    click.echo(json.dumps({"db": db_path, **report.as_dict()}, ensure_ascii=False) if as_json else report.summary())


@click.command("merge-shards")
@click.argument("shard_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--db", "db_path", default=os.path.join("kb", "kb.db"), show_default=True)
@click.option("--keep", is_flag=True, help="Keep the shard files after merging.")
def merge_shards_command(shard_dir, db_path, keep):
    """Merge result shards written by distributed-ingest workers into the KB."""
    report = merge_shards(shard_dir, db_path, delete=not keep)
    click.echo(report.summary())
