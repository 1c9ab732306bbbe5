"""The shop's own policy and FAQ documents (markdown), indexed in their own Chroma collection.

Each `## section` of each file is one passage. Passages are embedded with the
catalog's embedder into a versioned `policies-*` collection (rebuilt only when
the files change) and ranked by vector similarity fused with word overlap;
word overlap alone answers when the store cannot be reached.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import PoliciesUnavailable
from retrieval import Embedder, VectorStore

__all__ = ["PolicyIndex", "PolicySection", "PolicySnippet", "read_policies"]

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "policies"
MIN_SCORE = 0.25
# Shoppers and policy writers use different words for the same things.
_SYNONYMS = {
    "shipping": "deliver",
    "ship": "deliver",
    "delivery": "deliver",
    "postage": "deliver",
    "post": "deliver",
    "courier": "deliver",
    "arrive": "deliver",
    "dispatch": "deliver",
    "send": "deliver",
    "money": "refund",
    "back": "return",
    "exchang": "exchange",
    "swap": "exchange",
    "pay": "payment",
    "paypal": "payment",
    "visa": "payment",
    "mastercard": "payment",
    "credit": "payment",
    "debit": "payment",
    "klarna": "payment",
    "open": "hour",
    "close": "hour",
    "closed": "hour",
    "time": "hour",
    "phone": "contact",
    "call": "contact",
    "email": "contact",
    "person": "staff",
    "human": "staff",
    "agent": "staff",
    "voucher": "discount",
    "coupon": "discount",
    "promo": "discount",
    "code": "discount",
    "sale": "discount",
    "wrap": "wrapping",
    "broken": "damag",
    "faulty": "damag",
    "damaged": "damag",
    "abroad": "international",
    "overseas": "international",
    "usa": "international",
    "norway": "international",
    "europe": "international",
    "duty": "international",
    "customs": "international",
    "track": "tracking",
    "where": "tracking",
    "wholesale": "trade",
    "bulk": "trade",
    "store": "showroom",
    "collect": "showroom",
    "pickup": "showroom",
    "delete": "deleting",
    "data": "privacy",
    "fast": "express",
    "faster": "express",
    "quicker": "express",
    "quickly": "express",
    "speedy": "express",
    "urgent": "express",
    "asap": "express",
    "fastest": "express",
    "quick": "express",
    "tomorrow": "express",
    "next": "express",
}
_STOP = set(
    "a an the and or of to in on for is are do does can i you we my your it this that "
    "what how when if with by at be will there any have has would could should get gets "
    "got some dont don't me our us am was were did take".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word


_PHRASES = [
    (re.compile(r"\bsend (?:it|them|this|that|things?|items?)? ?back\b"), " return "),
    (re.compile(r"\bmoney back\b"), " refund "),
    (re.compile(r"\btake (?:it|them|this|that)? ?back\b"), " return "),
    (
        re.compile(r"\bhow long (?:does|will|would) (?:it|delivery|shipping|my order)? ?take\b"),
        " deliver working days ",
    ),
    (re.compile(r"\b(?:don'?t|do not) (?:like|want) it\b"), " return "),
    (re.compile(r"\bchange my mind\b"), " return "),
    (re.compile(r"\bwhere(?:'s| is) my (?:order|parcel|package)\b"), " tracking "),
]


def _terms(text: str) -> list[str]:
    text = text.lower()
    for rx, replacement in _PHRASES:
        text = rx.sub(replacement, text)
    out = []
    for raw in re.findall(r"[a-z0-9]+", text):
        if raw in _STOP:
            continue
        word = _SYNONYMS.get(raw, raw)
        stem = _stem(word)
        out.append(_SYNONYMS.get(stem, stem))
    return out


@dataclass(frozen=True)
class PolicySection:
    """One `## heading` passage of one policy file."""

    doc: str
    title: str
    heading: str
    text: str

    @property
    def id(self) -> str:
        """Stable id: `file#heading-slug`."""
        return f"{self.doc}#{re.sub(r'[^a-z0-9]+', '-', self.heading.lower()).strip('-')}"


class PolicySnippet(BaseModel):
    """A passage that answers a question, with its score (0-1)."""

    id: str
    title: str
    heading: str
    text: str
    score: float
    similarity: float | None = None  # the passage's cosine to the question (None: words only)


# Facts a passage states by their form, and the words a shopper asks for them with: a
# passage giving "020 7946 0321" answers "what's your phone number?" and "can I ring you?".
_FACT_FORMS = (
    (re.compile(r"(?<!\d)(?:\+?\d[\d ()-]{7,}\d)(?!\d)"), "phone telephone number call ring"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"), "email address write"),
)


def _facts(text: str) -> str:
    """Words for the kinds of fact a passage states (a phone number, an email address)."""
    return " ".join(words for pattern, words in _FACT_FORMS if pattern.search(text))


def read_policies(directory: Path) -> list[PolicySection]:
    """Every `## section` of every `*.md` in `directory`, in file then document order.

    Raises:
        PoliciesUnavailable: the directory does not exist.
    """
    if not directory.is_dir():
        raise PoliciesUnavailable(f"policies directory {directory} does not exist")
    sections: list[PolicySection] = []
    for path in sorted(directory.glob("*.md")):
        title, heading = path.stem.replace("-", " ").title(), ""
        lines: list[str] = []
        for line in [*path.read_text(encoding="utf-8").splitlines(), "## "]:
            if line.startswith("# "):
                title = line[2:].strip()
            elif line.startswith("## "):
                body = " ".join(x.strip() for x in lines if x.strip())
                if body:
                    sections.append(PolicySection(path.stem, title, heading or title, body))
                heading, lines = line[3:].strip(), []
            else:
                lines.append(line)
    return sections


class PolicyIndex:
    """Search over the shop's policy passages."""

    def __init__(
        self,
        sections: Sequence[PolicySection],
        store: VectorStore | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.sections = list(sections)
        self._store = store
        self._embedder = embedder
        self._collection: str | None = None
        self._terms = [
            Counter(_terms(f"{s.heading} {s.heading} {s.title} {s.text} {_facts(s.text)}"))
            for s in sections
        ]
        df: Counter[str] = Counter()
        for terms in self._terms:
            df.update(terms.keys())
        n = max(1, len(sections))
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}

    @property
    def digest(self) -> str:
        """Hash of the passages (and the embedder): an unchanged set is not re-embedded."""
        h = hashlib.sha256(getattr(self._embedder, "name", "none").encode())
        for s in self.sections:
            h.update(f"\0{s.id}\0{s.text}".encode())
        return h.hexdigest()[:16]

    def load(self) -> None:
        """Make sure the live `policies-*` collection holds these passages (embeds when not)."""
        if self._store is None or self._embedder is None or not self.sections:
            return
        store, digest = self._store, self.digest
        live = store.live(COLLECTION_PREFIX)
        if live is not None:
            for batch in store.scan(live):
                if batch.metadatas and batch.metadatas[0].get("digest") == digest:
                    self._collection = live
                    return
                break
        name = store.new_collection(COLLECTION_PREFIX)
        vectors = self._embedder.embed_documents([f"{s.heading}\n{s.text}" for s in self.sections])
        store.add(
            name,
            [s.id for s in self.sections],
            vectors,
            [s.text for s in self.sections],
            [{"digest": digest, "doc": s.doc} for s in self.sections],
        )
        store.set_live(COLLECTION_PREFIX, name)
        self._collection = name
        for old in store.collections(COLLECTION_PREFIX)[:-2]:
            if old != name:
                store.drop(old)
        log.info("indexed %d policy passages into %s", len(self.sections), name)

    def _vector_scores(self, question: str) -> dict[str, float]:
        if self._store is None or self._embedder is None or not self.sections:
            return {}
        try:
            if self._collection is None:
                self.load()
            assert self._collection is not None
            found = self._store.query(
                self._collection, self._embedder.embed_query(question), len(self.sections)
            )
        except Exception:
            # Word overlap still answers: a policy question never fails on the store.
            log.warning("policy vector search failed; using word overlap", exc_info=True)
            return {}
        return {pid: max(0.0, score) for pid, score in found}

    def _keyword_scores(self, question: str) -> list[float]:
        # BM25 over the passages (heading words counted twice).
        query = set(_terms(question))
        lengths = [sum(t.values()) for t in self._terms]
        mean = sum(lengths) / max(1, len(lengths))
        scores = []
        for terms, length in zip(self._terms, lengths, strict=True):
            norm = 1.2 * (0.25 + 0.75 * length / mean)
            scores.append(
                sum(
                    self._idf.get(t, 0.0) * terms[t] * 2.2 / (terms[t] + norm)
                    for t in query
                    if t in terms
                )
            )
        top = max(scores, default=0.0)
        return [s / top if top > 0 else 0.0 for s in scores]

    def search(self, question: str, k: int = 2) -> list[PolicySnippet]:
        """The passages that best answer `question`, best first (empty when none fits)."""
        vec = self._vector_scores(question)
        kw = self._keyword_scores(question)
        scored = []
        for s, kw_score in zip(self.sections, kw, strict=True):
            score = 0.6 * kw_score + 0.4 * vec[s.id] if vec else kw_score
            if kw_score > 0 and score >= MIN_SCORE:
                scored.append((score, s))
        scored.sort(key=lambda x: -x[0])
        return [
            PolicySnippet(
                id=s.id,
                title=s.title,
                heading=s.heading,
                text=s.text,
                score=round(sc, 4),
                similarity=round(vec[s.id], 4) if vec else None,
            )
            for sc, s in scored[:k]
        ]
