"""Command line: a thin click layer over the library (ingest, extract, search)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys

import click

DEFAULT_DB = os.path.join("kb", "kb.db")
DEFAULT_SOURCES = "sources"


def _quiet_jieba() -> None:
    # jieba logs "Building prefix dict…" to stderr at DEBUG on every start; the CLI is
    # the application edge, so it — not the library — decides what gets printed.
    # (jieba sets its logger's level at import, so import it first.)
    import jieba  # noqa: F401

    logging.getLogger("jieba").setLevel(logging.WARNING)


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


@click.group()
@click.version_option(package_name="zh-finance-kb")
def cli():
    """Chinese consumer-finance advice pages in, a searchable claim knowledge base out."""
    _quiet_jieba()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="KB file to create or update.")
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes for cleaning/tagging; the KB is identical whatever the number.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Pages per transaction.")
@click.option("--dry-run", is_flag=True, help="Process and count, write nothing.")
@click.option("--reprocess", is_flag=True,
              help="Process every page again, even unchanged ones (automatic when the pipeline changed).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def ingest(paths, db_path, workers, batch_size, dry_run, reprocess, as_json, progress):
    """Ingest pages (files or directories; default: sources/) into the KB.

    Only new or changed pages are processed; a page that cannot be processed is
    recorded in the pages table with its reason and the run goes on.
    """
    from .ingest import ingest as run_ingest

    paths = paths or (DEFAULT_SOURCES,)
    for path in paths:
        if not os.path.exists(path):
            raise click.ClickException(f"{path}: no such file or directory. Pass files or folders of pages "
                                       f"(.html, .txt, .warc.gz, .jsonl), e.g. `python -m pipeline ingest sources/`.")
    if os.path.dirname(db_path):
        os.makedirs(os.path.dirname(db_path), exist_ok=True)
    if progress is None:
        progress = sys.stderr.isatty() and not as_json
    report = run_ingest(paths, db_path, workers=workers, batch_size=batch_size,
                        dry_run=dry_run, progress=progress, reprocess=reprocess)
    if as_json:
        click.echo(_dumps({"db": db_path, **report.as_dict()}))
    else:
        click.echo(report.summary())
        if not dry_run:
            click.echo(f"KB: {db_path}  (browse: make serve, or datasette {db_path})")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def extract(files):
    """Print the cleaned article of each FILE as one JSON object per line.

    Fields: path, url, title, source, author, published_at, site, headings, body;
    a page without an article prints {"path", "error"} instead.
    """
    from .clean import extract_article
    from .document import Rejected
    from .read import SourceFile, read_file

    for path in files:
        st = os.stat(path)
        page = read_file(SourceFile(path, st.st_size, st.st_mtime_ns))
        try:
            article = extract_article(page)
        except Rejected as rejected:
            click.echo(_dumps({"path": path, "error": str(rejected)}))
            continue
        click.echo(_dumps({
            "path": path, "url": article.url, "title": article.title, "source": article.source,
            "author": article.author, "published_at": article.published_at, "site": article.site,
            "encoding": article.encoding, "headings": article.headings, "body": article.body,
        }))


def _open_kb_readonly(db_path: str) -> sqlite3.Connection:
    if not os.path.exists(db_path):
        raise click.ClickException(f"{db_path} does not exist. Build it first: `make ingest` "
                                   f"(or `python -m pipeline ingest sources/ --db {db_path}`).")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conn.execute("select 1 from claims_fts limit 1")
    except sqlite3.Error as error:
        raise click.ClickException(f"{db_path} is not a KB built by this tool ({error}). "
                                   f"Rebuild it with `python -m pipeline ingest --db {db_path}`.")
    return conn


def _print_result(result, as_json: bool) -> None:
    if as_json:
        click.echo(_dumps(result.as_dict()))
        return
    click.echo(f"query: {result.query}   terms: {' / '.join(result.terms) or '-'}")
    if result.note:
        click.echo(f"note: {result.note}")
    if not result.hits:
        click.echo("no results")
    for i, hit in enumerate(result.hits, 1):
        topics = ",".join(json.loads(hit["topics"] or "[]")) or "-"
        click.echo(f"{i:>2}. [{hit['score']:.2f}] {hit['text']}")
        click.echo(f"    {hit['claim_id']}  topics: {topics}  《{hit['title']}》")


@cli.command()
@click.argument("query", required=False)
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object: query, terms, results.")
@click.option("--queries", type=click.File("r", encoding="utf-8"),
              help="Run one query per line of this file ('-' for stdin); prints one JSON line per query.")
def search(query, db_path, limit, as_json, queries):
    """Search claims with a natural Chinese question, e.g. 微粒贷可以协商延期吗."""
    from .search import search as run_search

    if not query and not queries:
        raise click.UsageError("give a QUERY or --queries FILE")
    conn = _open_kb_readonly(db_path)
    if queries:
        for line in queries:
            line = line.strip()
            if line:
                click.echo(_dumps(run_search(conn, line, limit=limit).as_dict()))
        return
    _print_result(run_search(conn, query, limit=limit), as_json)


# --- issue #7: ingest on a Dask cluster, and merging result shards (pipeline/distributed.py) ---
from .distributed import distributed_ingest_command, merge_shards_command  # noqa: E402

cli.add_command(distributed_ingest_command)
cli.add_command(merge_shards_command)
