"""Tag claims with topics: deferral, interest, credit, legal (multi-label, scored, explained).

Every tagger has the same interface — ``score(text) -> {topic: TopicScore}`` and a
``name`` — so the KB stores scores and explanations the same way whichever runs.

- :class:`LexiconTagger` is the transparent baseline: weighted terms, summed and
  squashed to (0, 1); the explanation is the terms that matched.
- :class:`ModelTagger` is a one-vs-rest logistic regression over TF-IDF of jieba words,
  character 1–3-grams and the lexicon sums, Platt-calibrated, with a per-topic
  threshold chosen on cross-validation of the training split. It loads a JSON
  artefact (``pipeline/data/topic_model.json``, built by ``python -m
  pipeline.train_topics``): plain numbers, no pickle, no training at import. Its
  explanation is the terms whose weight × value pushed the score most.

Both convert traditional script to simplified (OpenCC ``t2s``) before scoring, so
繁體 pages tag like their simplified twins.

    >>> scores = get_tagger().score("罚息按每日万分之五计算")
    >>> [t for t, s in scores.items() if s.assigned]
    ['interest']
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from .document import TopicScore
from .script import simplified

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

MODEL_ARTEFACT = "topic_model.json"
MODEL_FORMAT = "zhkb-topic-model/1"
# How many terms an explanation lists, and the smallest push worth listing.
EXPLAIN_TOP = 5
EXPLAIN_MIN = 0.05


class Tagger(Protocol):
    name: str

    def score(self, text: str) -> dict[str, TopicScore]: ...


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), traditional → simplified.

    >>> normalise("逾期紀錄會保留５年")
    '逾期纪录会保留5年'
    """
    return simplified(unicodedata.normalize("NFKC", text))


def lexicon_matches(text: str, terms: dict[str, float]) -> list[str]:
    """Terms of ``terms`` found in ``text``; a term inside a longer match (利率 in 年化利率) is dropped."""
    matched = [term for term in terms if term in text]
    return [t for t in matched if not any(t != o and t in o for o in matched)]


class LexiconTagger:
    """Sum the weights of matched terms; score = 1 - exp(-sum); assigned at >= threshold."""

    name = "lexicon-v1"

    def __init__(self, lexicon: dict[str, dict[str, float]] = LEXICON, threshold: float = 0.5):
        self.lexicon = lexicon
        self.threshold = threshold

    def score(self, text: str) -> dict[str, TopicScore]:
        text = normalise(text)
        result = {}
        for topic, terms in self.lexicon.items():
            matched = lexicon_matches(text, terms)
            total = sum(terms[t] for t in matched)
            score = 1.0 - math.exp(-total)
            explanation = [f"+{t} ({terms[t]:.1f})" for t in sorted(matched, key=lambda t: -terms[t])]
            result[topic] = TopicScore(topic, round(score, 4), score >= self.threshold, explanation)
        return result


# --- features shared by training (pipeline.train_topics) and ModelTagger -------------

_NOT_TEXT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")

# Function words: on a thousand sentences a model happily learns that 被 means legal
# or 你 means credit; dropped as words and as character unigrams (they still occur
# inside n-grams such as 向法院). Topic-bearing short words (还, 息, 费, 诉) stay.
STOPWORDS = (
    "的 地 得 了 着 过 是 在 也 都 就 才 又 再 更 很 太 最 还是 而 且 而且 和 与 及 以及 或 或者 "
    "但 但是 却 并 并且 若 如果 假如 要是 虽然 虽 因为 所以 因此 于是 然后 那么 这样 这么 那样 "
    "这 那 这个 那个 这些 那些 这种 此 其 之 其中 该 各 每 某 你 您 我 他 她 它 我们 你们 他们 "
    "大家 自己 本人 人家 被 把 将 让 给 向 对 对于 从 到 为 为了 于 以 以便 跟 同 比 "
    "上 下 中 里 内 外 前 后 时 时候 一 个 一个 一些 一定 有 有的 有些 没 没有 不 吗 呢 吧 啊 呀 哦 "
    "会 能 能够 可 可以 可能 要 需要 应 应该 应当 已 已经 曾 曾经 正 正在 将会 就是 只是 只 "
    "等 等等 们 么 啥 什么 怎么 怎样 如何 多少 哪 哪些 所 所有 一般 通常 往往 其实 当然 比如 例如"
).split()


@dataclass(frozen=True)
class FeatureConfig:
    """What the featuriser extracts; stored in the artefact so inference matches training."""

    char_min: int = 1
    char_max: int = 3
    lexicon_weight: float = 1.0
    stopwords: tuple[str, ...] = tuple(STOPWORDS)
    # A copy travels with the model: editing LEXICON (the baseline) must not change its features.
    lexicon: dict[str, dict[str, float]] = field(default_factory=lambda: LEXICON)

    def as_dict(self) -> dict:
        return {"char_min": self.char_min, "char_max": self.char_max, "lexicon_weight": self.lexicon_weight,
                "stopwords": list(self.stopwords), "lexicon": self.lexicon}

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureConfig":
        return cls(data["char_min"], data["char_max"], data["lexicon_weight"], tuple(data["stopwords"]),
                   data["lexicon"])


@dataclass
class Occurrence:
    """Where a piece of a feature's evidence sits in the normalised text, and its share."""

    start: int
    end: int
    share: float = 1.0


@dataclass
class Analysis:
    """A text as the model sees it: normalised, its word spans, and where each feature occurs."""

    text: str
    words: list[tuple[int, int]]
    found: dict[str, list[Occurrence]]


class Featuriser:
    """Text → feature occurrences, and occurrences → the weighted vector the model reads.

    Three blocks, each with its own prefix:

    - ``w:`` jieba words (the shared segmenter, domain dictionary included);
    - ``c:`` character n-grams within runs of Han characters, digits and letters;
    - ``lex:`` per topic, ``1 - exp(-sum of matched LEXICON weights)``: the baseline's
      own score, so the model starts from what the lexicon knows.

    Words and n-grams are TF-IDF weighted (sublinear tf, ``idf`` fitted on the training
    split) and L2-normalised per block; the lexicon block is scaled by ``lexicon_weight``.
    """

    def __init__(self, config: FeatureConfig = FeatureConfig(), segmenter=None):
        self.config = config
        self._segmenter = segmenter
        self._stop = frozenset(config.stopwords)

    @property
    def segmenter(self):
        if self._segmenter is None:
            from .segment import get_segmenter

            self._segmenter = get_segmenter()
        return self._segmenter

    def analyse(self, text: str) -> Analysis:
        norm = normalise(text)
        found: dict[str, list[Occurrence]] = defaultdict(list)
        words = []
        offset = 0
        for word in self.segmenter.cut(norm):
            start, offset = offset, offset + len(word)
            words.append((start, offset))
            key = word.strip().lower()
            if key not in self._stop and any(ch.isalnum() for ch in key):
                found["w:" + key].append(Occurrence(start, offset))
        low = norm.lower()
        if len(low) != len(norm):  # a rare letter whose lower case is longer: keep offsets
            low = norm
        for start, run in _runs(low):
            for n in range(self.config.char_min, self.config.char_max + 1):
                for i in range(len(run) - n + 1):
                    gram = run[i:i + n]
                    if n > 1 or gram not in self._stop:
                        found["c:" + gram].append(Occurrence(start + i, start + i + n))
        for topic, terms in self.config.lexicon.items():
            matched = lexicon_matches(norm, terms)
            total = sum(terms[t] for t in matched)
            for term in matched:
                at = norm.find(term)
                found["lex:" + topic].append(Occurrence(at, at + len(term), terms[term] / total))
        for feature, occurrences in found.items():
            if not feature.startswith("lex:"):  # lexicon shares are the term weights, set above
                for occ in occurrences:
                    occ.share = 1.0 / len(occurrences)
        return Analysis(norm, words, dict(found))

    def vector(self, analysis: Analysis, idf: dict[str, float]) -> dict[str, float]:
        """The weighted feature vector; word and n-gram features without an idf are unknown."""
        blocks: dict[str, dict[str, float]] = {"w": {}, "c": {}}
        for feature, occurrences in analysis.found.items():
            kind = feature.split(":", 1)[0]
            weight = idf.get(feature)
            if kind in blocks and weight is not None:
                blocks[kind][feature] = (1.0 + math.log(len(occurrences))) * weight
        vec: dict[str, float] = {}
        for block in blocks.values():
            length = math.sqrt(sum(v * v for v in block.values()))
            for feature, value in block.items():
                vec[feature] = value / length
        for feature, value in lexicon_values(analysis.text, self.config.lexicon).items():
            if value:
                vec[feature] = value * self.config.lexicon_weight
        return vec


def lexicon_values(norm: str, lexicon: dict[str, dict[str, float]] = LEXICON) -> dict[str, float]:
    """``lex:<topic>`` → 1 - exp(-sum of matched weights), as :class:`LexiconTagger` scores it."""
    values = {}
    for topic, terms in lexicon.items():
        total = sum(terms[t] for t in lexicon_matches(norm, terms))
        values["lex:" + topic] = 1.0 - math.exp(-total)
    return values


def _runs(text: str) -> list[tuple[int, str]]:
    """Maximal runs of Han characters, digits and ASCII letters, with their offsets."""
    runs = []
    start = 0
    for match in _NOT_TEXT.finditer(text):
        if match.start() > start:
            runs.append((start, text[start:match.start()]))
        start = match.end()
    if start < len(text):
        runs.append((start, text[start:]))
    return runs


# --- the trained model ---------------------------------------------------------------


# Topics scoring at least this share of their threshold get an explanation.
EXPLAIN_FROM_THRESHOLD_SHARE = 0.5


class ModelTagger:
    """Calibrated one-vs-rest logistic regression loaded from a JSON artefact.

    ``score`` = Platt-calibrated probability ``1 / (1 + exp(-(a * margin + b)))``;
    ``assigned`` = score >= the topic's threshold (chosen on training cross-validation);
    ``explanation`` = the words whose features pushed the margin up most, e.g.
    ``["罚息 +1.84", "万分之五 +0.97"]`` (character n-grams and lexicon matches are
    credited to the words they fall in, so the terms read as words of the sentence).

    Scoring computes what :class:`Featuriser` (the training side) computes, but only for
    features the model knows and for all claims of a page at once: the occurrences are
    gathered in Python, the TF-IDF weighting, norms and margins run in numpy.
    tests/test_topics.py checks it against the Featuriser path on every training sentence.
    """

    def __init__(self, artefact: dict, featuriser: Featuriser | None = None):
        if artefact.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a topic model artefact: format {artefact.get('format')!r}")
        self.artefact = artefact
        # The name carries the training data's hash, so KB rows say which model tagged them.
        self.name = f"{artefact['name']}@{artefact['training']['sha256'][:8]}"
        self.topics: list[str] = artefact["topics"]
        self.intercepts: list[float] = artefact["intercepts"]
        self.calibration: dict[str, list[float]] = artefact["calibration"]
        self.thresholds: dict[str, float] = artefact["thresholds"]
        vocabulary: dict[str, list[float]] = artefact["vocabulary"]  # feature -> [idf, coef per topic]
        self.idf = {f: row[0] for f, row in vocabulary.items() if row[0]}
        self.coef = {f: row[1:] for f, row in vocabulary.items()}
        self.featuriser = featuriser or Featuriser(FeatureConfig.from_dict(artefact["features"]))
        self._build_tables()

    def _build_tables(self) -> None:
        """Column numbers for the known words and n-grams, and their idf and weights as arrays."""
        import numpy as np

        self._word_column: dict[str, int] = {}
        self._gram_column: dict[str, int] = {}
        idf, coef, block = [], [], []
        for feature, weight in self.idf.items():
            kind, key = feature.split(":", 1)
            if kind not in ("w", "c"):
                continue
            (self._word_column if kind == "w" else self._gram_column)[key] = len(idf)
            idf.append(weight)
            coef.append(self.coef[feature])
            block.append(0 if kind == "w" else 1)
        n_topics = len(self.topics)
        self._idf_array = np.array(idf, dtype=float)
        self._coef_array = np.array(coef, dtype=float).reshape(len(coef), n_topics)
        self._block_array = np.array(block, dtype=np.int64)
        lexicon = self.featuriser.config.lexicon
        self._lexicon = list(lexicon.items())
        self._lex_coef = np.array([self.coef.get("lex:" + topic) or [0.0] * n_topics for topic in lexicon],
                                  dtype=float).reshape(len(lexicon), n_topics)
        # Every known n-gram found in one pass over the text (Aho-Corasick, C): a known
        # n-gram holds only run characters (Han, digits, letters), so its matches are the
        # n-grams Featuriser takes from the runs. Value: column * 4 + length.
        import ahocorasick

        if self.featuriser.config.char_max > 3:
            raise ValueError("n-grams longer than 3 do not fit the automaton's value encoding")
        self._gram_automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for gram, column in self._gram_column.items():
            if not _NOT_TEXT.search(gram):
                self._gram_automaton.add_word(gram, column * 4 + len(gram))
        self._gram_automaton.make_automaton()

    @classmethod
    def load(cls, path=None) -> "ModelTagger":
        """From ``path``, or the artefact shipped in ``pipeline/data``."""
        if path is None:
            text = resources.files("pipeline").joinpath("data", MODEL_ARTEFACT).read_text("utf-8")
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        return cls(json.loads(text))

    def margins(self, vec: dict[str, float]) -> list[float]:
        """The margin per topic of a :meth:`Featuriser.vector` (the training-side path)."""
        margins = list(self.intercepts)
        for feature, value in vec.items():
            coefs = self.coef.get(feature)
            if coefs:
                for k, c in enumerate(coefs):
                    margins[k] += c * value
        return margins

    def probability(self, topic: str, margin: float) -> float:
        a, b = self.calibration[topic]
        z = a * margin + b
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def score(self, text: str) -> dict[str, TopicScore]:
        return self.score_many([text])[0]

    def score_many(self, texts: list[str]) -> list[dict[str, TopicScore]]:
        """:meth:`score` of each text, computed together (a page's claims)."""
        import numpy as np

        if not texts:
            return []
        cut = self.featuriser.segmenter.cut
        word_column, find_grams = self._word_column.get, self._gram_automaton.iter
        # Positions are offsets into the claims' normalised texts laid end to end.
        word_cols: list[int] = []  # per word: its column, -1 for a word the model does not know
        word_starts: list[int] = []
        gram_ends: list[int] = []  # per known n-gram occurrence: its last character, in its claim
        gram_codes: list[int] = []
        gram_rows: list[int] = []
        lex_hits: list[tuple[int, int, int, int, float]] = []  # row, topic, first, last, share
        claim_at: list[int] = []
        norms: list[str] = []
        lex_values = np.zeros((len(texts), len(self._lexicon)))
        base = 0
        for row, text in enumerate(texts):
            norm = normalise(text)
            norms.append(norm)
            claim_at.append(base)
            tokens = cut(norm)
            word_cols += [word_column(word.strip().lower(), -1) for word in tokens]
            word_starts += [base + end - len(word) for word, end in
                            zip(tokens, itertools.accumulate(len(word) for word in tokens))]
            low = norm.lower()
            if len(low) != len(norm):  # a rare letter whose lower case is longer: keep offsets
                low = norm
            matches = list(find_grams(low))
            if matches:
                ends, codes = zip(*matches)
                gram_ends += ends
                gram_codes += codes
                gram_rows += [row] * len(matches)
            for j, (topic, terms) in enumerate(self._lexicon):
                matched = lexicon_matches(norm, terms)
                if matched:
                    total = sum(terms[t] for t in matched)
                    lex_values[row, j] = 1.0 - math.exp(-total)
                    for term in matched:
                        at = base + norm.find(term)
                        lex_hits.append((row, j, at, at + len(term) - 1, terms[term] / total))
            base += len(norm)
        text_end = base

        int64 = np.int64
        starts_of_claims = np.array(claim_at, dtype=int64)
        word_start = np.array(word_starts, dtype=int64)
        word_end = np.append(word_start[1:], text_end)  # claims' words tile the whole text

        def word_span(first, last):
            """The span of the words that the characters first..last fall in."""
            return (word_start[np.searchsorted(word_start, first, side="right") - 1],
                    word_end[np.searchsorted(word_start, last, side="right") - 1])

        # Occurrences of known features, words first, then n-grams, each sorted by claim.
        codes = np.array(gram_codes, dtype=int64)
        gram_last = np.array(gram_ends, dtype=int64) + starts_of_claims[np.array(gram_rows, dtype=int64)]
        gram_start, gram_end = word_span(gram_last - (codes & 3) + 1, gram_last)
        word_columns = np.array(word_cols, dtype=int64)
        known = word_columns >= 0
        cols = np.concatenate([word_columns[known], codes >> 2])
        span_start = np.concatenate([word_start[known], gram_start])
        span_end = np.concatenate([word_end[known], gram_end])
        rows = np.searchsorted(starts_of_claims, span_start, side="right") - 1

        # TF-IDF with sublinear tf, L2-normalised per block (words, n-grams), as Featuriser.vector.
        n_columns = len(self._idf_array)
        pairs, occ_pair, counts = np.unique(rows * n_columns + cols, return_inverse=True, return_counts=True)
        pair_row, pair_col = pairs // n_columns, pairs % n_columns
        values = (1.0 + np.log(counts)) * self._idf_array[pair_col]
        group = pair_row * 2 + self._block_array[pair_col]
        length = np.sqrt(np.bincount(group, weights=values * values, minlength=2 * len(texts)))
        values = values / length[group]
        lex_values *= self.featuriser.config.lexicon_weight
        margins = np.tile(np.array(self.intercepts, dtype=float), (len(texts), 1))
        np.add.at(margins, pair_row, values[:, None] * self._coef_array[pair_col])
        margins += lex_values @ self._lex_coef

        probabilities = [[self.probability(topic, m) for topic, m in zip(self.topics, row)]
                         for row in margins.tolist()]
        # Explaining is most of the cost of scoring; a topic far below its threshold has
        # nothing worth explaining (its score says so), so only topics near or above it.
        explain_from = np.array([EXPLAIN_FROM_THRESHOLD_SHARE * self.thresholds[t] for t in self.topics])
        near = np.array(probabilities).reshape(len(texts), len(self.topics)) >= explain_from
        explanations = [[[] for _ in self.topics] for _ in texts]
        if near.any():
            # Each occurrence's share of its feature's push: 1 / occurrences of it in the claim.
            occ_push = (values[occ_pair] / counts[occ_pair])[:, None] * self._coef_array[cols]
            if lex_hits:
                lex_row, lex_topic, lex_first, lex_last, lex_share = (np.array(c) for c in zip(*lex_hits))
                lex_start, lex_end = word_span(lex_first, lex_last)
                lex_push = (lex_values[lex_row, lex_topic] * lex_share)[:, None] * self._lex_coef[lex_topic]
                span_start = np.concatenate([span_start, lex_start])
                span_end = np.concatenate([span_end, lex_end])
                rows = np.concatenate([rows, lex_row])
                occ_push = np.concatenate([occ_push, lex_push])
            chars = "".join(norms)
            for k in range(len(self.topics)):
                wanted = near[rows, k] & (occ_push[:, k] != 0)
                if not wanted.any():
                    continue
                # Pushes summed per word span, then per surface text within a claim.
                spans, where = np.unique(span_start[wanted] * (text_end + 1) + span_end[wanted], return_inverse=True)
                pushes = np.bincount(where, weights=occ_push[wanted, k])
                span_rows = np.searchsorted(starts_of_claims, spans // (text_end + 1), side="right") - 1
                by_surface: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
                for span, row, push in zip(spans.tolist(), span_rows.tolist(), pushes.tolist()):
                    begin, end = divmod(span, text_end + 1)
                    by_surface[row][chars[begin:end].strip()] += push
                for row, surfaces in by_surface.items():
                    explanations[row][k] = _explanation(surfaces)

        return [
            {topic: TopicScore(topic, round(p, 4), p >= self.thresholds[topic], explanation)
             for topic, p, explanation in zip(self.topics, probabilities[row], explanations[row])}
            for row in range(len(texts))
        ]


def _explanation(by_surface: dict[str, float]) -> list[str]:
    """The top pushes, by the surface text of the word spans they were credited to."""
    top = sorted(by_surface.items(), key=lambda item: (-item[1], item[0]))
    return [f"{surface} {push:+.2f}" for surface, push in top[:EXPLAIN_TOP] if push >= EXPLAIN_MIN and surface]


def model_available() -> bool:
    return resources.files("pipeline").joinpath("data", MODEL_ARTEFACT).is_file()


@functools.lru_cache(maxsize=1)
def get_tagger() -> Tagger:
    """The tagger the pipeline uses: the trained model when its artefact ships, else the lexicon."""
    if model_available():
        return ModelTagger.load()
    return LexiconTagger()
