"""Shop-signed shopper tokens: only an unexpired, short-lived token the shop signed names one."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from web.shoppers import AUDIENCE, BadShopperToken, ShopperTokens

KEY = "shop-backend-key-0123456789abcdef0123"


def _sign(claims: dict[str, object], key: str = KEY, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def _claims(**over: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "13085", "aud": AUDIENCE, "iat": now, "exp": now + 600, **over}


def test_a_token_the_shop_signed_names_its_shopper() -> None:
    tokens = ShopperTokens(KEY)
    assert tokens.verify(_sign(_claims())) == "13085"
    assert tokens.verify(tokens.issue("cust-7")) == "cust-7"


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (lambda: _sign(_claims(), key="another-shop-key-0123456789abcdef"), "bad_shopper_token"),
        (
            lambda: _sign(_claims(iat=int(time.time()) - 900, exp=int(time.time()) - 300)),
            "shopper_token_expired",
        ),
        (lambda: _sign(_claims(exp=int(time.time()) + 30 * 86_400)), "bad_shopper_token"),
        (lambda: _sign({k: v for k, v in _claims().items() if k != "exp"}), "bad_shopper_token"),
        (lambda: _sign({k: v for k, v in _claims().items() if k != "sub"}), "bad_shopper_token"),
        (lambda: _sign(_claims(aud="another-service")), "bad_shopper_token"),
        (lambda: _sign(_claims(sub="13085 OR 1=1")), "bad_shopper_token"),
        (lambda: jwt.encode(_claims(), None, algorithm="none"), "bad_shopper_token"),
        (lambda: "13085", "bad_shopper_token"),
    ],
    ids=[
        "forged",
        "expired",
        "lives-a-month",
        "no-exp",
        "no-sub",
        "other-aud",
        "odd-sub",
        "alg-none",
        "bare-id",
    ],
)
def test_anything_else_is_refused_with_a_reason(make_token: Callable[[], str], code: str) -> None:
    # Signed when the test runs, not when it is collected: a long suite outlives a token.
    with pytest.raises(BadShopperToken) as refused:
        ShopperTokens(KEY).verify(make_token())
    assert refused.value.code == code


def test_without_a_key_every_shopper_is_anonymous() -> None:
    with pytest.raises(BadShopperToken) as refused:
        ShopperTokens(None).verify(_sign(_claims()))
    assert refused.value.code == "shopper_tokens_off"
