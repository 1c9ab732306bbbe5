"""The conversation list's query string (filters, sort, page) for pages, API and exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, get_args
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from web.staff.errors import BadRequest
from web.store import ConversationFilter, Sort

__all__ = ["FILTER_PARAMS", "FLAGS", "RATINGS", "SORTS", "ListQuery", "parse_list_query"]

# The outcome flags a staff member filters by, with their labels in the console.
FLAGS: dict[str, str] = {
    "product_shown": "Products shown",
    "card_clicked": "Card clicked",
    "added_to_cart": "Added to cart",
    "zero_result": "Zero results",
    "guardrail_hit": "Guardrail hit",
    "fallback": "Fallback brain",
    "handoff": "Asked for a person",
    "needs_human": "Waiting for a person",
    "taken_over": "Staff in it now",
}
RATINGS: dict[str, str] = {
    "negative": "Negative",
    "neutral": "Neutral",
    "positive": "Positive",
    "rated": "Any rating",
    "unrated": "Not rated",
}
SORTS: dict[str, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "longest": "Most messages",
    "lowest_rating": "Lowest rating",
}
assert set(SORTS) == set(get_args(Sort))

# The parameters that describe the filtered set (what an export link must carry).
FILTER_PARAMS = ("q", "since", "until", "rating", "tag", "brain", "state", *FLAGS)


class ListQuery(BaseModel):
    """A parsed list request: what to match, in which order, which page."""

    model_config = ConfigDict(frozen=True)

    filter: ConversationFilter
    sort: Sort = "newest"
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)
    params: dict[str, str] = Field(default_factory=dict, description="the filter, cleaned")

    def query_string(self, **changes: str | None) -> str:
        """The filter and sort as a query string, with `changes` applied (None drops one)."""
        values: dict[str, str] = dict(self.params)
        if self.sort != "newest":
            values["sort"] = self.sort
        for key, value in changes.items():
            if value is None or value == "":
                values.pop(key, None)
            else:
                values[key] = value
        return urlencode(values)

    @property
    def active(self) -> int:
        """How many filters are set (for "3 filters")."""
        return len(self.params)


def _day(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as e:
        raise BadRequest(f"{name} must be a date like 2025-03-01, not {value!r}") from e
    # A day the store's timestamps can hold, with a day to spare for `until`'s next midnight.
    if not date(1970, 1, 1) <= day <= date(2999, 12, 31):
        raise BadRequest(f"{name} must be a date between 1970 and 2999, not {value!r}")
    return day


def _flag(value: str, name: str) -> bool:
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise BadRequest(f"{name} must be yes or no, not {value!r}")


def parse_list_query(params: Any, *, default_limit: int = 50) -> ListQuery:
    """Parse a query string (a Starlette `QueryParams` or a mapping) into a `ListQuery`.

    Empty values are ignored, so an HTML form's blank selects filter nothing. Dates are
    whole days in UTC: `until=2025-03-31` includes that day.

    Raises:
        BadRequest: a value that is not a date, a flag, a rating or a sort.
    """
    raw = {k: str(v).strip() for k, v in params.items() if str(v).strip()}
    found: dict[str, Any] = {}
    clean: dict[str, str] = {}
    if "q" in raw:
        found["text"] = clean["q"] = raw["q"][:200]
    if "since" in raw:
        clean["since"] = raw["since"]
        found["since"] = datetime.combine(_day(raw["since"], "since"), time(), UTC)
    if "until" in raw:
        clean["until"] = raw["until"]
        found["until"] = datetime.combine(_day(raw["until"], "until"), time(), UTC) + timedelta(
            days=1
        )
    for flag in FLAGS:
        if flag in raw:
            found[flag] = _flag(raw[flag], flag)
            clean[flag] = "yes" if found[flag] else "no"
    if "rating" in raw:
        if raw["rating"] not in RATINGS:
            raise BadRequest(f"rating must be one of {', '.join(RATINGS)}")
        found["rating"] = clean["rating"] = raw["rating"]
    for key in ("tag", "brain"):
        if key in raw:
            found[key] = clean[key] = raw[key][:64]
    if "state" in raw:
        if raw["state"] not in ("live", "ended"):
            raise BadRequest("state must be live or ended")
        found["state"] = clean["state"] = raw["state"]
    sort = raw.get("sort", "newest")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    try:
        limit = int(raw.get("limit", default_limit))
        return ListQuery(
            filter=ConversationFilter(**found),
            sort=sort,
            cursor=raw.get("cursor"),
            limit=limit,
            params=clean,
        )
    except (ValueError, ValidationError) as e:
        raise BadRequest(f"bad list request: {e}") from e
