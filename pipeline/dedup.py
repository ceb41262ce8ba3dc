"""Near-duplicates: MinHash signatures, an LSH index kept in the KB, and clusters.

Content farms republish the same article many times, often "spun": words swapped for
synonyms (难题 for 问题, 熟悉 for 了解, 作用 for 影响). Counting each copy as a source
would make a claim look widely supported when one writer said it. So:

    body_seg (already segmented) ─► content words, synonyms folded to one form
      ─► word shingles ─► MinHash signature (computed per page, in the worker)
      ─► LSH bands stored in the KB (``article_lsh``) ─► candidate pairs
      ─► estimated Jaccard ≥ threshold = an edge ─► connected components = clusters

``articles.cluster`` is the cluster's representative (the earliest published
article, then the smallest id) for every member, including the representative
itself; ``articles.dup_of`` is the representative for every *other* member and NULL
for the representative and for articles without copies. Components do not depend on
the order articles arrive, so the KB is the same whether built in one run, page by
page, or with any number of workers.

Incremental: adding or deleting articles marks them dirty (``dedup_dirty``);
:func:`refresh_clusters` looks up only their LSH buckets and re-walks only the
clusters they touch, so adding one page to a 100k-article KB costs a few queries.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

NUM_PERM = 128
SHINGLE = 2  # words per shingle
THRESHOLD = 0.45  # estimated Jaccard of shingle sets at or above which two articles are copies
# 32 bands of 4 rows: a pair at similarity 0.6 is a candidate with probability 0.99,
# at 0.45 with 0.74 (clusters are connected through their other copies too), at 0.1
# with 0.003 — so a new article meets few candidates even in a large KB.
BANDS, ROWS = 32, 4
MIN_SHINGLES = 8  # shorter texts get no signature: too little text to call anything a copy
PARAMS_VERSION = f"v2-crc32-{NUM_PERM}-{SHINGLE}-{THRESHOLD}-{BANDS}x{ROWS}"

# Synonym groups spinners swap between (伪原创 tools); every word maps to the group's
# first word, so a spun copy shingles like its original. Only words interchangeable in
# this genre: folding removes the word-choice noise a spinner adds, and barely moves two
# different articles (same-topic median similarity 0.10 → 0.11, bench/dedup_quality.py).
SPIN_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("问题", "难题", "疑问", "疑难"),
    ("了解", "熟悉", "知道", "理解"),
    ("影响", "作用"),
    ("用户", "客户", "使用者", "借款者", "消费者"),
    ("因此", "于是", "所以", "故此", "因而"),
    ("重要", "关键", "要紧", "紧要"),
    ("处理", "应对", "解决", "化解"),
    ("可能", "也许", "或许", "有可能", "大概"),
    ("需要", "须要", "需", "须"),
    ("进行", "实施", "开展", "执行"),
    ("方式", "形式", "办法", "方法", "途径"),
    ("情况", "情形", "状况", "状态"),
    ("如果", "倘若", "假如", "若是", "要是", "假若"),
    ("但是", "不过", "然而", "可是"),
    ("非常", "十分", "极其", "特别", "格外"),
    ("导致", "引起", "造成", "引发"),
    ("帮助", "协助", "帮忙", "援助"),
    ("目前", "当前", "现在", "眼下", "现阶段"),
    ("已经", "早已", "已然"),
    ("避免", "防止", "防范", "规避"),
    ("降低", "减少", "减低", "减轻"),
    ("增加", "增添", "添加", "提升"),
    ("可以", "能够", "可", "能"),
    ("选择", "挑选", "选用"),
    ("注意", "留意", "关注", "重视"),
    ("出现", "发生", "产生"),
    ("提供", "供给", "给予"),
    ("详细", "具体", "详尽"),
    ("迅速", "快速", "尽快", "尽早", "及时"),
    ("主动", "积极"),
    ("沟通", "交流", "联系"),
    ("建议", "倡议", "提议"),
    ("严重", "严峻"),
    ("后果", "结果"),
    ("金额", "数额"),
    ("偿还", "归还", "还清"),
    ("许多", "很多", "众多", "不少"),
    ("一般", "通常", "往往", "一般来说"),
)

# Function words dropped before shingling: spinners add and remove them freely.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 而 并 将 会 对 从 把 被 让 给 向 于 以 其 之 这 那 这些 那些 "
    "一个 一种 一些 些 个 中 上 下 等 着 过 还 又 再 很 更 最 则 即 所 如 为 为了 因为 由于 而且 并且 "
    "以及 如何 怎么 怎样 什么 哪些 吗 呢 吧 啊 呀 我们 你 您 我 他 她 它 他们 大家 自己 本文".split()
)


@lru_cache(maxsize=1)
def _canonical() -> dict[str, str]:
    return {word: group[0] for group in SPIN_SYNONYMS for word in group}


# token → its folded form, or "" for a token that carries no content (cached: the
# vocabulary is small, the token stream long).
_FOLDED: dict[str, str] = {}


def _fold(token: str) -> str:
    folded = _FOLDED.get(token)
    if folded is None:
        word = token.strip()
        if not word or word in STOPWORDS or not any(ch.isalnum() for ch in word):
            folded = ""
        else:
            folded = _canonical().get(word, word)
        if len(_FOLDED) < 200_000:
            _FOLDED[token] = folded
    return folded


def content_words(tokens: Iterable[str]) -> list[str]:
    """Words that carry content, synonyms folded: ``['微粒贷', '逾期', '问题']``."""
    return [w for w in map(_fold, tokens) if w]


def shingles(words: Sequence[str], k: int | None = None) -> set[bytes]:
    """The set of ``k``-word shingles (default :data:`SHINGLE`) of ``words``, as bytes."""
    k = k or SHINGLE
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


def signature(segmented_body: str, separator: str = "\u200b") -> bytes | None:
    """MinHash signature of a segmented body (``PageResult.body_seg``), or None if too short.

    A pure function of the text, so it runs in the worker next to :func:`process_page`.
    """
    grams = shingles(content_words(segmented_body.split(separator)))
    if len(grams) < MIN_SHINGLES:
        return None
    return minhash_values(grams).tobytes()


# datasketch's MinHash with scheme="affine32", seed=1 and hashfunc=zlib.crc32, reproduced
# with numpy alone: importing datasketch pulls in scipy (0.4 s), which adding one page
# to the KB should not pay. tests/test_dedup.py checks the values equal datasketch's.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3's 32-bit finalizer


@lru_cache(maxsize=1)
def _permutations():
    import numpy as np

    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def minhash_values(grams: Iterable[bytes]):
    """The MinHash values (numpy uint32, NUM_PERM of them) of a set of shingles."""
    import numpy as np

    a, b = _permutations()
    hv = np.array([zlib.crc32(g) for g in grams], dtype=np.uint32).reshape(-1, 1)
    s1, m1, s2, m2, s3 = (np.uint32(x) for x in _FMIX32)
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s3)
    return (hv * a + b).min(axis=0)  # uint32 arithmetic wraps: the affine map mod 2**32


def claim_key(claim_seg: str, separator: str = "\u200b") -> str:
    """Key shared by claims that say the same thing in other words (``claims.text_key``).

    The content words of the segmented claim, spinner synonyms folded; punctuation and
    function words ignored.
    """
    words = " ".join(content_words(claim_seg.split(separator)))
    return hashlib.blake2b(words.encode(), digest_size=8).hexdigest()


@dataclass
class PageDedup:
    """What dedup derives from one page, computed in the worker next to process_page."""

    signature: bytes | None
    claim_keys: list[str]


def page_dedup(body_seg: str, claim_segs: Sequence[str]) -> PageDedup:
    return PageDedup(signature(body_seg), [claim_key(seg) for seg in claim_segs])


def _values(sig: bytes) -> array:
    values = array("I")
    values.frombytes(sig)
    return values


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    va, vb = _values(a), _values(b)
    return sum(x == y for x, y in zip(va, vb)) / len(va)


def lsh_params() -> tuple[int, int]:
    """(bands, rows per band): two articles become candidates if any band matches."""
    return BANDS, ROWS


def band_keys(sig: bytes) -> list[tuple[int, int]]:
    """(band, bucket key) for each LSH band; a signed 64-bit key fits an SQLite integer."""
    bands, rows = lsh_params()
    out = []
    for band in range(bands):
        chunk = sig[band * rows * 4:(band + 1) * rows * 4]
        key = int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big", signed=True)
        out.append((band, key))
    return out


# --- the index and clusters in the KB --------------------------------------------------

SCHEMA = """
create table if not exists article_minhash (article_id text primary key, signature blob);
create table if not exists article_lsh (band integer, key integer, article_id text);
create index if not exists article_lsh_bucket on article_lsh (band, key);
create index if not exists article_lsh_article on article_lsh (article_id);
create table if not exists dedup_dirty (article_id text primary key);
create table if not exists text_clusters (
    text_key text primary key, text text, mentions integer, articles integer, independent_sources integer);
create index if not exists text_clusters_sources on text_clusters (independent_sources);
create table if not exists text_keys_dirty (text_key text primary key);
"""


def ensure_schema(db) -> None:
    """Create the index tables; (re)build signatures that are missing or from other parameters."""
    if db.execute("select 1 from sqlite_master where type = 'view' and name = 'text_clusters'").fetchone():
        db.execute("drop view text_clusters")  # it was a view before it became a table
    db.conn.executescript(SCHEMA)
    row = db.execute("select value from kb_state where key = 'dedup_params'").fetchone()
    if row and row[0] == PARAMS_VERSION:
        if not db.execute("select 1 from kb_state where key = 'text_clusters'").fetchone():
            with db.conn:  # a KB from before text_clusters was a table
                refresh_text_clusters(db, None)
        return
    # First use on this KB, or signatures from other parameters (not comparable):
    # rebuild from the stored segmented bodies — no re-processing of pages needed.
    with db.conn:
        # Articles written by an interrupted run still need their other cross-article
        # steps (conflicts) at the next finalize: keep them marked.
        pending = db.execute("select article_id from dedup_dirty").fetchall()
        db.execute("delete from article_lsh")
        db.execute("delete from article_minhash")
        for aid, body_seg in db.execute("select id, body_seg from articles order by id").fetchall():
            index_article(db, aid, signature(body_seg or ""))
        db.execute("insert or replace into kb_state (key, value) values ('dedup_params', ?)", [PARAMS_VERSION])
        refresh_clusters(db)
        refresh_text_clusters(db, None)
        db.conn.executemany("insert or ignore into dedup_dirty (article_id) values (?)", pending)


def index_article(db, article_id: str, sig: bytes | None) -> None:
    """Store ``sig`` and its LSH buckets; mark the article for re-clustering. In a transaction."""
    unindex_article(db, article_id)
    db.execute("insert or ignore into dedup_dirty (article_id) values (?)", [article_id])
    if sig is None:
        return
    db.execute("insert into article_minhash (article_id, signature) values (?, ?)", [article_id, sig])
    db.conn.executemany("insert into article_lsh (band, key, article_id) values (?, ?, ?)",
                        [(band, key, article_id) for band, key in band_keys(sig)])


def unindex_article(db, article_id: str) -> None:
    """Forget an article's signature; its cluster-mates are re-clustered at the next refresh."""
    db.execute("""insert or ignore into dedup_dirty (article_id)
                  select id from articles where cluster = (select cluster from articles where id = ?)""",
               [article_id])
    db.execute("insert or ignore into dedup_dirty (article_id) values (?)", [article_id])
    db.execute("delete from article_lsh where article_id = ?", [article_id])
    db.execute("delete from article_minhash where article_id = ?", [article_id])


def _signature_of(db, article_id: str) -> bytes | None:
    row = db.execute("select signature from article_minhash where article_id = ?", [article_id]).fetchone()
    return row[0] if row else None


def neighbours(db, article_id: str, sig: bytes | None = None) -> list[str]:
    """Articles whose estimated similarity to ``article_id`` is at least THRESHOLD."""
    sig = sig if sig is not None else _signature_of(db, article_id)
    if sig is None:
        return []
    # Articles sharing any band bucket, with their signatures: one indexed query.
    candidates = db.execute("""
        select distinct other.article_id, article_minhash.signature
        from article_lsh as mine
        join article_lsh as other on other.band = mine.band and other.key = mine.key
        join article_minhash on article_minhash.article_id = other.article_id
        where mine.article_id = ? and other.article_id != ?
        order by other.article_id""", [article_id, article_id]).fetchall()
    if not candidates:
        return []
    import numpy as np

    mine = np.frombuffer(sig, dtype=np.uint32)
    others = np.frombuffer(b"".join(other_sig for _, other_sig in candidates), dtype=np.uint32)
    agree = (others.reshape(len(candidates), -1) == mine).sum(axis=1)
    return [other for (other, _), n in zip(candidates, agree.tolist()) if n / len(mine) >= THRESHOLD]


def forget_claims(db, article_id: str) -> None:
    """Before an article's claims are deleted: their text keys need recounting."""
    db.execute("insert or ignore into text_keys_dirty select text_key from claims "
               "where article_id = ? and text_key is not null", [article_id])


def refresh_text_clusters(db, articles: set[str] | None) -> None:
    """Recount ``text_clusters`` rows for the claims of ``articles`` (None: all) and dirty keys.

    One row per claim text key: ``mentions`` (claims), ``articles``, and
    ``independent_sources`` — distinct near-duplicate clusters. A table kept up to date
    here rather than a view: grouping every claim on each query takes seconds at 10k
    articles; a refresh touches only the keys of changed or re-clustered articles.
    Call inside a transaction.
    """
    counts = """select claims.text_key, min(claims.text), count(*), count(distinct claims.article_id),
                       count(distinct coalesce(articles.cluster, articles.id))
                from claims join articles on articles.id = claims.article_id
                where claims.text_key is not null {where} group by claims.text_key"""
    if articles is None:
        db.execute("delete from text_clusters")
        db.execute("insert into text_clusters " + counts.format(where=""))
    else:
        db.execute("create temp table if not exists _text_keys (text_key text primary key)")
        db.execute("delete from _text_keys")
        db.execute("insert or ignore into _text_keys select text_key from text_keys_dirty")
        ids = sorted(articles)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            db.execute("insert or ignore into _text_keys select text_key from claims where text_key is not null "
                       f"and article_id in ({','.join('?' * len(chunk))})", chunk)
        db.execute("delete from text_clusters where text_key in (select text_key from _text_keys)")
        db.execute("insert into text_clusters "
                   + counts.format(where="and claims.text_key in (select text_key from _text_keys)"))
    db.execute("delete from text_keys_dirty")
    db.execute("insert or replace into kb_state (key, value) values ('text_clusters', '1')")


def refresh_clusters(db) -> set[str]:
    """Re-cluster the dirty articles and everything connected to them; returns the articles updated.

    Call inside a transaction. Walks the similarity graph from each dirty article (and
    from the old cluster-mates of changed or deleted ones), so the result is the
    connected components of the whole graph, however the KB was built.
    """
    dirty = [r[0] for r in db.execute("select article_id from dedup_dirty order by article_id")]
    if not dirty:
        return set()
    seeds = {aid for (aid,) in db.execute(
        "select id from articles where id in (select article_id from dedup_dirty)")}
    done: set[str] = set()
    for seed in sorted(seeds):
        if seed in done:
            continue
        component, frontier = {seed}, [seed]
        while frontier:
            node = frontier.pop()
            for other in neighbours(db, node):
                if other not in component:
                    component.add(other)
                    frontier.append(other)
        done |= component
        members = sorted(component)
        rows = []
        for chunk in range(0, len(members), 500):
            part = members[chunk:chunk + 500]
            rows += db.execute(
                f"select id, published_at from articles where id in ({','.join('?' * len(part))})", part
            ).fetchall()
        # Earliest published first (undated last), then smallest id: deterministic.
        representative = min(rows, key=lambda r: (r[1] is None, r[1] or "", r[0]))[0]
        single = len(members) == 1
        db.conn.executemany(  # only rows that change: every write costs, at 100k articles too
            "update articles set cluster = ?1, dup_of = ?2 where id = ?3 and (cluster is not ?1 or dup_of is not ?2)",
            [(representative, None if (single or aid == representative) else representative, aid)
             for aid in members],
        )
    db.execute("delete from dedup_dirty")
    return done
