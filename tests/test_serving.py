"""Safe serving: read-only, time-limited, loopback-only, and scraped markup shown as text.

In process (``ds.client``) for what Datasette refuses and the headers it sends; a real
`datasette serve` subprocess for the loopback binding; headless Chromium for "an
injected ``<script>`` or ``onerror=`` in an article never runs".
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlite_utils
from datasette.app import Datasette

from browser_support import chromium, datasette_server, listening_addresses, loopback_only, stopping, free_port, \
    wait_until_up
from pipeline.security_headers import script_hash

REPO = Path(__file__).resolve().parents[1]

# A text dump whose article quotes markup: it must be stored and shown as text.
XSS_PAGE = """借呗逾期怎么办<script>window.__xss=3</script>
来源:测试网 时间:2024-03-01 08:00
借呗逾期后会产生罚息<script>window.__xss=1</script>，每日按万分之五计算，并可能上报征信。
微粒贷逾期超过九十天<img src=x onerror="window.__xss=2">，银行可能将账户移交催收机构处理。
信用卡逾期三期以上"><svg onload="window.__xss=4">，可能影响房贷和车贷的审批结果。
"""
SCRIPT_TEXT = "<script>window.__xss=1</script>"
ONERROR_TEXT = '<img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def xss_kb(tmp_path_factory) -> Path:
    from pipeline.ingest import ingest

    root = tmp_path_factory.mktemp("xsskb")
    sources = root / "sources"
    sources.mkdir()
    (sources / "xss.txt").write_text(XSS_PAGE, "utf-8")
    shutil.copy(REPO / "sources" / "000_56e66633d99debef.txt", sources)
    db = root / "kb.db"
    report = ingest([str(sources)], str(db))
    assert report.counts["pages_ok"] == 2, report.summary()
    return db


@pytest.fixture(scope="module")
def xss_ids(xss_kb) -> dict[str, str]:
    db = sqlite_utils.Database(xss_kb)
    claim = db.execute("select id, article_id from claims where text like ?", [f"%{SCRIPT_TEXT}%"]).fetchone()
    return {"claim": claim[0], "article": claim[1]}


@pytest.fixture(scope="module")
def ds(xss_kb):
    # Immutable, as `make serve` serves it (-i), with a short SQL time limit.
    return Datasette(immutables=[str(xss_kb)], settings={"sql_time_limit_ms": 300})


def _counts(db_path) -> dict[str, int]:
    db = sqlite_utils.Database(db_path)
    return {name: db[name].count for name in ("pages", "claims", "topics", "articles")}


# --- read-only -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("sql", [
    "insert into topics (id) values ('x')",
    "with t as (select 1) insert into topics (id) select 'x' from t",
    "select 1; delete from pages",
    "delete from pages",
    "update claims set text = 'x'",
    "drop table pages",
    "attach database '/tmp/other.db' as other",
    "pragma writable_schema = 1",
    "vacuum into '/tmp/copy.db'",
    "select load_extension('/tmp/evil')",
    "insert into claims_fts (claims_fts) values ('delete-all')",
])
async def test_sql_that_writes_is_refused(ds, xss_kb, sql):
    before = _counts(xss_kb)
    response = await ds.client.get("/kb.json?sql=" + quote(sql))
    assert response.status_code == 400, response.text
    assert response.json()["ok"] is False
    assert _counts(xss_kb) == before


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/-/insert", "/kb/-/create", "/kb/pages/-/insert", "/kb/pages/-/upsert",
                                  "/kb/pages/-/drop", "/kb/claims/-/delete", "/kb", "/kb/claims", "/kb/search"])
async def test_there_is_no_write_endpoint(ds, xss_kb, path):
    before = _counts(xss_kb)
    response = await ds.client.post(path, data={"sql": "delete from pages", "row": "{}"})
    # 404/405 — and a 500 from Datasette 0.65 for POST to a read-only canned query.
    assert response.status_code >= 400
    assert _counts(xss_kb) == before


def test_no_canned_query_writes():
    for metadata in (REPO / "kb" / "metadata.yml", REPO / "pipeline" / "static" / "metadata.yml"):
        if metadata.exists():
            assert not re.search(r"^\s*write:\s*true", metadata.read_text("utf-8"), re.MULTILINE), metadata


@pytest.mark.asyncio
async def test_runaway_query_hits_the_time_limit(ds):
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = await ds.client.get("/kb.json?sql=" + quote(sql))
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]


@pytest.mark.asyncio
async def test_the_database_is_opened_immutable(ds):
    response = await ds.client.get("/-/databases.json")
    kb = next(d for d in response.json() if d["name"] == "kb")
    assert kb["is_mutable"] is False


# --- headers -------------------------------------------------------------------------


INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/kb", "/kb/claims", "/kb/claims.json", "/kb/search?q=罚息",
                                  "/kb.json?sql=select+1", "/-/static/app.css", "/no-such-page"])
async def test_security_headers_on_every_response(ds, path):
    response = await ds.client.get(path)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] in ("no-referrer", "same-origin")
    csp = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/kb", "/kb/claims", "/kb/articles", "/kb/search?q=罚息",
                                  "/kb?sql=select+1", "/kb/claims?_search=罚息", "/kb/page_status"])
async def test_csp_allows_every_inline_script_datasette_renders(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    for script in INLINE_SCRIPT.findall(response.text):
        assert script_hash(script) in csp, f"inline script on {path} would be blocked: {script[:80]!r}"


# --- scraped markup is text ----------------------------------------------------------


@pytest.mark.asyncio
async def test_markup_in_claims_is_escaped_in_html(ds, xss_ids):
    for path in (f"/kb/claims/{xss_ids['claim']}", f"/kb/articles/{xss_ids['article']}",
                 "/kb/claims?_search=" + quote("罚息"), "/kb/search?q=" + quote("罚息")):
        html = (await ds.client.get(path)).text
        assert SCRIPT_TEXT not in html and ONERROR_TEXT not in html, path
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html, path


# --- the real server ------------------------------------------------------------------


def make_serve_command(**variables: str) -> list[str]:
    """The command ``make serve`` runs (dry run, without re-installing), as argv."""
    proc = subprocess.run(["make", "-n", "-o", "install", "serve", *(f"{k}={v}" for k, v in variables.items())],
                          cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"make -n serve failed: {proc.stderr}")
    lines = proc.stdout.replace("\\\n", " ").splitlines()
    return shlex.split(next(line for line in lines if " serve " in line))


def test_make_serve_is_read_only_time_limited_and_loopback():
    command = make_serve_command(DB="kb/some.db")
    assert command[1] == "serve"
    assert command[command.index("-i") + 1] == "kb/some.db"
    assert command[command.index("-h") + 1] == "127.0.0.1"
    settings = {command[i + 1]: command[i + 2] for i, arg in enumerate(command) if arg == "--setting"}
    assert 0 < int(settings["sql_time_limit_ms"]) <= 5000


def test_served_only_on_loopback(xss_kb):
    port = free_port()
    # The Makefile's command, with this interpreter's datasette.
    command = [sys.executable, "-m", "datasette", *make_serve_command(DB=str(xss_kb), PORT=str(port))[1:]]
    with stopping(subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)) as server:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        assert listening_addresses(port) == {"127.0.0.1"}


@pytest.mark.browser
def test_injected_markup_never_runs_in_a_browser(xss_kb, xss_ids):
    with chromium() as browser, datasette_server(xss_kb) as base:
        page = browser.new_page()
        outside = loopback_only(page, base)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.add_init_script("window.__xss = undefined;")
        both = (SCRIPT_TEXT, ONERROR_TEXT)
        for path, shown in ((f"/kb/claims/{xss_ids['claim']}", (SCRIPT_TEXT,)),
                            (f"/kb/articles/{xss_ids['article']}", both),
                            ("/kb/claims?_search=" + quote("罚息"), (SCRIPT_TEXT,)),
                            ("/kb/search?q=" + quote("罚息"), (SCRIPT_TEXT,)),
                            ("/kb/search?q=" + quote("微粒贷催收"), (ONERROR_TEXT,)),
                            ("/kb/claims", both), ("/kb/articles", (SCRIPT_TEXT,))):
            page.goto(base + path)
            page.wait_for_load_state("load")
            assert page.evaluate("typeof window.__xss") == "undefined", path
            text = page.inner_text("body")
            for literal in shown:
                assert literal in text, (path, literal)
        assert outside == []
        page.close()
        # Datasette's own pages still run their scripts under the CSP.
        page = browser.new_page()
        loopback_only(page, base)
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        for path in ("/", "/kb", "/kb/claims", "/kb?sql=select+1"):
            page.goto(base + path)
            page.wait_for_load_state("load")
        assert page.evaluate("typeof CodeMirror") == "function"  # the SQL editor loaded
        assert violations == []
        page.close()
