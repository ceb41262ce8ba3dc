"""Ingest at scale: throughput against its parts, memory, and incremental re-runs.

    .venv/bin/python bench/ingest.py [--pages 10000] [--format files|jsonl|warc|mixed]
                                     [--workers 2] [--sample 500] [--also 100000]

Generates a synthetic corpus (bench/corpus.py; cached under bench/out/), then in one run:

1. **stages** on a sample of pages, one process: read, extract (clean), claims, topics,
   facts/checks, segmentation, MinHash — ms per page, and the throughput of
   extraction only (read + clean) and segmentation only;
2. **extraction only through ingest**: the whole corpus into a fresh KB with ``--workers``
   and extraction as the only stage (bench/extractstage.py) — the baseline;
3. **end to end**: ``ingest`` of the whole corpus into a fresh KB with ``--workers``,
   in a subprocess that reports its peak RSS (and its workers'); the headline ratio is
   end to end ÷ extraction only, both through ingest with the same workers;
4. **no-op re-run** over the same corpus, and **add one page** to the built KB.

``--also 100000`` repeats the end-to-end run on a larger corpus to check that memory
stays flat. ``--memory-check 10000 100000`` runs only the end-to-end ingest at each size
(≈15 min for 100k on 2 cores); add ``--stage light`` to stub the NLP (bench/lightstage.py)
and measure the reading, writing, FTS, dedup and finalize machinery alone.
Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import render_text, original, write_corpus  # noqa: E402


def corpus(pages: int, fmt: str, seed: int = 0) -> Path:
    path = OUT / f"corpus-{pages}-{fmt}-s{seed}"
    done = path / ".complete"
    if not done.exists():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        started = time.monotonic()
        counts = write_corpus(path, pages, fmt, seed=seed, copy_rate=0.05, spin_rate=0.05)
        done.write_text(json.dumps(counts))
        print(f"generated {path.name} in {time.monotonic() - started:.0f}s: {counts}", file=sys.stderr)
    return path


def stage_profile(root: Path, sample: int) -> dict[str, float]:
    """Seconds per stage summed over the first ``sample`` pages, in this process."""
    from pipeline import dedup
    from pipeline.claims import extract_claims
    from pipeline.clean import extract_article
    from pipeline.containers import is_container, iter_records
    from pipeline.document import Rejected
    from pipeline.read import find_sources, read_file
    from pipeline.search import subwords
    from pipeline.segment import get_segmenter
    from pipeline.topics import get_tagger

    try:
        from pipeline.checks import check_article
    except ImportError:
        check_article = None
    from pipeline.facts import extract_facts

    segmenter, tagger = get_segmenter(), get_tagger()
    segmenter.segmented("预热")
    dedup.signature("\u200b".join("预热一下这个签名函数的导入和缓存"))  # imports datasketch
    t = dict.fromkeys(["read", "extract", "claims", "topics", "facts", "segment", "minhash"], 0.0)
    n = 0

    def pages():
        for source in find_sources([root]):
            if is_container(source.path):
                yield from iter_records(source.path)
            else:
                yield read_file(source)

    clock = time.perf_counter
    stream = pages()
    while n < sample:
        start = clock()
        page = next(stream, None)
        t["read"] += clock() - start
        if page is None:
            break
        n += 1
        start = clock()
        try:
            article = extract_article(page)
        except Rejected:
            continue
        t["extract"] += clock() - start
        start = clock()
        claims = extract_claims(article)
        t["claims"] += clock() - start
        start = clock()
        tagger.score_many([claim.text for claim in claims])
        t["topics"] += clock() - start
        start = clock()
        facts = [extract_facts(claim.text) for claim in claims]
        if check_article:
            check_article(claims, dict(enumerate(facts)), published_at=article.published_at)
        t["facts"] += clock() - start
        start = clock()
        segmenter.segmented(article.title)
        body_seg = segmenter.segmented(article.body)
        for claim in claims:  # as process_page: each claim's words and sub-words
            subwords(segmenter.segmented(claim.text))
        for section in {c.section for c in claims}:
            subwords(segmenter.segmented(" ".join(filter(None, [article.title, section]))))
        t["segment"] += clock() - start
        start = clock()
        dedup.signature(body_seg)
        t["minhash"] += clock() - start
    t["pages"] = n
    return t


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
sys.path.insert(0, {root!r} + "/bench")
from pipeline.ingest import PoolRunner, ingest
runner = None
if {light!r} == "light":
    from lightstage import light_records
    runner = PoolRunner({workers}, stage=light_records)
elif {light!r} == "extraction":
    from extractstage import extraction_records
    runner = PoolRunner({workers}, stage=extraction_records)
started = time.monotonic()
report = ingest({paths!r}, {db!r}, workers={workers}, batch_size={batch}, runner=runner)
seconds = time.monotonic() - started
self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "rss_mb": self_rss, "worker_rss_mb": child_rss,
                  "counts": report.as_dict()["counts"]}}))
"""


def run_ingest(paths: list[str], db: Path, workers: int, batch: int = 100, light: str = "") -> dict:
    """``ingest`` in a fresh interpreter: its own time (no start-up) and peak RSS."""
    code = CHILD.format(root=str(ROOT), paths=paths, db=str(db), workers=workers, batch=batch, light=light)
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - started
    return result


def end_to_end(root: Path, workers: int, label: str, light: str = "") -> tuple[dict, Path]:
    """``ingest`` of ``root`` into a fresh KB; ``light``: "" (every stage), "light"
    (bench/lightstage.py: NLP stubbed) or "extraction" (bench/extractstage.py)."""
    db = OUT / f"bench-{label}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run_ingest([str(root)], db, workers, light=light), db


def incremental(root: Path, db: Path, workers: int) -> tuple[dict, dict]:
    """A no-op re-run over ``root``, then one new page added (and removed from ``root`` after)."""
    import random
    from datetime import datetime

    noop = run_ingest([str(root)], db, workers)
    extra = root / "zz-added" / "one.txt"
    extra.parent.mkdir(exist_ok=True)
    extra.write_text(render_text(original(random.Random(time.time_ns()), 9_999_999, datetime(2025, 1, 1))), "utf-8")
    try:
        add_one = run_ingest([str(root)], db, workers)
    finally:
        extra.unlink()
        extra.parent.rmdir()
    return noop, add_one


def memory_check(sizes: list[int], fmt: str, workers: int, stage: str) -> None:
    """Peak RSS of ingest at each corpus size; ``stage`` "all" (every stage, for real) or
    "light" (NLP stubbed, bench/lightstage.py: the machinery alone, several times faster)."""
    what = "every stage" if stage == "all" else "light stage: no topics/facts"
    print(f"\n## memory check ({fmt}, {workers} workers, {what})\n")
    print(f"{'pages':>8} {'seconds':>8} {'pages/s':>8} {'peak RSS main MB':>17} {'worker MB':>10} {'dups':>6}")
    for size in sizes:
        root = corpus(size, fmt)
        result, _ = end_to_end(root, workers, f"{stage}-{size}-{fmt}", light="" if stage == "all" else "light")
        c = result["counts"]
        print(f"{size:>8} {result['seconds']:>8.1f} {c['pages_read'] / result['seconds']:>8.1f} "
              f"{result['rss_mb']:>17.0f} {result['worker_rss_mb']:>10.0f} {c['duplicates']:>6}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--format", default="files", choices=["files", "jsonl", "warc", "mixed"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=500, help="pages for the per-stage profile")
    parser.add_argument("--also", type=int, default=0, help="a second, larger corpus for the memory check")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--memory-check", type=int, nargs="*", metavar="PAGES",
                        help="only the memory check at these sizes, e.g. 10000 100000")
    parser.add_argument("--stage", default="all", choices=["all", "light"],
                        help="memory check: every stage (default) or the light stage (NLP stubbed)")
    parser.add_argument("--incremental-only", action="store_true",
                        help="only the no-op re-run and add-one-page, on the KB a previous run built")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.memory_check:
        memory_check(args.memory_check, args.format, args.workers, args.stage)
        return
    if args.incremental_only:
        root, db = corpus(args.pages, args.format), OUT / f"bench-{args.pages}-{args.format}.db"
        noop, add_one = incremental(root, db, args.workers)
        print(f"{args.pages} pages: no-op re-run {noop['seconds']:.2f} s (wall {noop['wall']:.2f}), "
              f"add one page {add_one['seconds']:.2f} s (wall {add_one['wall']:.2f})")
        return

    root = corpus(args.pages, args.format)
    results: dict = {"pages": args.pages, "format": args.format, "workers": args.workers}

    t = stage_profile(root, args.sample)
    n = t.pop("pages")
    per_page = {k: v / n * 1000 for k, v in t.items()}
    total = sum(t.values())
    results["stages_ms_per_page"] = per_page
    extraction_rate = n / (t["read"] + t["extract"])
    segmentation_rate = n / t["segment"]
    all_stages_rate = n / total

    # The baseline: the same corpus through the same ingest (workers, batches, KB writes
    # of pages and articles) with extraction as the only stage.
    extraction, _ = end_to_end(root, args.workers, f"extraction-{args.pages}-{args.format}", light="extraction")
    extraction_ingest_rate = extraction["counts"]["pages_read"] / extraction["seconds"]
    results["extraction_only"] = extraction

    e2e, db = end_to_end(root, args.workers, f"{args.pages}-{args.format}")
    e2e_rate = e2e["counts"]["pages_read"] / e2e["seconds"]
    results["end_to_end"] = e2e

    noop, add_one = incremental(root, db, args.workers)
    results["noop"], results["add_one"] = noop, add_one

    bigger = None
    if args.also:
        bigger_root = corpus(args.also, args.format)
        bigger, _ = end_to_end(bigger_root, args.workers, f"{args.also}-{args.format}")
        results["bigger"] = bigger

    print(f"\n## ingest bench: {args.pages} pages ({args.format}), {args.workers} workers, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n")
    print("stage (1 process, %d-page sample)   ms/page   share" % n)
    for k, v in per_page.items():
        print(f"  {k:32} {v:8.2f}  {t[k] / total:6.1%}")
    print(f"  {'all stages':32} {total / n * 1000:8.2f}")
    print()
    print(f"{'throughput':52} pages/s   × extraction-only (ingest)   × (1 process)")
    rows = [
        (f"extraction only: ingest, {args.workers} workers, KB writes", extraction_ingest_rate),
        (f"end to end: ingest, {args.workers} workers, KB writes", e2e_rate),
        ("extraction only (read + clean), 1 process", extraction_rate),
        ("segmentation only, 1 process", segmentation_rate),
        ("all per-page stages, 1 process", all_stages_rate),
    ]
    for label, rate in rows:
        print(f"  {label:50} {rate:8.1f}   {rate / extraction_ingest_rate:6.2f}"
              f"                        {rate / extraction_rate:6.2f}")
    results["ratio_end_to_end"] = e2e_rate / extraction_ingest_rate
    print()
    print(f"{'run':44} seconds   peak RSS main / worker (MB)")
    print(f"  {'end to end, ' + str(args.pages) + ' pages':42} {e2e['seconds']:8.1f}   "
          f"{e2e['rss_mb']:.0f} / {e2e['worker_rss_mb']:.0f}")
    print(f"  {'no-op re-run (ingest(); +start-up: wall)':42} {noop['seconds']:8.2f}   "
          f"{noop['rss_mb']:.0f}   wall {noop['wall']:.2f}")
    print(f"  {'add one page (ingest(); +start-up: wall)':42} {add_one['seconds']:8.2f}   "
          f"{add_one['rss_mb']:.0f}   wall {add_one['wall']:.2f}  "
          f"(processed {add_one['counts']['pages_processed']})")
    if bigger:
        print(f"  {'end to end, ' + str(args.also) + ' pages':42} {bigger['seconds']:8.1f}   "
              f"{bigger['rss_mb']:.0f} / {bigger['worker_rss_mb']:.0f}   "
              f"({bigger['counts']['pages_read'] / bigger['seconds']:.1f} pages/s)")
    dups = e2e["counts"]["duplicates"]
    print(f"\nduplicates found: {dups} (corpus: {json.loads((root / '.complete').read_text())})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
