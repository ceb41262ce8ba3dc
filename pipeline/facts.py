"""Facts: the numbers, laws, products and institutions a claim states, normalised.

One verb, :func:`extract_facts`, turns a claim's text into :class:`Fact` records whose
offsets index into that text (``text[f.char_start:f.char_end] == f.surface``)::

    >>> [(f.kind, f.value, f.unit) for f in extract_facts("微粒贷罚息按每日万分之五计算")]
    [('product', '微粒贷', None), ('rate', 0.0005, 'per_day')]

Normal forms

========== ======================= ===============================================
kind       value                   unit
========== ======================= ===============================================
rate       float (0.18 for 18%)    per_day | per_month | per_year | relative
                                   (上浮50%) | lpr_multiple (4倍LPR) | None
amount     float, CNY              CNY; ``extra["per"]`` = per_day … for 45元/天
duration   float                   day | month | year (weeks become days)
law        canonical short name    article (when an article is cited) | None
product    canonical product name  None; ``extra["lender"]``, ``extra["owners"]``
institution canonical name         None; ``extra["formerly"]`` for renamed bodies
========== ======================= ===============================================

Chinese numerals are read by cn2an; every candidate whose number cannot be read is
dropped rather than guessed. Overlapping candidates are resolved longest-first.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

import cn2an

from pipeline.document import Fact

# ---------------------------------------------------------------- numbers

_CN_DIGITS = "零〇一二两三四五六七八九"
# A Chinese numeral starts with a digit or 十 (never with 百/千/万, which would turn
# 万元 or 千万不要 into numbers).
CN_NUM = rf"[{_CN_DIGITS}十][{_CN_DIGITS}十百千万亿]*(?:点[{_CN_DIGITS}]+)?"
AR_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
NUM = rf"(?:{AR_NUM}(?:[十百千万亿]{{1,2}})?|{CN_NUM})"

_LONG_NUMBER_RUN = re.compile(rf"[0-9.,{_CN_DIGITS}十百千万亿点]{{40,}}")
_NUM_CHARS = set("0123456789.,%％" + _CN_DIGITS + "十百千万亿点")


def parse_number(surface: str) -> float | None:
    """A number written in digits, Chinese numerals or a mix (1.5万, 两千, 1,000).

    Returns ``None`` when cn2an cannot read it, so a caller can drop the candidate.

        >>> parse_number("一万五千"), parse_number("1,000"), parse_number("1.5万")
        (15000.0, 1000.0, 15000.0)
    """
    s = surface.replace(",", "").replace("，", "").strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    try:
        return float(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


# ---------------------------------------------------------------- periods and bounds

_CLAUSE_END = re.compile(r"[。；;！？!?\n，,：:]")
_PERIOD_BEFORE = re.compile(
    r"(?P<day>日息|日利率|日利息|日费率|日罚息|日化|每日|每天|按日|按天|逐日|一天|一日)"
    r"|(?P<month>月息|月利率|月利息|月费率|月化|每月|按月|一个月)"
    r"|(?P<year>年化|年利率|年息|年利息|年费率|年综合|每年|按年|一年)"
    r"|(?P<relative>上浮|上调|加收|提高|浮动|上涨|增加)"
)
_PERIOD_AFTER = re.compile(r"\s*(?:/|／|每|一)(?P<p>天|日|月|年)")
_PERIOD_UNIT = {"天": "per_day", "日": "per_day", "月": "per_month", "年": "per_year"}
_AT_LEAST_AFTER = re.compile(r"(?:以上|及以上|之上|或以上|多|余|起)")
_AT_MOST_AFTER = re.compile(r"(?:以内|之内|内|以下|之下|及以下)")
_AT_LEAST_BEFORE = re.compile(r"(?:(?<![不未])超过|至少|不少于|不低于|(?<![不未])满|大于|多于|(?<!不)高于|逾)$")
_AT_MOST_BEFORE = re.compile(r"(?:不超过|不得超过|最多|最长|最高|少于|不足|不满|未满|小于|(?<!不)低于|不高于)$")
_APPROX_BEFORE = re.compile(r"(?:约|大约|大概|将近|近|差不多|约为|约合)$")
_APPROX_AFTER = re.compile(r"(?:左右|上下|多|余)")


def _clause_start(text: str, pos: int) -> int:
    start = 0
    for m in _CLAUSE_END.finditer(text, 0, pos):
        start = m.end()
    return start


def _period_for(text: str, start: int, end: int) -> str | None:
    """The period a rate is quoted per, from its nearest cue in the same clause."""
    after = _PERIOD_AFTER.match(text, end)
    if after and after.start() == end:
        return _PERIOD_UNIT[after.group("p")]
    lo = max(_clause_start(text, start), start - 14)
    window = text[lo:start]
    best = None
    for m in _PERIOD_BEFORE.finditer(window):
        best = m
    if best is not None:
        kind = best.lastgroup
        if kind == "relative":
            # 上浮 only governs a number right after it (上浮50%, 上浮了50%).
            gap = window[best.end():]
            return "relative" if len(gap) <= 4 else None
        return {"day": "per_day", "month": "per_month", "year": "per_year"}[kind]
    prev = text[start - 1] if start else ""
    if prev and prev in "日月年" and not (start >= 2 and text[start - 2].isdigit()):
        return {"日": "per_day", "月": "per_month", "年": "per_year"}[prev]
    return None


def _bounds(text: str, start: int, end: int) -> dict:
    extra: dict = {}
    before = text[max(0, start - 4):start]
    after = text[end:end + 3]
    if _AT_LEAST_AFTER.match(after) or _AT_LEAST_BEFORE.search(before):
        extra["at_least"] = True
    if _AT_MOST_AFTER.match(after) or _AT_MOST_BEFORE.search(before):
        extra["at_most"] = True
    if _APPROX_BEFORE.search(before) or _APPROX_AFTER.match(after):
        extra["approx"] = True
    return extra


# ---------------------------------------------------------------- candidates


@dataclass
class _Candidate:
    fact: Fact
    priority: int  # breaks ties between equally long overlapping candidates


def _fact(kind, text, start, end, value, unit, extra=None) -> Fact:
    return Fact(kind, text[start:end], value, unit, start, end, dict(extra or {}))


_RATE_LIT = rf"(?:[百千万]分之{NUM}|{NUM}\s*[%％])"
_RANGE_SEP = r"\s*(?:-|~|～|—|–|至|到)\s*"
_RATE_RE = re.compile(rf"(?:{_RATE_LIT}|{AR_NUM}){_RANGE_SEP}{_RATE_LIT}|{_RATE_LIT}")
_FRACTION = {"百": 100.0, "千": 1000.0, "万": 10000.0}
_LPR_RE = re.compile(
    rf"(?P<n1>{NUM})倍(?:的)?(?:一年期)?(?:LPR|贷款市场报价利率)"
    rf"|(?:一年期)?(?:LPR|贷款市场报价利率)(?:的)?(?P<n2>{NUM})倍"
)


def _rate_value(lit: str, scale: float | None = None) -> tuple[float | None, float]:
    """(value, scale) of one rate literal: 万分之五 → (0.0005, 10000)."""
    lit = lit.strip()
    m = re.fullmatch(r"([百千万])分之(.+)", lit)
    if m:
        scale = _FRACTION[m.group(1)]
        n = parse_number(m.group(2))
    elif lit[-1:] in "%％":
        scale = 100.0
        n = parse_number(lit[:-1])
    else:
        n = parse_number(lit)
    if n is None or not scale:
        return None, scale or 0.0
    return round(n / scale, 12), scale


def _rates(text: str) -> list[_Candidate]:
    out = []
    for m in _LPR_RE.finditer(text):
        n = parse_number(m.group("n1") or m.group("n2"))
        if n is not None:
            out.append(_Candidate(_fact("rate", text, m.start(), m.end(), n, "lpr_multiple", {"base": "LPR"}), 3))
    for m in _RATE_RE.finditer(text):
        if m.start() and text[m.start() - 1] in _NUM_CHARS:
            continue  # the tail of a longer number
        surface = m.group(0)
        parts = re.split(_RANGE_SEP, surface, maxsplit=1)
        extra: dict = {}
        if len(parts) == 2 and re.search(r"[%％]|分之", parts[1]):
            high, scale = _rate_value(parts[1])
            low, _ = _rate_value(parts[0], scale)
            if low is None or high is None:
                continue
            value = low
            extra.update(low=low, high=high)
        else:
            value, _ = _rate_value(surface)
            if value is None:
                continue
        unit = _period_for(text, m.start(), m.end())
        extra.update(_bounds(text, m.start(), m.end()))
        out.append(_Candidate(_fact("rate", text, m.start(), m.end(), value, unit, extra), 2))
    return out


_NUMBER_RE = re.compile(NUM)
_AMOUNT_CUR = re.compile(r"(?:多|余)?(?:元人民币|元|块钱|块)")
_AMOUNT_NOT = re.compile(
    r"(?:分之|人|次|个|名|户|条|家|份|字|倍|平|公里|米|吨|件|张|笔|部|辆|套|台|亩|年|月|天|日|股|手|只|头|斤|克|"
    r"票|册|间|座|所|瓶|箱|单|位|美元|欧元|港元|港币|英镑|韩元|台币|卢布|澳元|加元|[a-zA-Z])"
)
# 日 is a duration only next to a word that makes it one (15日内, 逾期15日); alone it is
# usually a date (9日下午).
_DAY_AFTER = re.compile(r"(?:内|以内|之内|后|起|以上|以下|左右|的|之后|期|届满|为止|止)")
_DAY_BEFORE = re.compile(r"(?:逾期|超过|满|至少|为|是|有|达|共|连续|长达|不超过|最长|宽限|提前|延期|延长|推迟|期限)$")
_DURATION_UNIT = re.compile(r"(?:个工作日|工作日|个自然日|自然日|天|日|个月|年|周|个星期|星期)")
_DURATION_NOT_AFTER = re.compile(r"(?:化|期|利|息|费|级|代|底|初|末|终|薪|度|龄|月|份|号)")


def _numbers(text: str) -> list[_Candidate]:
    """Amounts and durations: a number followed by its unit word."""
    out = []
    for m in _NUMBER_RE.finditer(text):
        start, end = m.span()
        prev = text[start - 1] if start else ""
        if prev and (prev in _NUM_CHARS or prev in "第.-/:" or (prev.isascii() and prev.isalpha())):
            continue
        surface = m.group(0)
        value = parse_number(surface)
        if value is None:
            continue
        rest = text[end:end + 8]
        cur = _AMOUNT_CUR.match(rest)
        if cur or (surface[-1] in "万亿" and not _AMOUNT_NOT.match(rest) and surface[0] not in "十"):
            stop = end + (cur.end() if cur else 0)
            extra = _bounds(text, start, stop)
            after = _PERIOD_AFTER.match(text, stop)
            if after:
                extra["per"] = _PERIOD_UNIT[after.group("p")]
                stop = after.end()
            else:
                window = text[max(_clause_start(text, start), start - 12):start]
                per = re.search(r"(每天|每日|一天|日均|每月|每个月|一个月|每年|一年)[^0-9]{0,8}$", window)
                if per:
                    extra["per"] = {"天": "per_day", "日": "per_day", "月": "per_month", "年": "per_year"}[
                        per.group(1)[-1]
                    ]
            out.append(_Candidate(_fact("amount", text, start, stop, value, "CNY", extra), 1))
            continue
        unit = _DURATION_UNIT.match(rest)
        if not unit:
            continue
        word = unit.group(0)
        stop = end + unit.end()
        if _DURATION_NOT_AFTER.match(text, stop):
            continue
        if word == "日" and (
            (prev and prev in "月号")
            or not (_DAY_AFTER.match(text, stop) or _DAY_BEFORE.search(text, max(0, start - 4), start))
        ):
            continue  # a date (3月15日, 9日下午)
        if word == "年" and value >= 1900:
            continue  # a calendar year (2021年)
        if word in ("日",) and text[stop:stop + 1] == "起" and prev == "之":
            continue
        extra = _bounds(text, start, stop)
        if word in ("周", "个星期", "星期"):
            extra["weeks"] = value
            value, norm = value * 7, "day"
        elif word.endswith("月"):
            norm = "month"
        elif word == "年":
            norm = "year"
        else:
            norm = "day"
            if "工作日" in word:
                extra["working_days"] = True
        out.append(_Candidate(_fact("duration", text, start, stop, value, norm, extra), 1))
    return out


# ---------------------------------------------------------------- laws


# canonical short name, full title, aliases (without 中华人民共和国 and 《》)
LAWS: list[tuple[str, str, tuple[str, ...]]] = [
    ("民法典", "中华人民共和国民法典", ("民法典",)),
    ("民法总则", "中华人民共和国民法总则", ("民法总则",)),
    ("民法通则", "中华人民共和国民法通则", ("民法通则",)),
    ("合同法", "中华人民共和国合同法", ("合同法",)),
    ("劳动合同法", "中华人民共和国劳动合同法", ("劳动合同法",)),
    ("担保法", "中华人民共和国担保法", ("担保法",)),
    ("物权法", "中华人民共和国物权法", ("物权法",)),
    ("婚姻法", "中华人民共和国婚姻法", ("婚姻法",)),
    ("继承法", "中华人民共和国继承法", ("继承法",)),
    ("收养法", "中华人民共和国收养法", ("收养法",)),
    ("侵权责任法", "中华人民共和国侵权责任法", ("侵权责任法",)),
    ("征信业管理条例", "征信业管理条例", ("征信业管理条例", "征信管理条例")),
    (
        "民间借贷司法解释适用范围批复",
        "最高人民法院关于新民间借贷司法解释适用范围问题的批复",
        ("最高人民法院关于新民间借贷司法解释适用范围问题的批复", "关于新民间借贷司法解释适用范围问题的批复"),
    ),
    (
        "民间借贷司法解释",
        "最高人民法院关于审理民间借贷案件适用法律若干问题的规定",
        (
            "最高人民法院关于审理民间借贷案件适用法律若干问题的规定",
            "关于审理民间借贷案件适用法律若干问题的规定",
            "新民间借贷司法解释",
            "民间借贷司法解释",
            "民间借贷案件司法解释",
            "民间借贷新规",
            "民间借贷若干规定",
            "民间借贷规定",
        ),
    ),
    (
        "妨害信用卡管理刑事案件解释",
        "最高人民法院、最高人民检察院关于办理妨害信用卡管理刑事案件具体应用法律若干问题的解释",
        ("关于办理妨害信用卡管理刑事案件具体应用法律若干问题的解释", "妨害信用卡管理刑事案件司法解释"),
    ),
    (
        "诉讼时效司法解释",
        "最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定",
        ("最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定", "关于审理民事案件适用诉讼时效制度若干问题的规定"),
    ),
    (
        "民法典时间效力规定",
        "最高人民法院关于适用《中华人民共和国民法典》时间效力的若干规定",
        ("关于适用《中华人民共和国民法典》时间效力的若干规定", "关于适用《民法典》时间效力的若干规定"),
    ),
    (
        "信用卡业务通知",
        "中国人民银行关于信用卡业务有关事项的通知",
        ("中国人民银行关于信用卡业务有关事项的通知", "关于信用卡业务有关事项的通知"),
    ),
    ("刑法", "中华人民共和国刑法", ("刑法",)),
    ("刑事诉讼法", "中华人民共和国刑事诉讼法", ("刑事诉讼法",)),
    ("民事诉讼法", "中华人民共和国民事诉讼法", ("民事诉讼法", "民诉法")),
    ("个人信息保护法", "中华人民共和国个人信息保护法", ("个人信息保护法",)),
    ("商业银行法", "中华人民共和国商业银行法", ("商业银行法",)),
    ("中国人民银行法", "中华人民共和国中国人民银行法", ("中国人民银行法",)),
    ("消费者权益保护法", "中华人民共和国消费者权益保护法", ("消费者权益保护法", "消保法")),
]
_LAW_BY_ALIAS = {alias: (name, title) for name, title, aliases in LAWS for alias in aliases}
_LAW_ALT = "|".join(re.escape(a) for a in sorted(_LAW_BY_ALIAS, key=len, reverse=True))
_ARTICLE = rf"第(?P<art>{NUM})条(?:之一)?(?:第{NUM}款)?(?:第{NUM}项)?"
_LAW_RE = re.compile(
    rf"(?P<open>《)?(?:中华人民共和国)?(?P<law>{_LAW_ALT})(?(open)》|)"
    rf"(?:\s*(?:的)?(?:合同编|总则编|物权编|人格权编|侵权责任编|附则|第[一二三四五六七]编)?\s*{_ARTICLE})?"
)
_CHAINED_ARTICLE = re.compile(rf"\s*(?:、|和|及|以及|或|或者|，|,)\s*{_ARTICLE}")


def law_name(surface: str) -> str | None:
    """Canonical short name for a law title or alias: 《中华人民共和国合同法》 → 合同法."""
    s = surface.strip("《》 ").removeprefix("中华人民共和国")
    hit = _LAW_BY_ALIAS.get(s)
    return hit[0] if hit else None


def _article_number(surface: str) -> int | None:
    n = parse_number(surface)
    return int(n) if n is not None and n == int(n) and n > 0 else None


def _laws(text: str) -> list[_Candidate]:
    out = []
    for m in _LAW_RE.finditer(text):
        name, title = _LAW_BY_ALIAS[m.group("law")]
        extra: dict = {"title": title}
        if m.group("open"):
            extra["bracketed"] = True
        unit = None
        if m.group("art"):
            article = _article_number(m.group("art"))
            if article is None:
                continue
            extra["article"] = article
            unit = "article"
        out.append(_Candidate(_fact("law", text, m.start(), m.end(), name, unit, extra), 4))
        pos = m.end()
        while unit and (chained := _CHAINED_ARTICLE.match(text, pos)):
            article = _article_number(chained.group("art"))
            if article is None:
                break
            start = text.index("第", chained.start())
            out.append(
                _Candidate(
                    _fact("law", text, start, chained.end(), name, "article",
                          {"title": title, "article": article, "chained": True}),
                    4,
                )
            )
            pos = chained.end()
    return out


# ---------------------------------------------------------------- products and institutions


@dataclass(frozen=True)
class Product:
    name: str
    aliases: tuple[str, ...]
    lender: str
    owners: tuple[str, ...]  # institution groups a correct attribution may name


@functools.lru_cache(maxsize=1)
def products() -> tuple[Product, ...]:
    """The product table, ``pipeline/data/products.csv``."""
    raw = resources.files("pipeline").joinpath("data", "products.csv").read_text("utf-8")
    return tuple(
        Product(r["product"], tuple(r["aliases"].split("|")), r["lender"], tuple(r["owners"].split("|")))
        for r in csv.DictReader(io.StringIO(raw))
    )


# canonical name → aliases; extra facts for renamed bodies. Lenders and their groups
# come first so that wrong_fact can compare a product's owner with the one named.
INSTITUTIONS: list[tuple[str, tuple[str, ...], dict]] = [
    ("中国人民银行征信中心", ("中国人民银行征信中心", "人民银行征信中心", "央行征信中心", "人行征信中心", "征信中心"), {}),
    ("中国人民银行", ("中国人民银行", "人民银行", "央行"), {}),
    ("国家金融监督管理总局", ("国家金融监督管理总局", "金融监管总局"), {}),
    ("国家金融监督管理总局", ("中国银行保险监督管理委员会", "中国银保监会", "银保监会"),
     {"formerly": "银保监会", "renamed": "2023"}),
    ("国家金融监督管理总局", ("中国银行业监督管理委员会", "中国银监会", "银监会"),
     {"formerly": "银监会", "renamed": "2018"}),
    ("最高人民法院", ("最高人民法院", "最高法"), {}),
    ("法院", ("人民法院", "法院"), {}),
    ("微众银行", ("深圳前海微众银行", "微众银行", "微众"), {"group": "微众银行"}),
    ("腾讯", ("腾讯", "微信", "QQ"), {"group": "腾讯"}),
    ("网商银行", ("浙江网商银行", "网商银行"), {"group": "网商银行"}),
    ("蚂蚁", ("重庆蚂蚁消费金融有限公司", "重庆蚂蚁消费金融", "蚂蚁消费金融", "蚂蚁消金", "蚂蚁集团",
             "蚂蚁金服", "蚂蚁", "支付宝"), {"group": "蚂蚁"}),
    ("阿里巴巴", ("阿里巴巴", "阿里"), {"group": "阿里巴巴"}),
    ("京东", ("京东科技", "京东数科", "京东金融", "京东"), {"group": "京东"}),
    ("美团", ("美团金融", "美团"), {"group": "美团"}),
    ("度小满", ("度小满",), {"group": "度小满"}),
    ("百度", ("百度",), {"group": "百度"}),
    ("360数科", ("360数科", "360金融", "奇富科技"), {"group": "360数科"}),
    ("马上消费金融", ("马上消费金融", "马上消费", "马上金融"), {"group": "马上消费金融"}),
    ("招联消费金融", ("招联消费金融", "招联金融", "招联"), {"group": "招联消费金融"}),
    ("乐信", ("乐信",), {"group": "乐信"}),
    ("抖音", ("抖音", "字节跳动"), {"group": "抖音"}),
    ("信也科技", ("信也科技", "信也"), {"group": "信也科技"}),
]


@functools.lru_cache(maxsize=1)
def _name_table() -> tuple[re.Pattern, dict]:
    table: dict[str, tuple[str, str, dict]] = {}
    for name, aliases, extra in INSTITUTIONS:
        for alias in aliases:
            table[alias] = ("institution", name, extra)
    for p in products():
        for alias in p.aliases:
            table[alias] = ("product", p.name, {"lender": p.lender, "owners": list(p.owners)})
    alt = "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
    return re.compile(alt), table


# Aliases too ambiguous alone (金条 are gold bars): accepted only when the text names the lender.
_NEEDS_CONTEXT = {"金条": "京东", "月付": "美团"}


def _names(text: str) -> list[_Candidate]:
    pattern, table = _name_table()
    out = []
    for m in pattern.finditer(text):
        kind, value, extra = table[m.group(0)]
        if m.group(0) in _NEEDS_CONTEXT and _NEEDS_CONTEXT[m.group(0)] not in text:
            continue
        if m.group(0) == "白条" and text[max(0, m.start() - 1):m.start()] == "打":
            continue  # 打白条: an IOU, not 京东白条
        if m.group(0) == "QQ" and (text[m.end():m.end() + 1].isalnum() or text[m.start() - 1:m.start()].isalnum()):
            continue
        out.append(_Candidate(_fact(kind, text, m.start(), m.end(), value, None, extra), 2))
    return out


# ---------------------------------------------------------------- public


def extract_facts(text: str) -> list[Fact]:
    """Every fact in ``text``, in reading order, offsets relative to ``text``.

        >>> [(f.surface, f.value, f.unit) for f in extract_facts("逾期30天，按年化18%计算")]
        [('30天', 30.0, 'day'), ('18%', 0.18, 'per_year')]

    Where candidates overlap the longest wins (万分之五 over 五), so each character
    belongs to at most one fact.
    """
    if not text:
        return []
    # A run of 40+ number characters is no fact, and the number patterns backtrack over it
    # once per start position (quadratic on hostile input). Mask it; offsets are unchanged,
    # and no fact can include a masked character, so surfaces still read from ``text``.
    text = _LONG_NUMBER_RUN.sub(lambda m: "#" * len(m.group()), text)
    candidates = _laws(text) + _rates(text) + _names(text) + _numbers(text)
    candidates.sort(key=lambda c: (-(c.fact.char_end - c.fact.char_start), -c.priority, c.fact.char_start))
    taken: list[tuple[int, int]] = []
    chosen: list[Fact] = []
    for c in candidates:
        s, e = c.fact.char_start, c.fact.char_end
        if s >= e or any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        chosen.append(c.fact)
    chosen.sort(key=lambda f: f.char_start)
    return chosen
