"""check_article and find_conflicts: each check, its negative controls, the seed, the labelled floor."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checks import check_article, conflict_members, find_conflicts, group_conflicts, provisions
from pipeline.document import Claim
from pipeline.facts import extract_facts

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "sources" / "000_56e66633d99debef.txt"
FIXTURES = REPO / "tests" / "fixtures" / "checks"
LAW = REPO.parent / "shared" / "data" / "law"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip (the law texts are not in fresh clones)."""
    path = REPO.parent.joinpath("shared", "data", *parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def claims_of(*texts: str, section: str | None = None) -> list[Claim]:
    out, offset = [], 0
    for i, text in enumerate(texts):
        out.append(Claim(i, text, section, offset, offset + len(text)))
        offset += len(text) + 1
    return out


def run(*texts: str, published_at: str | None = "2025-04-11") -> list:
    claims = claims_of(*texts)
    return check_article(claims, {c.seq: extract_facts(c.text) for c in claims}, published_at=published_at)


def kinds(*texts: str, published_at: str | None = "2025-04-11") -> set[tuple[int, str]]:
    return {(f.claim_seq, f.kind) for f in run(*texts, published_at=published_at)}


# ---------------------------------------------------------------- the seed's must-shows

SEED_SECTION = [
    "微粒贷逾期后利息与费用的计算机制是使用者必须熟悉的核心内容之一。",
    "依据微粒贷的规则,逾期期间不仅会产生正常利息,还会额外收取罚息及其他费用。",
    "具体而言,正常利息遵循借款合同协定的年化利率计算而罚息则以每日万分之五的标准逐日累加。",
    "若逾期时间较长平台还可能收取费用或其他附加成本。",
    "对客户而言理解这一计算机制的意义在于明确自身的财务负担。",
    "例如,假设一笔1万元的借款逾期30天按年化利率18%计算,正常利息约为45元/天,总计1350元;而罚息则为5元/天,总计150元。",
]
SEED_CONTRACT_LAW = "依照我国《合同法》及相关法律法规,借款人未按约好履行还款义务时,贷款方有权采用法律手段追讨欠款。"
SEED_RETENTION = "一般而言逾期记录会在信用报告中保留五年的时间。"


def test_seed_45_per_day_and_1350_are_flagged_arithmetic():
    flags = [f for f in run(*SEED_SECTION) if f.kind == "arithmetic"]
    assert {f.claim_seq for f in flags} == {5}
    details = " ".join(f.detail for f in flags)
    assert "4.93" in details and "45元/天" in details  # the recomputation is shown
    assert "1350元" in details and "148" in details
    assert all(f.reference == "recomputed" for f in flags)
    # the correct 罚息 numbers (5元/天 = 10000 × 万分之五 from a neighbouring claim; 150 = 5 × 30) are not
    assert "5元/天" not in details.replace("45元/天", "") and "150元" not in details


def test_seed_split_at_the_semicolon_still_checks_both_halves():
    texts = SEED_SECTION[:-1] + [
        "例如,假设一笔1万元的借款逾期30天按年化利率18%计算,正常利息约为45元/天,总计1350元;",
        "而罚息则为5元/天,总计150元。",
    ]
    assert {(s, k) for s, k in kinds(*texts) if k == "arithmetic"} == {(5, "arithmetic")}


def test_seed_split_penalty_half_is_really_recomputed():
    """As the claim splitter cuts it: the 罚息 half is four claims after 每日万分之五."""
    texts = SEED_SECTION[:-1] + [
        "例如,假设一笔1万元的借款逾期30天按年化利率18%计算,正常利息约为45元/天,总计1350元;",
        "而罚息则为8元/天,总计240元。",
    ]
    assert (6, "arithmetic") in kinds(*texts)


def test_seed_penalty_is_really_recomputed():
    """Control: a wrong 罚息 figure in the same place is caught, so 5元/天 passing is a check, not a skip."""
    wrong = SEED_SECTION[-1].replace("罚息则为5元/天,总计150元", "罚息则为8元/天,总计240元")
    details = [f.detail for f in run(*SEED_SECTION[:-1], wrong) if f.kind == "arithmetic"]
    assert any("8元/天" in d and "0.05%" in d for d in details)


def test_seed_contract_law_is_outdated():
    (flag,) = run(SEED_CONTRACT_LAW)
    assert flag.kind == "outdated_law"
    assert flag.reference == "民法典 第一千二百六十条"
    assert "2021-01-01" in flag.detail


def test_seed_retention_sentence_is_clean():
    assert run(SEED_RETENTION) == []


def test_seed_article_end_to_end():
    text = SEED.read_text("utf-8")
    sentences = [s for s in re.split(r"(?<=[。！？；;])|\n", text) if s.strip()]
    found = {(f.kind, sentences[f.claim_seq].strip()[:12]) for f in run(*sentences)}
    assert found == {("arithmetic", "例如,假设一笔1万元的借"), ("outdated_law", "依照我国《合同法》及相关")}


# ---------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    "texts",
    [
        ["借款5万元，年化利率12%，一年利息为8000元。"],
        ["如果借款2万元，日利率万分之五，那么每天的利息是100元。"],
        ["日利率0.05%，相当于年化利率36%。"],
        ["每天罚息5元，逾期20天总计罚息200元。"],
        ["借款3万元，年利率7.2%，每月利息约360元。"],
        ["花呗逾期的罚息是每日万分之五。", "比如欠款2000元，每天的罚息就是10元。"],
    ],
)
def test_arithmetic_flagged(texts):
    assert any(k == "arithmetic" for _, k in kinds(*texts))


@pytest.mark.parametrize(
    "texts",
    [
        ["以1万元借款为例，罚息按每日万分之五计算，每天罚息5元。"],
        ["信用卡透支1万元，按日息万分之五计算，一个月利息约150元。"],
        ["日息万分之五，折合年化约18%。"],
        ["以借款3万元为例，年利率7.2%，每月利息180元。"],
        ["一万元贷款，年化利率3.6%，每天利息大约1元。"],
        ["分期手续费月费率0.6%，折合年化利率约13%。"],  # fee rates: APR conversion not simple
        ["罚息为每日万分之五。", "另一笔借款1万元，每天利息约10元。"],  # 罚息 rate is not the 利息 rate
    ],
)
def test_arithmetic_negative_controls(texts):
    assert not any(k == "arithmetic" for _, k in kinds(*texts))


def test_arithmetic_does_not_reach_into_another_section():
    claims = [Claim(0, "罚息为每日万分之五。", "A", 0, 10), Claim(1, "比如欠款2000元，每天的罚息就是10元。", "B", 11, 30)]
    assert check_article(claims, {c.seq: extract_facts(c.text) for c in claims}) == []


# ---------------------------------------------------------------- outdated_law


@pytest.mark.parametrize(
    "text, published_at, reference",
    [
        ("根据《合同法》第二百零六条，借款人应当按照约定的期限返还借款。", "2023-06-01", "民法典 第一千二百六十条"),
        ("《担保法》规定，连带责任保证人要与借款人一起承担还款责任。", None, "民法典 第一千二百六十条"),
        ("民间借贷的年利率在24%以内受法律保护，超过36%的部分无效。", "2024-01-05", "民间借贷司法解释 第二十五条"),
        ("信用卡逾期会产生滞纳金，按最低还款额未还部分的5%收取。", None, "信用卡业务通知（银发〔2016〕111号）"),
        ("恶意透支信用卡1万元以上，就构成信用卡诈骗罪。", None, "妨害信用卡管理刑事案件解释 第八条"),
        ("信用卡透支利率上限为日利率万分之五，下限为万分之五的0.7倍。", "2023-02-01", "中国人民银行公告〔2020〕第18号"),
        ("如果协商不成，可以向银保监会投诉。", "2024-03-01", "国家金融监督管理总局（2023年组建）"),
    ],
)
def test_outdated_flagged(text, published_at, reference):
    flags = [f for f in run(text, published_at=published_at) if f.kind == "outdated_law"]
    assert [f.reference for f in flags] == [reference]


@pytest.mark.parametrize(
    "text, published_at",
    [
        ("根据《合同法》规定，借款人应按期还款。", "2019-05-01"),  # in force when written
        ("《合同法》已于2021年1月1日废止，相关规定被纳入《民法典》合同编。", None),
        ("原《合同法》第二百一十一条的内容现在规定在民法典第六百八十条。", None),
        ("2020年8月20日以后，民间借贷利率的司法保护上限由24%调整为LPR的4倍。", None),
        ("网贷平台的综合年化利率一般不超过24%。", None),  # licensed lenders: not the private-lending rules
        ("民间借贷的年利率在24%以内受法律保护，超过36%的部分无效。", "2019-03-01"),
        ("自2017年起信用卡滞纳金已被取消，改为违约金。", None),
        ("网贷逾期可能会收取滞纳金。", None),
        ("恶意透支数额在5万元以上的，属于数额较大，可能构成信用卡诈骗罪。", None),
        ("恶意透支信用卡1万元以上，就构成信用卡诈骗罪。", "2017-05-01"),
        ("如果协商不成，可以向银保监会投诉。", "2021-01-01"),
        ("如果协商不成，可以向银保监会投诉。", None),  # date unknown: not judged
        ("《民法典》自2021年1月1日起施行。", None),
    ],
)
def test_outdated_negative_controls(text, published_at):
    assert [f for f in run(text, published_at=published_at) if f.kind == "outdated_law"] == []


def test_outdated_says_when_the_date_is_unknown():
    (flag,) = run(SEED_CONTRACT_LAW, published_at=None)
    assert "article date unknown" in flag.detail


# ---------------------------------------------------------------- wrong_citation


@pytest.mark.parametrize(
    "text, reference",
    [
        ("根据《民法典》第六百八十条，诉讼时效期间为三年。", "民法典 第六百八十条"),
        ("《民法典》第一百八十八条规定，借款利率不得超过LPR的4倍。", "民法典 第一百八十八条"),
        ("《刑法》第一百九十六条规定，逾期记录会保留5年。", "刑法 第一百九十六条"),
        ("《民法典》第六百七十六条规定，借款的利息不得预先在本金中扣除。", "民法典 第六百七十六条"),
        ("根据《民法典》第一千三百条，借款人需按期还款。", "民法典（共1260条）"),
        ("根据《民事诉讼法》第一百七十一条，被告收到起诉状后15日内可以答辩。", "民事诉讼法 第一百七十一条"),
    ],
)
def test_wrong_citation_flagged(text, reference):
    flags = [f for f in run(text) if f.kind == "wrong_citation"]
    assert [f.reference for f in flags] == [reference]


def test_wrong_citation_names_the_right_provision():
    (flag,) = [f for f in run("根据《民法典》第六百八十条，诉讼时效期间为三年。") if f.kind == "wrong_citation"]
    assert "民法典 第一百八十八条" in flag.detail


@pytest.mark.parametrize(
    "text",
    [
        "根据民法典第一百八十八条，欠款的诉讼时效是三年。",
        "民法典第六百八十条明确禁止高利放贷。",
        "根据《征信业管理条例》第十六条，不良信息自不良行为终止之日起保存5年。",
        "恶意透支构成信用卡诈骗罪，依据刑法第一百九十六条处罚。",
        "民法典第六百七十条规定利息不得预先从本金中扣除，即禁止砍头息。",
        "根据《民事诉讼法》第一百二十八条，被告应在收到起诉状副本后15日内提交答辩状。",
        "根据民法典第六百七十六条和第六百八十条，逾期利息的利率也不能超过国家规定。",
        "《民法典》第六百六十七条规定了借款合同的定义。",  # not in the table: not judged
    ],
)
def test_wrong_citation_negative_controls(text):
    assert [f for f in run(text) if f.kind == "wrong_citation"] == []


# ---------------------------------------------------------------- wrong_fact


@pytest.mark.parametrize(
    "text, reference",
    [
        ("征信不良记录会从逾期之日起保留5年。", "征信业管理条例 第十六条"),
        ("征信上的逾期记录保留2年后就会自动消除。", "征信业管理条例 第十六条"),
        ("微粒贷是蚂蚁集团旗下的借款产品。", "products.csv"),
        ("借呗是腾讯推出的信用贷款产品。", "products.csv"),
        ("欠款的诉讼时效是两年，超过两年银行就不能起诉了。", "民法典 第一百八十八条"),
        ("被告在收到起诉状后有30天的答辩期。", "民事诉讼法 第一百二十八条"),
        ("不服一审判决的，可以在判决书送达之日起10日内上诉。", "民事诉讼法 第一百七十一条"),
        ("民法典自2020年5月28日起施行。", "民法典 第一千二百六十条"),
    ],
)
def test_wrong_fact_flagged(text, reference):
    flags = [f for f in run(text) if f.kind == "wrong_fact"]
    assert [f.reference for f in flags] == [reference]


@pytest.mark.parametrize(
    "text",
    [
        SEED_RETENTION,
        "逾期记录会在还清欠款之日起保留5年，之后自动删除。",
        "征信报告会展示近2年的还款记录。",
        "如果一直不还，逾期记录就会一直保留。",
        "征信查询记录保留2年。",
        "微粒贷是微众银行推出的产品。",
        "借呗是支付宝旗下的消费信贷产品。",
        "微粒贷和借呗分别是腾讯和蚂蚁的产品。",
        "很多人误以为微粒贷是支付宝的产品，其实它属于微众银行。",
        "民间借贷的诉讼时效为三年。",
        "根据以前的《民法通则》，诉讼时效为两年。",
        "被告应在收到起诉状副本之日起15日内提出答辩状。",
        "对一审裁定不服的，上诉期为10日。",
        "在涉外案件中，当事人在境内没有住所的，上诉期为30日。",
        "民法典于2020年5月28日通过，自2021年1月1日起施行。",
    ],
)
def test_wrong_fact_negative_controls(text):
    assert [f for f in run(text) if f.kind == "wrong_fact"] == []


def test_every_flag_says_why_and_on_what():
    for record in _records(FIXTURES / "labelled.jsonl"):
        for flag in run(*record["claims"], published_at=record["published_at"]):
            assert flag.detail and flag.reference and flag.claim_seq is not None


# ---------------------------------------------------------------- conflicts


def rows_for(articles: dict[str, list[str]], product: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for article_id, texts in articles.items():
        for seq, text in enumerate(texts):
            for f in extract_facts(text):
                rows.append({
                    "claim_id": f"{article_id}:{seq}", "article_id": article_id, "claim_seq": seq,
                    "kind": f.kind, "value": f.value, "unit": f.unit, "surface": f.surface,
                    "char_start": f.char_start, "char_end": f.char_end, "extra": f.extra,
                    "claim_text": text, "product": (product or {}).get(article_id),
                })
    return rows


def test_conflict_between_articles_links_both_claims():
    rows = rows_for({"a1": ["微粒贷的罚息为每日万分之五。"], "a2": ["微粒贷逾期罚息是在约定利率基础上上浮50%。"]})
    ((a, b, flag),) = find_conflicts(rows)
    assert {a, b} == {"a1:0", "a2:0"}
    assert flag.kind == "conflict" and flag.other_claim_id == b and flag.reference == f"claim {b}"
    assert "微粒贷 罚息" in flag.detail


@pytest.mark.parametrize(
    "articles",
    [
        {"a1": ["借呗的罚息是每日万分之五。"], "a2": ["借呗逾期罚息按日利率0.05%收取。"]},
        {"a1": ["微粒贷的罚息为每日万分之五。"], "a2": ["借呗的罚息为约定利率上浮50%。"]},
        {"a1": ["微粒贷的罚息为每日万分之五。", "微粒贷的罚息为约定利率上浮50%。"]},
        {"a1": ["微粒贷日利率在0.02%-0.05%之间。"], "a2": ["微粒贷日利率为0.03%。"]},
        {"a1": ["假设微粒贷罚息为每日千分之一。"], "a2": ["微粒贷的罚息为每日万分之五。"]},
        {"a1": ["花呗的罚息是每天万分之五。"], "a2": ["花呗逾期罚息为年化18.25%。"]},
        {"a1": ["微粒贷的年化利率不超过24%。"], "a2": ["微粒贷的年化利率为18%。"]},
        {"a1": ["罚息为每日万分之五。"], "a2": ["罚息是合同利率上浮50%。"]},  # no product: not comparable
    ],
)
def test_conflict_negative_controls(articles):
    assert find_conflicts(rows_for(articles)) == []


def test_conflict_uses_the_article_product_and_json_extra():
    rows = rows_for({"a1": ["罚息为每日万分之五。"], "a2": ["逾期后罚息是合同利率上浮50%。"]},
                    product={"a1": "微粒贷", "a2": "微粒贷"})
    for row in rows:
        row["extra"] = json.dumps(row["extra"], ensure_ascii=False)
    assert len(find_conflicts(rows)) == 1


def test_conflict_rows_as_the_kb_stores_them():
    """kb.py passes facts.* (value as text, extra as JSON or NULL) + article_id + claim_text, no product."""
    rows = rows_for({"a1": ["微粒贷逾期怎么办？", "罚息为每日万分之五。"], "a2": ["微粒贷的规则。", "逾期后罚息是合同利率上浮50%。"]})
    for row in rows:
        row["value"] = str(row["value"])
        row["extra"] = json.dumps(row["extra"], ensure_ascii=False) if row["extra"] else None
        row["number"] = None
        del row["product"], row["claim_seq"]
    ((a, b, flag),) = find_conflicts(rows)
    assert {a, b} == {"a1:1", "a2:1"} and flag.claim_seq is None


def test_conflict_links_each_dissenter_once_to_the_majority():
    rows = rows_for({"a": ["微粒贷罚息为每日万分之五。"], "b": ["微粒贷的罚息是每日万分之五。"], "c": ["微粒贷罚息按日千分之一收取。"]})
    assert [(a, b) for a, b, _ in find_conflicts(rows)] == [("c:0", "a:0")]


def test_rule_subjects_need_no_product():
    rows = rows_for({"a": ["逾期记录会保留5年。"], "b": ["征信不良记录保留2年。"]})
    assert [(a, b) for a, b, _ in find_conflicts(rows)] == [("b:0", "a:0")]


def test_a_facts_subject_depends_on_its_own_article_only():
    """What lets kb.refresh_conflicts store subjects and recompute one article's alone."""
    articles = {"a": ["微粒贷逾期怎么办？", "罚息为每日万分之五。"], "b": ["借呗的罚息是每日万分之五，宽限期为3天。"],
                "c": ["逾期记录会保留5年。", "微粒贷和借呗的罚息都是每日万分之五。"], "d": ["借呗的规则。", "罚息为每日千分之一。"]}
    rows = rows_for(articles)
    for row in rows:
        del row["product"]
    together = [(key, row["claim_id"], row["char_start"]) for key, row, _, _ in conflict_members(rows)]
    alone = [(key, row["claim_id"], row["char_start"]) for article in articles
             for key, row, _, _ in conflict_members([r for r in rows if r["article_id"] == article])]
    assert together == alone
    assert {key for key, _, _ in together} == {("微粒贷", "罚息"), ("借呗", "罚息"), ("借呗", "宽限期"), ("", "征信保留")}


def test_find_conflicts_is_group_conflicts_per_subject():
    rows = rows_for({"a": ["微粒贷罚息为每日万分之五。"], "b": ["微粒贷的罚息是每日万分之五。"], "c": ["微粒贷罚息按日千分之一收取。"],
                     "d": ["逾期记录会保留5年。"], "e": ["征信不良记录保留2年。"], "f": ["逾期记录保留5年。"]})
    groups: dict = {}
    for key, row, f, comp in conflict_members(rows):
        groups.setdefault(key, []).append((row, f, comp))
    per_group = [c for (product, subject), members in groups.items() for c in group_conflicts(product, subject, members)]
    assert [(a, b) for a, b, _ in per_group] == [(a, b) for a, b, _ in find_conflicts(rows)] == [("c:0", "a:0"), ("e:0", "d:0")]


# ---------------------------------------------------------------- the reference table


def test_provisions_table_columns_and_dates():
    raw = (REPO / "pipeline" / "data" / "provisions.csv").read_text("utf-8")
    header = next(csv.reader(raw.splitlines()))
    assert header[:7] == ["law", "article", "topic", "gist", "in_force_from", "in_force_until", "repealed_by"]
    for p in provisions():
        for day in (p.in_force_from, p.in_force_until):
            assert day is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", day), p
        if p.keywords:
            re.compile(p.keywords)


@pytest.mark.shared
def test_provision_articles_exist_in_the_statutes():
    """Every cited article number is checked against the law texts in ../shared/data/law."""
    law_dir = shared_path("law")
    files = {p.name: p.read_text("utf-8") for p in law_dir.glob("*.md")}
    checked = 0
    for p in provisions():
        name = p.source.split(" ")[0]
        if p.article is None or name not in files:
            continue
        number = cn2an.an2cn(p.article, "low")
        if "决定" in name:  # the 2018 decision rewrites articles of the 2009 解释: 作为《解释》第七条
            assert f"第{number}条" in files[name], (p.law, p.article, name)
        else:  # statutes head articles 第…条; the 批复 numbers its points 一、二、
            assert re.search(rf"^(?:第{number}条\s|{number}、)", files[name], re.M), (p.law, p.article, name)
        checked += 1
    assert checked >= 20


@pytest.mark.shared
@pytest.mark.parametrize(
    "file, article, must_contain",
    [
        ("民法典_附则.md", "第一千二百六十条", ["2021年1月1日", "合同法", "担保法", "民法通则", "物权法"]),
        ("民法典_合同编.md", "第六百七十条", ["预先在本金中扣除"]),
        ("民法典_合同编.md", "第六百七十六条", ["逾期利息"]),
        ("民法典_合同编.md", "第六百八十条", ["高利放贷"]),
        ("民法典_总则.md", "第一百八十八条", ["三年"]),
        ("行政法规_征信业管理条例(2013-01-21).md", "第十六条", ["5年", "终止之日"]),
        ("诉讼与非诉讼程序法_民事诉讼法(2023-09-01).md", "第一百二十八条", ["十五日内提出答辩状"]),
        ("诉讼与非诉讼程序法_民事诉讼法(2023-09-01).md", "第一百七十一条", ["十五日内", "十日内"]),
        ("司法解释_最高人民法院关于审理民间借贷案件适用法律若干问题的规定(2020-12-29).md", "第二十五条", ["四倍"]),
        ("司法解释_最高人民法院关于审理民间借贷案件适用法律若干问题的规定(2020-12-29).md", "第三十一条", ["2020年8月20日"]),
    ],
)
def test_key_provisions_say_what_the_table_relies_on(file, article, must_contain):
    text = shared_path("law", file).read_text("utf-8")
    m = re.search(rf"^{article}\s(.*?)(?=^第[一二三四五六七八九十百千零]+条\s|\Z)", text, re.M | re.S)
    assert m, article
    for word in must_contain:
        assert word in m.group(1), (article, word)


@pytest.mark.shared
def test_malicious_overdraft_threshold_in_the_2018_decision():
    text = shared_path(
        "law", "司法解释_最高人民法院、最高人民检察院关于修改《关于办理妨害信用卡管理刑事案件具体应用法律若干问题的解释》的决定.md"
    ).read_text("utf-8")
    assert "2018年12月1日" in text and "五万元以上不满五十万元" in text and "两次有效催收后超过三个月" in text


# ---------------------------------------------------------------- the labelled set


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_checks", REPO / "bench" / "checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labelled_set_size():
    records = _records(FIXTURES / "labelled.jsonl")
    assert len(records) >= 60
    assert sum(1 for r in records if not r["flags"]) >= 30  # clean negatives


@pytest.mark.parametrize("fixture", ["labelled.jsonl", "heldout.jsonl"])
def test_precision_recall_floor(fixture):
    bench = _bench()
    counts, errors = bench.evaluate_articles(FIXTURES / fixture)
    if fixture == "labelled.jsonl":
        c_counts, c_errors = bench.evaluate_conflicts()
        counts, errors = counts + c_counts, errors + c_errors
    for kind, (tp, fp, fn, precision, recall) in bench.scores(counts).items():
        assert precision >= 0.9, (kind, errors)
        assert recall >= 0.75, (kind, errors)


# ---------------------------------------------------------------- robustness

_PIECES = st.sampled_from([
    "借款1万元", "逾期30天", "年化18%", "每日万分之五", "罚息", "利息", "约45元/天", "总计1350元", "，", "。", "？",
    "《合同法》", "民法典第六百八十条", "诉讼时效", "两年", "微粒贷", "是", "蚂蚁", "的", "信用卡", "滞纳金", "民间借贷",
    "24%", "恶意透支", "1万元以上", "答辩", "上诉", "15日", "保留", "逾期记录", "5年", "从逾期之日起", "上浮50%", "假设",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=6),
       st.sampled_from([None, "2019-01-01", "2025-04-11 09:31:47", "garbage"]))
def test_property_check_article_never_crashes(texts, published_at):
    claims = claims_of(*texts)
    for flag in check_article(claims, {c.seq: extract_facts(c.text) for c in claims}, published_at=published_at):
        assert flag.claim_seq in {c.seq for c in claims}
        assert flag.detail and flag.reference


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=10).map("".join), min_size=1, max_size=6))
def test_property_find_conflicts_never_crashes(texts):
    rows = rows_for({f"a{i}": [t] for i, t in enumerate(texts)})
    for a, b, flag in find_conflicts(rows):
        assert a != b and a.split(":")[0] != b.split(":")[0] and flag.other_claim_id == b
