"""Run every per-page stage on one RawPage: clean → claims → topics → facts/checks.

:func:`process_page` is a pure function of the page (no database, no globals
changed), so it runs the same in this process, in a process pool or on a cluster,
and its result is all the KB writer needs.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from .claims import extract_claims
from .clean import extract_article
from .document import Article, Claim, Fact, Flag, RawPage, Rejected, TopicScore
from .segment import get_segmenter
from .topics import get_tagger

PROCESSOR_VERSION = "1"


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
    tagger: str = ""


def _facts_and_flags(article: Article, claims: list[Claim]) -> tuple[list[list[Fact]], list[Flag]]:
    try:  # TEMPORARY until facts/checks land
        from .checks import check_article
        from .facts import extract_facts
    except ImportError:
        return [[] for _ in claims], []

    facts = [extract_facts(claim.text) for claim in claims]
    flags = check_article(claims, dict(enumerate(facts)), published_at=article.published_at)
    return facts, flags


def process_page(page: RawPage) -> PageResult:
    """All per-page stages; never raises — failures become ``rejected``/``error`` results."""
    result = PageResult(
        page_id=page.id, path=page.path, kind=page.kind, size=len(page.data),
        url=page.url, fetched_at=page.fetched_at, status="ok",
    )
    try:
        article = extract_article(page)
        result.encoding = article.encoding
        claims = extract_claims(article)
        if not claims:
            raise Rejected("no claims: the article has no sentences that assert anything")
        segmenter = get_segmenter()
        tagger = get_tagger()
        result.article = article
        result.claims = claims
        result.tagger = tagger.name
        result.topics = [tagger.score(claim.text) for claim in claims]
        result.facts, result.flags = _facts_and_flags(article, claims)
        result.title_seg = segmenter.segmented(article.title)
        result.body_seg = segmenter.segmented(article.body)
        result.claim_segs = [segmenter.segmented(claim.text) for claim in claims]
        # Claims inherit their article's subject for search: 罚息 under a 微粒贷 title.
        contexts: dict[str | None, str] = {}
        for claim in claims:
            if claim.section not in contexts:
                contexts[claim.section] = segmenter.segmented(
                    " ".join(filter(None, [article.title, claim.section]))
                )
            result.context_segs.append(contexts[claim.section])
    except Rejected as rejected:
        result.status, result.reason = "rejected", str(rejected)
        result.article, result.claims = None, []
    except Exception as error:  # a bug or hostile input: record it, keep the run going
        last = traceback.extract_tb(error.__traceback__)[-1]
        result.status = "error"
        result.reason = f"{type(error).__name__}: {error} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        result.article, result.claims = None, []
    return result
