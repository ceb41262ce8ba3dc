"""The FTS indexes follow their tables, and only when an indexed column changes."""

from __future__ import annotations

import pytest

from pipeline import kb


def fts_changes(db, sql: str, params=()) -> int:
    """Rows the FTS index gained or lost while ``sql`` ran (via sqlite's total_changes)."""
    before = db.conn.total_changes
    with db.conn:
        cursor = db.execute(sql, params)
    return db.conn.total_changes - before - cursor.rowcount


@pytest.fixture
def db(tmp_path):
    db = kb.open_kb(str(tmp_path / "kb.db"))
    with db.conn:
        db["articles"].insert({"id": "a1", "page_id": "p1", "title": "借呗", "body": "借呗逾期",
                               "title_seg": "借呗", "body_seg": "借呗\u200b逾期", "n_flags": 0})
        db["claims"].insert({"id": "a1-000", "article_id": "a1", "seq": 0, "text": "借呗逾期会上征信。",
                             "text_seg": "借呗\u200b逾期\u200b会\u200b上\u200b征信\u200b。", "context_seg": "借呗",
                             "subwords_seg": "", "flagged": 0})
    return db


@pytest.mark.parametrize("sql, reindexed", [
    ("update articles set cluster = 'a1', dup_of = null, n_flags = 3 where id = 'a1'", False),
    ("update claims set flagged = 1 where id = 'a1-000'", False),
    ("update articles set body_seg = '借呗\u200b逾期\u200b了' where id = 'a1'", True),
    ("update claims set subwords_seg = '征信' where id = 'a1-000'", True),
])
def test_update_reindexes_only_when_an_indexed_column_changes(db, sql, reindexed):
    assert (fts_changes(db, sql) > 0) is reindexed


def test_index_follows_an_indexed_update(db):
    with db.conn:
        db.execute("update claims set text_seg = '花呗\u200b逾期' where id = 'a1-000'")
    assert db.execute("select count(*) from claims_fts where claims_fts match '花呗'").fetchone()[0] == 1
    assert db.execute("select count(*) from claims_fts where claims_fts match '借呗'").fetchone()[0] == 1  # context
    assert db.execute("select count(*) from claims_fts where claims_fts match '征信'").fetchone()[0] == 0
    db.execute("insert into claims_fts(claims_fts) values ('integrity-check')")


def test_a_kb_with_the_old_any_column_trigger_is_upgraded(tmp_path, db):
    path = db.conn.execute("pragma database_list").fetchone()[2]
    with db.conn:
        db.execute('drop trigger "articles_au"')
        db.execute('create trigger "articles_au" after update on "articles" begin '
                   'insert into "articles_fts" ("articles_fts", rowid, "title_seg", "body_seg") '
                   "values ('delete', old.rowid, old.title_seg, old.body_seg); "
                   'insert into "articles_fts" (rowid, "title_seg", "body_seg") '
                   "values (new.rowid, new.title_seg, new.body_seg); end")
    assert fts_changes(db, "update articles set n_flags = 1 where id = 'a1'") > 0
    db.close()
    again = kb.open_kb(path)
    assert fts_changes(again, "update articles set n_flags = 2 where id = 'a1'") == 0
