"""The knowledge base: one SQLite file written with sqlite-utils.

The tables below are the public SQL contract (documented in README.md): columns
may be added, never renamed. Every id is derived from content, so re-running an
ingest upserts the same rows.

Chinese full-text search: FTS5's tokenizers cannot segment Chinese, so each
searchable text has a *shadow column* holding the jieba segmentation with words
joined by U+200B (``*_seg``). The unicode61 tokenizer splits on U+200B, a browser
does not show it, and removing it gives the original text back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Iterable

import sqlite_utils

from . import dedup
from .process import PageResult, processor_fingerprint
from .search import subwords
from .topics import TOPICS

SCHEMA_VERSION = 1

TABLES: dict[str, dict] = {
    "topics": dict(columns={"id": str, "name_zh": str, "description": str}, pk="id"),
    "pages": dict(
        columns={"id": str, "path": str, "url": str, "encoding": str, "status": str, "reason": str,
                 "ingested_at": str, "kind": str, "size": int, "fetched_at": str, "processor": str},
        pk="id",
    ),
    "page_paths": dict(
        columns={"path": str, "page_id": str, "size": int, "mtime_ns": int},
        pk="path",
    ),
    "articles": dict(
        columns={"id": str, "page_id": str, "url": str, "site": str, "title": str, "source": str,
                 "author": str, "published_at": str, "body": str, "n_claims": int, "n_flags": int,
                 "dup_of": str, "tagger": str, "title_seg": str, "body_seg": str, "cluster": str},
        pk="id",
    ),
    "claims": dict(
        columns={"id": str, "article_id": str, "seq": int, "section": str, "text": str,
                 "char_start": int, "char_end": int, "topics": str, "flagged": int,
                 "text_seg": str, "context_seg": str, "text_key": str,
                 # search (issue #6): dictionary sub-words of long words (年化利率 → 年化 利率)
                 "subwords_seg": str},
        pk="id",
    ),
    "claim_topics": dict(
        columns={"claim_id": str, "topic": str, "score": float, "assigned": int, "explanation": str},
        pk=("claim_id", "topic"),
    ),
    "facts": dict(
        columns={"id": str, "claim_id": str, "kind": str, "surface": str, "value": str, "unit": str,
                 "char_start": int, "char_end": int, "number": float, "extra": str},
        pk="id",
    ),
    "flags": dict(
        columns={"id": str, "claim_id": str, "kind": str, "detail": str, "reference": str,
                 "other_claim_id": str},
        pk="id",
    ),
    "kb_state": dict(columns={"key": str, "value": str}, pk="key"),
    # Crawler containers (WARC, JSONL) already read: skipped while unchanged.
    "containers": dict(
        columns={"path": str, "size": int, "mtime_ns": int, "records": int},
        pk="path",
    ),
    "runs": dict(
        columns={"id": int, "started_at": str, "finished_at": str, "command": str, "counts": str},
        pk="id",
    ),
}

FOREIGN_KEYS = {
    "articles": [("page_id", "pages", "id")],
    "claims": [("article_id", "articles", "id")],
    "claim_topics": [("claim_id", "claims", "id"), ("topic", "topics", "id")],
    "facts": [("claim_id", "claims", "id")],
    "flags": [("claim_id", "claims", "id")],
}

INDEXES = {
    "claims": [["article_id", "seq"], ["text_key"]],
    "claim_topics": [["topic", "assigned"]],
    "facts": [["claim_id"], ["kind", "value"]],
    "flags": [["claim_id"], ["kind"]],
    "articles": [["page_id"], ["site"], ["dup_of"], ["cluster"]],
    "page_paths": [["page_id"]],
    "pages": [["status"]],
}

FTS = {
    "claims": ["text_seg", "context_seg", "subwords_seg"],
    "articles": ["title_seg", "body_seg"],
}

VIEWS = {
    # search/Datasette (issue #6): claims with the columns people facet by. product is
    # the first product the claim names, else the one its article names most.
    "claims_browse": """
        select claims.id as claim_id, claims.article_id, claims.seq, claims.text, claims.topics,
               claims.flagged, articles.site, substr(articles.published_at, 1, 7) as month,
               coalesce(
                 (select value from facts where facts.claim_id = claims.id and facts.kind = 'product'
                  order by facts.char_start limit 1),
                 (select f.value from facts as f join claims as c2 on c2.id = f.claim_id
                  where c2.article_id = claims.article_id and f.kind = 'product'
                  group by f.value order by count(*) desc, f.value limit 1)
               ) as product,
               articles.title
        from claims join articles on articles.id = claims.article_id
    """,
    "claim_topic_labels": """
        select claims.id as claim_id, claims.article_id, claims.text, claim_topics.topic,
               topics.name_zh, claim_topics.score, claim_topics.explanation
        from claim_topics
        join claims on claims.id = claim_topics.claim_id
        join topics on topics.id = claim_topics.topic
        where claim_topics.assigned = 1
    """,
    # "How many independent sources say this": claims with the same text (spinner
    # synonyms folded, punctuation ignored: ``claims.text_key``) counted once per
    # near-duplicate cluster of articles. The counts live in the ``text_clusters``
    # table (one row per key), kept up to date by finalize (see pipeline/dedup.py).
    "claim_sources": """
        select claims.id as claim_id, claims.article_id, claims.text, claims.text_key,
               text_clusters.mentions, text_clusters.articles, text_clusters.independent_sources
        from claims left join text_clusters on text_clusters.text_key = claims.text_key
    """,
    "article_clusters": """
        select coalesce(cluster, id) as representative, count(*) as copies,
               group_concat(id, ' ') as articles, min(published_at) as first_published
        from articles group by coalesce(cluster, id)
    """,
    "page_status": """
        select status, reason, count(*) as pages from pages group by status, reason
        order by status, pages desc
    """,
}


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def open_kb(path: str) -> sqlite_utils.Database:
    """Open (creating if needed) the KB at ``path`` with every table, index and FTS."""
    db = sqlite_utils.Database(path)
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    existing = set(db.table_names())
    with db.conn:
        for name, spec in TABLES.items():
            table = db[name]
            if name not in existing:
                table.create(spec["columns"], pk=spec["pk"],
                             foreign_keys=FOREIGN_KEYS.get(name), not_null=None)
            else:
                # Add columns introduced after this KB was built.
                have = set(table.columns_dict)
                for column, ctype in spec["columns"].items():
                    if column not in have:
                        table.add_column(column, ctype)
        for name, indexes in INDEXES.items():
            for columns in indexes:
                db[name].create_index(columns, if_not_exists=True)
        # Views and topics are rewritten only when their definitions changed: every
        # rewrite is a schema change (and a disk sync) on each open, even a no-op ingest.
        definitions = short_hash(json.dumps([VIEWS, TOPICS], sort_keys=True, ensure_ascii=False))
        row = db.execute("select value from kb_state where key = 'definitions'").fetchone()
        definitions_changed = not row or row[0] != definitions
        if definitions_changed:
            for name, (name_zh, description) in TOPICS.items():
                db["topics"].upsert({"id": name, "name_zh": name_zh, "description": description}, pk="id")
    for name, columns in FTS.items():
        fts = db[name].detect_fts()
        if fts and db[fts].columns_dict.keys() != set(columns):
            # search (issue #6): an index built before a shadow column was added.
            if "subwords_seg" in columns:
                _fill_subwords(db)
            db[name].enable_fts(columns, create_triggers=True, tokenize="unicode61", replace=True)
        elif fts and not {f"{name}_ai", f"{name}_ad", f"{name}_au"} <= {t.name for t in db[name].triggers}:
            # Killed between creating the index and its triggers (sqlite-utils runs them as
            # separate statements): rebuild it, or it would silently stop following the table.
            db[name].enable_fts(columns, create_triggers=True, tokenize="unicode61", replace=True)
        elif not fts:
            db[name].enable_fts(columns, create_triggers=True, tokenize="unicode61")
    if definitions_changed or not set(VIEWS) <= set(db.view_names()):
        for name, sql in VIEWS.items():
            db.create_view(name, sql, replace=True)
        with db.conn:
            db["kb_state"].insert({"key": "definitions", "value": definitions}, replace=True)
    dedup.ensure_schema(db)


def _fill_subwords(db: sqlite_utils.Database) -> None:
    rows = db.execute("select rowid, text_seg, context_seg from claims where subwords_seg is null").fetchall()
    with db.conn:
        db.conn.executemany("update claims set subwords_seg = ? where rowid = ?",
                            [(subwords(t, c), r) for r, t, c in rows])


def article_id(page_id: str) -> str:
    return page_id[:16]


def claim_id(article_id_: str, seq: int) -> str:
    return f"{article_id_}-{seq:03d}"


def short_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def page_row(result: PageResult) -> dict:
    return {
        "id": result.page_id, "path": result.path, "url": result.url or (result.article.url if result.article else None),
        "encoding": result.encoding, "status": result.status, "reason": result.reason,
        "ingested_at": now(), "kind": result.kind, "size": result.size, "fetched_at": result.fetched_at,
        "processor": processor_fingerprint(),
    }


def delete_page(db: sqlite_utils.Database, page_id: str) -> None:
    """Remove a page and everything derived from it (FTS follows through triggers)."""
    aid = article_id(page_id)
    dedup.forget_claims(db, aid)
    claim_ids = "select id from claims where article_id = ?"
    for table in ("flags", "facts", "claim_topics"):
        db.execute(f"delete from [{table}] where claim_id in ({claim_ids})", [aid])
    # Articles on the other side of a conflict with this one need their flag counts redone.
    db.execute("""insert or ignore into dedup_dirty (article_id) select claims.article_id from flags
                  join claims on claims.id = flags.claim_id
                  where flags.other_claim_id in (select id from claims where article_id = ?)""", [aid])
    db.execute("delete from flags where other_claim_id in (select id from claims where article_id = ?)", [aid])
    db.execute("delete from claims where article_id = ?", [aid])
    dedup.unindex_article(db, aid)
    db.execute("delete from articles where id = ?", [aid])
    db.execute("delete from pages where id = ?", [page_id])


def _insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict], replace: bool = False) -> None:
    """``insert_all`` without sqlite-utils' per-value type checks (the writer is the serial part)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (f"insert {'or replace ' if replace else ''}into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"values ({', '.join('?' * len(columns))})")
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])


def write_result(db: sqlite_utils.Database, result: PageResult, near_dup: dedup.PageDedup | None = None) -> None:
    """Write one page's rows. Call inside a transaction; replaces earlier rows of the page.

    ``near_dup`` is :func:`pipeline.dedup.page_dedup` of the result when a worker already
    computed it (MinHash signature, claim text keys); by default it is computed here.
    """
    if db.execute("select 1 from pages where id = ?", [result.page_id]).fetchone():
        delete_page(db, result.page_id)  # a re-processed page: its old rows go first
    article = result.article
    if result.status == "ok" and article is not None:
        aid = article_id(result.page_id)
        _insert_rows(db, "articles", [{
            "id": aid, "page_id": result.page_id, "url": article.url, "site": article.site,
            "title": article.title, "source": article.source, "author": article.author,
            "published_at": article.published_at, "body": article.body,
            "n_claims": len(result.claims), "n_flags": len(result.flags), "dup_of": None,
            "tagger": result.tagger, "title_seg": result.title_seg, "body_seg": result.body_seg,
            "cluster": None,
        }])
        if near_dup is None:
            near_dup = dedup.page_dedup(result.body_seg, result.claim_segs)
        dedup.index_article(db, aid, near_dup.signature)
        flagged_seqs = {flag.claim_seq for flag in result.flags}
        claim_rows, topic_rows, fact_rows = [], [], []
        for claim, scores, facts, text_seg, context_seg, text_key in zip(
            result.claims, result.topics, result.facts, result.claim_segs, result.context_segs, near_dup.claim_keys
        ):
            cid = claim_id(aid, claim.seq)
            assigned = [t for t, s in scores.items() if s.assigned]
            claim_rows.append({
                "id": cid, "article_id": aid, "seq": claim.seq, "section": claim.section,
                "text": claim.text, "char_start": claim.char_start, "char_end": claim.char_end,
                "topics": json.dumps(assigned, ensure_ascii=False), "flagged": int(claim.seq in flagged_seqs),
                "text_seg": text_seg, "context_seg": context_seg, "text_key": text_key,
                "subwords_seg": subwords(text_seg, context_seg),
            })
            for topic, s in scores.items():
                topic_rows.append({
                    "claim_id": cid, "topic": topic, "score": s.score, "assigned": int(s.assigned),
                    "explanation": "; ".join(s.explanation),
                })
            for fact in facts:
                fact_rows.append({
                    "id": short_hash(cid, fact.kind, fact.char_start, fact.char_end),
                    "claim_id": cid, "kind": fact.kind, "surface": fact.surface,
                    "value": None if fact.value is None else str(fact.value), "unit": fact.unit,
                    "char_start": fact.char_start, "char_end": fact.char_end,
                    "number": fact.value if isinstance(fact.value, (int, float)) else None,
                    "extra": json.dumps(fact.extra, ensure_ascii=False, sort_keys=True) if fact.extra else None,
                })
        _insert_rows(db, "claims", claim_rows)
        _insert_rows(db, "claim_topics", topic_rows)
        _insert_rows(db, "facts", fact_rows, replace=True)
        flag_rows = [{
            "id": short_hash(aid, flag.claim_seq, flag.kind, flag.detail),
            "claim_id": claim_id(aid, flag.claim_seq), "kind": flag.kind, "detail": flag.detail,
            "reference": flag.reference, "other_claim_id": flag.other_claim_id,
        } for flag in result.flags if flag.claim_seq is not None]
        _insert_rows(db, "flags", flag_rows, replace=True)
    _insert_rows(db, "pages", [page_row(result)], replace=True)


def record_path(db: sqlite_utils.Database, path: str, page_id: str, size: int, mtime_ns: int) -> str | None:
    """Point ``path`` at ``page_id``; return the page it pointed at before, if different."""
    row = db.execute("select page_id from page_paths where path = ?", [path]).fetchone()
    db.execute("insert or replace into page_paths (path, page_id, size, mtime_ns) values (?, ?, ?, ?)",
               [path, page_id, size, mtime_ns])
    if row and row[0] != page_id:
        return row[0]
    return None


def drop_orphan_page(db: sqlite_utils.Database, page_id: str) -> bool:
    """Delete ``page_id`` if no input path refers to it any more (its file changed)."""
    used = db.execute("select 1 from page_paths where page_id = ? limit 1", [page_id]).fetchone()
    if used:
        return False
    delete_page(db, page_id)
    return True


def drop_orphan_pages(db: sqlite_utils.Database) -> int:
    """Delete every page no input path refers to any more (its file or record changed).

    Done once at the end of a run rather than as each path moves, so a page that moved
    (a record at a new offset, a renamed file) is still there when its new path arrives.
    """
    orphans = [r[0] for r in db.execute(
        "select id from pages where not exists (select 1 from page_paths where page_paths.page_id = pages.id)")]
    for page_id in orphans:
        delete_page(db, page_id)
    return len(orphans)


def table_counts(db: sqlite_utils.Database, tables: Iterable[str] = TABLES) -> dict[str, int]:
    return {name: db[name].count for name in tables}


def mark_stale(db: sqlite_utils.Database) -> None:
    """Note that cross-article results need recomputing (set in the same transaction as writes)."""
    db["kb_state"].insert({"key": "cross_article_stale", "value": "1"}, replace=True)


def is_stale(db: sqlite_utils.Database) -> bool:
    row = db.execute("select value from kb_state where key = 'cross_article_stale'").fetchone()
    return bool(row and row[0] == "1")


def finalize(db: sqlite_utils.Database) -> None:
    """Cross-article steps after pages are written: near-duplicate clusters, conflicts.

    Incremental: only articles written or deleted since the last finalize (the
    ``dedup_dirty`` table, filled in the same transactions as the writes) and what they
    touch are recomputed, so adding one page to a large KB stays cheap.
    """
    with db.conn:
        changed = {r[0] for r in db.execute("select article_id from dedup_dirty")}
        reclustered = dedup.refresh_clusters(db)
        dedup.refresh_text_clusters(db, changed | reclustered)
        affected = refresh_conflicts(db, changed)
        if affected is None:  # a full refresh: every article may have changed flags
            where, params = "", []
        else:
            db.execute("create temp table if not exists _affected (id text primary key)")
            db.execute("delete from _affected")
            db.conn.executemany("insert or ignore into _affected values (?)", [(a,) for a in affected | changed])
            where = " where {} in (select id from _affected)"
        db.execute("update claims set flagged = exists(select 1 from flags where flags.claim_id = claims.id "
                   "or flags.other_claim_id = claims.id)" + where.format("claims.article_id"))
        db.execute("update articles set n_flags = (select count(*) from flags join claims "
                   "on claims.id = flags.claim_id where claims.article_id = articles.id)" + where.format("articles.id"))
        db["kb_state"].insert({"key": "cross_article_stale", "value": "0"}, replace=True)


def refresh_conflicts(db: sqlite_utils.Database, articles: set[str] | None = None) -> set[str] | None:
    """Recompute ``conflict`` flags; return the ids of articles whose flags changed.

    Which claims conflict depends on every article stating a value for the same
    subject (the majority value wins), so the comparison runs over all facts; only the
    flags that changed are written, and only their articles (plus ``articles``, the
    ones changed since the last refresh) get their flag counts redone. ``articles=None``
    means "everything may have changed" and returns None.
    """
    try:
        from .checks import find_conflicts
    except ImportError:  # TEMPORARY until checks land
        return set()
    if articles is not None and not articles:
        return set()
    # find_conflicts compares rates and durations, and reads products for an article's subject.
    cursor = db.execute("""select facts.*, claims.article_id, claims.text as claim_text
                           from facts join claims on claims.id = facts.claim_id
                           where facts.kind in ('rate', 'duration', 'product')
                           order by facts.claim_id, facts.char_start""")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
    article_of = {row["claim_id"]: row["article_id"] for row in rows}
    wanted = {}
    for a, b, flag in find_conflicts(rows):
        row = {"id": short_hash(a, b, flag.kind, flag.detail), "claim_id": a, "kind": flag.kind,
               "detail": flag.detail, "reference": flag.reference, "other_claim_id": b}
        wanted[row["id"]] = row
    have = {r[0]: (r[1], r[2]) for r in db.execute(
        "select id, claim_id, other_claim_id from flags where kind = 'conflict'")}
    gone = [flag_id for flag_id in have if flag_id not in wanted]
    new = [row for flag_id, row in wanted.items() if flag_id not in have]
    db.conn.executemany("delete from flags where id = ?", [(flag_id,) for flag_id in gone])
    if new:
        db["flags"].insert_all(new, replace=True)
    touched_claims = {c for flag_id in gone for c in have[flag_id]} | {
        c for row in new for c in (row["claim_id"], row["other_claim_id"])}
    affected = {article_of[c] for c in touched_claims if c in article_of}
    for claim in touched_claims - set(article_of):  # claims without rate/duration facts
        found = db.execute("select article_id from claims where id = ?", [claim]).fetchone()
        if found:
            affected.add(found[0])
    return None if articles is None else affected


def ensure_current_processor(db: sqlite_utils.Database, force: bool = False) -> bool:
    """Make the next ingest reprocess pages built by other code, dictionary or model.

    When the stored fingerprint differs (or ``force``), the files' stat records are
    invalidated so every file is read again; pages whose ``processor`` is not current
    then count as new. Returns True when pages will be reprocessed. A run killed half
    way resumes: pages already redone carry the current fingerprint and are skipped.
    """
    current = processor_fingerprint()
    row = db.execute("select value from kb_state where key = 'processor'").fetchone()
    if not force and row and row[0] == current:
        return False
    with db.conn:
        db.execute("update page_paths set mtime_ns = -1")
        if "containers" in db.table_names():
            db.execute("update containers set mtime_ns = -1")
        if force:
            db.execute("update pages set processor = null")
        db["kb_state"].insert({"key": "processor", "value": current}, replace=True)
    return bool(row) or force


# Columns that say when, not what (they differ between any two runs), and the run log.
VOLATILE_COLUMNS = frozenset({("pages", "ingested_at")})
LOG_TABLES = frozenset({"runs"})


def content_digest(db_path: str, volatile: frozenset = VOLATILE_COLUMNS,
                   skip_tables: frozenset = LOG_TABLES) -> dict[str, str]:
    """sha256 of every table's rows, order-independent, for "are these KBs the same?".

    FTS shadow tables (``*_fts_data`` …) are left out: their bytes depend on write
    history, not content; the FTS tables themselves are compared through their rows.
    """
    db = sqlite_utils.Database(db_path)
    digest = {}
    try:
        for name in sorted(db.table_names()):
            if name in skip_tables or name.startswith("sqlite_") or "_fts_" in name:
                continue
            columns = [c for c in db[name].columns_dict if (name, c) not in volatile]
            listed = ", ".join(f"[{c}]" for c in columns)
            rows = sorted(repr(row) for row in db.execute(f"select {listed} from [{name}]"))
            digest[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] + f" ({len(rows)} rows)"
    finally:
        db.close()
    return digest
