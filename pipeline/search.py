"""Search: Chinese questions → FTS5 queries over the segmented shadow columns.

One implementation behind the CLI (``python -m pipeline search``), the Datasette
plugin's SQL functions (``jieba_query()``, the replaced ``escape_fts()``) and the
canned search query, so every entry point ranks the same way.

    >>> query_terms("微粒贷罚息怎么算？")
    ['微粒贷', '罚息']
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass, field

from .segment import WORD_JOINER, get_segmenter

# Words that carry the question, not its subject: dropped from the FTS query.
QUESTION_WORDS = frozenset("""
吗 呢 吧 啊 呀 么 嘛 哦 了 的 地 得 着 过 是 是不是 有没有 会不会 能不能 可不可以 要不要
怎么 怎么办 怎么样 怎样 如何 什么 为什么 为何 多少 多久 多长时间 哪些 哪里 哪个 几 几天
会 能 可以 可 要 需要 应该 该 请问 我 你 他 她 我们 自己 一下 一个 这个 那个 这 那 有 没有 和 与 及 或 还是 就 都 也 还
""".split())

HIGHLIGHT_START = "\ue000"  # private-use marks: the plugin turns them into <mark> after escaping
HIGHLIGHT_END = "\ue001"


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def query_terms(query: str) -> list[str]:
    """Content words of a natural-language query, in order, de-duplicated."""
    text = to_simplified(query.replace(WORD_JOINER, ""))
    seen: list[str] = []
    for word in get_segmenter().cut(text):
        word = word.strip()
        if not word or not any(ch.isalnum() for ch in word) or word in QUESTION_WORDS:
            continue
        if word not in seen:
            seen.append(word)
    return seen


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(query: str, operator: str = "OR") -> str:
    """An FTS5 MATCH expression for ``query``: its content words joined by ``operator``.

    Returns an expression that matches nothing (``""``-free) when no words remain.
    """
    terms = query_terms(query)
    if not terms:
        return '""'
    return f" {operator} ".join(_quote(t) for t in terms)


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[dict] = field(default_factory=list)
    note: str | None = None

    def as_dict(self) -> dict:
        return {"query": self.query, "terms": self.terms, "note": self.note, "results": self.hits}


SEARCH_SQL = f"""
select claims.id as claim_id, claims.article_id, claims.text, claims.topics, claims.section,
       articles.title, articles.url,
       bm25(claims_fts, 1.0, 0.4) as rank,
       highlight(claims_fts, 0, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}') as highlighted
from claims_fts
join claims on claims.rowid = claims_fts.rowid
join articles on articles.id = claims.article_id
where claims_fts match :match
order by rank
limit :limit
"""


def search(conn: sqlite3.Connection, query: str, limit: int = 10) -> SearchResult:
    """Claims matching ``query`` ranked by bm25, best first."""
    terms = query_terms(query)
    result = SearchResult(query=query, terms=terms)
    if not terms:
        result.note = "no searchable words in the query"
        return result
    cursor = conn.execute(SEARCH_SQL, {"match": fts_query(query), "limit": limit})
    columns = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        hit = dict(zip(columns, row))
        hit["highlighted"] = hit["highlighted"].replace(WORD_JOINER, "")
        hit["score"] = round(-hit.pop("rank"), 4)
        result.hits.append(hit)
    return result
