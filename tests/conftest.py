"""Shared fixtures: a KB built from the bundled sources, and the ../shared data path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "sources"
SEED = SOURCES / "000_56e66633d99debef.txt"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when it is absent (fresh clones)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only on CI and dev machines)")
    return path


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory) -> Path:
    """kb.db built from a copy of sources/ (session-wide: tests only read it)."""
    from pipeline.ingest import ingest

    root = tmp_path_factory.mktemp("seedkb")
    sources = root / "sources"
    shutil.copytree(SOURCES, sources)
    db = root / "kb.db"
    report = ingest([str(sources)], str(db))
    assert report.counts["pages_error"] == 0, report.summary()
    return db


@pytest.fixture
def sources_copy(tmp_path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    return target
