"""A person's view: a real `datasette serve` over a KB, driven by headless Chromium.

Needs Debian's chromium (/usr/bin/chromium; .ci/run installs it) and the python
package playwright (the `test` extra); never `playwright install`. Skipped, with
the reason, when either is missing. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import chromium, datasette_server, loopback_only

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
QUESTION = "借呗逾期一天会怎么样"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`datasette serve` on a free loopback port over a KB built here; no -m (the
    plugin supplies the metadata), immutable, as `make serve` runs it."""
    from pipeline.ingest import ingest

    db = tmp_path_factory.mktemp("browserkb") / "kb.db"
    ingest([str(REPO / "sources")], str(db))
    with datasette_server(db) as base:
        yield base


@pytest.fixture
def page(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    # No CDN scripts, fonts or beacons: the machine has no internet at test time.
    outside = loopback_only(page, server)
    yield page
    page.close()
    assert not outside, f"the page tried to load from outside: {outside}"


def _screenshot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def test_search_page_finds_and_highlights_an_unsegmented_question(page, server):
    page.goto(server + "/kb/search")
    page.fill("#zhkb-q", QUESTION)
    page.press("#zhkb-q", "Enter")
    page.wait_for_selector("table.rows-and-columns mark")
    marks = page.locator("table.rows-and-columns td.col-claim mark").all_inner_texts()
    assert "借呗" in marks and "逾期" in marks
    first = page.locator("table.rows-and-columns td.col-claim").first.inner_text()
    assert "借呗" in first and "逾期" in first
    assert "借呗 / 逾期 / 一天" in page.locator(".zhkb-terms").inner_text()
    assert _screenshot(page, "search.png").stat().st_size > 10_000
    _screenshot(page, "search-full.png", full_page=True)


def test_traditional_question_on_the_table_search_box(page, server):
    page.goto(server + "/kb/claims")
    page.fill("input#_search", "借唄逾期一天會怎麼樣")
    page.press("input#_search", "Enter")
    page.wait_for_selector("table.rows-and-columns tbody tr")
    rows = page.locator("table.rows-and-columns td.col-text").all_inner_texts()
    # All words matched, in the claim or its article title/section (primary-key order).
    assert any("借呗逾期一天" in r for r in rows)
    _screenshot(page, "table-search.png")


def test_article_page_lists_claims_in_order_with_topics(page, server):
    page.goto(server + "/kb/search?q=" + QUESTION)
    page.locator("table.rows-and-columns td.col-article a").first.click()
    page.wait_for_selector("ol.zhkb-claims li")
    items = page.locator("ol.zhkb-claims li")
    assert items.count() >= 5
    assert page.locator(".zhkb-topic").count() > 0
    assert page.locator("a:has-text('原文')").count() == 1
    _screenshot(page, "article.png")


def test_topic_chart_renders_inline_svg(page, server):
    page.goto(server + "/kb/topics_by_month")
    page.wait_for_selector("svg.zhkb-chart rect")
    assert page.locator("svg.zhkb-chart").count() == 2
    _screenshot(page, "chart.png", full_page=True)
