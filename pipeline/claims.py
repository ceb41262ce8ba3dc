"""Split an article into sentences with offsets and keep the claims.

A claim asserts a rule, fact, consequence or advice. Everything else gets a reason:

    navigation   site furniture: 上一篇…, 本文链接:…, 责任编辑:…, 相关阅读, 扫码下载…,
                 short bulleted link lines (• 省级名单揭晓,这户家庭上榜!)
    boilerplate  site notices: 版权与免责声明, 如有侵权请联系删除, 仅供参考…
    too short    fewer than MIN_CLAIM_HAN Chinese characters, not counting a speaker
                 label such as "陈绍华：" (总之。 / 首先, / 陈绍华：不感兴趣。)
    lead-in      ends with a colon, or with a reporting verb: it introduces what follows
                 (以下是详细步骤: / 分析师在接受记者采访时也表示。)
    heading      a short line without sentence punctuation (微粒贷逾期的法律风险与应对措施)
    table row    an unpunctuated line of three or more space-separated cells
    question     ends with ?, or with 吗/呢 or a question phrase such as 怎么办/是不是
                 (那么…是不是可以协商延期? / 那么逾期以后应该如何补救呢。)
    filler       talk about the article or the reader (本文将…, 期望本文…, 下面小编…, 欢迎关注…)
    duplicate    the same sentence already appeared in the article (extract_claims only)

Rules run on a simplified-script copy of the sentence (OpenCC t2s), so 本文將… and
借唄逾期了怎麼辦？ are judged like their simplified forms; claims keep the original text.
See docs/claims.md for the rules and the measured precision/recall.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from .document import Article, Claim
from .script import simplified

# --- sentence splitting ----------------------------------------------------------

# Marks that always end a sentence (outside quotes and brackets); ｡ is the half-width 。.
SENTENCE_ENDS = frozenset("。！？；｡")
# ASCII marks end a sentence only in Chinese context (not in 1.5%, www.a.cn, a.php?id=1).
ASCII_ENDS = frozenset("!?;.．")
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
PAIRS = {"《": "》", "“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "(": ")",
         "【": "】", "〈": "〉", "〔": "〕", "[": "]"}
CLOSERS = frozenset(PAIRS.values()) | {'"'}
QUOTE_CLOSERS = frozenset("”’」』\"")
# Deeper nesting than this is not prose; bounding it keeps splitting linear in the text.
MAX_NESTING = 16
# Not whitespace to str.isspace(), but invisible: never the edge of a sentence.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _latin_or_digit(ch: str) -> bool:
    """ASCII or full-width letter/digit (Han characters are alphabetic to str.isalnum)."""
    return ("0" <= ch <= "9" or "a" <= ch.lower() <= "z" or "０" <= ch <= "９"
            or "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ")


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in INVISIBLE


def _quoted(text: str) -> tuple[list[bool], set[int], set[int]]:
    """Which positions lie inside a matched pair of quotes/brackets; openers; closers.

    Only pairs closed on the same line count, so a stray 《 or " cannot swallow the
    rest of a paragraph. ASCII " opens or closes depending on what is open.
    """
    depth = [0] * (len(text) + 1)
    openers: set[int] = set()
    closers: set[int] = set()
    stack: list[tuple[str, int]] = []  # (expected closer, opener index)
    for i, ch in enumerate(text):
        if ch in LINE_BREAKS:
            stack.clear()
            continue
        closer = None
        if ch == '"':
            if any(c == '"' for c, _ in stack):
                closer = '"'
            else:
                stack.append(('"', i))
                if len(stack) > MAX_NESTING:
                    del stack[0]
                continue
        elif ch in PAIRS:
            stack.append((PAIRS[ch], i))
            if len(stack) > MAX_NESTING:  # hostile input: forget the oldest, keep it linear
                del stack[0]
            continue
        elif ch in CLOSERS:
            closer = ch
        if closer is None:
            continue
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == closer:
                start = stack[k][1]
                openers.add(start)
                closers.add(i)
                depth[start + 1] += 1
                depth[i] -= 1
                del stack[k:]
                break
    inside = []
    level = 0
    for i in range(len(text)):
        level += depth[i]
        inside.append(level > 0)
    return inside, openers, closers


def _ends_sentence(text: str, i: int) -> bool:
    ch = text[i]
    if ch in SENTENCE_ENDS:
        return True
    if ch not in ASCII_ENDS:
        return False
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch in ".．":
        # 1.5% / www.a.cn / v1.2 / an ellipsis "..." are not sentence ends.
        return not (_latin_or_digit(before) or _latin_or_digit(after) or before in ".．"
                    or after in ".．" or not before)
    # a.php?id=1 / &amp; : a mark between two Latin letters or digits belongs to them.
    return not (_latin_or_digit(before) and _latin_or_digit(after))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text``, whitespace trimmed, in order.

    Splits after 。！？； (and ASCII !?;. in Chinese context) and at line breaks, but
    not inside 《》, quotes or brackets that close on the same line; closing marks
    right after the end mark stay with their sentence, and a quote ending in 。
    (“禁止高利放贷。”) ends its sentence.

    >>> t = "罚息按每日万分之五计算。见《民法典。第680条》!利率1.5%,好"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['罚息按每日万分之五计算。', '见《民法典。第680条》!', '利率1.5%,好']
    """
    inside, openers, closers = _quoted(text)
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = i = 0
    while i < n:
        ch = text[i]
        if ch in LINE_BREAKS:
            spans.append((start, i))
            start = i + 1
        elif not inside[i] and (
            _ends_sentence(text, i)
            # “禁止高利放贷。”借款… : a quote that ends with 。 ends the sentence too.
            or (ch in QUOTE_CLOSERS and i in closers and text[i - 1] == "。")
        ):
            end = i + 1
            while end < n and (
                (text[end] in SENTENCE_ENDS or text[end] in ASCII_ENDS and not _latin_or_digit(text[end - 1]))
                or (text[end] in CLOSERS and end not in openers)
            ):
                end += 1
            spans.append((start, end))
            start = i = end
            continue
        i += 1
    spans.append((start, n))
    trimmed = []
    for s, e in spans:
        while s < e and _blank(text[s]):
            s += 1
        while e > s and _blank(text[e - 1]):
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


# --- claim or not ----------------------------------------------------------------

MIN_CLAIM_HAN = 6
HEADING_MAX_CHARS = 30
# An unpunctuated line this short is a heading even with a comma (关于网贷逾期，你需要知道这几件事).
SHORT_HEADING_MAX_CHARS = 20

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_END_MARKS = tuple("。！？；!?;.．…｡")
_CLOSING = "”’」』）)】》\"' \u3000"
_TRAILING = "".join(_END_MARKS) + _CLOSING
BULLET = re.compile(r"^[•·●○■□◆◇▪▫▶►▸※★☆]")

NAVIGATION = re.compile(
    r"^(?:上一篇|下一篇|上一页|下一页)"
    r"|^[【\[]?(?:本文链接|原文链接|原文地址|原标题|来源|文章来源|作者|责任编辑|编辑|图片来源|图源|摄影|"
    r"发布时间|更新时间|回答时间|时间|新闻热线|热线电话|关键词|标签)\s*[:：]"
    r"|^(?:本报)?记者\s*[\u4e00-\u9fff]{2,4}(?:\s+报道)?$"
    r"|^(?:新华社|中新社|中新网|人民网|央视网)[\u4e00-\u9fff\d月日]{0,12}电$"
    r"|^\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?$"
    r"|^(?:图为|图：|图:|上图|下图|左图|右图|配图|（图|\(图)"  # photo captions
    r"|^附件\s*\d*\s*[:：]"
)
# Site furniture that is only navigation when the line is short.
NAVIGATION_WORDS = re.compile(
    r"相关(?:阅读|新闻|推荐|文章|问题|链接)|热门(?:推荐|文章|标签)|精彩(?:评论|推荐|图片)|"
    r"(?:阅读|展开)全文|阅读原文|点击(?:查看|进入|咨询|下载|这里)|返回(?:首页|顶部|列表)|扫码|二维码|"
    r"下载客户端|打开APP|分享到|举报|反馈|免费咨询|觉得有帮助|采纳|收藏|点赞|评论\s*\d|\d+\s*人|"
    r"https?://|www\.|\.html?\b"
)
NAVIGATION_MAX_HAN = 14
BOILERPLATE = re.compile(
    r"^(?:特别|郑重|版权)?声明[:：]|不构成(?:任何)?(?:法律|投资|专业)?(?:意见|建议)|版权(?:与免责|所有|均属|归)|"
    r"免责声明|本网|本站|如有侵权|侵权请联系|侵删|未经授权.{0,6}(?:禁止|不得)转载|"
    r"仅供参考|不代表本(?:站|网|平台)|仅代表作者|Copyright|©|All Rights Reserved|ICP备"
)
LEAD_IN_END = ("：", ":")
# "分析师在接受记者采访时也表示。": the words follow in the next paragraph. Only a plain
# clause (no comma, no quote) and not the noun (意思表示, 司法解释, 的表示).
REPORTING_END = re.compile(r"^[^，,“”\"「」]*(?<!的)(?<!意思)(?<!作出)(?<!做出)(?:表示|指出|称|透露|坦言|说道)。?$")
QUESTION_MARKS = ("?", "？")
# Only endings that are questions whatever comes before: "…困难多少。" and "…没什么。"
# are statements, so 多少/么 are not here.
QUESTION_END = re.compile(
    r"(?:吗|呢|怎么办|如何处理|怎么处理|如何解决|怎么解决|如何应对|为什么|是什么|有哪些|"
    r"能不能|可不可以|会不会|是不是|有没有|行不行|对不对|要不要)$"
)
FILLER = re.compile(
    r"^(?:本文|本篇(?:文章)?|这篇文章|此文)(?:将|会|就|主要|从|围绕|为|给|带|来|介绍|讲解|探讨|分析|整理|总结|提供)"
    r"|^(?:期望|希望|愿)(?:本文|以上|这篇|此文|大家|读者|对|能|我们|小编)"
    r"|(?:下面|接下来|以下|下文)(?:小编|我们|就|将|让我们|为大家|给大家|为您|一起|来|重点|具体|详细)"
    r"|小编(?:就|将|会|来|为|给|带|整理|今天|也|在此)"
    r"|^今天(?:小编|我们)?就?(?:来|给|为|和|跟|带)(?:大家|您|你|各位)"
    r"|^(?:以上|上述)(?:就是|便是|是|内容|回答|信息)"
    r"|欢迎.{0,4}(?:关注|阅读|收藏|转发|留言|咨询|访问|点击|订阅)"
    r"|感谢(?:您|你|大家)?的?(?:阅读|提问|关注|支持|观看)"
    r"|(?:持续|敬请)关注|请关注|更多.{0,10}(?:请|敬请|欢迎|点击)|如有疑问|如需(?:进一步)?咨询|请点击|点击下方|下方留言|评论区"
    r"|^(?:您好|你好)[，,！!]?(?:很高兴|感谢|谢谢)"
    r"|^相信(?:很多|不少|大家|许多)"
    r"|让我们(?:一起)?来?(?:了解|看看|分析|探讨)|一起来(?:了解|看看)"
    r"|^我们将(?:持续|继续)关注"
    r"|(?:点个|记得|别忘了)(?:关注|点赞|收藏|转发|分享)|(?:收藏|点赞)(?:转发|关注|分享)"
    r"|(?:就|先)(?:分享|介绍|讲|说)?到这里|到此结束"
)
ENUMERATOR = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．)）]|"
    r"第[一二三四五六七八九十\d]+(?:步|点|条|部分|章|节|、)|方法[一二三四五六七八九十\d]|步骤[一二三四五六七八九十\d])"
)
# A speaker label ("陈绍华：", "答：") or a dateline ("湖南日报12月15日讯(记者 柳德新)")
# before the text does not make the text longer.
SPEAKER = re.compile(
    r"^[\u4e00-\u9fff]{1,6}[:：]"
    r"|^[\u4e00-\u9fffA-Za-z]{2,12}\d{1,2}月\d{1,2}日(?:电|讯|消息)\s*(?:[（(][^）)]{0,40}[）)])?"
)
SENTENCE_PUNCTUATION = re.compile(r"[，,；;。！？!?]")




def _speaker(text: str) -> str:
    match = SPEAKER.match(text)
    return match.group() if match else ""


def claim_rejection(sentence: str) -> str | None:
    """Why ``sentence`` is not a claim, or None if it is one.

    >>> claim_rejection("微粒贷逾期并非不可挽回。") is None
    True
    >>> claim_rejection("那么微粒贷逾期是不是可以协商延期?")
    'question'
    >>> claim_rejection("本文將從多個角度探討微粒貸逾期的解決方案。")
    'filler'
    """
    text = simplified(sentence.strip())
    han = len(_HAN.findall(text))
    if NAVIGATION.search(text) or (han <= NAVIGATION_MAX_HAN and NAVIGATION_WORDS.search(text)):
        return "navigation"
    if BOILERPLATE.search(text):
        return "boilerplate"
    if text.endswith(LEAD_IN_END) or REPORTING_END.search(text):
        return "lead-in"
    if han - len(_HAN.findall(_speaker(text))) < MIN_CLAIM_HAN:
        return "too short"
    if BULLET.match(text) and len(text) <= HEADING_MAX_CHARS and not text.endswith("。"):
        return "navigation"  # a link list: "• 省级名单揭晓,这户家庭上榜!"
    bare = text.rstrip(_TRAILING)
    unpunctuated = not text.rstrip(_CLOSING).endswith(_END_MARKS)
    if unpunctuated and len(text.split()) >= 3:
        return "table row"  # 不合格产品名称 商标 生产企业名称 …
    if unpunctuated and (
        len(text) <= SHORT_HEADING_MAX_CHARS
        or len(text) <= HEADING_MAX_CHARS and (ENUMERATOR.match(text) or not SENTENCE_PUNCTUATION.search(text))
    ):
        return "heading"
    trailing = text[len(bare):]
    if any(mark in trailing for mark in QUESTION_MARKS) or (
        QUESTION_END.search(bare) and not any(mark in trailing for mark in "！!")  # …都不够呢！
    ):
        return "question"
    if FILLER.search(text):
        return "filler"
    return None


# --- articles --------------------------------------------------------------------


class JudgedSentence(NamedTuple):
    """A sentence of an article body with its verdict: ``reason`` None means a claim."""

    text: str
    section: str | None
    char_start: int
    char_end: int
    reason: str | None


def iter_sentences(article: Article) -> Iterator[tuple[str, str | None, int, int]]:
    """Every sentence (claim or not) of the paragraphs, with section and body offsets."""
    for block in article.blocks():
        if block.kind != "paragraph":
            continue
        for s, e in split_sentences(block.text):
            yield block.text[s:e], block.section, block.char_start + s, block.char_start + e


def judge_sentences(article: Article) -> Iterator[JudgedSentence]:
    """Every paragraph sentence with the reason it is not a claim (None: a claim).

    A sentence seen before in the same article is a ``duplicate`` (titles repeated
    as paragraphs, syndicated boilerplate).
    """
    seen: set[str] = set()
    for text, section, start, end in iter_sentences(article):
        reason = claim_rejection(text)
        key = BULLET.sub("", text).strip()
        if reason is None and key in seen:
            reason = "duplicate"
        seen.add(key)
        yield JudgedSentence(text, section, start, end, reason)


def extract_claims(article: Article) -> list[Claim]:
    """Claims of ``article`` with offsets into ``article.body``."""
    claims: list[Claim] = []
    for sentence in judge_sentences(article):
        if sentence.reason is None:
            claims.append(
                Claim(len(claims), sentence.text, sentence.section, sentence.char_start, sentence.char_end)
            )
    return claims
