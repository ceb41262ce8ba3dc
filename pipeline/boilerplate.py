"""Line rules for site boilerplate, shared by the HTML extractor and the dump cleaner.

Content-farm and portal pages wrap every article in the same furniture: previous/next
links, a permalink, editor credits, numbered copyright disclaimers, comment-box
headers, related-article and "新媒体" lists, share bars and font-size widgets. The
same rules decide for HTML blocks and for lines of a flattened text dump, so both
cleaners agree on what an article is.

``is_boilerplate_line`` says why a line is furniture (or ``None``); ``is_end_marker``
says the line starts the trailer after which no article text follows.
"""

from __future__ import annotations

import re

# Traditional -> simplified for the characters our keywords and labels use, so one set
# of rules reads pages from Taiwan and Hong Kong too. One character to one character:
# offsets into the converted text are offsets into the original.
_TRADITIONAL = (
    "關聞評論權聲責輯閱讀薦網鏈頁僅編轉載來時間記發佈號導報題標籤鍵詞錄訊類熱門歡擊點覽數讚這條與聯繫係歸於並對負屬經許製違視頻訂掃維碼註冊錯誤閉體紹圖傳遞資認證實業務電話郵稱為興區圍專態動產會員級單書壇戶總頭攝譯審處歷詢環節錢銀貸還帳賬債規則監廣請嚴謝絕貼筆週過長歲萬億瀏複選擇舉閒佔參閣欄簡剛內連結擴隱護據愛藝絡們賴紀濟財貨幣匯險稅準額優購買賣價壓積極協議償罰滯納訴訟執韓陽陰東車馬鳥魚龍風飛預紙線機構組織絲紅綠藍黃齊齡麼樣種個從後裡裏邊應該將說讓給問開學習農嗎啓啟華團園國圓氣聽見觀現場臺灣陸飯館醫藥療師鄉鎮縣憲勞職養"
)
_SIMPLIFIED = (
    "关闻评论权声责辑阅读荐网链页仅编转载来时间记发布号导报题标签键词录讯类热门欢击点览数赞这条与联系系归于并对负属经许制违视频订扫维码注册错误闭体绍图传递资认证实业务电话邮称为兴区围专态动产会员级单书坛户总头摄译审处历询环节钱银贷还账账债规则监广请严谢绝贴笔周过长岁万亿浏复选择举闲占参阁栏简刚内连结扩隐护据爱艺络们赖纪济财货币汇险税准额优购买卖价压积极协议偿罚滞纳诉讼执韩阳阴东车马鸟鱼龙风飞预纸线机构组织丝红绿蓝黄齐龄么样种个从后里里边应该将说让给问开学习农吗启启华团园国圆气听见观现场台湾陆饭馆医药疗师乡镇县宪劳职养"
)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def to_simplified(text: str) -> str:
    """Map the traditional characters of boilerplate keywords to simplified ones.

    For matching only; the result has the same length as ``text``.

    >>> to_simplified("相關新聞 上一篇 責任編輯")
    '相关新闻 上一篇 责任编辑'
    """
    return text.translate(_TO_SIMPLIFIED)

# Lines that open the trailer: nothing after them is the article.
END_MARKERS = (
    "精彩评论", "我要评论", "网友评论", "发表评论", "评论列表", "最新评论", "热门评论",
    "相关阅读", "相关文章", "相关新闻", "相关报道", "相关链接", "延伸阅读", "推荐阅读",
    "热门推荐", "猜你喜欢", "为您推荐", "你可能感兴趣", "您可能感兴趣", "热点推荐",
    "上一篇", "下一篇", "版权与免责声明", "版权声明", "免责声明", "新媒体",
)

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("prev-next", re.compile(r"^[\[【<《(（]?\s*(上一篇|下一篇|上一页|下一页|上篇|下篇|前一篇|后一篇)\s*[:：>》\]】)）]?")),
    ("permalink", re.compile(r"^[\[【(（]?\s*(本文链接|原文链接|本文地址|原文地址|本文网址|转载请注明)")),
    ("editor", re.compile(r"^[\[【(（]?\s*(责任编辑|责编|编辑|编审|校对|值班编辑)\s*[:：]")),
    ("disclaimer", re.compile(r"^[\[【]?\s*(版权与免责声明|版权声明|免责声明|特别声明|郑重声明|声明\s*[:：])")),
    ("disclaimer", re.compile(r"^\s*[①②③④⑤⑥⑦⑧⑨⑩]\s*(凡本网|凡本站|凡注明|如因作品|本网|本站)")),
    ("disclaimer", re.compile(r"(凡本网注明|凡本站注明|未经本网授权|未经本站授权|转载目的在于传递更多信息|不代表本网|不代表本站|版权归原作者|如有侵权请联系|如涉及版权)")),
    ("disclaimer", re.compile(r"(不得转载|禁止转载|谢绝转载|严禁转载|请勿转载|非经授权|不得复制)")),
    ("copyright", re.compile(r"(Copyright|All Rights Reserved|版权所有|ICP备|ICP证|©|\(c\)\s*\d{4}|网安备)", re.IGNORECASE)),
    ("comments", re.compile(r"^[\[【]?\s*(精彩评论|我要评论|网友评论|发表评论|查看评论|评论列表|最新评论|热门评论|已有\s*\d+\s*人参与|\d+\s*条评论|查看全部评论|我来说两句)")),
    ("related", re.compile(r"^[\[【]?\s*(新媒体|相关阅读|相关文章|相关新闻|相关报道|相关链接|相关推荐|相关专题|延伸阅读|推荐阅读|热门推荐|热点推荐|热门文章|最新文章|猜你喜欢|为您推荐|你可能感兴趣|您可能感兴趣|更多精彩|精彩推荐|图片推荐|热门标签|热门搜索)\s*[:：\]】]?\s*$")),
    ("share", re.compile(r"^[\[【]?\s*(分享到|分享至|转发到|一键分享|收藏本文|收藏此文)")),
    ("tools", re.compile(r"(【?\s*(打印|关闭|打印本页|关闭窗口|返回顶部|回到顶部|返回首页|收藏|纠错|推荐给好友)\s*】?\s*){2,}$")),
    ("tools", re.compile(r"^[\[【(（]?\s*(字号|字体)\s*[:：]?\s*[\[【]?\s*(大|T)\b")),
    ("tools", re.compile(r"^[\[【(（]?\s*(打印本页|关闭窗口|返回顶部|回到顶部|返回首页|返回列表|点击返回|进入论坛|进入专题)\s*[\]】)）]?$")),
    ("ad", re.compile(r"^[\[【(（]?\s*(广告|推广|赞助商链接|AD)\s*[\]】)）]?$", re.IGNORECASE)),
    ("share", re.compile(r"^(扫一扫|扫描二维码|长按识别|关注我们|关注微信|微信扫一扫).{0,30}$")),
]


_WHITESPACE_RUN = re.compile(r"\s{2,}")


def is_boilerplate_line(line: str) -> str | None:
    """The reason ``line`` is site furniture, or ``None`` if it may be content.

    >>> is_boilerplate_line("上一篇:民生可以协商本金分期还吗")
    'prev-next'
    >>> is_boilerplate_line("本文链接:http://www.example.cn/2024/1.html")
    'permalink'
    >>> is_boilerplate_line("① 凡本网注明\\"来源:\\"的所有作品,版权均属于本网")
    'disclaimer'
    >>> is_boilerplate_line("精彩评论")
    'comments'
    >>> is_boilerplate_line("新媒体")
    'related'
    >>> is_boilerplate_line("【打印】【关闭】")
    'tools'
    >>> is_boilerplate_line("协商还款前，先准备好收入证明和还款计划。") is None
    True
    """
    text = to_simplified(line.strip())
    if not text:
        return None
    # Whitespace runs collapsed for matching only: a pattern starting with ``\s*`` would
    # otherwise rescan a long run from each of its positions (quadratic on hostile lines).
    squeezed = _WHITESPACE_RUN.sub(" ", text)
    for reason, pattern in _RULES:
        if pattern.search(squeezed):
            # Prose that merely mentions a keyword is content: a footer line is short,
            # a disclaimer paragraph announces itself.
            if reason == "copyright" and len(text) > 100:
                continue
            if reason == "disclaimer" and len(text) > 200 and not text.startswith(("①", "版权", "免责", "声明")):
                continue
            if reason == "editor" and len(text) > 40:
                continue
            return reason
    return None


_END = re.compile(
    r"^[\[【]?\s*(" + "|".join(END_MARKERS) + r")\s*[:：\]】]?"
)


def is_end_marker(line: str) -> bool:
    """Whether ``line`` opens the trailer (comments, related lists, prev/next).

    >>> is_end_marker("精彩评论")
    True
    >>> is_end_marker("相关新闻：")
    True
    >>> is_end_marker("上一篇：网贷逾期怎么办")
    True
    >>> is_end_marker("相关新闻显示，央行已于昨日下调存款准备金率。")
    False
    """
    text = to_simplified(line.strip())
    match = _END.match(text)
    if not match:
        return False
    rest = text[match.end() :]
    if match.group(1) in ("上一篇", "下一篇"):
        return True
    # A marker is a heading: short, not the start of a sentence.
    return len(rest) <= 2 or rest[:1] in ":："
