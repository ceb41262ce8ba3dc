"""How well does claim_rejection tell claims from the rest?

Runs :func:`pipeline.claims.claim_rejection` over ``training/claims.jsonl`` (sentences we
wrote in the styles of content-farm advice, lawyer Q&A and news, labelled ``claim`` /
``not_claim`` with the reason) and prints accuracy and precision/recall/F1 of the
``claim`` class, per split and style, and how often the reason given matches the label's.

    .venv/bin/python bench/claims.py            # the table
    .venv/bin/python bench/claims.py --errors   # also every disagreement

Never asserts; tests/test_claims.py pins the floor.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.claims import claim_rejection  # noqa: E402

LABELLED = ROOT / "training" / "claims.jsonl"


@dataclass
class Confusion:
    """Counts for the ``claim`` class, plus whether the rejection reason matched."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    same_reason: int = 0
    errors: list[tuple[dict, str | None]] = field(default_factory=list)

    def add(self, row: dict, reason: str | None) -> None:
        gold, predicted = row["label"] == "claim", reason is None
        if gold and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1
            self.same_reason += reason == row.get("reason")
        if gold != predicted:
            self.errors.append((row, reason))

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.total if self.total else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_labelled(path: Path = LABELLED) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in ("claim", "not_claim"):
            raise ValueError(f"{path.name}:{number}: label must be claim or not_claim: {row!r}")
        rows.append(row)
    return rows


def evaluate(rows: Iterable[dict]) -> dict[str, Confusion]:
    """Confusion for ``"all"``, per split (``split:dev``, ``split:heldout``) and per style."""
    results: dict[str, Confusion] = {"all": Confusion()}
    for row in rows:
        reason = claim_rejection(row["text"])
        for key in ("all", f"split:{row.get('split', 'dev')}", row.get("style", "?")):
            results.setdefault(key, Confusion()).add(row, reason)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    rows = load_labelled()
    results = evaluate(rows)
    print(f"{'rows':<15} {'n':>4} {'acc':>6} {'P':>6} {'R':>6} {'F1':>6} {'reason=':>8}")
    for style, c in results.items():
        rejected = c.tn
        reason_rate = c.same_reason / rejected if rejected else 0.0
        print(
            f"{style:<15} {c.total:>4} {c.accuracy:6.3f} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} "
            f"{reason_rate:8.3f}"
        )
    print("# P/R/F1 for the claim class; reason=: rejected non-claims given the labelled reason")
    reasons = Counter(claim_rejection(row["text"]) or "claim" for row in rows)
    print("# verdicts:", ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    if args.errors:
        for row, reason in results["all"].errors:
            print(f"{row['label']:<9} got {reason or 'claim':<11} {row['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
