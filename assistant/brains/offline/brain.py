"""The offline brain: deterministic, network-free answers from rules, tools and templates.

It reads the message (`understand`), calls the same tools as the LLM brain
through the turn context, and writes the answer from phrase templates filled
with catalog fields. It is a product, not a test double: shops run it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from assistant.brains.offline.answers import Answers
from assistant.brains.offline.constraints import Lexicon
from assistant.brains.offline.intents import strong_policy
from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.references import Reference
from assistant.brains.offline.templates import Phrasebook
from assistant.brains.offline.understand import Understanding, understand
from assistant.context import TurnContext
from assistant.matching import (
    content_words,
    corrected_words,
    mentions,
    names,
    product_terms,
    stem,
    words,
)
from assistant.sizes import strip_measures
from assistant.state import Constraints, ProductFilters
from retrieval import Product, Vocabulary

__all__ = ["OfflineBrain", "name_lookup"]

_NAMED_INTENTS = ("similar", "bought_together", "compare", "product_question", "quote", "purchase")
_RELATED_CUE = re.compile(
    r"\b(?:similar|alternatives?|instead of|go(?:es)? (?:well )?with|to go with|"
    r"(?:something|anything|more|others?) like|along the lines of|"
    r"along (?:those|these|the same) lines|in the same vein|look (?:nice|good|great) with|"
    r"pairs? with|bought together|buy with|compared? to|than the)\b"
)
_ANYONE = {"someone", "somebody", "everyone", "him", "her", "them", "family", "guests"}
# A question about one product ("how much does the dairy maid teapot cost?").
_ASKS_ABOUT = re.compile(
    r"\b(?:how much (?:is|does|are|for)|does (?:the|it|your)|is (?:the|it|your)|what(?:'s| is) "
    r"the (?:price|capacity|size|warranty)|tell me about|how about|what about|how (?:big|long|"
    r"heavy|tall|wide)|how many (?:stars|ratings?|reviews?|people|customers)|who (?:makes|made|"
    r"manufactures|produces)|which (?:brand|company) (?:makes|is)|"
    # "how many contacts can the nokia 105 save?", "will the zenora purifier work with ..."
    r"how (?:many|much) \w+ (?:can|does|will|do|is|are|has|have)\b|"
    # "is 1984 ok for my 13 year old?"
    r"(?:is|are) (?:the |this |that )?[\w' -]{1,40}? (?:ok|okay|good|suitable|safe|"
    r"appropriate|right) for|"
    r"(?:will|would|can|does) (?:the|your) [\w -]{2,40}? (?:work|fit|run|go) (?:with|on|in))\b"
)
# "What's the cord length of the Philips GC1905?", "what comes in the box with the X?": a
# question about a named product, in the words the lexicon has for a listing's aspects.
_ASPECT_WORDS = frozenset(a for k, v in ShopperLanguage.load("en").aspects.items() for a in (k, *v))
_ASKS_ASPECT = re.compile(
    r"\bwhat(?:'s| is| are) (?:the|its) (?:[\w-]+ ){0,2}(?:"
    + "|".join(sorted(map(re.escape, _ASPECT_WORDS), key=len, reverse=True))
    + r")\b|\bwhat (?:comes|do (?:i|you) get) (?:in|with)\b|\bwhat(?:'s| is) included\b"
)
_SIMILAR_CUE = re.compile(
    r"\b(?:similar|alternatives?|instead of|compared? to|than|(?:something|anything|more|"
    r"others?) like|along the lines of|along (?:those|these|the same) lines|in the same vein|"
    r"cheaper|less expensive|more affordable|"
    r"(?:does|do) the same (?:job|thing)|same (?:job|purpose|function))\b"
)
_CHEAPER_THAN = re.compile(
    r"\bcheaper\b|\bless expensive\b|\bmore affordable\b|"
    r"\bbudget\b(?!(?:'s| is)? (?:no|not))"  # "budget is not a problem" asks for no less
)
_FOR_SOMEONE = re.compile(r"\bfor (?:my|our|his|her|their|a|the|your) ")
_GIFT = re.compile(r"\b(?:gifts?|presents?|stocking fillers?|something for)\b")
# A policy passage whose embedding is at least this close to the question (cosine, the
# bundled MiniLM) is about what the shopper asked for ("gift vouchers" and the passage on
# gift cards, 0.59), even without sharing the word; unrelated products score 0.1-0.3.
POLICY_COVERS = 0.5
# "Do you sell gift vouchers?": asks whether the shop has a thing, which may be a service.
_ASKS_IF_SOLD = re.compile(
    r"\b(?:do|can|could|will|would) (?:you|i|we) (?:\w+ )?(?:sell|have|do|offer|stock|carry|buy|"
    r"get)\b|\bhave you got\b|\bis there\b|\bare there\b"
)
_CONTAINERS = frozenset(ShopperLanguage.load("en").containers)
_CLAUSES = re.compile(r"[,;.!?]+\s+")
_SEPARATOR = re.compile(r"\s+(?:and|vs\.?|versus|or|with)\s+|,")
# Words of a request that never belong to a product's name.
_NOT_NAME = {
    "similar",
    "alternative",
    "alternatives",
    "instead",
    "goes",
    "well",
    "difference",
    "differences",
    "compare",
    "comparison",
    "versus",
    "cheaper",
    "expensive",
    "total",
    "much",
    "cost",
    "price",
    "warranty",
    "quantity",
    "capacity",
    "wired",
    "wireless",
    "does",
    "have",
    "come",
    "between",
    "what",
    "whats",
    "how",
}


async def name_lookup(ctx: TurnContext, text: str, min_words: int = 1) -> str | None:
    """The catalog product a phrase names in full, in part or misspelt, or None.

    Its title must carry at least half of the phrase's words (as the catalog's analyzer
    reads them); the keyword index finds the candidates, spelling repaired.
    """
    filler = ShopperLanguage.load("en").filler
    wanted = content_words(text, extra_stop=_NOT_NAME | filler)
    if not wanted:
        return None
    # Sizes and model numbers tell variants apart ("the MI 32 inch TV").
    wanted += [n for n in re.findall(r"\b\d+(?:\.\d+)?\b", text) if n not in wanted]
    query = " ".join(wanted)
    page = await asyncio.to_thread(ctx.search.search, query, None, 8, 0, "keyword")
    fixed = content_words(page.corrected_query or query)
    # A model number names the product as much as a word does ("the nokia 105").
    fixed += [n for n in wanted if n.isdigit() and len(n) >= 2 and n not in fixed]
    carried = [
        {w for w in fixed if mentions(h.product, w, product_terms(h.product))} for h in page.hits
    ]
    # A word few candidates carry names the product ("pkgss"); common ones ("auto shut
    # off") describe what is asked about it.
    weight = {w: 1.0 / max(1, sum(w in c for c in carried)) for w in fixed}
    # "The nescafe classic 300 rupees one": the variant at that price.
    amounts = {float(n) for n in re.findall(r"\b\d+(?:\.\d+)?\b", text)}
    best: tuple[bool, float, int, str] | None = None
    for rank, (hit, covered) in enumerate(zip(page.hits, carried, strict=True)):
        # The product must BE one of the words it is named by, not be made for one ("Lint
        # Remover for Washing Machine" is no washing machine).
        if not any(
            names(hit.product, w) if not w.isdigit() else hit.product.title.startswith(w)
            for w in covered
        ):
            continue  # a number names a product only as its title's first word ("1984")
        first = (words(hit.product.title) or [""])[0]
        # A one-word title ("Dune", "1984") is named by that word alone, when no other
        # candidate carries it.
        alone = covered == {first} and weight.get(first) == 1.0 and (len(first) >= 4)
        if alone or (
            len(covered) * 2 >= len(fixed) and len(covered) >= max(min_words, min(2, len(fixed)))
        ):
            priced = float(hit.product.price) in amounts
            key = (not priced, -sum(weight[w] for w in covered), rank, hit.product.id)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    result = await ctx.call("get_product", {"product_id": best[3]})
    return best[3] if result.ok else None


def _without(text: str, gone: frozenset[str]) -> str:
    """The text without the given words (punctuation around a word aside)."""
    return " ".join(w for w in text.split() if w.strip("?,.!") not in gone)


def for_a_gift(u: Understanding, message: str, filters: ProductFilters) -> ProductFilters:
    """A gift request's filters: what wraps a present (cards, ribbons, wrap) is left out
    unless the shopper asked for it ("a present for the baby" is never a ribbon)."""
    for_someone = bool(u.update.people) and bool(_FOR_SOMEONE.search(message))
    if not (for_someone or u.update.interests or _GIFT.search(message)):
        return filters  # "a kids party, what do I need?" may well want cards and tags
    asked = {stem(w) for w in words(message)}
    wrapping = ShopperLanguage.load("en").gift_wrapping
    if any(stem(w) in asked for w in wrapping):
        return filters
    leave_out = [w for w in sorted(wrapping) if w not in filters.exclude]
    return filters.model_copy(update={"exclude": [*filters.exclude, *leave_out]})


def _claimed_free(thing: str) -> re.Pattern[str]:
    """A title's claim to be free of a thing: "Egg Free", "egg-free", "eggfree"."""
    return re.compile(rf"\b{re.escape(thing)}[- ]?free\b", re.IGNORECASE)


def free_of(product: Product, things: list[str]) -> bool:
    """Whether the title names none of the things, except as free of them ("Egg Free")."""
    for thing in things:
        bare = _claimed_free(thing).sub(" ", product.title)
        if mentions(product.model_copy(update={"title": bare}), thing):
            return False
    return True


_DOUBLE_ARTICLE = re.compile(r"\b[Tt]he (?=The\b)")


class OfflineBrain:
    """Rules and templates over the shared tools."""

    name = "offline"

    def __init__(self) -> None:
        self._lexicon: tuple[Vocabulary, Lexicon] | None = None

    def lexicon(self, vocabulary: Vocabulary | None) -> Lexicon:
        """The constraint lexicon of a vocabulary (built once per catalog version)."""
        if vocabulary is None:
            return Lexicon()
        cached = self._lexicon
        if cached is None or cached[0] is not vocabulary:
            cached = (vocabulary, Lexicon.from_vocabulary(vocabulary))
            self._lexicon = cached
        return cached[1]

    async def answer(self, ctx: TurnContext) -> AsyncIterator[str]:
        """Answer one turn: yields the answer's sentences; sets cards, chips and state."""
        # Read "do u take amex?" as "do you take american express?" from here on.
        ctx.message = ShopperLanguage.load("en").written_out(ctx.message)
        u = understand(ctx.message, ctx.state, self.lexicon(ctx.vocabulary), ctx.known)
        await self._resolve_names(ctx, u)
        if u.update.free_of and u.intent in ("find", "refine"):
            await self._free_of(ctx, u)
        ctx.intent = u.intent
        # A clarifying question is answered by this message; a handler may ask a new one.
        ctx.state.pending = None
        book = Phrasebook(ctx.state.conversation_id, ctx.state.turn)
        writer = Answers(ctx, book)
        handler = {
            "find": self._find,
            "refine": self._find,
            "recommend": self._recommend,
            "quote": self._quote,
        }.get(u.intent)
        if handler is not None:
            pieces = await handler(ctx, u, writer)
        else:
            pieces = await writer.respond(u)
        ctx.state.last_intent = u.intent
        for piece in pieces:
            # "the {title}" of a title that has its own article: "The Guest List", not
            # "the The Guest List".
            yield _DOUBLE_ARTICLE.sub("", piece)

    @staticmethod
    def _too_broad(u: Understanding) -> bool:
        c = u.constraints
        return not (c.query or c.category or u.update.ideas) and c.filters().is_empty()

    @staticmethod
    async def _free_of(ctx: TurnContext, u: Understanding) -> None:
        """ "Egg-free cakes": a claim the catalog makes ("Gluten Free" in titles) stays the
        words to find; a thing to be free of that no title claims is excluded instead."""
        c = u.constraints
        for thing in u.update.free_of:
            page = await asyncio.to_thread(
                ctx.search.search, f"{thing} free", None, 20, 0, "keyword"
            )
            claim = _claimed_free(thing)
            if any(claim.search(h.product.title) for h in page.hits):
                u.free_claims.append(thing)
                continue
            kept = [
                w
                for w in c.query.split()
                if w not in (thing, f"{thing}-free", "free") and stem(w) != stem(thing)
            ]
            c = c.model_copy(update={"query": " ".join(kept), "exclude": [*c.exclude, thing]})
        u.constraints = c

    async def _resolve_names(self, ctx: TurnContext, u: Understanding) -> None:
        """Products the message names without their having been shown ("what goes with the
        regency cakestand?"), looked up in the catalog by their title words."""
        text = ctx.message.lower()
        if u.size is not None and u.reference.how == "focus":
            # "The regency cakestand, is there a smaller one?" names another product than
            # the one discussed; "45 litres won't do, a bigger one?" names none.
            pid = await name_lookup(ctx, strip_measures(text), min_words=2)
            if pid is not None:
                u.reference = Reference([pid], "name")
            return
        asks = (
            u.intent == "unclear"
            or (u.intent == "find" and (_ASKS_ABOUT.search(text) or _ASKS_ASPECT.search(text)))
            or (u.intent == "policy_question" and not strong_policy(text))
        )
        # "The ping apron is a bit much, is there a cheaper apron?": cheaper than that one.
        cheaper = (
            u.intent in ("find", "refine", "unclear")
            and bool(_CHEAPER_THAN.search(text))
            and u.update.price_max is None  # "cheaper than £1" names a price, not a product
        )
        wants_one = (
            u.intent in _NAMED_INTENTS
            or asks
            or cheaper
            or (u.intent in ("find", "refine", "unclear") and _RELATED_CUE.search(text))
            or (u.size is None and u.update.size is not None and u.intent in ("find", "refine"))
        )
        # "2 of the gold wine glass, is shipping included with that?": a name beats "that".
        if not wants_one or (
            u.reference.ids and u.reference.how not in ("pronoun", "all", "focus")
        ):
            if not (u.intent == "compare" and len(u.reference.ids) < 2):
                return
        parts = _SEPARATOR.split(text) if u.intent == "compare" else [text]
        named: list[str] = []
        for part in parts:
            # A generic word ("mug") names no one product unless a related cue asks for one.
            # "I'll take it" names no product; "a cheaper apron" names no one apron.
            strict = (
                asks
                or u.intent == "purchase"
                or (cheaper and not _RELATED_CUE.search(text))
                or u.reference.how == "focus"  # a name must outweigh "it": two of its words
            )
            said = part
            if u.intent == "quote":
                # "I'll take 4 bottles": what the product comes in, not its name.
                part = _without(part, _CONTAINERS)
            if u.reference.how == "focus":
                # "How many watts does it use?" asks about the product in question: words
                # for what is asked name no other product.
                part = _without(part, _ASPECT_WORDS)
            pid = await name_lookup(ctx, part, min_words=2 if strict else 1)
            if pid is None and (asks or u.intent in _NAMED_INTENTS) and u.intent != "compare":
                # "My socket is far from the board, what's the cord length of the X?": the
                # clause that asks names the product; the rest tells why.
                clauses = [c for c in _CLAUSES.split(said) if c.strip()]
                for clause in reversed(clauses if len(clauses) > 1 else []):
                    if u.intent == "quote":
                        clause = _without(clause, _CONTAINERS)
                    if u.reference.how == "focus":
                        clause = _without(clause, _ASPECT_WORDS)
                    pid = await name_lookup(ctx, clause, min_words=2)
                    if pid is not None:
                        break
            if pid is not None and pid not in named:
                named.append(pid)
        if not named or (u.intent == "compare" and len(named) < 2 and not ctx.state.shown):
            return
        u.reference = Reference(named, "name")
        if asks and not _RELATED_CUE.search(text):
            u.intent = "product_question"
        elif u.intent in ("find", "refine", "unclear") and u.update.size is not None:
            u.intent, u.size = "similar", u.update.size  # "the small heart, a bigger one?"
        elif u.intent in ("find", "refine", "unclear"):
            u.intent = "similar" if _SIMILAR_CUE.search(text) else "bought_together"
        if u.update.relative == "cheaper" or _CHEAPER_THAN.search(text):
            u.cheaper_than = named[0]

    @staticmethod
    async def _unsold(ctx: TurnContext, c: Constraints) -> bool:
        """True when the shop names no product by the request's head word ("return gifts"
        at a grocer): the occasion's ideas answer instead."""
        head = c.query.split()[-1] if c.query else ""
        if not head:
            return False
        page = await asyncio.to_thread(ctx.search.search, head, None, 10, 0, "keyword")
        # "paneeer": the word as the search spelled it.
        said = (corrected_words(head, page.corrected_query) or [head])[-1]
        return not any(mentions(h.product, head) or mentions(h.product, said) for h in page.hits)

    async def _quote(self, ctx: TurnContext, u: Understanding, writer: Answers) -> list[str]:
        quantity = u.update.quantity or 1
        ids = u.reference.ids or ([ctx.state.focus] if ctx.state.focus else ctx.state.shown)
        if not ids:
            return writer.which_one()
        items = [{"product_id": pid, "quantity": quantity} for pid in ids[: ctx.max_cards]]
        result = await ctx.call("quote_products", {"items": items})
        return writer.quote(result)

    async def _find(self, ctx: TurnContext, u: Understanding, writer: Answers) -> list[str]:
        state = ctx.state
        c = u.constraints
        if self._too_broad(u):
            if not u.after_clarify:
                state.pending = "clarify"
                return writer.clarify()
            return await self._recommend(ctx, u, writer)
        if u.update.alternatives and u.new_topic:
            # "A lampshade or a mirror or fairy lights": a mix of the things offered.
            alts = u.update.alternatives
            rest = [w for w in c.query.split() if not any(w in a.split() for a in alts)]
            result = await ctx.call(
                "search_products",
                {
                    "query": " ".join(rest),
                    "filters": c.filters(),
                    "k": ctx.max_cards,
                    "any_of": alts,
                },
            )
            if u.free_claims:
                result.products = [p for p in result.products if free_of(p, u.free_claims)]
            if result.ok and result.products:
                state.constraints = c
                # Said back: the things offered that the cards show.
                shown = [
                    a
                    for a in alts
                    if any(
                        {stem(w) for w in a.split()} <= {stem(t) for t in words(p.title)}
                        for p in result.products
                    )
                ]
                u.constraints = c.model_copy(update={"query": " or ".join(shown or alts)})
                return writer.results(result, u, list(state.shown_prices))
        message = ctx.message.lower()
        if u.update.ideas and (not u.update.query_words or await self._unsold(ctx, c)):
            # An occasion ("a picnic this weekend"): the things that suit it.
            if u.update.interests:
                # "My nan loves baking ... for her birthday": what suits the interest first.
                liked = await ctx.call(
                    "search_products",
                    {
                        "query": " ".join(u.update.interests),
                        "filters": for_a_gift(u, message, c.filters()),
                        "k": ctx.max_cards,
                    },
                )
                if liked.ok and liked.products and not liked.missing:
                    u.constraints = c.model_copy(update={"query": " ".join(u.update.interests)})
                    state.constraints = u.constraints
                    return writer.results(liked, u, list(state.shown_prices))
            result = await ctx.call(
                "search_products",
                {
                    "query": " ".join(u.update.occasions),
                    "filters": for_a_gift(u, message, c.filters()),
                    "k": ctx.max_cards,
                    # Things named for the person come first: "a birthday present for my mum".
                    "any_of": [
                        *(p for p in u.update.people if p not in _ANYONE),
                        *u.update.ideas,
                    ],
                },
            )
            names = ShopperLanguage.load("en").event_names
            said = dict.fromkeys(names.get(o, o) for o in u.update.occasions)
            u.constraints = c.model_copy(update={"query": " ".join(said)})
            state.constraints = u.constraints
            if result.ok and not result.products:
                # Nothing suits the occasion here: the shop's best sellers within the limits.
                return await self._recommend(ctx, u, writer)
            return writer.results(result, u, list(state.shown_prices))
        if not (c.query or c.category) and c.sort in ("price_asc", "price_desc", "rating_desc"):
            # "The most expensive thing you sell": the whole catalog in that order.
            result = await ctx.call(
                "search_products", {"query": "", "filters": c.filters(), "k": ctx.max_cards}
            )
            state.constraints = c
            return writer.results(result, u, list(state.shown_prices))
        if not (c.query or c.category):
            # Conditions without product words ("something under £5"): best sellers that fit.
            return await self._recommend(ctx, u, writer)
        skip = list(state.seen) if u.update.more else []
        result = await ctx.call(
            "search_products",
            {
                "query": c.query,
                "filters": for_a_gift(u, message, c.filters()),
                "exclude_ids": skip,
                "k": ctx.max_cards,
            },
        )
        if u.free_claims:
            # "Egg-free cakes" where some titles claim "Egg Free": never one with eggs.
            result.products = [p for p in result.products if free_of(p, u.free_claims)]
        if result.ok and not result.products and u.update.category and c.category:
            # A category read from the words ("wireless" -> Wireless Adapters) that holds
            # nothing for the request was a wrong guess: the words alone decide.
            # Its words go back into the query ("only wireless ones" are wireless mice).
            words_back = [w for w in u.update.query_words if w not in c.query.split()]
            c = c.model_copy(update={"category": None, "query": " ".join([*words_back, c.query])})
            u.constraints = c
            result = await ctx.call(
                "search_products",
                {"query": c.query, "filters": c.filters(), "exclude_ids": skip, "k": ctx.max_cards},
            )
        if result.ok and result.missing and _ASKS_IF_SOLD.search(ctx.message.lower()):
            # What the catalog does not carry may be what the shop's own pages describe
            # ("do you sell gift vouchers?"): their passage, never "we don't carry it".
            policy = await ctx.call("answer_policy", {"question": ctx.message})
            missing = {stem(w) for w in result.missing}
            top = policy.snippets[0] if policy.ok and policy.snippets else None
            if top is not None and (
                missing & {stem(w) for w in content_words(top.text)}
                or (top.similarity or 0.0) >= POLICY_COVERS
            ):
                u.intent = ctx.intent = "policy_question"
                return writer.policy_answer(policy)
        if (
            u.new_topic
            and not u.update.ideas
            and (u.update.people or _GIFT.search(ctx.message.lower()))
            and result.ok
            and c.query
            and (not result.products or len(result.missing) >= len(c.query.split()))
        ):
            # "A gift for a teacher, end of term": the shop sells nothing called "term", so
            # the request is for a present within its limits, not for the words.
            u.constraints = c = c.model_copy(update={"query": ""})
            return await self._recommend(ctx, u, writer)
        if result.ok and (not result.products or result.missing) and u.update.brands and c.brands:
            # A brand read from a word that is also part of a product's name ("dairy milk
            # silk" is Cadbury's, not the brand Silk) that finds nothing was a wrong guess.
            words_of_brands = " ".join(b.lower() for b in c.brands)
            c = c.model_copy(update={"brands": [], "query": f"{c.query} {words_of_brands}"})
            retry = await ctx.call(
                "search_products",
                {"query": c.query, "filters": c.filters(), "exclude_ids": skip, "k": ctx.max_cards},
            )
            if retry.ok and retry.products and not retry.missing:
                result, u.constraints = retry, c
            else:
                c = u.constraints
        previous_prices = list(state.shown_prices)
        if (
            u.update.relative == "cheaper"
            and result.ok
            and not result.products
            and not result.missing
            and previous_prices
            and max(previous_prices) > 0.01
        ):
            # Nothing under the cheapest shown: the cheapest of those under the dearest shown.
            c = c.model_copy(
                update={"price_max": round(max(previous_prices) - 0.01, 2), "sort": "price_asc"}
            )
            result = await ctx.call(
                "search_products",
                {"query": c.query, "filters": c.filters(), "k": ctx.max_cards},
            )
        state.constraints = c
        return writer.results(result, u, previous_prices)

    async def _recommend(self, ctx: TurnContext, u: Understanding, writer: Answers) -> list[str]:
        c = u.constraints
        filters = (
            c.filters() if u.intent != "recommend" or c.query or c.category else ProductFilters()
        )
        if u.intent == "recommend" and u.update.has_conditions():
            filters = c.filters()
        result = await ctx.call("recommend_for_user", {"filters": filters, "k": ctx.max_cards})
        if u.intent != "recommend" or u.update.has_conditions():
            ctx.state.constraints = c
        return writer.recommendations(result, mentions_conditions=not filters.is_empty())


def first_sentence(text: str) -> str:
    """The first sentence of a text."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)
    return parts[0] if parts else ""
