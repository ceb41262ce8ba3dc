"""extract_facts: numbers, rates, durations, laws, products and institutions, normalised."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.facts import extract_facts, law_name, parse_number, products


def facts_of(text: str, kind: str):
    return [f for f in extract_facts(text) if f.kind == kind]


def one(text: str, kind: str):
    found = facts_of(text, kind)
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize(
    "surface, expected",
    [
        ("五", 5), ("两千", 2000), ("一万五千", 15000), ("六百八十", 680), ("一千二百六十", 1260),
        ("二百零七", 207), ("1,000", 1000), ("1.5万", 15000), ("0.05", 0.05), ("十五", 15), ("两", 2),
        ("万", None), ("", None), ("1.2.3", None),
    ],
)
def test_parse_number(surface, expected):
    assert parse_number(surface) == expected


@pytest.mark.parametrize(
    "text, surface, value, unit",
    [
        ("罚息按每日万分之五计算", "万分之五", 0.0005, "per_day"),
        ("日息0.05%", "0.05%", 0.0005, "per_day"),
        ("年化18%", "18%", 0.18, "per_year"),
        ("年化利率18%", "18%", 0.18, "per_year"),
        ("年利率为24%", "24%", 0.24, "per_year"),
        ("月利率1.5%", "1.5%", 0.015, "per_month"),
        ("月息2%", "2%", 0.02, "per_month"),
        ("罚息每日千分之五", "千分之五", 0.005, "per_day"),
        ("日千分之一", "千分之一", 0.001, "per_day"),
        ("0.05%/天", "0.05%", 0.0005, "per_day"),
        ("在约定利率基础上上浮50%", "50%", 0.5, "relative"),
        ("约定利率上浮了50%", "50%", 0.5, "relative"),
        ("百分之二十四", "百分之二十四", 0.24, None),
        ("应答率28.2%", "28.2%", 0.282, None),
        ("不超过4倍LPR", "4倍LPR", 4.0, "lpr_multiple"),
        ("一年期贷款市场报价利率的四倍", "一年期贷款市场报价利率的四倍", 4.0, "lpr_multiple"),
        ("LPR的4倍", "LPR的4倍", 4.0, "lpr_multiple"),
        ("年化18.25%", "18.25%", 0.1825, "per_year"),
    ],
)
def test_rates(text, surface, value, unit):
    f = one(text, "rate")
    assert (f.surface, f.value, f.unit) == (surface, pytest.approx(value), unit)
    assert text[f.char_start:f.char_end] == f.surface


@pytest.mark.parametrize(
    "text, low, high, unit",
    [
        ("年化7.2%-24%", 0.072, 0.24, "per_year"),
        ("年化利率为7.2%至24%之间", 0.072, 0.24, "per_year"),
        ("日利率0.02%-0.05%", 0.0002, 0.0005, "per_day"),
        ("日息万分之三到万分之五", 0.0003, 0.0005, "per_day"),
        ("年化7.2~24%", 0.072, 0.24, "per_year"),
    ],
)
def test_rate_ranges(text, low, high, unit):
    f = one(text, "rate")
    assert f.extra["low"] == pytest.approx(low) and f.extra["high"] == pytest.approx(high)
    assert f.value == pytest.approx(low) and f.unit == unit


@pytest.mark.parametrize(
    "text, key",
    [("年化24%以上", "at_least"), ("超过36%", "at_least"), ("不超过24%", "at_most"), ("年利率不得超过24%", "at_most")],
)
def test_rate_bounds(text, key):
    assert one(text, "rate").extra.get(key) is True


@pytest.mark.parametrize(
    "text, surface, value, extra",
    [
        ("借款1万元", "1万元", 10000, {}),
        ("借了5万", "5万", 50000, {}),
        ("1,000元", "1,000元", 1000, {}),
        ("两千元", "两千元", 2000, {}),
        ("一万五千元", "一万五千元", 15000, {}),
        ("1.5万元", "1.5万元", 15000, {}),
        ("借了5万块", "5万块", 50000, {}),
        ("总计1350元", "1350元", 1350, {}),
        ("45元/天", "45元/天", 45, {"per": "per_day"}),
        ("每天罚息5元", "5元", 5, {"per": "per_day"}),
        ("每个月还款2000元", "2000元", 2000, {"per": "per_month"}),
        ("500元左右", "500元", 500, {"approx": True}),
        ("约45元", "45元", 45, {"approx": True}),
        ("五万元以上", "五万元", 50000, {"at_least": True}),
        ("不满50万元", "50万元", 500000, {"at_most": True}),
    ],
)
def test_amounts(text, surface, value, extra):
    f = one(text, "amount")
    assert (f.surface, f.value, f.unit) == (surface, value, "CNY")
    for key, v in extra.items():
        assert f.extra[key] == v


@pytest.mark.parametrize(
    "text",
    ["一笔借款", "一般而言", "千万不要逾期", "数万元", "850万美元", "1.398亿股", "5万日元", "万分之五", "十几万", "3万人"],
)
def test_not_amounts(text):
    assert facts_of(text, "amount") == []


@pytest.mark.parametrize(
    "text, surface, value, unit, extra",
    [
        ("逾期30天", "30天", 30, "day", {}),
        ("保留五年", "五年", 5, "year", {}),
        ("3个月", "3个月", 3, "month", {}),
        ("两年", "两年", 2, "year", {}),
        ("逾期90天以上", "90天", 90, "day", {"at_least": True}),
        ("15日内", "15日", 15, "day", {"at_most": True}),
        ("自收到之日起十五日内", "十五日", 15, "day", {"at_most": True}),
        ("上诉期为15日。", "15日", 15, "day", {}),
        ("逾期15日", "15日", 15, "day", {}),
        ("一年内", "一年", 1, "year", {"at_most": True}),
        ("2周", "2周", 14, "day", {"weeks": 2}),
        ("5个工作日", "5个工作日", 5, "day", {"working_days": True}),
        ("超过三个月", "三个月", 3, "month", {"at_least": True}),
    ],
)
def test_durations(text, surface, value, unit, extra):
    f = one(text, "duration")
    assert (f.surface, f.value, f.unit) == (surface, value, unit)
    for key, v in extra.items():
        assert f.extra[key] == v


@pytest.mark.parametrize(
    "text",
    ["2021年1月1日起施行", "每月15日还款", "北京时间9日凌晨", "一年期LPR", "逾期第30天", "2021-01-01", "3月15日", "年化18%"],
)
def test_not_durations(text):
    assert facts_of(text, "duration") == []


@pytest.mark.parametrize(
    "text, name, article",
    [
        ("《民法典》第六百八十条", "民法典", 680),
        ("《中华人民共和国民法典》第一千二百六十条", "民法典", 1260),
        ("民法典第680条", "民法典", 680),
        ("依照我国《合同法》及相关法律法规", "合同法", None),
        ("《中华人民共和国合同法》第二百零七条", "合同法", 207),
        ("征信业管理条例 第十六条", "征信业管理条例", 16),
        ("民间借贷司法解释", "民间借贷司法解释", None),
        ("《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》第二十五条", "民间借贷司法解释", 25),
        ("新民间借贷司法解释", "民间借贷司法解释", None),
        ("最高人民法院关于新民间借贷司法解释适用范围问题的批复", "民间借贷司法解释适用范围批复", None),
        ("刑法第一百九十六条", "刑法", 196),
        ("《民事诉讼法》", "民事诉讼法", None),
        ("民事诉讼法第一百七十一条", "民事诉讼法", 171),
        ("《担保法》", "担保法", None),
        ("《民法典》合同编第六百七十六条", "民法典", 676),
        ("劳动合同法", "劳动合同法", None),
    ],
)
def test_laws(text, name, article):
    f = one(text, "law")
    assert f.value == name
    assert f.extra.get("article") == article
    assert f.unit == ("article" if article else None)


def test_chained_articles_inherit_the_law():
    laws = facts_of("民法典第六百七十条和第六百八十条", "law")
    assert [(f.value, f.extra["article"], f.surface) for f in laws] == [
        ("民法典", 670, "民法典第六百七十条"),
        ("民法典", 680, "第六百八十条"),
    ]


@pytest.mark.parametrize(
    "surface, name",
    [("《中华人民共和国合同法》", "合同法"), ("民法典", "民法典"), ("民诉法", "民事诉讼法"), ("证券法", None)],
)
def test_law_name(surface, name):
    assert law_name(surface) == name


@pytest.mark.parametrize(
    "text, product, lender, owner",
    [
        ("微粒贷", "微粒贷", "微众银行", "微众银行"),
        ("借呗", "借呗", "重庆蚂蚁消费金融有限公司", "蚂蚁"),
        ("花呗", "花呗", "重庆蚂蚁消费金融有限公司", "蚂蚁"),
        ("蚂蚁花呗", "花呗", "重庆蚂蚁消费金融有限公司", "蚂蚁"),
        ("京东白条", "京东白条", "京东", "京东"),
        ("京东金条", "京东金条", "京东", "京东"),
        ("网商贷", "网商贷", "浙江网商银行", "网商银行"),
        ("美团月付", "美团月付", "美团", "美团"),
    ],
)
def test_products(text, product, lender, owner):
    f = one(text, "product")
    assert (f.value, f.extra["lender"]) == (product, lender)
    assert owner in f.extra["owners"]


@pytest.mark.parametrize("text, found", [("京东的金条逾期了", ["京东金条"]), ("家里藏着金条", []),
                                         ("美团的月付额度", ["美团月付"]), ("房租月付", [])])
def test_ambiguous_aliases_need_the_lender(text, found):
    assert [f.value for f in facts_of(text, "product")] == found


def test_iou_is_not_jd_baitiao():
    assert facts_of("朋友给我打白条", "product") == []


@pytest.mark.parametrize(
    "text, name, formerly",
    [
        ("中国人民银行征信中心", "中国人民银行征信中心", None),
        ("人民银行征信中心", "中国人民银行征信中心", None),
        ("央行征信中心", "中国人民银行征信中心", None),
        ("中国人民银行", "中国人民银行", None),
        ("国家金融监督管理总局", "国家金融监督管理总局", None),
        ("银保监会", "国家金融监督管理总局", "银保监会"),
        ("中国银监会", "国家金融监督管理总局", "银监会"),
        ("向法院起诉", "法院", None),
        ("人民法院", "法院", None),
        ("最高人民法院", "最高人民法院", None),
    ],
)
def test_institutions(text, name, formerly):
    f = one(text, "institution")
    assert f.value == name
    assert f.extra.get("formerly") == formerly


def test_personal_behaviour_is_not_the_central_bank():
    assert facts_of("个人行为", "institution") == []


def test_seed_worked_example():
    text = "假设一笔1万元的借款逾期30天按年化利率18%计算,正常利息约为45元/天,总计1350元;而罚息则为5元/天,总计150元。"
    got = [(f.kind, f.surface, f.value, f.unit) for f in extract_facts(text)]
    assert got == [
        ("amount", "1万元", 10000, "CNY"),
        ("duration", "30天", 30, "day"),
        ("rate", "18%", 0.18, "per_year"),
        ("amount", "45元/天", 45, "CNY"),
        ("amount", "1350元", 1350, "CNY"),
        ("amount", "5元/天", 5, "CNY"),
        ("amount", "150元", 150, "CNY"),
    ]


def test_product_table_is_well_formed():
    table = products()
    assert len({p.name for p in table}) == len(table)
    assert all(p.aliases and p.lender and p.owners for p in table)


def test_facts_do_not_overlap_and_are_in_order():
    text = "微粒贷按每日万分之五收取罚息，借款1万元逾期30天，依据《民法典》第六百七十六条，罚息约150元。"
    facts = extract_facts(text)
    assert [f.char_start for f in facts] == sorted(f.char_start for f in facts)
    for a, b in zip(facts, facts[1:]):
        assert a.char_end <= b.char_start


_ALPHABET = st.sampled_from(
    list("0123456789.,%％-~至到第条元块万千百十亿零〇一二两三四五六七八九天日月年周个以上内约每分之倍LPR《》微粒贷借呗法院民法典合同法，。；/ ")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_property_never_crashes_and_offsets_are_valid(text):
    for f in extract_facts(text):
        assert 0 <= f.char_start < f.char_end <= len(text)
        assert text[f.char_start:f.char_end] == f.surface
        assert f.kind in {"rate", "amount", "duration", "law", "product", "institution"}
        if f.kind in {"rate", "amount", "duration"}:
            assert isinstance(f.value, float) and f.value == f.value  # not NaN


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_property_arbitrary_unicode(text):
    for f in extract_facts(text):
        assert text[f.char_start:f.char_end] == f.surface
