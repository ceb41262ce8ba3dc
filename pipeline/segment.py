"""Word segmentation: the one place that owns a tokenizer and the domain dictionary.

The tokens are jieba's: what ``jieba.Tokenizer().lcut(text, HMM=True)`` gives with our
dictionary added (each term also in traditional script). They are computed by rjieba
(the jieba-rs Rust port, 7–19× faster; issue #7), loaded with exactly the frequencies
and total jieba would have, plus the two places where jieba-rs's rules differ from
jieba's put back (see :meth:`Segmenter._rjieba_cut`); tests/test_segment.py checks
token-for-token equality with jieba on our pages and 50,000+ SIGHAN / web sentences.
Without rjieba, a ``jieba.Tokenizer`` does the same work, slower.

jieba's and rjieba's module-level APIs are global tokenizers anyone can mutate; we
never touch them. Each :class:`Segmenter` owns its tokenizer, and :func:`get_segmenter`
hands out one shared instance to the pipeline and the Datasette plugin, so both
segment identically.

    >>> get_segmenter().cut("微粒贷逾期罚息按万分之五计算")
    ['微粒贷', '逾期', '罚息', '按', '万分之五', '计算']
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Iterable

# U+200B ZERO WIDTH SPACE: a token separator for SQLite's unicode61 tokenizer (it is
# not a letter or digit), invisible in a browser, and removing it restores the text.
WORD_JOINER = "\u200b"

DOMAIN_DICTIONARY = "domain_dict.txt"

BACKENDS = ("rjieba", "jieba")


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
def _rjieba():
    """rjieba's ``Jieba`` class, or None when rjieba cannot be imported (jieba does the work).

    ``import rjieba`` builds a module-level tokenizer (30 MB, 0.08 s) we would never use,
    so the extension module is loaded by itself when rjieba is not imported yet; it is
    registered under its own name, so a later ``import rjieba`` elsewhere still works.
    """
    import sys

    if "rjieba" not in sys.modules and "rjieba.rjieba" not in sys.modules:
        try:
            import importlib.machinery

            folder = Path(importlib.util.find_spec("rjieba").submodule_search_locations[0])
            path = next(folder / f"rjieba{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                        if (folder / f"rjieba{suffix}").is_file())
            spec = importlib.util.spec_from_file_location("rjieba.rjieba", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[spec.name]
                raise
            return module.Jieba
        except Exception:  # not installed, or laid out otherwise: the plain import decides
            pass
    try:
        from rjieba import Jieba
    except ImportError:
        return None
    return Jieba


def default_backend() -> str:
    return "rjieba" if _rjieba() is not None else "jieba"


@functools.lru_cache(maxsize=None)
def dictionary_fingerprint(backend: str | None = None) -> str:
    """Short hash of what decides the tokens: the backend and its version, jieba's version
    (its dictionary gives the frequencies) and our dictionary file.

    Segmented columns written under another fingerprint are stale (re-segment them).
    """
    backend = backend or default_backend()
    text = resources.files("pipeline").joinpath("data", DOMAIN_DICTIONARY).read_bytes()
    versions = f"{backend} {metadata.version(backend)}\njieba {metadata.version('jieba')}\n"
    return hashlib.sha256(versions.encode() + text).hexdigest()[:12]


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


# ------------------------------------------------------------------ the dictionary


def _jieba_dictionary_path() -> Path:
    # find_spec locates the package without importing it (jieba's import loads its HMM).
    spec = importlib.util.find_spec("jieba")
    return Path(spec.submodule_search_locations[0]) / "dict.txt"


@dataclass(frozen=True)
class DictionaryChanges:
    """What our dictionary changes in jieba's, and the totals that decide the paths.

    ``changes``: the words whose frequency differs from stock jieba's (new terms, raised
    ones, traditional variants), in the order jieba adds them. ``total``: jieba's total
    frequency with them in. ``rjieba_total``: what a stock ``rjieba.Jieba`` reaches after
    ``add_word`` of each change (jieba-rs *replaces* a known word's frequency in its total
    and counts the one word jieba's dict.txt lists twice, B超, once).
    """

    changes: tuple[tuple[str, int, str | None], ...]
    total: int
    rjieba_total: int


def _stock_frequencies(words: set[str]) -> tuple[dict[str, int], int, int]:
    """(jieba's frequency of each of ``words`` it knows, jieba's total, jieba-rs's total).

    Reads jieba's dict.txt (jieba-rs embeds the same file) instead of building a
    ``jieba.Tokenizer``: 0.2 s once, and no 70 MB prefix dictionary kept around.
    """
    total = 0
    last: dict[bytes, int] = {}
    with _jieba_dictionary_path().open("rb") as lines:
        for line in lines:
            line = line.strip()
            if line:
                word, freq = line.split(b" ")[:2]  # as jieba's gen_pfdict: "word freq [tag]"
                freq = int(freq)
                total += freq
                last[word] = freq
    # jieba-rs keeps one record per word (the last line's): its total counts each once.
    unique_total = sum(last.values())
    frequencies = {word: last[word.encode()] for word in words if last.get(word.encode())}
    return frequencies, total, unique_total


@functools.lru_cache(maxsize=1)
def dictionary_changes() -> DictionaryChanges:
    """Our dictionary as jieba would load it, computed from the dictionary files alone.

    This is what ``Segmenter`` did with a ``jieba.Tokenizer`` before issue #7: jieba's
    add_word adds the frequency to the total even for a word it already knows, so
    re-adding known words would inflate the total and shift paths everywhere. We set the
    total as if each changed word had been added once.
    """
    entries = domain_entries()
    variants = {word: traditional(word) for word, _, _ in entries}
    stock, stock_total, rjieba_total = _stock_frequencies(set(variants) | set(variants.values()))
    added: dict[str, int] = {}

    def known(word: str) -> int | None:
        return added[word] if word in added else stock.get(word)

    changes: list[tuple[str, int, str | None]] = []
    for word, freq, tag in entries:
        before = known(word)
        # No frequency: keep a known word's.
        freq = before if freq is None else freq
        if not freq:
            # jieba would make one up (suggest_freq); the dictionary's rule is to state it.
            raise ValueError(f"{DOMAIN_DICTIONARY}: {word!r} is new to jieba: give it a frequency (> 0)")
        added[word] = freq
        if freq != before:
            changes.append((word, freq, tag))
        variant = variants[word]
        if variant != word and not known(variant):
            added[variant] = freq
            changes.append((variant, freq, tag))
    current: dict[str, int] = {}
    for word, freq, _ in changes:
        rjieba_total += freq - current.get(word, stock.get(word, 0))
        current[word] = freq
    return DictionaryChanges(tuple(changes), stock_total + sum(freq for _, freq, _ in changes), rjieba_total)


def jieba_tokenizer(changes: Iterable[tuple[str, int, str | None]], total: int):
    """A ``jieba.Tokenizer`` with ``changes`` added and its total set to ``total``."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)  # not "Building prefix dict…"
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(_cache_dir())
    tokenizer.initialize()
    for word, freq, tag in changes:
        tokenizer.add_word(word, freq, tag)
    tokenizer.total = total
    return tokenizer


# ------------------------------------------------------------------ rjieba vs jieba

# jieba cuts a block of [\u4E00-\u9FD5a-zA-Z0-9+#&._%-] characters with its dictionary;
# jieba-rs's blocks also take these CJK ranges (extension A, U+9FD6–9FFF, compatibility
# ideographs, extensions B–F and the compatibility supplement), which jieba emits one
# character at a time. A text with any of them goes to rjieba with each replaced by
# _MASK, a character both emit alone, and the tokens are cut from the original text.
_RJIEBA_ONLY_BLOCK = re.compile(
    "[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef\U0002f800-\U0002fa1f]"
)
_MASK = "\x00"
# jieba's HMM step (finalseg) splits the non-Han stretches of an unknown run with this
# pattern (2025/-/04/-/11, www/./a/./cn, 1.5/./5%); jieba-rs keeps each stretch whole.
_LATIN_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# A stretch that the pattern splits has a letter or digit next to one of the other
# block characters; a text without such a pair needs no re-split.
_LATIN_SYMBOL = re.compile(r"[a-zA-Z0-9][+#&._%\-]|[+#&._%\-][a-zA-Z0-9]")
# rjieba's total can only be raised by add_word: this word carries the difference. Its
# character is outside every block, so no text can ever match it.
_TOTAL_PAD = "\x00"


class Segmenter:
    """A tokenizer with the domain dictionary loaded, owned by its creator.

    ``backend`` is "rjieba" (the default when installed) or "jieba"; both give jieba's tokens.
    """

    def __init__(self, extra_words: Iterable[str] = (), hmm: bool = True, backend: str | None = None):
        self.hmm = hmm
        self.backend = backend or default_backend()
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        dictionary = dictionary_changes()
        # Words whose frequency differs from stock jieba's: what a backend needs loaded.
        self.changes: list[tuple[str, int, str | None]] = list(dictionary.changes)
        self.total = dictionary.total
        rjieba_total = dictionary.rjieba_total
        tokenizer = None
        extra_words = list(extra_words)
        if extra_words or self.backend == "jieba":
            tokenizer = jieba_tokenizer(self.changes, self.total)
            for word in extra_words:
                if not tokenizer.FREQ.get(word):
                    # A new word: jieba suggests a frequency and adds it to the total once.
                    tokenizer.add_word(word)
                    self.changes.append((word, tokenizer.FREQ[word], None))
                    rjieba_total += tokenizer.FREQ[word]
            self.total = tokenizer.total
        self._tokenizer = tokenizer if self.backend == "jieba" else None  # jieba: the backend
        if self._tokenizer is None:
            if _rjieba() is None:
                raise ImportError("the rjieba backend needs rjieba: pip install rjieba")
            self._rjieba = _rjieba()()
            for word, freq, tag in self.changes:
                self._rjieba.add_word(word, freq, tag)
            if self.total < rjieba_total:
                raise AssertionError(f"rjieba's total {rjieba_total} exceeds jieba's {self.total}")
            if self.total > rjieba_total:
                self._rjieba.add_word(_TOTAL_PAD, self.total - rjieba_total, None)
            self._rjieba_has_word = self._rjieba.has_word

    def has_word(self, word: str) -> bool:
        """Whether ``word`` is in the dictionary (jieba's or ours) with a frequency.

        As jieba's ``bool(FREQ.get(word))``: a prefix of a word is not a word.
        """
        if self._tokenizer is not None:
            return bool(self._tokenizer.FREQ.get(word))
        return word != _TOTAL_PAD and self._rjieba_has_word(word)

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order; joining them gives ``text`` back exactly."""
        if self._tokenizer is not None:
            return self._tokenizer.lcut(text, HMM=self.hmm)
        return self._rjieba_cut(text)

    def _rjieba_cut(self, text: str) -> list[str]:
        """rjieba's cut with jieba's blocks and jieba's splitting of Latin stretches."""
        if _RJIEBA_ONLY_BLOCK.search(text):
            tokens = self._rjieba_cut(_RJIEBA_ONLY_BLOCK.sub(_MASK, text))
            start = 0
            for i, token in enumerate(tokens):
                tokens[i] = text[start:start + len(token)]
                start += len(token)
            return tokens
        tokens = self._rjieba.cut(text, self.hmm)
        if not self.hmm or not _LATIN_SYMBOL.search(text):
            return tokens
        out: list[str] = []
        for token in tokens:
            # Block characters besides Han are ASCII, so a token from an unknown run's
            # non-Han stretch is ASCII. A dictionary word (AT&T, c++) came from the
            # dictionary path and stays whole: the HMM only sees runs of single
            # characters, and single Latin characters (frequency 1) never beat a word
            # made of them (tests/test_segment.py checks every such word).
            if (len(token) > 1 and token.isascii() and not _LATIN_RUN.fullmatch(token)
                    and token != "\r\n" and not self._rjieba_has_word(token)):
                out.extend(part for part in _LATIN_RUN.split(token) if part)
            else:
                out.append(token)
        return out

    def cut_for_search(self, text: str) -> list[str]:
        """Words plus their dictionary sub-words (贷款市场报价利率 → 贷款, 市场, 利率 …).

        jieba's ``cut_for_search``: before each word longer than 2 characters, its 2-character
        pieces that are words, then (longer than 3) its 3-character ones.
        """
        out: list[str] = []
        for word in self.cut(text):
            out += self.sub_words(word)
            out.append(word)
        return out

    def sub_words(self, word: str) -> list[str]:
        """The dictionary words inside ``word``, by jieba's ``cut_for_search`` rule: its
        2-character pieces that are words (if it is longer than 2), then its 3-character
        ones (if longer than 3). 年化利率 → 年化, 利率."""
        n = len(word)
        if n <= 2:
            return []
        pieces = [word[i:i + 2] for i in range(n - 1)]
        if n > 3:
            pieces += [word[i:i + 3] for i in range(n - 2)]
        return [piece for piece in pieces if self.has_word(piece)]

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
