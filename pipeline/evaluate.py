"""Extraction quality metric: character-bigram overlap between output and reference.

Chinese has no spaces, so word-level metrics need a segmenter (whose errors would be
measured too); character bigrams need nothing and still reward order locally.

Both texts are NFKC-normalised and lower-cased, and only Unicode letters and digits
(categories ``L*`` and ``N*``) are kept, so punctuation, whitespace and full-width
forms do not count. Each text becomes a multiset of adjacent-character bigrams::

    P  = |out ∩ ref| / |out|
    R  = |out ∩ ref| / |ref|
    F1 = 2PR / (P + R)

An empty output (or an extractor that raised) scores 0. Pages are macro-averaged.

>>> round(bigram_prf("借呗逾期了", "借呗逾期")[2], 3)
0.857
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable


def normalise(text: str) -> str:
    """NFKC, lower-case, letters and digits only.

    >>> normalise("Ｐ２Ｐ，网贷！ 2011年")
    'p2p网贷2011年'
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def bigrams(text: str) -> Counter[str]:
    """Multiset of adjacent-character bigrams of the normalised text.

    >>> sorted(bigrams("网贷网贷").items())
    [('网贷', 2), ('贷网', 1)]
    """
    chars = normalise(text)
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def bigram_prf(output: str, reference: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``output`` against ``reference``.

    >>> bigram_prf("", "借呗")
    (0.0, 0.0, 0.0)
    """
    out, ref = bigrams(output), bigrams(reference)
    out_total, ref_total = sum(out.values()), sum(ref.values())
    if not out_total or not ref_total:
        return 0.0, 0.0, 0.0
    overlap = sum((out & ref).values())
    precision = overlap / out_total
    recall = overlap / ref_total
    if not overlap:
        return precision, recall, 0.0
    return precision, recall, 2 * precision * recall / (precision + recall)


@dataclass
class Score:
    """Macro-averaged precision, recall and F1 over a set of pages."""

    precision: float
    recall: float
    f1: float
    pages: int


def macro_average(scores: Iterable[tuple[float, float, float]]) -> Score:
    """Average per-page (P, R, F1) triples; an empty set scores zero.

    >>> macro_average([(1.0, 1.0, 1.0), (0.0, 0.0, 0.0)]).f1
    0.5
    """
    triples = list(scores)
    n = len(triples)
    if not n:
        return Score(0.0, 0.0, 0.0, 0)
    return Score(
        sum(t[0] for t in triples) / n,
        sum(t[1] for t in triples) / n,
        sum(t[2] for t in triples) / n,
        n,
    )
