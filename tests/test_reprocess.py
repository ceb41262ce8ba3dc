"""A changed pipeline (code, dictionary, model) reprocesses known pages; an unchanged one does not."""

from __future__ import annotations

import sqlite_utils

from pipeline import kb
from pipeline.ingest import ingest


def test_unchanged_pipeline_skips_everything(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    ingest([str(sources_copy)], str(db))
    again = ingest([str(sources_copy)], str(db))
    assert again.reprocessing is False
    assert again.counts["pages_processed"] == 0


def test_changed_fingerprint_reprocesses_known_pages_once(sources_copy, tmp_path):
    db_path = tmp_path / "kb.db"
    first = ingest([str(sources_copy)], str(db_path))
    db = sqlite_utils.Database(db_path)
    # What an older version of the pipeline would have left behind.
    db["kb_state"].insert({"key": "processor", "value": "older-code"}, replace=True)
    db.execute("update pages set processor = 'older-code'")
    db.conn.commit()
    redo = ingest([str(sources_copy)], str(db_path))
    assert redo.reprocessing is True
    assert redo.counts["pages_processed"] == first.counts["pages_processed"]
    assert {r["processor"] for r in db.query("select distinct processor from pages")} == {kb.processor_fingerprint()}
    assert ingest([str(sources_copy)], str(db_path)).counts["pages_processed"] == 0


def test_reprocess_flag_forces_a_full_pass(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    first = ingest([str(sources_copy)], str(db))
    forced = ingest([str(sources_copy)], str(db), reprocess=True)
    assert forced.counts["pages_processed"] == first.counts["pages_processed"]
