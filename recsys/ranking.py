"""The four calls over one loaded artifact: scoring, filters, exclusions, backfill, reasons.

Every model scores the whole catalog at once (one dot product or sparse row product), so
filters are applied as a mask before the top n are taken: the same list that widening
the candidate pool until n items pass would give, without asking the model twice. Items
a model has no evidence for (-inf) are filled from popularity (within the filter, and
first within the item's own category for `similar_items`), so a list comes back short
only when fewer than n items pass the filters at all. `bought_together` is the exception:
it lists only items that really were bought together.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from recsys.artifacts import Artifact
from recsys.catalog import ItemTable
from recsys.results import Fallback, Filters, Reason, Recommendation
from recsys.scoring import Explanation, FloatArray, IntArray, blend_where_known, row_items

__all__ = ["Ranker", "top_n"]

log = logging.getLogger(__name__)

BATCH = 256
FALLBACK_NOTE: dict[str, str] = {
    "unknown_user": " (no history of yours yet)",
    "forgotten_user": " (not based on your history)",
    "no_history": " (nothing you looked at is known yet)",
    "backfill": "",
}


def top_n(scores: FloatArray, n: int) -> IntArray:
    """Indices of the `n` best finite scores, best first (ties: lower index first)."""
    candidates = np.flatnonzero(np.isfinite(scores))
    if n <= 0 or not len(candidates):
        return np.empty(0, dtype=np.int64)
    if len(candidates) > n:
        candidates = candidates[np.argpartition(-scores[candidates], n - 1)[:n]]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order].astype(np.int64)


def _blocked(
    scores: FloatArray, allowed: NDArray[np.bool_] | None, excluded: Sequence[IntArray]
) -> FloatArray:
    out = np.array(scores, dtype=np.float32, copy=True)
    if allowed is not None:
        out[~allowed] = -np.inf
    for items in excluded:
        out[items] = -np.inf
    return out


def _category_label(path: str) -> str:
    return path.split(">")[-1].strip() or path


class Ranker:
    """Answers the four calls from one artifact with one of its models."""

    def __init__(
        self,
        artifact: Artifact,
        model: str | None = None,
        session_model: str | None = None,
        session_cooc_weight: float = 0.0,
    ) -> None:
        self.artifact = artifact
        self.scorer = artifact.scorer(model)
        # Sessions and baskets are answered by the session model where the artifact holds
        # it (the sequence model won there, bench/RESULTS.md); by the served one otherwise.
        held = session_model is not None and session_model in artifact.models
        self.session_scorer = artifact.models[session_model] if held else self.scorer  # type: ignore[index]
        # The blend with co-occurrence was chosen for the session model only.
        self.session_cooc_weight = session_cooc_weight if held else 0.0
        self.items: ItemTable = artifact.items
        self.popularity = artifact.popularity

    # -- selection ----------------------------------------------------------------------

    def _backfill(
        self, n: int, allowed: NDArray[np.bool_] | None, excluded: Sequence[IntArray]
    ) -> IntArray:
        if n <= 0:
            return np.empty(0, dtype=np.int64)
        return top_n(_blocked(self.popularity.scores, allowed, excluded), n)

    def select(
        self,
        scores: FloatArray,
        n: int,
        allowed: NDArray[np.bool_] | None = None,
        excluded: Sequence[IntArray] = (),
    ) -> tuple[IntArray, IntArray]:
        """The model's top n allowed items, then popular ones for the slots left over."""
        chosen = top_n(_blocked(scores, allowed, excluded), n)
        filler = self._backfill(n - len(chosen), allowed, [*excluded, chosen])
        return chosen, filler

    def rank_users(self, users: IntArray, n: int, exclude_seen: bool) -> list[IntArray]:
        """Top-n item indices per user, as `recommend` would rank them (for evaluation)."""
        out: list[IntArray] = []
        for start in range(0, len(users), BATCH):
            batch = users[start : start + BATCH]
            scores = self.scorer.score_users(batch)
            for row, user in enumerate(batch.tolist()):
                seen = [row_items(self.artifact.user_items, user)] if exclude_seen else []
                chosen, filler = self.select(scores[row], n, None, seen)
                out.append(np.concatenate([chosen, filler]))
        return out

    # -- reasons ------------------------------------------------------------------------

    def _popular_reason(self, item: int, category: str | None, fallback: Fallback | None) -> Reason:
        count = int(self.popularity.buyers[item])
        note = FALLBACK_NOTE[fallback] if fallback else ""
        if category:
            label = _category_label(category)
            return Reason(
                code="popular_in_category",
                text=f"popular in {label} with {count} customers{note}",
                category=category,
                count=count,
                fallback=fallback,
            )
        return Reason(
            code="popular",
            text=f"popular with {count} customers{note}",
            count=count,
            fallback=fallback,
        )

    def _sequence_reason(self, why: Explanation, user: int | None, bought: set[int]) -> Reason:
        """ "because you viewed X, then Y": the steps in time order, verbs per step."""
        verbs = ["bought" if user is not None and a in bought else "viewed" for a in why.anchors]
        parts = [
            f"{verb} {self.items.label(a)}"
            if k == 0 or verb != verbs[k - 1]
            else self.items.label(a)
            for k, (verb, a) in enumerate(zip(verbs, why.anchors, strict=True))
        ]
        ids = [self.items.ids[a] for a in why.anchors]
        return Reason(
            code="sequence",
            text="because you " + ", then ".join(parts),
            product_id=ids[-1],
            product_ids=ids,
        )

    def _basket_reason(self, why: Explanation) -> Reason | None:
        anchors = why.anchors or ((why.anchor,) if why.anchor is not None else ())
        if why.kind not in ("session", "sequence") or not anchors:
            return None
        ids = [self.items.ids[a] for a in anchors]
        return Reason(
            code="goes_with_basket",
            text="goes with "
            + " and ".join(self.items.label(a) for a in anchors)
            + " in your basket",
            product_id=ids[-1],
            product_ids=ids,
        )

    def _reason(
        self,
        item: int,
        why: Explanation,
        user: int | None,
        category: str | None,
        bought: set[int],
        basket: bool = False,
    ) -> Reason:
        anchor = why.anchor
        label = self.items.label(anchor) if anchor is not None else ""
        anchor_id = self.items.ids[anchor] if anchor is not None else None
        if basket and (reason := self._basket_reason(why)) is not None:
            return reason
        if why.kind == "sequence" and why.anchors:
            return self._sequence_reason(why, user, bought)
        if why.kind == "history" and user is not None and anchor is not None:
            purchase = anchor in bought
            verb = "bought" if purchase else "looked at"
            return Reason(
                code="because_you_bought" if purchase else "because_you_viewed",
                text=f"because you {verb} {label}",
                product_id=anchor_id,
            )
        if why.kind == "session" and anchor is not None:
            return Reason(
                code="because_you_looked_at",
                text=f"because you looked at {label}",
                product_id=anchor_id,
            )
        if why.kind == "together" and anchor is not None:
            return Reason(
                code="bought_together",
                text=f"bought together with {label} in {why.count} orders",
                product_id=anchor_id,
                count=why.count,
            )
        if why.kind == "similar" and anchor is not None:
            text = (
                f"{why.count} customers who bought {label} also bought this"
                if why.count
                else f"similar to {label}"
            )
            return Reason(code="similar_item", text=text, product_id=anchor_id, count=why.count)
        if why.kind == "neighbours":
            who = "with tastes like yours" if user is not None else "who looked at the same things"
            return Reason(
                code="similar_customers",
                text=f"bought by {why.count} customers {who}",
                count=why.count,
            )
        return self._popular_reason(item, category, None)

    def _results(
        self,
        chosen: IntArray,
        scores: FloatArray,
        explanations: list[Explanation],
        filler: IntArray,
        *,
        user: int | None,
        category: str | None,
        fallback: Fallback,
        basket: bool = False,
    ) -> list[Recommendation]:
        bought = (
            set(row_items(self.artifact.purchased, user).tolist()) if user is not None else set()
        )
        out = [
            Recommendation(
                product_id=self.items.ids[i],
                score=float(scores[i]),
                reason=self._reason(i, why, user, category, bought, basket),
            )
            for i, why in zip(chosen.tolist(), explanations, strict=True)
        ]
        out += [
            Recommendation(
                product_id=self.items.ids[i],
                score=float(self.popularity.scores[i]),
                reason=self._popular_reason(i, category, fallback),
            )
            for i in filler.tolist()
        ]
        return out

    def popular(
        self, n: int, filters: Filters | None, fallback: Fallback, excluded: Sequence[IntArray] = ()
    ) -> list[Recommendation]:
        """The most popular items that pass the filters, saying why popularity was used."""
        filler = self._backfill(n, self.items.mask(filters), excluded)
        category = filters.category if filters else None
        empty = np.empty(0, dtype=np.int64)
        return self._results(
            empty,
            self.popularity.scores,
            [],
            filler,
            user=None,
            category=category,
            fallback=fallback,
        )

    # -- the four calls -----------------------------------------------------------------

    def recommend(
        self,
        user_id: str,
        n: int,
        filters: Filters | None,
        exclude_purchased: bool,
        hidden: bool = False,
    ) -> list[Recommendation]:
        """Personal recommendations; unknown (or hidden) users get popularity, saying so."""
        user = self.artifact.user_index.get(user_id)
        if user is None or hidden:
            return self.popular(n, filters, "forgotten_user" if hidden else "unknown_user")
        scores = self.scorer.score_users(np.array([user], dtype=np.int64))[0]
        excluded = [row_items(self.artifact.purchased, user)] if exclude_purchased else []
        chosen, filler = self.select(scores, n, self.items.mask(filters), excluded)
        explanations = self.scorer.explain_user(user, chosen) if len(chosen) else []
        return self._results(
            chosen,
            scores,
            explanations,
            filler,
            user=user,
            category=filters.category if filters else None,
            fallback="backfill",
        )

    def similar_items(
        self, product_id: str, n: int, filters: Filters | None
    ) -> list[Recommendation]:
        """Items like `product_id`; an unknown id gives an empty list."""
        item = self.items.index.get(product_id)
        if item is None:
            return []
        allowed = self.items.mask(filters)
        scores = self.scorer.score_similar(item)
        me = np.array([item], dtype=np.int64)
        chosen = top_n(_blocked(scores, allowed, [me]), n)
        explanations = self.scorer.explain_similar(item, chosen) if len(chosen) else []
        out = self._results(
            chosen,
            scores,
            explanations,
            np.empty(0, dtype=np.int64),
            user=None,
            category=filters.category if filters else None,
            fallback="backfill",
        )
        category = self.items.categories[item]
        if len(out) < n and category:
            # The item's own category first: the closest thing to "similar" popularity knows.
            same = self.items.mask(Filters(category=category))
            within = same if allowed is None else same & allowed  # type: ignore[operator]
            filler = self._backfill(n - len(out), within, [me, chosen])
            chosen = np.concatenate([chosen, filler])
            out += self._results(
                np.empty(0, dtype=np.int64),
                scores,
                [],
                filler,
                user=None,
                category=category,
                fallback="backfill",
            )
        if len(out) < n:
            filler = self._backfill(n - len(out), allowed, [me, chosen])
            out += self._results(
                np.empty(0, dtype=np.int64),
                scores,
                [],
                filler,
                user=None,
                category=filters.category if filters else None,
                fallback="backfill",
            )
        return out

    def bought_together(
        self, product_id: str, n: int, filters: Filters | None
    ) -> list[Recommendation]:
        """Items found in the same baskets as `product_id`, with how many; no filler."""
        item = self.items.index.get(product_id)
        if item is None:
            return []
        partners, counts = self.artifact.cooccurrence.together(item)
        allowed = self.items.mask(filters)
        if allowed is not None:
            keep = allowed[partners]
            partners, counts = partners[keep], counts[keep]
        partners, counts = partners[:n], counts[:n]
        label = self.items.label(item)
        return [
            Recommendation(
                product_id=self.items.ids[p],
                score=float(c),
                reason=Reason(
                    code="bought_together",
                    text=f"bought together with {label} in {c} orders",
                    product_id=product_id,
                    count=int(c),
                ),
            )
            for p, c in zip(partners.tolist(), counts.tolist(), strict=True)
        ]

    def _steps(self, product_ids: Sequence[str]) -> IntArray:
        """Known items in the order given; a repeat keeps its latest place (what came last)."""
        known = [self.items.index[p] for p in product_ids if p in self.items.index]
        latest = list(dict.fromkeys(reversed(known)))[::-1]
        return np.array(latest, dtype=np.int64)

    def _from_steps(
        self, steps: IntArray, n: int, filters: Filters | None, basket: bool
    ) -> list[Recommendation]:
        if not len(steps):
            return self.popular(n, filters, "no_history")
        scorer = self.session_scorer
        scores = scorer.score_session(steps)
        if self.session_cooc_weight:
            partners = self.artifact.cooccurrence.score_session(steps)
            scores = blend_where_known(scores, partners, self.session_cooc_weight)
        chosen, filler = self.select(scores, n, self.items.mask(filters), [steps])
        explanations = scorer.explain_session(steps, chosen) if len(chosen) else []
        return self._results(
            chosen,
            scores,
            explanations,
            filler,
            user=None,
            category=filters.category if filters else None,
            fallback="backfill",
            basket=basket,
        )

    def recommend_for_session(
        self, product_ids_seen: Sequence[str], n: int, filters: Filters | None
    ) -> list[Recommendation]:
        """Recommendations for an anonymous shopper from what they looked at, in order."""
        return self._from_steps(self._steps(product_ids_seen), n, filters, basket=False)

    def next_after_basket(
        self, product_ids: Sequence[str], n: int, filters: Filters | None
    ) -> list[Recommendation]:
        """What people add next to a basket holding `product_ids` (in the order added)."""
        return self._from_steps(self._steps(product_ids), n, filters, basket=True)
