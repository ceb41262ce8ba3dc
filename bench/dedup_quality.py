"""Near-duplicate detection quality on pairs we build: exact copies, spun copies, and
different articles on the same product and topic.

    .venv/bin/python bench/dedup_quality.py [--pairs 300] [--seed 7]

A pair counts as "duplicate" when LSH makes it a candidate (shares a band bucket) and
the estimated Jaccard similarity reaches the threshold — what ingest does. Prints
precision, recall per kind, and the similarity spread, for our signature and for
two ablations (no synonym folding; 3-word shingles).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import original, republish  # noqa: E402

from pipeline import dedup  # noqa: E402
from pipeline.segment import get_segmenter  # noqa: E402


def build_pairs(n: int, seed: int) -> dict[str, list[tuple]]:
    """``n`` exact-copy and ``n`` spun pairs; up to ``3n`` same-product-and-topic pairs."""
    rng = random.Random(seed)
    docs = [original(rng, i, datetime(2024, 1, 1)) for i in range(max(4 * n, 200))]
    copies = [(d, republish(rng, d, 10_000 + i, datetime(2024, 2, 1), spun=False)) for i, d in enumerate(docs[:n])]
    spun = [(d, republish(rng, d, 20_000 + i, datetime(2024, 2, 1), spun=True)) for i, d in enumerate(docs[:n])]
    groups: dict[tuple, list] = {}
    for d in docs:
        groups.setdefault((d.product, d.topic), []).append(d)
    same_topic = [pair for ds in groups.values() for pair in itertools.combinations(ds, 2)][: 3 * n]
    return {"copy": copies, "spun": spun, "same topic": same_topic}


def is_candidate(a: bytes, b: bytes) -> bool:
    return bool(set(dedup.band_keys(a)) & set(dedup.band_keys(b)))


def evaluate(pairs: dict[str, list[tuple]], segmented: dict[int, str]) -> dict:
    cache: dict[int, bytes | None] = {}

    def sig(doc):
        if doc.id not in cache:
            cache[doc.id] = dedup.signature(segmented[doc.id])
        return cache[doc.id]

    out = {}
    for kind, items in pairs.items():
        sims, hits = [], 0
        for a, b in items:
            sa, sb = sig(a), sig(b)
            s = dedup.similarity(sa, sb)
            sims.append(s)
            hits += is_candidate(sa, sb) and s >= dedup.THRESHOLD
        sims.sort()
        out[kind] = {"pairs": len(items), "flagged": hits, "min": sims[0], "median": sims[len(sims) // 2],
                     "max": sims[-1]}
    tp = out["copy"]["flagged"] + out["spun"]["flagged"]
    fp = out["same topic"]["flagged"]
    positives = out["copy"]["pairs"] + out["spun"]["pairs"]
    out["precision"] = tp / (tp + fp) if tp + fp else 1.0
    out["recall"] = tp / positives
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pairs = build_pairs(args.pairs, args.seed)
    seg = get_segmenter()
    segmented = {d.id: seg.segmented(d.body) for items in pairs.values() for pair in items for d in pair}

    variants = [("ours: 2-word shingles, synonyms folded", {}),
                ("ablation: no synonym folding", {"SPIN_SYNONYMS": ()}),
                ("ablation: 3-word shingles", {"SHINGLE": 3})]
    print(f"threshold {dedup.THRESHOLD}, {dedup.NUM_PERM} permutations, LSH bands×rows {dedup.lsh_params()}")
    print(f"{'variant':42} {'precision':>9} {'recall':>7}  {'copy':>12} {'spun':>12} {'same topic':>12}  "
          f"spun sim min/med   same-topic sim med/max")
    for name, overrides in variants:
        saved = {k: getattr(dedup, k) for k in overrides}
        for k, v in overrides.items():
            setattr(dedup, k, v)
        dedup._canonical.cache_clear(); dedup._FOLDED.clear()
        try:
            r = evaluate(pairs, segmented)
        finally:
            for k, v in saved.items():
                setattr(dedup, k, v)
            dedup._canonical.cache_clear(); dedup._FOLDED.clear()
        cells = [f"{r[k]['flagged']}/{r[k]['pairs']}" for k in ("copy", "spun", "same topic")]
        print(f"{name:42} {r['precision']:>9.3f} {r['recall']:>7.3f}  {cells[0]:>12} {cells[1]:>12} {cells[2]:>12}  "
              f"{r['spun']['min']:.2f}/{r['spun']['median']:.2f}          "
              f"{r['same topic']['median']:.2f}/{r['same topic']['max']:.2f}")


if __name__ == "__main__":
    main()
