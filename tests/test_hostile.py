"""Hostile inputs: no crash, no hang, every bad page recorded with its reason, every good page ingested.

The corpus comes from ``tests/hostile.py`` (seeded, written to a temporary directory
each run). The big test runs the real CLI over 1,000+ pages and the crawler
containers in one ingest; the small ones pin the per-page budgets of
``pipeline.limits`` one at a time.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

import hostile
from pipeline import limits as page_limits
from pipeline import process
from pipeline.document import RawPage
from pipeline.limits import Limits, TimeBudgetExceeded, storable_text, time_budget
from pipeline.process import process_page

REPO = Path(__file__).resolve().parents[1]
SEED = 8
PAGE_SECONDS = 3  # the hostile run's time budget: generous for real pages, cheap for traps
BOMB_BYTES = 2**29
# The ingest process holds jieba, numpy and one batch: ~200 MB. A bomb read whole would
# add its 512 MiB.
MAX_RSS_KB = 450 * 1024
# Sentences that hostile pages hide in <script>, <style>, event handlers and javascript: URLs.
HIDDEN_SENTINELS = ["这是骗人的说法", "这是样式表里的中文内容", "这是事件处理器", "这是链接里的脚本地址",
                    "每日按万分之五计算的罚息说法来自脚本", "这是矢量图文字"]

_INGEST = """
import resource, sys
from pipeline.cli import cli
try:
    cli(sys.argv[1:], prog_name="zhkb", standalone_mode=False)
finally:
    print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def stored_path(directory: Path, case: hostile.Case) -> str:
    """The ``page_paths.path`` ingest records for ``case`` written under ``directory``."""
    return storable_text(os.fsdecode(os.path.join(os.fsencode(directory), case.fs_name)))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    pages, containers = root / "pages", root / "containers"
    cases = hostile.generate(SEED, big=True)
    container_cases = hostile.generate_containers(SEED, bomb_bytes=BOMB_BYTES)
    hostile.write_corpus(pages, cases)
    hostile.write_corpus(containers, container_cases)
    db = root / "kb.db"
    env = {**os.environ, "ZHKB_PAGE_SECONDS": str(PAGE_SECONDS)}
    command = [sys.executable, "-c", _INGEST, "ingest", str(pages), str(containers), "--db", str(db),
               "--json", "--workers", "2", "--batch-size", "50", "--no-progress"]
    started = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - started
        again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail("ingest of the hostile corpus hung (no result after 600 s)")
    maxrss = int(re.search(r"MAXRSS_KB (\d+)", proc.stderr).group(1))
    return dict(root=root, pages=pages, containers=containers, cases=cases, container_cases=container_cases,
                db=sqlite_utils.Database(db), proc=proc, again=again, seconds=seconds, maxrss_kb=maxrss)


def _status_by_path(db) -> dict[str, tuple[str, str | None]]:
    return {row[0]: (row[1], row[2]) for row in db.execute(
        "select page_paths.path, pages.status, pages.reason from page_paths join pages on pages.id = page_paths.page_id")}


@pytest.mark.slow
def test_hostile_ingest_finishes_without_crash_or_hang(hostile_run):
    proc = hostile_run["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    n_inputs = len(hostile_run["cases"]) + len(hostile_run["container_cases"])
    assert n_inputs >= 1000
    assert report["counts"]["files_seen"] == n_inputs
    errors = list(hostile_run["db"].query("select path, reason from pages where status = 'error'"))
    assert errors == [], "pages that hit a bug (status 'error'):\n" + "\n".join(f"{e['path']}: {e['reason']}" for e in errors)
    # Budgets bound each page, so the whole run is bounded too (generously: CI is slow).
    assert hostile_run["seconds"] < 400


@pytest.mark.slow
def test_a_second_run_over_the_hostile_corpus_reads_nothing(hostile_run):
    """Every input, odd names and broken containers included, is recognised as done."""
    again = hostile_run["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    counts = json.loads(again.stdout)["counts"]
    assert counts["files_unchanged"] == counts["files_seen"] > 1000
    assert counts["pages_read"] == counts["pages_processed"] == 0


@pytest.mark.slow
def test_every_hostile_page_is_recorded_with_a_specific_reason(hostile_run):
    status = _status_by_path(hostile_run["db"])
    problems = []
    for case in hostile_run["cases"]:
        path = stored_path(hostile_run["pages"], case)
        if path not in status:
            problems.append(f"{case.name!r}: not recorded in pages")
            continue
        state, reason = status[path]
        if case.expect == hostile.OK and state != "ok":
            problems.append(f"{case.name!r}: expected ok, got {state}: {reason}")
        elif case.expect == hostile.NOT_OK and state == "ok":
            problems.append(f"{case.name!r}: expected a rejection, got ok")
        elif state != "ok" and not reason:
            problems.append(f"{case.name!r}: {state} without a reason")
        elif state != "ok" and case.reason and not re.search(case.reason, reason):
            problems.append(f"{case.name!r}: reason {reason!r} does not match {case.reason!r}")
    assert problems == [], "\n".join(problems)
    unexplained = hostile_run["db"].execute(
        "select count(*) from pages where status != 'ok' and coalesce(reason, '') = ''").fetchone()[0]
    assert unexplained == 0


@pytest.mark.slow
def test_good_pages_mixed_into_hostile_batches_are_all_ingested(hostile_run):
    cases = sorted(hostile_run["cases"], key=lambda c: c.fs_name)
    batches = [cases[i:i + 50] for i in range(0, len(cases), 50)]
    mixed = [b for b in batches if any(c.category == "good" for c in b) and any(c.expect == hostile.NOT_OK for c in b)]
    assert len(mixed) >= len(batches) // 2  # the corpus really interleaves them
    status = _status_by_path(hostile_run["db"])
    good = [c for c in cases if c.category == "good"]
    assert {status[stored_path(hostile_run["pages"], c)][0] for c in good} == {"ok"}
    n_claims = dict(hostile_run["db"].execute(
        "select page_paths.path, articles.n_claims from page_paths join articles on articles.page_id = page_paths.page_id"))
    assert all(n_claims[stored_path(hostile_run["pages"], c)] > 0 for c in good)


@pytest.mark.slow
def test_script_style_and_handlers_never_become_claims(hostile_run):
    db = hostile_run["db"]
    for sentinel in HIDDEN_SENTINELS:
        assert list(db.query("select id from claims where text like ?", [f"%{sentinel}%"])) == [], sentinel
    # Markup written as text on the page stays text, verbatim.
    literal = [r["text"] for r in db.query("select text from claims where text like '%window.__xss%'")]
    assert any("<script>window.__xss=1</script>" in t for t in literal)
    assert any('<img src=x onerror="window.__xss=2">' in t for t in literal)


@pytest.mark.slow
def test_containers_bombs_and_broken_records(hostile_run):
    status = _status_by_path(hostile_run["db"])
    root = str(hostile_run["containers"])
    recorded = {path: state for path, state in status.items() if path.startswith(root)}
    by_file = Counter(path.split("#")[0].rsplit("/", 1)[-1] for path in recorded)
    for case in hostile_run["container_cases"]:
        if case.name.endswith("warc-empty.warc.gz") or not case.data:
            continue
        assert by_file[case.name] >= 1, f"{case.name}: no record of it in pages"
    good = [s for p, s in recorded.items() if "warc-good" in p or p.endswith("jsonl-hostile.jsonl#L1")]
    assert good and {s[0] for s in good} == {"ok"}
    bombs = {p: s for p, s in recorded.items() if "bomb" in p}
    assert any(s == ("rejected", f"page too large (more than {page_limits.MAX_PAGE_BYTES} bytes once decompressed)")
               for s in bombs.values()), bombs
    assert ("rejected", f"page too large (JSON line of more than {page_limits.MAX_PAGE_BYTES} bytes)") in bombs.values()
    # The page after the bomb in the same WARC is still read.
    assert any(s[0] == "ok" for p, s in bombs.items() if "bomb-body" in p)
    # No bomb was inflated whole.
    assert hostile_run["maxrss_kb"] < MAX_RSS_KB, f"ingest peaked at {hostile_run['maxrss_kb'] // 1024} MB"


@pytest.mark.slow
def test_reasons_summary(hostile_run, capsys):
    """Not an assertion: the reason histogram, for the record (``pytest -s``)."""
    db = hostile_run["db"]
    rows = list(db.query("select status, reason, count(*) as n from pages group by 1, 2 order by n desc"))
    with capsys.disabled():
        print(f"\nhostile corpus: {len(hostile_run['cases'])} pages + {len(hostile_run['container_cases'])} "
              f"containers in {hostile_run['seconds']:.0f}s, peak RSS {hostile_run['maxrss_kb'] // 1024} MB")
        for row in rows:
            print(f"  {row['n']:5d}  {row['status']:8s} {row['reason'] or ''}")
    assert rows


# --- a quick sample of the same corpus, in process, with the result invariants ------------


def _kind(name: str) -> str:
    lower = name.lower()
    return "html" if lower.endswith((".html", ".htm")) else "text"


def test_sample_of_hostile_pages_never_raises_and_offsets_hold():
    cases = hostile.generate(SEED, big=False)[::9]
    assert len(cases) >= 100
    statuses = Counter()
    for case in cases:
        page = RawPage(os.fsdecode(case.fs_name), case.data, kind=_kind(os.fsdecode(case.fs_name)))
        result = process_page(page, Limits(seconds=PAGE_SECONDS))
        statuses[result.status] += 1
        assert result.status in ("ok", "rejected"), (case.name, result.reason)
        if result.status != "ok":
            assert result.reason and result.article is None and result.claims == []
            continue
        body = result.article.body
        assert len(result.claims) == len(result.topics) == len(result.facts) == len(result.claim_segs)
        for claim in result.claims:
            assert body[claim.char_start:claim.char_end] == claim.text
    assert statuses["ok"] and statuses["rejected"]


# --- the budgets, one at a time ---------------------------------------------------------


def _page(text: str = "借呗逾期怎么办\n借呗逾期后会产生罚息，每日按万分之五计算，并可能上报征信。", name="p.txt") -> RawPage:
    return RawPage(name, text.encode(), kind="text")


def test_page_over_size_budget_is_rejected_before_parsing(monkeypatch):
    def must_not_parse(page):
        raise AssertionError("parsed a page over the size budget")

    monkeypatch.setattr(process, "extract_article", must_not_parse)
    result = process_page(RawPage("big.html", b"<p>" + b"x" * 5000), Limits(max_page_bytes=1000))
    assert (result.status, result.reason) == ("rejected", "page too large (5003 bytes > 1000 limit)")
    assert result.size == 5003


def test_page_with_too_many_claims_is_rejected():
    text = "标题\n" + "".join(f"借呗逾期{i}天后会产生罚息，每日按万分之五计算。" for i in range(30))
    result = process_page(_page(text), Limits(max_claims=20))
    assert (result.status, result.reason) == ("rejected", "too many claims (30 > 20 limit)")


@pytest.mark.parametrize("hang", ["busy loop", "sleep", "catastrophic regex"])
def test_time_budget_stops_a_hanging_stage(monkeypatch, hang):
    def stuck(article):
        if hang == "busy loop":
            while True:
                pass
        elif hang == "sleep":
            time.sleep(60)
        else:
            re.match(r"(a+)+$", "a" * 64 + "b")
        return []

    monkeypatch.setattr(process, "extract_claims", stuck)
    started = time.monotonic()
    result = process_page(_page(), Limits(seconds=0.3))
    assert time.monotonic() - started < 5
    assert (result.status, result.reason) == ("rejected", "time budget exceeded (0.3 s)")
    assert result.article is None and result.claims == []


def test_time_budget_cannot_be_swallowed_by_except_exception(monkeypatch):
    def stubborn(article):
        while True:
            try:
                time.sleep(60)
            except Exception:  # a stage that catches everything still cannot outlive the budget
                pass

    monkeypatch.setattr(process, "extract_claims", stubborn)
    result = process_page(_page(), Limits(seconds=0.2))
    assert result.reason == "time budget exceeded (0.2 s)"


def test_after_a_timeout_the_next_page_is_processed_as_if_fresh(monkeypatch):
    fresh = process_page(_page())
    real = process.extract_claims

    def slow_once(article):
        monkeypatch.setattr(process, "extract_claims", real)
        time.sleep(60)

    monkeypatch.setattr(process, "extract_claims", slow_once)
    assert process_page(_page(name="slow.txt"), Limits(seconds=0.2)).status == "rejected"
    again = process_page(_page())
    assert again.status == "ok"
    assert [c.text for c in again.claims] == [c.text for c in fresh.claims]
    assert again.claim_segs == fresh.claim_segs


def test_time_budget_restores_the_previous_timer_and_handler():
    def outer(signum, frame):
        raise AssertionError("outer timer fired")

    previous = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with time_budget(5):
            assert signal.getsignal(signal.SIGALRM) is not outer
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is outer
        assert 90 < left <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_time_budget_outside_the_main_thread_uses_checkpoints(monkeypatch):
    def slow_but_finishing(article):
        time.sleep(0.5)
        return real(article)

    real = process.extract_claims
    monkeypatch.setattr(process, "extract_claims", slow_but_finishing)
    results = []
    thread = threading.Thread(target=lambda: results.append(process_page(_page(), Limits(seconds=0.2))))
    thread.start()
    thread.join(30)
    assert results[0].reason == "time budget exceeded (0.2 s)"


def test_deadline_check():
    with pytest.raises(TimeBudgetExceeded, match=r"time budget exceeded \(0\.01 s\)"):
        with time_budget(0.01) as deadline:
            time.sleep(0.05)
            deadline.check()


def test_time_budget_in_pool_workers(tmp_path, monkeypatch):
    """Workers of ``--workers 2`` enforce the budget in their own main thread."""
    from pipeline.ingest import ingest

    real = process.extract_claims

    def hang_on_trap(article):
        if "陷阱" in article.title:
            while True:
                pass
        return real(article)

    # Workers are forked after this, so they inherit both patches.
    monkeypatch.setattr(process, "extract_claims", hang_on_trap)
    monkeypatch.setattr(page_limits, "DEFAULT", Limits(seconds=2))
    sources = tmp_path / "sources"
    sources.mkdir()
    for i in range(6):
        title = "陷阱" if i == 2 else f"借呗逾期怎么办{i}"
        (sources / f"{i}.txt").write_text(f"{title}\n借呗逾期后会产生罚息，每日按万分之五计算，并可能上报征信{i}。", "utf-8")
    report = ingest([str(sources)], str(tmp_path / "kb.db"), workers=2, batch_size=3)
    assert report.counts["pages_ok"] == 5
    assert report.reasons == Counter({"rejected: time budget exceeded (2 s)": 1})


def test_limits_from_environment():
    assert Limits.from_env({}) == Limits()
    assert Limits.from_env({"ZHKB_MAX_PAGE_BYTES": "100", "ZHKB_PAGE_SECONDS": "0", "ZHKB_MAX_CLAIMS": "7"}) == \
        Limits(max_page_bytes=100, seconds=0.0, max_claims=7)


def test_no_time_budget_when_zero(monkeypatch):
    monkeypatch.setattr(process, "extract_claims", lambda article: time.sleep(0.3) or [])
    result = process_page(_page(), Limits(seconds=0))
    assert result.reason == "no claims: the article has no sentences that assert anything"


@pytest.mark.parametrize("text, expected", [
    ("plain 借呗", "plain 借呗"),
    ("name-\udcff\udcfe.txt", "name-\\xff\\xfe.txt"),
    ("lone \ud800 high", "lone \ufffd high"),
])
def test_storable_text(text, expected):
    assert storable_text(text) == expected
    expected.encode("utf-8")


def test_surrogates_from_json_text_and_file_names_are_stored(tmp_path):
    from pipeline.ingest import ingest

    sources = tmp_path / "sources"
    sources.mkdir()
    name = os.path.join(os.fsencode(sources), b"bad-\xff-name.txt")
    with open(name, "wb") as f:
        f.write("借呗逾期怎么办\n借呗逾期后会产生罚息，每日按万分之五计算，并可能上报征信。".encode())
    (sources / "lines.jsonl").write_text(json.dumps(
        {"url": "https://example.com/\udfff", "text": "借呗逾期怎么办\n借呗逾期后会产生罚息\ud800，每日按万分之五计算，并上报征信。"}) + "\n")
    db_path = tmp_path / "kb.db"
    report = ingest([str(sources)], str(db_path))
    assert report.counts["pages_ok"] == 2, report.summary()
    db = sqlite_utils.Database(db_path)
    paths = {r[0] for r in db.execute("select path from pages")}
    assert str(sources / "bad-\\xff-name.txt") in paths
    assert any("\ufffd" in r[0] for r in db.execute("select text from claims"))
    # A second run recognises the file by its stored name: nothing is read again.
    again = ingest([str(sources)], str(db_path))
    assert again.counts["files_unchanged"] == 2


def test_a_file_over_the_size_budget_is_never_read(tmp_path, monkeypatch):
    from pipeline.ingest import ingest

    sources = tmp_path / "sources"
    sources.mkdir()
    with open(sources / "sparse.html", "wb") as f:
        f.truncate(2**30)  # 1 GiB of nothing on disk: reading it would take seconds and a GiB
    (sources / "ok.txt").write_text("借呗逾期怎么办\n借呗逾期后会产生罚息，每日按万分之五计算，并可能上报征信。", "utf-8")
    started = time.monotonic()
    report = ingest([str(sources)], str(tmp_path / "kb.db"))
    assert time.monotonic() - started < 30
    assert report.counts["pages_ok"] == 1
    assert report.reasons == Counter({f"rejected: page too large ({2**30} bytes > {page_limits.MAX_PAGE_BYTES} limit)": 1})


def test_a_file_that_vanished_after_the_walk_is_recorded(tmp_path):
    from pipeline.read import SourceFile, read_file

    page = read_file(SourceFile(str(tmp_path / "gone.html"), 10, 1))
    result = process_page(page)
    assert (result.status, result.reason) == ("rejected", "unreadable file: No such file or directory")


def test_the_generator_is_deterministic_and_covers_every_family():
    first, second = hostile.generate(SEED, big=False), hostile.generate(SEED, big=False)
    assert [(c.fs_name, c.data) for c in first] == [(c.fs_name, c.data) for c in second]
    assert len(first) >= 1000 and len({c.fs_name for c in first}) == len(first)
    families = Counter(c.category for c in first)
    assert all(families[f] >= 10 for f in ("binary", "empty", "deep", "truncated", "mixed-encodings", "controls",
                                             "charset", "broken-html", "regex-stress", "no-chinese", "injection",
                                             "mutated", "odd-names", "good")), families
