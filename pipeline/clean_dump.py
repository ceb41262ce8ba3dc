"""Clean plain-text dumps of pages (one line per block, as scrapers flatten them).

A dump like ``sources/000_56e66633d99debef.txt`` carries the whole page: the title
repeated, a 来源/时间 line, the article with its section headings as short lines,
then the site's tail (精彩评论, 编辑, 本文链接, 上一篇/下一篇, numbered disclaimers,
新媒体 and sidebar headline lists). We keep the article and its metadata.
"""

from __future__ import annotations

import re

from .document import Article, Rejected, Section

# A line is a paragraph if it is long or ends like a sentence; otherwise a heading.
HEADING_MAX_CHARS = 40
SENTENCE_END = tuple("。！？!?；;…”\"」』）)")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- metadata and boilerplate rules (to be shared with the HTML cleaner) ---

_DATE = re.compile(
    r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_FIELD = re.compile(
    r"(来源|出处|时间|发布时间|发布日期|日期|作者|责任编辑|编辑|本文链接|原文链接)\s*[:：]\s*"
)
_FIELD_KEYS = {
    "来源": "source", "出处": "source",
    "时间": "published_at", "发布时间": "published_at", "发布日期": "published_at", "日期": "published_at",
    "作者": "author", "责任编辑": "author", "编辑": "author",
    "本文链接": "url", "原文链接": "url",
}
_TITLE_SUFFIX = re.compile(r"\s*[-_|｜—]+\s*[^-_|｜—]{1,20}(网|网站|频道|新闻|官网|首页)\s*$")
# Lines that end the article: everything after them is the site's tail.
END_MARKERS = ("精彩评论", "网友评论", "相关评论", "我要评论", "上一篇", "下一篇", "版权与免责声明",
               "免责声明", "本文链接", "原文链接", "相关文章", "相关阅读", "猜你喜欢", "新媒体", "热门推荐")
BOILERPLATE = re.compile(
    r"^(?:[①②③④⑤⑥⑦⑧⑨⑩]|[•·▪■◆●]|(?:上一篇|下一篇|责任编辑|编辑|本文链接|原文链接|来源|分享到|扫一扫|关注我们|返回首页|返回顶部)\s*[:：]?)"
)


def parse_published_at(text: str) -> str | None:
    """ISO 8601 (+08:00) from the first date in ``text``.

    >>> parse_published_at("时间:2025-04-11 09:31:47")
    '2025-04-11T09:31:47+08:00'
    """
    m = _DATE.search(text)
    if not m:
        return None
    year, month, day, hour, minute, second = m.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    if hour is None:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return (f"{int(year):04d}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{int(minute):02d}:"
            f"{int(second or 0):02d}+08:00")


def metadata_from_lines(lines: list[str]) -> dict[str, str]:
    """source / published_at / author / url from 来源:, 时间:, 编辑:, 本文链接: lines.

    Several fields may share a line (来源:X 时间:Y); the first value found wins.
    """
    found: dict[str, str] = {}
    for line in lines:
        matches = list(_FIELD.finditer(line))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            value = line[m.end():end].strip()
            key = _FIELD_KEYS[m.group(1)]
            if not value or key in found:
                continue
            if key == "published_at":
                parsed = parse_published_at(value)
                if parsed:
                    found[key] = parsed
            elif key == "url":
                url = value.split()[0]
                if url.startswith(("http://", "https://")):
                    found[key] = url
            else:
                found[key] = value.split()[0] if key != "source" else value
    return found


def clean_title(line: str) -> str:
    return _TITLE_SUFFIX.sub("", line.strip())


def is_boilerplate_line(line: str) -> bool:
    return bool(BOILERPLATE.match(line)) or any(line.startswith(m) for m in END_MARKERS)


def ends_article(line: str) -> bool:
    return any(line.startswith(m) for m in END_MARKERS)


def site_of(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    return host or None


def _is_heading_line(line: str) -> bool:
    return len(line) <= HEADING_MAX_CHARS and not line.endswith(SENTENCE_END)


def _is_teaser_question(line: str) -> bool:
    """A short question line in the head of a dump (a subtitle, not content)."""
    return len(line) <= HEADING_MAX_CHARS and line.rstrip().endswith(("?", "？"))


def extract_dump(text: str, url: str | None = None) -> Article:
    """Article from a flattened page dump.

    >>> a = extract_dump("标题\\n来源:某网 时间:2025-01-02 03:04:05\\n标题\\n正文第一段很长，说明了规则。\\n上一篇:别的")
    >>> a.title, a.source, a.published_at, a.body
    ('标题', '某网', '2025-01-02T03:04:05+08:00', '正文第一段很长，说明了规则。')
    """
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise Rejected("empty text dump")
    if not _CHINESE.search(text):
        raise Rejected("no Chinese text")

    title = clean_title(lines[0])
    found = metadata_from_lines(lines)

    sections: list[Section] = [Section(None, [])]
    seen_paragraph = False
    for line in lines[1:]:
        if is_boilerplate_line(line):
            if ends_article(line) and seen_paragraph:
                break
            continue
        if clean_title(line) == title:
            continue  # the title repeated (page header, breadcrumb, comment box)
        if not seen_paragraph and _is_teaser_question(line):
            continue
        if _is_heading_line(line):
            if not seen_paragraph:
                # Lines before the first paragraph: teasers, repeated titles, breadcrumbs.
                continue
            sections.append(Section(line, []))
            continue
        seen_paragraph = True
        sections[-1].paragraphs.append(line)

    # A trailing heading with nothing under it is part of the tail (e.g. a list title).
    while sections and sections[-1].heading and not sections[-1].paragraphs:
        sections.pop()
    sections = [s for s in sections if s.paragraphs or s.heading]
    if not any(s.paragraphs for s in sections):
        raise Rejected("no paragraphs found in text dump")

    canonical = url or found.get("url")
    return Article(
        title=title,
        sections=sections,
        url=canonical,
        site=site_of(canonical),
        source=found.get("source"),
        author=found.get("author"),
        published_at=found.get("published_at"),
    )
