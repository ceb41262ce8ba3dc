"""Metadata and boilerplate line rules shared by the HTML and text-dump cleaners."""

from __future__ import annotations

import doctest

import pytest

from pipeline import boilerplate, metadata
from pipeline.boilerplate import is_boilerplate_line, is_end_marker, to_simplified
from pipeline.metadata import (
    clean_title,
    find_url,
    is_metadata_line,
    parse_fields,
    parse_published_at,
    site_of,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-04-11 09:31:47", "2025-04-11T09:31:47+08:00"),
        ("来源:逾期动态-合作伙伴 时间:2025-04-11 09:31:47", "2025-04-11T09:31:47+08:00"),
        ("2011年12月9日 18:51", "2011-12-09T18:51:00+08:00"),
        ("2011年12月09日18:51", "2011-12-09T18:51:00+08:00"),
        ("2011年12月9日", "2011-12-09"),
        ("2011-12-09", "2011-12-09"),
        ("2011/12/09", "2011-12-09"),
        ("2011.12.09 8:05", "2011-12-09T08:05:00+08:00"),
        ("2011-12-9 18:51", "2011-12-09T18:51:00+08:00"),
        ("2012/01/17 03:10", "2012-01-17T03:10:00+08:00"),
        ("2011年12月9日18时51分", "2011-12-09T18:51:00+08:00"),
        ("(2016-05-21 22:14:09)", "2016-05-21T22:14:09+08:00"),
        ("2022-03-05T08:30:00+08:00", "2022-03-05T08:30:00+08:00"),
        ("2022-03-05T00:30:00Z", "2022-03-05T00:30:00+00:00"),
        ("2022-03-05T08:30:00.123+0800", "2022-03-05T08:30:00+08:00"),
        ("20220305T083000", "2022-03-05T08:30:00+08:00"),
        ("二〇一九年九月二日", "2019-09-02"),
        ("二〇二二年十二月三十一日", "2022-12-31"),
        ("发布日期：2019-09-02 16:20:00 信息来源：某局", "2019-09-02T16:20:00+08:00"),
        # Invalid dates are skipped, a later valid one is taken.
        ("2011-02-30 或 2011-03-01", "2011-03-01"),
        ("2011-13-01", None),
        ("1899-01-01", None),
        ("第2011号文件", None),
        ("电话：010-12345678", None),
        ("", None),
    ],
)
def test_parse_published_at(text, expected):
    assert parse_published_at(text) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("来源:逾期动态-合作伙伴 时间:2025-04-11 09:31:47",
         {"source": "逾期动态-合作伙伴", "published_at": "2025-04-11 09:31:47"}),
        ("2011年12月09日 16:37  来源：新华网  作者：张建",
         {"published_at": "2011年12月09日 16:37", "source": "新华网", "author": "张建"}),
        ("编辑:逾期动态-合作伙伴", {"editor": "逾期动态-合作伙伴"}),
        ("责任编辑：王五", {"editor": "王五"}),
        ("【责任编辑：王五】", {"editor": "王五"}),
        ("（责任编辑：钱进）", {"editor": "钱进"}),
        ("本文链接:http://www.example.cn/a/1.html", {"url": "http://www.example.cn/a/1.html"}),
        ("原文地址：https://x.example/p?id=3 转载请注明", {"url": "https://x.example/p?id=3"}),
        ("来源：新华网 2011-12-09", {"source": "新华网", "published_at": "2011-12-09"}),
        ("(本文来源：中工网)", {"source": "中工网"}),
        ("上市时间：2011年10月14日", {}),
        ("來源：中央社 記者：陳大文", {"source": "中央社", "author": "陳大文"}),
        ("記者：陳怡君／台北報導　更新時間：2015/09/01 12:30",
         {"author": "陳怡君／台北報導", "published_at": "2015/09/01 12:30"}),
        ("时间：2023年7月3日 21:15 文/网友整理 编辑：刘洋 浏览：1024次",
         {"published_at": "2023年7月3日 21:15", "author": "网友整理", "editor": "刘洋"}),
        ("2011年12月9日 18:51 来源：金融知识网 作者：王喆 【字号 大 中 小】",
         {"published_at": "2011年12月9日 18:51", "source": "金融知识网", "author": "王喆"}),
        ("发布时间：2012-01-12 来源：车友财经 记者：赵堃",
         {"published_at": "2012-01-12", "source": "车友财经", "author": "赵堃"}),
        ("2021-12-10 09:00:00 点击：356", {"published_at": "2021-12-10 09:00:00"}),
        ("(2016-05-21 22:14:09)", {"published_at": "2016-05-21 22:14:09"}),
        ("借呗逾期后应尽快还款。", {}),
        ("2011年12月9日，记者来到现场。", {}),
    ],
)
def test_parse_fields(line, expected):
    assert parse_fields(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("来源：新华网 时间：2011-12-09 18:51", True),
        ("2011年12月09日 16:37  来源：新华网  【字号 大 中 小】", True),
        ("记者：张建", True),
        ("2011-12-09 18:51", True),
        ("(2016-05-21 22:14:09)", True),
        ("责任编辑：王五", True),
        ("来源：红网字号:T|T0人参与0条主评论0条评论0条总评论打印转发", True),
        ("12月9日下午，记者来到现场，发现道路已经恢复通行。", False),
        ("2011年12月9日，央行宣布下调存款准备金率0.5个百分点。", False),
        ("作者：我觉得这件事情要从三年前说起，那时候我刚刚毕业，在一家小公司上班，每个月工资只有三千元。", False),
        ("", False),
    ],
)
def test_is_metadata_line(line, expected):
    assert is_metadata_line(line) is expected


@pytest.mark.parametrize(
    "title, expected",
    [
        ("吉林境内车祸致36名香港游客受伤_财经_凤凰网", "吉林境内车祸致36名香港游客受伤"),
        ("央行发布新版征信报告_新浪财经_新浪网", "央行发布新版征信报告"),
        ("微粒贷逾期能协商延期吗 - 凤凰网", "微粒贷逾期能协商延期吗"),
        ("网贷逾期怎么办|借贷知识网", "网贷逾期怎么办"),
        ("网贷逾期怎么办 | 借贷知识网", "网贷逾期怎么办"),
        ("网贷逾期怎么办｜借贷知识网", "网贷逾期怎么办"),
        ("信用卡最低还款到底划不划算 - 理财频道 - 金融知识网", "信用卡最低还款到底划不划算"),
        ("负债累累如何上岸？五个方法-债务优化-借还网", "负债累累如何上岸？五个方法"),
        ("新华网-中国人民银行下调存款准备金率", "中国人民银行下调存款准备金率"),
        ("借呗逾期一天会怎么样-贷款知识网", "借呗逾期一天会怎么样"),
        ("惠誉：希腊终将违约 但或会有序进行", "惠誉：希腊终将违约 但或会有序进行"),
        ("主标题——副标题也是标题", "主标题——副标题也是标题"),
        ("2012-2013年度信贷政策回顾", "2012-2013年度信贷政策回顾"),
        ("首页_某网", "首页"),
        ("  借呗   还款  ", "借呗 还款"),
        ("", ""),
    ],
)
def test_clean_title(title, expected):
    assert clean_title(title) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://WWW.Example.com.cn:8080/a/1.html", "www.example.com.cn"),
        ("https://jiedai-baike.example/cuishou/1187.html", "jiedai-baike.example"),
        ("//cdn.example.cn/x", "cdn.example.cn"),
        ("/relative/path.html", None),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_site_of(url, expected):
    assert site_of(url) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("本文链接：http://www.example.cn/2024/641723.html 上一篇", "http://www.example.cn/2024/641723.html"),
        ("见 https://x.example/a?b=1。", "https://x.example/a?b=1"),
        ("没有链接", None),
    ],
)
def test_find_url(text, expected):
    assert find_url(text) == expected


@pytest.mark.parametrize(
    "line, reason",
    [
        ("上一篇:民生可以协商本金分期还吗需要注意哪些问题", "prev-next"),
        ("下一篇：欠信用卡和网贷协商还本金有什么技巧", "prev-next"),
        ("【上一篇】花呗逾期", "prev-next"),
        ("上一頁", "prev-next"),
        ("本文链接:http://www.tsxnews.example/2024falv/641723.html", "permalink"),
        ("编辑:逾期动态-合作伙伴", "editor"),
        ("（责任编辑：钱进）", "editor"),
        ("責任編輯：王小明", "editor"),
        ("版权与免责声明:", "disclaimer"),
        ("① 凡本网注明\"来源:\"的所有作品,版权均属于本网,未经本网授权不得转载。", "disclaimer"),
        ("② 凡本网注明\"来源:xxx(非本网)\"的作品,均转载自其它媒体,转载目的在于传递更多信息。", "disclaimer"),
        ("③ 如因作品内容、版权和其它问题需要同本网联系的,请在30日内进行。", "disclaimer"),
        ("声明：本文内容来源于网络，仅供参考，如有侵权请联系删除。", "disclaimer"),
        ("本網站內容屬於某公司所有，非經允許，不得轉載", "disclaimer"),
        ("Copyright © 2024 贷友资讯网 版权所有", "copyright"),
        ("京ICP备00000000号", "copyright"),
        ("精彩评论", "comments"),
        ("我要评论", "comments"),
        ("已有12人参与", "comments"),
        ("新媒体", "related"),
        ("相关阅读：", "related"),
        ("相關新聞", "related"),
        ("你可能感兴趣", "related"),
        ("分享到：微信 微博", "share"),
        ("【打印】【关闭】", "tools"),
        ("【打印本页】【关闭窗口】", "tools"),
        ("字号：大 中 小", "tools"),
        ("返回顶部", "tools"),
        ("广告", "ad"),
        ("扫一扫，关注我们的公众号", "share"),
    ],
)
def test_boilerplate_lines(line, reason):
    assert is_boilerplate_line(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "协商还款前，先准备好收入证明和还款计划。",
        "编辑部收到读者来信，询问借呗逾期后能否协商分期，我们请律师做了解答，希望对大家有帮助，下面是详细的解答过程。",
        "根据《征信业管理条例》，不良信息自不良行为终止之日起保存五年。",
        "相关新闻显示，央行已于昨日下调存款准备金率。",
        "分享经验：我是怎么还清卡债的",
        "",
    ],
)
def test_content_is_not_boilerplate(line):
    assert is_boilerplate_line(line) is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("精彩评论", True),
        ("相关新闻：", True),
        ("【相关阅读】", True),
        ("上一篇：网贷逾期怎么办", True),
        ("新媒体", True),
        ("版权与免责声明:", True),
        ("相关新闻显示，央行已于昨日下调存款准备金率。", False),
        ("推荐阅读这本书的理由有三个。", False),
        ("借呗逾期怎么办", False),
    ],
)
def test_end_markers(line, expected):
    assert is_end_marker(line) is expected


def test_to_simplified_keeps_length():
    text = "相關新聞 上一篇 責任編輯 來源 記者 時間"
    assert to_simplified(text) == "相关新闻 上一篇 责任编辑 来源 记者 时间"
    assert len(to_simplified(text)) == len(text)


@pytest.mark.parametrize("module", [metadata, boilerplate])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
