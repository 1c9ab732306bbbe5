"""Shopper identity over a real server: a shopper id counts only inside a token the shop signed.

Without one a shopper is anonymous: nobody reads a customer's "because you bought ..."
picks by naming their id, and nobody poisons their history with events.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.servers import serve_web
from tests.integration.wsclient import open_chat
from web.settings import WebSettings
from web.shoppers import ShopperTokens

pytestmark = pytest.mark.slow

SHOP_KEY = "the-shops-backend-key-9c1f0e2d7b6a5c4d3e2f1a0b"
CUSTOMER = "13085"  # a real customer of the demo shop, with purchases


@pytest.fixture(scope="module")
def shop(demo_assistant: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = WebSettings(
        data_dir=tmp_path_factory.mktemp("identity"),
        secret_key="gateway-key-0123456789abcdef0123456789abcdef",
        shopper_token_secret=SHOP_KEY,
    )
    with serve_web(settings, runner=demo_assistant) as url:
        yield url


def _token(shopper_id: str, key: str = SHOP_KEY) -> str:
    return ShopperTokens(key).issue(shopper_id, ttl_s=600)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _interactions(demo_shop_dir: Path, where: str, *args: str) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(demo_shop_dir / "recsys" / "interactions.sqlite3")
    try:
        return list(
            db.execute(f"SELECT user_id, product_id, event FROM interactions WHERE {where}", args)
        )
    finally:
        db.close()


def test_naming_a_customer_without_their_token_reads_nothing_of_theirs(shop: str) -> None:
    url = f"{shop}/api/recommendations"
    anyone = httpx.get(url, params={"shopper_id": CUSTOMER})
    assert anyone.status_code == 401 and anyone.json()["code"] == "shopper_unverified"
    assert "because" not in anyone.text.lower()
    other = httpx.get(url, params={"shopper_id": CUSTOMER}, headers=_bearer(_token("12347")))
    assert other.status_code == 401, "a token for one shopper does not open another's picks"
    forged = httpx.get(url, headers=_bearer(_token(CUSTOMER, key="x" * 40)))
    assert forged.status_code == 401 and forged.json()["code"] == "bad_shopper_token"
    mine = httpx.get(url, headers=_bearer(_token(CUSTOMER)))
    assert mine.status_code == 200 and mine.json()["kind"] == "for_shopper"
    assert mine.json()["items"], "the customer themself gets personal picks"
    anonymous = httpx.get(url, params={"seen": "85123A"})
    assert anonymous.status_code == 200 and anonymous.json()["kind"] == "for_session"


def test_storefront_events_for_a_named_shopper_need_their_token(
    shop: str, demo_shop_dir: Path
) -> None:
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    event = {"name": "cart", "product_id": "85123A", "shopper_id": victim}
    poisoned = httpx.post(f"{shop}/api/events", json=event)
    assert poisoned.status_code == 401
    assert _interactions(demo_shop_dir, "user_id = ?", victim) == []
    signed = httpx.post(f"{shop}/api/events", json=event, headers=_bearer(_token(victim)))
    assert signed.status_code == 202
    assert _interactions(demo_shop_dir, "user_id = ?", victim) == [(victim, "85123A", "cart")]


async def test_a_chat_that_names_a_shopper_without_a_token_stays_anonymous(
    shop: str, demo_shop_dir: Path
) -> None:
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    product = f"P-{uuid.uuid4().hex[:8]}"
    chat = await open_chat(shop, shopper_id=victim)
    note = await chat.next()
    assert note["type"] == "error" and note["data"]["code"] == "shopper_unverified"
    await chat.send("user.event", name="cart", product_id=product)
    await chat.send("ping")
    assert (await chat.next())["type"] == "pong"
    assert _interactions(demo_shop_dir, "user_id = ?", victim) == []
    (row,) = _interactions(demo_shop_dir, "product_id = ?", product)
    assert row[0].startswith("session:"), "the event belongs to the conversation"
    await chat.close()


async def test_a_chat_with_the_shops_token_is_the_shoppers_own(
    shop: str, demo_shop_dir: Path
) -> None:
    shopper = f"cust-{uuid.uuid4().hex[:8]}"
    chat = await open_chat(shop, shopper_token=_token(shopper))
    await chat.send("user.event", name="view", product_id="85123A")
    await chat.send("ping")
    assert (await chat.next())["type"] == "pong", "no error frame came first"
    assert _interactions(demo_shop_dir, "user_id = ?", shopper) == [(shopper, "85123A", "view")]
    await chat.close()
    forged = await open_chat(shop, shopper_token=_token(shopper, key="y" * 40))
    note = await forged.next()
    assert note["type"] == "error" and note["data"]["code"] == "bad_shopper_token"
    await forged.close()
