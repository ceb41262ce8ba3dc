"""The domain dictionary keeps finance terms whole without hurting general segmentation."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import re
import sys
from pathlib import Path

import jieba
import pytest
from conftest import shared_path

from pipeline.segment import (
    WORD_JOINER,
    Segmenter,
    dictionary_changes,
    dictionary_fingerprint,
    domain_entries,
    domain_terms,
    get_segmenter,
    traditional,
    unsegment,
)

REPO = Path(__file__).resolve().parents[1]
CWS_DIR = REPO.parent / "shared" / "data" / "cws"

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


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    """The oracle: jieba itself, given our dictionary as Segmenter did before issue #7.

    Each entry goes through jieba's add_word (a known word without a frequency keeps
    jieba's), each traditional variant too, and the total grows once per changed word.
    """
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    total, known = tokenizer.total, tokenizer.FREQ
    changes = []
    for word, freq, tag in domain_entries():
        before = known.get(word)
        tokenizer.add_word(word, freq if freq is not None else before or None, tag)
        if known[word] != before:
            changes.append((word, known[word], tag))
        variant = traditional(word)
        if variant != word and not known.get(variant):
            tokenizer.add_word(variant, known[word], tag)
            changes.append((variant, known[word], tag))
    tokenizer.total = total + sum(freq for _, freq, _ in changes)
    tokenizer.changes = changes
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


def test_known_words_keep_jiebas_frequency(segmenter, plain, reference):
    for word, freq, _ in domain_entries():
        expected = freq if freq is not None else plain.FREQ[word]
        assert reference.FREQ[word] == expected, word
    # Read from the dictionary files, the changes and total are what jieba's add_word makes.
    assert segmenter.changes == reference.changes
    assert segmenter.total == reference.total == plain.total + sum(freq for _, freq, _ in segmenter.changes)
    assert len(segmenter.changes) == len({word for word, _, _ in segmenter.changes})
    changed = {word: freq for word, freq, _ in segmenter.changes}
    assert all(reference.FREQ[word] == freq for word, freq in changed.items())


def test_dictionary_fingerprint_is_stable():
    assert dictionary_fingerprint() == dictionary_fingerprint()
    assert len(dictionary_fingerprint()) == 12 and int(dictionary_fingerprint(), 16) >= 0


def test_dictionary_fingerprint_names_the_backend():
    # Tokens are decided by the backend too: the two backends never share a fingerprint.
    assert dictionary_fingerprint() == dictionary_fingerprint("rjieba")
    assert dictionary_fingerprint("jieba") != dictionary_fingerprint("rjieba")


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


# ------------------------------------------------- rjieba gives jieba's tokens (issue #7)
#
# Segmenter cuts with rjieba (jieba-rs); the oracle is jieba itself with the same
# dictionary (the ``reference`` fixture). Equal means token for token, every line.

LATIN_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba's finalseg re_skip


def _domain_files() -> list[Path]:
    sources = REPO / "sources"
    return sorted(sources.glob("*.txt")) + sorted(p for p in (sources / "examples").iterdir() if p.is_file())


def _lines(path: Path) -> list[str]:
    if path.suffix == ".jsonl":
        return [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    return path.read_text("utf-8").splitlines()


DOMAIN_FILES = _domain_files() + [REPO / "training" / "claims.jsonl"]

TRICKY = [
    "",
    " ",
    "\n",
    "\r\n",
    "第一行\n第二行\r\n第三行\r第四行",
    "  罚息 1.5% \n 见《民法典》",
    "\t借呗\t逾期\t",
    "\u3000\u3000微粒贷逾期\xa0怎么办\u2003",
    # Latin and digit runs: jieba's HMM step splits them at . - : / _, jieba-rs does not
    "2025-04-11逾期",
    "于2025年04月11日起,日利率0.05%,年化18.25%。",
    "访问www.creditchina.gov.cn查询",
    "https://ccrc.pbccrc.org.cn/ 征信中心",
    "v1.2.3版本",
    "12.5.6",
    "5.5.5%",
    "ab.12cd逾期",
    "3.14%%",
    "1_000元",
    "AT&T和C++还有c#",
    "R&D费用",
    "A+B模式",
    "100%会上征信",
    "利率为24%-36%之间",
    "LPR4.35%的4倍",
    "iPhone15分期",
    "360借条、58同城",
    "B超检查T恤",
    "电话:400-888-8888转1",
    "逾期M1、M2、M3+",
    "abc..12",
    "--中--",
    # full-width, emoji, other scripts
    "１２３４５元，ＡＢＣ银行",
    "全角：逾期（三天）！",
    "花呗逾期😭怎么办👍",
    "naïve café 中文",
    "αβγ дом 한국어 にほんご",
    "①②③ Ⅳ ²³",
    # traditional script, and CJK ranges jieba-rs joins but jieba does not
    "借唄逾期了怎麼辦？信用卡詐騙罪",
    "逾期記錄會在信用報告中保留五年。",
    "㐀㐁逾期𠀀𠀁借呗",
    "鿖鿗豈更丽𪜀",
    "乂乜乇龘靐齉",
    "丄丅丏両丣丩丮",
    # separators the pipeline itself uses
    "微粒贷\u200b逾期",
    "\x00逾期\x00",
    "\x1c\x1d\x1e",
]


@pytest.fixture(scope="module")
def rjieba_segmenter(segmenter) -> Segmenter:
    assert segmenter.backend == "rjieba", "rjieba is a dependency: pip install -e ."
    return segmenter


def _differences(segmenter: Segmenter, reference: jieba.Tokenizer, lines: list[str], search: bool = False):
    if search:
        return [(line, reference.lcut_for_search(line), segmenter.cut_for_search(line)) for line in lines
                if segmenter.cut_for_search(line) != reference.lcut_for_search(line)]
    return [(line, reference.lcut(line, HMM=True), segmenter.cut(line)) for line in lines
            if segmenter.cut(line) != reference.lcut(line, HMM=True)]


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_rjieba_cuts_domain_text_as_jieba(rjieba_segmenter, reference, path):
    lines = _lines(path)
    assert lines
    assert _differences(rjieba_segmenter, reference, lines) == []
    assert _differences(rjieba_segmenter, reference, lines, search=True) == []


@pytest.mark.parametrize("text", TRICKY)
def test_rjieba_cuts_tricky_text_as_jieba(rjieba_segmenter, reference, text):
    assert rjieba_segmenter.cut(text) == reference.lcut(text, HMM=True)
    assert rjieba_segmenter.cut_for_search(text) == reference.lcut_for_search(text, HMM=True)
    assert "".join(rjieba_segmenter.cut(text)) == text


def _random_texts(count: int, seed: int = 7) -> list[str]:
    """Short texts mixing what jieba and jieba-rs treat differently, plus our terms."""
    rng = random.Random(seed)
    pools = [
        (0.25, "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说逾期罚息利率年化贷款征信"),
        (0.05, "丄丅丏両丣丩丮乂乜乇龘靐齉"),  # rare Han: unknown to the HMM too
        (0.05, "㐀㐁鿖鿗豈更𠀀𠀁𪜀丽"),  # jieba-rs's extra CJK ranges
        (0.30, "abcxyzABC0123456789abcxyzABC0123456789.%-_+#&...%-"),
        (0.15, "，。！？、：；“”（）《》 \t\n\r\u3000１２ＡＢ😀é\x1c"),
    ]
    terms = domain_terms() + ["AT&T", "c++", "C#", "B超", "T恤", "3.14", "2025-04-11", "www.a.cn", "1.5%"]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 16)):
            r = rng.random()
            for weight, pool in pools:
                if r < weight:
                    parts.append(rng.choice(pool))
                    break
                r -= weight
            else:
                parts.append(rng.choice(terms))
        texts.append("".join(parts))
    return texts


def test_rjieba_cuts_random_mixed_text_as_jieba(rjieba_segmenter, reference):
    texts = _random_texts(3000)
    assert _differences(rjieba_segmenter, reference, texts) == []
    assert _differences(rjieba_segmenter, reference, texts[:1000], search=True) == []


def test_jieba_backend_cuts_as_jieba(reference):
    segmenter = Segmenter(backend="jieba")
    lines = [line for path in DOMAIN_FILES[:3] for line in _lines(path)] + TRICKY + _random_texts(300, seed=8)
    assert _differences(segmenter, reference, lines) == []
    sample = list(reference.FREQ.items())[::97]
    assert [word for word, freq in sample if segmenter.has_word(word) != bool(freq)] == []


def test_rjieba_without_hmm_cuts_as_jieba(reference):
    segmenter = Segmenter(hmm=False)
    lines = [line for path in DOMAIN_FILES for line in _lines(path)] + TRICKY + _random_texts(1000, seed=9)
    assert [line for line in lines if segmenter.cut(line) != reference.lcut(line, HMM=False)] == []


def test_has_word_is_jiebas(rjieba_segmenter, reference):
    # jieba's FREQ holds every word and every prefix of one, the prefixes with frequency
    # 0: has_word is bool(FREQ.get(word)), so a prefix is not a word.
    wrong = [word for word, freq in reference.FREQ.items() if rjieba_segmenter.has_word(word) != bool(freq)]
    assert wrong == []
    assert sum(1 for freq in reference.FREQ.values() if not freq) > 100_000  # the prefixes were checked
    pieces = {line[i:i + n] for path in DOMAIN_FILES for line in _lines(path) for n in (1, 2, 3, 4)
              for i in range(len(line) - n + 1)}
    assert [p for p in pieces if rjieba_segmenter.has_word(p) != bool(reference.FREQ.get(p))] == []
    assert not rjieba_segmenter.has_word("") and not rjieba_segmenter.has_word("\x00")


def test_non_han_dictionary_words_beat_their_characters(reference):
    # Segmenter keeps an ASCII token whole when it is a dictionary word (AT&T, c++) and
    # re-splits other ASCII tokens as jieba's HMM step does. That is right because the HMM
    # only sees runs of single characters, and no such word loses to its characters.
    logtotal = math.log(reference.total)
    words = [w for w, f in reference.FREQ.items() if f and len(w) > 1 and w.isascii() and not LATIN_RUN.fullmatch(w)]
    assert "AT&T" in words and "c++" in words
    for word in words:
        whole = math.log(reference.FREQ[word]) - logtotal
        alone = sum(math.log(reference.FREQ.get(ch) or 1) - logtotal for ch in word)
        assert whole > alone + 1, word


def test_rjieba_only_block_characters():
    # jieba cuts blocks of [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]; jieba-rs's blocks take more
    # CJK ranges, which Segmenter masks. Every code point: is it a block character to
    # rjieba (a three-character word of it is found) and to jieba?
    from pipeline.segment import _RJIEBA_ONLY_BLOCK, _rjieba

    tokenizer = _rjieba()()
    jieba_block = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]")
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    for ch in chars:
        tokenizer.add_word(ch * 3, 1000, None)
    for ch in chars:
        in_rjieba = tokenizer.cut(ch * 3) == [ch * 3]
        assert in_rjieba or tokenizer.cut(ch * 3) == [ch] * 3, hex(ord(ch))
        if in_rjieba != bool(jieba_block.match(ch)):
            assert in_rjieba and _RJIEBA_ONLY_BLOCK.match(ch), hex(ord(ch))
        else:
            assert not _RJIEBA_ONLY_BLOCK.match(ch), hex(ord(ch))
    assert not _RJIEBA_ONLY_BLOCK.match("\x00")  # the mask is outside every block


def test_rjieba_total_is_jiebas(reference):
    # jieba-rs has no getter for its total frequency. suggest_freq(A+B) of two words of
    # frequency a, b is int(a·b/total) + 1, which pins the total down over a few (a, b).
    segmenter = Segmenter(backend="rjieba")
    assert dictionary_changes().total == reference.total
    tokenizer = segmenter._rjieba
    candidates = set(range(reference.total - 50, reference.total + 51))
    first, second = "\U00020000" * 2, "\U00020001" * 2  # cut by rjieba only: no text reaches them
    for k in range(40):
        a, b = 10**13 + (k * 2654435761) % 10**9, 10**13 + (k * 40503) % 10**6
        tokenizer.add_word(first, a, None)  # replaces the frequency: total = ours + a + b
        tokenizer.add_word(second, b, None)
        suggested = tokenizer.suggest_freq(first + second)
        candidates = {t for t in candidates if -0.02 <= a * b / (t + a + b) + 1 - suggested < 1.02}
    assert candidates == {reference.total}


def test_extra_words_get_jiebas_frequency(reference):
    extra = ["逾期动态", "合作伙伴关系", "abc公司", "逾期动态"]
    segmenter = Segmenter(extra_words=extra)
    oracle = jieba.Tokenizer()
    oracle.initialize()
    for word, freq, tag in reference.changes:
        oracle.add_word(word, freq, tag)
    oracle.total = reference.total
    for word in extra:
        if not oracle.FREQ.get(word):
            oracle.add_word(word)
    assert segmenter.changes[len(reference.changes):] == [(w, oracle.FREQ[w], None) for w in extra[:3]]
    assert segmenter.total == oracle.total
    lines = ["来源:逾期动态-合作伙伴关系", "abc公司的逾期动态"] + _random_texts(300, seed=10)
    assert [line for line in lines if segmenter.cut(line) != oracle.lcut(line)] == []


# The shared corpora: SIGHAN test sets and training word lists, the DAnIEL pages' text
# and the law texts. Run with -s to see the counts.
SHARED_CORPORA = {
    "cws-test": ("cws", "*_test.utf8"),
    "cws-words": ("cws", "*_training_words.utf8"),
    "extraction": ("extraction/daniel-zh", "*.gt.txt"),
    "law": ("law", "*.md"),
}


def _shared_lines(corpus: str) -> list[str]:
    folder, pattern = SHARED_CORPORA[corpus]
    paths = sorted(shared_path(*folder.split("/")).glob(pattern))
    assert paths, (folder, pattern)
    lines = [line for path in paths for line in path.read_text("utf-8").splitlines()]
    if corpus == "cws-words":  # segmented: the sentence is its words joined
        lines = ["".join(line.split()) for line in lines]
    return lines


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("corpus", list(SHARED_CORPORA))
def test_rjieba_cuts_shared_text_as_jieba(rjieba_segmenter, reference, corpus):
    lines = _shared_lines(corpus)
    cut = _differences(rjieba_segmenter, reference, lines)
    search = _differences(rjieba_segmenter, reference, lines, search=True)
    print(f"\n{corpus}: {len(lines)} lines compared; cut differs on {len(cut)}, cut_for_search on {len(search)}")
    assert cut == [] and search == []


@pytest.mark.shared
def test_shared_corpora_are_large_enough():
    counts = {corpus: len(_shared_lines(corpus)) for corpus in SHARED_CORPORA}
    assert sum(counts.values()) >= 50_000, counts
