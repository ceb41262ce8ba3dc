"""Synthetic Chinese consumer-finance advice pages, for scale benchmarks and dedup tests.

    .venv/bin/python bench/corpus.py OUT --pages 10000 --format files|jsonl|warc|mixed \\
        [--copy-rate 0.05] [--spin-rate 0.05] [--seed 0]

Articles are built from phrase banks written here (products, topics, clause templates
with numbers), so two articles on the same product and topic share vocabulary and
some phrasing but not their text — like two content farms writing on 微粒贷逾期.
A share of pages are republished copies:

- **copy**: the same article under another site's template, URL and date;
- **spun**: a copy run through a "伪原创" spinner — synonyms swapped (难题 for 问题,
  熟悉 for 了解, 作用 for 影响 …, including swaps the dedup module does not know),
  a few sentences dropped, the title reworded.

Generation streams (a bounded pool of recent originals to copy from), so 100k pages
need no more memory than 10k. Everything is a pure function of ``--seed``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

PRODUCTS = ["微粒贷", "借呗", "花呗", "京东白条", "京东金条", "美团月付", "招联好期贷", "网商贷", "360借条",
            "平安普惠", "分期乐", "安逸花", "信用卡", "度小满", "拍拍贷", "小赢卡贷", "宜人贷", "捷信"]
LENDERS = {"微粒贷": "微众银行", "借呗": "蚂蚁集团", "花呗": "蚂蚁集团", "京东白条": "京东金融", "京东金条": "京东金融",
           "美团月付": "美团", "招联好期贷": "招联消费金融", "网商贷": "网商银行", "360借条": "奇富科技",
           "平安普惠": "平安集团", "分期乐": "乐信", "安逸花": "马上消费金融", "信用卡": "发卡银行",
           "度小满": "度小满金融", "拍拍贷": "信也科技", "小赢卡贷": "小赢科技", "宜人贷": "宜信", "捷信": "捷信消费金融"}
TOPICS = ["deferral", "interest", "credit", "legal"]
TOPIC_TITLES = {
    "deferral": ["{p}逾期能协商延期吗", "{p}还不上怎么协商还款", "{p}可以申请停息挂账吗", "{p}逾期了如何申请个性化分期",
                 "{p}延期还款需要什么材料"],
    "interest": ["{p}逾期罚息怎么算", "{p}逾期一天利息多少", "{p}的违约金合法吗", "{p}逾期{d}天要还多少钱",
                 "{p}利息太高可以投诉吗"],
    "credit": ["{p}逾期多久上征信", "{p}逾期{d}天会影响征信吗", "{p}逾期记录多久消除", "{p}逾期后还能贷款吗",
               "{p}征信有逾期怎么修复"],
    "legal": ["{p}逾期会被起诉吗", "{p}逾期多久会被起诉", "{p}逾期会坐牢吗", "{p}被起诉了怎么办",
              "{p}催收打电话给家人合法吗"],
}
HEADINGS = {
    "deferral": ["{p}协商延期的可能性", "协商前需要准备什么", "如何与{l}客服沟通", "协商失败怎么办", "延期还款的条件"],
    "interest": ["罚息的计算方式", "逾期费用的构成", "利率是否超过法律上限", "举例说明逾期成本", "如何减少利息支出"],
    "credit": ["上报征信的时间", "逾期记录的保留期限", "征信修复的正确方法", "对今后贷款的影响", "如何查询个人征信"],
    "legal": ["起诉的条件", "诉讼时效的规定", "催收行为的边界", "被起诉后的应对", "恶意透支的法律责任"],
}
# Clause banks: a sentence joins two clauses of its topic, so articles on the same
# topic share vocabulary and phrasing, not sentences.
CLAUSES = {
    "deferral": [
        "借款人因失业或疾病暂时无法还款时可以向{l}申请延期还款", "{p}官方并没有公开承诺一定同意协商",
        "用户需要主动联系{p}客服说明自己的实际情况", "提供收入证明和困难证明材料能提高协商成功率",
        "部分用户通过协商获得了{m}个月的个性化分期", "协商期间仍然要尽量按时偿还部分本金",
        "停息挂账一般只适用于确实有还款意愿但暂时困难的借款人", "协商成功后务必保留书面或录音凭证",
        "不要轻信所谓代理协商机构收取的高额服务费", "与客服沟通时态度要诚恳并提出可行的还款计划",
        "如果客服拒绝可以要求转接上级部门再次申请", "还款计划应当结合自己每月的收入来制定",
        "首次逾期且金额不大的情况更容易获得宽限", "银行和持牌机构通常有专门的困难客户帮扶政策",
        "协商内容最好以短信或邮件形式确认下来", "延期还款期间利息一般仍然按照合同约定计算",
        "{l}的客服热线在工作日白天比较容易接通", "申请延期之前最好先整理清楚自己名下所有的负债",
        "家庭突发变故导致收入中断属于比较常见的协商理由", "只还本金的方案需要平台审核通过才能执行",
        "协商延期不会自动撤销此前已经产生的逾期记录", "分期方案确定后一旦再次违约平台可能要求一次性结清",
        "可以先偿还一小部分欠款以表明自己的还款诚意", "拨打官方电话时要注意核实号码避免遇到冒充客服的诈骗",
        "个别地区的金融消费纠纷调解中心也能帮助双方达成和解", "协商时不要夸大困难或者提供虚假材料",
    ],
    "interest": [
        "{p}逾期后会按日收取罚息", "罚息通常为正常利率的{x}倍左右", "{p}的日利率一般在万分之{r}左右",
        "逾期{d}天的罚息大约为{a}元", "借款{a}元年化利率{y}%时一年利息约为{b}元",
        "民间借贷的利率上限为一年期贷款市场报价利率的四倍", "违约金和罚息合计不应超过法律保护的上限",
        "复利是在逾期利息的基础上再计算利息", "部分平台还会收取逾期管理费或滞纳金",
        "超过法定上限的部分借款人有权拒绝支付", "提前还款一般可以减少后续的利息支出",
        "借款合同中应当明确约定利率和各项费用", "对费用有疑问可以要求平台出具详细的费用清单",
        "年化利率超过百分之二十四的贷款需要格外警惕", "计算利息时应以实际借款本金为基数",
        "手续费和服务费也应当折算到综合年化成本之中",
        "最高人民法院的司法解释对民间借贷利率作出了明确限制", "按日计息的产品要把日利率乘以三百六十五换算成年利率",
        "等额本息还款方式的实际利率往往高于表面利率", "分期手续费看起来不高但折算成年化利率可能接近百分之十八",
        "逾期时间越长累计的罚息就越多", "还款日之前还清可以避免产生任何罚息",
        "砍头息是指放款时先扣除一部分利息的违规做法", "{a}元借款按万分之{r}的日利率计算一个月利息也不算少",
        "平台宣传的低息往往没有把会员费等费用算进去", "借款人可以通过计算器自己核对每期的还款金额",
    ],
    "credit": [
        "{p}已经接入中国人民银行征信系统", "逾期超过{d}天一般就会上报征信", "不良信用记录自欠款还清之日起保留五年",
        "征信上的逾期记录会影响房贷和车贷的审批", "个人每年可以免费查询两次信用报告",
        "所谓花钱删除征信记录的说法都是骗局", "如果征信记录有误可以向征信中心提出异议",
        "连续逾期比偶尔一次逾期对信用的影响更大", "还清欠款后继续保持良好记录可以逐步修复信用",
        "征信报告会显示逾期的金额和持续时间", "频繁申请网络贷款也会让征信报告显得花",
        "银行在审批贷款时会重点关注近两年的还款记录", "逾期记录不会因为注销账户而立即消失",
        "信用修复需要时间没有任何捷径可走", "按时偿还信用卡最低还款额可以避免产生逾期记录",
        "部分小额贷款平台的逾期同样会体现在征信报告中",
        "征信报告分为个人版和银行版两种", "查询征信可以通过中国人民银行征信中心的官方网站",
        "贷后管理查询不会对个人信用造成负面影响", "宽限期内还款的一般不会被记为逾期",
        "新版征信报告会展示最近五年的还款状态", "担保人的征信同样可能受到借款人逾期的牵连",
        "网贷审批时会查看大数据风控评分而不只是征信报告", "结清贷款后可以要求机构开具结清证明",
        "征信上的查询记录保留两年时间", "逾期后尽快还款可以减少在报告上停留的逾期月份数",
    ],
    "legal": [
        "{p}逾期后平台有权通过诉讼追讨欠款", "借贷纠纷的诉讼时效为三年", "法院判决后拒不履行可能被列为失信被执行人",
        "普通借款逾期属于民事纠纷一般不会坐牢", "信用卡恶意透支数额较大的可能构成信用卡诈骗罪",
        "催收人员不得骚扰借款人的家人和同事", "遇到暴力催收可以向银保监部门投诉或报警",
        "收到法院传票后应当按时出庭应诉", "被起诉后仍然可以与平台协商和解",
        "借款人的合法权益受到侵害时可以寻求律师帮助", "平台起诉前通常会先发送律师函",
        "欠款金额较大且长期不还的情况被起诉的概率更高", "法院强制执行可能冻结借款人的银行账户",
        "个人信息保护法禁止催收方泄露借款人的个人信息", "借款合同中约定的管辖法院应当符合法律规定",
        "被列为失信被执行人后乘坐飞机和高铁都会受到限制",
        "诉讼时效从借款到期之日起开始计算", "借款人在诉讼时效内书面承认债务会导致时效中断",
        "法院一般会先组织双方进行调解", "催收方冒充公检法人员属于违法行为",
        "平台委托的第三方催收机构同样要遵守相关规定", "借款人下落不明时法院可以公告送达",
        "判决生效后借款人应当在规定期限内履行还款义务", "民事诉讼法规定当事人有申请回避的权利",
        "贷款合同的电子签名在诉讼中同样具有法律效力", "催收短信中出现侮辱性语言可以保存截图作为证据",
    ],
}
OPENERS = ["", "", "", "一般来说，", "需要注意的是，", "实际上，", "根据我们的了解，", "从实际情况来看，", "值得一提的是，",
           "总的来说，", "另外，", "同时，"]
INTROS = [
    "在当今社会，信用消费已经成为一种普遍的生活方式，许多人可能面临贷款逾期的问题。",
    "随着网络贷款的普及，越来越多的用户开始使用{p}这样的产品。",
    "不少网友在后台留言询问{p}逾期之后应该怎么处理。",
    "很多借款人对{p}逾期的后果并不了解，因此容易陷入被动。",
]
# A spinner's synonym table: the first group mirror pipeline.dedup's folding; the
# second are swaps dedup does not know (so the evaluation is not circular).
SPIN_KNOWN = [("问题", "难题"), ("了解", "熟悉"), ("影响", "作用"), ("用户", "客户"), ("因此", "于是"),
              ("重要", "关键"), ("处理", "应对"), ("可能", "也许"), ("需要", "须要"), ("情况", "情形"),
              ("如果", "倘若"), ("但是", "不过"), ("非常", "十分"), ("避免", "防止"), ("可以", "能够"),
              ("提供", "供给"), ("主动", "积极"), ("沟通", "交流"), ("一般", "通常"), ("许多", "众多")]
SPIN_UNKNOWN = [("平台", "机构"), ("记录", "纪录"), ("申请", "请求"), ("规定", "规则"), ("材料", "资料"),
                ("计划", "方案"), ("欠款", "欠债"), ("借款人", "贷款人"), ("收取", "收缴"), ("时间", "时候"),
                ("办理", "处置"), ("费用", "花费"), ("合法", "正当"), ("按时", "准时")]
SITES = ["daikuanzhishi.com", "xinyongjia.cn", "licaibang.net", "yuqidongtai.com", "jiedaiwang.cn",
         "caijingkuaixun.com", "falvzixun.net", "zhengxinbaike.cn"]


@dataclass
class Doc:
    id: int
    title: str
    sections: list[tuple[str | None, list[str]]]
    site: str
    published_at: datetime
    relation: str = "original"  # original | copy | spun
    origin: int | None = None  # the original's id for copies
    product: str = ""
    topic: str = ""

    @property
    def url(self) -> str:
        return f"https://www.{self.site}/article/{self.id:07d}.html"

    @property
    def body(self) -> str:
        return "\n".join(x for h, ps in self.sections for x in ([h] if h else []) + ps)


def _fill(rng: random.Random, template: str, product: str) -> str:
    principal = rng.choice([1000, 2000, 5000, 8000, 10000, 20000, 50000])
    rate = rng.choice([12, 15, 18, 24, 36])
    return template.format(
        p=product, l=LENDERS[product], d=rng.choice([1, 3, 7, 15, 30, 60, 90]), m=rng.choice([3, 6, 12, 24, 36]),
        x=rng.choice(["1.3", "1.5"]), r=rng.choice(["二", "三", "四", "五"]), a=principal, y=rate,
        b=principal * rate // 100,
    )


def _sentence(rng: random.Random, clauses: list[str], product: str) -> str:
    first, second = rng.sample(clauses, 2)
    return rng.choice(OPENERS) + _fill(rng, first, product) + "，" + _fill(rng, second, product) + "。"


def original(rng: random.Random, doc_id: int, when: datetime) -> Doc:
    product, topic = rng.choice(PRODUCTS), rng.choice(TOPICS)
    title = _fill(rng, rng.choice(TOPIC_TITLES[topic]), product)
    # Each writer covers a part of what can be said: a sample of each topic's clauses.
    clauses = {t: rng.sample(bank, 8) for t, bank in CLAUSES.items()}
    intro = _fill(rng, rng.choice(INTROS), product) + _sentence(rng, clauses[topic], product)
    sections: list[tuple[str | None, list[str]]] = [(None, [intro])]
    headings = rng.sample(HEADINGS[topic], rng.randint(3, 4))
    for heading in headings:
        # Mostly on-topic, sometimes a neighbouring topic, as real articles wander.
        paragraphs = []
        for _ in range(rng.randint(2, 3)):
            t = topic if rng.random() < 0.8 else rng.choice(TOPICS)
            paragraphs.append("".join(_sentence(rng, clauses[t], product) for _ in range(rng.randint(2, 4))))
        sections.append((_fill(rng, heading, product), paragraphs))
    return Doc(doc_id, title, sections, rng.choice(SITES), when, product=product, topic=topic)


def spin_text(rng: random.Random, text: str, rate: float = 0.8, known_only: bool = False) -> str:
    """Swap synonyms the way 伪原创 tools do (each occurrence with probability ``rate``)."""
    pairs = SPIN_KNOWN if known_only else SPIN_KNOWN + SPIN_UNKNOWN
    for a, b in pairs:
        if a in text:
            parts = text.split(a)
            text = parts[0] + "".join((b if rng.random() < rate else a) + part for part in parts[1:])
    return text


def republish(rng: random.Random, doc: Doc, doc_id: int, when: datetime, spun: bool) -> Doc:
    """A copy of ``doc`` on another site; ``spun`` also rewrites words and drops sentences."""
    sections = [(h, list(ps)) for h, ps in doc.sections]
    title = doc.title
    if spun:
        title = spin_text(rng, rng.choice(["{}？", "{}，看完你就懂了", "关于{}的解答", "{}（最新）"]).format(title))
        new_sections = []
        for heading, paragraphs in sections:
            kept = []
            for paragraph in paragraphs:
                sentences = [s + "。" for s in paragraph.split("。") if s]
                sentences = [s for s in sentences if rng.random() > 0.1] or sentences[:1]
                kept.append(spin_text(rng, "".join(sentences)))
            new_sections.append((spin_text(rng, heading) if heading else None, kept))
        sections = new_sections
    site = rng.choice([s for s in SITES if s != doc.site])
    return replace(doc, id=doc_id, title=title, sections=sections, site=site, published_at=when,
                   relation="spun" if spun else "copy", origin=doc.id)


def generate(n: int, seed: int = 0, copy_rate: float = 0.05, spin_rate: float = 0.05) -> Iterator[Doc]:
    """``n`` documents; about ``copy_rate`` exact and ``spin_rate`` spun republications."""
    rng = random.Random(seed)
    recent: deque[Doc] = deque(maxlen=200)  # bounded: copies come from recent originals
    start = datetime(2024, 1, 1, 8, 0, 0)
    for i in range(n):
        when = start + timedelta(minutes=37 * i)
        roll = rng.random()
        if recent and roll < copy_rate + spin_rate:
            doc = republish(rng, rng.choice(recent), i, when, spun=roll >= copy_rate)
        else:
            doc = original(rng, i, when)
            recent.append(doc)
        yield doc


# --- rendering ---------------------------------------------------------------------------

SITE_NAV = ["首页", "贷款", "信用卡", "征信", "理财", "法律咨询", "专题"]


def render_html(doc: Doc) -> str:
    rng = random.Random(doc.id)
    nav = "".join(f'<a href="/{i}">{x}</a> ' for i, x in enumerate(SITE_NAV))
    body = []
    for heading, paragraphs in doc.sections:
        if heading:
            body.append(f"<h2>{heading}</h2>")
        body.extend(f"<p>{p}</p>" for p in paragraphs)
    related = "".join(f"<li><a href='/r{rng.randint(1, 99999)}'>{rng.choice(PRODUCTS)}逾期怎么办</a></li>"
                      for _ in range(5))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{doc.title}_{doc.site}</title></head><body>"
        f"<div class='nav'>{nav}</div><div class='main'><h1>{doc.title}</h1>"
        f"<p class='info'>时间：{doc.published_at:%Y-%m-%d %H:%M} 来源：{doc.site}</p>"
        f"{''.join(body)}<p>上一篇：{rng.choice(PRODUCTS)}逾期会怎样</p></div>"
        f"<div class='side'><h3>热门推荐</h3><ul>{related}</ul></div>"
        f"<div class='footer'>版权所有 © {doc.site} 备案号：京ICP备{rng.randint(10000000, 99999999)}号</div>"
        f"</body></html>"
    )


def render_text(doc: Doc) -> str:
    lines = [doc.title, "", f"来源:{doc.site} 时间:{doc.published_at:%Y-%m-%d %H:%M:%S}", "", doc.title, ""]
    for heading, paragraphs in doc.sections:
        if heading:
            lines += [heading, ""]
        for p in paragraphs:
            lines += [p, ""]
    lines += ["精彩评论", "", "本文链接:" + doc.url, "上一篇:花呗逾期怎么办"]
    return "\n".join(lines)


def _fetched_at(doc: Doc) -> str:
    return (doc.published_at + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_corpus(out: Path, n: int, fmt: str = "files", seed: int = 0, copy_rate: float = 0.05,
                 spin_rate: float = 0.05, per_container: int = 1000) -> dict:
    """Write ``n`` pages under ``out``; returns counts. The truth (id, relation, origin,
    url per page) goes to ``<out>.truth.tsv`` beside the folder, not inside it.

    ``files``: one .html or .txt per page (alternating) in folders of 1000;
    ``jsonl``/``warc``: containers of ``per_container`` pages; ``mixed``: a third each.
    """
    out.mkdir(parents=True, exist_ok=True)
    truth_rows = []
    jsonl = warc = None
    counts = {"pages": 0, "copy": 0, "spun": 0}
    for doc in generate(n, seed, copy_rate, spin_rate):
        counts["pages"] += 1
        counts[doc.relation] = counts.get(doc.relation, 0) + 1
        truth_rows.append(f"{doc.id}\t{doc.relation}\t{'' if doc.origin is None else doc.origin}\t{doc.url}")
        kind = fmt if fmt != "mixed" else ("files", "jsonl", "warc")[doc.id % 3]
        if kind == "files":
            folder = out / "pages" / f"{doc.id // 1000:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            if doc.id % 2:
                (folder / f"{doc.id:07d}.txt").write_text(render_text(doc), "utf-8")
            else:
                (folder / f"{doc.id:07d}.html").write_text(render_html(doc), "utf-8")
        elif kind == "jsonl":
            if jsonl is None or jsonl[1] >= per_container:
                if jsonl:
                    jsonl[0].close()
                jsonl = [open(out / f"dump-{doc.id:07d}.jsonl", "w", encoding="utf-8"), 0]
            jsonl[0].write(json.dumps({"url": doc.url, "html": render_html(doc), "fetched_at": _fetched_at(doc)},
                                      ensure_ascii=False) + "\n")
            jsonl[1] += 1
        else:
            if warc is None or warc[2] >= per_container:
                if warc:
                    warc[1].close()
                from warcio.warcwriter import WARCWriter

                stream = open(out / f"crawl-{doc.id:07d}.warc.gz", "wb")
                warc = [WARCWriter(stream, gzip=True), stream, 0]
            write_warc_record(warc[0], doc.url, render_html(doc).encode("utf-8"), _fetched_at(doc))
            warc[2] += 1
    if jsonl:
        jsonl[0].close()
    if warc:
        warc[1].close()
    (out.parent / f"{out.name}.truth.tsv").write_text("\n".join(truth_rows) + "\n", "utf-8")
    return counts


def write_warc_record(writer, url: str, payload: bytes, date: str, content_type: str = "text/html; charset=utf-8",
                      status: str = "200 OK") -> None:
    from warcio.statusandheaders import StatusAndHeaders

    http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
                            protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http,
                                       warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--format", choices=["files", "jsonl", "warc", "mixed"], default="files")
    parser.add_argument("--copy-rate", type=float, default=0.05)
    parser.add_argument("--spin-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    counts = write_corpus(args.out, args.pages, args.format, args.seed, args.copy_rate, args.spin_rate)
    print(json.dumps(counts), file=sys.stderr)


if __name__ == "__main__":
    main()
