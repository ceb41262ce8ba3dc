"""Does the domain dictionary hurt general segmentation?

Scores plain jieba (a fresh ``jieba.Tokenizer()``, HMM on) and our
:class:`pipeline.segment.Segmenter` on the SIGHAN 2005 PKU and MSR test sets in
``../shared/data/cws`` (research use: read from there, never copied into the repo),
in the same run, with the standard span-based word precision / recall / F1.
Optionally scores, times and compares rjieba (issue #7) with our dictionary loaded.

    .venv/bin/python bench/segmentation.py              # full test sets
    .venv/bin/python bench/segmentation.py --lines 500  # a quick sample
    .venv/bin/python bench/segmentation.py --rjieba     # also rjieba (pip install rjieba)

Prints a table; never asserts (tests/test_segment.py pins the floor).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CWS_DIR = ROOT.parent / "shared" / "data" / "cws"
CORPORA = ("pku", "msr")


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold_words: Sequence[str], predicted_words: Sequence[str]) -> None:
        gold, predicted = word_spans(gold_words), word_spans(predicted_words)
        self.gold += len(gold)
        self.predicted += len(predicted)
        self.correct += len(gold & predicted)


def word_spans(words: Iterable[str]) -> set[tuple[int, int]]:
    """Character spans of ``words`` over their concatenation, whitespace ignored.

    >>> sorted(word_spans(["微粒贷", " ", "逾期"]))
    [(0, 3), (3, 5)]
    """
    spans = set()
    offset = 0
    for word in words:
        word = "".join(word.split())
        if word:
            spans.add((offset, offset + len(word)))
            offset += len(word)
    return spans


def load_corpus(name: str, lines: int | None = None, cws_dir: Path = CWS_DIR) -> list[tuple[list[str], list[str]]]:
    """``(raw lines, gold words)`` units of a SIGHAN test set.

    A unit is one line, or a few neighbouring lines when the gold file moved a
    character across a line break (MSR puts some opening quotes at the end of the
    previous line): the unit's texts then match, so every gold word is scored.
    ``lines`` keeps an evenly spaced sample of that many units (all if None).
    """
    raw = (cws_dir / f"{name}_test.utf8").read_text("utf-8").splitlines()
    gold = (cws_dir / f"{name}_test_gold.utf8").read_text("utf-8").splitlines()
    if len(raw) != len(gold):
        raise ValueError(f"{name}: {len(raw)} test lines but {len(gold)} gold lines")
    units: list[tuple[list[str], list[str]]] = []
    texts: list[str] = []
    words: list[str] = []
    for r, g in zip(raw, gold):
        texts.append(r.strip())
        words.extend(g.split())
        if "".join("".join(texts).split()) == "".join(words):
            if words:
                units.append((texts, words))
            texts, words = [], []
    if texts or words:
        raise ValueError(f"{name}: gold does not match the test text at its end")
    if lines is not None and lines < len(units):
        step = len(units) / lines
        units = [units[int(i * step)] for i in range(lines)]
    return units


def score(cut: Callable[[str], Sequence[str]], corpus: Sequence[tuple[list[str], list[str]]]) -> Score:
    result = Score()
    for texts, gold in corpus:
        result.add(gold, [word for text in texts for word in cut(text)])
    return result


def plain_jieba_cut() -> Callable[[str], list[str]]:
    """A fresh jieba tokenizer with its stock dictionary, HMM on: the baseline."""
    import logging

    import jieba

    from pipeline.segment import _cache_dir

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(_cache_dir())
    tokenizer.initialize()
    return lambda text: tokenizer.lcut(text, HMM=True)


def our_cut() -> Callable[[str], list[str]]:
    from pipeline.segment import Segmenter

    return Segmenter().cut


# jieba cuts Latin/digit runs at "." "-" ":" (2025/-/04/-/11, www/./a/./cn); jieba-rs
# keeps them whole. Re-splitting such tokens the way jieba's finalseg does makes the two
# agree (checked on SIGHAN, the seed page, training/claims.jsonl and the DAnIEL pages).
_HAN = re.compile(r"[\u4e00-\u9fd5]")
_LATIN_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")


def rjieba_cut() -> Callable[[str], list[str]] | None:
    """rjieba (jieba-rs) with our dictionary and jieba's splitting of Latin runs, if installed.

    rjieba.Jieba has add_word(word, freq, tag), so the dictionary loads: we add the words
    whose frequency Segmenter changed (``Segmenter.changes``: new terms, raised ones,
    traditional variants); jieba-rs knows the rest with the same frequency, and its total
    grows by exactly what Segmenter adds to jieba's (see pipeline/segment.py).
    """
    try:
        import rjieba
    except ImportError:
        return None
    from pipeline.segment import get_segmenter

    tokenizer = rjieba.Jieba()
    for word, freq, tag in get_segmenter().changes:
        tokenizer.add_word(word, freq, tag)

    def cut(text: str) -> list[str]:
        tokens = []
        for token in tokenizer.cut(text, hmm=True):
            if (len(token) > 1 and not _HAN.search(token) and not _LATIN_RUN.fullmatch(token)
                    and not tokenizer.has_word(token)):
                tokens.extend(part for part in _LATIN_RUN.split(token) if part)
            else:
                tokens.append(token)
        return tokens

    return cut


def domain_lines() -> list[str]:
    """Lines of our own domain text: the pages in sources/ and the labelled sentences."""
    import json

    lines = []
    for path in sorted((ROOT / "sources").glob("*.txt")):
        lines += [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    labelled = ROOT / "training" / "claims.jsonl"
    if labelled.exists():
        lines += [json.loads(line)["text"] for line in labelled.read_text("utf-8").splitlines() if line.strip()]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=None, help="evenly spaced sample per corpus")
    parser.add_argument("--rjieba", action="store_true", help="also score and time rjieba")
    args = parser.parse_args(argv)
    if not CWS_DIR.is_dir():
        print(f"# skipped: no SIGHAN data at {CWS_DIR}")
        return 0

    cutters: dict[str, Callable[[str], Sequence[str]]] = {}
    for name, make in (("plain jieba", plain_jieba_cut), ("ours", our_cut)):
        t = time.perf_counter()
        cutters[name] = make()
        print(f"# {name}: ready in {time.perf_counter() - t:.2f}s")
    if args.rjieba:
        cut = rjieba_cut()
        if cut is None:
            print("# rjieba: not installed (pip install rjieba)")
        else:
            cutters["rjieba"] = cut

    print(
        f"{'corpus':<6} {'segmenter':<12} {'P':>6} {'R':>6} {'F1':>7} {'ΔF1':>8} "
        f"{'≠plain':>7} {'≠ours':>6} {'seconds':>8} {'speed×':>7}"
    )
    for corpus_name in CORPORA:
        corpus = load_corpus(corpus_name, args.lines)
        tokens: dict[str, list[list[str]]] = {}
        seconds: dict[str, float] = {}
        for name, cut in cutters.items():
            t = time.perf_counter()
            tokens[name] = [[word for text in texts for word in cut(text)] for texts, _ in corpus]
            seconds[name] = time.perf_counter() - t
        base_f1 = None
        for name in cutters:
            result = Score()
            for (_, gold), predicted in zip(corpus, tokens[name]):
                result.add(gold, predicted)
            base_f1 = result.f1 if base_f1 is None else base_f1
            differ = {
                other: sum(a != b for a, b in zip(tokens[other], tokens[name])) for other in ("plain jieba", "ours")
            }
            print(
                f"{corpus_name:<6} {name:<12} {result.precision:6.3f} {result.recall:6.3f} {result.f1:7.4f} "
                f"{result.f1 - base_f1:+8.5f} {differ['plain jieba']:7d} {differ['ours']:6d} {seconds[name]:8.2f} "
                f"{seconds['plain jieba'] / seconds[name]:7.2f}"
            )
    print("# ≠plain / ≠ours: lines whose tokens differ from that segmenter's; speed×: plain jieba time / this time")
    if "rjieba" in cutters:
        lines = domain_lines()
        differ = sum(cutters["ours"](line) != cutters["rjieba"](line) for line in lines)
        print(f"# rjieba vs ours on {len(lines)} domain lines (sources/, training/claims.jsonl): {differ} differ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
