"""Per-page budgets: how big a page may be and how long processing it may take.

A crawl holds whatever the web served: a 20 MB log file saved as ``.html``, a page of
100,000 empty paragraphs, markup that sends a regular expression into a long search.
:func:`pipeline.process.process_page` applies two budgets so one such page costs a
bounded amount and the rest of its batch still lands:

- **size** — a page over ``max_page_bytes`` is rejected before decoding or parsing:
  ``page too large (20971520 bytes > 10485760 limit)``;
- **claims** — a page with more than ``max_claims`` sentences that assert something
  is not an article (a log, a dump of a forum, a one-line 5 MB page) and is rejected
  before the costly per-claim stages: ``too many claims (60000 > 5000 limit)``;
- **time** — processing stops after ``seconds`` of wall-clock time:
  ``time budget exceeded (30 s)``.

The time budget is enforced with ``SIGALRM`` (``signal.setitimer``) when processing
runs in a process's main thread — the CLI, and every worker of a process pool, whose
tasks run in the worker's main thread. The handler raises :class:`TimeBudgetExceeded`
between two Python bytecodes, and ``re`` checks for signals while it backtracks, so
the budget also stops a runaway regular expression. Elsewhere (a thread), only the
checkpoints that :meth:`Deadline.check` places between stages apply.

The budgets come from the environment when set — ``ZHKB_MAX_PAGE_BYTES``,
``ZHKB_MAX_CLAIMS``, ``ZHKB_PAGE_SECONDS`` (``0`` turns the time budget off) — so a process pool's workers
see the same values as the process that started them.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Mapping

# Real article pages are well under 1 MB; the extractor handles ~1 MB/s, so 10 MiB
# fits the time budget with room to spare on a busy machine.
MAX_PAGE_BYTES = 10 * 2**20
# The longest real articles (legal guides) have a few hundred sentences.
MAX_CLAIMS = 5000
PAGE_SECONDS = 30.0


@dataclass(frozen=True)
class Limits:
    """The budgets one page is processed under."""

    max_page_bytes: int = MAX_PAGE_BYTES
    seconds: float = PAGE_SECONDS
    max_claims: int = MAX_CLAIMS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Limits":
        """Defaults, overridden by ``ZHKB_MAX_PAGE_BYTES`` / ``ZHKB_PAGE_SECONDS``.

        >>> Limits.from_env({"ZHKB_PAGE_SECONDS": "5"})
        Limits(max_page_bytes=10485760, seconds=5.0, max_claims=5000)
        """
        return cls(
            max_page_bytes=int(environ.get("ZHKB_MAX_PAGE_BYTES") or MAX_PAGE_BYTES),
            seconds=float(environ.get("ZHKB_PAGE_SECONDS") or PAGE_SECONDS),
            max_claims=int(environ.get("ZHKB_MAX_CLAIMS") or MAX_CLAIMS),
        )

    def size_rejection(self, size: int) -> str | None:
        """The reason a page of ``size`` bytes is refused, or None if it fits.

        >>> Limits(max_page_bytes=100).size_rejection(150)
        'page too large (150 bytes > 100 limit)'
        """
        if size > self.max_page_bytes:
            return f"page too large ({size} bytes > {self.max_page_bytes} limit)"
        return None

    def claims_rejection(self, n_claims: int) -> str | None:
        """The reason a page with ``n_claims`` claims is refused, or None."""
        if n_claims > self.max_claims:
            return f"too many claims ({n_claims} > {self.max_claims} limit)"
        return None


# Read once per process; tests replace it (monkeypatch) or pass ``limits=`` explicitly.
DEFAULT = Limits.from_env()


def current() -> Limits:
    """The limits a caller that passed none gets."""
    return DEFAULT


class TimeBudgetExceeded(BaseException):
    """Processing a page ran past its time budget.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that an ``except Exception``
    inside a stage cannot swallow it and carry on past the budget.
    """

    def __init__(self, seconds: float):
        super().__init__(f"time budget exceeded ({seconds:g} s)")
        self.seconds = seconds


class Deadline:
    """The end of a time budget; :meth:`check` raises once it has passed."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.end = time.monotonic() + seconds if seconds else None

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise TimeBudgetExceeded(self.seconds)


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None) -> Iterator[Deadline]:
    """Raise :class:`TimeBudgetExceeded` in the body once ``seconds`` have passed.

    In the main thread an interval timer interrupts the body wherever it is; in any
    other thread only explicit ``deadline.check()`` calls do. A timer that was already
    armed (an outer budget, pytest-timeout) is re-armed with what is left of it.
    ``None`` or ``0`` means no budget.
    """
    deadline = Deadline(seconds)
    if not seconds or not _can_use_alarm():
        yield deadline
        return
    active = True

    def on_alarm(signum, frame):
        # The timer can fire just after the body finished; then it is not ours to act on.
        if active:
            raise TimeBudgetExceeded(seconds)

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_interval)


# Lone surrogates (from a file name that is not UTF-8, or a JSON "\ud800" escape) are
# valid in a Python str but not in UTF-8: SQLite refuses them and the whole batch fails.
_SURROGATES = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with lone surrogates made visible, so SQLite (UTF-8) can store it.

    A surrogate that stands for an undecodable file-name byte becomes ``\\xNN``; any
    other becomes U+FFFD.

    >>> storable_text("a\\udcffb\\ud800c")
    'a\\\\xffb\\ufffdc'
    """
    if not _SURROGATES.search(text):
        return text

    def visible(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"

    return _SURROGATES.sub(visible, text)
