"""Main-content extraction: ours against readability-lxml and trafilatura, same run.

    .venv/bin/python bench/extraction.py [--data DIR] [--only ours] [--worst 25]

Every system gets the same decoded text (``pipeline.decode.decode_bytes``, stale
charset declarations stripped) and is timed over decoding + parsing + extraction.
Quality is the character-bigram F1 of ``title + "\\n" + body`` against the reference
(``pipeline.evaluate``), macro-averaged; a crash or empty output scores 0.

Writes our worst pages (reference, output, scores) to ``bench/out/`` for reading, and
reports how often our ``published_at`` agrees with the date in the file name
(``YYYYMMDD_...``, the crawl date) — exactly, or within one day.

The reference pages (DAnIEL, GPL-3.0) are evaluation data only: nothing from them
belongs in this repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean_html import extract_html  # noqa: E402
from pipeline.decode import decode_bytes, strip_charset_declarations  # noqa: E402
from pipeline.document import Rejected  # noqa: E402
from pipeline.evaluate import bigram_prf, macro_average  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction" / "daniel-zh"
OUT = ROOT / "bench" / "out"


@dataclass
class Page:
    id: str
    data: bytes
    reference: str


def load_pages(folder: Path) -> list[Page]:
    pages = []
    for path in sorted(folder.glob("*.html")):
        reference = path.with_name(path.stem + ".gt.txt")
        if reference.exists():
            pages.append(Page(path.stem, path.read_bytes(), reference.read_text("utf-8")))
    return pages


def decoded(data: bytes) -> str:
    return strip_charset_declarations(decode_bytes(data, html=True)[0])


def ours(data: bytes) -> str:
    article = extract_html(decoded(data))
    return article.title + "\n" + article.body


def _html_text(fragment: str) -> str:
    """Text of an HTML fragment, one line per block element (for readability's output)."""
    import lxml.html

    if not fragment.strip():
        return ""
    tree = lxml.html.fromstring(fragment)
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for el in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr", "blockquote"):
        el.tail = "\n" + (el.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())


def readability(data: bytes) -> str:
    from readability import Document

    doc = Document(decoded(data))
    body = _html_text(doc.summary(html_partial=True))
    return doc.short_title() + "\n" + body


def trafilatura_precision(data: bytes) -> str:
    import trafilatura

    doc = trafilatura.bare_extraction(
        decoded(data), favor_precision=True, with_metadata=True, include_comments=False
    )
    if doc is None:
        return ""
    return (doc.title or "") + "\n" + (doc.text or "")


SYSTEMS = {
    "ours": ours,
    "readability-lxml": readability,
    "trafilatura(precision)": trafilatura_precision,
}


def run_system(fn, pages: list[Page]):
    outputs: list[str] = []
    errors: list[str] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    for page in pages:
        try:
            outputs.append(fn(page.data))
            errors.append("")
        except Rejected as error:
            outputs.append("")
            errors.append(f"rejected: {error}")
        except Exception as error:  # a crash scores 0 and is reported
            outputs.append("")
            errors.append(f"{type(error).__name__}: {error}")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return outputs, errors, elapsed, cpu


def date_agreement(pages: list[Page]) -> tuple[int, int, int, int]:
    """(pages with a name date, with our published_at, exact match, within one day)."""
    named = found = exact = near = 0
    for page in pages:
        stamp = page.id.split("_", 1)[0]
        if not (len(stamp) == 8 and stamp.isdigit()):
            continue
        named += 1
        try:
            article = extract_html(decoded(page.data))
        except Exception:
            continue
        if not article.published_at:
            continue
        found += 1
        crawl = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
        ours_date = date.fromisoformat(article.published_at[:10])
        delta = abs((ours_date - crawl).days)
        exact += delta == 0
        near += delta <= 1
    return named, found, exact, near


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", action="append", help="run only these systems")
    parser.add_argument("--worst", type=int, default=25, help="dump this many of our worst pages")
    args = parser.parse_args()
    pages = load_pages(args.data)
    if not pages:
        sys.exit(f"no pages in {args.data}")
    names = args.only or list(SYSTEMS)
    results = {}
    for name in names:
        try:
            outputs, errors, elapsed, cpu = run_system(SYSTEMS[name], pages)
        except ImportError as error:
            print(f"{name}: skipped ({error}; pip install -e '.[bench]')")
            continue
        triples = [bigram_prf(out, page.reference) for out, page in zip(outputs, pages)]
        results[name] = (
            macro_average(triples), len(pages) / elapsed, triples, outputs, errors, len(pages) / cpu
        )

    print(f"\n{len(pages)} pages from {args.data}\n")
    # Wall-clock pages/s is what a user sees; CPU pages/s is steadier on a shared machine.
    print(f"{'system':<24} {'F1':>6} {'P':>6} {'R':>6} {'pages/s':>8} {'cpu p/s':>8} {'<0.5':>5} {'failed':>6}")
    for name, (score, speed, triples, _, errors, cpu_speed) in results.items():
        low = sum(t[2] < 0.5 for t in triples)
        failed = sum(bool(e) for e in errors)
        print(
            f"{name:<24} {score.f1:6.3f} {score.precision:6.3f} {score.recall:6.3f} "
            f"{speed:8.1f} {cpu_speed:8.1f} {low:5d} {failed:6d}"
        )
    if "ours" in results:
        ours_score, ours_speed, ours_cpu = results["ours"][0], results["ours"][1], results["ours"][5]
        for name, (score, speed, *_rest, cpu_speed) in results.items():
            if name == "ours":
                continue
            print(
                f"ours / {name:<22} F1 x{ours_score.f1 / score.f1:.3f}   "
                f"speed x{ours_speed / speed:.2f} (cpu x{ours_cpu / cpu_speed:.2f})"
            )
        _dump_worst(pages, results["ours"], args.worst)
        named, found, exact, near = date_agreement(pages)
        print(
            f"\npublished_at vs file-name date: {found}/{named} pages dated; "
            f"{exact} same day, {near} within one day"
        )


def _dump_worst(pages: list[Page], result, count: int) -> None:
    _, _, triples, outputs, errors, _ = result
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("worst-*.txt"):
        old.unlink()
    order = sorted(range(len(pages)), key=lambda i: triples[i][2])
    lines = []
    for rank, i in enumerate(order[:count]):
        p, r, f = triples[i]
        lines.append(f"{f:.3f}  P={p:.3f} R={r:.3f}  {pages[i].id}  {errors[i]}")
        (OUT / f"worst-{rank:02d}.txt").write_text(
            f"{pages[i].id}\nF1={f:.3f} P={p:.3f} R={r:.3f} {errors[i]}\n\n"
            f"=== OURS\n{outputs[i]}\n\n=== REFERENCE\n{pages[i].reference}\n",
            "utf-8",
        )
    (OUT / "worst.txt").write_text("\n".join(lines) + "\n", "utf-8")
    print(f"\nworst pages: {OUT / 'worst.txt'}")
    for line in lines[:10]:
        print("  " + line)


if __name__ == "__main__":
    main()
