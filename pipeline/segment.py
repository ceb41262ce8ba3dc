"""Word segmentation: the one place that owns a jieba tokenizer and the domain dictionary.

jieba's module-level API is a global tokenizer anyone can mutate; we never touch it.
Each :class:`Segmenter` wraps its own ``jieba.Tokenizer`` with our dictionary added,
and :func:`get_segmenter` hands out one shared instance to the pipeline and the
Datasette plugin, so both segment identically.

    >>> get_segmenter().cut("微粒贷逾期罚息按万分之五计算")
    ['微粒贷', '逾期', '罚息', '按', '万分之五', '计算']
"""

from __future__ import annotations

import functools
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
    """(word, frequency, part-of-speech) for every line of the domain dictionary."""
    text = resources.files("pipeline").joinpath("data", DOMAIN_DICTIONARY).read_text("utf-8")
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((word, freq, tag))
    return tuple(entries)


def domain_terms() -> list[str]:
    return [word for word, _, _ in domain_entries()]


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
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.tmp_dir = str(_cache_dir())
        self._tokenizer.initialize()
        for word, freq, tag in domain_entries():
            self._tokenizer.add_word(word, freq, tag)
        for word in extra_words:
            self._tokenizer.add_word(word)

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
