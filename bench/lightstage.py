"""A cheap stand-in for the per-page NLP, for checking the ingest machinery at 100k pages.

Importing this module (as the pool workers do when they unpickle :func:`light_records`)
replaces topic scoring and facts in :mod:`pipeline.process` with trivial versions (they
are most of the per-page cost). Reading, cleaning, claims, word segmentation, MinHash,
the batched KB writes, FTS, near-duplicate clustering and finalize all run for real, so
the main process's memory and the writer's speed are what the real pipeline has.

(Segmenting by characters instead is cheaper but wrong for dedup: 2-character
shingles make unrelated articles look alike, and clustering 100k of them degenerates.)
Never imported by the pipeline itself.
"""

from __future__ import annotations

import pipeline.process as process
from pipeline.ingest import process_records


class _NoTopics:
    name = "none"

    def score(self, text: str) -> dict:
        return {}


process.get_tagger = _NoTopics
process._facts_and_flags = lambda article, claims, *args: ([[] for _ in claims], [])


def light_records(pages):
    return process_records(pages)
