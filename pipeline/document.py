"""The small dataclasses that cross each stage boundary.

    read    bytes          -> RawPage
    clean   RawPage        -> Article (title, metadata, sections of paragraphs)
    claims  Article        -> [Claim]
    topics  Claim text     -> {topic: TopicScore}
    facts   Claim          -> [Fact];  checks -> [Flag]

Each stage takes one of these and returns the next; nothing else is shared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterator


@dataclass
class RawPage:
    """One fetched page exactly as it arrived.

    ``path`` is where it came from (a file path, or ``file.warc.gz#record-7`` for
    crawler containers); ``kind`` says which cleaner applies: ``html`` or ``text``.
    """

    path: str
    data: bytes
    kind: str = "html"
    url: str | None = None
    fetched_at: str | None = None
    # Set by a reader that already knows the text (JSONL with a "text" field).
    text: str | None = None
    encoding: str | None = None

    @property
    def id(self) -> str:
        """Content id: sha256 of the raw bytes, so an unchanged page is recognised."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Section:
    """A heading (``None`` before the first heading) and the paragraphs under it."""

    heading: str | None
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Block:
    """One line of an article body with its offsets into ``Article.body``."""

    kind: str  # "heading" | "paragraph"
    text: str
    section: str | None
    char_start: int
    char_end: int


@dataclass
class Article:
    """The main content of a page and its metadata.

    ``body`` is derived: headings and paragraphs, one per line, in order, so claim
    offsets index into a text a person can read.
    """

    title: str
    sections: list[Section] = field(default_factory=list)
    url: str | None = None
    site: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: str | None = None
    encoding: str | None = None

    def blocks(self) -> Iterator[Block]:
        offset = 0
        first = True
        for section in self.sections:
            lines: list[tuple[str, str]] = []
            if section.heading:
                lines.append(("heading", section.heading))
            lines.extend(("paragraph", p) for p in section.paragraphs)
            for kind, text in lines:
                if not first:
                    offset += 1  # the "\n" between lines
                first = False
                yield Block(kind, text, section.heading, offset, offset + len(text))
                offset += len(text)

    @property
    def body(self) -> str:
        return "\n".join(block.text for block in self.blocks())

    @property
    def headings(self) -> list[str]:
        return [s.heading for s in self.sections if s.heading]


@dataclass
class Claim:
    """A sentence that asserts something, with offsets into its article's body."""

    seq: int
    text: str
    section: str | None
    char_start: int
    char_end: int


@dataclass
class TopicScore:
    """A topic's score for one text, whether it passed its threshold, and why."""

    topic: str
    score: float
    assigned: bool
    explanation: list[str] = field(default_factory=list)


@dataclass
class Fact:
    """A normalised number, law, product or institution found in a claim.

    Offsets are relative to the claim text.
    """

    kind: str  # rate | amount | duration | law | product | institution
    surface: str
    value: str | float | None
    unit: str | None
    char_start: int
    char_end: int
    extra: dict = field(default_factory=dict)


@dataclass
class Flag:
    """A problem found in a claim: what kind, why, and which reference it relies on."""

    kind: str  # arithmetic | outdated_law | wrong_citation | wrong_fact | conflict
    detail: str
    reference: str
    claim_seq: int | None = None
    other_claim_id: str | None = None


class Rejected(Exception):
    """A stage refuses a page; the message is the reason recorded in ``pages.reason``."""
