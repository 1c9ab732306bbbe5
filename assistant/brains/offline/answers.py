"""The offline brain's answers: product lists, comparisons, references, policies and small talk.

Every fact in an answer (title, price, stock, attribute) is read from a product
a tool returned in this turn; the templates only supply the wording around it.
"""

from __future__ import annotations

import re

from assistant.brains.offline.language import ShopperLanguage
from assistant.brains.offline.questions import describe_product
from assistant.brains.offline.templates import Phrasebook, budget, describe_request
from assistant.brains.offline.understand import Understanding
from assistant.context import TurnContext
from assistant.grounding import format_price
from assistant.matching import STOPWORDS, words
from assistant.sizes import measures
from assistant.state import Constraints, ProductFilters
from assistant.tools import ToolResult
from retrieval import Product

__all__ = ["Answers"]

_PLURAL = re.compile(r"\b(?:they|them|these|those|all of them|both|each)\b")
_SINGULAR = re.compile(r"\b(?:it|its|it's|this|that|this one|that one|the one)\b")
_CURRENCY_NAMES = {"GBP": "pounds", "USD": "dollars", "EUR": "euros"}
_POLICY_CHIPS = [
    "How much is delivery?",
    "What is your returns policy?",
    "How can I pay?",
    "When are you open?",
    "Do you gift wrap?",
]


_OTHER_BRAND = re.compile(
    r"\b(?:(?:a |an )?(?:different|other|another) (?:brand|make|company|maker)|not (?:the same|"
    r"that) (?:brand|make)|by (?:someone|anyone) else|another manufacturer)\b"
)


class Answers:
    """Writes answers for one turn from tool results and phrase templates."""

    def __init__(self, ctx: TurnContext, book: Phrasebook) -> None:
        self.ctx = ctx
        self.book = book
        self.shop = ctx.shop_name

    # -- shared pieces ---------------------------------------------------------------

    def price(self, p: Product) -> str:
        return format_price(float(p.price), p.currency)

    def listing(self, products: list[Product]) -> list[str]:
        """One line per product: number, title, price, and stock when it is out."""
        lines = []
        for n, p in enumerate(products, start=1):
            stock = "" if p.in_stock else " (out of stock)"
            lines.append(f"{n}. {p.title}: {self.price(p)}{stock}\n")
        return lines

    def what(self, c: Constraints, relative: str | None = None) -> str:
        """The shopper's request in words: 'red candles under £5'."""
        return describe_request(c, self.ctx.currency, relative)

    def chips(self, options: list[str], n: int = 3) -> None:
        self.ctx.suggestions = self.book.pick(options, n)

    def category_examples(self, n: int = 3) -> list[str]:
        vocab = self.ctx.vocabulary
        if vocab is None:
            return []
        leaves = [c for c in vocab.categories if ">" in c]
        leaves.sort(key=lambda c: -vocab.categories[c])
        return [c.split(">")[-1].strip().lower() for c in leaves[:n]]

    # -- finding and recommending -----------------------------------------------------

    def clarify(self) -> list[str]:
        examples = self.category_examples(4)
        self.chips([e.capitalize() for e in examples] + ["Gift ideas"], 4)
        return [self.book.say("clarify_find", examples=", ".join(examples) or "a gift")]

    def results(self, result: ToolResult, u: Understanding, previous: list[float]) -> list[str]:
        ctx, c = self.ctx, u.constraints
        if not result.ok:
            return [self.book.say("catalog_down")]
        products = result.products
        what = self.what(c, u.update.relative)
        unsold = self._unsold(result, c, u.update.phrase)
        if not products:
            if result.missing:
                ctx.state.constraints = Constraints()
                self.chips([e.capitalize() for e in self.category_examples(4)], 3)
                return [self.book.say("not_carried", shop=self.shop, what=unsold)]
            if u.update.relative == "cheaper" and previous and ctx.state.shown:
                cheapest = min(
                    (ctx.known[i] for i in ctx.state.shown if i in ctx.known),
                    key=lambda p: float(p.price),
                    default=None,
                )
                if cheapest is not None:
                    ctx.state.constraints = u.constraints.model_copy(
                        update={"price_max": None, "price_min": None}
                    )
                    return [
                        self.book.say(
                            "none_cheaper", price=self.price(cheapest), title=cheapest.title
                        )
                    ]
            relax = self._relax_options(c)
            self.chips([label for label, _, _ in relax] or ["Start over"], 3)
            phrase = " or ".join(r for _, r, _ in relax[:2]) or "some of the conditions"
            if relax:
                ctx.state.pending = "relax:" + relax[0][2]
            return [self.book.say("no_results", what=what, relax=phrase)]
        pieces: list[str] = []
        if u.update.foreign_currency and (c.price_min is not None or c.price_max is not None):
            bound = c.price_max if c.price_max is not None else c.price_min
            assert bound is not None
            pieces.append(
                self.book.say(
                    "currency",
                    currency=_CURRENCY_NAMES.get(self.ctx.currency, self.ctx.currency),
                    amount=budget(bound, self.ctx.currency),
                )
                + " "
            )
        if result.alternatives:
            pieces.append(
                self.book.say("not_carried", shop=self.shop, what=" ".join(result.missing)) + " "
            )
            pieces.append(self.book.say("alternatives_intro") + "\n")
        elif result.partial and not result.missing:
            pieces.append(self.book.say("partial_match", what=what) + "\n")
        elif result.missing:
            rest = self.what(
                c.model_copy(
                    update={
                        "query": " ".join(w for w in c.query.split() if w not in result.missing)
                    }
                ),
                u.update.relative,
            )
            pieces.append(
                self.book.say("partial_intro", missing=" or ".join(result.missing), what=rest)
                + "\n"
            )
        else:
            key = "more_intro" if u.update.more else "results_intro"
            pieces.append(self.book.say(key, what=what) + "\n")
        pieces += self.listing(products)
        pieces.append(self.book.say("results_outro"))
        ctx.show(products)
        ctx.state.focus = products[0].id if len(products) == 1 else None
        options = ["Show me more", "Cheaper ones", "Tell me about the first one"]
        if len(products) >= 2:
            options.append("Compare the first two")
        if not c.in_stock and any(not p.in_stock for p in products):
            options.append("Only ones in stock")
        self.chips(options, 3)
        return pieces

    @staticmethod
    def _unsold(result: ToolResult, c: Constraints, phrase: str) -> str:
        """What the shop does not sell, in the shopper's words: their product phrase when the
        head noun is missing ("book in crime genre"), else the missing words."""
        words = c.query.split()
        if words and words[-1] in result.missing:
            return phrase if phrase and len(phrase.split()) <= 4 else words[-1]
        return " or ".join(result.missing)

    def _relax_options(self, c: Constraints) -> list[tuple[str, str, str]]:
        """(chip, phrase, constraint) for each condition that could be dropped."""
        out = []
        if c.min_rating is not None:
            out.append(("Any rating", "the rating", "rating"))
        if c.price_min is not None or c.price_max is not None:
            out.append(("Any price", "the price limit", "price"))
        if any(k != "pack_size" for k in c.attributes):
            out.append(("Any colour", "the colour or material", "attributes"))
        if c.in_stock:
            out.append(("Include out of stock", "the in-stock filter", "in_stock"))
        return out

    def recommendations(self, result: ToolResult, *, mentions_conditions: bool) -> list[str]:
        ctx = self.ctx
        if not result.ok or not result.products:
            self.chips(["Show me candles", "Christmas decorations", "Gift ideas"], 3)
            return (
                [self.book.say("catalog_down")]
                if not result.ok
                else [
                    self.book.say("no_results", what="matching products", relax="some conditions")
                ]
            )
        if result.degraded:
            key = "recommend_degraded"
        elif ctx.user_id:
            key = "recommend_user"
        elif ctx.state.seen:
            key = "recommend_session"
        else:
            key = "recommend_popular"
        intro = self.book.say(key)
        if mentions_conditions:
            intro = (
                intro.rstrip(":")
                + f" ({self.what(ctx.state.constraints.model_copy(update={'query': ''}))}):"
            )
            intro = intro.replace("(products ", "(").replace("(products)", "")
        pieces = [intro + "\n", *self.listing(result.products), self.book.say("results_outro")]
        ctx.show(result.products, result.reasons)
        ctx.state.focus = None
        self.chips(
            [
                "Show me more",
                "Something cheaper",
                "Tell me about the first one",
                "Compare the first two",
            ],
            3,
        )
        return pieces

    # -- everything else ----------------------------------------------------------------

    async def respond(self, u: Understanding) -> list[str]:
        """Answers for intents that need no search of their own."""
        ctx, book = self.ctx, self.book
        if u.intent == "compare":
            return await self.compare(u)
        if u.intent in ("similar", "bought_together"):
            return await self.related(u)
        if u.intent == "product_question":
            return await self.question(u)
        if u.intent == "policy_question":
            return await self.policy()
        if u.intent == "purchase":
            pid = self.target(u)
            product = ctx.known.get(pid or "")
            if product is None:
                return [book.say("purchase_none")]
            return [
                book.say("purchase", title=product.title, url=product.url or "its product page")
            ]
        if u.intent == "affirm":
            if ctx.state.shown:
                self.chips(["Tell me about the first one", "Cheaper ones", "Show me more"], 3)
                return [book.say("affirm_shown")]
            return [book.say("affirm")]
        if u.intent == "deny":
            self.chips(["Show me something popular", "Gift ideas", "How much is delivery?"], 3)
            return [book.say("deny")]
        if u.intent == "human":
            ctx.handoff = True
            return [book.say("human")]
        if u.intent in ("greeting", "identity", "unclear"):
            examples = self.category_examples(3)
            self.chips([f"Show me {e}" for e in examples] + ["Gift ideas"], 3)
            return [book.say(u.intent, shop=self.shop)]
        if u.intent in ("thanks", "goodbye", "off_topic"):
            if u.intent != "goodbye":
                self.chips(["Show me something popular", "Gift ideas", "How much is delivery?"], 2)
            return [book.say(u.intent, shop=self.shop)]
        return [book.say("unclear")]

    def target(self, u: Understanding) -> str | None:
        """The product a singular reference means: named, in focus, or the only one shown."""
        state = self.ctx.state
        if u.target:
            return u.target
        if state.focus:
            return state.focus
        if len(state.shown) == 1:
            return state.shown[0]
        return None

    def which_one(self) -> list[str]:
        state, known = self.ctx.state, self.ctx.known
        shown = [known[i] for i in state.shown if i in known]
        if not shown:
            return [self.book.say("nothing_shown")]
        ordinals = ["the first", "the second", "the third", "the fourth"]
        options = "; ".join(f"{o}, {p.title}" for o, p in zip(ordinals, shown, strict=False))
        self.chips([f"The {o.split()[1]} one" for o in ordinals[: len(shown)]], 3)
        return [self.book.say("which_one", options=options + "?")]

    async def compare(self, u: Understanding) -> list[str]:
        ctx, state = self.ctx, self.ctx.state
        ids = u.reference.ids if len(u.reference.ids) >= 2 else list(state.shown[:2])
        if len(ids) < 2:
            return [self.book.say("compare_need_two")]
        result = await ctx.call("compare_products", {"product_ids": ids})
        if not result.ok:
            return [self.book.say("compare_need_two")]
        ps = result.products
        pieces = [self.book.say("compare_intro") + "\n"]
        for p in ps:
            pieces.append(describe_product(p, self.price(p), short=True) + "\n")
        prices = {float(p.price) for p in ps}
        if len(prices) > 1:
            cheapest = min(ps, key=lambda p: float(p.price))
            pieces.append(f"The {cheapest.title} is the cheapest. ")
        else:
            pieces.append("They cost the same. ")
        in_stock = [p for p in ps if p.in_stock]
        if 0 < len(in_stock) < len(ps) and len(in_stock) == 1:
            pieces.append(f"Only the {in_stock[0].title} is in stock right now.")
        ctx.show(ps)
        state.focus = None
        self.chips(
            ["Tell me about the first one", "Something similar", "What goes with the first one?"], 3
        )
        return pieces

    async def related(self, u: Understanding) -> list[str]:
        ctx = self.ctx
        pid = self.target(u)
        if pid is None:
            return self.which_one()
        tool = "similar_products" if u.intent == "similar" else "bought_together"
        # What this message leaves out or limits holds here too: "something like the Paper
        # Boat aamras, but not Paper Boat", "similar, under 500".
        said = u.update
        filters = ProductFilters(
            in_stock=u.constraints.in_stock,
            exclude=list(said.exclude),
            exclude_brands=list(said.exclude_brands),
            exclude_categories=list(said.exclude_categories),
            price_min=said.price_min,
            price_max=said.price_max,
            min_rating=said.min_rating,
        )
        base = ctx.known.get(pid)
        if base is not None and _OTHER_BRAND.search(ctx.message.lower()):
            # "... but from a different brand": not the maker of the one named (its brand
            # field, or the first word of a title that starts with it).
            first = (words(base.title) or [""])[0]
            common = ShopperLanguage.load("en")
            plain = first in STOPWORDS or first in common.colours or first in common.descriptors
            maker = base.brand or ("" if plain else first)
            if maker:
                filters.exclude_brands.append(maker)
                filters.exclude += [w for w in words(maker) if len(w) > 2]
        if u.size is not None and base is not None:
            return await self.sized(u, base, filters)
        cheaper = u.cheaper_than or u.update.relative == "cheaper"
        if cheaper and base is not None and float(base.price) > 0.01:
            # "A cheaper alternative to X": the same kind of thing, below its price.
            filters.price_max = round(float(base.price) - 0.01, 2)
            result = await ctx.call(
                "search_products",
                {"query": base.title, "filters": filters, "exclude_ids": [pid], "k": ctx.max_cards},
            )
            same = base.title.strip().lower()
            result.products = [p for p in result.products if p.title.strip().lower() != same]
            if result.ok and result.products:
                ctx.show(result.products)
                ctx.state.focus = pid
                self.chips(["Tell me about the first one", "Compare the first two"], 2)
                intro = f"Cheaper than the {base.title}:"
                return [
                    intro + "\n",
                    *self.listing(result.products),
                    self.book.say("results_outro"),
                ]
        result = await ctx.call(tool, {"product_id": pid, "filters": filters, "k": ctx.max_cards})
        base = ctx.known.get(pid)
        title = base.title if base else "that product"
        if not result.ok:
            return [self.book.say("catalog_down")]
        if not result.products:
            return [self.book.say("no_similar", title=title)]
        if tool == "similar_products":
            intro = self.book.say("similar_intro", title=title)
        else:
            intro = self.book.say(
                "together_degraded" if result.degraded else "together_intro", title=title
            )
        ctx.show(result.products, result.reasons)
        ctx.state.focus = pid
        self.chips(["Tell me about the first one", "Compare the first two", "Cheaper ones"], 3)
        return [intro + "\n", *self.listing(result.products), self.book.say("results_outro")]

    async def sized(self, u: Understanding, base: Product, filters: ProductFilters) -> list[str]:
        """The product in question in the next sizes up or down ("got a bigger one?")."""
        ctx = self.ctx
        args = {"product_id": base.id, "filters": filters, "k": ctx.max_cards, "size": u.size}
        result = await ctx.call("similar_products", args)
        if not result.ok:
            return [self.book.say("catalog_down")]
        ctx.state.focus = base.id
        if not result.products:
            self.chips(["Something similar", "What goes with it?"], 2)
            key = f"no_{u.size}" if measures(base.title) else "no_size"
            return [self.book.say(key, title=base.title)]
        ctx.show(result.products, result.reasons)
        self.chips(["Tell me about the first one", "Compare the first two", "Cheaper ones"], 3)
        intro = self.book.say(f"{u.size}_intro", title=base.title)
        return [intro + "\n", *self.listing(result.products), self.book.say("results_outro")]

    def quote(self, result: ToolResult) -> list[str]:
        """The quote's lines and total, each figure from the quote tool."""
        if not result.ok or result.total is None:
            return self.which_one()
        by_id = {p.id: p for p in result.products}
        pieces = []
        for pid, quantity, line in result.quote:
            p = by_id[pid]
            pieces.append(
                f"{quantity} x {p.title} at {self.price(p)} each comes to "
                f"{format_price(line, p.currency)}.\n"
            )
        currency = result.products[0].currency
        if len(result.quote) > 1:
            pieces.append(
                "Each line is priced on its own; together that would be "
                f"{format_price(result.total, currency)}. "
            )
        if result.threshold is not None:
            over = result.total >= result.threshold
            pieces.append(
                f"Orders over {format_price(result.threshold, currency)} get free delivery, "
                + ("so this one would. " if over else "so this one would not on its own. ")
            )
        out_of_stock = [p.title for p in result.products if not p.in_stock]
        if out_of_stock:
            pieces.append(f"Note: the {', '.join(out_of_stock)} is out of stock right now. ")
        self.ctx.show(result.products)
        self.ctx.state.focus = result.products[0].id if len(result.products) == 1 else None
        self.chips(["Add it to my cart", "Something cheaper", "What goes with it?"], 3)
        return pieces

    async def question(self, u: Understanding) -> list[str]:
        from assistant.brains.offline.questions import answer_question

        ctx, state = self.ctx, self.ctx.state
        plural = bool(_PLURAL.search(ctx.message.lower()))
        singular = bool(_SINGULAR.search(ctx.message.lower()))
        many = u.reference.ids if u.reference.ambiguous else []
        if not many and not singular and not self.target(u) and len(state.shown) > 1:
            many = list(state.shown)
        if (plural or not singular) and len(many) > 1:
            result = await ctx.call("compare_products", {"product_ids": many[:4]})
            products = result.products
        else:
            pid = self.target(u)
            if pid is None:
                return self.which_one()
            result = await ctx.call("get_product", {"product_id": pid})
            products = result.products
        if not products:
            return [self.book.say("nothing_shown")]
        pieces = []
        if u.reference.how == "superlative" and len(products) == 1:
            p = products[0]
            pieces.append(f"Of those, the {p.title} comes first: {self.price(p)}. ")
            if p.rating is not None:
                pieces.append(f"It is rated {p.rating:g} out of 5. ")
            pieces.append(describe_product(p, self.price(p)) + " ")
            products = [p]
        for p in products if not pieces else []:
            pieces += answer_question(ctx.message, p, self.price(p), self.book)
        ctx.show(products)
        state.focus = products[0].id if len(products) == 1 else state.focus
        self.chips(["What goes with it?", "Something similar", "Show me cheaper ones"], 3)
        return pieces

    async def policy(self) -> list[str]:
        ctx = self.ctx
        result = await ctx.call("answer_policy", {"question": ctx.message})
        if not result.ok and "no policy documents" in result.message:
            # A shop without policy pages: say so and offer a person, never invent a policy.
            self.chips(["Talk to a person"], 1)
            return [self.book.say("policy_none")]
        if not result.ok:
            return [self.book.say("policy_down")]
        if not result.snippets:
            self.chips(["Talk to a person", *_POLICY_CHIPS[:2]], 3)
            return [self.book.say("policy_none")]
        return self.policy_answer(result)

    def policy_answer(self, result: ToolResult) -> list[str]:
        """The best passages of a policy search that found some, quoted."""
        top = result.snippets[0]
        pieces = [self.book.say("policy_intro", title=top.title.lower()) + "\n", top.text + "\n"]
        if len(result.snippets) > 1:
            second = result.snippets[1]
            other_doc = second.title != top.title and second.score >= 0.6 * top.score
            if other_doc or second.score >= 0.9 * top.score:
                pieces.append(second.text + "\n")
        self.chips([c for c in _POLICY_CHIPS if top.title.lower().split()[0] not in c.lower()], 3)
        return pieces
