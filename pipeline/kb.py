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

from .process import PageResult
from .topics import TOPICS

SCHEMA_VERSION = 1

TABLES: dict[str, dict] = {
    "topics": dict(columns={"id": str, "name_zh": str, "description": str}, pk="id"),
    "pages": dict(
        columns={"id": str, "path": str, "url": str, "encoding": str, "status": str, "reason": str,
                 "ingested_at": str, "kind": str, "size": int, "fetched_at": str},
        pk="id",
    ),
    "page_paths": dict(
        columns={"path": str, "page_id": str, "size": int, "mtime_ns": int},
        pk="path",
    ),
    "articles": dict(
        columns={"id": str, "page_id": str, "url": str, "site": str, "title": str, "source": str,
                 "author": str, "published_at": str, "body": str, "n_claims": int, "n_flags": int,
                 "dup_of": str, "tagger": str, "title_seg": str, "body_seg": str},
        pk="id",
    ),
    "claims": dict(
        columns={"id": str, "article_id": str, "seq": int, "section": str, "text": str,
                 "char_start": int, "char_end": int, "topics": str, "flagged": int,
                 "text_seg": str, "context_seg": str},
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
    "claims": [["article_id", "seq"]],
    "claim_topics": [["topic", "assigned"]],
    "facts": [["claim_id"], ["kind", "value"]],
    "flags": [["claim_id"], ["kind"]],
    "articles": [["page_id"], ["site"], ["dup_of"]],
    "page_paths": [["page_id"]],
    "pages": [["status"]],
}

FTS = {
    "claims": ["text_seg", "context_seg"],
    "articles": ["title_seg", "body_seg"],
}

VIEWS = {
    "claim_topic_labels": """
        select claims.id as claim_id, claims.article_id, claims.text, claim_topics.topic,
               topics.name_zh, claim_topics.score, claim_topics.explanation
        from claim_topics
        join claims on claims.id = claim_topics.claim_id
        join topics on topics.id = claim_topics.topic
        where claim_topics.assigned = 1
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
        for name, (name_zh, description) in TOPICS.items():
            db["topics"].upsert({"id": name, "name_zh": name_zh, "description": description}, pk="id")
    for name, columns in FTS.items():
        if not db[name].detect_fts():
            db[name].enable_fts(columns, create_triggers=True, tokenize="unicode61")
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)


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
    }


def delete_page(db: sqlite_utils.Database, page_id: str) -> None:
    """Remove a page and everything derived from it (FTS follows through triggers)."""
    aid = article_id(page_id)
    claim_ids = "select id from claims where article_id = ?"
    for table in ("flags", "facts", "claim_topics"):
        db.execute(f"delete from [{table}] where claim_id in ({claim_ids})", [aid])
    db.execute("delete from flags where other_claim_id in (select id from claims where article_id = ?)", [aid])
    db.execute("delete from claims where article_id = ?", [aid])
    db.execute("update articles set dup_of = null where dup_of = ?", [aid])
    db.execute("delete from articles where id = ?", [aid])
    db.execute("delete from pages where id = ?", [page_id])


def write_result(db: sqlite_utils.Database, result: PageResult) -> None:
    """Write one page's rows. Call inside a transaction; replaces earlier rows of the page."""
    delete_page(db, result.page_id)
    article = result.article
    if result.status == "ok" and article is not None:
        aid = article_id(result.page_id)
        db["articles"].insert({
            "id": aid, "page_id": result.page_id, "url": article.url, "site": article.site,
            "title": article.title, "source": article.source, "author": article.author,
            "published_at": article.published_at, "body": article.body,
            "n_claims": len(result.claims), "n_flags": len(result.flags), "dup_of": None,
            "tagger": result.tagger, "title_seg": result.title_seg, "body_seg": result.body_seg,
        })
        flagged_seqs = {flag.claim_seq for flag in result.flags}
        claim_rows, topic_rows, fact_rows = [], [], []
        for claim, scores, facts, text_seg, context_seg in zip(
            result.claims, result.topics, result.facts, result.claim_segs, result.context_segs
        ):
            cid = claim_id(aid, claim.seq)
            assigned = [t for t, s in scores.items() if s.assigned]
            claim_rows.append({
                "id": cid, "article_id": aid, "seq": claim.seq, "section": claim.section,
                "text": claim.text, "char_start": claim.char_start, "char_end": claim.char_end,
                "topics": json.dumps(assigned, ensure_ascii=False), "flagged": int(claim.seq in flagged_seqs),
                "text_seg": text_seg, "context_seg": context_seg,
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
        db["claims"].insert_all(claim_rows)
        db["claim_topics"].insert_all(topic_rows)
        if fact_rows:
            db["facts"].insert_all(fact_rows, replace=True)
        flag_rows = [{
            "id": short_hash(aid, flag.claim_seq, flag.kind, flag.detail),
            "claim_id": claim_id(aid, flag.claim_seq), "kind": flag.kind, "detail": flag.detail,
            "reference": flag.reference, "other_claim_id": flag.other_claim_id,
        } for flag in result.flags if flag.claim_seq is not None]
        if flag_rows:
            db["flags"].insert_all(flag_rows, replace=True)
    db["pages"].insert(page_row(result), replace=True)


def record_path(db: sqlite_utils.Database, path: str, page_id: str, size: int, mtime_ns: int) -> str | None:
    """Point ``path`` at ``page_id``; return the page it pointed at before, if different."""
    row = db.execute("select page_id from page_paths where path = ?", [path]).fetchone()
    db["page_paths"].insert({"path": path, "page_id": page_id, "size": size, "mtime_ns": mtime_ns}, replace=True)
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


def table_counts(db: sqlite_utils.Database, tables: Iterable[str] = TABLES) -> dict[str, int]:
    return {name: db[name].count for name in tables}


def mark_stale(db: sqlite_utils.Database) -> None:
    """Note that cross-article results need recomputing (set in the same transaction as writes)."""
    db["kb_state"].insert({"key": "cross_article_stale", "value": "1"}, replace=True)


def is_stale(db: sqlite_utils.Database) -> bool:
    row = db.execute("select value from kb_state where key = 'cross_article_stale'").fetchone()
    return bool(row and row[0] == "1")


def finalize(db: sqlite_utils.Database) -> None:
    """Cross-article steps, after all pages are written: conflicts between sources."""
    with db.conn:
        refresh_conflicts(db)
        db.execute("""update claims set flagged = exists(
            select 1 from flags where flags.claim_id = claims.id or flags.other_claim_id = claims.id)""")
        db.execute("update articles set n_flags = (select count(*) from flags join claims "
                   "on claims.id = flags.claim_id where claims.article_id = articles.id)")
        db["kb_state"].insert({"key": "cross_article_stale", "value": "0"}, replace=True)


def refresh_conflicts(db: sqlite_utils.Database) -> None:
    """Recompute every ``conflict`` flag from the facts table."""
    try:
        from .checks import find_conflicts
    except ImportError:  # TEMPORARY until checks land
        return
    db.execute("delete from flags where kind = 'conflict'")
    rows = [dict(zip([d[0] for d in cursor.description], r)) for cursor in
            [db.execute("""select facts.*, claims.article_id, claims.text as claim_text
                           from facts join claims on claims.id = facts.claim_id
                           order by facts.claim_id, facts.char_start""")] for r in cursor.fetchall()]
    flag_rows = []
    for a, b, flag in find_conflicts(rows):
        flag_rows.append({"id": short_hash(a, b, flag.kind, flag.detail), "claim_id": a, "kind": flag.kind,
                          "detail": flag.detail, "reference": flag.reference, "other_claim_id": b})
    if flag_rows:
        db["flags"].insert_all(flag_rows, replace=True)
