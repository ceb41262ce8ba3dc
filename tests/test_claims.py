"""Sentence splitting with offsets, and the claim / not-claim rules."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.claims import (
    INVISIBLE,
    LINE_BREAKS,
    claim_rejection,
    extract_claims,
    iter_sentences,
    judge_sentences,
    split_sentences,
)
from pipeline.document import Article, Section

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "sources" / "000_56e66633d99debef.txt"
REASONS = {
    "navigation", "boilerplate", "too short", "lead-in", "heading", "table row", "question", "filler",
}


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# --- splitting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("罚息按日计算。逾期记录保留五年！会上征信吗？", ["罚息按日计算。", "逾期记录保留五年！", "会上征信吗？"]),
        # ASCII punctuation in Chinese text, as in the seed page.
        ("能协商延期吗?怎样去妥善解决?", ["能协商延期吗?", "怎样去妥善解决?"]),
        ("一方面,仍需承担利息;另一方面,可能影响资格。", ["一方面,仍需承担利息;", "另一方面,可能影响资格。"]),
        ("逾期了!怎么办", ["逾期了!", "怎么办"]),
        ("按年化利率计算. 正常利息约为45元", ["按年化利率计算.", "正常利息约为45元"]),
        # Numbers, URLs and ellipses are not sentence ends.
        ("年化利率1.5%,借款1.5万元。罚息0.05%。", ["年化利率1.5%,借款1.5万元。", "罚息0.05%。"]),
        ("利率为１．５％。下一句。", ["利率为１．５％。", "下一句。"]),
        ("详见www.pbccrc.org.cn查询。好", ["详见www.pbccrc.org.cn查询。", "好"]),
        ("访问a.php?id=1查看。再看", ["访问a.php?id=1查看。", "再看"]),
        ("等等...其实不然。", ["等等...其实不然。"]),
        # Nothing splits inside 《》, quotes or brackets closed on the same line.
        ("见《民法典。合同编》第680条。", ["见《民法典。合同编》第680条。"]),
        ("他说“逾期了怎么办？”然后走了。", ["他说“逾期了怎么办？”然后走了。"]),
        ('注明"来源:xxx(非)"的作品,均转载。下一句。', ['注明"来源:xxx(非)"的作品,均转载。', "下一句。"]),
        ("（一年期LPR。见附件）利率。", ["（一年期LPR。见附件）利率。"]),
        # Closing marks after the end stay with the sentence; stray openers swallow nothing.
        ("“禁止高利放贷。”借款利率。", ["“禁止高利放贷。”", "借款利率。"]),
        ('规定:"禁止高利放贷。"借款利率。', ['规定:"禁止高利放贷。"', "借款利率。"]),
        ("他说：不还了。”然后走了。", ["他说：不还了。”", "然后走了。"]),
        ("《民法典 规定。逾期要还。", ["《民法典 规定。", "逾期要还。"]),
        ("真的吗？！当然。", ["真的吗？！", "当然。"]),
        # Line breaks always split; whitespace and invisible characters are trimmed.
        ("第一行\n  第二行。 \r\n\u3000第三行", ["第一行", "第二行。", "第三行"]),
        ("“跨行\n引号”", ["“跨行", "引号”"]),
        ("\u200b\ufeff正文。\u200b", ["正文。"]),
        ("", []),
        (" \n\t\u3000 ", []),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_split_sentences_offsets_index_the_text():
    text = "  微粒贷逾期并非不可挽回。罚息按每日万分之五计算!"
    assert split_sentences(text) == [(2, 14), (14, 26)]


@pytest.mark.parametrize("text", ["(" * 20000 + "》" * 20000, "《" * 20000 + '"' * 20000, '("' * 20000])
def test_hostile_nesting_is_split_quickly(text):
    # Unmatched openers are bounded (MAX_NESTING); without that these take seconds each.
    assert split_sentences(text) == [(0, len(text))]


BLANKS = [" ", "\t", "\u3000", "\u200b", "\ufeff", "\xa0", *LINE_BREAKS]
ALPHABET = st.sampled_from(
    list("微粒贷逾期罚息万分之五计算借呗吗呢") + list("。！？；!?;.．…,，：:、") + list("“”‘’《》「」『』（）()【】\"'")
    + list("0123456789abcXYZ%") + BLANKS
)
TEXTS = st.text(alphabet=ALPHABET, max_size=80) | st.text(max_size=40)


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in INVISIBLE


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_split_sentences_properties(text):
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert start >= previous_end  # ordered, non-overlapping
        previous_end = end
        sentence = text[start:end]
        assert sentence == text[start:end]  # round-trips through the offsets
        assert not all(_blank(ch) for ch in sentence)
        assert not _blank(sentence[0]) and not _blank(sentence[-1])
        assert not any(ch in LINE_BREAKS for ch in sentence)
        for i in range(start, end):
            covered[i] = True
    # Nothing but whitespace falls between the sentences.
    assert all(_blank(ch) for ch, c in zip(text, covered) if not c)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_sentence_splits_into_itself(text):
    for sentence in sentences(text):
        assert sentences(sentence) == [sentence]


# --- claim or not ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, reason",
    [
        ("微粒贷逾期并非不可挽回。", None),
        ("逾期记录会在信用报告中保留五年。", None),
        ("使用者有权须要查看借款合同及还款记录,确认是不是存在误报或错算的情况。", None),
        ("如果实在还不上，就主动和银行协商吧。", None),
        ("小编提醒，所谓的征信修复都是骗局。", None),
        ("《民法典》第六百八十条规定：“禁止高利放贷，借款的利率不得违反国家有关规定。”", None),
        ("虽然不会非常简单，但也不会比安装Linux困难多少。", None),
        ("那么微粒贷逾期是不是可以协商延期?", "question"),
        ("怎样妥善应对逾期难题?", "question"),
        ("逾期了怎么办?", "question"),
        ("那么逾期以后应该如何补救呢。", "question"),
        ("本文将从多个角度探讨微粒贷逾期的解决方案,为客户提供实用的建议和指导。", "filler"),
        ("期望本文提供的分析与建议,能够帮助广大客户找到最适合本人的解决方案。", "filler"),
        ("下面小编就为大家详细介绍一下借呗逾期的后果。", "filler"),
        ("欢迎关注我们，获取更多金融知识。", "filler"),
        ("微粒贷逾期协商延期的可能性", "heading"),
        ("一、信用卡逾期的后果", "heading"),
        ("关于网贷逾期，你需要知道这几件事", "heading"),
        ("不合格产品名称 商标 生产企业名称 不合格项目", "table row"),
        ("以下是详细的处理步骤：", "lead-in"),
        ("总之。", "too short"),
        ("陈绍华：不感兴趣。", "too short"),
        ("上一篇:民生可以协商本金分期还吗需要注意哪些问题", "navigation"),
        ("本文链接:http://www.tsxnews.com.cn/2024falv/yqdongtai/641723.html", "navigation"),
        ("• 省级名单揭晓,咸这户家庭上榜!", "navigation"),
        ("图为颁奖典礼现场。", "navigation"),
        ("如因作品内容、版权和其它问题需要同本网联系的,请在30日内进行。", "boilerplate"),
        # Traditional script is judged in simplified form.
        ("逾期記錄會在信用報告中保留五年。", None),
        ("借唄逾期了怎麼辦？", "question"),
        ("本文將從多個角度探討網貸逾期的解決方案。", "filler"),
    ],
)
def test_claim_rejection(sentence, reason):
    assert claim_rejection(sentence) == reason


# --- the seed article ----------------------------------------------------------------

SEED_HEADINGS = [
    "微粒贷逾期协商延期的可能性",
    "微粒贷逾期后的利息与费用计算",
    "微粒贷逾期后的信用影响与修复策略",
    "微粒贷逾期的法律风险与应对措施",
    "微粒贷逾期的全面应对",
]
SEED_QUESTIONS = ["那么微粒贷逾期是不是可以协商延期?", "怎样妥善应对逾期难题?"]
SEED_FILLER_STARTS = ["本文将从多个角度探讨", "本文将围绕这些疑问", "期望本文提供的分析"]


def _seed_lines() -> list[str]:
    """The seed page's lines from the first paragraph of the article on."""
    lines = [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("在当今社会,信用消费"))
    return lines[first:]


def seed_as_paragraphs() -> Article:
    """Everything on the page as paragraphs: the rules must catch headings and site furniture."""
    lines = [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    return Article(title=lines[0], sections=[Section(None, lines[1:])])


def seed_with_sections() -> Article:
    """The main text as a cleaner should give it: headings as section headings."""
    lines = _seed_lines()
    lines = lines[: lines.index("精彩评论")]
    sections = [Section(None, [])]
    for line in lines:
        if line in SEED_HEADINGS:
            sections.append(Section(line, []))
        else:
            sections[-1].paragraphs.append(line)
    return Article(title="微粒贷逾期能协商延期吗如何处理", sections=sections)


@pytest.mark.parametrize("make", [seed_as_paragraphs, seed_with_sections])
def test_seed_claims(make):
    article = make()
    verdicts = {sentence.text: sentence.reason for sentence in judge_sentences(article)}
    claims = [claim.text for claim in extract_claims(article)]
    for heading in SEED_HEADINGS:
        assert heading not in claims
    for question in SEED_QUESTIONS:
        assert verdicts[question] == "question"
    fillers = [text for text in verdicts if text.startswith(tuple(SEED_FILLER_STARTS))]
    assert len(fillers) == 3 and all(verdicts[text] == "filler" for text in fillers)
    assert "微粒贷逾期并非不可挽回。" in claims
    assert "一般而言逾期记录会在信用报告中保留五年的时间。" in claims
    assert "具体而言,正常利息遵循借款合同协定的年化利率计算而罚息则以每日万分之五的标准逐日累加。" in claims
    assert 60 <= len(claims) <= 75
    # Nothing after the article's end is a claim.
    assert not any("本网" in c or "喜讯" in c or "上榜" in c or "卫生死角" in c for c in claims)


def test_seed_claim_offsets_index_the_body():
    article = seed_with_sections()
    body = article.body
    claims = extract_claims(article)
    assert [c.seq for c in claims] == list(range(len(claims)))
    for claim in claims:
        assert body[claim.char_start : claim.char_end] == claim.text
    assert claims[0].section is None and claims[-1].section == "微粒贷逾期的全面应对"


def test_iter_sentences_covers_claims_and_the_rest():
    article = seed_with_sections()
    everything = list(iter_sentences(article))
    judged = list(judge_sentences(article))
    assert [(t, s, a, b) for t, s, a, b, _ in judged] == everything
    assert len(extract_claims(article)) == sum(j.reason is None for j in judged)


def test_repeated_sentences_are_duplicates():
    article = Article(
        title="t",
        sections=[Section(None, ["逾期记录会在征信报告中保留五年。", "• 逾期记录会在征信报告中保留五年。"])],
    )
    assert [j.reason for j in judge_sentences(article)] == [None, "duplicate"]
    assert len(extract_claims(article)) == 1


def test_headings_blocks_are_never_claims():
    article = Article(title="t", sections=[Section("逾期记录会在征信报告中保留五年。", ["罚息按每日万分之五计算。"])])
    assert [c.text for c in extract_claims(article)] == ["罚息按每日万分之五计算。"]


# --- labelled sentences and the benchmark floor ----------------------------------------


def _load_bench():
    path = ROOT / "bench" / "claims.py"
    spec = importlib.util.spec_from_file_location("bench_claims", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_labelled_sentences_are_well_formed():
    rows = [json.loads(line) for line in (ROOT / "training" / "claims.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) >= 300
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts))
    for row in rows:
        assert row["label"] in ("claim", "not_claim"), row
        assert (row["reason"] is None) == (row["label"] == "claim"), row
        assert row["reason"] is None or row["reason"] in REASONS, row
        assert row["style"] in ("content_farm", "lawyer_qa", "news", "traditional"), row
        assert row["split"] in ("dev", "heldout"), row
        assert sentences(row["text"]) == [row["text"]], row  # each row is one sentence


def test_claim_detection_floor():
    bench = _load_bench()
    results = bench.evaluate(bench.load_labelled())
    overall, heldout = results["all"], results["split:heldout"]
    assert overall.total >= 300
    assert overall.accuracy >= 0.97 and overall.precision >= 0.97 and overall.recall >= 0.97
    assert heldout.accuracy >= 0.93 and heldout.precision >= 0.88 and heldout.recall >= 0.97
