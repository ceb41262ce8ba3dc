"""Does the domain dictionary hurt general segmentation, and how fast is our segmenter?

Scores plain jieba (a fresh ``jieba.Tokenizer()``, HMM on) and our
:class:`pipeline.segment.Segmenter` on the SIGHAN 2005 PKU and MSR test sets in
``../shared/data/cws`` (research use: read from there, never copied into the repo),
in the same run, with the standard span-based word precision / recall / F1. Our
segmenter runs twice: on its default backend (rjieba, issue #7) and on the jieba
backend (what it was before); both must give the same tokens, and the run prints the
time per sentence of each and the ratio.

    .venv/bin/python bench/segmentation.py              # full test sets
    .venv/bin/python bench/segmentation.py --lines 500  # a quick sample

Prints a table; never asserts (tests/test_segment.py pins the floor and the equality).
"""

from __future__ import annotations

import argparse
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


def our_cut(backend: str | None = None) -> Callable[[str], list[str]]:
    """Our Segmenter's cut, on its default backend (rjieba) or the one named."""
    from pipeline.segment import Segmenter

    return Segmenter(backend=backend).cut


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
    args = parser.parse_args(argv)

    # "ours" is built first, so its start-up includes reading the dictionaries (shared after).
    built: dict[str, Callable[[str], Sequence[str]]] = {}
    for name, make in (("plain jieba", plain_jieba_cut), ("ours", our_cut), ("ours/jieba", lambda: our_cut("jieba"))):
        t = time.perf_counter()
        built[name] = make()
        built[name]("微粒贷逾期罚息按万分之五计算")
        print(f"# {name}: ready (first cut done) in {time.perf_counter() - t:.2f}s")
    cutters = {name: built[name] for name in ("plain jieba", "ours/jieba", "ours")}
    print(f"# ours: backend {cutters['ours'].__self__.backend}; "
          "ours/jieba: the same Segmenter on jieba (what it was before issue #7)")

    sentences = 0
    seconds_total = {name: 0.0 for name in cutters}
    if CWS_DIR.is_dir():
        print(
            f"{'corpus':<6} {'segmenter':<12} {'P':>6} {'R':>6} {'F1':>7} {'ΔF1':>8} "
            f"{'≠plain':>7} {'≠ours':>6} {'seconds':>8} {'µs/line':>8} {'speed×':>7}"
        )
        for corpus_name in CORPORA:
            corpus = load_corpus(corpus_name, args.lines)
            lines = sum(len(texts) for texts, _ in corpus)
            sentences += lines
            tokens, seconds = run(cutters, [text for texts, _ in corpus for text in texts])
            base_f1 = None
            for name in cutters:
                result = Score()
                it = iter(tokens[name])
                for texts, gold in corpus:
                    result.add(gold, [word for _ in texts for word in next(it)])
                base_f1 = result.f1 if base_f1 is None else base_f1
                differ = {other: sum(a != b for a, b in zip(tokens[other], tokens[name]))
                          for other in ("plain jieba", "ours")}
                seconds_total[name] += seconds[name]
                print(
                    f"{corpus_name:<6} {name:<12} {result.precision:6.3f} {result.recall:6.3f} {result.f1:7.4f} "
                    f"{result.f1 - base_f1:+8.5f} {differ['plain jieba']:7d} {differ['ours']:6d} {seconds[name]:8.2f} "
                    f"{seconds[name] / lines * 1e6:8.1f} {seconds['plain jieba'] / seconds[name]:7.2f}"
                )
        print("# ≠plain / ≠ours: lines whose tokens differ from that segmenter's; "
              "speed×: plain jieba time / this time")
    else:
        print(f"# no SIGHAN data at {CWS_DIR}: domain lines only")

    lines = domain_lines()
    tokens, seconds = run(cutters, lines)
    differ = sum(a != b for a, b in zip(tokens["ours"], tokens["ours/jieba"]))
    print(f"# domain lines (sources/, training/claims.jsonl): {len(lines)}, ours vs ours/jieba differ on {differ}; "
          + ", ".join(f"{name} {seconds[name] / len(lines) * 1e6:.1f} µs/line" for name in cutters))
    for name in cutters:
        seconds_total[name] += seconds[name]
    sentences += len(lines)
    ratio = seconds_total["ours/jieba"] / seconds_total["ours"]
    print(f"# all {sentences} lines: ours {seconds_total['ours'] / sentences * 1e6:.1f} µs/line, "
          f"ours/jieba {seconds_total['ours/jieba'] / sentences * 1e6:.1f} µs/line: {ratio:.1f}× faster")
    return 0


def run(cutters: dict[str, Callable[[str], Sequence[str]]], lines: Sequence[str]):
    """Tokens of every line and the seconds each cutter took, cutters taking turns per block."""
    tokens: dict[str, list[Sequence[str]]] = {name: [] for name in cutters}
    seconds = {name: 0.0 for name in cutters}
    block = 500  # interleaved, so a busy neighbour on a shared machine slows all alike
    for start in range(0, len(lines), block):
        chunk = lines[start:start + block]
        for name, cut in cutters.items():
            t = time.perf_counter()
            tokens[name].extend([cut(line) for line in chunk])
            seconds[name] += time.perf_counter() - t
    return tokens, seconds


if __name__ == "__main__":
    raise SystemExit(main())
