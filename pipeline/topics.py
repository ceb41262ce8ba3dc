"""Tag claims with topics: deferral, interest, credit, legal (multi-label, scored, explained).

Every tagger has the same interface — ``score(text) -> {topic: TopicScore}`` and a
``name`` — so the KB stores scores and explanations the same way whichever runs.
:class:`LexiconTagger` is the transparent baseline: weighted terms, summed and
squashed to (0, 1); the explanation is the terms that matched.
"""

from __future__ import annotations

import functools
import math
from typing import Protocol

from .document import TopicScore

# id -> (Chinese name, description). This is the `topics` table of the KB.
TOPICS: dict[str, tuple[str, str]] = {
    "deferral": ("协商延期", "Negotiating repayment with the lender: 协商延期, 延期还款, 展期, 停息挂账, "
                 "个性化分期, 减免; whom to contact, what to prepare, conditions and chances."),
    "interest": ("利息费用", "The money cost: 利息, 罚息, 复利, 违约金, 滞纳金, 手续费, rates, legal caps, "
                 "worked cost examples."),
    "credit": ("征信信用", "Credit records: 征信, 信用记录/报告, 上报, how long overdue records stay, "
               "信用修复, 异议, effects on future loans."),
    "legal": ("法律风险", "Legal consequences and rights: 起诉, 诉讼, 法院, 强制执行, 失信被执行人, 诉讼时效, "
              "催收 rules, 报警, 律师, statutes cited, 恶意透支, complaints to regulators."),
}

# Weighted terms per topic. A weight near 1 means the term alone is good evidence.
LEXICON: dict[str, dict[str, float]] = {
    "deferral": {
        "协商延期": 1.5, "延期还款": 1.5, "协商还款": 1.5, "展期": 1.2, "停息挂账": 1.5,
        "个性化分期": 1.5, "分期还款": 1.0, "减免": 0.8, "只还本金": 1.2, "延期": 0.9,
        "协商": 0.8, "还款计划": 0.6, "宽限": 0.7, "客服": 0.4, "证明材料": 0.5, "困难": 0.3,
    },
    "interest": {
        "利息": 1.0, "罚息": 1.5, "复利": 1.2, "违约金": 1.2, "滞纳金": 1.2, "手续费": 1.0,
        "年化": 1.0, "利率": 1.0, "万分之五": 1.2, "千分之五": 1.2, "费用": 0.6, "元/天": 0.8,
        "本息": 0.7, "LPR": 1.0, "计息": 1.0,
    },
    "credit": {
        "征信": 1.5, "信用记录": 1.3, "信用报告": 1.3, "征信报告": 1.5, "上报": 0.9,
        "信用修复": 1.3, "异议": 0.8, "逾期记录": 1.2, "信用评分": 1.0, "黑名单": 0.8,
        "大数据": 0.7, "房贷": 0.4, "车贷": 0.4, "信用": 0.6, "负面记录": 1.0,
    },
    "legal": {
        "起诉": 1.5, "诉讼": 1.3, "法院": 1.3, "判决": 1.2, "强制执行": 1.5, "失信被执行人": 1.5,
        "诉讼时效": 1.5, "催收": 0.8, "报警": 1.2, "律师": 1.2, "法律": 1.0, "民法典": 1.3,
        "合同法": 1.3, "恶意透支": 1.5, "刑事": 1.2, "申诉": 0.8, "投诉": 0.8, "监管部门": 0.8,
        "法规": 0.9, "追讨": 0.7,
    },
}


class Tagger(Protocol):
    name: str

    def score(self, text: str) -> dict[str, TopicScore]: ...


class LexiconTagger:
    """Sum the weights of matched terms; score = 1 - exp(-sum); assigned at >= threshold."""

    name = "lexicon-v1"

    def __init__(self, lexicon: dict[str, dict[str, float]] = LEXICON, threshold: float = 0.5):
        self.lexicon = lexicon
        self.threshold = threshold

    def score(self, text: str) -> dict[str, TopicScore]:
        result = {}
        for topic, terms in self.lexicon.items():
            matched = [term for term in terms if term in text]
            # A term inside a longer matched term (利率 in 年化利率) is not counted twice.
            matched = [t for t in matched if not any(t != o and t in o for o in matched)]
            total = sum(terms[t] for t in matched)
            score = 1.0 - math.exp(-total)
            explanation = [f"+{t} ({terms[t]:.1f})" for t in sorted(matched, key=lambda t: -terms[t])]
            result[topic] = TopicScore(topic, round(score, 4), score >= self.threshold, explanation)
        return result


@functools.lru_cache(maxsize=1)
def get_tagger() -> Tagger:
    """The tagger the pipeline uses."""
    return LexiconTagger()
