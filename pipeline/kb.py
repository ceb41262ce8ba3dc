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
import re
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
    # Incremental conflicts (issue #7): the subject (product, what the number is about) of
    # each fact find_conflicts compares, as of the last refresh; see refresh_conflicts.
    "fact_subjects": dict(
        columns={"fact_id": str, "claim_id": str, "article_id": str, "product": str, "subject": str},
        pk="fact_id",
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
    "flags": [["claim_id"], ["kind"], ["other_claim_id"]],
    "fact_subjects": [["subject", "product"], ["article_id"], ["claim_id"]],
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
        _scope_update_trigger(db, name, columns)
    if definitions_changed or not set(VIEWS) <= set(db.view_names()):
        for name, sql in VIEWS.items():
            db.create_view(name, sql, replace=True)
        with db.conn:
            db["kb_state"].insert({"key": "definitions", "value": definitions}, replace=True)
    dedup.ensure_schema(db)


def _scope_update_trigger(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    """Make the FTS update trigger fire only when an indexed column changes.

    sqlite-utils' trigger fires on any update, so setting ``articles.cluster`` or
    ``claims.flagged`` re-indexed the whole row: at 100k pages finalize re-indexed every
    article body. The trigger is recreated with ``AFTER UPDATE OF <indexed columns>``
    (same name, so the check above still finds it), in one transaction.
    """
    trigger, fts = f"{table}_au", f"{table}_fts"
    row = db.execute("select sql from sqlite_master where type = 'trigger' and name = ?", [trigger]).fetchone()
    if not row or re.search(r"\bUPDATE\s+OF\b", row[0], re.IGNORECASE):
        return
    names = ", ".join(f'"{c}"' for c in columns)
    with db.conn:
        db.execute(f'drop trigger "{trigger}"')
        db.execute(
            f'create trigger "{trigger}" after update of {names} on "{table}" begin\n'
            f'  insert into "{fts}" ("{fts}", rowid, {names}) values (\'delete\', old.rowid, '
            f'{", ".join(f"old.[{c}]" for c in columns)});\n'
            f'  insert into "{fts}" (rowid, {names}) values (new.rowid, {", ".join(f"new.[{c}]" for c in columns)});\n'
            f'end')


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
    # The claims its conflict flags point at may be flagged only through them: recount.
    db.execute(f"""insert or ignore into dedup_dirty (article_id) select claims.article_id from flags
                   join claims on claims.id = flags.other_claim_id where flags.claim_id in ({claim_ids})""", [aid])
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
            # Its own cluster until finalize says otherwise: most articles stay single,
            # and finalize then leaves their (large) rows alone.
            "cluster": aid,
        }])
        if near_dup is None:
            near_dup = dedup.page_dedup(result.body_seg, result.claim_segs)
        dedup.index_article(db, aid, near_dup.signature)
        flagged_seqs = {flag.claim_seq for flag in result.flags}
        claim_rows, topic_rows, fact_rows = [], [], []
        # Sub-words come with the result (computed by the workers); older results lack them.
        subword_segs = result.subword_segs or [subwords(t, c) for t, c in zip(result.claim_segs, result.context_segs)]
        for claim, scores, facts, text_seg, context_seg, subword_seg, text_key in zip(
            result.claims, result.topics, result.facts, result.claim_segs, result.context_segs, subword_segs,
            near_dup.claim_keys,
        ):
            cid = claim_id(aid, claim.seq)
            assigned = [t for t, s in scores.items() if s.assigned]
            claim_rows.append({
                "id": cid, "article_id": aid, "seq": claim.seq, "section": claim.section,
                "text": claim.text, "char_start": claim.char_start, "char_end": claim.char_end,
                "topics": json.dumps(assigned, ensure_ascii=False), "flagged": int(claim.seq in flagged_seqs),
                "text_seg": text_seg, "context_seg": context_seg, "text_key": text_key,
                "subwords_seg": subword_seg,
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
        refresh_flag_counts(db, None if affected is None else affected | changed)
        db["kb_state"].insert({"key": "cross_article_stale", "value": "0"}, replace=True)


def refresh_flag_counts(db: sqlite_utils.Database, articles: set[str] | None) -> None:
    """Recompute ``claims.flagged`` and ``articles.n_flags`` of ``articles`` (None: all)."""
    if articles is None:
        scope = ""
    else:
        db.execute("create temp table if not exists _affected (id text primary key)")
        db.execute("delete from _affected")
        db.conn.executemany("insert or ignore into _affected values (?)", [(a,) for a in articles])
        scope = " and {} in (select id from _affected)"
    # Only rows whose value changes are written: every rewritten row costs a page write
    # (and its journal copy), which a full refresh would pay for every claim.
    flagged = ("(exists(select 1 from flags where flags.claim_id = claims.id) "
               "or exists(select 1 from flags where flags.other_claim_id = claims.id))")
    n_flags = ("(select count(*) from flags join claims on claims.id = flags.claim_id "
               "where claims.article_id = articles.id)")
    db.execute(f"update claims set flagged = {flagged} where flagged is not {flagged}" + scope.format("claims.article_id"))
    db.execute(f"update articles set n_flags = {n_flags} where n_flags is not {n_flags}" + scope.format("articles.id"))


def refresh_conflicts(db: sqlite_utils.Database, articles: set[str] | None = None) -> set[str] | None:
    """Recompute ``conflict`` flags; return the ids of articles whose flags changed.

    Which claims conflict depends on every article stating a value for the same
    subject (the majority value wins), but only within that subject: a conflict group
    is keyed by (product, what the number is about), and a fact's key depends on its own
    article alone (:func:`pipeline.checks.conflict_members`). The keys are stored
    (``fact_subjects``), so when ``articles`` (the ones written or deleted since the last
    refresh) is given, only the groups their facts are in now or were in before are
    compared again — with :func:`pipeline.checks.group_conflicts`, over the same rows in
    the same order as a full run — and only flags of those groups are diffed. The result
    is exactly that of a full recompute. ``articles=None`` means "everything may have
    changed": all facts are compared (and their keys stored) and None is returned; so
    does a KB whose stored keys come from other code (a processor fingerprint change).
    Call inside a transaction.
    """
    if articles is not None and not articles:
        return set()
    current = processor_fingerprint()
    stored = db.execute("select value from kb_state where key = 'conflict_subjects'").fetchone()
    if articles is not None and (not stored or stored[0] != current):
        articles = None  # keys from other code (or none stored yet): recompute them all
    if articles is None:
        wanted, have, article_of = _all_conflicts(db)
    else:
        wanted, have, article_of = _conflicts_of(db, articles)
    gone = [flag_id for flag_id in have if flag_id not in wanted]
    new = [row for flag_id, row in wanted.items() if flag_id not in have]
    db.conn.executemany("delete from flags where id = ?", [(flag_id,) for flag_id in gone])
    _insert_rows(db, "flags", new, replace=True)
    if not stored or stored[0] != current:
        db.execute("insert or replace into kb_state (key, value) values ('conflict_subjects', ?)", [current])
    if articles is None:
        return None
    touched_claims = {c for flag_id in gone for c in have[flag_id]} | {
        c for row in new for c in (row["claim_id"], row["other_claim_id"])}
    affected = {article_of[c] for c in touched_claims if c in article_of}
    for claim in touched_claims - set(article_of):  # claims outside the groups compared
        found = db.execute("select article_id from claims where id = ?", [claim]).fetchone()
        if found:
            affected.add(found[0])
    return affected


# The rows find_conflicts reads: rates and durations to compare, products for an
# article's subject. Ordered as a full run orders them (the clustering is greedy).
# ``source`` says which: a subset is read through a temp table named first in a cross
# join (which SQLite keeps as the outer loop; temp tables have no statistics).
_CONFLICT_ROWS = """select facts.*, claims.article_id, claims.text as claim_text{select}
                    from {source}
                    where facts.kind in ('rate', 'duration', 'product')
                    order by facts.claim_id, facts.char_start, facts.id"""


def _iter_fact_rows(db: sqlite_utils.Database, source: str = "facts join claims on claims.id = facts.claim_id",
                    select: str = "", params: list | tuple = ()):
    cursor = db.conn.execute(_CONFLICT_ROWS.format(select=select, source=source), params)
    columns = [d[0] for d in cursor.description]
    return (dict(zip(columns, r)) for r in cursor)


def _fact_rows(db: sqlite_utils.Database, source: str = "facts join claims on claims.id = facts.claim_id",
               select: str = "") -> list[dict]:
    return list(_iter_fact_rows(db, source, select))


def _flag_row(a: str, b: str, flag) -> dict:
    return {"id": short_hash(a, b, flag.kind, flag.detail), "claim_id": a, "kind": flag.kind,
            "detail": flag.detail, "reference": flag.reference, "other_claim_id": b}


def _store_subjects(db: sqlite_utils.Database, members: list) -> None:
    db.conn.executemany(
        "insert or replace into fact_subjects (fact_id, claim_id, article_id, product, subject) values (?, ?, ?, ?, ?)",
        [(row["id"], row["claim_id"], row["article_id"], product, subject)
         for (product, subject), row, _, _ in members])


def _member(row: dict) -> tuple[dict, object, tuple]:
    """A fact as a conflict group holds it: (the row's ids, the Fact, its comparable value).

    Only the ids travel with the fact (group_conflicts reads claim_id and article_id), not
    the claim text and other columns: a group such as 诉讼时效 holds a fact of every other
    article, so its members are what the comparison's memory grows with.
    """
    from .checks import _comparable, _row_fact

    f = _row_fact(row)
    return {"claim_id": row["claim_id"], "article_id": row["article_id"]}, f, _comparable(f)


def _all_conflicts(db: sqlite_utils.Database) -> tuple[dict, dict, dict]:
    """Every conflict (find_conflicts over all facts); store every fact's subject key.

    Streams, so memory stays flat however large the KB: subject keys are computed one
    article at a time (a key depends on its own article's rows only, and claim ids
    start with their article's id, so the rows arrive article by article), then each
    group's stored members are read back, in full-run order, as group_conflicts asks.
    """
    from .checks import conflict_members, group_conflicts

    db.execute("delete from fact_subjects")
    article_rows: list[dict] = []
    for row in _iter_fact_rows(db):
        if article_rows and row["article_id"] != article_rows[0]["article_id"]:
            _store_subjects(db, conflict_members(article_rows))
            article_rows = []
        article_rows.append(row)
    if article_rows:
        _store_subjects(db, conflict_members(article_rows))

    wanted: dict[str, dict] = {}

    def compare(key: tuple[str, str], group: list) -> None:
        for a, b, flag in group_conflicts(key[0], key[1], group):
            flag_row = _flag_row(a, b, flag)
            wanted[flag_row["id"]] = flag_row

    def members_of(product: str, subject: str):
        source = ("fact_subjects as fs join facts on facts.id = fs.fact_id and fs.subject = ? and fs.product is ? "
                  "join claims on claims.id = facts.claim_id")
        return lambda: (_member(row) for row in _iter_fact_rows(db, source, params=(subject, product)))

    keys = db.execute("select distinct product, subject from fact_subjects order by subject, product").fetchall()
    for product, subject in keys:
        compare((product, subject), members_of(product, subject))
    have = {r[0]: (r[1], r[2]) for r in db.execute(
        "select id, claim_id, other_claim_id from flags where kind = 'conflict'")}
    return wanted, have, {}


def _temp_ids(db: sqlite_utils.Database, name: str, ids) -> None:
    db.execute(f"create temp table if not exists {name} (id text primary key)")
    db.execute(f"delete from {name}")
    db.conn.executemany(f"insert or ignore into {name} values (?)", [(i,) for i in ids])


def _conflicts_of(db: sqlite_utils.Database, articles: set[str]) -> tuple[dict, dict, dict]:
    """The conflicts of the groups ``articles`` touch, and the flags they replace.

    Groups: those the articles' facts were in at the last refresh (``fact_subjects``)
    and are in now. Flags in scope: those on a claim of these groups (or on an old claim
    of the articles, or pointing at one). A claim may be in several groups and its flags
    do not say which group they came from, so every group of a claim that has a flag in
    scope is compared too: each flag in scope is then either wanted again or gone.
    """
    from .checks import conflict_members, group_conflicts

    _temp_ids(db, "_cf_articles", articles)
    old = db.execute("select claim_id, product, subject from fact_subjects "
                     "where article_id in (select id from _cf_articles)").fetchall()
    db.execute("delete from fact_subjects where article_id in (select id from _cf_articles)")
    members = conflict_members(_fact_rows(db, "_cf_articles cross join claims on claims.article_id = _cf_articles.id "
                                              "cross join facts on facts.claim_id = claims.id"))
    _store_subjects(db, members)
    keys = {(p, s) for _, p, s in old} | {key for key, _, _, _ in members}
    own_claims = {c for c, _, _ in old} | {row["claim_id"] for _, row, _, _ in members}

    db.execute("create temp table if not exists _cf_keys (product text, subject text, primary key (subject, product))")
    db.execute("delete from _cf_keys")
    db.conn.executemany("insert or ignore into _cf_keys values (?, ?)", sorted(keys))
    in_groups = {r[0] for r in db.execute(
        "select distinct fs.claim_id from _cf_keys as k cross join fact_subjects as fs "
        "on fs.subject = k.subject and fs.product = k.product")}
    scope = in_groups | own_claims
    _temp_ids(db, "_cf_scope", scope)
    _temp_ids(db, "_cf_own", own_claims)
    have = {r[0]: (r[1], r[2]) for r in db.execute(  # (+kind: look up by claim, not by kind)
        "select id, claim_id, other_claim_id from flags where +kind = 'conflict' and claim_id in (select id from _cf_scope) "
        "union select id, claim_id, other_claim_id from flags where +kind = 'conflict' "
        "and other_claim_id in (select id from _cf_own)")}
    flagged = {a for a, _ in have.values()}
    if flagged:
        _temp_ids(db, "_cf_flagged", flagged)
        db.execute("insert or ignore into _cf_keys select distinct product, subject from fact_subjects "
                   "where claim_id in (select id from _cf_flagged)")

    # The stored members of these groups, in full-run order (their keys need no recomputing).
    rows = _fact_rows(db, "_cf_keys as k cross join fact_subjects as fs on fs.subject = k.subject "
                          "and fs.product = k.product cross join facts on facts.id = fs.fact_id "
                          "cross join claims on claims.id = facts.claim_id",
                      select=", fs.product as _group_product, fs.subject as _group_subject")
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row["_group_product"], row["_group_subject"]), []).append(_member(row))
    wanted, keep = {}, scope | flagged  # (flags of other claims are in groups left as they were)
    for (product, subject), group in groups.items():
        for a, b, flag in group_conflicts(product, subject, group):
            if a in keep:
                flag_row = _flag_row(a, b, flag)
                wanted[flag_row["id"]] = flag_row
    return wanted, have, {row["claim_id"]: row["article_id"] for row in rows}


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
