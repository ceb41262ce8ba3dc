"""Checks: flag claims that are arithmetically wrong, outdated, mis-cited, wrong or conflicting.

Two verbs:

* :func:`check_article` looks at one article's claims (with their facts) and returns
  :class:`Flag` records of kind ``arithmetic``, ``outdated_law``, ``wrong_citation`` and
  ``wrong_fact``;
* :func:`find_conflicts` looks across the whole KB for the same subject (微粒贷 罚息,
  征信保留 …) stated with incompatible values in different articles.

Every flag says why (``detail``) and what it relies on (``reference``: a provision from
``pipeline/data/provisions.csv``, ``recomputed`` or the other claim). The checks favour
precision: each one needs a specific cue in the claim, and hedges (原《合同法》, 以前,
已废止 …) or an article date before the change silence it. See ``docs/checks.md``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

from pipeline.document import Claim, Fact, Flag
from pipeline.facts import extract_facts, products

# ---------------------------------------------------------------- reference table


@dataclass(frozen=True)
class Provision:
    """One row of ``pipeline/data/provisions.csv`` (a law when ``article`` is None)."""

    law: str
    article: int | None
    topic: str
    gist: str
    in_force_from: str | None
    in_force_until: str | None
    repealed_by: str | None
    articles: int | None
    keywords: str
    source: str

    @property
    def cite(self) -> str:
        return cite(self.law, self.article)


@functools.lru_cache(maxsize=1)
def provisions() -> tuple[Provision, ...]:
    raw = resources.files("pipeline").joinpath("data", "provisions.csv").read_text("utf-8")
    rows = []
    for r in csv.DictReader(io.StringIO(raw)):
        rows.append(
            Provision(
                law=r["law"],
                article=int(r["article"]) if r["article"].isdigit() else None,
                topic=r["topic"],
                gist=r["gist"],
                in_force_from=r["in_force_from"] or None,
                in_force_until=r["in_force_until"] or None,
                repealed_by=r["repealed_by"] or None,
                articles=int(r["articles"]) if r["articles"].isdigit() else None,
                keywords=r["keywords"],
                source=r["source"],
            )
        )
    return tuple(rows)


def provision(law: str, article: int | None = None) -> Provision | None:
    for p in provisions():
        if p.law == law and p.article == article:
            return p
    return None


# What a claim is clearly about: one specific signal per topic. A citation is only
# judged when the claim carries one of these (the table's broader ``keywords`` are what
# a provision may be cited for without being questioned).
TOPIC_SIGNALS: dict[str, re.Pattern] = {
    "limitation_period": re.compile(r"诉讼时效"),
    "interest_cap": re.compile(
        r"高利放贷|高利贷|LPR|贷款市场报价利率|利率(?:上限|红线)|(?:24|36)[%％]|利率不得(?:超过|违反)|不得超过.{0,8}利率|最高利率"
    ),
    "interest_deduction": re.compile(r"砍头息|预先.{0,6}扣除|利息.{0,6}预先|从本金中.{0,4}扣"),
    "overdue_interest": re.compile(r"逾期利息|罚息"),
    "credit_retention": re.compile(r"(?:保存|保留).{0,8}(?:5|五)年|(?:5|五)年.{0,6}(?:删除|消除|消失)"),
    "credit_query": re.compile(r"免费.{0,6}(?:查询|获取)|每年.{0,4}两次"),
    "credit_dispute": re.compile(r"异议"),
    "malicious_overdraft": re.compile(r"恶意透支|信用卡诈骗"),
    "answer_period": re.compile(r"答辩"),
    "appeal_period": re.compile(r"上诉"),
    "payment_order": re.compile(r"支付令"),
}


TOPIC_LABELS = {
    "repeal": "民法典施行与旧法废止",
    "limitation_period": "诉讼时效",
    "penalty": "违约金",
    "interest_deduction": "利息预先扣除（砍头息）",
    "repayment_term": "还款期限",
    "overdue_interest": "逾期利息/罚息",
    "interest_cap": "利率上限/高利放贷",
    "credit_notice": "报送不良信息前告知",
    "credit_retention": "不良信息保存期限",
    "credit_query": "信用报告查询",
    "credit_dispute": "征信异议",
    "private_lending_scope": "民间借贷的适用范围",
    "malicious_overdraft": "恶意透支",
    "answer_period": "答辩期",
    "appeal_period": "上诉期",
    "payment_order": "支付令",
    "card_fees": "信用卡费用",
    "transition": "新旧法衔接",
}

def chinese_number(n: int) -> str:
    """680 → 六百八十 (for citing articles the way the statutes do)."""
    import cn2an

    return cn2an.an2cn(n, "low")


def cite(law: str, article: int | None) -> str:
    return f"{law} 第{chinese_number(article)}条" if article else law


# ---------------------------------------------------------------- helpers

# Words that mark a claim as talking about the past or about the change itself; any
# of them silences the outdated checks (precision over recall).
HISTORICAL = re.compile(
    r"废止|废除|失效|取代|替代|代替|原《|原来|原先|原有|以前|此前|之前|过去|曾经|曾|旧|已不再|不再适用|不再有效|"
    r"已经?被|改为|改成|调整为|修改为|变为|变更为|更名|前身|施行前|实施前|生效前|当时|历史|老规定|[12]\d{3}年以?前|"
    r"(?:19\d\d|20[01]\d)年(?:的|版|出台|发布|颁布|施行|修订|实施)"
)
_HYPOTHETICAL = re.compile(r"假设|例如|比如|举例|假如|譬如|打个比方|举个例子")
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")


def _date(value: str | None) -> str | None:
    """'2025-04-11 09:31:47', '2025年4月11日' … → '2025-04-11' (None when unreadable)."""
    if not value:
        return None
    m = _DATE.search(value)
    if not m:
        m2 = re.search(r"(\d{4})", value)
        return f"{m2.group(1)}-12-31" if m2 else None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _before(published: str | None, day: str) -> bool:
    """True when the article is known to predate ``day`` (so the old rule was current)."""
    return published is not None and published < day


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x)}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _pct(r: float) -> str:
    return f"{_fmt(round(r * 100, 6))}%"


_PERIOD_CN = {"per_day": "日", "per_month": "月", "per_year": "年"}
_PERIOD_EN = {"per_day": "day", "per_month": "month", "per_year": "year"}


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max((m.end() for m in re.finditer(r"[。；;！？!?\n]", text[:start])), default=0)
    m = re.compile(r"[。；;！？!?\n]").search(text, end)
    return lo, (m.start() if m else len(text))


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max((m.end() for m in re.finditer(r"[，,。；;！？!?\n]", text[:start])), default=0)
    m = re.compile(r"[，,。；;！？!?\n]").search(text, end)
    return lo, (m.start() if m else len(text))


# Anchored after a clause break (or at the start) so a long run is scanned once, not once per
# start position (quadratic on a 20,000-character "sentence").
_QUESTION = re.compile(r"(?<![^。；;！？!?\n])[^。；;！？!?\n]*[？?]")


def _asserted(claim: Claim, facts: list[Fact]) -> tuple[Claim, list[Fact]]:
    """The claim with its questions blanked out (same offsets): a question asserts nothing."""
    spans = [m.span() for m in _QUESTION.finditer(claim.text)]
    if not spans:
        return claim, facts
    text = list(claim.text)
    for a, b in spans:
        text[a:b] = " " * (b - a)
    kept = [f for f in facts if not any(a <= f.char_start < b for a, b in spans)]
    return Claim(claim.seq, "".join(text), claim.section, claim.char_start, claim.char_end), kept


def _flag(kind: str, detail: str, reference: str, claim: Claim, other: str | None = None) -> Flag:
    return Flag(kind=kind, detail=detail, reference=reference, claim_seq=claim.seq, other_claim_id=other)


# ---------------------------------------------------------------- outdated_law

_PRIVATE_LENDING = re.compile(r"民间借贷|个人(?:之间|间|与个人)|私人借|借给(?:朋友|亲戚|他人|别人)|朋友(?:之间|间)?借|亲戚借|两线三区")
_CAP_CUE = re.compile(r"保护|支持|无效|上限|红线|不得超过|不能超过|超过|高利贷|合法|违法|法律")
_LPR = re.compile(r"LPR|贷款市场报价利率|四倍|4倍")
_MALICIOUS = re.compile(r"恶意透支|信用卡诈骗")
_THRESHOLD_CUE = re.compile(r"以上|起|达到|超过|数额较大|数额巨大|立案|构成|刑事|坐牢|判刑|追究|量刑|入刑")
_OLD_OVERDRAFT = {10000.0: ("数额较大", 50000.0), 100000.0: ("数额巨大", 500000.0), 1000000.0: ("数额特别巨大", 5000000.0)}
_LATE_FEE_NEGATED = re.compile(
    r"取消|没有滞纳金|无滞纳金|不再收取?|不收取?滞纳金|不会?(?:产生|收取?|有)滞纳金|违约金(?:取代|代替)|改为违约金|改成违约金|改称|改名|叫法"
)
# Only where the article sends readers to the old regulator: rules it issued are still rules.
_OLD_REGULATOR = re.compile(
    r"(?:向|找|联系|拨打)(?:当地)?(?P<a>银保监会|银监会|银保监局|银监局)|"
    r"(?P<b>银保监会|银监会|银保监局|银监局)(?:的)?(?:投诉|举报|热线|电话|12378)"
)


def _outdated(claim: Claim, facts: list[Fact], published: str | None) -> list[Flag]:
    text = claim.text
    flags: list[Flag] = []
    historical = bool(HISTORICAL.search(text))
    date_note = "" if published else "（文章日期未知，按现行法判断 / article date unknown, judged against current law）"

    # 1. a statute repealed by 民法典 第一千二百六十条, cited as if in force
    seen: set[str] = set()
    for f in facts:
        if f.kind != "law" or f.value in seen:
            continue
        law = provision(str(f.value))
        if law is None or not law.in_force_until or historical:
            continue
        if _before(published, _next_day(law.in_force_until)):
            continue
        seen.add(str(f.value))
        repealed_on = _next_day(law.in_force_until)
        where_now = (
            "借款合同规则现见《民法典》合同编第六百六十七条至第六百八十条。" if f.value == "合同法" else "相应规则已并入《民法典》。"
        )
        flags.append(
            _flag(
                "outdated_law",
                f"《{f.value}》已于{repealed_on}废止（{law.repealed_by}），本句仍把它当作现行法律引用；{where_now}"
                f" / {f.value} was repealed on {repealed_on} ({law.repealed_by}) but is cited as current law."
                + date_note,
                law.repealed_by or cite(law.law, None),
                claim,
            )
        )

    # 2. the 24% / 36% two-line cap presented as today's private-lending cap
    caps = [f for f in facts if f.kind == "rate" and f.unit in ("per_year", None) and f.value in (0.24, 0.36)]
    if (
        (caps or "两线三区" in text)
        and _PRIVATE_LENDING.search(text)
        and _CAP_CUE.search(text)
        and not historical
        and not _LPR.search(text)
        and not _before(published, "2020-08-20")
    ):
        shown = "、".join(f.surface for f in caps) or "两线三区"
        flags.append(
            _flag(
                "outdated_law",
                f"{shown} 是2015年民间借贷司法解释的“两线三区”上限；自2020年8月20日起，民间借贷利率的司法保护上限为"
                "合同成立时一年期贷款市场报价利率（LPR）的4倍（民间借贷司法解释 第二十五条、第三十一条）。"
                " / The 24%/36% private-lending caps were replaced by 4 × one-year LPR from 2020-08-20." + date_note,
                "民间借贷司法解释 第二十五条",
                claim,
            )
        )

    # 3. the pre-2018 恶意透支 thresholds (1万 / 10万 / 100万)
    if _MALICIOUS.search(text) and not historical and not _before(published, "2018-12-01"):
        amounts = {f.value for f in facts if f.kind == "amount" and not f.extra.get("per")}
        for f in facts:
            if f.kind != "amount" or f.value not in _OLD_OVERDRAFT or f.extra.get("per"):
                continue
            label, new = _OLD_OVERDRAFT[f.value]
            if new in amounts or not _THRESHOLD_CUE.search(text):
                continue
            flags.append(
                _flag(
                    "outdated_law",
                    f"恶意透支“{label}”的起点自2018年12月1日起为{_fmt(new / 10000)}万元，{f.surface}是2009年旧标准"
                    f"（妨害信用卡管理刑事案件解释 第八条，2018年修改）。 / Since 2018-12-01 the threshold is "
                    f"{_fmt(new)} CNY, not {_fmt(float(f.value))}." + date_note,
                    "妨害信用卡管理刑事案件解释 第八条",
                    claim,
                )
            )
            break

    # 4. 信用卡滞纳金, abolished from 2017-01-01
    if (
        "滞纳金" in text
        and "信用卡" in text
        and not historical
        and not _LATE_FEE_NEGATED.search(text)
        and not _before(published, "2017-01-01")
    ):
        flags.append(
            _flag(
                "outdated_law",
                "自2017年1月1日起信用卡滞纳金已取消，逾期是否收取违约金及其标准由发卡机构与持卡人协议约定"
                "（中国人民银行关于信用卡业务有关事项的通知，银发〔2016〕111号）。"
                " / Credit-card late fees (滞纳金) were abolished on 2017-01-01 and replaced by an agreed 违约金."
                + date_note,
                "信用卡业务通知（银发〔2016〕111号）",
                claim,
            )
        )

    # 5. the card overdraft rate ceiling (日万分之五) / floor (0.7倍), lifted from 2021-01-01
    if (
        "信用卡" in text
        and "透支利率" in text
        and re.search(r"上限|下限|最高|最低|不得超过|0\.7倍|七折", text)
        and any(f.kind == "rate" and f.unit == "per_day" and f.value == 0.0005 for f in facts)
        and not historical
        and not _before(published, "2021-01-01")
    ):
        flags.append(
            _flag(
                "outdated_law",
                "信用卡透支利率“上限日万分之五、下限0.7倍”的管理已自2021年1月1日起取消，改由发卡机构与持卡人自主协商"
                "（中国人民银行公告〔2020〕第18号）。 / The card overdraft rate ceiling and floor were lifted on 2021-01-01."
                + date_note,
                "中国人民银行公告〔2020〕第18号",
                claim,
            )
        )

    # 6. 银保监会 / 银监会 named as today's regulator (only when the article date is known)
    m = _OLD_REGULATOR.search(text)
    name = (m.group("a") or m.group("b")) if m else ""
    renamed = re.search(r"原|前身|更名|改名|现为|现在的|如今的", text)
    if m and published and published >= "2023-06-01" and not historical and not renamed:
        flags.append(
            _flag(
                "outdated_law",
                f"{name}已于2023年由国家金融监督管理总局（及其派出机构）取代；本文发布于{published}，"
                f"投诉应找国家金融监督管理总局。 / {name} was replaced by 国家金融监督管理总局 in 2023.",
                "国家金融监督管理总局（2023年组建）",
                claim,
            )
        )
    return flags


def _next_day(day: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- wrong_citation


def claim_topics(text: str) -> set[str]:
    """The topics a text is clearly about (:data:`TOPIC_SIGNALS`)."""
    return {topic for topic, pattern in TOPIC_SIGNALS.items() if pattern.search(text)}


def _supports(p: Provision, text: str) -> bool:
    """Whether the claim talks about anything the provision covers."""
    return bool(p.keywords) and re.search(p.keywords, text) is not None


def _best_provision(topics: set[str]) -> Provision | None:
    for topic in TOPIC_SIGNALS:
        if topic in topics:
            for p in provisions():
                if p.topic == topic and p.article is not None and not p.in_force_until:
                    return p
    return None


def _wrong_citation(claim: Claim, facts: list[Fact]) -> list[Flag]:
    cited = [f for f in facts if f.kind == "law" and f.extra.get("article")]
    if not cited:
        return []
    flags = []
    # the claim's subject, judged without the citations themselves
    bare = claim.text
    for f in cited:
        bare = bare.replace(f.surface, " " * len(f.surface))
    topics = claim_topics(bare)
    known = [(f, provision(str(f.value), f.extra["article"])) for f in cited]
    supported = any(p is not None and (p.topic in topics or _supports(p, bare)) for _, p in known)
    for f, p in known:
        law = provision(str(f.value))
        article = f.extra["article"]
        if p is None and law is not None and law.articles and article > law.articles:
            flags.append(
                _flag(
                    "wrong_citation",
                    f"《{f.value}》只有{law.articles}条，不存在第{chinese_number(article)}条。"
                    f" / {f.value} has {law.articles} articles; article {article} does not exist.",
                    f"{law.law}（共{law.articles}条）",
                    claim,
                )
            )
            continue
        if p is None or not topics or supported:
            continue
        if p.law == "民间借贷司法解释" and re.search(r"(?:24|36)[%％]", bare):
            continue  # the 2015 numbering: outdated_law reports it
        right = _best_provision(topics)
        suggestion = f"；相关条文应为{right.cite}" if right else ""
        flags.append(
            _flag(
                "wrong_citation",
                f"{p.cite}讲的是{TOPIC_LABELS.get(p.topic, p.topic)}（{p.gist.split(' ')[0]}），"
                f"与本句所说的{'、'.join(TOPIC_LABELS.get(t, t) for t in sorted(topics))}不符{suggestion}。"
                f" / {p.cite} is about {p.topic}, not what the claim says.",
                p.cite,
                claim,
            )
        )
    return flags


# ---------------------------------------------------------------- wrong_fact

_NEGATIVE_RECORD = re.compile(r"逾期记录|不良记录|不良信息|负面记录|负面信息|逾期信息|征信污点|不良征信|征信记录|逾期(?:的)?记录|黑名单记录")
_RETAIN = re.compile(r"保留|保存|保持|消除|删除|清除|自动消失|消失|抹去|洗白|展示|显示")
_FROM_OVERDUE = re.compile(
    r"(?:从|自)(?:首次|第一次|开始|最后一次)?逾期(?:发生|产生|出现|开始)?(?:之日|当日|当天|那天|那一天|的那天|的当天|日|时|开始|起)"
)
_END_EVENT = re.compile(r"还清|结清|终止|结束|还款之日|偿还|清偿|还上|付清")
_CONDITIONAL = re.compile(r"不还|未还|没还|未结清|没有还清|一直不|永久|终身|查询")
_LIMITATION = re.compile(r"诉讼时效")
_LIMITATION_EXEMPT = re.compile(r"最长|特殊|国际|海上|二十年|20年|民法通则|原来|以前|过去|曾|改为|延长|变为|调整|旧")


def _durations(facts: Iterable[Fact], unit: str) -> list[Fact]:
    return [f for f in facts if f.kind == "duration" and f.unit == unit]


def _near(text: str, word: re.Pattern, f: Fact, span: int = 12) -> bool:
    lo, hi = max(0, f.char_start - span), min(len(text), f.char_end + span)
    s_lo, s_hi = _sentence_bounds(text, f.char_start, f.char_end)
    return bool(word.search(text, max(lo, s_lo), min(hi, s_hi)))


def _wrong_fact(claim: Claim, facts: list[Fact], published: str | None) -> list[Flag]:
    text = claim.text
    flags: list[Flag] = []

    # 1. credit records: 5 years from the end of the bad behaviour (征信业管理条例 第十六条)
    if _NEGATIVE_RECORD.search(text) or "征信" in text or "信用报告" in text:
        years = _durations(facts, "year")
        if _FROM_OVERDUE.search(text) and not _END_EVENT.search(text) and any(
            f.value == 5 for f in years
        ) and _RETAIN.search(text):
            flags.append(
                _flag(
                    "wrong_fact",
                    "不良信息的5年保存期自不良行为或事件终止之日（即逾期欠款还清之日）起算，而不是从逾期之日起算"
                    "（征信业管理条例 第十六条）。 / The 5 years run from the day the bad behaviour ends, not from the overdue date.",
                    "征信业管理条例 第十六条",
                    claim,
                )
            )
        elif _NEGATIVE_RECORD.search(text) and _RETAIN.search(text) and not _CONDITIONAL.search(text):
            wrong = [f for f in years if f.value != 5 and _near(text, _RETAIN, f) and not f.extra.get("at_least")]
            if wrong and not any(f.value == 5 for f in years) and not re.search(r"展示|显示|近\S{0,3}年", text):
                f = wrong[0]
                flags.append(
                    _flag(
                        "wrong_fact",
                        f"个人不良信息的保存期限是5年（自不良行为或事件终止之日起算），不是{f.surface}（征信业管理条例 第十六条）。"
                        f" / Negative credit records are kept 5 years, not {_fmt(float(f.value))} years.",
                        "征信业管理条例 第十六条",
                        claim,
                    )
                )

    # 2. a product attributed to the wrong lender (微粒贷是蚂蚁的)
    flags.extend(_wrong_lender(claim, facts))

    # 3. the limitation period stated as 1 or 2 years (3 years: 民法典 第一百八十八条)
    if _LIMITATION.search(text) and not _LIMITATION_EXEMPT.search(text) and not _before(published, "2017-10-01"):
        years = _durations(facts, "year")
        if not any(f.value == 3 for f in years):
            for f in years:
                if f.value in (1, 2) and _near(text, _LIMITATION, f, span=12):
                    flags.append(
                        _flag(
                            "wrong_fact",
                            f"一般诉讼时效是3年（民法典 第一百八十八条），不是{f.surface}；2年是已失效的《民法通则》旧规定"
                            "（2017年10月1日起改为3年）。 / The general limitation period is 3 years, not "
                            f"{_fmt(float(f.value))}.",
                            "民法典 第一百八十八条",
                            claim,
                        )
                    )
                    break

    # 4. 答辩期 15 days, 上诉期 15 days (judgment) / 10 days (ruling): 民事诉讼法 (2023)
    foreign = re.search(r"涉外|境外|外国|国外|没有住所|港澳台", text)
    days = _durations(facts, "day")
    if "答辩" in text and not foreign and "上诉" not in text:
        for f in days:
            if f.value != 15 and _near(text, re.compile("答辩"), f, span=10) and not f.extra.get("working_days"):
                flags.append(
                    _flag(
                        "wrong_fact",
                        f"被告应在收到起诉状副本之日起15日内答辩（民事诉讼法 第一百二十八条），不是{f.surface}。"
                        f" / The defence period is 15 days, not {_fmt(float(f.value))}.",
                        "民事诉讼法 第一百二十八条",
                        claim,
                    )
                )
                break
    if "上诉" in text and not foreign:
        judgment, ruling = "判决" in text, "裁定" in text
        allowed = {15.0} if judgment and not ruling else {10.0} if ruling and not judgment else {10.0, 15.0}
        for f in days:
            if f.value not in allowed and _near(text, re.compile("上诉"), f, span=10) and not f.extra.get("working_days"):
                flags.append(
                    _flag(
                        "wrong_fact",
                        f"不服一审判决的上诉期为判决书送达之日起15日，不服裁定的为10日（民事诉讼法 第一百七十一条），不是{f.surface}。"
                        f" / Appeal within 15 days (judgment) or 10 days (ruling), not {_fmt(float(f.value))}.",
                        "民事诉讼法 第一百七十一条",
                        claim,
                    )
                )
                break

    # 5. 民法典 in force from a date other than 2021-01-01
    if "民法典" in text and re.search(r"施行|实施|生效", text) and not re.search(r"2021\s*年\s*1\s*月\s*1\s*日|2021-0?1-0?1", text):
        m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:起)?(?:正式)?(?:施行|实施|生效)", text)
        if m:
            flags.append(
                _flag(
                    "wrong_fact",
                    f"《民法典》自2021年1月1日起施行（民法典 第一千二百六十条），不是{m.group(0)}。"
                    " / The Civil Code took effect on 2021-01-01.",
                    "民法典 第一千二百六十条",
                    claim,
                )
            )
    return flags


_OWNS_AFTER = re.compile(r"^(?:是|属于|为|隶属于?|来自|归属于?|是由|由)$")
_OWNS_BEFORE = re.compile(r"^(?:旗下(?:的)?|推出的?|的|家的|平台的?|公司的?|出品的?|提供的?|发放的?|运营的?)$")


def _wrong_lender(claim: Claim, facts: list[Fact]) -> list[Flag]:
    text = claim.text
    flags = []
    prods = [f for f in facts if f.kind == "product"]
    orgs = [f for f in facts if f.kind == "institution" and f.extra.get("group")]
    for p in prods:
        lo, hi = _sentence_bounds(text, p.char_start, p.char_end)
        clause_lo = max([lo] + [m.end() for m in re.finditer(r"[，,、]", text[:p.char_start])])
        same_clause = lambda f: f.char_start >= clause_lo and f.char_end <= hi and not re.search(  # noqa: E731
            r"[，,]", text[min(p.char_end, f.char_end):max(p.char_start, f.char_start)]
        )
        ps = [q for q in prods if same_clause(q)]
        os_ = [o for o in orgs if same_clause(o)]
        if len(ps) != 1 or len(os_) != 1:
            continue  # lists (微粒贷和借呗分别是…) are too easy to misread
        o = os_[0]
        if o.char_start > p.char_end:
            between = text[p.char_end:o.char_start]
            owned = bool(_OWNS_AFTER.match(between)) and bool(
                re.match(r"(?:旗下|的|推出|提供|发放|运营|出资|公司|银行|产品|集团)", text[o.char_end:o.char_end + 3])
                or o.char_end == hi
            )
        else:
            owned = bool(_OWNS_BEFORE.match(text[o.char_end:p.char_start]))
        if not owned or o.extra["group"] in p.extra.get("owners", []):
            continue
        if re.search(r"不是|并非|而非|不属于|误以为|以为|误认为|并不是|不是由", text[lo:hi]):
            continue
        flags.append(
            _flag(
                "wrong_fact",
                f"{p.value}由{p.extra['lender']}提供（所属：{'/'.join(p.extra['owners'])}），不是{o.surface}的产品。"
                f" / {p.value} is offered by {p.extra['lender']}, not {o.surface}.",
                "products.csv",
                claim,
            )
        )
    return flags


# ---------------------------------------------------------------- arithmetic

_TOTAL_CUE = re.compile(r"(?:总计|共计|合计|一共|累计|总共|总额|共|总)[^，,。；;0-9]{0,5}$")
_PRINCIPAL_CUE = re.compile(r"借款|贷款|借了|本金|欠款|欠了|借|贷|额度|透支|欠|金额|未还|待还")
_PENALTY = re.compile(r"罚息|逾期利息|逾期利率|罚金|违约金")
_INTEREST = re.compile(r"利息|利率|年化|日息|月息|息费")
_FEE = re.compile(r"手续费|服务费|滞纳金|违约金|费用|管理费|担保费")
_INSTALMENTS = re.compile(r"分期|等额|月供|每期|分\S{0,3}期|分\S{0,4}个月")
_CONVERSION_CUE = re.compile(r"相当于|折合|换算|即|也就是|约等于|等于|约为|约合|折算")
_COST_AMBIGUOUS = re.compile(r"费率|手续费|分期|等额|IRR|APR|实际|综合")


def _subject_before(text: str, pos: int, window: int = 16) -> str | None:
    """'penalty', 'interest' or 'fee': what the number right after ``pos`` is about."""
    lo = max(_clause_bounds(text, pos, pos)[0], pos - window)
    seg = text[lo:pos]
    best, best_end = None, -1
    for name, pattern in (("penalty", _PENALTY), ("fee", _FEE), ("interest", _INTEREST)):
        for m in pattern.finditer(seg):
            if m.end() > best_end or (m.end() == best_end and name == "penalty"):
                best, best_end = name, m.end()
    return best


def _subject_after(text: str, pos: int, window: int = 8) -> str | None:
    """The subject named right after a rate with none before it (按每日万分之五计算罚息)."""
    seg = re.split(r"[，,。；;]", text[pos:pos + window])[0]
    for name, pattern in (("penalty", _PENALTY), ("fee", _FEE), ("interest", _INTEREST)):
        if pattern.search(seg):
            return name
    return None


def _daily_rates(rate: Fact) -> list[float]:
    r = float(rate.value)
    if rate.unit == "per_day":
        return [r]
    if rate.unit == "per_month":
        return [r / 30, r / 31, r * 12 / 365, r * 12 / 360]
    if rate.unit == "per_year":
        return [r / 365, r / 360]
    return []


_PERIOD_DAYS = {"per_day": [1.0], "per_month": [30.0, 31.0, 365 / 12], "per_year": [365.0, 360.0]}
# (rate period, amount period) → how the detail shows the conversion
_CONVERT_TEXT = {
    ("per_year", "per_day"): " ÷ 365", ("per_month", "per_day"): " ÷ 30",
    ("per_day", "per_year"): " × 365", ("per_month", "per_year"): " × 12",
    ("per_day", "per_month"): " × 30", ("per_year", "per_month"): " ÷ 12",
}


def _tolerance(f: Fact, expected: float) -> float:
    digits = len(f.surface.split(".")[1].rstrip("元块/天日月年每")) if "." in f.surface else 0
    half_unit = 0.5 * 10 ** (-digits) if digits else 0.5
    rel = 0.10 if f.extra.get("approx") else 0.05
    return max(rel * expected, half_unit)


def _rate_text(rate: Fact) -> str:
    r = float(rate.value)
    return f"{_pct(r)}/{_PERIOD_CN.get(rate.unit, '')}"


@dataclass
class _Context:
    """Facts of one claim with the claim they come from and its distance."""

    claim: Claim
    facts: list[Fact]
    distance: int


def _nearest_unique(found: list[tuple[int, Fact]]) -> Fact | None:
    """The fact at the smallest distance, if all facts at that distance agree."""
    if not found:
        return None
    d0 = min(d for d, _ in found)
    level = [f for d, f in found if d == d0]
    values = {(f.value, f.unit) for f in level}
    return level[0] if len(values) == 1 else None


def _principal(ctxs: list[_Context]) -> Fact | None:
    found = []
    for c in ctxs:
        for f in c.facts:
            if f.kind != "amount" or f.extra.get("per") or float(f.value) < 100:
                continue
            lo, hi = _sentence_bounds(c.claim.text, f.char_start, f.char_end)
            before = c.claim.text[max(lo, f.char_start - 8):f.char_start]
            after = c.claim.text[f.char_end:min(hi, f.char_end + 6)]
            if _TOTAL_CUE.search(before) or _subject_before(c.claim.text, f.char_start, 6):
                continue
            if _PRINCIPAL_CUE.search(before) or re.match(r"(?:的)?(?:借款|贷款|本金|欠款|债务|信用卡欠款)", after):
                found.append((c.distance, f))
    return _nearest_unique(found)


def _rate_for(ctxs: list[_Context], subject: str) -> Fact | None:
    found = []
    for c in ctxs:
        for f in c.facts:
            if f.kind != "rate" or f.unit not in _PERIOD_DAYS or "low" in f.extra:
                continue
            if f.extra.get("at_least") or f.extra.get("at_most"):
                continue
            text = c.claim.text
            s = _subject_before(text, f.char_start, 24) or _subject_after(text, f.char_end) or "interest"
            if s == subject:
                found.append((c.distance, f))
    return _nearest_unique(found)


def _days(ctxs: list[_Context]) -> Fact | None:
    found = []
    for c in ctxs:
        for f in c.facts:
            if f.kind == "duration" and f.unit in ("day", "month") and not f.extra.get("at_most"):
                found.append((c.distance, f))
    return _nearest_unique(found)


def _days_value(f: Fact) -> float:
    return float(f.value) * (30 if f.unit == "month" else 1)


def _arithmetic(claims: list[Claim], facts: dict[int, list[Fact]]) -> list[Flag]:
    flags: list[Flag] = []
    by_pos = {i: c for i, c in enumerate(claims)}
    for i, claim in by_pos.items():
        own = facts.get(claim.seq, [])
        amounts = [f for f in own if f.kind == "amount"]
        rates = [f for f in own if f.kind == "rate"]
        if not amounts and len(rates) < 2:
            continue
        ctxs = [_Context(claim, own, 0)]
        for j in (i - 1, i - 2, i - 3, i - 4, i - 5, i - 6, i + 1):
            other = by_pos.get(j)
            if other is not None and other.section == claim.section:
                ctxs.append(_Context(other, facts.get(other.seq, []), abs(i - j)))
        flags.extend(_check_amounts(claim, own, ctxs))
        flags.extend(_check_conversions(claim, own))
    return flags


def _check_amounts(claim: Claim, own: list[Fact], ctxs: list[_Context]) -> list[Flag]:
    text = claim.text
    flags: list[Flag] = []
    principal = _principal(ctxs)
    days = _days(ctxs)
    wrong_per_day: dict[int, float] = {}  # char_start of a wrong per-day amount → expected
    last_per_day: Fact | None = None
    for f in own:
        if f.kind != "amount":
            continue
        subject = _subject_before(text, f.char_start)
        per = f.extra.get("per")
        if per in ("per_month", "per_year") and subject is None and last_per_day is not None:
            # 每天利息2.5元，一个月就是75元: the longer period is the daily figure times its days
            daily = float(last_per_day.value)
            candidates = [daily * n for n in _PERIOD_DAYS[per]]
            if not any(abs(float(f.value) - e) <= _tolerance(f, e) for e in candidates):
                flags.append(
                    _flag(
                        "arithmetic",
                        f"{last_per_day.surface} × {_fmt(_PERIOD_DAYS[per][0])}天 ≈ {_fmt(candidates[0])}元，"
                        f"不是{f.surface}。 / recomputed: {_fmt(daily)} × {_fmt(_PERIOD_DAYS[per][0])} days ≈ "
                        f"{_fmt(candidates[0])} CNY, not {_fmt(float(f.value))}.",
                        "recomputed",
                        claim,
                    )
                )
            continue
        if per in _PERIOD_DAYS:
            last_per_day = f if per == "per_day" else None
            if subject not in ("interest", "penalty") or principal is None:
                continue
            rate = _rate_for(ctxs, subject)
            if rate is None:
                continue
            base = float(principal.value)
            candidates = [base * dr * n for dr in _daily_rates(rate) for n in _PERIOD_DAYS[per]]
            if any(abs(float(f.value) - e) <= _tolerance(f, e) for e in candidates):
                continue
            expected = candidates[0]
            if per == "per_day":
                wrong_per_day[f.char_start] = expected
            how = _CONVERT_TEXT.get((rate.unit, per), "")
            flags.append(
                _flag(
                    "arithmetic",
                    f"{_fmt(base)}元 × {_rate_text(rate)}{how} ≈ {_fmt(expected)}元/{_PERIOD_CN[per]}，不是{f.surface}。"
                    f" / recomputed: {_fmt(base)} CNY × {_pct(float(rate.value))}/{_PERIOD_EN[rate.unit]}{how} ≈ "
                    f"{_fmt(expected)} CNY/{_PERIOD_EN[per]}, not {_fmt(float(f.value))}.",
                    "recomputed",
                    claim,
                )
            )
            continue
        before = text[max(0, f.char_start - 6):f.char_start]
        is_total = bool(_TOTAL_CUE.search(before))
        if not is_total or days is None:
            continue
        n = _days_value(days)
        # a total right after a per-day amount: total = per-day × days
        if last_per_day is not None and last_per_day.char_end <= f.char_start:
            per_day = float(last_per_day.value)
            product = per_day * n
            if abs(float(f.value) - product) > _tolerance(f, product):
                flags.append(
                    _flag(
                        "arithmetic",
                        f"{last_per_day.surface} × {days.surface} = {_fmt(product)}元，不是{f.surface}。"
                        f" / recomputed: {_fmt(per_day)} × {_fmt(n)} days = {_fmt(product)} CNY, "
                        f"not {_fmt(float(f.value))}.",
                        "recomputed",
                        claim,
                    )
                )
            elif last_per_day.char_start in wrong_per_day:
                expected = wrong_per_day[last_per_day.char_start] * n
                flags.append(
                    _flag(
                        "arithmetic",
                        f"{f.surface} = {last_per_day.surface} × {days.surface}，但每日金额本身有误："
                        f"按本金和利率应约为{_fmt(expected)}元。 / {_fmt(float(f.value))} = {_fmt(per_day)} × {_fmt(n)}, "
                        f"but recomputed from the principal and rate the total is ≈ {_fmt(expected)} CNY.",
                        "recomputed",
                        claim,
                    )
                )
            continue
        # a total with no per-day figure: principal × rate × days (never for instalment
        # loans, whose interest runs on a shrinking balance)
        if _INSTALMENTS.search(text):
            continue
        subject = _subject_before(text, f.char_start, 24) or _subject_after(text, f.char_end, 4)
        if subject not in ("interest", "penalty") or principal is None:
            continue
        rate = _rate_for(ctxs, subject)
        if rate is None or days not in ctxs[0].facts:
            continue
        base = float(principal.value)
        candidates = [base * dr * n for dr in _daily_rates(rate)]
        if any(abs(float(f.value) - e) <= _tolerance(f, e) for e in candidates):
            continue
        flags.append(
            _flag(
                "arithmetic",
                f"{_fmt(base)}元 × {_rate_text(rate)} × {days.surface} ≈ {_fmt(candidates[0])}元，不是{f.surface}。"
                f" / recomputed: {_fmt(base)} × {_pct(float(rate.value))}/{_PERIOD_EN[rate.unit]} "
                f"over {_fmt(n)} days ≈ "
                f"{_fmt(candidates[0])} CNY, not {_fmt(float(f.value))}.",
                "recomputed",
                claim,
            )
        )
    return flags


def _check_conversions(claim: Claim, own: list[Fact]) -> list[Flag]:
    """日利率 ↔ 年化 conversions stated in one sentence (万分之五 ≈ 18.25%/年)."""
    text = claim.text
    if _COST_AMBIGUOUS.search(text):
        return []
    rates = [f for f in own if f.kind == "rate" and f.unit in _PERIOD_DAYS and "low" not in f.extra
             and not f.extra.get("at_least") and not f.extra.get("at_most")]
    flags = []
    for a, b in zip(rates, rates[1:]):
        if a.unit == b.unit or not _CONVERSION_CUE.search(text, a.char_end, b.char_start):
            continue
        if b.char_start - a.char_end > 16 or re.search(r"[。；;]", text[a.char_end:b.char_start]):
            continue
        sa, sb = _subject_before(text, a.char_start), _subject_before(text, b.char_start)
        if sa and sb and sa != sb:
            continue
        da, db = _daily_rates(a), _daily_rates(b)
        ok = any(abs(x - y) <= max(0.05 * y, _rate_rounding(b) / _days_in(b.unit)) for x in da for y in db)
        if ok:
            continue
        conv = float(a.value) * _days_in(b.unit) / _days_in(a.unit)
        flags.append(
            _flag(
                "arithmetic",
                f"{a.surface}（{_rate_text(a)}）换算为每{_PERIOD_CN[b.unit]}约{_pct(conv)}，不是{b.surface}。"
                f" / recomputed: {_rate_text(a)} ≈ {_pct(conv)} per {_PERIOD_EN[b.unit]}, not {_pct(float(b.value))}.",
                "recomputed",
                claim,
            )
        )
    return flags


def _days_in(unit: str) -> float:
    return {"per_day": 1.0, "per_month": 30.0, "per_year": 365.0}[unit]


def _rate_rounding(f: Fact) -> float:
    m = re.search(r"\.(\d+)", f.surface)
    digits = len(m.group(1)) if m else 0
    return 0.5 * 10 ** (-digits) / 100 if "%" in f.surface or "％" in f.surface else 0.0


# ---------------------------------------------------------------- public


def check_article(
    claims: list[Claim], facts: dict[int, list[Fact]], published_at: str | None = None
) -> list[Flag]:
    """Flags for one article's claims; ``facts`` maps ``Claim.seq`` → that claim's facts.

    ``published_at`` (any string holding a date) lets the outdated checks accept a
    rule that was still in force when the article was written.

        >>> c = Claim(0, "依照我国《合同法》及相关法律法规,贷款方有权追讨欠款。", None, 0, 26)
        >>> [f.kind for f in check_article([c], {0: extract_facts(c.text)})]
        ['outdated_law']
    """
    published = _date(published_at)
    flags: list[Flag] = []
    claims = [_asserted(c, facts.get(c.seq, [])) for c in claims]
    facts = {c.seq: own for c, own in claims}
    claims = [c for c, _ in claims]
    for claim in claims:
        own = facts.get(claim.seq, [])
        flags.extend(_outdated(claim, own, published))
        flags.extend(_wrong_citation(claim, own))
        flags.extend(_wrong_fact(claim, own, published))
    flags.extend(_arithmetic(claims, facts))
    flags.sort(key=lambda fl: (fl.claim_seq if fl.claim_seq is not None else -1))
    return flags


# ---------------------------------------------------------------- conflicts

# Subjects compared across articles. 利率 and 费率 are priced per borrower (7.2%–24% …),
# so two articles quoting different rates do not contradict each other: never compared.
COMPARED_SUBJECTS = {"罚息", "违约金", "宽限期", "征信保留", "诉讼时效", "答辩期", "上诉期", "上诉期（裁定）"}
# Subjects that belong to one product (a rule subject such as 诉讼时效 needs none).
_PRODUCT_SUBJECTS = {"罚息", "利率", "违约金", "宽限期", "费率"}


def fact_subject(text: str, fact: Fact) -> str | None:
    """What a number in a claim is about, for comparing claims across articles.

    罚息 / 利率 / 违约金 / 费率 for rates; 征信保留 / 宽限期 / 诉讼时效 / 答辩期 / 上诉期 for
    durations; ``None`` when the sentence does not say (such facts are never compared).

        >>> text = "微粒贷逾期罚息为约定利率上浮50%"
        >>> fact_subject(text, extract_facts(text)[-1])
        '罚息'
    """
    lo, hi = _sentence_bounds(text, fact.char_start, fact.char_end)
    before = text[max(lo, fact.char_start - 16):fact.char_start]
    sentence = text[lo:hi]
    if fact.kind == "rate":
        if fact.unit == "relative":
            # 罚息为约定利率上浮50% / 按借款利率上浮50%计收罚息: the base is a 利率, the subject 罚息
            c_lo, c_hi = _clause_bounds(text, fact.char_start, fact.char_end)
            return "罚息" if _PENALTY.search(text, c_lo, c_hi) else None
        best, best_end = None, -1
        for name, pattern in (("罚息", _PENALTY), ("费率", re.compile(r"手续费|服务费|费率")),
                              ("利率", re.compile(r"利率|年化|利息|日息|月息"))):
            for m in pattern.finditer(before):
                if m.end() > best_end:
                    best, best_end = name, m.end()
        return best
    if fact.kind == "duration":
        if "宽限期" in before:
            return "宽限期"
        if _NEGATIVE_RECORD.search(sentence) and _RETAIN.search(sentence) and fact.unit == "year":
            return "征信保留"
        if "诉讼时效" in sentence and fact.unit == "year":
            return "诉讼时效"
        if re.search(r"涉外|境外|没有住所", sentence):
            return None  # foreign parties have 30 days
        if "答辩" in before:
            return "答辩期"
        if "上诉" in before:
            return "上诉期（裁定）" if "裁定" in sentence and "判决" not in sentence else "上诉期"
    return None


def _row_fact(row: dict) -> Fact | None:
    extra = row.get("extra") or {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except ValueError:
            extra = {}
    text = row.get("claim_text") or row.get("text") or ""
    surface = row.get("surface") or ""
    start, end = row.get("char_start"), row.get("char_end")
    if start is None or end is None or text[start:end] != surface:
        pos = text.find(surface) if surface else -1
        if pos < 0:
            return None
        start, end = pos, pos + len(surface)
    value = row.get("value")
    if row.get("kind") in ("rate", "duration", "amount"):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    return Fact(row.get("kind"), surface, value, row.get("unit"), start, end, extra)


def _comparable(f: Fact) -> tuple[str, float, float] | None:
    """(scale, low, high) in a common unit: per-day rates, relative, or days."""
    lo = float(f.extra.get("low", f.value))
    hi = float(f.extra.get("high", f.value))
    if f.kind == "rate":
        if f.unit == "relative":
            return "relative", lo, hi
        if f.unit in _PERIOD_DAYS:
            k = 1 / _days_in(f.unit)
            return "per_day", lo * k, hi * k
        return None
    if f.kind == "duration":
        k = {"day": 1.0, "month": 30.0, "year": 365.0}.get(f.unit or "")
        return ("days", lo * k, hi * k) if k else None
    return None


def _compatible(a: tuple[str, float, float], b: tuple[str, float, float]) -> bool:
    if a[0] != b[0]:
        return False
    tol = 0.06 * max(a[2], b[2])
    return a[1] - tol <= b[2] and b[1] - tol <= a[2]


def _describe(f: Fact) -> str:
    if f.kind == "rate":
        if f.unit == "relative":
            return f"{f.surface}（在约定利率基础上上浮 {_pct(float(f.value))}）"
        return f"{f.surface}（{_rate_text(f)}）"
    return f.surface


def _article_products(rows: list[dict]) -> dict[str, str]:
    """article_id → its product, for articles whose rows name exactly one product."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.get("kind") == "product" and row.get("value"):
            per = counts.setdefault(str(row.get("article_id")), {})
            per[str(row["value"])] = per.get(str(row["value"]), 0) + 1
    # only an article about one product lends it to claims that name none
    return {article: next(iter(per)) for article, per in counts.items() if len(per) == 1}


def find_conflicts(rows: list[dict]) -> list[tuple[str, str, Flag]]:
    """Pairs of claims in different articles that state incompatible values for one subject.

    Each row is a fact joined with its claim: ``claim_id``, ``article_id``, ``kind``,
    ``value``, ``unit``, ``surface``, ``char_start``/``char_end`` (into the claim),
    ``extra`` (dict or JSON), ``claim_text``; optionally ``product`` (the article's
    main product, used when the claim names none; by default the product of an
    article whose rows name exactly one) and ``claim_seq``. Extra keys are ignored, so
    ``select facts.*, claims.article_id, claims.text as claim_text`` is enough.

    The subject of a fact is (product, what the number is about); product-specific
    subjects (罚息, 违约金, 宽限期) need a product, rule subjects (征信保留, 诉讼时效 …)
    do not; 利率 is priced per borrower and never compared. Worked examples (假设/例如),
    statements about the past (以前, 原 …) and bounds (不超过/以上) are never compared.
    Values are clustered; each claim outside the largest cluster is linked to one
    claim of it, so a KB with many agreeing articles yields one flag per dissenter.
    """
    groups: dict[tuple[str, str], list[tuple[dict, Fact, tuple]]] = {}
    for key, row, f, comp in conflict_members(rows):
        groups.setdefault(key, []).append((row, f, comp))
    out: list[tuple[str, str, Flag]] = []
    for (product, subject), members in groups.items():
        out += group_conflicts(product, subject, members)
    return out


def conflict_members(rows: list[dict]) -> list[tuple[tuple[str, str], dict, Fact, tuple]]:
    """``((product, subject), row, fact, comparable)`` for each row :func:`find_conflicts` compares.

    In row order. A row's subject depends only on its own claim and on the product rows
    of its own article (the article's main product), so the subjects of one article's
    facts can be computed from that article's rows alone: the KB stores them
    (``fact_subjects``) to recompute only the subjects a changed article touches.
    """
    out: list[tuple[tuple[str, str], dict, Fact, tuple]] = []
    product_cache: dict[str, list[str]] = {}
    article_product = _article_products(rows)
    for row in rows:
        if row.get("kind") not in ("rate", "duration"):
            continue
        f = _row_fact(row)
        if f is None or f.extra.get("at_least") or f.extra.get("at_most"):
            continue
        text = row.get("claim_text") or row.get("text") or ""
        if _HYPOTHETICAL.search(text):
            continue
        if HISTORICAL.search(text):
            continue  # 以前的《民法通则》规定两年: a statement about the past
        subject = fact_subject(text, f)
        if subject not in COMPARED_SUBJECTS:
            continue
        product = ""
        if subject in _PRODUCT_SUBJECTS:
            key = str(row.get("claim_id"))
            if key not in product_cache:
                product_cache[key] = sorted({str(x.value) for x in extract_facts(text) if x.kind == "product"})
            named = product_cache[key]
            if len(named) > 1:
                continue
            product = named[0] if named else (row.get("product") or article_product.get(str(row.get("article_id")), ""))
            if not product:
                continue
        comp = _comparable(f)
        if comp is None:
            continue
        out.append(((product, subject), row, f, comp))
    return out


def group_conflicts(product: str, subject: str, members) -> list[tuple[str, str, Flag]]:
    """The conflicts within one subject: ``members`` are all its ``(row, fact, comparable)``, in row order.

    ``members`` is a list, or a callable returning a fresh iterator over them: they are
    read three times and never held, so a subject that every article states (诉讼时效 in a
    KB of 100k pages) costs memory for its value clusters and dissenters only.
    """
    read = members if callable(members) else (lambda: iter(members))
    # a claim stating two forms (万分之五, i.e. 上浮50%) agrees with both: leave it out
    scales_by_claim: dict[str, set[str]] = {}
    for row, _, comp in read():
        scales_by_claim.setdefault(str(row.get("claim_id")), set()).add(comp[0])

    def compared():
        return (m for m in read() if len(scales_by_claim[str(m[0].get("claim_id"))]) == 1)

    # Value clusters: a member joins the first cluster whose first value it is compatible
    # with. Per cluster: its first value, first claim, articles, and the first member plus
    # the first member from another article (what a dissenter is linked to).
    firsts: list[tuple] = []
    articles: list[set[str]] = []
    first_claims: list[str] = []
    links: list[list] = []

    def cluster_of(comp) -> int | None:
        return next((i for i, first in enumerate(firsts) if _compatible(first, comp)), None)

    for m in compared():
        i = cluster_of(m[2])
        if i is None:
            i = len(firsts)
            firsts.append(m[2])
            articles.append(set())
            first_claims.append(m[0].get("claim_id"))
            links.append([m])
        elif len(links[i]) == 1 and str(m[0].get("article_id")) != str(links[i][0][0].get("article_id")):
            links[i].append(m)
        articles[i].add(str(m[0].get("article_id")))
    if len(firsts) < 2:
        return []
    order = sorted(range(len(firsts)), key=lambda i: (-len(articles[i]), first_claims[i]))
    main = order[0]
    dissenters: dict[int, list] = {i: [] for i in order[1:]}
    for m in compared():
        i = cluster_of(m[2])
        if i != main:
            dissenters[i].append(m)
    out: list[tuple[str, str, Flag]] = []
    seen: set[tuple[str, str]] = set()
    for i in order[1:]:
        for row, f, _ in dissenters[i]:
            other = next((m for m in links[main] if str(m[0].get("article_id")) != str(row.get("article_id"))), None)
            if other is None:
                continue
            a, b = str(row.get("claim_id")), str(other[0].get("claim_id"))
            if (a, b) in seen:
                continue
            seen.add((a, b))
            label = f"{product} {subject}".strip()
            flag = Flag(
                kind="conflict",
                detail=f"{label}：本句为{_describe(f)}，另一篇文章（{other[0].get('article_id')}）为{_describe(other[1])}，"
                f"两者不一致。 / {label}: {f.surface} here vs {other[1].surface} in another article.",
                reference=f"claim {b}",
                claim_seq=row.get("claim_seq"),
                other_claim_id=b,
            )
            out.append((a, b, flag))
    return out
