"""Datasette plugin: Chinese full-text search over the KB's segmented shadow columns.

Registered under the ``datasette`` entry-point group, so installing the package is
enough: ``datasette kb/kb.db`` then searches Chinese with no extra flags.

- ``escape_fts(q)`` replaces Datasette's own (which quotes whitespace-separated
  words, and Chinese has no spaces), so the standard ``?_search=`` box works for an
  unsegmented question. It must run after Datasette's registration: ``trylast``.
- ``jieba_query(q)`` gives an OR query for bm25-ranked canned queries.
- ``jieba_segment(text)`` exposes the segmenter to SQL.
- Highlight marks from ``highlight()`` become ``<mark>`` after HTML-escaping.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from markupsafe import Markup, escape

from .search import HIGHLIGHT_END, HIGHLIGHT_START, fts_query, query_terms
from .segment import WORD_JOINER, get_segmenter


def _fts_tables(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "select name from sqlite_master where type = 'table' and sql like '%using fts5%'"
    )]


def make_escape_fts(conn: sqlite3.Connection):
    """An ``escape_fts`` for ``conn``: AND of the query's words when some FTS table
    has a row with all of them, otherwise OR (so a long question still finds rows)."""

    def escape_fts(query: str) -> str:
        if not query:
            return '""'
        strict = fts_query(query, "AND")
        if strict == '""':
            return strict
        for table in _fts_tables(conn):
            try:
                if conn.execute(f"select 1 from [{table}] where [{table}] match ? limit 1", [strict]).fetchone():
                    return strict
            except sqlite3.Error:
                continue
        return fts_query(query, "OR")

    return escape_fts


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, make_escape_fts(conn))
    conn.create_function("jieba_query", 1, lambda q: fts_query(q or "", "OR"), deterministic=True)
    conn.create_function("jieba_segment", 1,
                         lambda text: get_segmenter().segmented(text) if text else text, deterministic=True)
    conn.create_function("jieba_terms", 1, lambda q: " ".join(query_terms(q or "")), deterministic=True)


def render_highlight(value) -> Markup | None:
    """Escape ``value`` and turn our highlight marks into ``<mark>``; None if unmarked."""
    if not isinstance(value, str) or HIGHLIGHT_START not in value:
        return None
    safe = str(escape(value.replace(WORD_JOINER, "")))
    return Markup(safe.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))


@hookimpl
def render_cell(value):
    return render_highlight(value)
