"""Run every per-page stage on one RawPage: clean → claims → topics → facts/checks.

:func:`process_page` is a pure function of the page (no database, no globals
changed), so it runs the same in this process, in a process pool or on a cluster,
and its result is all the KB writer needs.

It never raises, and it spends a bounded amount on any page (see :mod:`pipeline.limits`):
a page over the size budget is rejected before it is decoded, and one that runs past
the time budget is stopped and rejected, so a hostile page cannot stall its batch.
"""

from __future__ import annotations

import functools
import traceback
from dataclasses import dataclass, field, replace

from . import limits as page_limits
from .checks import check_article
from .claims import extract_claims
from .clean import extract_article
from .document import Article, Claim, Fact, Flag, RawPage, Rejected, TopicScore
from .facts import extract_facts
from .limits import Deadline, Limits, TimeBudgetExceeded, storable_text, time_budget
from .search import subwords
from .segment import get_segmenter
from .topics import get_tagger

PROCESSOR_VERSION = "1"
# Files whose change cannot alter a page's rows (serving, CLI, orchestration).
_NOT_PROCESSING = {"cli.py", "__main__.py", "datasette_plugin.py", "security_headers.py", "distributed.py",
                   "ingest.py", "train_topics.py", "evaluate.py"}


@functools.lru_cache(maxsize=1)
def processor_fingerprint() -> str:
    """Short hash of the code and data that decide a page's rows.

    Stored with every page; when it changes (new rules, dictionary or model), the next
    ingest reprocesses pages instead of skipping them as already known.
    """
    import hashlib
    from importlib import resources

    digest = hashlib.sha256(PROCESSOR_VERSION.encode())
    package = resources.files("pipeline")
    files = [f for f in package.iterdir() if f.name.endswith(".py") and f.name not in _NOT_PROCESSING]
    files += [f for f in package.joinpath("data").iterdir() if f.is_file()]
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]
# An exception message can quote a whole page; the reason column gets its start.
MAX_REASON_CHARS = 300


@dataclass
class PageResult:
    """Everything derived from one page; ``status`` is ok | rejected | error."""

    page_id: str
    path: str
    kind: str
    size: int
    url: str | None
    fetched_at: str | None
    status: str
    reason: str | None = None
    encoding: str | None = None
    article: Article | None = None
    claims: list[Claim] = field(default_factory=list)
    topics: list[dict[str, TopicScore]] = field(default_factory=list)
    facts: list[list[Fact]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    title_seg: str = ""
    body_seg: str = ""
    claim_segs: list[str] = field(default_factory=list)
    context_segs: list[str] = field(default_factory=list)
    # Dictionary sub-words of claim and context (search.subwords), for claims.subwords_seg.
    subword_segs: list[str] = field(default_factory=list)
    tagger: str = ""


def _facts_and_flags(article: Article, claims: list[Claim], deadline: Deadline) -> tuple[list[list[Fact]], list[Flag]]:
    facts = []
    for claim in claims:
        deadline.check()
        facts.append(extract_facts(claim.text))
    flags = check_article(claims, dict(enumerate(facts)), published_at=article.published_at)
    return facts, flags


_WARM_UP_PAGE = RawPage("warm-up.txt", "借呗逾期\n借呗逾期后按年化18%计息，依据《民法典》第680条。".encode(), kind="text")


@functools.lru_cache(maxsize=1)
def _warm_up() -> None:
    """Run one tiny page through every stage, once per process, outside any budget.

    The first page of a process pays for jieba's dictionary, OpenCC's tables, the
    product and provision lists; that is not the page's cost, and a budget cutting a
    cache half-built would only make the next page pay again.
    """
    try:
        _run_stages(_WARM_UP_PAGE, PageResult("", "", "text", 0, None, None, "ok"), Limits(), Deadline(None))
    except Exception:  # only a cache warmer: a real page reports any problem itself
        pass


def _storable(page: RawPage) -> RawPage:
    """``page`` with strings SQLite can store (see :func:`pipeline.limits.storable_text`):
    a JSONL record's text and url may carry lone surrogates (``"\\ud800"`` escapes)."""
    fields = {name: storable_text(value) for name in ("text", "url", "fetched_at")
              if isinstance(value := getattr(page, name), str)}
    if all(fields[name] is getattr(page, name) for name in fields):
        return page
    return replace(page, **fields)


def _run_stages(page: RawPage, result: PageResult, limits: Limits, deadline: Deadline) -> None:
    article = extract_article(page)
    result.encoding = article.encoding
    deadline.check()
    claims = extract_claims(article)
    if not claims:
        raise Rejected("no claims: the article has no sentences that assert anything")
    too_many = limits.claims_rejection(len(claims))
    if too_many:
        raise Rejected(too_many)
    deadline.check()
    segmenter = get_segmenter()
    tagger = get_tagger()
    result.article = article
    result.claims = claims
    result.tagger = tagger.name
    result.topics = _score_topics(tagger, [claim.text for claim in claims])
    deadline.check()
    result.facts, result.flags = _facts_and_flags(article, claims, deadline)
    result.title_seg = segmenter.segmented(article.title)
    result.body_seg = segmenter.segmented(article.body)
    result.claim_segs = [segmenter.segmented(claim.text) for claim in claims]
    # Claims inherit their article's subject for search: 罚息 under a 微粒贷 title.
    contexts: dict[str | None, str] = {}
    for claim, text_seg in zip(claims, result.claim_segs):
        if claim.section not in contexts:
            contexts[claim.section] = segmenter.segmented(" ".join(filter(None, [article.title, claim.section])))
        result.context_segs.append(contexts[claim.section])
        result.subword_segs.append(subwords(text_seg, contexts[claim.section]))

def _score_topics(tagger, texts: list[str]) -> list[dict[str, TopicScore]]:
    """Topic scores of a page's claims: all at once when the tagger can (the model can)."""
    score_many = getattr(tagger, "score_many", None)
    if score_many is not None:
        return score_many(texts)
    return [tagger.score(text) for text in texts]


def _fail(result: PageResult, status: str, reason: str) -> PageResult:
    result.status = status
    result.reason = storable_text(reason[:MAX_REASON_CHARS])
    result.article, result.claims, result.topics, result.facts, result.flags = None, [], [], [], []
    result.title_seg = result.body_seg = ""
    result.claim_segs, result.context_segs, result.subword_segs = [], [], []
    return result


def process_page(page: RawPage, limits: Limits | None = None) -> PageResult:
    """All per-page stages; never raises — failures become ``rejected``/``error`` results.

    ``limits`` defaults to :func:`pipeline.limits.current` (environment or defaults).

    >>> process_page(RawPage("big.txt", b"x" * 200), Limits(max_page_bytes=100)).reason
    'page too large (200 bytes > 100 limit)'
    """
    limits = limits or page_limits.current()
    page = _storable(page)
    result = PageResult(
        page_id=page.id, path=storable_text(page.path), kind=page.kind, size=len(page.data),
        url=page.url, fetched_at=page.fetched_at, status="ok",
    )
    try:
        if page.kind == "invalid":  # a container record that is not a page says why
            raise Rejected(getattr(page, "reason", "") or "invalid record")
        too_large = limits.size_rejection(len(page.data))
        if too_large:
            raise Rejected(too_large)
        _warm_up()
        with time_budget(limits.seconds) as deadline:
            _run_stages(page, result, limits, deadline)
    except Rejected as rejected:
        _fail(result, "rejected", str(rejected))
    except TimeBudgetExceeded as exceeded:
        _fail(result, "rejected", str(exceeded))
    except Exception as error:  # a bug or hostile input: record it, keep the run going
        last = traceback.extract_tb(error.__traceback__)[-1]
        message = str(error)
        if len(message) > 200:
            message = message[:200] + "…"
        _fail(result, "error",
              f"{type(error).__name__}: {message} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})")
    return result
