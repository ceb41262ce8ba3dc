"""Word segmentation: the one place that owns a jieba tokenizer and the domain dictionary.

jieba's module-level API is a global tokenizer anyone can mutate; we never touch it.
Each :class:`Segmenter` wraps its own ``jieba.Tokenizer`` with our dictionary added
(each term also in traditional script), and :func:`get_segmenter` hands out one shared
instance to the pipeline and the Datasette plugin, so both segment identically.

    >>> get_segmenter().cut("微粒贷逾期罚息按万分之五计算")
    ['微粒贷', '逾期', '罚息', '按', '万分之五', '计算']
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from importlib import resources
from pathlib import Path
from typing import Iterable

import jieba

# U+200B ZERO WIDTH SPACE: a token separator for SQLite's unicode61 tokenizer (it is
# not a letter or digit), invisible in a browser, and removing it restores the text.
WORD_JOINER = "\u200b"

DOMAIN_DICTIONARY = "domain_dict.txt"


@functools.lru_cache(maxsize=1)
def domain_entries() -> tuple[tuple[str, int | None, str | None], ...]:
    """(word, frequency, part-of-speech) for every entry of the domain dictionary.

    Lines read ``word [frequency] [pos]`` as jieba's ``load_userdict`` does, so both
    ``借呗 100 nz`` and ``罚息 n`` (no frequency: keep jieba's) are entries.
    """
    text = resources.files("pipeline").joinpath("data", DOMAIN_DICTIONARY).read_text("utf-8")
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, *rest = line.split()
        freq = int(rest.pop(0)) if rest and rest[0].isdigit() else None
        tag = rest.pop(0) if rest else None
        if rest or (tag is not None and not tag.isalpha()):
            raise ValueError(f"{DOMAIN_DICTIONARY}:{number}: expected 'word [frequency] [pos]': {line!r}")
        entries.append((word, freq, tag))
    return tuple(entries)


@functools.lru_cache(maxsize=1)
def dictionary_fingerprint() -> str:
    """Short hash of what decides the tokens: jieba's version and our dictionary file.

    Segmented columns written under another fingerprint are stale (re-segment them).
    """
    text = resources.files("pipeline").joinpath("data", DOMAIN_DICTIONARY).read_bytes()
    digest = hashlib.sha256(f"jieba {jieba.__version__}\n".encode() + text).hexdigest()
    return digest[:12]


def domain_terms() -> list[str]:
    """Every word of the domain dictionary, in file order."""
    return [word for word, _, _ in domain_entries()]


@functools.lru_cache(maxsize=1)
def _to_traditional():
    from opencc import OpenCC

    return OpenCC("s2t").convert


def traditional(text: str) -> str:
    """``text`` in traditional script (OpenCC s2t): 借呗逾期记录 → 借唄逾期記錄."""
    return _to_traditional()(text)


def _cache_dir() -> Path:
    # jieba defaults to the system temp dir; keep its cache with the user's caches.
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "zh-finance-kb"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        import tempfile

        path = Path(tempfile.gettempdir())
    return path


class Segmenter:
    """A jieba tokenizer with the domain dictionary loaded, owned by its creator."""

    def __init__(self, extra_words: Iterable[str] = (), hmm: bool = True):
        self.hmm = hmm
        logging.getLogger("jieba").setLevel(logging.WARNING)  # not "Building prefix dict…"
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.tmp_dir = str(_cache_dir())
        self._tokenizer.initialize()
        # jieba's add_word adds the frequency to the total even for a word it already
        # knows, so re-adding known words would inflate the total and shift paths
        # everywhere. We set the total as if each changed word had been added once,
        # which is also what jieba-rs does: an rjieba backend loaded with ``changes``
        # then cuts identically (bench/segmentation.py --rjieba, issue #7).
        total = self._tokenizer.total
        known = self._tokenizer.FREQ
        # Words whose frequency differs from stock jieba's: what another backend would need.
        self.changes: list[tuple[str, int, str | None]] = []
        for word, freq, tag in domain_entries():
            before = known.get(word)
            # No frequency: keep a known word's (jieba's own default would add 1); a new
            # word gets the smallest frequency that keeps it whole.
            self._tokenizer.add_word(word, freq if freq is not None else before or None, tag)
            if known[word] != before:
                self.changes.append((word, known[word], tag))
            variant = traditional(word)
            if variant != word and not known.get(variant):
                self._tokenizer.add_word(variant, known[word], tag)
                self.changes.append((variant, known[word], tag))
        self._tokenizer.total = total + sum(freq for _, freq, _ in self.changes)
        for word in extra_words:
            if not known.get(word):
                self._tokenizer.add_word(word)  # a new word: jieba adds it to the total once
                self.changes.append((word, known[word], None))

    def has_word(self, word: str) -> bool:
        """Whether ``word`` is in the dictionary (jieba's or ours)."""
        return bool(self._tokenizer.FREQ.get(word))

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order; joining them gives ``text`` back exactly."""
        return self._tokenizer.lcut(text, HMM=self.hmm)

    def cut_for_search(self, text: str) -> list[str]:
        """Words plus their dictionary sub-words (贷款市场报价利率 → 贷款, 市场, 利率 …)."""
        return self._tokenizer.lcut_for_search(text, HMM=self.hmm)

    def words(self, text: str) -> list[str]:
        """Content-bearing words: no whitespace or punctuation-only tokens."""
        return [w for w in self.cut(text) if any(ch.isalnum() for ch in w)]

    def segmented(self, text: str) -> str:
        """``text`` with U+200B between words: the FTS shadow-column form."""
        return WORD_JOINER.join(self.cut(text))


@functools.lru_cache(maxsize=1)
def get_segmenter() -> Segmenter:
    """The shared segmenter used by the pipeline and the Datasette plugin."""
    return Segmenter()


def unsegment(text: str) -> str:
    """Inverse of :meth:`Segmenter.segmented`."""
    return text.replace(WORD_JOINER, "")
