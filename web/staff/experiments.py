"""The console's Experiments page, its CSV export and admin controls, and the fairness page."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from recsys.bandit import ArmStats, posteriors, traffic_shares
from web.experiments.service import Experiments
from web.experiments.settings import PLACEMENT_LABELS, PLACEMENTS
from web.experiments.state import Controls
from web.staff.auth import Admin, Viewer
from web.staff.errors import BadRequest
from web.staff.posterior import PosteriorRow, posterior_chart
from web.staff.templating import render
from web.store.impressions import ArmSummary, SqlImpressionLog

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/console", include_in_schema=False)


def _parts(request: Request) -> tuple[Experiments, SqlImpressionLog]:
    experiments = getattr(request.app.state, "experiments", None)
    impressions = getattr(request.app.state, "impressions", None)
    if experiments is None or impressions is None:
        raise BadRequest("experiments are off (AISLE_EXPERIMENTS_ENABLED=false)")
    return experiments, impressions


def _placement(name: str) -> str:
    if name not in PLACEMENTS:
        raise BadRequest(f"unknown placement {name!r}; known: {', '.join(PLACEMENTS)}")
    return name


def _split_text(split: dict[str, float]) -> str:
    return ",".join(f"{arm}={value:g}" for arm, value in split.items())


def _parse_split(text: str, arms: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        arm, _, value = part.partition("=")
        arm = arm.strip()
        if arm not in arms:
            raise BadRequest(f"split names {arm!r}, not an arm ({', '.join(arms)})")
        try:
            share = float(value)
        except ValueError as e:
            raise BadRequest(f"split for {arm} must be a number, got {value!r}") from e
        if share < 0:
            raise BadRequest(f"split for {arm} must not be negative")
        out[arm] = share
    if out and sum(out.values()) <= 0:
        raise BadRequest("a split needs at least one arm above 0")
    return out


@router.get("/experiments")
async def experiments_page(request: Request, user: Viewer) -> Response:
    """Per placement and arm: impressions, click-through, add-to-cart, posterior, share."""
    experiments, impressions = _parts(request)
    summary = await asyncio.to_thread(impressions.summary)
    by_arm = {(s.placement, s.arm): s for s in summary}
    placements = []
    for name in PLACEMENTS:
        policy = await experiments.policy(name)
        stats: dict[str, ArmStats] = {}
        for per_arm in (await experiments.state.stats(name)).values():
            for arm, counts in per_arm.items():
                stats[arm] = stats[arm] + counts if arm in stats else counts
        shares = traffic_shares(policy, stats)
        post = posteriors(policy, stats)
        arms = []
        rows = []
        for arm in policy.arms:
            s = by_arm.get((name, arm), ArmSummary(name, arm, 0, 0, 0))
            paused = arm in policy.paused
            arms.append(
                {
                    "arm": arm,
                    "impressions": s.impressions,
                    "ctr": s.ctr,
                    "cart_rate": s.cart_rate,
                    "share": shares.get(arm, 0.0),
                    "paused": paused,
                }
            )
            low, high = post[arm].interval(0.95)
            rows.append(PosteriorRow(arm, post[arm].mean, low, high, paused))
        placements.append(
            {
                "name": name,
                "label": PLACEMENT_LABELS[name],
                "mode": policy.mode,
                "split": _split_text(dict(policy.split)),
                "arms": arms,
                "chart": posterior_chart(rows, label=f"Posterior {policy.reward} rate, {name}"),
            }
        )
    return render(
        request,
        "experiments.html",
        placements=placements,
        reward=experiments.settings.reward,
        floor=experiments.settings.floor,
        window_min=experiments.settings.reward_window_s // 60,
        can_admin=user.can("admin"),
    )


@router.get("/experiments.csv")
async def experiments_csv(request: Request, user: Viewer) -> Response:
    """Placement, arm, impressions, clicks, carts and rates as CSV."""
    _, impressions = _parts(request)
    body = await asyncio.to_thread(impressions.summary_csv)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="experiments.csv"'},
    )


async def _save(request: Request, placement: str, controls: Controls, staff: str) -> None:
    experiments, impressions = _parts(request)
    # The database first: a failure there leaves the running policy as it was.
    await asyncio.to_thread(impressions.save_controls, placement, controls, staff)
    await experiments.state.set_controls(placement, controls)


@router.post("/experiments/{placement}/pause")
async def pause_arm(
    request: Request,
    placement: str,
    user: Admin,
    arm: Annotated[str, Form()] = "",
    paused: Annotated[str, Form()] = "true",
) -> Response:
    """Pause or resume one arm of a placement (admin only)."""
    experiments, _ = _parts(request)
    name = _placement(placement)
    if arm not in experiments.settings.arms:
        raise BadRequest(f"unknown arm {arm!r}; arms: {', '.join(experiments.settings.arms)}")
    current = (await experiments.state.controls()).get(name, Controls())
    held = [a for a in current.paused if a != arm]
    if paused == "true":
        held.append(arm)
        if set(held) >= set(experiments.settings.arms):
            raise BadRequest("at least one arm must stay active")
    await _save(request, name, Controls(current.mode, held, current.split), user.email)
    log.info(
        "staff user %d %s arm %s of %s",
        user.id,
        "paused" if paused == "true" else "resumed",
        arm,
        name,
    )
    return RedirectResponse(f"/console/experiments#placement-{name}", status_code=303)


@router.post("/experiments/{placement}/mode")
async def set_mode(
    request: Request,
    placement: str,
    user: Admin,
    mode: Annotated[str, Form()] = "bandit",
    split: Annotated[str, Form()] = "",
) -> Response:
    """Switch a placement between the bandit and a fixed split (admin only)."""
    experiments, _ = _parts(request)
    name = _placement(placement)
    if mode not in ("bandit", "fixed"):
        raise BadRequest("mode must be bandit or fixed")
    shares = _parse_split(split, experiments.settings.arms)
    current = (await experiments.state.controls()).get(name, Controls())
    await _save(request, name, Controls(mode, current.paused, shares), user.email)  # type: ignore[arg-type]
    log.info("staff user %d set %s to %s", user.id, name, mode)
    return RedirectResponse(f"/console/experiments#placement-{name}", status_code=303)


@router.get("/fairness")
async def fairness_page(request: Request, user: Viewer) -> Response:
    """The fairness and diversity report over live impressions (per placement and context)."""
    from web.staff.fairness import live_context

    _, impressions = _parts(request)
    # The recommender is one of the app's parts (web/parts.py), built in its lifespan.
    recommender = getattr(request.app.state.parts, "recommender", None)
    context = await asyncio.to_thread(live_context, recommender, impressions)
    return render(request, "fairness.html", **context)
