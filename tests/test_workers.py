"""The KB does not depend on how it was built: 1 or 2 worker processes, one run or several."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import sqlite_utils

from pipeline.ingest import ingest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from corpus import write_corpus  # noqa: E402

from pipeline.kb import content_digest  # noqa: E402

def kb_digest(db_path) -> dict[str, str]:
    return content_digest(str(db_path))


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """36 pages as files, a JSONL dump and a WARC.gz, with exact and spun copies."""
    out = tmp_path_factory.mktemp("corpus") / "pages"
    write_corpus(out, 36, fmt="mixed", seed=3, copy_rate=0.15, spin_rate=0.15, per_container=6)
    return out


def test_kb_is_identical_for_one_and_two_workers(small_corpus, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    r1 = ingest([str(small_corpus)], str(one), workers=1, batch_size=4)
    r2 = ingest([str(small_corpus)], str(two), workers=2, batch_size=4)
    assert r1.counts["pages_ok"] == 36
    assert r1.as_dict()["counts"] == r2.as_dict()["counts"]
    assert kb_digest(one) == kb_digest(two)
    db = sqlite_utils.Database(one)
    assert db["articles"].count == 36
    assert db.execute("select count(*) from articles where dup_of is not null").fetchone()[0] >= 5


def test_kb_built_in_steps_equals_kb_built_at_once(small_corpus, tmp_path):
    """Near-duplicate clusters and flags come out the same when pages arrive later."""
    at_once = tmp_path / "once.db"
    ingest([str(small_corpus)], str(at_once))

    staged = tmp_path / "staged.db"
    aside = tmp_path / "aside"
    aside.mkdir()
    later = sorted(p for p in small_corpus.rglob("*") if p.is_file())[::2]
    for path in later:  # rename keeps mtime, so the second run sees the same stat
        shutil.move(path, aside / path.name)
    ingest([str(small_corpus)], str(staged))
    for path in later:
        shutil.move(aside / path.name, path)
    report = ingest([str(small_corpus)], str(staged))
    assert report.counts["pages_processed"] > 0
    assert kb_digest(staged) == kb_digest(at_once)
