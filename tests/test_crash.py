"""Crash safety: SIGKILL `python -m pipeline ingest` at random points, re-run, and the KB
comes out exactly as an uninterrupted run makes it.

Each *episode* starts from an empty KB and kills ingest runs at seeded random
moments until a run finishes by itself; then SQLite's and FTS5's integrity checks
must pass and every table's content must equal the reference KB's (timestamps and
the ``runs`` log aside). Runs alternate between one process and a pool of two, and
the whole process group is killed, workers included.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile

from pipeline.kb import content_digest

REPO = Path(__file__).resolve().parents[1]
SEED = 8
N_PAGES = 160
MIN_KILLS = 20
KILLS_PER_EPISODE = 7
BATCH_SIZE = 5

# The hostile generator's good sentences, and a few more so pages stay distinct.
SENTENCES = [
    *hostile.SENTENCES,
    "逾期记录在还清欠款之日起保留五年，之后自动删除。",
    "部分平台允许申请延期还款，但需要提供收入下降的证明。",
    "催收人员不得在晚上十点以后拨打借款人电话。",
    "花呗逾期一天一般不会立即上报征信，但会收取逾期费用。",
]


def crash_corpus(directory: Path, seed: int = SEED, n: int = N_PAGES) -> None:
    """``n`` small distinct pages (text dumps and HTML) plus a few that are rejected."""
    rng = random.Random(seed)
    directory.mkdir(parents=True)
    for i in range(n):
        picked = rng.sample(SENTENCES, rng.randint(2, 5))
        numbered = f"第{i}号说明：借款{rng.randint(1, 50) * 1000}元逾期{rng.randint(1, 90)}天，按年化{rng.randint(4, 36)}%计息。"
        if i % 3 == 0:
            body = "".join(f"<p>{s}</p>" for s in [*picked, numbered])
            (directory / f"page-{i:03d}.html").write_text(
                f"<html><head><title>逾期问答{i}</title></head><body><h1>逾期问答{i}</h1>{body}</body></html>", "utf-8")
        else:
            (directory / f"page-{i:03d}.txt").write_text(f"逾期问答{i}\n" + "\n".join([*picked, numbered]), "utf-8")
        if i % 40 == 7:
            (directory / f"page-{i:03d}-bad.html").write_bytes(bytes(rng.randrange(256) for _ in range(300)))
            (directory / f"page-{i:03d}-english.txt").write_text(f"Title {i}\nNo Chinese here at all.", "utf-8")


def kb_digest(path: Path) -> dict[str, str]:
    return content_digest(str(path))


def integrity_problems(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        problems = []
        result = conn.execute("pragma integrity_check").fetchall()
        if result != [("ok",)]:
            problems.append(f"integrity_check: {result[:5]}")
        for fts in ("claims_fts", "articles_fts"):
            try:
                # rank = 1: also check the index against its content table, row by row.
                conn.execute(f"insert into {fts}({fts}, rank) values ('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"{fts} integrity-check: {error}")
        return problems
    finally:
        conn.close()


def _ingest(corpus: Path, db: Path, workers: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "ingest", str(corpus), "--db", str(db), "--batch-size", str(BATCH_SIZE),
             "--workers", str(workers), "--no-progress"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the ingest we started and its pool workers (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.mark.slow
def test_kill_and_resume_gives_the_same_kb(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    crash_corpus(corpus)
    log = tmp_path / "ingest.log"

    reference = tmp_path / "reference.db"
    started = time.monotonic()
    proc = _ingest(corpus, reference, workers=1, log=log)
    while not reference.exists() and proc.poll() is None:  # imports and jieba: nothing to kill yet
        time.sleep(0.01)
    startup = time.monotonic() - started
    assert proc.wait(timeout=300) == 0, log.read_text(errors="replace")[-3000:]
    full_run = time.monotonic() - started
    assert integrity_problems(reference) == []
    expected = kb_digest(reference)
    assert "claims" in expected and not expected["claims"].endswith("(0 rows)")

    rng = random.Random(SEED)
    kills = completed_after_kill = episodes = mid_transaction = 0
    kill_times: list[float] = []
    while kills < MIN_KILLS:
        episodes += 1
        db = tmp_path / f"episode-{episodes}.db"
        killed_in_episode = 0
        while True:
            workers = 1 + (kills + killed_in_episode) % 2
            # Mostly while pages are being written; sometimes during start-up or finalize.
            delay = rng.uniform(startup, full_run) if rng.random() < 0.8 else rng.uniform(0.05, 1.3 * full_run)
            proc = _ingest(corpus, db, workers, log)
            try:
                # The last run of an episode is never killed: it finishes the job.
                proc.wait(timeout=None if killed_in_episode >= KILLS_PER_EPISODE else delay)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                # A journal left behind: the kill landed inside a write transaction.
                mid_transaction += Path(f"{db}-journal").exists() or Path(f"{db}-wal").exists()
                kills += 1
                killed_in_episode += 1
                kill_times.append(round(delay, 2))
                continue
            assert proc.returncode == 0, log.read_text(errors="replace")[-3000:]
            break
        if killed_in_episode:
            completed_after_kill += 1
        assert integrity_problems(db) == [], f"episode {episodes} after {killed_in_episode} kills"
        assert kb_digest(db) == expected, f"episode {episodes} after {killed_in_episode} kills"
        assert episodes < 30, "kills never landed inside a run"
    with capsys.disabled():
        print(f"\ncrash test: {kills} kills ({mid_transaction} inside a write transaction) in {episodes} episodes "
              f"({completed_after_kill} resumed after a kill), "
              f"full run {full_run:.1f}s (start-up {startup:.1f}s); kill times {kill_times}")


@pytest.mark.parametrize("missing", [("claims_ai", "claims_ad", "claims_au"), ("articles_au",)])
def test_a_kill_between_creating_the_index_and_its_triggers_is_repaired(tmp_path, missing):
    """sqlite-utils creates an FTS table, fills it, then adds its triggers in separate
    statements; a kill in between must not leave an index that stops following its table."""
    from pipeline import kb
    from pipeline.ingest import ingest

    db_path = tmp_path / "kb.db"
    kb.open_kb(str(db_path)).close()
    conn = sqlite3.connect(db_path)
    for trigger in missing:
        conn.execute(f"drop trigger {trigger}")
    conn.commit()
    conn.close()
    corpus = tmp_path / "corpus"
    crash_corpus(corpus, n=6)
    ingest([str(corpus)], str(db_path))
    assert integrity_problems(db_path) == []
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from claims_fts where claims_fts match '逾期'").fetchone()[0] > 0
