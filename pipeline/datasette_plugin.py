"""Datasette plugin: Chinese search and the KB's pages.

Registered under the ``datasette`` entry-point group, so installing the package is
enough: ``datasette kb/kb.db`` then searches Chinese with no extra flags.

- ``escape_fts(q)`` replaces Datasette's own (which quotes whitespace-separated
  words, and Chinese has no spaces), so every table search box (``?_search=``)
  understands an unsegmented question: the words of all its concepts (AND) when
  some row has them all, otherwise any of them (OR). It must run after
  Datasette's registration: ``trylast``.
- ``kb_search(q, limit)`` runs :func:`pipeline.search.search` — the CLI's ranking —
  and returns its hits as JSON; the canned ``search`` query joins them to claims.
- ``jieba_query(q)``, ``jieba_terms(q)``, ``jieba_segment(text)`` expose query
  understanding and the segmenter to SQL.
- Highlight marks (U+E000/U+E001) become ``<mark>`` after HTML-escaping.
- Metadata (titles, column descriptions, facets, canned queries) is served for any
  database that is a KB (has ``claims_fts``), so no ``-m`` is needed; a ``-m`` file
  still overrides it.
- Templates in ``pipeline/templates`` (article page, search page, charts). Datasette
  only looks for a ``templates`` directory beside *package* plugins, and this
  plugin is a module, so ``prepare_jinja2_environment`` adds the directory.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from datasette import hookimpl
from jinja2 import FileSystemLoader
from markupsafe import Markup, escape

from .search import HIGHLIGHT_END, HIGHLIGHT_START, fts_query, highlight, query_terms, search
from .segment import WORD_JOINER, get_segmenter

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
METADATA = HERE / "static" / "metadata.yml"
TOPIC_COLOURS = {"deferral": "#2a9d8f", "interest": "#e9c46a", "credit": "#f4a261", "legal": "#e76f51"}
TOPIC_NAMES = {"deferral": "协商延期", "interest": "利息费用", "credit": "征信信用", "legal": "法律风险"}


# ---------------------------------------------------------------- SQL functions

def _fts_tables(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "select name from sqlite_master where type = 'table' and sql like '%using fts5%'"
    )]


def make_escape_fts(conn: sqlite3.Connection):
    """An ``escape_fts`` for ``conn``: AND of the query's concepts when some FTS table
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


def make_kb_search(conn: sqlite3.Connection):
    """``kb_search(q, limit)``: JSON array of ``{claim_id, score, highlighted}``, best first."""

    def kb_search(query, limit=50):
        if not query:
            return "[]"
        try:
            result = search(conn, str(query), limit=int(limit or 50))
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # not a KB
                return "[]"
            raise
        return json.dumps([{"rank": i, "claim_id": h["claim_id"], "score": h["score"],
                            "highlighted": h["highlighted"]} for i, h in enumerate(result.hits, 1)],
                          ensure_ascii=False)

    return kb_search


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, make_escape_fts(conn))
    kb_search = make_kb_search(conn)
    conn.create_function("kb_search", 1, kb_search)
    conn.create_function("kb_search", 2, kb_search)
    conn.create_function("jieba_query", 1, lambda q: fts_query(q or "", "OR"), deterministic=True)
    conn.create_function("jieba_segment", 1,
                         lambda text: get_segmenter().segmented(text) if text else text, deterministic=True)
    conn.create_function("jieba_terms", 1, lambda q: " ".join(query_terms(q or "")), deterministic=True)
    conn.create_function("kb_highlight", 2,
                         lambda text, q: highlight(text, query_terms(q)) if text and q else text,
                         deterministic=True)


@hookimpl
def startup(datasette):
    """Load jieba's dictionary and OpenCC before the first request: they take a second
    or two, which would otherwise count against the first query's SQL time limit."""

    async def inner():
        import asyncio

        from .search import to_simplified

        def warm():
            get_segmenter()
            to_simplified("繁體")

        await asyncio.get_running_loop().run_in_executor(None, warm)

    return inner


# ---------------------------------------------------------------- rendering

def render_highlight(value) -> Markup | None:
    """Escape ``value`` and turn our highlight marks into ``<mark>``; None if unmarked."""
    if not isinstance(value, str) or HIGHLIGHT_START not in value:
        return None
    safe = str(escape(value.replace(WORD_JOINER, "")))
    return Markup(safe.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))


def render_topics(value) -> Markup | None:
    """A JSON array of topic ids as coloured labels; None if ``value`` is not one."""
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        topics = json.loads(value)
    except ValueError:
        return None
    if not isinstance(topics, list) or not all(t in TOPIC_NAMES for t in topics):
        return None
    return Markup(" ".join(
        f'<span class="zhkb-topic zhkb-{t}">{escape(TOPIC_NAMES[t])}</span>' for t in topics
    ) or "—")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column == "topics":
        return render_topics(value)
    if column == "article" and table is None and isinstance(value, str):
        # Canned queries: the article title links to the article page (its claims in order).
        try:
            article_id = row["article_id"]
        except (IndexError, KeyError):
            return render_highlight(value)
        if article_id:
            return Markup(f'<a href="{escape(datasette.urls.row(database, "articles", article_id))}">'
                          f'{escape(value)}</a>')
    if column == "claim_id" and table is None and isinstance(value, str):
        return Markup(f'<a href="{escape(datasette.urls.row(database, "claims", value))}">{escape(value)}</a>')
    return render_highlight(value)


@hookimpl
def prepare_jinja2_environment(env):
    # Our templates win over Datasette's defaults, lose to --template-dir.
    loader = env.loader.loaders[0] if hasattr(env.loader, "loaders") else env.loader
    if isinstance(loader, FileSystemLoader) and str(TEMPLATES) not in loader.searchpath:
        loader.searchpath.insert(max(len(loader.searchpath) - 1, 0), str(TEMPLATES))


# ---------------------------------------------------------------- metadata

@functools.lru_cache(maxsize=1)
def kb_metadata() -> dict:
    """The KB's Datasette metadata, shipped with the package (same as kb/metadata.yml)."""
    import yaml  # Datasette depends on PyYAML

    return yaml.safe_load(METADATA.read_text("utf-8"))


@functools.lru_cache(maxsize=64)
def _is_kb_file(path: str, mtime: float) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(conn.execute(
                "select 1 from sqlite_master where name = 'claims_fts'").fetchone())
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _kb_databases(datasette) -> list[str]:
    names = []
    for name, db in datasette.databases.items():
        path = getattr(db, "path", None)
        if not path:
            continue
        try:
            mtime = Path(path).stat().st_mtime
        except OSError:
            continue
        if _is_kb_file(str(path), mtime):
            names.append(name)
    return names


@hookimpl
def get_metadata(datasette, key, database, table):
    """Our metadata for every KB database, whatever its file is called."""
    names = _kb_databases(datasette)
    if not names:
        return {}
    meta = kb_metadata()
    template = (meta.get("databases") or {}).get("kb") or {}
    out = {k: v for k, v in meta.items() if k != "databases"}
    out["databases"] = {name: template for name in names}
    return out


# ---------------------------------------------------------------- template variables

def topic_chart_svg(rows: list[dict], by: str, width: int = 760, bar: int = 18) -> str:
    """Horizontal stacked bars: one bar per ``by`` value (month or site), one colour per topic.

    ``rows`` have ``by``, ``topic`` and ``claims``; the SVG is self-contained (no scripts).
    """
    totals: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        totals[row[by] or "(unknown)"][row["topic"]] += row["claims"]
    keys = sorted(totals) if by == "month" else sorted(totals, key=lambda k: -sum(totals[k].values()))
    if not keys:
        return ""
    label_w, pad = 200, 4
    biggest = max(sum(c.values()) for c in totals.values()) or 1
    scale = (width - label_w - 60) / biggest
    height = len(keys) * (bar + pad) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="zhkb-chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-size="12" font-family="sans-serif">']
    for i, key in enumerate(keys):
        y = i * (bar + pad)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end">{escape(key)}</text>')
        x = label_w
        for topic in TOPIC_COLOURS:
            n = totals[key][topic]
            if not n:
                continue
            w = n * scale
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{TOPIC_COLOURS[topic]}">'
                         f'<title>{escape(key)} · {TOPIC_NAMES[topic]} ({topic}): {n}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar - 5}">{sum(totals[key].values())}</text>')
    y = len(keys) * (bar + pad) + 14
    x = label_w
    for topic, colour in TOPIC_COLOURS.items():
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y + 11}">{TOPIC_NAMES[topic]} {topic}</text>')
        x += 130
    parts.append("</svg>")
    return "".join(parts)


TOPICS_BY_SQL = """
select {by} as {name}, claim_topics.topic, count(*) as claims
from claim_topics
join claims on claims.id = claim_topics.claim_id
join articles on articles.id = claims.article_id
where claim_topics.assigned = 1
group by 1, 2
"""


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        if database is None or database not in _kb_databases(datasette):
            return {}
        db = datasette.get_database(database)
        if view_name == "row" and table == "claims" and request is not None:
            pk = request.url_vars.get("pks")
            result = await db.execute(
                "select articles.id, articles.title, articles.url, claims.seq from claims "
                "join articles on articles.id = claims.article_id where claims.id = :id", {"id": pk})
            row = result.first()
            if row:
                return {"zhkb_claim_article": dict(row)}
            return {}
        if view_name == "row" and table == "articles":
            pk = request.url_vars.get("pks") if request else None
            if not pk:
                return {}
            q = request.args.get("q") if request else None
            result = await db.execute(
                "select claims.id, claims.seq, claims.section, claims.text, claims.topics, claims.flagged, "
                "(select group_concat(kind || ': ' || coalesce(detail, ''), '; ') from flags "
                " where flags.claim_id = claims.id) as flags "
                "from claims where article_id = :id order by seq", {"id": pk})
            words = query_terms(q) if q else []
            claims = []
            for row in result.rows:
                claim = dict(row)
                claim["html"] = render_highlight(highlight(claim["text"], words)) or escape(claim["text"])
                claim["topic_labels"] = render_topics(claim["topics"]) or ""
                claims.append(claim)
            return {"zhkb_claims": claims, "zhkb_q": q or ""}
        if template.startswith("query"):
            out = {}
            if request is not None and request.path.rstrip("/").endswith("/search"):
                q = request.args.get("q")
                if q:
                    def understand_q(conn):
                        r = search(conn, q, limit=1)
                        return {"terms": r.terms, "expansions": r.expansions, "note": r.note}
                    out["zhkb_search"] = await db.execute_fn(understand_q)
            if request is not None and request.path.rstrip("/").endswith("/topics_by_month"):
                month = await db.execute(TOPICS_BY_SQL.format(
                    by="substr(articles.published_at, 1, 7)", name="month"))
                site = await db.execute(TOPICS_BY_SQL.format(by="articles.site", name="site"))
                out["zhkb_chart_month"] = Markup(topic_chart_svg([dict(r) for r in month.rows], "month"))
                out["zhkb_chart_site"] = Markup(topic_chart_svg([dict(r) for r in site.rows], "site"))
            return out
        return {}

    return inner


# ---------------------------------------------------------------- security headers (issue #8)

@hookimpl
def asgi_wrapper(datasette):
    """CSP (Datasette's inline scripts by hash only), nosniff, no framing: see
    :mod:`pipeline.security_headers`."""
    from .security_headers import wrap_with_security_headers

    return wrap_with_security_headers
