"""The domain dictionary keeps finance terms whole without hurting general segmentation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import jieba
import pytest

from pipeline.segment import (
    WORD_JOINER,
    Segmenter,
    dictionary_fingerprint,
    domain_entries,
    domain_terms,
    get_segmenter,
    traditional,
    unsegment,
)

CWS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cws"

# Terms that must come out as one token, each with sentences of the kind our pages use.
REQUIRED_TERMS: dict[str, list[str]] = {
    "微粒贷": ["微粒贷逾期了怎么办", "微粒贷由微众银行发放"],
    "借呗": ["借呗逾期了怎么办", "我的借呗额度被关闭了"],
    "花呗": ["花呗分期可以提前还款吗", "花呗逾期一天有影响吗"],
    "京东白条": ["京东白条逾期会上征信吗"],
    "京东金条": ["京东金条的日利率是多少"],
    "美团月付": ["美团月付逾期后被催收"],
    "网商贷": ["网商贷是网商银行的产品"],
    "微众银行": ["微粒贷由微众银行发放"],
    "征信报告": ["逾期记录会出现在征信报告上", "打印一份征信报告"],
    "个人征信": ["逾期会影响个人征信吗"],
    "征信中心": ["可以向征信中心提出异议申请"],
    "停息挂账": ["信用卡停息挂账怎么申请"],
    "个性化分期": ["银行同意办理个性化分期"],
    "协商还款": ["与银行协商还款的技巧"],
    "延期还款": ["申请延期还款需要什么材料"],
    "逾期记录": ["逾期记录保留五年", "一般而言逾期记录会在信用报告中保留五年的时间。"],
    "罚息": ["按万分之五计算罚息", "而罚息则为5元/天"],
    "复利": ["罚息不得计收复利", "逾期后按复利计算利息"],
    "非恶意逾期": ["逾期是非恶意造成的，可以开具非恶意逾期证明"],
    "违约金": ["违约金过高可以请求法院调整"],
    "滞纳金": ["信用卡滞纳金已经取消"],
    "万分之五": ["按万分之五计算罚息", "日息万分之五", "罚息则以每日万分之五的标准逐日累加"],
    "千分之五": ["每天收取千分之五的违约金"],
    "年化利率": ["年化利率超过24%的部分不受保护", "按年化利率18%计算"],
    "日利率": ["日利率0.05%相当于年化18%"],
    "贷款市场报价利率": ["不得超过一年期贷款市场报价利率的四倍"],
    "民法典": ["根据《民法典》第六百八十条", "民法典规定禁止高利放贷"],
    "合同法": ["依照我国《合同法》及相关法律法规", "合同法已经废止"],
    "诉讼时效": ["诉讼时效为三年", "超过诉讼时效的债务"],
    "失信被执行人": ["被列为失信被执行人后不能坐高铁"],
    "强制执行": ["法院可以强制执行", "申请强制执行"],
    "恶意透支": ["恶意透支信用卡可能构成犯罪"],
    "信用卡诈骗罪": ["恶意透支可能构成信用卡诈骗罪"],
    "暴力催收": ["遭遇暴力催收可以报警"],
    "第三方催收": ["平台委托第三方催收"],
    "信用修复": ["所谓信用修复都是骗局"],
    "异议申请": ["向征信中心提交异议申请"],
}

# Neutral frames for every dictionary term.
TEMPLATES = [
    "{}",
    "关于{}的问题",
    "我的{}怎么办",
    "根据{}的规定",
    "{}是什么意思",
    "很多人不了解{}。",
    "这与{}有关",
]

# Everyday text near our terms must segment as plain jieba does.
GENERAL_SENTENCES = [
    "他放心借给朋友一万元",
    "有钱花不完的人",
    "额度下降了",
    "下降额度",
    "敏捷信息系统",
    "计算机制造业",
    "他的速度快",
    "民事诉讼法的修改",
    "消费者权益保护法规定",
]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return get_segmenter()


@pytest.fixture(scope="module")
def plain() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def test_required_terms_are_in_the_dictionary():
    assert set(REQUIRED_TERMS) <= set(domain_terms())


@pytest.mark.parametrize("term", list(REQUIRED_TERMS))
def test_required_term_is_one_token_in_context(segmenter, term):
    for sentence in [term, *REQUIRED_TERMS[term]]:
        assert term in segmenter.cut(sentence), (sentence, segmenter.cut(sentence))


@pytest.mark.parametrize("term", domain_terms())
def test_every_term_is_one_token_in_neutral_frames(segmenter, term):
    for template in TEMPLATES:
        sentence = template.format(term)
        assert term in segmenter.cut(sentence), (sentence, segmenter.cut(sentence))


@pytest.mark.parametrize("term", domain_terms())
def test_every_term_is_one_token_in_traditional_script(segmenter, term):
    variant = traditional(term)
    for template in ["{}", "關於{}的問題", "根據{}的規定", "很多人不了解{}。"]:
        sentence = template.format(variant)
        assert variant in segmenter.cut(sentence), (sentence, segmenter.cut(sentence))


@pytest.mark.parametrize(
    "sentence, terms",
    [
        ("逾期記錄會在信用報告中保留五年。", ["逾期記錄", "信用報告"]),
        ("借唄逾期了怎麼辦？", ["借唄", "逾期"]),
        ("惡意透支信用卡可能構成信用卡詐騙罪。", ["惡意透支", "信用卡詐騙罪"]),
        ("按萬分之五計算罰息", ["萬分之五", "罰息"]),
    ],
)
def test_traditional_sentences(segmenter, sentence, terms):
    tokens = segmenter.cut(sentence)
    assert all(term in tokens for term in terms), tokens


@pytest.mark.parametrize("sentence", GENERAL_SENTENCES)
def test_general_text_segments_like_plain_jieba(segmenter, plain, sentence):
    assert segmenter.cut(sentence) == plain.lcut(sentence)


def test_dictionary_entries_are_unique_and_explicit(plain):
    words = [word for word, _, _ in domain_entries()]
    assert len(words) == len(set(words))
    # No frequency means "jieba knows it, keep its frequency"; a new word states one,
    # and a known word carries one only to raise it.
    for word, freq, tag in domain_entries():
        known = plain.FREQ.get(word)
        assert freq is not None or known, word
        assert freq is None or not known or freq > known, (word, freq, known)
        assert tag, word


def test_known_words_keep_jiebas_frequency(segmenter, plain):
    for word, freq, _ in domain_entries():
        expected = freq if freq is not None else plain.FREQ[word]
        assert segmenter._tokenizer.FREQ[word] == expected, word
    # The total grows once per changed word, as jieba-rs's add_word does.
    assert segmenter._tokenizer.total == plain.total + sum(freq for _, freq, _ in segmenter.changes)
    assert len(segmenter.changes) == len({word for word, _, _ in segmenter.changes})


def test_dictionary_fingerprint_is_stable():
    assert dictionary_fingerprint() == dictionary_fingerprint()
    assert len(dictionary_fingerprint()) == 12 and int(dictionary_fingerprint(), 16) >= 0


def test_seed_example():
    assert get_segmenter().cut("微粒贷逾期罚息按万分之五计算") == ["微粒贷", "逾期", "罚息", "按", "万分之五", "计算"]


@pytest.mark.parametrize(
    "text",
    ["微粒贷逾期能协商延期吗?怎样去妥善解决?", "  罚息 1.5% \n 见《民法典》", "", "ABC 123", "\u200b"],
)
def test_cut_and_segmented_round_trip(segmenter, text):
    assert "".join(segmenter.cut(text)) == text
    if WORD_JOINER not in text:
        assert unsegment(segmenter.segmented(text)) == text


def test_words_drop_punctuation_and_space(segmenter):
    assert segmenter.words("借呗逾期了, 怎么办?") == ["借呗", "逾期", "了", "怎么办"]


def test_cut_for_search_adds_sub_words(segmenter):
    tokens = segmenter.cut_for_search("贷款市场报价利率")
    assert "贷款市场报价利率" in tokens and "利率" in tokens


def test_extra_words_and_has_word():
    segmenter = Segmenter(extra_words=["逾期动态"])
    assert segmenter.has_word("逾期动态") and segmenter.has_word("微粒贷")
    assert "逾期动态" in segmenter.cut("来源:逾期动态-合作伙伴")
    assert not get_segmenter().has_word("逾期动态")


def _load_bench():
    path = Path(__file__).resolve().parents[1] / "bench" / "segmentation.py"
    spec = importlib.util.spec_from_file_location("bench_segmentation", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_word_spans_scoring():
    bench = _load_bench()
    score = bench.Score()
    score.add(["微粒贷", "逾期", "了"], ["微粒", "贷", "逾期", " ", "了"])
    assert (score.gold, score.predicted, score.correct) == (3, 4, 2)
    assert score.f1 == pytest.approx(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3))


@pytest.mark.shared
@pytest.mark.skipif(not CWS_DIR.is_dir(), reason=f"no SIGHAN data at {CWS_DIR}")
@pytest.mark.parametrize("corpus", ["pku", "msr"])
def test_dictionary_does_not_hurt_sighan_f1(segmenter, plain, corpus):
    # The full test sets take about a second per segmenter; no sampling needed.
    bench = _load_bench()
    units = bench.load_corpus(corpus, cws_dir=CWS_DIR)
    ours = bench.score(segmenter.cut, units)
    baseline = bench.score(lambda text: plain.lcut(text, HMM=True), units)
    assert baseline.f1 > 0.80  # the data is what we think it is (0.818 PKU, 0.813 MSR)
    assert ours.f1 >= baseline.f1
