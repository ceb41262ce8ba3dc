"""The real Datasette server, in process, with our plugin installed via its entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasette.app import Datasette

from pipeline.datasette_plugin import render_highlight

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ds(seed_kb):
    import yaml

    metadata = yaml.safe_load((REPO / "kb" / "metadata.yml").read_text("utf-8"))
    # The fixture KB file is called kb.db, so the database name matches metadata.yml.
    return Datasette([str(seed_kb)], immutables=[], metadata=metadata,
                     settings={"sql_time_limit_ms": 3000})


@pytest.mark.asyncio
async def test_plugin_is_installed(ds):
    response = await ds.client.get("/-/plugins.json")
    plugins = {p["name"]: p for p in response.json()}
    assert {"prepare_connection", "render_cell"} <= set(plugins["zh-finance-kb"]["hooks"])


async def _get(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.asyncio
async def test_table_search_box_handles_unsegmented_query(ds):
    rows = await _get(ds, "/kb/claims.json?_search=微粒贷罚息&_shape=array")
    texts = [r["text"] for r in rows]
    assert any("万分之五" in t for t in texts)
    assert all("罚息" in t for t in texts)


@pytest.mark.asyncio
async def test_canned_search_is_ranked_and_highlighted(ds):
    rows = await _get(ds, "/kb/search.json?q=微粒贷罚息&_shape=array")
    assert rows, "no results"
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert any("万分之五" in r["highlighted"] for r in rows[:5])
    assert "\ue000罚息\ue001" in rows[0]["highlighted"].replace("\u200b", "")


@pytest.mark.asyncio
async def test_canned_search_page_renders_mark_tags(ds):
    response = await ds.client.get("/kb/search?q=微粒贷罚息")
    assert response.status_code == 200
    assert "<mark>罚息</mark>" in response.text


@pytest.mark.parametrize("value, expected", [
    ("a\ue000罚息\ue001b", "a<mark>罚息</mark>b"),
    ("<script>x</script>\ue000罚息\ue001", "&lt;script&gt;x&lt;/script&gt;<mark>罚息</mark>"),
    ("no marks", None),
    (42, None),
])
def test_render_highlight(value, expected):
    result = render_highlight(value)
    assert (None if result is None else str(result)) == expected


@pytest.mark.asyncio
async def test_escape_fts_is_replaced(ds):
    rows = await _get(ds, "/kb.json?sql=select+escape_fts(:q)+as+q&q=微粒贷罚息&_shape=array")
    assert rows == [{"q": '"微粒贷" AND "罚息"'}]
