"""The storefront's hooks into experiments: the arm of a recommendations row, its impression,
and the rewards that the shop's click and add-to-cart events bring.

A row is keyed by the browsing session (a random id the storefront keeps), never by the
shopper; a shopper with a signed token counts as `returning` for contextual bandits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request

from recsys import BadRequest as RecsysBadRequest
from web.experiments import Assignment, Experiments, device_of

__all__ = ["arm_call", "assign_row", "reward", "served", "unheld"]

log = logging.getLogger(__name__)


def _experiments(request: Request) -> Experiments | None:
    return getattr(request.app.state, "experiments", None)


async def assign_row(
    request: Request, placement: str, session_id: str | None, returning: bool
) -> Assignment | None:
    """The arm of this row, or None (experiments off, or no session to keep it in)."""
    experiments = _experiments(request)
    if experiments is None or not session_id:
        return None
    return await experiments.assign(
        placement,
        session_id,
        returning=returning,
        device=device_of(request.headers.get("user-agent", "")),
    )


def arm_call(fn: Callable[..., Any], assignment: Assignment | None) -> Callable[..., Any]:
    """`fn` answering from the assignment's model (unchanged without an assignment)."""
    return fn if assignment is None else functools.partial(fn, model=assignment.arm)


def unheld(error: BaseException) -> bool:
    """True when recsys refused the arm because the served artifact lacks its model."""
    return isinstance(error, RecsysBadRequest) and "is not in artifact" in error.message


def served(
    request: Request, assignment: Assignment | None, session_id: str | None, ids: Sequence[str]
) -> None:
    """Record the row's impression after the response (nothing without an assignment)."""
    experiments = _experiments(request)
    if experiments is not None and assignment is not None and session_id:
        experiments.record_later(assignment, session_id, ids)


async def reward(request: Request, session_id: str | None, name: str, product_id: str) -> None:
    """Credit a storefront click or add-to-cart to the session's impressions."""
    experiments = _experiments(request)
    if experiments is not None and session_id:
        await experiments.event(session_id, name, product_id)
