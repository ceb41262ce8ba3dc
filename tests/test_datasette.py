"""The real Datasette server, in process, with our plugin installed via its entry point."""

from __future__ import annotations

import json
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
    # Every concept matched, in the claim or in its context (article title, section):
    # claims inherit their article's subject, so 罚息 under a 微粒贷罚息 headline counts.
    assert sum(any(w in t for w in ("罚息", "逾期费", "违约金")) for t in texts) >= len(texts) // 2


@pytest.mark.asyncio
async def test_canned_search_is_ranked_and_highlighted(ds):
    rows = await _get(ds, "/kb/search.json?q=微粒贷罚息&_shape=array")
    assert rows, "no results"
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert any("万分之五" in r["claim"] for r in rows[:10])
    assert "\ue000罚息\ue001" in rows[0]["claim"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


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
    assert rows == [{"q": '"微粒贷" AND ("罚息" OR "逾期费" OR "违约金")'}]


# ---------------------------------------------------------------- issue #6: the KB experience

import shutil  # noqa: E402
import sqlite3  # noqa: E402

import sqlite_utils  # noqa: E402

from pipeline import datasette_plugin  # noqa: E402
from pipeline.search import search  # noqa: E402


def test_packaged_metadata_is_kb_metadata():
    """pipeline/static/metadata.yml ships in the wheel; kb/metadata.yml is for -m and publish.
    Edit one, copy it over the other: cp kb/metadata.yml pipeline/static/metadata.yml"""
    assert (REPO / "kb" / "metadata.yml").read_text("utf-8") == datasette_plugin.METADATA.read_text("utf-8")


def test_metadata_describes_every_table_and_view(seed_kb):
    import yaml

    tables = yaml.safe_load((REPO / "kb" / "metadata.yml").read_text("utf-8"))["databases"]["kb"]["tables"]
    db = sqlite_utils.Database(seed_kb)
    names = [t for t in db.table_names() if "_fts" not in t] + db.view_names()
    for name in names:
        assert name in tables, f"metadata.yml: no entry for table {name}"
        columns = set(db[name].columns_dict)
        described = set(tables[name].get("columns", {}))
        assert columns <= described, f"metadata.yml: {name} lacks descriptions for {sorted(columns - described)}"
        for text in tables[name]["columns"].values():
            assert " · " in text, f"{name}: '{text}' should be 中文 · English"


@pytest.fixture(scope="module")
def ds_no_metadata(seed_kb, tmp_path_factory):
    """`datasette other-name.db` with no -m: the plugin supplies the metadata."""
    path = tmp_path_factory.mktemp("nometa") / "whatever.db"
    shutil.copy(seed_kb, path)
    return Datasette([], immutables=[str(path)], settings={"sql_time_limit_ms": 3000})


@pytest.mark.asyncio
async def test_without_metadata_flag_search_and_canned_queries_work(ds_no_metadata):
    rows = await _get(ds_no_metadata, "/whatever/claims.json?_search=微粒贷罚息&_shape=array")
    assert rows and any("万分之五" in r["text"] for r in rows)
    rows = await _get(ds_no_metadata, "/whatever/search.json?q=微粒贷罚息怎么算&_shape=array")
    assert rows and "\ue000" in rows[0]["claim"]
    info = await _get(ds_no_metadata, "/-/metadata.json")
    assert "whatever" in info["databases"]
    assert set(info["databases"]["whatever"]["queries"]) >= {
        "search", "claims_by_topic", "flagged_claims", "conflicts", "top_sources", "topics_by_month"}


@pytest.mark.asyncio
async def test_kb_search_sql_function_is_the_cli_ranking(ds, seed_kb):
    rows = await _get(ds, "/kb.json?sql=select+kb_search(:q,+5)+as+r&q=微粒贷可以协商延期吗&_shape=array")
    via_sql = [hit["claim_id"] for hit in json.loads(rows[0]["r"])]
    conn = sqlite3.connect(str(seed_kb))
    assert via_sql == [h["claim_id"] for h in search(conn, "微粒贷可以协商延期吗", limit=5).hits]


@pytest.mark.asyncio
async def test_search_page_shows_terms_and_note(ds):
    response = await ds.client.get("/kb/search?q=微粒贷罚息怎么算")
    assert response.status_code == 200
    assert 'id="zhkb-q"' in response.text and "检索词" in response.text
    assert "<strong>微粒贷</strong>" in response.text
    assert "<mark>" in response.text
    # the article title links to the article page
    assert 'href="/kb/articles/' in response.text


@pytest.mark.asyncio
async def test_article_page_lists_claims_in_order_with_source_link(ds, seed_kb):
    conn = sqlite3.connect(str(seed_kb))
    article_id, url = conn.execute("select id, url from articles where url is not null limit 1").fetchone()
    texts = [r[0] for r in conn.execute("select text from claims where article_id = ? order by seq", [article_id])]
    response = await ds.client.get(f"/kb/articles/{article_id}?q=罚息")
    assert response.status_code == 200
    html = response.text
    assert f'href="{url}"' in html
    positions = [html.find(str(markupsafe_escape(t.split("罚息")[0]))) for t in texts[:5]]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert "zhkb-topic" in html


def markupsafe_escape(text):
    from markupsafe import escape

    return escape(text)


@pytest.mark.asyncio
async def test_claim_row_links_back_to_its_article(ds, seed_kb):
    claim_id, title = sqlite3.connect(str(seed_kb)).execute(
        "select claims.id, articles.title from claims join articles on articles.id = claims.article_id limit 1"
    ).fetchone()
    article_id = claim_id.rsplit("-", 1)[0]
    for path in (f"/kb/claims/{claim_id}", f"/kb/claims?id={claim_id}"):  # row page, table page
        response = await ds.client.get(path)
        assert response.status_code == 200
        assert f'href="/kb/articles/{article_id}' in response.text and title in response.text


@pytest.mark.asyncio
async def test_topic_chart_is_inline_svg_without_scripts(ds):
    response = await ds.client.get("/kb/topics_by_month")
    assert response.status_code == 200
    assert response.text.count('<svg xmlns="http://www.w3.org/2000/svg" class="zhkb-chart"') == 2
    assert "cdn" not in response.text.lower()


@pytest.mark.parametrize("path", [
    "/kb/claims_browse.json?_facet=site&_facet=month&_facet=product&_facet=flagged&_facet_array=topics",
    "/kb/claims_by_topic.json?topic=interest", "/kb/flagged_claims.json", "/kb/conflicts.json",
    "/kb/top_sources.json", "/kb/topics_by_month.json",
])
@pytest.mark.asyncio
async def test_canned_queries_and_facets_run(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    assert response.json().get("ok", True) is not False


@pytest.mark.asyncio
async def test_facets_of_claims_browse(ds):
    data = await _get(ds, "/kb/claims_browse.json?_facet=product&_facet=month&_size=0")
    products = {f["value"] for f in data["facet_results"]["product"]["results"]}
    assert "微粒贷" in products
    assert all(len(f["value"]) == 7 for f in data["facet_results"]["month"]["results"] if f["value"])


def test_without_the_package_the_text_reads_normally(seed_kb):
    """A reader with plain sqlite3 or sqlite-utils sees ordinary text; only the *_seg
    shadow columns carry U+200B."""
    conn = sqlite3.connect(f"file:{seed_kb}?mode=ro", uri=True)
    for table, column in [("claims", "text"), ("articles", "title"), ("articles", "body")]:
        assert conn.execute(f"select count(*) from {table} where instr({column}, char(8203))").fetchone()[0] == 0
    assert conn.execute("select count(*) from claims where instr(text_seg, char(8203))").fetchone()[0] > 0
    row = sqlite_utils.Database(seed_kb).execute("select text, text_seg from claims limit 1").fetchone()
    assert row[1].replace("\u200b", "") == row[0]


@pytest.mark.asyncio
async def test_without_the_plugin_datasette_opens_the_file_but_cannot_search_chinese(seed_kb):
    """What a reader loses without our plugin (docs/search.md): the stock escape_fts
    quotes the whole unsegmented question as one token, so nothing is found."""
    from datasette.plugins import pm

    plugin = pm.get_plugin("zhkb") or datasette_plugin
    name = pm.get_name(plugin)
    pm.unregister(plugin)
    try:
        plain = Datasette([], immutables=[str(seed_kb)])
        response = await plain.client.get("/kb/claims.json?_search=微粒贷罚息&_shape=array")
        assert response.status_code == 200 and response.json() == []
        response = await plain.client.get("/kb/claims.json?_shape=array&_size=1")
        assert "\u200b" not in response.json()[0]["text"]
    finally:
        pm.register(plugin, name=name)


@pytest.mark.asyncio
async def test_claims_search_box_links_to_ranked_search(ds):
    response = await ds.client.get("/kb/claims?_search=微粒贷罚息")
    assert response.status_code == 200
    assert 'href="/kb/search?q=%E5%BE%AE' in response.text
