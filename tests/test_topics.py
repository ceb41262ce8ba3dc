"""Topic tagging: the trained model against its dev split, paraphrases, the seed, and its artefact."""

from __future__ import annotations

import json
import re
import time

import pytest

from pipeline import train_topics
from pipeline.document import TopicScore
from pipeline.topics import (
    MODEL_ARTEFACT,
    TOPICS,
    LexiconTagger,
    ModelTagger,
    get_tagger,
    normalise,
)

# Measured 0.935 on dev (297 sentences) when the artefact was built; a little slack.
DEV_MACRO_F1_FLOOR = 0.92


@pytest.fixture(scope="module")
def model() -> ModelTagger:
    return ModelTagger.load()


@pytest.fixture(scope="module")
def examples() -> list[train_topics.Example]:
    return train_topics.load_examples()


def topics_of(tagger, text: str) -> set[str]:
    return train_topics.assigned(tagger, text)


# --- the pipeline's tagger -------------------------------------------------------


def test_get_tagger_is_the_model_when_the_artefact_ships():
    assert isinstance(get_tagger(), ModelTagger)


@pytest.mark.parametrize("tagger", [LexiconTagger(), ModelTagger.load()], ids=["lexicon", "model"])
def test_every_topic_is_scored_and_explained(tagger):
    scores = tagger.score("逾期后罚息按每日万分之五计算,还会上报征信。")
    assert list(scores) == list(TOPICS)
    for topic, s in scores.items():
        assert isinstance(s, TopicScore) and s.topic == topic
        assert 0.0 <= s.score <= 1.0
        assert all(isinstance(line, str) for line in s.explanation)
    assert scores["interest"].assigned and scores["credit"].assigned
    assert not scores["deferral"].assigned and not scores["legal"].assigned


def test_model_explanation_names_the_terms_that_pushed(model):
    interest = model.score("罚息按每日万分之五计算。")["interest"]
    assert interest.assigned
    assert all(re.fullmatch(r"\S.* [+-]\d+\.\d\d", line) for line in interest.explanation)
    terms = [line.rsplit(" ", 1)[0] for line in interest.explanation]
    assert "罚息" in terms[:2]
    pushes = [float(line.rsplit(" ", 1)[1]) for line in interest.explanation]
    assert pushes == sorted(pushes, reverse=True) and pushes[0] > 0


def test_empty_and_punctuation_only_text(model):
    for text in ("", "。。。", "   "):
        scores = model.score(text)
        assert not any(s.assigned for s in scores.values())


def reference_scores(model: ModelTagger, text: str) -> dict[str, tuple[float, bool, list[str]]]:
    """What the model says of ``text`` computed the training side's way: Featuriser.analyse
    and .vector (the features the model was fitted on), margins feature by feature, and
    every occurrence credited to the words it overlaps (bisect over the word spans)."""
    import bisect
    import math
    from collections import defaultdict

    from pipeline.topics import EXPLAIN_FROM_THRESHOLD_SHARE, EXPLAIN_MIN, EXPLAIN_TOP

    analysis = model.featuriser.analyse(text)
    vec = model.featuriser.vector(analysis, model.idf)
    margins = model.margins(vec)
    words = analysis.words

    def word_span(start, end):
        first = bisect.bisect_right(words, (start, math.inf)) - 1
        last = bisect.bisect_left(words, (end, -1)) - 1
        return min(start, words[first][0]), max(end, words[last][1])

    out = {}
    for k, topic in enumerate(model.topics):
        p = model.probability(topic, margins[k])
        explanation = []
        if p >= EXPLAIN_FROM_THRESHOLD_SHARE * model.thresholds[topic]:
            by_surface = defaultdict(float)
            for feature, value in vec.items():
                coefs = model.coef.get(feature)
                if coefs and coefs[k]:
                    for occ in analysis.found[feature]:
                        span = word_span(occ.start, occ.end)
                        by_surface[analysis.text[span[0]:span[1]].strip()] += value * coefs[k] * occ.share
            top = sorted(by_surface.items(), key=lambda item: (-item[1], item[0]))
            explanation = [f"{s} {v:+.2f}" for s, v in top[:EXPLAIN_TOP] if v >= EXPLAIN_MIN and s]
        out[topic] = (p, p >= model.thresholds[topic], explanation)
    return out


def test_batched_scoring_equals_the_training_side_features(model, examples):
    """score_many (numpy over a page's claims) against the Featuriser path, on every
    training sentence plus odd inputs, in batches of mixed sizes."""
    texts = [e.text for e in examples] + ["", "。", "ＡＢＣ１２３罚息", "İstanbul 借呗逾期", "借唄逾期會怎樣？",
                                           "罚息罚息罚息万分之五", "a" * 300, "\n\t 征信  "]
    batches, at = [], 0
    for size in [1, 5, 37, 2] * len(texts):
        if at >= len(texts):
            break
        batches.append(texts[at:at + size])
        at += size
    scored = [s for batch in batches for s in model.score_many(batch)]
    texts = [t for batch in batches for t in batch]
    assert len(scored) == len(texts) > 1400
    mismatched = []
    for text, scores in zip(texts, scored):
        reference = reference_scores(model, text)
        for topic, (p, assigned, explanation) in reference.items():
            got = scores[topic]
            if abs(got.score - round(p, 4)) > 1e-4 or got.assigned != assigned or got.explanation != explanation:
                mismatched.append((text, topic, got, p, explanation))
    assert mismatched == []


@pytest.mark.parametrize("tagger", [LexiconTagger(), ModelTagger.load()], ids=["lexicon", "model"])
def test_traditional_script_is_converted_before_tagging(tagger):
    simplified = "逾期记录会在信用报告中保留五年,银行可能向法院起诉。"
    traditional = "逾期記錄會在信用報告中保留五年,銀行可能向法院起訴。"
    assert normalise(traditional) == simplified
    assert tagger.score(traditional) == tagger.score(simplified)


# --- quality on dev ----------------------------------------------------------------


def test_dev_macro_f1_floor_and_ahead_of_the_lexicon(model, examples):
    _, dev = train_topics.split(examples)
    model_rows = train_topics.evaluate([topics_of(model, e.text) for e in dev], dev)
    lexicon_rows = train_topics.evaluate([topics_of(LexiconTagger(), e.text) for e in dev], dev)
    model_f1, lexicon_f1 = train_topics.macro_f1(model_rows), train_topics.macro_f1(lexicon_rows)
    assert model_f1 >= DEV_MACRO_F1_FLOOR, [(r.topic, round(r.f1, 3)) for r in model_rows]
    assert model_f1 > lexicon_f1


# Pairs written for this test (not in training/): the same meaning in other words, other
# products, other registers; both sides must get the expected topics.
PARAPHRASES = [
    ("借呗还不上可以和支付宝客服商量晚一点还吗?", "借呗没钱还,能否跟平台沟通推迟还款日期?", {"deferral"}),
    ("银行同意我把欠款分成三十六期慢慢还。", "发卡行最终答应让我分36个月偿还所欠的钱。", {"deferral"}),
    ("申请延期前要准备好收入证明和失业证明。", "想让平台同意缓还,先把工资流水、离职证明这些材料备齐。", {"deferral"}),
    ("逾期后每天按欠款的万分之五收取罚息。", "超过还款日未还的,每日加收未还金额0.05%的罚息。", {"interest"}),
    ("这款产品的年化利率在7.2%到24%之间。", "该借款服务的年利率区间为百分之七点二至百分之二十四。", {"interest"}),
    ("分期的手续费折算成年化利率其实不低。", "分期服务费换算成年化,实际成本比看上去高得多。", {"interest"}),
    ("逾期记录会在个人征信报告上保留五年。", "不良还款记录会在人行信用报告里留存5年之久。", {"credit"}),
    ("花呗逾期会被报送到央行征信系统。", "花呗没按时还,相关记录会上传到人民银行征信中心。", {"credit"}),
    ("征信上有逾期,以后申请房贷可能被银行拒绝。", "信用报告上有不良记录的人,日后办按揭贷款很可能被拒。", {"credit"}),
    ("长期不还,平台可能会向法院提起诉讼。", "一直拖欠不还的话,贷款机构有可能把你告上法庭。", {"legal"}),
    ("催收人员恐吓威胁借款人的,可以报警处理。", "遇到催债人员威胁恐吓,借款人可以直接拨打110求助。", {"legal"}),
    ("判决生效后仍不还款,会被列为失信被执行人。", "法院判了以后还是拒不履行的,将被纳入失信人名单。", {"legal"}),
    ("信用卡恶意透支数额较大的,可能构成信用卡诈骗罪。", "持卡人恶意透支达到一定金额,会被追究刑事责任。", {"legal"}),
    pytest.param("协商成功的话,银行可以减免部分罚息和违约金。", "谈妥之后,发卡行有可能免掉一部分逾期罚息和违约金。",
                 {"deferral", "interest"}, marks=pytest.mark.xfail(
                     reason="known gap: 谈妥/免掉 are too rare in training/ to carry deferral without 协商/减免",
                     strict=False)),
    ("逾期不仅要多付罚息,还会在征信上留下不良记录。", "拖欠还款既会增加罚息支出,也会给信用报告留下污点。", {"interest", "credit"}),
    ("被起诉并强制执行的记录也会出现在征信报告中。", "遭到起诉和强制执行后,相关信息同样会体现在个人信用报告里。", {"credit", "legal"}),
    ("借呗是支付宝里的一款借款产品。", "借呗是蚂蚁集团在支付宝上提供的消费信贷服务。", set()),
    ("很多年轻人都有过借钱消费的经历。", "不少年轻人曾经借钱买过东西。", set()),
    # Traditional script: the tagger converts with OpenCC t2s before anything else.
    ("逾期记录会在信用报告中保留五年。", "逾期記錄會在信用報告中保留五年。", {"credit"}),
    ("可以向银行申请个性化分期还款。", "可以向銀行申請個性化分期還款。", {"deferral"}),
    ("信用卡逾期会产生违约金和利息。", "信用卡逾期會產生違約金和利息。", {"interest"}),
]


@pytest.mark.parametrize("first, second, expected", PARAPHRASES, ids=[f"pair{i:02d}" for i in range(len(PARAPHRASES))])
def test_paraphrases_get_the_same_topics(model, first, second, expected):
    assert topics_of(model, first) == expected
    assert topics_of(model, second) == expected


# --- the seed article, read by a careful reader ------------------------------------

SEED_CLAIMS = [
    ("具体而言,正常利息遵循借款合同协定的年化利率计算而罚息则以每日万分之五的标准逐日累加。", {"interest"}),
    ("一般而言逾期记录会在信用报告中保留五年的时间。", {"credit"}),
    ("依照我国《合同法》及相关法律法规,借款人未按约好履行还款义务时,贷款方有权采用法律手段追讨欠款。", {"legal"}),
    ("客户需主动联系微粒贷客服,表明自身困难并提出合理的延期请求。", {"deferral"}),
    ("微粒贷逾期后的利息计算机制以及可能面临的法律后续影响也需要引起重视。", {"interest", "legal"}),
    ("一方面,延期并不意味着免除责任,客户仍需承担相应的利息和费用;", {"deferral", "interest"}),
    ("若发现争议可向平台或监管部门提出申诉。", {"legal"}),
    ("微粒贷作为一款线上小额贷款产品,其核心在于灵活便捷的服务模式。", set()),
]


@pytest.mark.parametrize("text, expected", SEED_CLAIMS, ids=[f"seed{i}" for i in range(len(SEED_CLAIMS))])
def test_seed_claims(model, text, expected):
    assert topics_of(model, text) == expected


def test_seed_claims_come_from_the_seed():
    seed = (train_topics.REPO / "sources" / "000_56e66633d99debef.txt").read_text("utf-8")
    for text, _ in SEED_CLAIMS:
        assert text in seed


# --- the artefact ------------------------------------------------------------------


def test_artefact_matches_the_current_training_data(model, examples):
    train, _ = train_topics.split(examples)
    recorded = model.artefact["training"]
    assert recorded["sha256"] == train_topics.examples_sha256(train), (
        "training/topics.jsonl changed since the topic model was built: run `make model`"
    )
    assert recorded["examples"] == len(train)


def test_artefact_matches_the_current_domain_dictionary(model):
    assert model.artefact["training"]["domain_dictionary_sha256"] == train_topics.domain_dictionary_sha256(), (
        "pipeline/data/domain_dict.txt changed since the topic model was built (word features "
        "depend on it): run `make model`"
    )


def test_artefact_is_small_plain_json_and_loads_fast():
    path = train_topics.ARTEFACT
    assert path.name == MODEL_ARTEFACT
    assert path.stat().st_size < 5 * 1024 * 1024
    started = time.perf_counter()
    tagger = ModelTagger.load()
    assert time.perf_counter() - started < 1.0
    assert tagger.topics == list(TOPICS)
    assert set(tagger.thresholds) == set(TOPICS)


def test_artefact_of_the_wrong_format_is_refused():
    with pytest.raises(ValueError, match="not a topic model artefact"):
        ModelTagger({"format": "something-else"})


@pytest.mark.slow
def test_training_rebuilds_the_artefact_byte_identically(examples):
    train, _ = train_topics.split(examples)
    rebuilt = train_topics.dumps(train_topics.train(train, log=lambda *args: None))
    assert rebuilt == train_topics.ARTEFACT.read_text("utf-8")


# --- the labelled data -------------------------------------------------------------


def test_dataset_size_coverage_and_split(examples):
    assert len(examples) >= 800
    texts = [e.text for e in examples]
    assert len(set(texts)) == len(texts), "duplicate sentences"
    for topic in TOPICS:
        assert sum(topic in e.topics for e in examples) >= 150, topic
    assert sum(not e.topics for e in examples) >= 150
    assert sum(len(e.topics) > 1 for e in examples) >= 80
    assert any(normalise(t) != t for t in texts), "no traditional-script sentences"
    train, dev = train_topics.split(examples)
    assert 0.15 <= len(dev) / len(examples) <= 0.25
    assert not {e.text for e in train} & {e.text for e in dev}


def test_split_is_a_function_of_the_text_alone():
    assert train_topics.split_of("逾期记录会保留五年。") == train_topics.split_of("逾期记录会保留五年。")
    splits = {train_topics.split_of(f"句子{i}") for i in range(50)}
    assert splits == {"train", "dev"}


def test_training_file_rows_are_well_formed():
    for number, line in enumerate(train_topics.DATA.read_text("utf-8").splitlines(), 1):
        row = json.loads(line)
        assert set(row) == {"text", "topics"}, number
        assert row["text"].strip() == row["text"] and row["text"], number
        assert row["topics"] == [t for t in TOPICS if t in row["topics"]], f"line {number}: order topics as TOPICS"


def test_paraphrase_and_seed_sentences_are_not_training_data(examples):
    texts = {e.text for e in examples}
    for pair in PARAPHRASES:
        first, second, _ = getattr(pair, "values", pair)  # pytest.param wraps the xfail pair
        assert first not in texts and second not in texts
    for text, _ in SEED_CLAIMS:
        assert text not in texts
