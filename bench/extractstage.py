"""Extraction only, as an ingest stage: read, decode and clean each page, nothing more.

``bench/ingest.py`` runs ``ingest`` with this stage (same workers, same batched KB
writes of pages and articles) as the baseline the end-to-end run is compared with, so
the ratio says what claims, topics, facts, segmentation and their rows cost on top of
reading and cleaning the same pages through the same machinery.
Never imported by the pipeline itself.
"""

from __future__ import annotations

from pipeline.clean import extract_article
from pipeline.document import Rejected
from pipeline.process import PageResult


def extraction_records(pages):
    out = []
    for page in pages:
        result = PageResult(page_id=page.id, path=page.path, kind=page.kind, size=len(page.data), url=page.url,
                            fetched_at=page.fetched_at, status="ok")
        try:
            article = extract_article(page)
            result.article, result.encoding = article, article.encoding
        except Rejected as rejected:
            result.status, result.reason = "rejected", str(rejected)
        out.append((result, None))
    return out
