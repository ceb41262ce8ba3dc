"""Incremental conflict refresh (issue #7): adding, replacing, rejecting or deleting one
article recomputes only the subjects it touches, and the KB ends up with exactly the
flags a full recompute gives — whatever order the articles came in."""

from __future__ import annotations

import hashlib
import random
import sqlite3

import pytest
import sqlite_utils

from pipeline import kb
from pipeline.checks import find_conflicts
from pipeline.document import Article, Claim, Section
from pipeline.facts import extract_facts
from pipeline.process import PageResult

# Articles as lists of claims. Groups: (微粒贷, 罚息) with a majority at 万分之五 and
# dissenters, (微粒贷, 宽限期), the rule subjects 征信保留 and 诉讼时效 (no product), claims
# in two groups at once, and claims that take their product from their article.
ARTICLES: dict[str, list[str]] = {
    "a": ["微粒贷的罚息为每日万分之五。", "逾期记录会保留5年。"],
    "b": ["微粒贷逾期怎么办？", "罚息为每日万分之五。"],  # product from the article
    "c": ["微粒贷逾期罚息按日千分之一收取。", "征信不良记录保留2年。"],  # dissents twice
    "d": ["微粒贷的罚息为每日万分之五，宽限期为3天。"],  # two groups in one claim
    "e": ["微粒贷的宽限期为1天。", "民间借贷的诉讼时效为3年。"],
    "f": ["诉讼时效为2年。", "逾期记录保留5年。"],
    "g": ["微粒贷的规则。", "违约金为每日万分之三，逾期记录保留2年。"],
    "h": ["借呗的罚息是每日万分之五。", "诉讼时效为3年。"],
    "i": ["微粒贷逾期罚息按日千分之一收取。", "诉讼时效为2年。"],
}
# Replacements: the same article's facts change (a majority becomes a dissenter, a
# dissenter joins the majority, a product claim disappears so its subjects move).
REPLACEMENTS: dict[str, list[str]] = {
    "a": ["微粒贷罚息按日千分之一收取。", "逾期记录会保留2年。"],
    "c": ["微粒贷的罚息是每日万分之五。"],
    "b": ["借呗逾期怎么办？", "罚息为每日万分之五。"],
    "d": ["诉讼时效为2年。"],
}


def page(name: str, texts: list[str], version: int = 0) -> PageResult:
    """A processed page built directly (no NLP models): claims, facts, segmentation = text."""
    data = f"{name}\n{version}\n".encode() + "\n".join(texts).encode()
    claims, offset = [], 0
    for seq, text in enumerate(texts):
        claims.append(Claim(seq, text, None, offset, offset + len(text)))
        offset += len(text) + 1
    return PageResult(
        page_id=hashlib.sha256(name.encode()).hexdigest(), path=f"{name}.txt", kind="text", size=len(data),
        url=None, fetched_at=None, status="ok", article=Article(title=name, sections=[Section(None, list(texts))]),
        claims=claims, topics=[{} for _ in texts], facts=[extract_facts(t) for t in texts], flags=[],
        title_seg=name, body_seg="\u200b".join(texts), claim_segs=list(texts), context_segs=list(texts), tagger="test",
    )


def rejected(name: str) -> PageResult:
    return PageResult(page_id=hashlib.sha256(name.encode()).hexdigest(), path=f"{name}.txt", kind="text", size=1,
                      url=None, fetched_at=None, status="rejected", reason="test")


def apply(db: sqlite_utils.Database, op: tuple[str, str]) -> None:
    action, name = op
    with db.conn:
        if action == "add":
            kb.write_result(db, page(name, ARTICLES[name]))
        elif action == "replace":  # re-processed: same page id, other facts
            kb.write_result(db, page(name, REPLACEMENTS[name], version=1))
        elif action == "reject":  # re-processed and now rejected: its article goes
            kb.write_result(db, rejected(name))
        elif action == "delete":  # the file is gone
            kb.delete_page(db, hashlib.sha256(name.encode()).hexdigest())
    kb.finalize(db)


STATE = {
    "flags": "select id, claim_id, kind, detail, reference, other_claim_id from flags order by id",
    "flagged": "select id, flagged from claims order by id",
    "n_flags": "select id, n_flags from articles order by id",
    "fact_subjects": "select * from fact_subjects order by fact_id",
}


def state(db: sqlite_utils.Database) -> dict[str, list]:
    return {name: db.execute(sql).fetchall() for name, sql in STATE.items()}


def full_recompute(db: sqlite_utils.Database) -> dict[str, list]:
    """The same KB with conflicts and flag counts recomputed from scratch (on a copy)."""
    conn = sqlite3.connect(":memory:")
    db.conn.backup(conn)
    copy = sqlite_utils.Database(conn)
    with copy.conn:
        copy.execute("delete from fact_subjects")
        assert kb.refresh_conflicts(copy, None) is None
        kb.refresh_flag_counts(copy, None)
    return state(copy)


def expected_conflicts(db: sqlite_utils.Database) -> set[tuple[str, str, str]]:
    """find_conflicts over every fact of the KB, independently of kb.refresh_conflicts."""
    cursor = db.execute("""select facts.*, claims.article_id, claims.text as claim_text
                           from facts join claims on claims.id = facts.claim_id
                           order by facts.claim_id, facts.char_start, facts.id""")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
    return {(a, b, flag.detail) for a, b, flag in find_conflicts(rows)}


def operations(rng: random.Random) -> list[tuple[str, str]]:
    names = list(ARTICLES)
    rng.shuffle(names)
    ops = [("add", name) for name in names]
    later = [("replace", name) for name in REPLACEMENTS] + [("reject", rng.choice(names)), ("delete", rng.choice(names))]
    for op in later:  # interleaved with the adds, each after its article arrived
        first = ops.index(("add", op[1]))
        ops.insert(rng.randint(first + 1, len(ops)), op)
    # a rejected or deleted article may come back
    ops += [("add", name) for name in rng.sample(names, 3)]
    return ops


def check(db: sqlite_utils.Database, step: object) -> None:
    got = state(db)
    assert got == full_recompute(db), step
    conflicts = {(a, b, d) for _, a, kind, d, _, b in got["flags"] if kind == "conflict"}
    assert conflicts == expected_conflicts(db), step


@pytest.fixture
def counted(monkeypatch):
    """The KBs fully recomputed, once per full recompute (full_recompute's copies excluded)."""
    calls = []
    full = kb._all_conflicts

    def spy(db):
        calls.append(db)
        return full(db)

    monkeypatch.setattr(kb, "_all_conflicts", spy)
    return calls


@pytest.mark.parametrize("seed", range(8))
def test_one_at_a_time_equals_full_recompute(seed, counted):
    db = kb.open_kb(":memory:")
    ops = operations(random.Random(seed))
    for step, op in enumerate(ops):
        apply(db, op)
        check(db, (step, op))
    assert counted.count(db) == 1  # the first refresh stores the subjects; the rest are incremental
    assert db.execute("select count(*) from flags where kind = 'conflict'").fetchone()[0] > 0


def test_majority_and_dissenters_swap():
    """New articles turn the dissenters into the majority, deletions turn them back."""
    low, high = "微粒贷的罚息为每日万分之五。", "微粒贷逾期罚息按日千分之一收取。"
    db = kb.open_kb(":memory:")

    def step(action: str, name: str, text: str | None = None) -> set[str]:
        with db.conn:
            if action == "add":
                kb.write_result(db, page(name, [text]))
            elif action == "replace":
                kb.write_result(db, page(name, [text], version=1))
            elif action == "reject":
                kb.write_result(db, rejected(name))
            else:
                kb.delete_page(db, hashlib.sha256(name.encode()).hexdigest())
        kb.finalize(db)
        check(db, (action, name))
        return _articles_of(db, {r[0] for r in db.execute("select claim_id from flags where kind = 'conflict'")})

    step("add", "p1", low)
    step("add", "p2", low)
    assert step("add", "p3", high) == {"p3"}
    step("add", "p4", high)
    assert step("add", "p5", high) == {"p1", "p2"}  # 3 against 2: the majority moved
    step("delete", "p4")
    assert step("reject", "p5") == {"p3"}  # and back
    assert step("replace", "p2", high) == {"p1"}  # 1 against 2
    assert step("reject", "p1") == set()  # p2 and p3 agree now
    assert step("add", "p1", low) == {"p1"}


def _articles_of(db: sqlite_utils.Database, claim_ids: set[str]) -> set[str]:
    """The names (article titles) of the articles of ``claim_ids``."""
    names = set()
    for cid in claim_ids:
        row = db.execute("select articles.title from claims join articles on articles.id = claims.article_id "
                         "where claims.id = ?", [cid]).fetchone()
        names.add(row[0])
    return names


def test_unrelated_article_recomputes_nothing(counted):
    db = kb.open_kb(":memory:")
    for name in ARTICLES:
        with db.conn:
            kb.write_result(db, page(name, ARTICLES[name]))
    kb.finalize(db)
    with db.conn:
        kb.write_result(db, page("z", ["借呗的额度最高20万元。"]))
    with db.conn:
        changed = {r[0] for r in db.execute("select article_id from dedup_dirty")}
        assert kb.refresh_conflicts(db, changed) == set()
    assert counted.count(db) == 1


def test_subjects_from_other_code_are_recomputed(monkeypatch, counted):
    """A changed processor fingerprint (other subject rules) means a full recompute."""
    db = kb.open_kb(":memory:")
    for name in ("a", "c"):
        apply(db, ("add", name))
    assert counted.count(db) == 1
    monkeypatch.setattr(kb, "processor_fingerprint", lambda: "other-code")
    apply(db, ("add", "b"))
    assert counted.count(db) == 2
    check(db, "b")
    apply(db, ("add", "d"))
    assert counted.count(db) == 2


# Random articles from a bank of claims (with values that agree, disagree, state two
# forms at once, or name two products), changed at random: more ties and re-clusterings.
BANK = [
    "微粒贷的罚息为每日万分之五。", "微粒贷逾期罚息按日千分之一收取。", "罚息为每日万分之五。", "罚息为每日万分之三。",
    "逾期后罚息是合同利率上浮50%。", "微粒贷罚息为每日万分之五，即在约定利率基础上上浮50%。", "借呗的罚息是每日万分之五。",
    "借呗逾期罚息为日利率0.1%。", "微粒贷的宽限期为3天。", "微粒贷的宽限期为1天。", "微粒贷和借呗的罚息都是每日万分之五。",
    "逾期记录会保留5年。", "征信不良记录保留2年。", "诉讼时效为3年。", "诉讼时效为2年。", "民间借贷的诉讼时效为3年。",
    "微粒贷的罚息为每日万分之五，宽限期为3天。", "违约金为每日万分之三，逾期记录保留5年。", "假设罚息为每日千分之一。",
    "微粒贷逾期怎么办？", "借呗逾期怎么办？", "以前的诉讼时效是2年。",
]


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_equal_full_recompute(seed, counted):
    rng = random.Random(1000 + seed)
    db = kb.open_kb(":memory:")
    versions: dict[str, int] = {}
    for step in range(40):
        name = f"r{rng.randrange(14)}"
        action = rng.choice(["write", "write", "write", "reject", "delete"]) if name in versions else "write"
        with db.conn:
            if action == "write":  # a new article, or the same page re-processed into other claims
                versions[name] = versions.get(name, -1) + 1
                kb.write_result(db, page(name, rng.sample(BANK, rng.randint(1, 4)), versions[name]))
            elif action == "reject":
                kb.write_result(db, rejected(name))
            else:
                kb.delete_page(db, hashlib.sha256(name.encode()).hexdigest())
                del versions[name]
        if rng.random() < 0.7:  # sometimes several changes reach one refresh
            kb.finalize(db)
            check(db, (step, action, name))
    assert counted.count(db) == 1
