"""Near-duplicates: spun copies are caught, same-topic articles are not, clusters are
deterministic and incremental, and a claim's independent sources count a cluster once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlite_utils

from pipeline import dedup
from pipeline.ingest import ingest
from pipeline.segment import get_segmenter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from dedup_quality import build_pairs, evaluate  # noqa: E402

ORIGINAL = """微粒贷逾期能协商延期吗

来源:逾期动态 时间:2025-04-11 09:31:47

微粒贷逾期能协商延期吗

随着消费的增加和经济压力的上升，许多人可能面临贷款逾期的问题。微粒贷作为一种便捷的互联网贷款服务，因其操作简单、审批快速而受到众多用户的青睐。
微粒贷逾期后会按日收取罚息，罚息一般为正常利率的1.5倍，逾期时间越长费用越高。
用户需要了解逾期的影响，逾期超过90天一般会上报征信，因此应当尽快处理。
如果确实无力还款，可以主动联系微众银行客服说明情况，申请协商延期或者个性化分期。
协商时需要提供收入证明和困难证明，态度诚恳并提出可行的还款计划，成功率会更高。
协商成功后务必保留书面或录音凭证，避免日后产生纠纷。
"""
# What a content farm republishes: 问题→难题, 了解→熟悉, 影响→作用, 因此→于是, 用户→客户 …
SPUN = """微粒贷逾期可以协商延期吗（最新）

来源:贷款百科 时间:2025-05-02 10:00:00

随着消费的增加和经济压力的上升，众多人也许面临贷款逾期的难题。微粒贷作为一种便捷的互联网贷款服务，因其操作简单、审批快速而受到众多客户的青睐。
微粒贷逾期后会按日收取罚息，罚息通常为正常利率的1.5倍，逾期时间越长费用越高。
客户须要熟悉逾期的作用，逾期超过90天通常会上报征信，于是应当尽快应对。
倘若确实无力还款，能够积极联系微众银行客服说明情形，申请协商延期或者个性化分期。
协商时须要提供收入证明和困难证明，态度诚恳并提出可行的还款计划，成功率会更高。
"""
SAME_TOPIC = """微粒贷还不上怎么办

来源:理财之家 时间:2025-03-01 08:00:00

微粒贷是微众银行推出的小额信用贷款，借款人到期无法还款时要先弄清楚自己的处境。
首先应当在还款日前主动拨打官方客服电话，说明失业或者疾病等实际困难，争取停息挂账。
银行一般要求提交流水和医院诊断等材料，审核周期在七个工作日左右。
其次不要以贷养贷，多头借款只会让债务越滚越大，最终影响房贷车贷审批。
最后要警惕自称可以代理协商的中介，他们往往收取高额服务费却无法兑现承诺。
"""

OTHER_TOPIC = """信用卡逾期多久上征信

来源:征信百科 时间:2025-02-01 08:00:00

信用卡还款日后一般有三天左右的宽限期，宽限期内还款不会被记为逾期。
超过宽限期仍未还款的，发卡银行通常会在下一个账单日后把逾期信息报送征信中心。
不良记录自欠款还清之日起保留五年，五年后自动删除，任何机构都无权提前删除。
如果逾期是银行系统故障等非本人原因造成的，可以向征信中心提出异议申请更正。
"""


def signature_of(text: str) -> bytes:
    return dedup.signature(get_segmenter().segmented(text))


def test_content_words_fold_spinner_synonyms_and_drop_function_words():
    assert dedup.content_words(["熟悉", "逾期", "的", "作用", "，", "难题"]) == ["了解", "逾期", "影响", "问题"]


def test_spun_copy_is_similar_and_same_topic_article_is_not():
    original, spun, other = map(signature_of, (ORIGINAL, SPUN, SAME_TOPIC))
    assert dedup.similarity(original, original) == 1.0
    assert dedup.similarity(original, spun) >= dedup.THRESHOLD
    assert dedup.similarity(original, other) < 0.2


def test_minhash_values_equal_datasketch():
    """Our numpy kernel is datasketch's affine32 MinHash with crc32, without its import cost."""
    import zlib

    from datasketch import MinHash

    grams = dedup.shingles(dedup.content_words(get_segmenter().cut(ORIGINAL)))
    reference = MinHash(num_perm=dedup.NUM_PERM, seed=1, hashfunc=zlib.crc32, scheme="affine32")
    reference.update_batch(list(grams))
    assert dedup.minhash_values(grams).tolist() == reference.hashvalues.tolist()


def test_short_text_has_no_signature():
    assert signature_of("微粒贷逾期会上征信。") is None


def test_precision_and_recall_on_built_pairs():
    """Pinned floors; bench/dedup_quality.py prints the numbers (300 pairs of each kind)."""
    pairs = build_pairs(40, seed=11)
    seg = get_segmenter()
    segmented = {d.id: seg.segmented(d.body) for items in pairs.values() for pair in items for d in pair}
    result = evaluate(pairs, segmented)
    assert result["copy"]["flagged"] == result["copy"]["pairs"]
    assert result["precision"] == 1.0
    assert result["recall"] >= 0.95


@pytest.fixture
def farm(tmp_path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    # The spun copy's file sorts first and its id may be smaller: the representative is
    # still the earliest published.
    (src / "a_spun.txt").write_text(SPUN, "utf-8")
    (src / "b_original.txt").write_text(ORIGINAL, "utf-8")
    (src / "c_other.txt").write_text(SAME_TOPIC, "utf-8")
    return src


def articles(db_path) -> dict[str, tuple]:
    db = sqlite_utils.Database(db_path)
    return {r["title"]: (r["id"], r["dup_of"], r["cluster"]) for r in
            db.query("select id, title, dup_of, cluster from articles")}


def test_cluster_points_to_earliest_published(farm, tmp_path):
    db_path = tmp_path / "kb.db"
    report = ingest([str(farm)], str(db_path))
    assert report.counts["duplicates"] == 1
    rows = articles(db_path)
    original_id = rows["微粒贷逾期能协商延期吗"][0]
    assert rows["微粒贷逾期可以协商延期吗（最新）"][1:] == (original_id, original_id)
    assert rows["微粒贷逾期能协商延期吗"][1:] == (None, original_id)
    other_id = rows["微粒贷还不上怎么办"][0]
    assert rows["微粒贷还不上怎么办"][1:] == (None, other_id)


def test_independent_sources_count_a_cluster_once(farm, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(farm)], str(db_path))
    db = sqlite_utils.Database(db_path)
    # Said in the original and, spun, in its copy: two mentions, one source.
    row = next(db.query("select mentions, independent_sources from claim_sources "
                        "where text like '协商时需要提供收入证明%'"))
    assert (row["mentions"], row["independent_sources"]) == (2, 1)
    clusters = {r["copies"] for r in db.query("select copies from article_clusters")}
    assert clusters == {1, 2}


def test_removing_the_original_makes_the_copy_stand_alone(farm, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(farm)], str(db_path))
    (farm / "b_original.txt").write_text(OTHER_TOPIC, "utf-8")
    ingest([str(farm)], str(db_path))
    rows = articles(db_path)
    spun_id, dup_of, cluster = rows["微粒贷逾期可以协商延期吗（最新）"]
    assert (dup_of, cluster) == (None, spun_id)
    db = sqlite_utils.Database(db_path)
    assert db.execute("select count(*) from article_minhash").fetchone()[0] == 3
    assert db.execute("select count(*) from article_lsh where article_id not in "
                      "(select id from articles)").fetchone()[0] == 0
    assert db.execute("select count(*) from dedup_dirty").fetchone()[0] == 0
    # The statement the two copies shared is now made once, by one source.
    row = next(db.query("select mentions, independent_sources from claim_sources "
                        "where text like '协商时须要提供收入证明%'"))
    assert (row["mentions"], row["independent_sources"]) == (1, 1)
    assert db.execute("select count(*) from text_clusters where mentions = 0").fetchone()[0] == 0


def test_signatures_are_rebuilt_from_stored_text_when_parameters_change(farm, tmp_path):
    db_path = tmp_path / "kb.db"
    ingest([str(farm)], str(db_path))
    db = sqlite_utils.Database(db_path)
    with db.conn:
        db.execute("update kb_state set value = 'old' where key = 'dedup_params'")
        db.execute("delete from article_minhash")
        db.execute("update articles set dup_of = null, cluster = null")
    report = ingest([str(farm)], str(db_path))  # opening the KB rebuilds; nothing is re-processed
    assert report.counts["pages_processed"] == 0
    assert sum(dup is not None for _, dup, _ in articles(db_path).values()) == 1
