"""Impressions and experiment controls in the transcript database (the durable record).

An impression row holds the conversation (or storefront session) id, the placement, arm,
context, the products shown and the arm's propensity; `clicked_at` and `carted_at` are set
by the first matching event within the reward window. The shared counts (Redis or memory)
are rebuilt from these rows after a restart, and a GDPR delete removes a shopper's rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, case, delete, func, select

from recsys.bandit import ArmStats
from web.experiments.service import Assignment, Rewarded
from web.experiments.state import Controls, Stats
from web.store.database import write
from web.store.models import ExperimentControl, Impression, utcnow

__all__ = ["ArmSummary", "SqlImpressionLog"]

CSV_COLUMNS = ("placement", "arm", "impressions", "clicks", "carts", "ctr", "cart_rate")


@dataclass(frozen=True)
class ArmSummary:
    """One arm of one placement, over every context."""

    placement: str
    arm: str
    impressions: int
    clicks: int
    carts: int

    @property
    def ctr(self) -> float:
        """Clicked impressions / impressions."""
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def cart_rate(self) -> float:
        """Carted impressions / impressions."""
        return self.carts / self.impressions if self.impressions else 0.0


class SqlImpressionLog:
    """`ImpressionLog` over the transcript store's engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self, conversation_id: str, assignment: Assignment, products: Sequence[str], at: datetime
    ) -> int:
        """Store one impression; returns its id."""
        row = Impression(
            conversation_id=conversation_id,
            placement=assignment.placement,
            arm=assignment.arm,
            context=assignment.context,
            products=list(products),
            propensity=assignment.propensity,
            at=at,
        )
        with write(self.engine) as conn:
            result = conn.execute(
                Impression.__table__.insert().returning(Impression.id),  # type: ignore[attr-defined]
                [_values(row)],
            )
            return int(result.scalar_one())

    def reward(
        self, conversation_id: str, product_id: str, kind: str, at: datetime, since: datetime
    ) -> list[Rewarded]:
        """Mark the recent impressions that showed `product_id`; returns the newly rewarded."""
        column = Impression.clicked_at if kind == "click" else Impression.carted_at
        out: list[Rewarded] = []
        with write(self.engine) as conn:
            rows = conn.execute(
                select(
                    Impression.id,
                    Impression.placement,
                    Impression.context,
                    Impression.arm,
                    Impression.products,
                )
                .where(Impression.conversation_id == conversation_id)
                .where(Impression.at >= since)
                .where(column.is_(None))
            ).all()
            hits = [r for r in rows if product_id in (r.products or [])]
            if hits:
                conn.execute(
                    Impression.__table__.update()  # type: ignore[attr-defined]
                    .where(Impression.id.in_([r.id for r in hits]))
                    .values({column.key: at})
                )
            out = [Rewarded(r.placement, r.context, r.arm) for r in hits]
        return out

    def _grouped(self, *keys: Any) -> list[Any]:
        query = (
            select(
                *keys,
                func.count(),
                func.sum(case((Impression.clicked_at.is_not(None), 1), else_=0)),
                func.sum(case((Impression.carted_at.is_not(None), 1), else_=0)),
            )
            .group_by(*keys)
            .order_by(*keys)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def counts(self) -> dict[str, Stats]:
        """Counts per placement, context and arm."""
        out: dict[str, Stats] = {}
        rows = self._grouped(Impression.placement, Impression.context, Impression.arm)
        for placement, context, arm, shown, clicks, carts in rows:
            out.setdefault(placement, {}).setdefault(context, {})[arm] = ArmStats(
                int(shown), int(clicks or 0), int(carts or 0)
            )
        return out

    def summary(self) -> list[ArmSummary]:
        """Per placement and arm, over every context."""
        rows = self._grouped(Impression.placement, Impression.arm)
        return [ArmSummary(p, a, int(n), int(c or 0), int(k or 0)) for p, a, n, c, k in rows]

    def summary_csv(self) -> str:
        """`summary()` as CSV (the console's export)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for s in self.summary():
            writer.writerow(
                [
                    s.placement,
                    s.arm,
                    s.impressions,
                    s.clicks,
                    s.carts,
                    f"{s.ctr:.4f}",
                    f"{s.cart_rate:.4f}",
                ]
            )
        return out.getvalue()

    def lists(self, since: datetime | None = None) -> list[tuple[list[str], str, str]]:
        """Every impression's products with its placement and context (the fairness input)."""
        query = select(Impression.products, Impression.placement, Impression.context)
        if since is not None:
            query = query.where(Impression.at >= since)
        with self.engine.connect() as conn:
            return [
                (list(p or []), pl, c) for p, pl, c in conn.execute(query.order_by(Impression.id))
            ]

    def logged(self, reward: str = "click") -> list[tuple[str, str, str, float, float]]:
        """Every impression in serving order: (placement, context, arm, reward 0/1,
        propensity), the reward being a click or a cart (the replay evaluator's input)."""
        column = Impression.clicked_at if reward == "click" else Impression.carted_at
        query = select(
            Impression.placement,
            Impression.context,
            Impression.arm,
            column.is_not(None),
            Impression.propensity,
        ).order_by(Impression.id)
        with self.engine.connect() as conn:
            return [(p, c, a, float(bool(r)), float(q)) for p, c, a, r, q in conn.execute(query)]

    def forget(self, conversation_ids: Iterable[str]) -> int:
        """Delete the impressions of these conversations or sessions (GDPR delete)."""
        ids = list(conversation_ids)
        if not ids:
            return 0
        with write(self.engine) as conn:
            result = conn.execute(delete(Impression).where(Impression.conversation_id.in_(ids)))
            return int(result.rowcount or 0)

    def load_controls(self) -> dict[str, Controls]:
        """Every placement's stored controls."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ExperimentControl)).scalars().all()
        return {
            r.placement: Controls(r.mode, list(r.paused or []), dict(r.split or {}))  # type: ignore[arg-type]
            for r in rows
        }

    def save_controls(self, placement: str, controls: Controls, staff: str) -> None:
        """Replace one placement's controls, noting who changed them."""
        with write(self.engine) as conn:
            conn.execute(delete(ExperimentControl).where(ExperimentControl.placement == placement))
            conn.execute(
                ExperimentControl.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "placement": placement,
                        "mode": controls.mode,
                        "paused": controls.paused,
                        "split": controls.split,
                        "changed_by": staff,
                        "at": utcnow(),
                    }
                ],
            )


def _values(row: Impression) -> dict[str, Any]:
    return {
        "conversation_id": row.conversation_id,
        "placement": row.placement,
        "arm": row.arm,
        "context": row.context,
        "products": row.products,
        "propensity": row.propensity,
        "at": row.at,
    }
