"""Train the topic model: ``python -m pipeline.train_topics`` rebuilds ``pipeline/data/topic_model.json``.

Data: ``training/topics.jsonl``, one ``{"text": ..., "topics": [...]}`` per line,
hand-labelled by ``docs/labelling-guide.md``. The split is a pure function of the
text (sha256 of a fixed salt + text, 20 % dev), so adding a sentence never moves
another one between train and dev.

Everything is fitted on the train split only:

1. features (:class:`pipeline.topics.Featuriser`): idf over train, n-grams kept when
   they occur in at least ``MIN_DF`` training sentences;
2. per topic, an L2 logistic regression; ``C`` from a small grid by 5-fold CV F1;
3. Platt calibration on the out-of-fold margins of that CV (the ``ensemble=False``
   recipe of scikit-learn's CalibratedClassifierCV), then the final model on all of train;
4. per topic, the threshold on the calibrated out-of-fold probabilities that maximises F1.

The dev split is never looked at here; ``bench/topics.py`` reports on it.

Reproducible: fixed seed, deterministic solver (liblinear), rounded numbers, sorted
keys; the artefact records the sha256 of the training examples and of the domain
dictionary, and ``tests/test_topics.py`` fails when either has changed since.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .topics import (
    MODEL_ARTEFACT,
    MODEL_FORMAT,
    TOPICS,
    FeatureConfig,
    Featuriser,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "training" / "topics.jsonl"
ARTEFACT = REPO / "pipeline" / "data" / MODEL_ARTEFACT

SEED = 20250411
SPLIT_SALT = "topics-split-v1:"
DEV_PERCENT = 20
MIN_DF = 3
C_GRID = (1.0, 3.0, 10.0, 30.0)
FOLDS = 5
PLATEAU = 0.01  # F1 within this of the best is a tie on ~250 positives (see _best_threshold)
DIGITS = 5  # rounding of stored numbers: keeps the file small and the rebuild byte-identical


@dataclass(frozen=True)
class Example:
    text: str
    topics: tuple[str, ...]


def load_examples(path: Path = DATA) -> list[Example]:
    """Every labelled sentence, in file order; unknown topic ids are an error."""
    examples = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            unknown = set(row["topics"]) - set(TOPICS)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown topics {sorted(unknown)}")
            examples.append(Example(row["text"], tuple(row["topics"])))
    return examples


def split_of(text: str) -> str:
    """``"dev"`` for about DEV_PERCENT % of texts, ``"train"`` for the rest, fixed per text."""
    digest = hashlib.sha256((SPLIT_SALT + text).encode("utf-8")).digest()
    return "dev" if int.from_bytes(digest[:8], "big") % 100 < DEV_PERCENT else "train"


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if split_of(e.text) == "train"]
    dev = [e for e in examples if split_of(e.text) == "dev"]
    return train, dev


def examples_sha256(examples: list[Example]) -> str:
    """sha256 of the examples in a canonical form (reformatting the file does not change it)."""
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps({"text": e.text, "topics": list(e.topics)}, ensure_ascii=False,
                            sort_keys=True).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def domain_dictionary_sha256() -> str:
    """The segmentation the word features were trained with depends on this file."""
    data = resources.files("pipeline").joinpath("data", "domain_dict.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()


def _fit_idf(analyses, min_df: int) -> dict[str, float]:
    """Smoothed idf (as scikit-learn's) of the features in at least ``min_df`` sentences."""
    df = Counter()
    for analysis in analyses:
        df.update(f for f in analysis.found if not f.startswith("lex:"))
    n = len(analyses)
    return {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in sorted(df.items()) if d >= min_df}


def _matrix(vectors, columns: dict[str, int]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, vec in enumerate(vectors):
        for feature, value in vec.items():
            j = columns.get(feature)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(value)
    return csr_matrix((vals, (rows, cols)), shape=(len(vectors), len(columns)))


def _best_threshold(y: list[int], p: list[float], tolerance: float = PLATEAU) -> tuple[float, float]:
    """A threshold in [0.05, 0.95] for the calibrated probabilities ``p``, and its F1.

    F1 over thresholds is a noisy plateau on a few hundred sentences; its single
    maximum often sits at an edge (0.12, say) that will not transfer. So take the
    middle of the thresholds whose F1 is within ``tolerance`` of the best.
    """
    curve = []
    for step in range(5, 96):
        t = step / 100
        tp = sum(1 for yi, pi in zip(y, p) if yi and pi >= t)
        fp = sum(1 for yi, pi in zip(y, p) if not yi and pi >= t)
        fn = sum(1 for yi, pi in zip(y, p) if yi and pi < t)
        curve.append((t, 2 * tp / (2 * tp + fp + fn) if tp else 0.0))
    best = max(f1 for _, f1 in curve)
    plateau = [t for t, f1 in curve if f1 >= best - tolerance]
    t = plateau[(len(plateau) - 1) // 2]
    return t, dict(curve)[t]


def train(examples: list[Example], config: FeatureConfig = FeatureConfig(), log=print) -> dict:
    """Fit on ``examples`` (the train split) and return the artefact as a dict."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    topics = list(TOPICS)
    featuriser = Featuriser(config)
    analyses = [featuriser.analyse(e.text) for e in examples]
    idf = _fit_idf(analyses, MIN_DF)
    vectors = [featuriser.vector(a, idf) for a in analyses]
    columns = {f: j for j, f in enumerate(sorted(idf) + [f"lex:{t}" for t in config.lexicon])}
    X = _matrix(vectors, columns)
    log(f"{len(examples)} training sentences, {X.shape[1]} features")

    intercepts, calibration, thresholds, cv_scores, chosen_c = [], {}, {}, {}, {}
    coef = np.zeros((len(topics), X.shape[1]))
    for k, topic in enumerate(topics):
        y = np.array([topic in e.topics for e in examples], dtype=int)
        folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(X, y))
        best = None
        for c in C_GRID:
            margins = np.zeros(len(y))
            for fit_idx, held_idx in folds:
                model = LogisticRegression(C=c, solver="liblinear", random_state=SEED)
                model.fit(X[fit_idx], y[fit_idx])
                margins[held_idx] = model.decision_function(X[held_idx])
            platt = LogisticRegression(C=1e4, solver="lbfgs").fit(margins.reshape(-1, 1), y)
            a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
            probs = 1 / (1 + np.exp(-(a * margins + b)))
            threshold, f1 = _best_threshold(y.tolist(), probs.tolist())
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, c, a, b, threshold, probs, margins)
        f1, c, a, b, threshold, probs, _ = best
        predicted = probs >= threshold
        tp = int((predicted & (y == 1)).sum())
        cv_scores[topic] = {
            "precision": round(tp / max(int(predicted.sum()), 1), 4),
            "recall": round(tp / max(int(y.sum()), 1), 4),
            "f1": round(f1, 4),
        }
        model = LogisticRegression(C=c, solver="liblinear", random_state=SEED).fit(X, y)
        coef[k] = model.coef_[0]
        intercepts.append(round(float(model.intercept_[0]), DIGITS))
        calibration[topic] = [round(a, DIGITS), round(b, DIGITS)]
        thresholds[topic] = round(threshold, 2)
        chosen_c[topic] = c
        log(f"  {topic:9} C={c:<5g} threshold={threshold:.2f} cv P={cv_scores[topic]['precision']:.3f} "
            f"R={cv_scores[topic]['recall']:.3f} F1={f1:.3f}")

    vocabulary = {}
    for feature, j in columns.items():
        weights = [round(float(w), DIGITS) for w in coef[:, j]]
        if any(weights):
            vocabulary[feature] = [round(idf.get(feature, 0.0), DIGITS)] + weights
    return {
        "format": MODEL_FORMAT,
        "name": "logreg-v1",
        "topics": topics,
        "features": config.as_dict(),
        "training": {
            "data": "training/topics.jsonl",
            "split": f"train (sha256 split, salt {SPLIT_SALT!r}, {100 - DEV_PERCENT}%)",
            "examples": len(examples),
            "sha256": examples_sha256(examples),
            "domain_dictionary_sha256": domain_dictionary_sha256(),
            "seed": SEED,
            "min_df": MIN_DF,
            "c": chosen_c,
            "cv_folds": FOLDS,
            "cv": cv_scores,
        },
        "intercepts": intercepts,
        "calibration": calibration,
        "thresholds": thresholds,
        "vocabulary": vocabulary,
    }


@dataclass
class TopicPRF:
    topic: str
    support: int
    precision: float
    recall: float
    f1: float


def evaluate(predictions: list[set[str]], examples: list[Example]) -> list[TopicPRF]:
    """Per-topic precision, recall and F1 of ``predictions`` against the labels of ``examples``."""
    rows = []
    for topic in TOPICS:
        tp = sum(1 for p, e in zip(predictions, examples) if topic in p and topic in e.topics)
        fp = sum(1 for p, e in zip(predictions, examples) if topic in p and topic not in e.topics)
        fn = sum(1 for p, e in zip(predictions, examples) if topic not in p and topic in e.topics)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(TopicPRF(topic, tp + fn, precision, recall, f1))
    return rows


def macro_f1(rows: list[TopicPRF]) -> float:
    return sum(r.f1 for r in rows) / len(rows)


def assigned(tagger, text: str) -> set[str]:
    """The topics ``tagger`` assigns to ``text``."""
    return {topic for topic, s in tagger.score(text).items() if s.assigned}


def dumps(artefact: dict) -> str:
    """JSON with one vocabulary entry per line: small, stable, and reviewable as a diff."""
    head = {k: v for k, v in artefact.items() if k != "vocabulary"}
    lines = ["{"]
    for key in sorted(head):
        lines.append(f"  {json.dumps(key)}: {json.dumps(head[key], ensure_ascii=False, sort_keys=True)},")
    lines.append('  "vocabulary": {')
    entries = sorted(artefact["vocabulary"].items())
    for i, (feature, row) in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        lines.append(f"    {json.dumps(feature, ensure_ascii=False)}: {json.dumps(row)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.train_topics", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ARTEFACT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    train_split, dev_split = split(load_examples(args.data))
    print(f"{args.data}: {len(train_split)} train, {len(dev_split)} dev (dev is not used here)")
    artefact = train(train_split)
    text = dumps(artefact)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8')) / 1024:.0f} KiB, "
          f"{len(artefact['vocabulary'])} features) in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
