"""The shop's policy documents: sections, search, and their own Chroma collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import PoliciesUnavailable
from assistant.policies import PolicyIndex, read_policies
from retrieval import HashingEmbedder, RetrievalSettings, make_store
from tests.unit.assistant.conftest import POLICIES


def test_sections_are_read_per_heading() -> None:
    sections = read_policies(POLICIES)
    ids = {s.id for s in sections}
    assert {
        "shipping#uk-delivery",
        "returns#returning-an-item",
        "payment#ways-to-pay",
        "opening-hours#customer-service-hours",
    } <= ids
    with pytest.raises(PoliciesUnavailable):
        read_policies(Path("/nonexistent"))


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("How much is delivery?", "shipping#uk-delivery"),
        ("dont you have some faster delivery options?", "shipping#express-delivery"),
        ("do you ship to Norway?", "shipping#international-delivery"),
        ("Can I pay with PayPal?", "payment#ways-to-pay"),
        ("my mug arrived broken", "returns#damaged-or-faulty-items"),
        ("do you gift wrap?", "gifts#gift-wrapping"),
        ("can I talk to someone on the phone?", "opening-hours#talking-to-a-person"),
        # The passage gives a number, not the word "phone": its form says what it is.
        ("what's your phone number, I'd rather ring someone", "opening-hours#talking-to-a-person"),
    ],
)
def test_questions_find_their_passage(question: str, section: str, policies: PolicyIndex) -> None:
    assert policies.search(question)[0].id == section


def test_nothing_fits_a_question_the_documents_do_not_cover(policies: PolicyIndex) -> None:
    assert policies.search("what is the capital of Peru") == []


def test_the_collection_is_built_once_and_reused(tmp_path: Path) -> None:
    settings = RetrievalSettings(data_dir=tmp_path, embedder="hashing")
    store = make_store(settings)
    sections = read_policies(POLICIES)
    first = PolicyIndex(sections, store, HashingEmbedder())
    first.load()
    live = store.live("policies")
    assert live is not None and store.count(live) == len(sections)
    again = PolicyIndex(sections, store, HashingEmbedder())
    again.load()
    assert store.live("policies") == live  # unchanged documents are not re-embedded
    assert again.search("returns")[0].id.startswith("returns#")
    changed = PolicyIndex(sections[:-1], store, HashingEmbedder())
    changed.load()
    assert store.live("policies") != live
