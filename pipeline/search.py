"""Search: Chinese questions → ranked claims.

One implementation behind the CLI (``python -m pipeline search``), the Datasette
plugin (the ``kb_search()`` SQL function behind the canned ``search`` page and the
replaced ``escape_fts()`` behind every table search box), so every entry point
understands a question the same way.

How a question becomes a ranking (docs/search.md has the long version):

1. **Normalise**: traditional → simplified (OpenCC), full-width → half-width.
2. **Segment** with the domain dictionary and drop question and filler words
   (怎么, 会不会, 吗 …); each remaining word is a *concept*.
3. **Expand** each concept with alternatives: its dictionary sub-words
   (年化利率 → 利率), colloquial synonyms (坐牢 → 刑事责任, 有期徒刑 …), product
   aliases (白条 ↔ 京东白条) and numerals (一天 ↔ 1天). Alternatives that are not in
   the index are dropped, so they cost nothing.
4. **Match** with FTS5 over the claims' shadow columns (``text_seg``, ``context_seg``
   and ``subwords_seg``, which also indexes the sub-words of long words, so 利率
   finds 年化利率): all concepts first (AND), and, when that finds too few, any of
   them (OR) — the answer says so in ``note``.
5. **Rank** the candidates: bm25 (text weighted above context), plus how many of the
   question's concepts the claim covers (rarer concepts count more), plus a bonus
   when the claim is about the product the question names and the topic the
   question is about, and a penalty when it is about a different product.

    >>> query_terms("微粒贷罚息怎么算？")
    ['微粒贷', '罚息']
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources

from .segment import WORD_JOINER, get_segmenter

# Words that carry the question, not its subject: dropped from the FTS query.
QUESTION_WORDS = frozenset("""
吗 呢 吧 啊 呀 么 嘛 哦 了 的 地 得 着 过 是 是不是 有没有 会不会 能不能 可不可以 要不要 算不算
怎么 怎么办 怎么样 怎样 如何 什么 为什么 为何 多少 多久 多长时间 哪些 哪里 哪个 哪家 几 几天 几年
会 能 可以 可 要 需要 应该 该 请问 我 你 他 她 我们 自己 一下 一个 这个 那个 这 那 有 没有 和 与 及
或 还是 就 都 也 还 吗 真的 现在 之后 以后 后 时候 什么样 怎么回事 咋办 咋 啥 么样 靠谱 谁 去 在 把
被 给 对 让 又 再 才 而 但 如果 那么 所以 因为 不 没 别 好 大家 有人 一般 一定 是否 情况 问题 影响吗
不会 不能 不可以 不要 能否 可否 是真的 真的吗 会怎样 会怎么样 怎么样了 了解 知道 想 想问 问 问一下
""".split())

# Colloquial phrases rewritten before segmentation (jieba cuts them badly or as
# single characters): the pages' wording on the right.
REWRITES: tuple[tuple[str, str], ...] = (
    ("骗贷", "骗取贷款"), ("还钱", "还款"), ("欠钱", "欠款"), ("借钱", "借款"), ("查征信", "查询征信"),
    ("怎么查", "查询"), ("打官司", "起诉"), ("上征信", "征信"), ("黑户", "不良记录"),
    ("不去法院", "缺席"), ("没按时还", "违约"), ("没还", "未还"),
)
# Single characters that still carry meaning in a question (欠钱 cut as 欠/钱).
KEEP_SINGLE = frozenset("欠 卡 债 贷 息 罚 诉 告 判 刑 牢 查".split())

# Colloquial word → how the pages say it. Each alternative is searched with the word.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "坐牢": ("刑事责任", "有期徒刑", "拘役", "犯罪", "刑事"),
    "骗取": ("贷款诈骗", "诈骗", "虚假"),
    "查": ("查询",),
    "缺席": ("出庭", "缺席审理"),
    "违约": ("违约", "取消分期"),
    "判刑": ("有期徒刑", "拘役", "刑事责任", "坐牢"),
    "抓": ("刑事责任", "报案", "公安机关"),
    "老赖": ("失信被执行人", "失信"),
    "黑名单": ("失信被执行人", "不良记录"),
    "黑户": ("不良记录", "征信"),
    "上征信": ("征信", "上报"),
    "征信": ("信用报告", "信用记录"),
    "信用报告": ("征信",),
    "晚还": ("逾期",),
    "还不上": ("还款困难", "无法还款", "无力偿还", "还不起"),
    "还不起": ("还款困难", "无法还款", "无力偿还", "还不上"),
    "没钱": ("还款困难", "无力偿还"),
    "延期": ("延期还款", "展期", "延后"),
    "推迟": ("延期", "延后"),
    "停息挂账": ("个性化分期", "个性化分期还款"),
    "个性化分期": ("停息挂账",),
    "减免": ("减免", "免除"),
    "告": ("起诉", "诉讼"),
    "起诉": ("诉讼", "法院"),
    "打官司": ("起诉", "诉讼"),
    "传票": ("法院", "开庭"),
    "催债": ("催收",),
    "爆通讯录": ("通讯录", "催收"),
    "通讯录": ("爆通讯录",),
    "骚扰": ("催收", "暴力催收"),
    "威胁": ("暴力催收", "恐吓"),
    "洗白": ("征信修复", "删除", "洗白征信"),
    "消除": ("删除", "保存", "消失"),
    "删除": ("消除", "保存"),
    "多久": (),
    "手续费": ("费率", "服务费"),
    "费率": ("手续费", "服务费"),
    "利息": ("利率", "计息"),
    "罚息": ("逾期费", "违约金"),
    "罚款": ("罚息", "违约金", "逾期费"),
    "罚": ("罚息", "违约金", "逾期费"),
    "违约金": ("罚息", "滞纳金"),
    "滞纳金": ("违约金",),
    "逾期费": ("罚息", "违约金"),
    "利率": ("年化利率", "日利率"),
    "年化": ("年化利率",),
    "高利贷": ("利率", "不受法律保护"),
    "合法": ("违法", "法律保护", "违规"),
    "违法": ("违规", "合法"),
    "宽限期": ("宽限",),
    "客服电话": ("客服", "热线"),
    "电话": ("客服", "热线"),
    "投诉": ("投诉", "举报", "12378"),
    "报警": ("110",),
    "房贷": ("买房",),
    "买房": ("房贷",),
    "冻结": ("划扣", "冻结"),
    "分期": ("分期还款",),
    "协商": ("协商还款",),
    "异议": ("申诉", "更正"),
    "申诉": ("异议", "更正"),
    "错误": ("异议", "更正"),
    "限制": ("限制高消费",),
    "诉讼时效": ("时效",),
    "恢复": ("修复", "恢复"),
}

# Products the pages talk about; aliases map to one canonical name.
GENERIC_PRODUCTS: dict[str, tuple[str, ...]] = {
    "信用卡": ("信用卡", "发卡银行", "持卡人"),
    "网贷": ("网贷", "网络贷款"),
}

HIGHLIGHT_START = "\ue000"  # private-use marks: the plugin turns them into <mark> after escaping
HIGHLIGHT_END = "\ue001"

# Ranking knobs (bench/search.py measures them; docs/search.md explains them).
DF_SAMPLE = 200  # rowids read to estimate a word's document frequency
POSTINGS_BUDGET = 100_000  # postings one candidate query may read (see _candidate_rowids)
COMMON = 0.2  # a concept in more than this share of claims only scores, it does not select
CANDIDATES = 100  # claims read and scored per query, at most
COLUMN_WEIGHTS = (1.0, 0.35, 0.5)  # text_seg, context_seg, subwords_seg (term-frequency weights)
W_COVERAGE = 1.0
W_PRODUCT = 0.6
W_OTHER_PRODUCT = -0.5
W_TOPIC = 0.25
W_ANSWER_TYPE = 0.3

# What kind of answer a question asks for (多久 → a duration) and how it looks in a claim.
_NUM = r"[\d一二三四五六七八九十两几半百千万]"
ANSWER_TYPES: tuple[tuple[re.Pattern, re.Pattern], ...] = (
    (re.compile(r"多久|多长时间|几天|几年|几个月|多少天|多少年|多少个月|期限|时效|何时|什么时候|最长|最多"),
     re.compile(_NUM + r"+\s*(?:个)?(?:天|日|月|年|周|期|工作日|小时)|当天|次日|当日|终止之日")),
    (re.compile(r"多少钱|多少|费率|几个点|怎么算|怎么计算|标准|上限|比例|利率|手续费"),
     re.compile(r"\d+(?:\.\d+)?\s*%|万分之|千分之|\d+(?:\.\d+)?\s*(?:元|倍)|" + _NUM + r"+倍|四倍")),
    (re.compile(r"几号|哪天|哪一天|还款日"), re.compile(r"\d+\s*[号日]|每月")),
    (re.compile(r"电话|热线|客服|投诉"), re.compile(r"\d{5,}")),
)

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize(query: str) -> str:
    """Simplified script, half-width letters and digits, no U+200B.

    >>> normalize("借唄逾期１天會怎麼樣")
    '借呗逾期1天会怎么样'
    """
    text = unicodedata.normalize("NFKC", query.replace(WORD_JOINER, ""))
    return to_simplified(text).strip()


@functools.lru_cache(maxsize=1)
def products() -> dict[str, str]:
    """alias → canonical product name, from pipeline/data/products.csv plus 信用卡/网贷."""
    aliases: dict[str, str] = {}
    try:
        text = resources.files("pipeline").joinpath("data", "products.csv").read_text("utf-8")
    except FileNotFoundError:  # pragma: no cover - the file ships with the package
        text = ""
    for line in text.splitlines()[1:]:
        parts = line.split(",")
        if len(parts) < 2:
            continue
        name = parts[0].strip()
        for alias in [name, *parts[1].split("|")]:
            if alias.strip():
                aliases[alias.strip()] = name
    for name, names in GENERIC_PRODUCTS.items():
        for alias in names:
            aliases.setdefault(alias, name)
    # Short forms people type: 月付 for 美团月付, 金条 for 京东金条.
    for alias, name in list(aliases.items()):
        for prefix in ("美团", "京东", "蚂蚁"):
            if alias.startswith(prefix) and len(alias) - len(prefix) >= 2:
                aliases.setdefault(alias[len(prefix):], name)
    return aliases


@functools.lru_cache(maxsize=1)
def _product_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(a) for a in sorted(products(), key=len, reverse=True)))


def _numeral_variants(word: str) -> list[str]:
    """一天 → 1天, 3天 → 三天 (pages write both)."""
    out = []
    if word and word[0] in _CN_DIGITS and len(word) <= 3 and not any(c in "十百千万" for c in word[1:2]):
        out.append(str(_CN_DIGITS[word[0]]) + word[1:])
    m = re.fullmatch(r"(\d)(\D{1,2})", word)
    if m:
        out.append("零一二三四五六七八九"[int(m.group(1))] + m.group(2))
    return out


@dataclass
class Concept:
    """One content word of the question and the index words that stand for it."""

    word: str
    alternatives: list[str] = field(default_factory=list)
    product: str | None = None
    df: int = 0  # rows of the index with any of the words (an estimate: the largest)
    idf: float = 0.0

    @property
    def words(self) -> list[str]:
        return [self.word, *[a for a in self.alternatives if a != self.word]]

    @functools.cached_property
    def lower_words(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.words)


def query_terms(query: str) -> list[str]:
    """Content words of a natural-language query, in order, de-duplicated."""
    return [c.word for c in _concepts(normalize(query))]


def _concepts(text: str) -> list[Concept]:
    segmenter = get_segmenter()
    for phrase, replacement in REWRITES:
        text = text.replace(phrase, replacement)
    words = [w.strip() for w in segmenter.cut(text)]
    concepts: list[Concept] = []
    seen: set[str] = set()
    aliases = products()
    for word in words:
        if not word or not any(ch.isalnum() for ch in word) or word in QUESTION_WORDS:
            continue
        if len(word) == 1 and word not in KEEP_SINGLE and word not in SYNONYMS and not word.isdigit():
            continue
        if word in seen:
            continue
        seen.add(word)
        concept = Concept(word)
        alternatives = list(SYNONYMS.get(word, ()))
        if len(word) > 2 and word not in aliases:
            pieces = [w for w in segmenter.cut_for_search(word) if w != word and len(w) >= 2]
            alternatives += pieces + [syn for w in pieces for syn in SYNONYMS.get(w, ())]
        alternatives += _numeral_variants(word)
        if word in aliases:
            concept.product = aliases[word]
            alternatives += [a for a, p in aliases.items() if p == concept.product and a != word and len(a) >= 2]
        concept.alternatives = list(dict.fromkeys(a for a in alternatives if a != word))
        concepts.append(concept)
    if not concepts:
        # Nothing but question words: keep the longest words rather than search nothing.
        rest = sorted({w for w in words if len(w) >= 2 and any(ch.isalnum() for ch in w)}, key=len, reverse=True)
        concepts = [Concept(w) for w in rest[:2]]
    return concepts


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _group(words: list[str]) -> str:
    quoted = [_quote(w) for w in words]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def fts_query(query: str, operator: str = "OR") -> str:
    """An FTS5 MATCH expression for ``query``: each concept's words OR-ed, concepts
    joined by ``operator``. No index lookups (the plugin's escape_fts uses
    :func:`match_expression` with the connection to drop absent words).

    >>> fts_query("借呗罚息", "AND")
    '("借呗" OR "蚂蚁借呗") AND ("罚息" OR "逾期费" OR "违约金")'
    """
    concepts = _concepts(normalize(query))
    if not concepts:
        return '""'
    return f" {operator} ".join(_group(c.words) for c in concepts)


# ---------------------------------------------------------------- index vocabulary

class Vocabulary:
    """Document frequencies of index words, estimated cheaply.

    An exact count (fts5vocab, or ``count(*)`` of a MATCH) reads the word's whole
    posting list: 50 ms for 逾期 in a million claims. Instead read the first
    :data:`DF_SAMPLE` matching rowids: fewer means that is the count; otherwise
    the word's density up to the last one read, times the rowid range, estimates
    it (rowids are in insertion order, which is unrelated to words). Plenty for an idf.
    Nothing is written, so this works on a read-only or immutable file.
    """

    def __init__(self, conn: sqlite3.Connection, fts_table: str = "claims_fts"):
        self.conn = conn
        self.fts = fts_table
        # Claims are counted from the FTS's own statistics record when possible (a
        # count(*) reads a million rows); the mean length from a sample.
        self.total = self._total_rows(fts_table)
        self.max_rowid = conn.execute("select max(rowid) from claims").fetchone()[0] or 1
        sample = conn.execute("select text_seg from claims limit 2000").fetchall()
        lengths = [len((row[0] or "").split(WORD_JOINER)) for row in sample]
        self.avg_len = (sum(lengths) / len(lengths)) if lengths else 20.0
        self._cache: dict[str, int] = {}

    def _total_rows(self, fts_table: str) -> int:
        row = self.conn.execute(f"select block from [{fts_table}_data] where id = 1").fetchone()
        if row and row[0]:
            # The averages record starts with the row count as an FTS5 varint.
            value, blob = 0, row[0]
            for i, byte in enumerate(blob[:9]):
                if i == 8:
                    value = (value << 8) | byte
                    break
                value = (value << 7) | (byte & 0x7F)
                if not byte & 0x80:
                    break
            if value > 0:
                return value
        return self.conn.execute(f"select count(*) from [{fts_table}_docsize]").fetchone()[0] or 1

    def df(self, word: str) -> int:
        key = word.lower()  # unicode61 folds case
        if key not in self._cache:
            rows = self.conn.execute(f"select rowid from [{self.fts}] where [{self.fts}] match ? limit ?",
                                     [_quote(key), DF_SAMPLE]).fetchall()
            if len(rows) < DF_SAMPLE:
                self._cache[key] = len(rows)
            else:
                self._cache[key] = min(self.total, int(DF_SAMPLE * self.max_rowid / max(rows[-1][0], 1)))
        return self._cache[key]

    def idf(self, df: int) -> float:
        return math.log(1 + (self.total - df + 0.5) / (df + 0.5))


_VOCABS: dict[int, Vocabulary] = {}
_DF_CACHES: dict[tuple, dict[str, int]] = {}


def vocabulary(conn: sqlite3.Connection) -> Vocabulary:
    """One Vocabulary per connection (connections are long-lived in Datasette); the
    df cache is shared by all connections to the same unchanged file."""
    vocab = _VOCABS.get(id(conn))
    if vocab is None or vocab.conn is not conn:
        while len(_VOCABS) >= 32:  # connections cannot be weakly referenced: keep the newest
            _VOCABS.pop(next(iter(_VOCABS)))
        vocab = _VOCABS[id(conn)] = Vocabulary(conn)
        path = next((row[2] for row in conn.execute("pragma database_list") if row[1] == "main"), "")
        if path:
            try:
                stat = os.stat(path)
                key = (path, stat.st_size, stat.st_mtime_ns, vocab.total, vocab.max_rowid)
                vocab._cache = _DF_CACHES.setdefault(key, {})
            except OSError:
                pass
    return vocab


def understand(conn: sqlite3.Connection, query: str) -> list[Concept]:
    """The question's concepts, keeping only index words (``df > 0``)."""
    vocab = vocabulary(conn)
    concepts = []
    for concept in _concepts(normalize(query)):
        words = [w for w in concept.words if vocab.df(w)]
        if not words and len(concept.word) >= 3:
            # A word the index does not have (律师费 cut as 律师/费 in the pages): its
            # two-character pieces that the index has.
            pieces = [concept.word[i:i + 2] for i in range(len(concept.word) - 1)]
            words = [w for w in dict.fromkeys(pieces) if w not in QUESTION_WORDS and vocab.df(w)]
        if not words:
            continue
        concept.word, concept.alternatives = words[0], words[1:]
        concept.df = max(vocab.df(w) for w in words)
        concept.idf = vocab.idf(concept.df)
        concepts.append(concept)
    return concepts


def match_expression(concepts: list[Concept], operator: str) -> str:
    if not concepts:
        return '""'
    return f" {operator} ".join(_group(c.words) for c in concepts)


# ---------------------------------------------------------------- search

@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[dict] = field(default_factory=list)
    note: str | None = None
    expansions: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready: topics as a list, highlight marks left out (they are for HTML)."""
        results = [{**{k: v for k, v in hit.items() if k != "highlighted"},
                    "topics": json.loads(hit.get("topics") or "[]")} for hit in self.hits]
        return {"query": self.query, "terms": self.terms, "expansions": self.expansions,
                "note": self.note, "results": results}


def _tiers(concepts: list[Concept]) -> list[tuple[int, list[Concept]]]:
    """Concept sets to match, most demanding first: all of them, then the most common
    concept dropped, then the next most common, … then each concept alone (the
    rarest first). Each tier is ``(missing, concepts)``; a tier of rarer words is a
    cheaper query, so relaxing costs less at every step."""
    by_df = sorted(concepts, key=lambda c: c.df)  # rarest first
    tiers = [(len(concepts) - n, by_df[:n]) for n in range(len(by_df), 1, -1)]
    tiers += [(len(concepts) - 1, [c]) for c in by_df]
    return tiers


def _candidate_rowids(conn: sqlite3.Connection, concepts: list[Concept], cap: int) -> tuple[dict[int, int], int]:
    """Rowids of claims matching the most concepts, up to ``cap``: rowid → concepts missing.

    Each tier is one FTS query without ``ORDER BY``, so SQLite stops after ``cap`` rows
    however common the words are; ranking happens on the candidates only. Returns
    the candidates and how many claims matched the first tier (all concepts), capped.
    """
    found: dict[int, int] = {}
    complete = 0
    # A concept in most claims (逾期 in an overdue-advice KB) barely ranks and makes
    # every AND slow; it only scores. The rarest concept always selects.
    total = vocabulary(conn).total
    rarest = min(concepts, key=lambda c: c.df)
    selective = [c for c in concepts if c is rarest or c.df <= COMMON * total]
    vocab = vocabulary(conn)
    for missing, tier in _tiers(selective):
        if len(found) >= cap:
            break
        # An AND of common words that few claims share reads every posting of every
        # word before it knows (15 ms at a million claims). Skip such a tier when it
        # would read more than POSTINGS_BUDGET postings and, were the words
        # independent, would not even fill the candidates (a dense AND stops early
        # and is cheap). Below that size — every real KB so far — nothing is skipped.
        postings = sum(c.df for c in tier)
        expected = vocab.total * math.prod(c.df / vocab.total for c in tier)
        if len(tier) > 1 and postings > POSTINGS_BUDGET and expected < cap:
            continue
        rows = conn.execute("select rowid from claims_fts where claims_fts match ? limit ?",
                            [match_expression(tier, "AND"), cap]).fetchall()
        if missing == 0:
            complete = len(rows)
        for (rowid,) in rows:
            if rowid not in found and len(found) < cap:
                found[rowid] = missing
    return found, complete


def _fetch(conn: sqlite3.Connection, rowids: list[int]) -> list[dict]:
    rows = []
    for i in range(0, len(rowids), 500):
        chunk = rowids[i:i + 500]
        cursor = conn.execute(
            "select rowid, id, article_id, text, topics, section, text_seg, context_seg, subwords_seg "
            f"from claims where rowid in ({','.join('?' * len(chunk))})", chunk)
        columns = [d[0] for d in cursor.description]
        rows += [dict(zip(columns, row)) for row in cursor.fetchall()]
    return rows


def bm25f(hit: dict, concepts: list[Concept], avg_len: float, word_concept: dict[str, int] | None = None) -> float:
    """BM25 over concepts (a concept's words count as one term, so a rare synonym does
    not outweigh the word asked), with the three shadow columns weighted."""
    k1, b = 1.2, 0.75
    if word_concept is None:
        word_concept = {w: i for i, c in enumerate(concepts) for w in c.lower_words}
    tf = [0.0] * len(concepts)
    length = 0
    for weight, name in zip(COLUMN_WEIGHTS, ("text_seg", "context_seg", "subwords_seg")):
        tokens = (hit.get(name) or "").lower().split(WORD_JOINER)
        if name == "text_seg":
            length = len(tokens)
        for token in tokens:
            i = word_concept.get(token)
            if i is not None:
                tf[i] += weight
    norm = k1 * (1 - b + b * (length or 1) / avg_len)
    return sum(c.idf * f * (k1 + 1) / (f + norm) for c, f in zip(concepts, tf) if f)


@functools.lru_cache(maxsize=1)
def _topic_words() -> dict[str, str]:
    from .topics import LEXICON

    return {word: topic for topic, words in LEXICON.items() for word in words}


def query_topics(concepts: list[Concept]) -> set[str]:
    lexicon = _topic_words()
    found = set()
    for concept in concepts:
        for word in concept.words:
            for term, topic in lexicon.items():
                if term == word or (len(term) >= 2 and term in word):
                    found.add(topic)
    return found


def answer_shapes_for(query: str) -> list[re.Pattern]:
    """Patterns of the answer a question asks for (多久 → durations …); [] if none."""
    text = normalize(query)
    return [shape for asked, shape in ANSWER_TYPES if asked.search(text)]


def _score(hit: dict, concepts: list[Concept], products_asked: set[str], topics_asked: set[str],
           max_bm25: float, answer_shapes: list[re.Pattern] = ()) -> float:
    """bm25 (scaled to the best candidate's) + coverage + product + topic + answer shape."""
    text = hit["text"]
    context = (hit.get("context_seg") or "").replace(WORD_JOINER, "")
    total_idf = sum(c.idf for c in concepts) or 1.0
    covered = 0.0
    for c in concepts:
        if any(w in text for w in c.words):
            covered += c.idf
        elif any(w in context for w in c.words):
            covered += 0.5 * c.idf
    score = hit["bm25"] / max_bm25 + W_COVERAGE * covered / total_idf
    if products_asked:
        aliases = products()
        mentioned = {aliases[a] for a in _product_pattern().findall(text + "\n" + context)}
        if mentioned & products_asked:
            score += W_PRODUCT
        elif mentioned:
            score += W_OTHER_PRODUCT
    if topics_asked:
        claim_topics = set(json.loads(hit.get("topics") or "[]"))
        if claim_topics & topics_asked:
            score += W_TOPIC
    if any(pattern.search(text) for pattern in answer_shapes):
        score += W_ANSWER_TYPE
    return score


def highlight(text: str, words: list[str]) -> str:
    """``text`` with every occurrence of ``words`` wrapped in the highlight marks.

    >>> highlight("年化利率18%", ["利率"]) == "年化\\ue000利率\\ue001" + "18%"
    True
    """
    spans: list[tuple[int, int]] = []
    for word in sorted(set(words), key=len, reverse=True):
        if not word:
            continue
        for m in re.finditer(re.escape(word), text, flags=re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    merged: list[list[int]] = []
    for s, e in sorted(spans):  # 借呗 + 逾期 side by side: one mark, not two
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, last = [], 0
    for s, e in merged:
        out += [text[last:s], HIGHLIGHT_START, text[s:e], HIGHLIGHT_END]
        last = e
    out.append(text[last:])
    return "".join(out)


def search(conn: sqlite3.Connection, query: str, limit: int = 10) -> SearchResult:
    """Claims answering ``query``, best first (see the module docstring).

    ``conn`` is any connection to a KB (read-only is fine). The work is bounded:
    at most :data:`CANDIDATES` claims are read and scored, whatever the KB's size.
    """
    concepts = understand(conn, query)
    result = SearchResult(query=query, terms=[c.word for c in concepts],
                          expansions={c.word: c.alternatives for c in concepts if c.alternatives})
    if not concepts:
        asked = query_terms(query)
        result.note = ("没有可搜索的词 · no searchable words in the query" if not asked else
                       f"知识库中没有这些词 · none of these words occur in the KB: {' / '.join(asked)}")
        return result
    found, complete = _candidate_rowids(conn, concepts, max(CANDIDATES, limit))
    if len(concepts) > 1 and complete < limit:
        result.note = (f"只有 {complete} 条断言包含全部词语，其余结果只含部分词语 · "
                       f"{complete} claims have all of {' / '.join(result.terms)}; "
                       f"the others match some of them")
    hits = _fetch(conn, list(found))
    if not hits:
        return result
    vocab = vocabulary(conn)
    word_concept = {w: i for i, c in enumerate(concepts) for w in c.lower_words}
    for hit in hits:
        hit["bm25"] = bm25f(hit, concepts, vocab.avg_len, word_concept)
    products_asked = {c.product for c in concepts if c.product}
    topics_asked = query_topics(concepts)
    max_bm25 = max(h["bm25"] for h in hits) or 1.0
    shapes = answer_shapes_for(query)
    for hit in hits:
        hit["score"] = round(_score(hit, concepts, products_asked, topics_asked, max_bm25, shapes), 4)
    hits.sort(key=lambda h: (-h["score"], h["rowid"]))
    words = [w for c in concepts for w in c.words]
    titles = _titles(conn, {h["article_id"] for h in hits[:limit]})
    for hit in hits[:limit]:
        result.hits.append({
            "claim_id": hit["id"], "article_id": hit["article_id"], "text": hit["text"],
            "topics": hit["topics"], "section": hit["section"],
            "title": titles.get(hit["article_id"], (None, None))[0],
            "url": titles.get(hit["article_id"], (None, None))[1],
            "score": hit["score"], "highlighted": highlight(hit["text"], words),
        })
    return result


def _titles(conn: sqlite3.Connection, article_ids: set[str]) -> dict[str, tuple[str, str]]:
    if not article_ids:
        return {}
    ids = sorted(article_ids)
    rows = conn.execute(f"select id, title, url from articles where id in ({','.join('?' * len(ids))})", ids)
    return {r[0]: (r[1], r[2]) for r in rows}


# ---------------------------------------------------------------- index side

def subwords(*segmented: str) -> str:
    """Dictionary sub-words of the longer words of segmented texts, U+200B-joined.

    The FTS index holds jieba ``cut`` words, so 年化利率 is one token and a search
    for 利率 would miss it; this column adds 年化 and 利率 (jieba's
    ``cut_for_search`` rule: the 2- and 3-character pieces that are words).

    >>> subwords("年化利率\\u200b约为").split("\\u200b")
    ['年化', '利率']
    """
    segmenter = get_segmenter()
    return WORD_JOINER.join(piece for text in segmented for word in (text or "").split(WORD_JOINER)
                            for piece in segmenter.sub_words(word))
