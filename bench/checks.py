"""Precision and recall of the claim checks on our labelled set.

    .venv/bin/python bench/checks.py            # table per check kind
    .venv/bin/python bench/checks.py --errors   # also list every miss and false alarm

Inputs (written by us, see docs/checks.md):

* ``tests/fixtures/checks/labelled.jsonl`` — one small article per line: ``claims``
  (sentences, in order, one section), ``published_at`` and the expected
  ``flags`` as ``[claim_index, kind]``; everything not listed must not be flagged.
* ``tests/fixtures/checks/conflicts.jsonl`` — groups of articles and the expected
  cross-article ``conflicts`` as ``["B:0", "A:0"]`` (flagged claim, other claim).

A prediction counts once per (claim, kind), however many flags of that kind it got.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.checks import check_article, find_conflicts  # noqa: E402
from pipeline.document import Claim  # noqa: E402
from pipeline.facts import extract_facts  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "checks"
KINDS = ("arithmetic", "outdated_law", "wrong_citation", "wrong_fact", "conflict")


def _claims(texts: list[str]) -> list[Claim]:
    claims, offset = [], 0
    for i, text in enumerate(texts):
        claims.append(Claim(i, text, None, offset, offset + len(text)))
        offset += len(text) + 1
    return claims


def evaluate_articles(path: Path = FIXTURES / "labelled.jsonl") -> tuple[Counter, list[str]]:
    """Counter of (kind, 'tp'|'fp'|'fn') and a list of readable errors."""
    counts: Counter = Counter()
    errors: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        claims = _claims(record["claims"])
        facts = {c.seq: extract_facts(c.text) for c in claims}
        flags = check_article(claims, facts, published_at=record.get("published_at"))
        predicted = {(f.claim_seq, f.kind) for f in flags}
        expected = {(i, kind) for i, kind in record["flags"]}
        for key in predicted | expected:
            verdict = "tp" if key in predicted and key in expected else "fp" if key in predicted else "fn"
            counts[key[1], verdict] += 1
            if verdict != "tp":
                detail = next((f.detail for f in flags if (f.claim_seq, f.kind) == key), "")
                errors.append(f"{verdict} {key[1]:<14} {record['id']}[{key[0]}] {record['claims'][key[0]]} {detail}")
    return counts, errors


def conflict_rows(articles: dict) -> list[dict]:
    """The rows find_conflicts expects, built from a fixture group of articles."""
    rows = []
    for article_id, article in articles.items():
        for seq, text in enumerate(article["claims"]):
            for f in extract_facts(text):
                rows.append(
                    {
                        "claim_id": f"{article_id}:{seq}",
                        "article_id": article_id,
                        "claim_seq": seq,
                        "kind": f.kind,
                        "value": f.value,
                        "unit": f.unit,
                        "surface": f.surface,
                        "char_start": f.char_start,
                        "char_end": f.char_end,
                        "extra": json.dumps(f.extra, ensure_ascii=False),
                        "claim_text": text,
                        "product": article.get("product"),
                    }
                )
    return rows


def evaluate_conflicts(path: Path = FIXTURES / "conflicts.jsonl") -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    errors: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        found = {frozenset((a, b)) for a, b, _ in find_conflicts(conflict_rows(record["articles"]))}
        expected = {frozenset(pair) for pair in record["conflicts"]}
        for key in found | expected:
            verdict = "tp" if key in found and key in expected else "fp" if key in found else "fn"
            counts["conflict", verdict] += 1
            if verdict != "tp":
                errors.append(f"{verdict} conflict       {record['id']} {sorted(key)}")
    return counts, errors


def scores(counts: Counter) -> dict[str, tuple[int, int, int, float, float]]:
    """kind → (tp, fp, fn, precision, recall); an empty denominator scores 1.0."""
    out = {}
    for kind in KINDS:
        tp, fp, fn = (counts[kind, v] for v in ("tp", "fp", "fn"))
        out[kind] = (tp, fp, fn, tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    a_counts, a_errors = evaluate_articles()
    c_counts, c_errors = evaluate_conflicts()
    table = scores(a_counts + c_counts)
    print(f"{'kind':<16}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>9}")
    total = [0, 0, 0]
    for kind, (tp, fp, fn, p, r) in table.items():
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
        print(f"{kind:<16}{tp:>5}{fp:>5}{fn:>5}{p:>11.2f}{r:>9.2f}")
    tp, fp, fn = total
    print(f"{'all':<16}{tp:>5}{fp:>5}{fn:>5}{tp / max(tp + fp, 1):>11.2f}{tp / max(tp + fn, 1):>9.2f}")
    if args.errors:
        for e in a_errors + c_errors:
            print(e)


if __name__ == "__main__":
    main()
