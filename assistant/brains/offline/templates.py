"""The offline brain's wording: phrase banks that vary deterministically per conversation turn.

`Phrasebook(conversation_id, turn)` picks a variant for each phrase key from a
generator seeded by the conversation and the turn, so a replayed conversation
reads the same and consecutive turns read differently. Product facts are never
written here: they are filled in from catalog fields by the caller.
"""

from __future__ import annotations

import hashlib
import random

from assistant.grounding import format_price
from assistant.state import Constraints

__all__ = ["PHRASES", "Phrasebook", "budget", "describe_request"]

PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": (
        "Hi! I'm {shop}'s shopping assistant. I can find products, compare them, suggest gifts "
        "and answer questions about delivery, returns and payment. What are you looking for today?",
        "Hello! Welcome to {shop}. Tell me what you're after (a gift, something for the home, "
        "a budget) and I'll find some options.",
        "Hi there! I can help you find something at {shop}, or answer questions about orders "
        "and delivery. What can I do for you?",
    ),
    "identity": (
        "I'm {shop}'s automated shopping assistant: I search the catalog, compare products and "
        "answer questions about our policies. A member of staff can join if you'd like a person.",
    ),
    "thanks": (
        "You're welcome! Is there anything else I can help you find?",
        "Happy to help! Let me know if you'd like to see anything else.",
        "My pleasure. Anything else you're looking for?",
    ),
    "affirm": (
        "Great! What can I find for you?",
        "Lovely. Tell me what you're looking for and I'll find some options.",
    ),
    "affirm_shown": (
        'Great! Tell me which one you\'d like to know more about ("the first one", say), or '
        "ask me to narrow them down.",
        "Good. Want details on one of them, or shall I narrow them down?",
    ),
    "deny": (
        "No problem. Is there anything else I can help you with?",
        "Okay! Let me know if there's anything else you'd like to find.",
    ),
    "goodbye": (
        "Thanks for visiting {shop}. Have a lovely day!",
        "Bye for now, and happy shopping!",
    ),
    "off_topic": (
        "I can only help with shopping at {shop}: products, gifts, delivery, returns and payment. "
        "Is there something I can find for you?",
        "That's outside what I can help with here, I'm afraid. I can find products or answer "
        "questions about orders and delivery at {shop}.",
    ),
    "refuse_probe": (
        "I can't share how I'm set up, but I'm happy to help you shop. What are you looking for?",
    ),
    "refuse_privacy": (
        "I can't share anything about other shoppers or their orders. I can show you what's "
        "popular, or what people often buy together with a product.",
    ),
    "refuse_injection": ("I can only help with shopping at {shop}. What would you like to find?",),
    "too_long": (
        "That message is too long for me (the limit is {limit} characters). Could you "
        "shorten it to the main thing you're looking for?",
    ),
    "empty": ("What can I help you find today?",),
    "human": (
        "Of course. I've asked a member of our team to join this chat; they'll be with you as "
        "soon as they can. In the meantime I'm happy to keep helping.",
        "No problem, I've let our team know you'd like to talk to a person. Someone will join "
        "this chat shortly.",
    ),
    "clarify_find": (
        "Happy to help! What kind of thing are you after? For example {examples}. A budget "
        "helps too.",
        "Sure! Who is it for, or what sort of thing: {examples}? And roughly what budget?",
    ),
    "unclear": (
        "Sorry, I didn't quite catch that. Are you looking for a product, or do you have a "
        "question about delivery, returns or payment?",
        "I'm not sure I understood. Could you tell me what you're looking for?",
    ),
    "results_intro": (
        "Here's what I found for {what}:",
        "Some options for {what}:",
        "These match {what}:",
        "Take a look at these for {what}:",
    ),
    "more_intro": (
        "Here are a few more for {what}:",
        "Some more options for {what}:",
    ),
    "results_outro": (
        "Would you like them cheaper, in another colour, or more about one of them?",
        "Shall I narrow these down, or tell you more about one?",
        "Want me to compare a couple of them, or show something similar?",
    ),
    "not_carried": (
        'Sorry, {shop} doesn\'t sell anything like "{what}".',
        "I'm afraid we don't carry anything like \"{what}\" at {shop}.",
    ),
    "alternatives_intro": (
        "The closest things we have are:",
        "These are the nearest alternatives in the catalog:",
    ),
    "partial_intro": (
        "I couldn't find anything described as {missing}, but here's what I have for {what}:",
    ),
    "currency": ("Our prices are in {currency}, so I've taken that as {amount}.",),
    "partial_match": (
        "I couldn't find anything that matches all of {what}; these come closest:",
        "Nothing matches {what} exactly, but these are close:",
    ),
    "no_results": (
        "I couldn't find anything for {what}. Would you like me to relax {relax}?",
        "Nothing matches {what} at the moment. Shall I drop {relax}?",
    ),
    "none_cheaper": (
        "There's nothing cheaper than {price} that matches. The cheapest I showed is the {title}.",
    ),
    "none_pricier": ("I couldn't find anything pricier than {price} that matches.",),
    "catalog_down": ("Sorry, I can't reach the catalog right now. Please try again in a moment.",),
    "which_one": (
        "Which one do you mean? {options}",
        "Just to check, which one: {options}",
    ),
    "nothing_shown": (
        "Which product do you mean? Tell me its name, or ask me to find something first.",
    ),
    "compare_intro": ("Here's how they compare:", "Side by side:"),
    "compare_need_two": (
        "Which products should I compare? Name two, or ask me to find some first.",
    ),
    "recommend_user": (
        "Based on what you've bought before, you might like these:",
        "Here are some picks based on your past orders:",
    ),
    "recommend_session": (
        "Based on what you've looked at, you might like these:",
        "Going by what you've been browsing, here are some ideas:",
    ),
    "recommend_popular": (
        "Here are some of our most popular products:",
        "These are popular with our shoppers right now:",
    ),
    "recommend_degraded": (
        "I can't get personal picks right now, so here are some products from the catalog:",
    ),
    "similar_intro": (
        "Here are some products like the {title}:",
        "If you like the {title}, you might also like:",
    ),
    "together_intro": (
        "Shoppers who bought the {title} often also bought:",
        "These are often bought together with the {title}:",
    ),
    "together_degraded": (
        "I don't have purchase data for the {title}, so here are products from the shelves "
        "next to it:",
    ),
    "no_similar": ("I couldn't find anything close to the {title}.",),
    "bigger_intro": ("The same kind of thing as the {title}, in the next sizes up:",),
    "smaller_intro": ("The same kind of thing as the {title}, in the next sizes down:",),
    "no_bigger": ("I couldn't find a bigger size of the {title}: its size is the largest I have.",),
    "no_size": (
        "The {title}'s listing doesn't state its size, so I can't tell which products are "
        "bigger or smaller. Shall I show similar products instead?",
    ),
    "no_smaller": (
        "I couldn't find a smaller size of the {title}: its size is the smallest I have.",
    ),
    "policy_intro": (
        "Here's what our {title} page says:",
        "From our {title} information:",
    ),
    "policy_none": (
        "I don't have information about that. A member of staff can help: just ask to talk "
        "to a person.",
    ),
    "policy_down": (
        "I can't look up our policies right now. Please try again shortly, or ask to talk to "
        "a person.",
    ),
    "unknown_detail": (
        "The catalog doesn't say {aspect} for the {title}.",
        "I don't have {aspect} information for the {title}, I'm afraid.",
    ),
    "not_in_listing": (
        "The listing for the {title} doesn't mention {thing}.",
        "The {title}'s listing doesn't say anything about {thing}.",
    ),
    "no_pictures": (
        "I can't send pictures in the chat, but the {title} has its own page with photos: {url}",
    ),
    "purchase": (
        "I can't place orders from the chat, but you can add the {title} to your basket from "
        "its page: {url}",
    ),
    "purchase_none": (
        "I can't place orders from the chat, but every product has an add-to-basket button on "
        "its page. Which product are you after?",
    ),
    "no_ratings": ("The {title} has no customer ratings yet.",),
    "fallback_bridge": (" Sorry, let me put that another way. ",),
}


class Phrasebook:
    """Picks phrase variants, seeded by the conversation id and the turn number."""

    def __init__(self, conversation_id: str, turn: int) -> None:
        digest = hashlib.sha256(f"{conversation_id}:{turn}".encode()).digest()
        self._rng = random.Random(int.from_bytes(digest[:8], "big"))

    def say(self, key: str, **values: object) -> str:
        """A variant of phrase `key` with `values` filled in."""
        return self._rng.choice(PHRASES[key]).format(**values)

    def pick(self, options: list[str], n: int) -> list[str]:
        """`n` of `options`, in a seeded order."""
        pool = list(options)
        self._rng.shuffle(pool)
        return pool[:n]


def budget(amount: float, currency: str) -> str:
    """A budget as people say it: `£5`, `£7.50`."""
    text = format_price(amount, currency)
    return text[:-3] if text.endswith(".00") else text


def describe_request(c: Constraints, currency: str, relative: str | None = None) -> str:
    """The shopper's request in words: 'red candles under £5'."""
    noun = c.query
    if not noun and c.category:
        noun = c.category.split(">")[-1].strip().lower()
    noun = noun or "products"
    before = [v for k, v in sorted(c.attributes.items()) if k != "pack_size"] + c.brands
    after = [f"for {' and '.join(c.prefer)}"] if c.prefer else []
    if "pack_size" in c.attributes:
        after.append(f"in packs of {c.attributes['pack_size']}")
    if relative == "cheaper":
        before.insert(0, "cheaper")
    elif relative == "pricier":
        before.insert(0, "pricier")
    elif c.price_min is not None and c.price_max is not None:
        after.append(f"between {budget(c.price_min, currency)} and {budget(c.price_max, currency)}")
    elif c.price_max is not None:
        after.append(f"under {budget(c.price_max, currency)}")
    elif c.price_min is not None:
        after.append(f"over {budget(c.price_min, currency)}")
    if c.in_stock:
        after.append("in stock")
    if c.exclude:
        after.append("without " + " or ".join(c.exclude))
    return " ".join([*before, noun, *after])
