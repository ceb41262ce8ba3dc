"""Topic tagging on the dev split: the v1 lexicon against the trained model, same run.

    .venv/bin/python bench/topics.py [--errors]

Dev is the 20 % of ``training/topics.jsonl`` that ``pipeline.train_topics.split_of``
sets aside; the model never saw it (idf, C, calibration and thresholds all come from
the train split). Prints per-topic precision / recall / F1 and macro-F1 for both
taggers, the model's ratio to the lexicon, and the time per sentence of each
(timings are printed, never asserted). ``--errors`` lists the model's dev mistakes
with their explanations, for reading.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.topics import LexiconTagger, ModelTagger  # noqa: E402
from pipeline.train_topics import assigned, evaluate, load_examples, macro_f1, split  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list the model's dev mistakes")
    args = parser.parse_args()

    train, dev = split(load_examples())
    started = time.perf_counter()
    model = ModelTagger.load()
    load_seconds = time.perf_counter() - started
    model.score("预热分词器。")  # jieba's dictionary load is not the model's cost
    taggers = {"lexicon": LexiconTagger(), "model": model}

    results, predictions, seconds = {}, {}, {}
    for name, tagger in taggers.items():
        started = time.perf_counter()
        predictions[name] = [assigned(tagger, e.text) for e in dev]
        seconds[name] = time.perf_counter() - started
        results[name] = evaluate(predictions[name], dev)

    print(f"dev: {len(dev)} sentences (train: {len(train)}); model {model.name}, "
          f"artefact loaded in {load_seconds * 1000:.0f} ms")
    print()
    print(f"{'topic':10} {'n':>4}   {'lexicon P':>9} {'R':>6} {'F1':>6}   {'model P':>8} {'R':>6} {'F1':>6}   {'F1 ratio':>8}")
    for lex, mod in zip(results["lexicon"], results["model"]):
        ratio = mod.f1 / lex.f1 if lex.f1 else float("inf")
        print(f"{lex.topic:10} {lex.support:4d}   {lex.precision:9.3f} {lex.recall:6.3f} {lex.f1:6.3f}   "
              f"{mod.precision:8.3f} {mod.recall:6.3f} {mod.f1:6.3f}   {ratio:8.2f}")
    lex_macro, mod_macro = macro_f1(results["lexicon"]), macro_f1(results["model"])
    print(f"{'macro-F1':10} {'':4}   {'':9} {'':6} {lex_macro:6.3f}   {'':8} {'':6} {mod_macro:6.3f}   "
          f"{mod_macro / lex_macro:8.2f}")
    exact = {name: sum(1 for p, e in zip(predictions[name], dev) if p == set(e.topics)) / len(dev)
             for name in taggers}
    print(f"{'exact set':10} {'':4}   {'':9} {'':6} {exact['lexicon']:6.3f}   {'':8} {'':6} {exact['model']:6.3f}")
    print()
    for name in taggers:
        print(f"{name:8} {seconds[name] / len(dev) * 1000:6.2f} ms/sentence")

    if args.errors:
        print("\nmodel mistakes on dev (gold → predicted):")
        for e, p in zip(dev, predictions["model"]):
            if p != set(e.topics):
                scores = model.score(e.text)
                why = "; ".join(f"{t} {s.score:.2f} [{', '.join(s.explanation[:3])}]"
                                for t, s in scores.items() if s.score >= 0.15)
                print(f"- {e.text}\n    {sorted(e.topics)} → {sorted(p)}   {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
