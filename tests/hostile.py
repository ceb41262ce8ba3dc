"""A deterministic generator of hostile input pages, mixed with good ones.

``generate(seed)`` yields :class:`Case` records — a file name, its bytes, and what
ingest must make of it — and ``write_corpus(directory, seed)`` writes them, so a
test builds the corpus in a temporary directory each run (nothing big is committed).
Good pages are copies of ``sources/*`` with small variations (line endings, BOM,
another encoding, an added comment); they are spread among the hostile ones so
every batch of an ingest mixes both.

    python tests/hostile.py OUT_DIR [--seed N] [--small]   # write a corpus to look at

Container cases (WARC, JSONL) are generated separately by ``generate_containers``.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import hashlib
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "sources"

OK = "ok"            # must be ingested as an article
NOT_OK = "not-ok"    # must be recorded as rejected (or error) with a reason
ANY = "any"          # fuzzed: either outcome, but recorded, with a reason when not ok

SENTENCES = [
    "借呗逾期后会产生罚息，每日按万分之五计算，并可能上报征信。",
    "微粒贷逾期超过九十天，银行可能将账户移交催收机构处理。",
    "信用卡逾期三期以上，可能影响房贷和车贷的审批结果。",
    "根据民法典第六百八十条，借款的利率不得违反国家有关规定。",
    "协商还款时应保留书面记录，避免日后发生争议。",
    "年化利率超过百分之二十四的部分，法院一般不予支持。",
]


@dataclass
class Case:
    """One input file and what ingest must make of it."""

    name: str | bytes  # file name; bytes for names that are not UTF-8
    data: bytes
    category: str
    expect: str = ANY
    reason: str | None = None  # a regular expression the recorded reason must match

    @property
    def fs_name(self) -> bytes:
        return self.name if isinstance(self.name, bytes) else self.name.encode("utf-8")


# --- good pages --------------------------------------------------------------------------


def _good_sources() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(SOURCES.iterdir())
            if p.is_file() and p.suffix in (".txt", ".html")]


def _decoded(name: str, data: bytes) -> str:
    from pipeline.decode import decode_bytes

    return decode_bytes(data, html=name.endswith(".html"))[0]


def good_variants(rng: random.Random, n: int) -> Iterator[Case]:
    """Sources with variations that keep them articles (but change their bytes)."""
    sources = _good_sources()
    variations: list[tuple[str, Callable[[str, bytes, int], tuple[bytes, str]]]] = [
        ("newlines", lambda name, data, i: (data + b"\n" * (i + 1), name)),
        ("crlf", lambda name, data, i: (data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b" " * i, name)),
        ("bom", lambda name, data, i: (codecs.BOM_UTF8 + _decoded(name, data).encode("utf-8") + b"\n" * i, name)),
        ("gb18030", lambda name, data, i: (_decoded(name, data).encode("gb18030") + b"\n" * i, name)),
        ("utf16", lambda name, data, i: (_decoded(name, data).encode("utf-16") + "\n".encode("utf-16-le") * i, name)),
        ("comment", lambda name, data, i: (
            data + f"\n<!-- variant {i} -->".encode() if name.endswith(".html") else data + f"\n\n{i}".encode(), name)),
        ("tail-spaces", lambda name, data, i: (data.rstrip() + b" " * (i + 2) + b"\n", name)),
    ]
    for i in range(n):
        name, data = sources[i % len(sources)]
        label, vary = variations[(i // len(sources)) % len(variations)]
        body, name = vary(name, data, i)
        stem, suffix = os.path.splitext(name)
        yield Case(f"good-{label}-{stem[:20]}{suffix}", body, "good", OK)


# --- hostile pages -----------------------------------------------------------------------


def _rand_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _chinese(rng: random.Random, n_sentences: int) -> str:
    return "".join(rng.choice(SENTENCES) for _ in range(n_sentences))


def _html(body: str, head: str = "", title: str = "借呗逾期怎么办") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body>{body}</body></html>"


def binary(rng: random.Random) -> Iterator[Case]:
    magics = {
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        "gif": b"GIF89a\x01\x00\x01\x00", "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "zip": b"PK\x03\x04\x14\x00",
        "elf": b"\x7fELF\x02\x01\x01\x00", "sqlite": b"SQLite format 3\x00", "random": b"",
    }
    for i in range(120):
        kind = list(magics)[i % len(magics)]
        suffix = (".html", ".txt", ".bin", "")[i % 4]
        data = magics[kind] + _rand_bytes(rng, rng.choice([1, 10, 500, 4096, 70_000]))
        yield Case(f"binary-{kind}{suffix}", data, "binary", NOT_OK, r"^binary content|^no |^empty")
    # A gzip-compressed page saved under .html (servers do this) is binary to us.
    page = _html("<p>" + _chinese(rng, 5) + "</p>").encode()
    for i in range(5):
        yield Case("binary-gzipped.html", gzip.compress(page + b" " * i, mtime=0), "binary", NOT_OK, r"^binary content")


def empty(rng: random.Random) -> Iterator[Case]:
    for suffix in (".html", ".txt", ".htm", ""):
        yield Case(f"empty{suffix}", b"", "empty", NOT_OK, r"^empty file$")
    blanks = [b" ", b"\n\n\n", b"\t \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xe3\x80\x80" * 10,
              b"<html></html>", b"<html><head></head><body></body></html>", b"<!-- -->", b"<p></p>" * 50,
              "\u200b\u3000\u00a0".encode() * 20, b"<br>" * 1000]
    for i, blank in enumerate(blanks):
        for suffix in (".html", ".txt"):
            yield Case(f"empty-blank{i}{suffix}", blank, "empty", NOT_OK)


def huge(rng: random.Random, big: bool = True) -> Iterator[Case]:
    from pipeline.limits import MAX_PAGE_BYTES

    para = ("<p>" + _chinese(rng, 3) + "</p>\n").encode()
    if big:
        # 20 MB: rejected on size, before anything parses it.
        for suffix in (".html", ".txt"):
            n = 20 * 2**20 // len(para) + 1
            yield Case(f"huge-20mb{suffix}", para * n + suffix.encode(), "huge", NOT_OK, r"^page too large \(\d+ bytes > \d+ limit\)$")
        yield Case("huge-just-over.html", b"<html><body>" + b"x" * MAX_PAGE_BYTES, "huge", NOT_OK,
                   r"^page too large \(10485772 bytes > 10485760 limit\)$")
        # One line of 5 MB: Chinese prose (far too many claims for an article) and minified script.
        # Numbered, so the sentences are distinct claims (repeats of one sentence are one claim).
        line = "".join(f"第{i}条，{rng.choice(SENTENCES)}" for i in range(5 * 2**20 // 100)).encode()
        yield Case("huge-oneline-5mb.txt", "标题\n".encode() + line, "huge", NOT_OK,
                   r"^too many claims|^time budget exceeded")
        yield Case("huge-oneline-5mb.html", _html("<p>" + line.decode() + "</p>").encode(), "huge", NOT_OK,
                   r"^too many claims|^time budget exceeded")
        yield Case("huge-oneline-js.html", _html("<script>" + "var a=1;" * (5 * 2**17) + "</script><p>x</p>").encode(),
                   "huge", NOT_OK)
        # 100,000 tiny paragraphs.
        yield Case("huge-100k-paragraphs.html", _html("".join(f"<p>短{i}</p>" for i in range(100_000))).encode(),
                   "huge", NOT_OK)
        yield Case("huge-100k-lines.txt", "\n".join(f"短句{i}" for i in range(100_000)).encode(), "huge", NOT_OK)


def deep(rng: random.Random) -> Iterator[Case]:
    text = _chinese(rng, 4)
    for tag in ("div", "span", "b", "table", "ul", "blockquote", "a", "font"):
        for depth in (10_000, 300):
            body = f"<{tag}>" * depth + f"<p>{text}</p>" + f"</{tag}>" * depth
            yield Case(f"deep-{tag}-{depth}.html", _html(body).encode(), "deep", ANY)
    yield Case("deep-unclosed.html", _html("<div><p>" * 10_000 + text).encode(), "deep", ANY)
    yield Case("deep-mixed.html", _html("".join(f"<{rng.choice(['div', 'i', 'section', 'li'])}>"
                                                for _ in range(10_000)) + text).encode(), "deep", ANY)


def truncated(rng: random.Random) -> Iterator[Case]:
    for i in range(80):
        name, data = _good_sources()[i % len(_good_sources())]
        text = _decoded(name, data)
        encoding = ("utf-8", "gbk", "gb18030", "big5")[i % 4]
        raw = text.encode(encoding, errors="replace")
        cut = rng.randrange(1, len(raw))
        # Nudge the cut into a multi-byte character half the time.
        if i % 2 and raw[cut - 1] < 0x80:
            while cut < len(raw) - 1 and raw[cut - 1] < 0x80:
                cut += 1
        stem, suffix = os.path.splitext(name)
        yield Case(f"truncated-{encoding}-{cut}{suffix}", raw[:cut], "truncated", ANY)


def mixed_encodings(rng: random.Random) -> Iterator[Case]:
    encodings = ["utf-8", "gbk", "big5", "utf-16-le", "shift_jis", "euc-kr", "latin-1"]
    for i in range(60):
        parts = []
        for _ in range(rng.randint(2, 6)):
            encoding = rng.choice(encodings)
            parts.append(_chinese(rng, 2).encode(encoding, errors="replace") if encoding != "latin-1"
                         else "Déjà vu café".encode("latin-1"))
        suffix = ".html" if i % 2 else ".txt"
        if suffix == ".html":
            data = b"<html><head><title>x</title></head><body><p>" + b"</p><p>".join(parts) + b"</p></body></html>"
        else:
            data = "标题\n".encode() + b"\n".join(parts)
        yield Case(f"mixed-encodings-{i}{suffix}", data, "mixed-encodings", ANY)


def control_characters(rng: random.Random) -> Iterator[Case]:
    for i in range(60):
        name, data = _good_sources()[i % len(_good_sources())]
        text = _decoded(name, data)
        chars = list(text)
        n = rng.choice([1, 5, 50, 500])
        for _ in range(n):
            chars.insert(rng.randrange(len(chars) + 1), chr(rng.choice([0, 1, 7, 8, 11, 12, 27, 127, 0x85, 0x2028,
                                                                            0xFEFF, 0x202E, 0xFFFF, 0xFFFE])))
        stem, suffix = os.path.splitext(name)
        yield Case(f"controls-{n}{suffix}", "".join(chars).encode("utf-8", "surrogatepass"), "controls", ANY)


def charset_declarations(rng: random.Random) -> Iterator[Case]:
    body = "<h1>借呗逾期怎么办</h1>" + "".join(f"<p>{s}</p>" for s in SENTENCES)
    declarations = [
        '<meta charset="utf-8">', '<meta charset="gbk">', '<meta charset="big5">', '<meta charset="shift_jis">',
        '<meta charset="utf-16">', '<meta charset="bogus-xyz">', '<meta charset="">', '<meta charset=>',
        '<meta charset="' + "x" * 5000 + '">', '<meta charset="utf-8"><meta charset="gbk">',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><meta charset="utf-8">',
        '<?xml version="1.0" encoding="utf-16"?>', '<?xml version="1.0" encoding="gbk"?><meta charset="big5">',
        '<meta charset="utf-7">', '<meta charset="cp037">', '<meta charset="hz-gb-2312">',
    ]
    for i in range(85):
        declaration = declarations[i % len(declarations)]
        encoding = ("utf-8", "gb18030", "big5", "utf-16")[(i // len(declarations)) % 4]
        page = _html(body, head=declaration)
        data = page.encode(encoding, errors="replace")
        yield Case(f"charset-{i}-{encoding}.html", data, "charset", ANY)


def broken_html(rng: random.Random) -> Iterator[Case]:
    text = _chinese(rng, 4)
    pages = [
        "<p>" + text,  # no html/body at all
        "<html><body><p>" + text + "<!-- never closed",
        "<html><body><p>" + text + "</p><![CDATA[ unterminated",
        "<html><body><p " + 'a="' * 2000 + ">" + text,
        "<html><body><p title='" + "长" * 200_000 + "'>" + text + "</p>",
        "<html><body>" + "<p x=1 " + " ".join(f"a{i}=b" for i in range(20_000)) + ">" + text + "</p>",
        "</p></div></body></html><html><body><p>" + text,
        "<html><body><table><tr><td>" * 500 + text,
        "<html><body><p>" + text + "</p>" + "<" * 100_000,
        "<html><body><p>" + text + "</p>" + "&#" * 50_000 + "&#x110000;&#0;&#xD800;",
        "<html><body><p>" + text.replace("，", "&#65292;") + "&nbsp;&lt;&gt;&amp;&quot;&bogus;</p>",
        "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>"
        "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>]><html><body><p>&c;" + text + "</p></body></html>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><html><body><p>&e;'
        + text + "</p></body></html>",
        "<html><body><svg><p>" + text + "</p></svg><math><p>" + text + "</p></math></body></html>",
        "<html><body><noscript><p>" + text + "</p></noscript><template><p>" + text + "</p></template>",
        "<html><frameset><frame src=x></frameset><body><p>" + text + "</p></body></html>",
        "<html><body><textarea><p>" + text + "</p></body></html>",
        "<html><head><title>" + "标题" * 50_000 + "</title></head><body><p>" + text + "</p></body></html>",
        "<html><head>" + '<meta name="description" content="' + "描述" * 100_000 + '">'
        + "</head><body><p>" + text + "</p></body></html>",
        "<html><body>" + "<h1>标题</h1>" * 5000 + "<p>" + text + "</p></body></html>",
        "<html><body>" + "<a href='/x'>链接文字</a>" * 20_000 + "<p>" + text + "</p></body></html>",
        "<html><body><p>" + text + "<br>" * 50_000 + "</p></body></html>",
        "<html><body><pre>" + "\t" * 100_000 + text + "</pre></body></html>",
    ]
    for i in range(110):
        page = pages[i % len(pages)]
        if i >= len(pages):  # random splices of the same shapes
            cut = rng.randrange(len(page))
            page = page[:cut] + rng.choice(["<", ">", "</", "<!--", "\x00", "&", '"', "'", "]]>"]) + page[cut:]
        yield Case(f"broken-html-{i}.html", page.encode("utf-8", "replace"), "broken-html", ANY)


def regex_stress(rng: random.Random, big: bool = True) -> Iterator[Case]:
    """Long runs of what the cleaners' and fact extractors' patterns look for.

    Runs of a few thousand characters exercise every pattern cheaply; with ``big``, a
    few runs of 50,000+ characters find what is quadratic (those may end on the time
    budget, which is the point: they must not stall the batch).
    """
    units = ["1", "9", "1.", "万分之", "年化", "《", "（", "“", "。", "？", "…", "2024-", "2024年", "来源:",
             "时间：", "上一篇", "第", "民法典第", "一、", " ", "\u3000", "a", "a.", "@", "零一二三四五六七八九十百千万亿",
             "%", "-", "_", "=", "逾期", "\n", "打印", "【关闭】", "http://", "&nbsp;"]
    tails = {"1": "%", "9": "元", "年化": "18%", "（": "）", "2024年": "1月1日", "时间：": "2024-01-01", "第": "条",
             " ": "借呗", "\u3000": "借呗", "a": "!", "\n": "借呗逾期怎么办"}

    def page(i: int, unit: str, length: int) -> Case:
        run = unit * max(1, length // len(unit)) + tails.get(unit, "")
        if i % 2:
            data = _html("<p>" + SENTENCES[0] + "</p><p>" + run + "</p>").encode()
            return Case(f"regex-stress-{i}.html", data, "regex-stress", ANY)
        sentence = SENTENCES[i % len(SENTENCES)]
        data = ("借呗逾期怎么办\n" + sentence + run + sentence + "\n" + SENTENCES[1]).encode()
        return Case(f"regex-stress-{i}.txt", data, "regex-stress", ANY)

    for i in range(3 * len(units)):
        yield page(i, units[i % len(units)], rng.choice([300, 1000, 3000]))
    if big:
        for j, unit in enumerate(["1", " ", "民法典第", "逾期", "。", "\n"]):
            yield page(1000 + j, unit, 100_000)


def no_chinese(rng: random.Random) -> Iterator[Case]:
    texts = [
        "Just some English words. Nothing else here, really.",
        "Просто немного русского текста. Ничего больше.",
        "これはひらがなとカタカナだけのぶんしょうです。",
        "이것은 한국어 문장입니다. 중국어가 없습니다.",
        "🙂🙃😀 emoji only 🚀🚀🚀",
        "1234567890 %%% 2024-01-01 12:00",
        "نص عربي فقط بدون أي حروف صينية.",
    ]
    for i in range(90):
        text = texts[i % len(texts)] * rng.randint(1, 40)
        if i % 2:
            yield Case(f"no-chinese-{i}.html", _html(f"<p>{text}</p>", title="Title").encode(), "no-chinese",
                       NOT_OK, r"Chinese|no main content|no claims|no paragraphs")
        else:
            yield Case(f"no-chinese-{i}.txt", f"Title\n{text}".encode(), "no-chinese", NOT_OK,
                       r"Chinese|no main content|no claims|no paragraphs")


def injection(rng: random.Random) -> Iterator[Case]:
    """Script, style and event-handler injection: must never become claim text."""
    text = _chinese(rng, 3)
    payloads = [
        "<script>document.write('借呗逾期后会被起诉并坐牢，这是骗人的说法。')</script>",
        "<script type='text/javascript'>/*<![CDATA[*/var 罚息='每日按万分之五计算的罚息说法来自脚本。';/*]]>*/</script>",
        "<style>p::after{content:'这是样式表里的中文内容，不应成为断言。'}</style>",
        "<img src=x onerror=\"alert('微粒贷逾期会影响征信，这是事件处理器。')\">",
        "<svg onload=\"alert(1)\"><text>借呗逾期后会产生罚息这是矢量图文字。</text></svg>",
        "<a href=\"javascript:alert('这是链接里的脚本地址，不是正文。')\">点击</a>",
        "<iframe src=\"javascript:alert(1)\"></iframe><object data=x></object><embed src=x>",
        "<body onload=alert(1)><p onclick=\"steal()\">" + text + "</p>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<noscript><p>请开启脚本以查看借呗逾期的罚息计算方式说明。</p></noscript>",
        "<p>&lt;script&gt;window.__xss=1&lt;/script&gt;借呗逾期后会产生罚息，每日按万分之五计算。</p>",
        "<p>&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;微粒贷逾期超过九十天会被催收。</p>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\"><link rel=import href=x>",
        "<script>" + "借呗逾期后会产生罚息。" * 2000 + "</script>",
        "<style>" + "p{}" * 50_000 + "</style>",
        "<script src=\"data:text/javascript,alert(1)\"></script><script>unterminated " + "x" * 1000,
    ]
    for i in range(85):
        payload = payloads[i % len(payloads)]
        position = i // len(payloads) % 3
        body = (payload + f"<p>{text}</p>", f"<p>{text}</p>" + payload, f"<p>{text}{payload}{text}</p>")[position]
        yield Case(f"injection-{i}.html", _html(body).encode(), "injection", ANY)
    for i, payload in enumerate(["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=2">']):
        yield Case(f"injection-literal-{i}.txt", f"借呗逾期怎么办\n{SENTENCES[0]}{payload}{SENTENCES[1]}".encode(),
                   "injection", OK)


def mutations(rng: random.Random) -> Iterator[Case]:
    """Random byte-level damage to good pages: flips, deletions, repeats, splices."""
    sources = _good_sources()
    for i in range(120):
        name, data = sources[i % len(sources)]
        buf = bytearray(data)
        for _ in range(rng.choice([1, 3, 10, 100])):
            op = rng.randrange(5)
            at = rng.randrange(len(buf))
            if op == 0:
                buf[at] = rng.randrange(256)
            elif op == 1:
                del buf[at:at + rng.randint(1, 200)]
            elif op == 2:
                chunk = buf[at:at + rng.randint(1, 200)]
                buf[at:at] = chunk * rng.randint(1, 3)
            elif op == 3:
                other = rng.choice(sources)[1]
                start = rng.randrange(len(other))
                buf[at:at] = other[start:start + rng.randint(1, 500)]
            else:
                buf.insert(at, rng.choice([0, 0x3C, 0x3E, 0x26, 0xFF, 0x80, 0xE4]))
        stem, suffix = os.path.splitext(name)
        yield Case(f"mutated-{stem[:20]}{suffix}", bytes(buf), "mutated", ANY)


def odd_names(rng: random.Random) -> Iterator[Case]:
    """File names a crawler produces: not UTF-8, very long, unknown extensions."""
    page = f"借呗逾期怎么办\n{SENTENCES[0]}{SENTENCES[2]}".encode()
    html = _html("".join(f"<p>{s}</p>" for s in SENTENCES)).encode()
    yield Case(b"odd-name-\xff\xfe-latin1-\xe9.txt", page, "odd-names", OK)
    yield Case(b"odd-name-\xb9\xfe\xc0\xfb-gbk.html", html, "odd-names", OK)
    yield Case("odd-name-" + "长" * 70 + ".txt", page + b" ", "odd-names", OK)
    yield Case("odd-name-quote'\"; drop table pages;--.txt", page + b"  ", "odd-names", OK)
    yield Case("odd-name-newline\nand\ttab.txt", page + b"   ", "odd-names", OK)
    yield Case("odd-name-<script>alert(1)<script>.txt", page + b"    ", "odd-names", OK)
    yield Case("odd-name-upper.HTML", html + b" ", "odd-names", OK)
    yield Case("odd-name-no-extension", html + b"  ", "odd-names", OK)
    yield Case("odd-name-text-no-extension", page + b"     ", "odd-names", OK)
    yield Case("odd-name-unknown.dat", page + b"      ", "odd-names", OK)


CATEGORIES = [binary, empty, deep, truncated, mixed_encodings, control_characters, charset_declarations,
              broken_html, no_chinese, injection, mutations, odd_names]


def generate(seed: int = 8, big: bool = True, n_good: int = 70) -> list[Case]:
    """Every case, good ones spread among the hostile ones, numbered in a stable order."""
    rng = random.Random(seed)
    cases = [case for category in CATEGORIES for case in category(random.Random(rng.random()))]
    cases += list(regex_stress(random.Random(rng.random()), big=big))
    cases += list(huge(random.Random(rng.random()), big=big))
    random.Random(seed).shuffle(cases)
    good = list(good_variants(random.Random(rng.random()), n_good))
    step = max(1, len(cases) // max(1, len(good)))
    for i, case in enumerate(good):
        cases.insert(i * (step + 1), case)
    for index, case in enumerate(cases):
        prefix = f"{index:04d}_"
        case.name = prefix.encode() + case.name if isinstance(case.name, bytes) else prefix + case.name
    return cases


# --- containers ---------------------------------------------------------------------------


def _warc_record(uri: str, payload: bytes, *, content_type: str = "text/html; charset=utf-8",
                 extra_http: str = "", status: str = "200 OK", record_type: str = "response",
                 length: int | None = None) -> bytes:
    http = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra_http}"
            f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
    headers = (f"WARC/1.0\r\nWARC-Type: {record_type}\r\nWARC-Target-URI: {uri}\r\n"
               f"WARC-Date: 2024-03-01T00:00:00Z\r\nWARC-Record-ID: <urn:sha1:{hashlib.sha1(uri.encode()).hexdigest()}>\r\n"
               f"Content-Type: application/http; msgtype=response\r\n"
               f"Content-Length: {len(http) if length is None else length}\r\n\r\n").encode()
    return headers + http + b"\r\n\r\n"


def _gzip_member(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes gzip-compressed (about 1000:1), built without holding them."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        chunk = b"\x00" * 2**20
        for _ in range(size // len(chunk)):
            f.write(chunk)
    return out.getvalue()


def generate_containers(seed: int = 8, bomb_bytes: int = 2**29) -> list[Case]:
    """WARC and JSONL files, good and hostile: bombs, truncation, broken lines."""
    rng = random.Random(seed)
    good_html = _html("<h1>借呗逾期怎么办</h1>" + "".join(f"<p>{s}</p>" for s in SENTENCES)).encode()
    cases: list[Case] = []
    record = _warc_record("https://example.com/good", good_html)
    cases.append(Case("warc-good.warc.gz", _gzip_member(record), "warc", OK))
    # A gzip bomb as the HTTP body (Content-Encoding: gzip, which warcio undoes) ...
    bomb = gzip_bomb(bomb_bytes)
    cases.append(Case("warc-bomb-body.warc.gz", _gzip_member(_warc_record(
        "https://example.com/bomb", bomb, extra_http="Content-Encoding: gzip\r\n")) + _gzip_member(
        _warc_record("https://example.com/after-bomb", good_html + b" ")), "warc", ANY))
    # ... and as the record itself: one gzip member that inflates to a huge record.
    huge_record = _warc_record("https://example.com/huge", b"", length=bomb_bytes)
    with io.BytesIO() as out:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
            f.write(huge_record[:-4])
            chunk = b"<p>" + b"\x00" * (2**20 - 3)
            for _ in range(bomb_bytes // len(chunk)):
                f.write(chunk)
        cases.append(Case("warc-bomb-record.warc.gz", out.getvalue(), "warc", ANY))
    whole = _gzip_member(record) + _gzip_member(_warc_record("https://example.com/2", good_html + b"  "))
    for i in range(8):
        cut = rng.randrange(10, len(whole))
        cases.append(Case(f"warc-truncated-{cut}.warc.gz", whole[:cut], "warc", ANY))
    plain = record + _warc_record("https://example.com/3", good_html + b"   ")
    for i in range(6):
        cut = rng.randrange(10, len(plain))
        cases.append(Case(f"warc-truncated-plain-{cut}.warc", plain[:cut], "warc", ANY))
    cases.append(Case("warc-garbage.warc.gz", _rand_bytes(rng, 5000), "warc", ANY))
    cases.append(Case("warc-garbage.warc", b"WARC/1.0\r\nnonsense\r\n\r\n" + _rand_bytes(rng, 3000), "warc", ANY))
    cases.append(Case("warc-wrong-length.warc", _warc_record("https://example.com/len", good_html, length=10**9),
                      "warc", ANY))
    cases.append(Case("warc-negative-length.warc", _warc_record("https://example.com/neg", good_html, length=-5),
                      "warc", ANY))
    cases.append(Case("warc-not-gzip.warc.gz", record, "warc", ANY))
    cases.append(Case("warc-empty.warc.gz", b"", "warc", ANY))
    cases.append(Case("warc-html-in-binary.warc", _warc_record("https://example.com/bin", _rand_bytes(rng, 4000)),
                      "warc", ANY))

    good_line = json.dumps({"url": "https://example.com/j", "text": "借呗逾期怎么办\n" + "".join(SENTENCES)},
                           ensure_ascii=False).encode()
    lines = [
        good_line,
        b'{"url": "https://example.com/broken", "text": "unterminated',
        b"[1, 2, 3]", b"null", b'"just a string"', b"{}", b'{"text": 42}', b'{"html": ""}',
        b"\xff\xfe not utf-8 \x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"text": "' + "借呗逾期后会产生罚息\\ud800，每日按万分之五计算并上报征信。".encode() + b'", "url": "u\\udfff"}',
        b'{"text": "\\u0000\\u0000' + "借呗逾期后会产生罚息，每日按万分之五计算并上报征信。".encode() + b'"}',
        b'{"html": "<script>alert(1)</script><p>' + "借呗逾期后会产生罚息，每日按万分之五计算。".encode() + b'</p>"}',
        b'{"text": "' + b"1" * 1_000_000 + b'"}',
        b'{"url": {"nested": true}, "fetched_at": [1], "text": "' + "微粒贷逾期超过九十天会被移交催收机构处理。".encode() + b'"}',
        b'{"text": 1e999999}',
        b'{"text": ' + b"9" * 100_000 + b"}",
    ]
    body = b"\n".join(lines) + b"\n"
    cases.append(Case("jsonl-hostile.jsonl", body, "jsonl", ANY))
    cases.append(Case("jsonl-hostile.jsonl.gz", _gzip_member(body), "jsonl", ANY))
    cases.append(Case("jsonl-truncated.jsonl.gz", _gzip_member(body)[:-50], "jsonl", ANY))
    cases.append(Case("jsonl-bomb-line.jsonl.gz", bomb, "jsonl", ANY))
    cases.append(Case("jsonl-no-newline.jsonl", good_line + b"\n" + b'{"text": "x"' * 1000, "jsonl", ANY))
    for index, case in enumerate(cases):
        case.name = f"c{index:03d}_{case.name}"
    return cases


def write_corpus(directory: str | os.PathLike, cases: list[Case]) -> list[Path]:
    """Write ``cases`` into ``directory``; return their paths (in the cases' order)."""
    root = os.fsencode(directory)
    os.makedirs(root, exist_ok=True)
    paths = []
    for case in cases:
        path = os.path.join(root, case.fs_name.replace(b"/", b"_"))
        with open(path, "wb") as f:
            f.write(case.data)
        paths.append(Path(os.fsdecode(path)))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--small", action="store_true", help="leave out the multi-megabyte pages")
    args = parser.parse_args()
    cases = generate(args.seed, big=not args.small)
    write_corpus(args.out, cases)
    write_corpus(os.path.join(args.out, "containers"), generate_containers(args.seed, bomb_bytes=2**28))
    print(f"{len(cases)} pages written to {args.out}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(REPO))
    main()
