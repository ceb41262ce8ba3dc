"""Incremental ingest, bad inputs, and what a run reports."""

from __future__ import annotations

import os

import pytest
import sqlite_utils

from pipeline.ingest import ingest
from pipeline.kb import content_digest


def table_digest(db_path) -> dict[str, str]:
    """Every table's rows, timestamps included: a no-op run must not even touch them."""
    return content_digest(str(db_path), volatile=frozenset(), skip_tables=frozenset())


def test_second_ingest_processes_nothing_and_changes_nothing(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    first = ingest([str(sources_copy)], str(db))
    assert first.counts["pages_ok"] >= 1
    before = table_digest(db)
    second = ingest([str(sources_copy)], str(db))
    assert second.counts["pages_processed"] == 0
    assert second.counts["pages_read"] == 0
    assert table_digest(db) == before


def test_touched_but_identical_file_is_not_reprocessed(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    ingest([str(sources_copy)], str(db))
    seed = next(sources_copy.glob("000_*.txt"))
    os.utime(seed, ns=(1, 1))
    report = ingest([str(sources_copy)], str(db))
    assert report.counts["pages_read"] == 1
    assert report.counts["pages_known"] == 1
    assert report.counts["pages_processed"] == 0


def test_changed_file_replaces_its_rows(sources_copy, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(sources_copy)], str(db_path))
    db = sqlite_utils.Database(db_path)
    n_pages = db["pages"].count
    seed = next(sources_copy.glob("000_*.txt"))
    seed.write_text(seed.read_text("utf-8").replace("万分之五", "万分之三"), "utf-8")
    report = ingest([str(sources_copy)], str(db_path))
    assert report.counts["pages_processed"] == 1
    assert report.counts["pages_replaced"] == 1
    assert db["pages"].count == n_pages
    seed_claims = "select claims.text from claims join articles on articles.id = claims.article_id " \
                  "join pages on pages.id = articles.page_id where pages.path like '%000_56e66633d99debef.txt'"
    texts = [row["text"] for row in db.query(seed_claims)]
    assert [t for t in texts if "万分之五" in t] == []
    assert len([t for t in texts if "万分之三" in t]) == 1
    orphans = list(db.query("select id from claims where article_id not in (select id from articles)"))
    assert orphans == []


@pytest.mark.parametrize("name, data, status, reason", [
    ("empty.txt", b"", "rejected", "empty file"),
    ("empty.html", b"", "rejected", "empty file"),
    ("binary.html", bytes(range(256)) * 40, "rejected", "binary content: not an HTML page or text dump"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "rejected",
     "binary content: not an HTML page or text dump"),
    ("english.txt", b"Just some English words.\nNothing else.", "rejected", "no Chinese text"),
])
def test_bad_pages_are_recorded_and_the_rest_ingests(sources_copy, tmp_path, name, data, status, reason):
    (sources_copy / name).write_bytes(data)
    db_path = tmp_path / "kb.db"
    report = ingest([str(sources_copy)], str(db_path))
    db = sqlite_utils.Database(db_path)
    row = next(db.query("select status, reason from pages where path like ?", [f"%{name}"]))
    assert (row["status"], row["reason"]) == (status, reason)
    assert report.counts["pages_rejected"] == 1
    good = [p for p in sources_copy.rglob("*") if p.is_file() and p.name not in (name, "README.md")]
    assert report.counts["pages_ok"] == len(good)


def test_dry_run_writes_nothing(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    report = ingest([str(sources_copy)], str(db), dry_run=True)
    assert report.counts["pages_ok"] >= 1
    assert not db.exists()


def test_summary_counts_every_stage(sources_copy, tmp_path):
    report = ingest([str(sources_copy)], str(tmp_path / "kb.db"))
    summary = report.summary()
    for stage in ("read", "process", "extract", "check"):
        assert f"  {stage} " in summary
    assert set(report.as_dict()["counts"]) >= {"files_seen", "pages_ok", "claims", "flags"}
