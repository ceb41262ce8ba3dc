"""The bundled seed page end to end: the must-shows of issue #2."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

SEED_URL = "http://www.tsxnews.com.cn/2024falv/yqdongtai/641723.html"
HEADINGS = [
    "微粒贷逾期协商延期的可能性",
    "微粒贷逾期后的利息与费用计算",
    "微粒贷逾期后的信用影响与修复策略",
    "微粒贷逾期的法律风险与应对措施",
    "微粒贷逾期的全面应对",
]


@pytest.fixture(scope="module")
def db(seed_kb):
    return sqlite_utils.Database(seed_kb)


@pytest.fixture(scope="module")
def seed_article(db):
    rows = list(db.query("select articles.* from articles join pages on pages.id = articles.page_id "
                         "where pages.path like '%000_56e66633d99debef.txt'"))
    assert len(rows) == 1
    return rows[0]


def test_seed_metadata(seed_article):
    assert seed_article["title"] == "微粒贷逾期能协商延期吗如何处理"
    assert seed_article["source"] == "逾期动态-合作伙伴"
    assert seed_article["published_at"].startswith("2025-04-11T09:31:47")
    assert seed_article["published_at"] in ("2025-04-11T09:31:47", "2025-04-11T09:31:47+08:00")
    assert seed_article["url"] == SEED_URL
    assert seed_article["site"] == "www.tsxnews.com.cn"


def test_seed_body_bounds(seed_article):
    body = seed_article["body"]
    assert body.startswith("在当今社会")
    assert body.endswith("双赢局面。")


@pytest.mark.parametrize("boilerplate", [
    "精彩评论", "上一篇", "下一篇", "版权与免责声明", "新媒体", "社会新闻",
    "中国天然氧吧", "嘉鱼县官桥八组", "本文链接", "编辑:", "银泉大道",
])
def test_seed_body_has_no_boilerplate(seed_article, boilerplate):
    assert boilerplate not in seed_article["body"]


def test_seed_sections_are_claim_sections(db, seed_article):
    sections = [r["section"] for r in db.query(
        "select distinct section from claims where article_id = ? and section is not null order by seq",
        [seed_article["id"]])]
    assert sections == HEADINGS
    headings_as_claims = list(db.query(
        f"select text from claims where text in ({','.join('?' * len(HEADINGS))})", HEADINGS))
    assert headings_as_claims == []


def test_claim_offsets_index_the_body(db):
    bad = list(db.query("""
        select claims.id from claims join articles on articles.id = claims.article_id
        where substr(articles.body, claims.char_start + 1, claims.char_end - claims.char_start) != claims.text
    """))
    assert bad == []


@pytest.mark.parametrize("not_a_claim", [
    "那么微粒贷逾期是不是可以协商延期?",
    "本文将从多个角度探讨微粒贷逾期的解决方案,为客户提供实用的建议和指导。",
])
def test_questions_and_filler_are_not_claims(db, seed_article, not_a_claim):
    assert seed_article["body"].count(not_a_claim) == 1
    assert list(db.query("select id from claims where text = ?", [not_a_claim])) == []


@pytest.mark.parametrize("fragment, topic", [
    ("罚息则以每日万分之五", "interest"),
    ("逾期记录会在信用报告中保留五年", "credit"),
    ("《合同法》", "legal"),
    ("客户需主动联系微粒贷客服", "deferral"),
])
def test_seed_claim_topics(db, seed_article, fragment, topic):
    rows = list(db.query("select topics from claims where article_id = ? and text like ?",
                         [seed_article["id"], f"%{fragment}%"]))
    assert len(rows) == 1
    assert topic in json.loads(rows[0]["topics"])


def test_every_claim_has_a_score_per_topic(db):
    per_claim = {r["n"] for r in db.query("select count(*) as n from claim_topics group by claim_id")}
    assert per_claim == {4}
