"""Metadata helpers shared by the HTML extractor and the text-dump cleaner.

Chinese article pages put their metadata in short labelled lines near the title or
the end of the body (``来源：新华网 时间：2011-12-09 18:51``, ``责任编辑：张三``,
``本文链接：http://...``) and in a ``<title>`` carrying the site's name. These helpers
read those lines the same way whichever cleaner found them.

Dates come out as ISO 8601: a date and time is assumed to be Beijing time
(``+08:00``), a bare date stays a bare date (inventing midnight would be a lie).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

from pipeline.boilerplate import to_simplified

BEIJING = "+08:00"

# 二〇一一年十二月九日: government pages write dates in Chinese numerals.
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "〇○零Ｏ一二三四五六七八九十"

_SEP = r"\s*[-/.年]\s*"
_DATE_TIME = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)" + _SEP + r"(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:T|\s|日|,|，)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d\d:?\d\d)?)?"
)
_COMPACT_ISO = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)T(?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d)?"
)
_CN_DATE = re.compile(
    rf"(?P<y>[{_CN_NUM}]{{4}})年(?P<m>[{_CN_NUM}]{{1,3}})月(?P<d>[{_CN_NUM}]{{1,3}})日"
)


def _cn_number(text: str) -> int:
    """二〇一一 -> 2011 (digit by digit); 十二 -> 12; 二十九 -> 29."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _format(y: int, m: int, d: int, hh=None, mm=None, ss=None, tz=None) -> str | None:
    try:
        if hh is None:
            return date(y, m, d).isoformat()
        stamp = datetime(y, m, d, int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None
    if tz in (None, ""):
        tz = BEIJING
    elif tz == "Z":
        tz = "+00:00"
    elif ":" not in tz:
        tz = tz[:3] + ":" + tz[3:]
    return stamp.isoformat() + tz


def parse_published_at(text: str) -> str | None:
    """The first plausible date (and time) in ``text`` as ISO 8601.

    >>> parse_published_at("来源:逾期动态-合作伙伴 时间:2025-04-11 09:31:47")
    '2025-04-11T09:31:47+08:00'
    >>> parse_published_at("2011年12月9日 18:51 来源：新华网")
    '2011-12-09T18:51:00+08:00'
    >>> parse_published_at("发布日期：2011/12/09")
    '2011-12-09'
    >>> parse_published_at("二〇一一年十二月九日")
    '2011-12-09'
    >>> parse_published_at("2011-02-30") is None
    True
    """
    if not text:
        return None
    for match in _DATE_TIME.finditer(text):
        g = match.groupdict()
        found = _format(int(g["y"]), int(g["m"]), int(g["d"]), g["H"], g["M"], g["S"], g["tz"])
        if found:
            return found
    match = _COMPACT_ISO.search(text)
    if match:
        g = match.groupdict()
        found = _format(int(g["y"]), int(g["m"]), int(g["d"]), g["H"], g["M"], g["S"])
        if found:
            return found
    match = _CN_DATE.search(text)
    if match:
        try:
            return _format(*(_cn_number(match.group(k)) for k in ("y", "m", "d")))
        except (KeyError, ValueError):
            return None
    return None


# Labels of metadata fields, longest first so 责任编辑 wins over 编辑.
FIELD_LABELS = {
    "本文链接": "url", "原文链接": "url", "本文地址": "url", "原文地址": "url",
    "本文来源": "source", "文章来源": "source", "信息来源": "source", "内容来源": "source", "新闻来源": "source", "稿件来源": "source",
    "来源": "source", "稿源": "source", "出处": "source", "来自": "source",
    "发布时间": "published_at", "发表时间": "published_at", "发布日期": "published_at",
    "更新时间": "published_at", "时间": "published_at", "日期": "published_at",
    "文章作者": "author", "作者": "author", "记者": "author", "撰文": "author", "文": "author",
    "责任编辑": "editor", "责编": "editor", "编辑": "editor", "编者": "editor",
}
_LABEL = "|".join(sorted(FIELD_LABELS, key=len, reverse=True))
_FIELD = re.compile(rf"(?<![\u4e00-\u9fff])({_LABEL})\s*[:：/／]\s*")
# Page widgets that share the metadata line: a value stops before them.
_WIDGET = re.compile(
    r"[【\[|｜]|\s(字号|字体|点击|浏览|阅读|评论|分享|打印|收藏|关闭|返回)|(?<=\S)(字号|字体)[:：]?"
)
_URL = re.compile(r"https?://[^\s\"'<>()（）]+", re.IGNORECASE)
# What may sit on a metadata line besides labelled fields: counters, font-size
# widgets, brackets.
_FILLER = re.compile(
    r"[\s\[\]【】()（）|｜/:：,，·]+|字号|字体|[大中小]|点击|浏览|阅读|评论|次数|\d+次?|人参与|条"
)


def parse_fields(line: str) -> dict[str, str]:
    """Labelled fields on one line, keyed ``source|published_at|author|editor|url``.

    A value runs to the next label. The time field also picks up a bare date that
    precedes the first label.

    >>> parse_fields("来源:逾期动态-合作伙伴 时间:2025-04-11 09:31:47")
    {'source': '逾期动态-合作伙伴', 'published_at': '2025-04-11 09:31:47'}
    >>> parse_fields("2011年12月09日 16:37  来源：新华网  作者：张建")
    {'published_at': '2011年12月09日 16:37', 'source': '新华网', 'author': '张建'}
    >>> parse_fields("【责任编辑：王五】")
    {'editor': '王五'}
    >>> parse_fields("本文链接:http://www.example.cn/a/1.html")
    {'url': 'http://www.example.cn/a/1.html'}
    >>> parse_fields("來源：中央社 記者：陳大文")
    {'source': '中央社', 'author': '陳大文'}
    >>> parse_fields("(2016-05-21 22:14:09)")
    {'published_at': '2016-05-21 22:14:09'}
    >>> parse_fields("发布日期：2019-09-02 16:20:00 信息来源：某市金融局 【字体：大 中 小】")
    {'published_at': '2019-09-02 16:20:00', 'source': '某市金融局'}
    >>> parse_fields("时间：2023年7月3日 21:15 文/网友整理 编辑：刘洋 浏览：1024次")
    {'published_at': '2023年7月3日 21:15', 'author': '网友整理', 'editor': '刘洋'}
    """
    fields: dict[str, str] = {}
    # Labels are matched on simplified text (same offsets), values read from the line.
    matches = list(_FIELD.finditer(to_simplified(line)))
    if not matches:
        stamp = _DATE_TIME.search(line)
        if stamp and _is_filler(line[: stamp.start()] + line[stamp.end() :]):
            fields["published_at"] = stamp.group(0).strip()
        return fields
    lead = line[: matches[0].start()].strip(" \t\u3000[]【】()（）|")
    if lead and parse_published_at(lead):
        fields["published_at"] = lead
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        key = FIELD_LABELS[match.group(1)]
        value = line[match.end() : end]
        if key != "url":
            widget = _WIDGET.search(value)
            if widget:
                value = value[: widget.start()]
        if key == "url":
            url = _URL.search(value)
            value = url.group(0) if url else value
        value = value.strip(" \t\u3000[]【】()（）|｜,，;；")
        if key == "published_at":
            stamp = _DATE_TIME.search(value)
            if stamp:
                value = stamp.group(0).strip()
        elif key in ("source", "author", "editor"):
            # "来源：新华网 2011-12-09": a trailing date belongs to no label.
            stamp = _DATE_TIME.search(value)
            if stamp:
                if "published_at" not in fields:
                    fields["published_at"] = stamp.group(0).strip()
                value = (value[: stamp.start()] + value[stamp.end() :]).strip()
            value = re.split(r"\s{2,}|\u3000", value)[0].strip()
        if value and key not in fields:
            fields[key] = value
    return fields


def _is_filler(text: str) -> bool:
    return len(_FILLER.sub("", text)) <= 1


def is_metadata_line(line: str, max_len: int = 120) -> bool:
    """A short line that holds metadata (labelled fields or a date) and little else.

    >>> is_metadata_line("2011年12月09日 16:37  来源：新华网  【字号 大 中 小】")
    True
    >>> is_metadata_line("记者：张建")
    True
    >>> is_metadata_line("来源：红网字号:T|T0人参与0条主评论0条评论0条总评论打印转发")
    True
    >>> is_metadata_line("12月9日下午，记者来到现场，发现道路已经恢复通行。")
    False
    """
    line = line.strip()
    if not line or len(line) > max_len:
        return False
    fields = parse_fields(line)
    if not fields:
        return False
    if list(fields) == ["published_at"] and not _FIELD.search(to_simplified(line)):
        return True  # a bare date line: parse_fields checked the rest is filler
    if not any(key in fields for key in ("source", "published_at", "url", "editor")):
        # An author label alone must be the whole line ("记者：张建"), or it may be
        # prose that quotes someone ("作者：我认为...").
        return len(line) <= 30 and "。" not in line
    return "。" not in line[-2:]


def clean_title(title: str) -> str:
    """Strip the site name and channel a ``<title>`` carries.

    >>> clean_title("吉林境内车祸致36名香港游客受伤_财经_新浪财经_新浪网")
    '吉林境内车祸致36名香港游客受伤'
    >>> clean_title("微粒贷逾期能协商延期吗 - 凤凰网")
    '微粒贷逾期能协商延期吗'
    >>> clean_title("网贷逾期怎么办|借贷知识网")
    '网贷逾期怎么办'
    >>> clean_title("惠誉：希腊终将违约 但或会有序进行")
    '惠誉：希腊终将违约 但或会有序进行'
    >>> clean_title("新华网-中国人民银行下调存款准备金率")
    '中国人民银行下调存款准备金率'
    """
    title = re.sub(r"\s+", " ", title or "").strip()
    parts = [p.strip() for p in re.split(r"\s*[_|｜]\s*|\s+[-–—－]+\s+|\s*--+\s*", title)]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        # "标题-频道-站名" or "站名-标题" without spaces: split only where the pieces
        # cut off are short site or channel names.
        pieces = [p.strip() for p in re.split(r"[-－]", title)]
        keep = len(pieces)
        while keep > 1 and (
            _looks_like_site(pieces[keep - 1]) or (keep < len(pieces) and len(pieces[keep - 1]) <= 6)
        ):
            keep -= 1
        head = "-".join(pieces[:keep])
        if keep < len(pieces) and len(head) >= 4:
            return head
        tail = "-".join(pieces[1:])
        if len(pieces) > 1 and _looks_like_site(pieces[0]) and len(tail) >= 4:
            return tail
        return parts[0]
    # The headline is the longest part (site and channel names are short), but a
    # leading part that is nearly as long wins: headlines come first.
    longest = max(parts, key=len)
    if len(parts[0]) >= 0.6 * len(longest) or len(parts[0]) >= 12:
        return parts[0]
    return longest


_SITE_SUFFIX = re.compile(r"(网|网站|频道|在线|新闻|资讯|日报|晚报|早报|时报|周刊|门户|首页|中心|平台|之家|论坛|博客|\.com|\.cn|\.net)$")


def _looks_like_site(text: str) -> bool:
    return 0 < len(text) <= 12 and bool(_SITE_SUFFIX.search(text))


def site_of(url: str | None) -> str | None:
    """The host of ``url``, lower-cased, without port.

    >>> site_of("http://WWW.Example.com.cn:8080/a/1.html")
    'www.example.com.cn'
    >>> site_of("not a url") is None
    True
    """
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host or None


def find_url(text: str) -> str | None:
    """The first http(s) URL in ``text``.

    >>> find_url("本文链接：http://www.example.cn/2024/641723.html 上一篇")
    'http://www.example.cn/2024/641723.html'
    """
    match = _URL.search(text or "")
    return match.group(0).rstrip(".,;，。；") if match else None
