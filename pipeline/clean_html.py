"""Main-content extraction for Chinese HTML pages: HTML text -> Article.

How it decides, in one pass over the tree and one over the text blocks:

1. **Linearise.** The body becomes a list of text blocks, split at block-level tags and
   ``<br>``; inline tags (``<a>``, ``<span>``, ``<strong>``) never split a block, so a
   keyword link inside a sentence stays in its paragraph. Each block remembers how
   much of its text is link text and bold, which element owns it, and whether it sits
   inside an element whose class/id names furniture (comment, related, share, nav,
   footer, ad ... in English or pinyin: words every site uses, not one site's names).
   Scripts, styles, forms and ``display:none`` elements contribute nothing.
2. **Score.** A block that reads like prose (Chinese sentence punctuation, little link
   text) adds its non-link characters; link lists, keyword lists, boilerplate lines
   and furniture subtract. An element's score is the sum over the blocks under it, so
   the best element holds the most prose and the least navigation: the article
   container. An element whose prose starts right under the headline weighs 1.5x,
   which beats a promo box elsewhere.
3. **Filter.** Inside the container, link-dense blocks, furniture, metadata lines
   (来源/时间/作者, read into the Article on the way), a repeat of the headline and the
   shared boilerplate rules (``pipeline.boilerplate``: 上一篇/下一篇, 版权声明, 精彩评论,
   本文链接 ...) are dropped. A trailer marker (精彩评论, 相关阅读, 新媒体, 编辑精选 ...)
   ends the article once most of its prose has been seen, or once prose no longer
   resumes in the paragraphs' own parent element; a label such as 相关链接 that is
   followed by prose rather than links is only a subheading. Short non-prose crumbs
   before the first and after the last prose block are trimmed.
4. **Structure.** ``<h1>``-``<h6>`` blocks, short fully-bold lines and ``一、...`` lines
   become section headings.

The headline is the heading-like block that ``<title>`` contains (``<title>`` adds the
site name); when ``<title>`` names only the site, the heading-like line just above the
first paragraph. Metadata comes from ``<meta>``/``<link>`` tags and labelled lines
(``pipeline.metadata``). Everything is a rule a reader can check; the bench
(``bench/extraction.py``) measures it against readability-lxml and trafilatura.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from pipeline.boilerplate import is_boilerplate_line, is_end_marker, to_simplified
from pipeline.decode import strip_charset_declarations
from pipeline.document import Article, Rejected, Section
from pipeline.metadata import (
    clean_title,
    find_url,
    is_metadata_line,
    parse_fields,
    parse_published_at,
    site_of,
)

# huge_tree: pages with thousands of unclosed tags nest deeper than libxml2's default
# limit, which would silently drop everything below it.
_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
)

# Tags that start a new text block.
BLOCK_TAGS = frozenset(
    "p div td th tr table tbody thead tfoot caption li ul ol dl dt dd h1 h2 h3 h4 h5 h6 "
    "blockquote section article header footer nav aside form fieldset legend center pre "
    "address figure figcaption main body html menu dir details summary".split()
)
# Tags that only break a line.
BREAK_TAGS = frozenset(("br", "hr"))
# Tags whose content is never article text.
SKIP_TAGS = frozenset(
    "script style noscript iframe select option textarea button input object embed svg "
    "canvas map template head title link meta frameset frame label audio video".split()
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
BOLD_TAGS = frozenset(("strong", "b"))
# Tags that hold navigation by construction (HTML5 pages).
NAV_TAGS = frozenset(("nav", "footer", "aside"))

# class/id words that mark furniture on any site (comments, related lists, share bars,
# ads, footers, navigation), in English and in the pinyin Chinese sites use. Matched
# per word (split on space, "_" and "-"), so "photo" never matches "hot".
_FURNITURE_WORDS = frozenset(
    "ad ads adv advert gg guanggao banner sponsor nav mainnav navigation navbar menu "
    "breadcrumb breadcrumbs crumb crumbs footer foot sidebar aside share bshare "
    "sharebar fenxiang social follow comment comments cmt pinglun reply replies "
    "related relate xiangguan xgxw xgyd recommend tuijian hot hotnews rank paihang "
    "popular copyright login toolbar pager pagination keywords tags tagcloud hotwords".split()
)
_FURNITURE_PREFIXES = (
    "comment", "pinglun", "related", "recommend", "tuijian", "share", "breadcrumb",
    "copyright", "advert", "guanggao", "paihang", "footer", "sidebar", "hotnews",
)
_WORD_SPLIT = re.compile(r"[\s_\-]+")


def _is_furniture(attrib) -> bool:
    """Whether an element's class or id names page furniture (not article text)."""
    for name in (attrib.get("class"), attrib.get("id")):
        if not name:
            continue
        for word in _WORD_SPLIT.split(name.lower()):
            if word in _FURNITURE_WORDS or (len(word) > 5 and word.startswith(_FURNITURE_PREFIXES)):
                return True
    return False


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBERED_HEADING = re.compile(r"^([一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十\d]{1,3}[章节部分条])")
_TAGS_LINE = re.compile(r"^[\[【]?\s*(标签|关键词|关键字|Tags?|TAG)\s*[:：]", re.IGNORECASE)
_CRUMBS = re.compile(r"(当前位置|您的位置|你的位置|您现在的位置|所在位置|首页\s*[>＞»/›])")
# Half-width marks count too: converted content-farm text often uses them.
_SENTENCE_PUNCT = "，。！？；,;!?"


def _is_crumb_or_tags(text: str) -> bool:
    """A breadcrumb (当前位置：首页 > ...) or a tag line (标签：...), any script."""
    simple = to_simplified(text)
    return bool(_TAGS_LINE.match(simple) or _CRUMBS.search(simple))


@dataclass(slots=True)
class Block:
    """One line of page text and what we know about where it came from."""

    text: str
    link_chars: int
    bold_chars: int
    owner: object  # the lxml element that owns the text
    tag: str  # the owner's tag
    furniture: object = None  # outermost class/id-marked furniture element around it
    value: float = 0.0
    prose: bool = False
    linky: bool = False
    boilerplate: str | None = None  # why a shared rule calls it furniture


class _Linearizer:
    """Walks the body once, emitting Blocks and each block element's block range."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.ranges: list[tuple[object, int, int]] = []
        self._buf: list[str] = []
        self._link = 0
        self._bold = 0
        self._link_chars = 0
        self._bold_chars = 0
        self._owners: list = []
        self._furniture = None
        self._entered = False

    def _add(self, text: str) -> None:
        self._buf.append(text)
        if self._link or self._bold:
            size = len(text.strip())
            if self._link:
                self._link_chars += size
            if self._bold:
                self._bold_chars += size

    def _flush(self) -> None:
        if self._buf:
            text = " ".join("".join(self._buf).split())
            if text:
                owner = self._owners[-1]
                self.blocks.append(
                    Block(
                        text,
                        min(self._link_chars, len(text)),
                        min(self._bold_chars, len(text)),
                        owner,
                        owner.tag,
                        self._furniture,
                    )
                )
            self._buf = []
        self._link_chars = 0
        self._bold_chars = 0

    def walk(self, root) -> None:
        """Emit the blocks under ``root``: iterative, so no page is too deep."""
        stack: list[tuple] = [(root, None)]
        while stack:
            el, leaving = stack.pop()
            if leaving is not None:
                self._leave(el, *leaving)
            else:
                self._enter(el, stack)
            if el is not root and el.tail and (leaving is not None or not self._entered):
                self._add(el.tail)

    def _enter(self, el, stack: list) -> None:
        """Open ``el``; push its children and its own exit onto ``stack``."""
        self._entered = False
        tag = el.tag
        if tag.__class__ is not str or tag in SKIP_TAGS:
            return
        attrib = el.attrib
        enters_furniture = False
        if attrib:
            style = attrib.get("style")
            if style and _HIDDEN_STYLE.search(style):
                return
            if "hidden" in attrib:
                return
            enters_furniture = self._furniture is None and _is_furniture(attrib)
        if tag in BREAK_TAGS:
            self._flush()
            return
        self._entered = True
        is_block = tag in BLOCK_TAGS
        if tag in NAV_TAGS and self._furniture is None:
            enters_furniture = True
        if enters_furniture:
            self._flush()
            self._furniture = el
        start = 0
        if is_block:
            self._flush()
            start = len(self.blocks)
            self._owners.append(el)
        is_link = tag == "a"
        is_bold = tag in BOLD_TAGS
        if is_link:
            self._link += 1
        if is_bold:
            self._bold += 1
        if el.text:
            self._add(el.text)
        stack.append((el, (is_block, start, enters_furniture, is_link, is_bold)))
        stack.extend((child, None) for child in reversed(el))

    def _leave(self, el, is_block: bool, start: int, enters_furniture: bool, is_link: bool, is_bold: bool) -> None:
        if is_link:
            self._link -= 1
        if is_bold:
            self._bold -= 1
        if is_block:
            self._flush()
            self._owners.pop()
            self.ranges.append((el, start, len(self.blocks)))
        if enters_furniture:
            self._flush()
            self._furniture = None


def _punctuation(text: str) -> int:
    return sum(text.count(mark) for mark in _SENTENCE_PUNCT)


def _score_block(block: Block, hints: bool = True) -> None:
    """Prose adds its non-link characters, link lists subtract their link characters.

    With ``hints``, anything inside class/id-marked furniture counts against.
    """
    _score_text(block)
    if hints and block.furniture is not None:
        block.value = -0.5 * abs(block.value)
        block.prose = False


def _score_text(block: Block) -> None:
    text = block.text
    size = len(text)
    links = block.link_chars
    block.prose = block.linky = False
    block.boilerplate = is_boilerplate_line(text)
    if links > 0.5 * size:
        if size >= 50 and _punctuation(text) >= 2:
            # A whole paragraph inside one link (a teaser that links to itself) is
            # prose; navigation and related-article titles are short.
            links = block.link_chars = 0
        else:
            block.linky = True
            block.value = -float(links)
            return
    if block.boilerplate:
        block.value = -0.5 * size
        return
    plain = size - links
    if not _CJK.search(text):
        # Footers, addresses and menus in Latin script; long English prose still counts.
        block.prose = plain >= 150 and links <= 0.2 * size and ". " in text
        block.value = 0.5 * plain if block.prose else -0.2 * plain - links
        return
    if _is_word_list(text):
        # Tag clouds and keyword lists: many short items between 、 | or spaces.
        block.value = -0.5 * size
        return
    punct = _punctuation(text)
    if (plain >= 10 and punct and links <= 0.35 * size) or (plain >= 80 and links <= 0.2 * size):
        block.prose = True
        block.value = plain - links + 10.0 * min(punct, 10)
    else:
        block.value = -0.2 * plain - links


_LIST_SEPARATORS = re.compile(r"\s*[、|｜/·•]\s*|\s+")


def _is_word_list(text: str) -> bool:
    """Many short items and no sentence: ``借呗 、 花呗 、 网贷 、 征信 ...``.

    >>> _is_word_list("借呗 、 花呗 、 网贷 、 征信 、 信用卡 、 逾期 、 协商")
    True
    >>> _is_word_list("借呗逾期后，应尽快联系客服、说明情况、争取协商还款。")
    False
    """
    if len(text) < 20:
        return False
    items = [item for item in _LIST_SEPARATORS.split(text) if item]
    if len(items) < 6:
        return False
    return len(text) / len(items) < 7 and _punctuation(text) <= 1


def _norm_title(text: str) -> str:
    """Compare headlines without spaces or full-width/half-width differences."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class _Head:
    title: str = ""
    og_title: str = ""
    canonical: str | None = None
    og_url: str | None = None
    published_at: str | None = None
    author: str | None = None
    source: str | None = None


_META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "pubdate", "publishdate",
    "publish_date", "publishtime", "og:release_date", "dc.date", "dc.date.issued",
    "date", "sailthru.date", "weibo:article:create_at", "og:time",
)


def _read_head(root) -> _Head:
    head = _Head()
    title = root.find(".//title")
    if title is not None:
        head.title = " ".join((title.xpath("string()") or "").split())
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if not key:
            continue
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if key == "og:title":
            head.og_title = " ".join(content.split())
        elif key == "og:url":
            head.og_url = content
        elif key in _META_DATE_NAMES and not head.published_at:
            head.published_at = parse_published_at(content)
        elif key in ("author", "article:author", "og:article:author") and not head.author:
            if not content.startswith("http"):
                head.author = content
        elif key in ("source", "og:article:source", "mediaid") and not head.source:
            head.source = content
    for link in root.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            head.canonical = link.get("href").strip()
            break
    return head


def _choose_title(head: _Head, blocks: list[Block]) -> tuple[str, int | None]:
    """The headline and the index of its block (None when it comes from <title>).

    A heading element whose text the page ``<title>`` starts with (or contains) is the
    headline; without one, the cleaned ``<title>``.
    """
    page_title = _norm_title(head.og_title or head.title)
    raw_title = _norm_title(head.title)
    best: tuple[int, int, int] | None = None  # (rank, length, index)
    for index, block in enumerate(blocks):
        size = len(block.text)
        if size < 4 or size > 120 or block.link_chars > 0.5 * size:
            continue
        text = _norm_title(block.text)
        if not text:
            continue
        rank = 0
        for candidate in (raw_title, page_title):
            if candidate and text in candidate:
                rank = max(rank, 3 if candidate.startswith(text) else 2)
        if not rank:
            continue
        if block.tag in HEADING_TAGS:
            rank += 2 if block.tag in ("h1", "h2") else 1
        elif block.bold_chars >= 0.8 * size:
            rank += 1
        key = (rank, len(text), -index)
        if best is None or key > best:
            best = key
    if best is not None and best[1] >= 0.4 * len(clean_title(head.title) or "x"):
        index = -best[2]
        return blocks[index].text, index
    for candidate in (head.og_title, head.title):
        cleaned = clean_title(candidate)
        if cleaned:
            return cleaned, None
    for index, block in enumerate(blocks):
        if block.tag in ("h1", "h2") and 4 <= len(block.text) <= 80:
            return block.text, index
    return "", None


# How much more an element weighs when its prose starts right under the headline.
NEAR_TITLE_BONUS = 1.5
NEAR_TITLE_BLOCKS = 12


def _best_container(lin: _Linearizer, title_index: int | None) -> tuple[object, int, int]:
    """Block range of the element whose blocks add up to the highest score.

    The headline is a strong hint: an element whose first prose block follows it
    closely outweighs a promo box elsewhere with a little more text.
    """
    blocks = lin.blocks
    prefix = [0.0]
    total = 0.0
    next_prose = [len(blocks)] * (len(blocks) + 1)
    for i, block in enumerate(blocks):
        total += block.value
        prefix.append(total)
    for i in range(len(blocks) - 1, -1, -1):
        next_prose[i] = i if blocks[i].prose else next_prose[i + 1]
    best_score = float("-inf")
    best = (None, 0, len(blocks))
    for el, start, end in lin.ranges:
        if start == end:
            continue
        score = prefix[end] - prefix[start]
        if title_index is not None and score > 0:
            first = next_prose[max(start, title_index)]
            if first < end and 0 <= first - title_index <= NEAR_TITLE_BLOCKS:
                score *= NEAR_TITLE_BONUS
        # Ties go to the smaller (inner) element: ranges are recorded inner first.
        if score > best_score:
            best_score = score
            best = (el, start, end)
    return best


def _is_heading(block: Block) -> bool:
    text = block.text
    size = len(text)
    if size > 50 or size < 2 or text[-1] in "。；;，,：:":
        return False
    if block.link_chars > 0.5 * size:
        return False
    if block.tag in HEADING_TAGS:
        return True
    if block.bold_chars >= 0.9 * size and size <= 40 and _punctuation(text) <= 1:
        return True
    return bool(_NUMBERED_HEADING.match(text)) and size <= 30 and "。" not in text


def extract_html(html: str, url: str | None = None) -> Article:
    """Extract the article from decoded HTML ``html`` fetched from ``url``.

    Raises ``Rejected`` when the page holds no article text.

    >>> page = ('<html><head><title>借呗逾期怎么办_借贷知识网</title></head><body>'
    ...         '<div class="nav"><a href="/">首页</a> <a href="/a">贷款</a></div>'
    ...         '<div><h1>借呗逾期怎么办</h1><p>时间：2024-03-01 08:00 来源：借贷知识网</p>'
    ...         '<p>借呗逾期后，应尽快联系<a href="/k">支付宝</a>客服，说明情况，争取协商还款。</p>'
    ...         '<h2>逾期的后果</h2><p>逾期会产生罚息，并可能上报征信，影响今后申请贷款。</p>'
    ...         '<p>上一篇：花呗逾期怎么办</p></div></body></html>')
    >>> article = extract_html(page)
    >>> article.title, article.source, article.published_at
    ('借呗逾期怎么办', '借贷知识网', '2024-03-01T08:00:00+08:00')
    >>> print(article.body)
    借呗逾期后，应尽快联系支付宝客服，说明情况，争取协商还款。
    逾期的后果
    逾期会产生罚息，并可能上报征信，影响今后申请贷款。
    """
    if not html or not html.strip():
        raise Rejected("empty page")
    try:
        root = etree.fromstring(strip_charset_declarations(html), _PARSER)
    except (etree.ParserError, ValueError) as error:
        raise Rejected(f"unparseable html: {error}") from None
    if root is None:
        raise Rejected("empty page")
    head = _read_head(root)
    body = root.find("body")
    lin = _Linearizer()
    lin._owners.append(root)
    lin.walk(body if body is not None else root)
    lin._flush()
    if not lin.blocks:
        raise Rejected("no main content found")
    fields: dict[str, str] = {}
    title, kept = _main_blocks(lin, head, fields, hints=True)
    if not kept:
        # The class/id hints hid everything: some site names its article "comment".
        fields.clear()
        title, kept = _main_blocks(lin, head, fields, hints=False)
    if not kept:
        raise Rejected("no main content found")
    sections: list[Section] = [Section(None, [])]
    for block in kept:
        if _is_heading(block) and not block.prose:
            sections.append(Section(block.text, []))
        else:
            sections[-1].paragraphs.append(block.text)
    sections = [s for s in sections if s.heading or s.paragraphs]
    if not any(_CJK.search(p) for s in sections for p in s.paragraphs):
        raise Rejected("no Chinese text")

    canonical = head.canonical or head.og_url or find_url(fields.get("url", ""))
    if canonical and not canonical.startswith(("http://", "https://")):
        canonical = urljoin(url, canonical) if url else None
    page_url = canonical or url
    published_at = (
        head.published_at
        or parse_published_at(fields.get("published_at", ""))
        or parse_published_at(fields.get("_late_published_at", ""))
    )
    return Article(
        title=title,
        sections=sections,
        url=page_url,
        site=site_of(page_url),
        source=fields.get("source") or head.source,
        author=fields.get("author") or head.author,
        published_at=published_at,
    )


def _main_blocks(
    lin: _Linearizer, head: _Head, fields: dict[str, str], hints: bool
) -> tuple[str, list[Block]]:
    """The headline and the article's blocks in order.

    Metadata read on the way (labelled lines, permalink) goes into ``fields``.
    """
    blocks = lin.blocks
    for block in blocks:
        _score_block(block, hints)
    title, title_index = _choose_title(head, blocks)
    container, start, end = _best_container(lin, title_index)
    if title_index is None:
        # <title> names only the site ("公共电视台 新闻网"): the headline is then the
        # heading-like line just above the first paragraph.
        found = _headline_above(blocks, start, end)
        if found is not None and (len(blocks[found].text) >= 8 or _looks_like_site_name(title)):
            title_index = found
            title = blocks[found].text
    if title_index is not None and start <= title_index < end:
        # The headline opens the container; drop it and anything above it.
        start = title_index + 1
    title_norm = _norm_title(title)
    around = set(container.iterancestors()) | {container} if container is not None else set()

    def note(new: dict[str, str]) -> None:
        for key, value in new.items():
            fields.setdefault(key, value)

    # Metadata lines between the headline and the container (or just above it).
    if title_index is not None and title_index < start:
        scan_from = title_index + 1
    else:
        scan_from = max(0, start - 8)
    for block in blocks[scan_from:start]:
        if is_metadata_line(block.text):
            note(parse_fields(block.text))

    kept: list[Block] = []
    prose_total = sum(len(b.text) for b in blocks[start:end] if b.prose)
    prose_seen = 0
    for index in range(start, end):
        block = blocks[index]
        text = block.text
        size = len(text)
        if index < start + 12 and _norm_title(text) == title_norm:
            continue
        if kept and _ends_article(blocks, index, end) and (
            prose_seen >= 0.5 * prose_total
            or (prose_seen >= 150 and not _article_goes_on(blocks, kept, index, end))
        ):
            # The trailer may still name the permalink, editor or source.
            for later in blocks[index + 1 : end + 8]:
                if later.boilerplate in ("permalink", "editor") or (
                    len(later.text) <= 120 and is_metadata_line(later.text)
                ):
                    note(parse_fields(later.text))
            break
        reason = block.boilerplate
        if reason:
            if reason in ("permalink", "editor"):
                note(parse_fields(text))
            continue
        if block.linky:
            continue
        if hints and block.furniture is not None and block.furniture not in around:
            continue
        if not block.prose and _is_crumb_or_tags(text):
            continue
        if size <= 120 and is_metadata_line(text):
            found = parse_fields(text)
            if prose_seen and "published_at" in found:
                # A date inside the article ("上市时间：...") is weaker evidence
                # than one in the header: keep it only as a fallback.
                fields.setdefault("_late_published_at", found.pop("published_at"))
            note(found)
            continue
        if block.prose:
            prose_seen += size
        kept.append(block)

    # No labelled date: a date on a short line between the headline and the first
    # paragraph ("http://www.example.cn 2012年01月17日 18:45 某某网") is still the
    # publication date.
    if "published_at" not in fields:
        first_prose = next((i for i in range(start, end) if blocks[i].prose), end)
        for block in blocks[scan_from:first_prose][:10]:
            if len(block.text) <= 150 and not block.prose:
                found = parse_published_at(block.text)
                if found:
                    fields["published_at"] = found
                    break

    # A permalink line (本文链接) often sits just below the article box.
    if "url" not in fields:
        for later in blocks[end : end + 40]:
            if later.boilerplate == "permalink":
                url = find_url(later.text)
                if url:
                    fields["url"] = url
                    break

    # Crumbs before the first and after the last prose block are page furniture.
    first = next((i for i, b in enumerate(kept) if b.prose), None)
    if first is None:
        return title, []
    last = max(i for i, b in enumerate(kept) if b.prose)
    lead = [
        b for b in kept[:first]
        if _is_heading(b) or len(b.text) >= 15 or (len(b.text) >= 6 and b.text[-1] in "：:")
    ]
    tail = [b for b in kept[last + 1 :] if len(b.text) >= 15 and b.link_chars == 0]
    return title, lead + kept[first : last + 1] + tail


def _looks_like_site_name(title: str) -> bool:
    """A <title> that names a site or channel rather than an article."""
    return len(title) <= 10 or bool(re.search(r"(网|站|频道|首页|新闻|資訊|资讯|新聞|網)$", title))


_TITLE_CLASS = re.compile(r"title|tit\b|biaoti|headline|heading|bt\b", re.IGNORECASE)


def _headline_above(blocks: list[Block], start: int, end: int) -> int | None:
    """Index of a heading-like block shortly before the container's first paragraph."""
    first = next((i for i in range(start, end) if blocks[i].prose), None)
    if first is None:
        return None
    for index in range(first - 1, max(-1, first - 7), -1):
        block = blocks[index]
        text = block.text
        size = len(text)
        if block.linky or block.boilerplate or is_metadata_line(text):
            continue
        if size < 4 or size > 80 or text[-1] in "。，；：:" or _is_crumb_or_tags(text):
            continue
        owner_class = (block.owner.get("class") or "") + " " + (block.owner.get("id") or "")
        if (
            block.tag in HEADING_TAGS
            or block.bold_chars >= 0.8 * size
            or _TITLE_CLASS.search(owner_class)
            or (block.owner.get("align") or "").lower() == "center"
        ):
            return index
    return None


# Short labels over a trailer box: 编辑精选, 最热门新闻, 本版最多浏览, 网友回应 ...
_TRAILER_HEADING = re.compile(
    r"(推荐|精选|热门|热点|排行|最多(浏览|阅读|点击|评论)|猜你|延伸|更多|评论|留言|回应|跟贴|讨论|网友|专题|图集|滚动|相关|其他|其它|调查|投票)"
)


def _paragraph_group(block: Block, shared_owners: set[int]):
    """The element that holds a paragraph and its siblings.

    A ``<p>`` is grouped by its parent; text split by ``<br>`` inside one ``<td>`` or
    ``<div>`` is grouped by that element itself.
    """
    owner = block.owner
    if id(owner) in shared_owners:
        return owner
    parent = owner.getparent()
    return parent if parent is not None else owner


def _article_goes_on(blocks: list[Block], kept: list[Block], index: int, end: int) -> bool:
    """After a trailer label early on: does prose resume in the article's own element?

    Teaser snippets under "编辑精选" read like prose but live in other boxes; a second
    part of the article (after a floating "相关新闻" box) shares the paragraphs' parent.
    """
    counts: dict[int, int] = {}
    for block in blocks[: end]:
        counts[id(block.owner)] = counts.get(id(block.owner), 0) + 1
    shared = {key for key, count in counts.items() if count >= 2}
    weight: dict[int, int] = {}
    for block in kept:
        if block.prose:
            key = id(_paragraph_group(block, shared))
            weight[key] = weight.get(key, 0) + len(block.text)
    if not weight:
        return True
    main = max(weight, key=weight.get)
    return any(
        later.prose and id(_paragraph_group(later, shared)) == main
        for later in blocks[index + 1 : end]
    )


# Trailer labels that may also head a box of article text (相关链接 over a sidebar
# story the reporter wrote): they end the article only if links follow, not prose.
_SOFT_TRAILER = re.compile(r"^[\[【]?\s*(相关|延伸|背景|链接|专题)")


def _ends_article(blocks: list[Block], index: int, end: int) -> bool:
    """A trailer marker: 精彩评论, 相关阅读, 上一篇 ... or a short trailer-box label."""
    block = blocks[index]
    text = block.text
    if is_end_marker(text):
        if not _SOFT_TRAILER.match(to_simplified(text)):
            return True
    elif block.prose or len(text) > 12 or block.linky:
        return False
    elif not _TRAILER_HEADING.search(to_simplified(text)):
        return False
    # A label, not a sentence: it ends the article if links follow rather than prose.
    prose = links = 0
    for later in blocks[index + 1 : min(end, index + 7)]:
        if later.linky or later.furniture is not None:
            links += 1
        elif later.prose:
            prose += len(later.text)
    return not (prose >= 150 and links <= 1)
