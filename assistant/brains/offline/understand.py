"""Reading one message in its conversation: intent, constraints, references, merged request.

The offline brain acts on an `Understanding`; the scripted LLM used in the
tests plans its tool calls from the same reading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.brains.offline.constraints import ConstraintUpdate, Lexicon, merge, parse
from assistant.brains.offline.intents import Intent, Signals, detect
from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.phrase import asks_for_a_product
from assistant.brains.offline.references import Reference, resolve
from assistant.guardrails import is_off_topic
from assistant.matching import stem
from assistant.matching import words as words_of
from assistant.sizes import Direction
from assistant.state import Constraints, ConversationState
from retrieval import Product

__all__ = ["Understanding", "understand"]

_GIFT_WORD = re.compile(r"\b(?:gifts?|presents?|something for)\b")
_ONLY = re.compile(r"^\W*(?:only|just)\b")
_ABOUT_AN_ORDER = re.compile(
    r"\b(?:can i|could i|how do i|how can i|do you|policy|refund|my order|i ordered|"
    r"delivery|deliver|shipping|ship|post|postage|arrive|(?:date|day) to order|order by)\b"
)

# A question about what the shop has: "what are your newest necklaces?", "which kettles
# do you have?"
_ASKS_FOR = re.compile(
    r"^\W*(?:what|which|any|got|have you|do you|are there|is there)\b|\b(?:you (?:have|got|"
    r"sell|stock|do)|have you got)\b|"
    # "..., what snacks should I pick up?"
    r"\b(?:what|which) (?:[\w-]+ ){1,3}(?:should|shall|can|could|would|do|might) (?:i|we)\b"
)

_ANY_OTHER = re.compile(r"\b(?:any|some|got|have you got) (?:other|more|different)\b")
_SAME = re.compile(r"\bsame (?:job|thing|purpose|function)\b")
# A question that goes on about the shop's answer just given ("and how long would it take to
# get there?", "what if it arrives broken?"), not about products.
_POLICY_FOLLOW_UP = re.compile(
    r"^\W*(?:(?:and|so|also|ok|okay|right)\W+)?(?:roughly |about |approximately )?"
    r"(?:how (?:long|soon|quickly|many days|many weeks)|what if|and if|is that|does that|"
    r"would that|will that|when would|when will|where do i|do i (?:need|have) to)\b"
)
_IS_QUESTION = re.compile(
    r"^\W*(?:and\s+|so\s+|also\s+)?(?:what|which|how|does|do|is|are|can|will|would|has|have|"
    r"could)\b|\?\s*$|"
    # "and the dust box, what capacity": the question after the thing it is about.
    r",\s*(?:what|which|how)\b"
)


def _about(product: Product, words: list[str]) -> bool:
    """Whether a question's words are the product's own: in its title, attributes or
    description (or no product word at all: "how long is the warranty?")."""
    if not words:
        return True
    text = " ".join([product.title, product.description, *product.attributes.values()])
    have = {stem(w) for w in words_of(text)}
    aspects = ShopperLanguage.load("en").aspects
    # Most of them: "the dust box, what capacity?" of a listing that says "dust collecting".
    own = sum(1 for w in words if stem(w) in have or w in aspects)
    return own == len(words) or (len(words) >= 3 and own * 3 >= len(words) * 2)


@dataclass
class Understanding:
    """What a message means in its conversation."""

    intent: Intent
    update: ConstraintUpdate
    reference: Reference
    constraints: Constraints
    new_topic: bool
    after_clarify: bool = False
    cheaper_than: str | None = None
    size: Direction | None = None
    free_claims: list[str] = field(default_factory=list)

    @property
    def target(self) -> str | None:
        """The one product the message is about, when it names exactly one."""
        if self.reference.ids and not self.reference.ambiguous and len(self.reference.ids) == 1:
            return self.reference.ids[0]
        return None


def understand(
    message: str, state: ConversationState, lexicon: Lexicon, known: Mapping[str, Product]
) -> Understanding:
    """Read a message against the conversation state.

    Args:
        message: the shopper's message.
        state: the conversation so far.
        lexicon: the catalog's constraint vocabulary.
        known: catalog products for the ids the state holds.
    """
    update = parse(message, lexicon)
    reference = resolve(message, state, known)
    previous = state.constraints
    active = bool(previous.query or previous.category or previous.brands)
    named_by_reference = reference.how == "name"
    signals = Signals(
        product_words=bool(update.query_words) and not named_by_reference,
        conditions=update.has_conditions(),
        reference=bool(reference.ids),
        has_shown=bool(state.shown),
        active_search=active,
        more=update.more,
        off_topic=is_off_topic(message),
        quote=update.quote,
    )
    intent = detect(message, signals)
    if intent == "unclear" and update.query_words and (update.sort or update.has_conditions()):
        intent = "find"  # "what is your cheapest mug?"
    elif intent == "unclear" and update.query_words and (update.interests or update.people):
        intent = "find"  # "my little boy loves space and rockets": what suits him
    elif intent == "unclear" and update.query_words and _ASKS_FOR.search(message.lower()):
        intent = "find"  # "what are your newest necklaces?"
    elif (
        intent in ("unclear", "product_question")
        and reference.how in ("", "all")
        and update.query_words
        and active
        and _ONLY.match(message.lower())
    ):
        intent = "refine"  # "just the irons from those", after Philips products
        reference = Reference()
    elif intent == "unclear" and update.query_words and asks_for_a_product(message):
        intent = "find"  # "... online classes, he needs headphones with a mic"
    elif intent == "unclear" and update.alternatives:
        intent = "find"  # "... maybe a lampshade or a mirror or fairy lights"
    elif intent == "unclear" and update.query_words and active and len(message.split()) <= 8:
        intent = "refine"  # "she's still a kitten", after cat food
    if (
        state.last_intent == "policy_question"
        and intent in ("find", "unclear", "refine")
        and not reference.ids
        and len(update.query_words) <= 2
        and _POLICY_FOLLOW_UP.search(message.lower())
    ):
        intent = "policy_question"  # "and roughly how long would it take?" after delivery
    if (
        intent in ("product_question", "unclear")
        and update.query_words
        and _ANY_OTHER.search(message.lower())
    ):
        # "Any other cake stands that are in stock?": more of the kind, not one of them.
        intent, reference = "find", Reference()
    if reference.how == "superlative" and intent not in ("compare", "quote"):
        intent = "product_question"
    focus = known.get(state.focus or "")
    if (
        focus is not None
        and not reference.ids
        and intent in ("policy_question", "find", "unclear")
        and _IS_QUESTION.search(message.lower())
        and _about(focus, update.query_words)
        and not _ANY_OTHER.search(message.lower())
    ):
        # "How long is the warranty?", "and what's the water tank capacity?" right after
        # one product: a question about that product, in words its listing uses.
        intent = "product_question"
        reference = Reference([focus.id], "focus")
    if (
        intent == "policy_question"
        and (update.occasions or (update.people and _GIFT_WORD.search(message.lower())))
        and not _ABOUT_AN_ORDER.search(message.lower())
    ):
        intent = "find"  # "return gifts for my son's birthday party" is a gift request
    if intent in ("unclear", "find", "recommend") and update.ideas and not update.query_words:
        # "We're going on a picnic": what suits the occasion.
        intent = "find"
    if intent == "affirm" and (state.pending or "").startswith("relax:"):
        # "Shall I drop the price limit?" - "yes".
        intent = "refine"
        update.relax.append((state.pending or "").split(":", 1)[1])
    if intent == "find" and active and _ONLY.match(message.lower()):
        intent = "refine"  # "only the butter", after Amul products
    if intent == "find" and active and update.refinement_cue and not update.names_category:
        if len(message.split()) <= 6 and not update.continuation:
            intent = "refine"
    if (
        intent in ("recommend", "unclear", "find")
        and active
        and update.sort
        and not update.query_words
        and not update.category
    ):
        intent = "refine"  # "sort them from priciest to cheapest for me", after rackets
    if (
        intent == "find"
        and active
        and update.query_words
        and all(re.fullmatch(r"\d+(?:\.\d+)?[a-z]+", w) for w in update.query_words)
    ):
        intent = "refine"  # "and 64GB or more", after memory cards: a size of those
    if state.pending == "clarify" and intent in ("unclear", "thanks"):
        intent = "recommend"
    new_topic = intent == "find" and bool(update.query_words or update.category)
    if update.reset:
        new_topic = True
    constraints = previous
    if intent in ("find", "refine", "recommend"):
        constraints = merge(update, previous, new_topic=new_topic, shown_prices=state.shown_prices)
    understood = Understanding(
        intent, update, reference, constraints, new_topic, after_clarify=state.pending == "clarify"
    )
    asked_about = reference.ids[0] if len(reference.ids) == 1 else None
    about = known.get(
        asked_about or state.focus or (state.shown[0] if len(state.shown) == 1 else "")
    )
    if (
        update.size is not None
        and about is not None
        and intent not in ("compare", "quote", "policy_question", "human")
        and not (update.names_category and not _about(about, update.query_words))
    ):
        # "1.2 litres is too small, got a bigger one?": that product in another size.
        understood.intent = "similar"
        understood.reference = Reference([about.id], reference.how if asked_about else "focus")
        understood.size = update.size
        return understood
    if (
        focus is not None
        and update.relative == "cheaper"
        and not update.query_words
        and intent in ("find", "refine", "unclear")
        and (len(state.shown) <= 1 or _SAME.search(message.lower()))
    ):
        # "Anything cheaper that does the same job?" about the one product discussed.
        understood.intent = "similar"
        understood.reference = Reference([focus.id], "focus")
        understood.cheaper_than = focus.id
    return understood
