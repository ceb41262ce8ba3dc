"""Clean plain-text dumps of pages (one line per block, as scrapers flatten them).

A dump like ``sources/000_56e66633d99debef.txt`` carries the whole page: the title
repeated, a 来源/时间 line, the article with its section headings as short lines,
then the site's tail (精彩评论, 编辑, 本文链接, 上一篇/下一篇, numbered disclaimers,
新媒体 and sidebar headline lists). We keep the article and its metadata.
"""

from __future__ import annotations

import re

from .boilerplate import is_boilerplate_line, is_end_marker
from .document import Article, Rejected, Section
from .metadata import clean_title, is_metadata_line, parse_fields, parse_published_at, site_of

# A line is a paragraph if it is long or ends like a sentence; otherwise a heading.
HEADING_MAX_CHARS = 40
SENTENCE_END = tuple("。！？!?；;…”\"」』）)")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def metadata_from_lines(lines: list[str]) -> dict[str, str]:
    """source / published_at / author / url from labelled lines (来源:, 时间:, 编辑:, 本文链接:).

    The first value of each field wins; an editor stands in for a missing author.
    """
    found: dict[str, str] = {}
    for line in lines:
        for key, value in parse_fields(line).items():
            found.setdefault(key, value)
    if "published_at" in found:
        parsed = parse_published_at(found["published_at"])
        if parsed:
            found["published_at"] = parsed
        else:
            del found["published_at"]
    if "author" not in found and "editor" in found:
        found["author"] = found["editor"]
    return found


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
        if is_end_marker(line):
            if seen_paragraph:
                break
            continue
        if is_boilerplate_line(line) or is_metadata_line(line):
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
