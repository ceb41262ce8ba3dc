"""Split an article into sentences with offsets and keep the claims.

A claim asserts a rule, fact, consequence or advice. Headings, questions (often
rhetorical: 那么微粒贷逾期是不是可以协商延期?) and filler (本文将从多个角度探讨…)
are not claims.
"""

from __future__ import annotations

import re
from typing import Iterator

from .document import Article, Claim

SENTENCE_ENDS = set("。！？；!?;")
CLOSERS = set("”’」』）)】")
OPENERS = {"《": "》", "“": "”", "「": "」", "『": "』", "（": "）", "(": ")"}
MIN_CLAIM_CHARS = 8

QUESTION_END = ("?", "？", "吗", "呢")
FILLER = re.compile(
    r"^(?:本文将|本文会|本文从|下面|接下来|以下|小编|希望本文|期望本文|希望以上|以上就是|"
    r"今天(?:就)?(?:给大家|为大家|和大家)|感谢阅读|欢迎|点击|关注)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text``, whitespace trimmed.

    Splits after 。！？；!?; and at line breaks, but not inside 《》, quotes or
    brackets; a closing quote right after the end mark stays with its sentence.

    >>> t = "罚息按每日万分之五计算。见《民法典。第680条》！好"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['罚息按每日万分之五计算。', '见《民法典。第680条》！', '好']
    """
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            spans.append((start, i))
            start = i + 1
            stack.clear()
        elif ch in OPENERS:
            stack.append(OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in SENTENCE_ENDS and not stack:
            end = i + 1
            while end < n and (text[end] in SENTENCE_ENDS or text[end] in CLOSERS):
                end += 1
            spans.append((start, end))
            start = end
            i = end
            continue
        i += 1
    spans.append((start, n))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def claim_rejection(sentence: str) -> str | None:
    """Why ``sentence`` is not a claim, or None if it is one."""
    bare = sentence.rstrip("。！？；!?;”’」』）) ")
    if len(_HAN.findall(sentence)) < MIN_CLAIM_CHARS:
        return "too short"
    if sentence.rstrip().endswith(("?", "？")) or bare.endswith(QUESTION_END[2:]):
        return "question"
    if FILLER.match(sentence):
        return "filler"
    return None


def extract_claims(article: Article) -> list[Claim]:
    """Claims of ``article`` with offsets into ``article.body``."""
    claims: list[Claim] = []
    for block in article.blocks():
        if block.kind != "paragraph":
            continue
        for s, e in split_sentences(block.text):
            sentence = block.text[s:e]
            if claim_rejection(sentence):
                continue
            claims.append(
                Claim(len(claims), sentence, block.section, block.char_start + s, block.char_start + e)
            )
    return claims


def iter_sentences(article: Article) -> Iterator[tuple[str, str | None, int, int]]:
    """Every sentence (claim or not) with its section and body offsets."""
    for block in article.blocks():
        if block.kind != "paragraph":
            continue
        for s, e in split_sentences(block.text):
            yield block.text[s:e], block.section, block.char_start + s, block.char_start + e
