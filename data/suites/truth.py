"""Re-derive every catalog figure the chat dev suites state, with the rule that chose it.

    .venv/bin/python data/suites/truth.py [--shared ../shared/data] [KEY_PREFIX ...]

Each line is `catalog.key = value  # rule`. The suites (data/suites/*.yaml) name the key in a
comment beside the expectation that uses it. Reading rules, fixed before any suite was run:

- "a <word>" product: the word (or phrase) as whole words in the title, case-insensitive;
  where a category leaf names the kind too, "cheapest"/"dearest"/"best rated" accept the
  winners under either reading (title word, or that leaf), since a shop assistant could
  fairly take either;
- ties are all accepted (`first_in` lists every tied id);
- "most popular" on the demo shop: distinct buyers in data/demo/interactions.parquet (top
  10 accepted); on Amazon India: rating_count (top 5 accepted);
- a named product: the one product whose title the shopper names (full, a unique part, or
  misspelt), and its catalog price;
- a total for N: N x the catalog price, rounded to 2 decimals.
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from feeds import amazon_rows, bigbasket_rows  # noqa: E402


def load(name: str, shared: Path) -> pd.DataFrame:
    """A catalog as the suites see it (the same rows `aisle ingest` gets)."""
    if name == "demo":
        df = pd.read_json(ROOT / "data" / "demo" / "products.jsonl", lines=True, dtype={"id": str})
    elif name == "bigbasket":
        df = pd.DataFrame(bigbasket_rows(shared / "bigbasket" / "bigbasket_products.csv.gz"))
    else:
        df = pd.DataFrame(amazon_rows(shared / "amazon-india" / "amazon_india_products.csv.gz"))
    for col in ("brand", "description"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("")
    if "rating_count" not in df:
        df["rating_count"] = 0
    return df


def word(df: pd.DataFrame, phrase: str) -> pd.DataFrame:
    """Products with `phrase` as whole words in the title (plural s allowed)."""
    pat = r"\b" + r"[\s-]+".join(re.escape(w) for w in phrase.split()) + r"(?:e?s)?\b"
    return df[df.title.str.contains(pat, case=False, regex=True)]


def leaf(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Products whose category path ends with `name`."""
    return df[df.category.str.lower().str.endswith(name.lower())]


def brand(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Products of the brand (case-insensitive)."""
    return df[df.brand.str.lower() == name.lower()]


def ids_at(df: pd.DataFrame, col: str, best: Callable[[pd.Series], Any]) -> list[str]:
    """Ids where `col` equals its best value (ties kept), sorted."""
    df = df.dropna(subset=[col])
    if df.empty:
        return []
    return sorted(df[df[col] == best(df[col])].id.astype(str))


def cheapest(*dfs: pd.DataFrame) -> dict[str, Any]:
    """The cheapest under each reading: its price and every tied id, all readings together."""
    out: set[str] = set()
    prices = []
    for df in dfs:
        out |= set(ids_at(df, "price", min))
        prices.append(float(df.price.min()))
    return {"ids": sorted(out), "prices": prices}


def priciest(*dfs: pd.DataFrame) -> dict[str, Any]:
    """The dearest under each reading."""
    out: set[str] = set()
    for df in dfs:
        out |= set(ids_at(df, "price", max))
    return {"ids": sorted(out), "prices": [float(df.price.max()) for df in dfs]}


def best_rated(*dfs: pd.DataFrame) -> dict[str, Any]:
    """The best rated under each reading."""
    out: set[str] = set()
    for df in dfs:
        out |= set(ids_at(df, "rating", max))
    return {"ids": sorted(out), "ratings": [float(df.rating.max()) for df in dfs]}


def named(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """The one product with this exact title: id and price (fails when not exactly one)."""
    m = df[df.title == title]
    if len(m) != 1:
        raise SystemExit(f"{title!r}: {len(m)} products, not one")
    r = m.iloc[0]
    return {"id": str(r.id), "price": float(r.price), "rating": r.get("rating")}


def total(df: pd.DataFrame, title: str, n: int) -> float:
    """N x the named product's price."""
    return round(n * named(df, title)["price"], 2)


def minus(df: pd.DataFrame, *words: str) -> pd.DataFrame:
    """Without products that have any of these words in the title (accessories of a kind)."""
    for w in words:
        df = df[~df.index.isin(word(df, w).index)]
    return df


def count(df: pd.DataFrame) -> int:
    """How many products."""
    return len(df)


def facts(cat: dict[str, pd.DataFrame], shared: Path) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the suites use."""
    d, b, a = cat["demo"], cat["bigbasket"], cat["amazon-india"]
    inter = pd.read_parquet(ROOT / "data" / "demo" / "interactions.parquet")
    buyers = inter[inter.event == "purchase"].groupby("product_id").user_id.nunique()
    out: list[tuple[str, str, Any]] = [
        # ----- demo
        ("demo.teapots", "title word 'teapot'", word(d, "teapot")[["id", "title"]].values.tolist()),
        (
            "demo.garden_count",
            "category Garden & Outdoor",
            count(d[d.category.str.startswith("Garden")]),
        ),
        ("demo.picnic_ids", "title word 'picnic'", sorted(word(d, "picnic").id)),
        (
            "demo.named.85123A",
            "White Hanging Heart T-Light Holder",
            named(d, "White Hanging Heart T-Light Holder"),
        ),
        ("demo.named.22423", "Regency Cakestand 3 Tier", named(d, "Regency Cakestand 3 Tier")),
        ("demo.named.21843", "Red Retrospot Cake Stand", named(d, "Red Retrospot Cake Stand")),
        (
            "demo.named.21527",
            "Red Retrospot Traditional Teapot",
            named(d, "Red Retrospot Traditional Teapot"),
        ),
        (
            "demo.named.21528",
            "Dairy Maid Traditional Teapot",
            named(d, "Dairy Maid Traditional Teapot"),
        ),
        (
            "demo.named.37500",
            "Tea Time Teapot in Gift Box",
            named(d, "Tea Time Teapot in Gift Box"),
        ),
        (
            "demo.quote.12x85123A",
            "12 x White Hanging Heart",
            total(d, "White Hanging Heart T-Light Holder", 12),
        ),
        ("demo.quote.3x22423", "3 x Regency Cakestand", total(d, "Regency Cakestand 3 Tier", 3)),
        ("demo.cheapest_teapot", "title word 'teapot'", cheapest(word(d, "teapot"))),
        ("demo.priciest_teapot", "title word 'teapot'", priciest(word(d, "teapot"))),
        ("demo.clocks", "category Home Decor > Clocks, dearest", priciest(leaf(d, "Clocks"))),
        (
            "demo.cheapest_garden",
            "category Garden & Outdoor",
            cheapest(d[d.category.str.startswith("Garden")]),
        ),
        (
            "demo.popular",
            "top 10 by distinct buyers",
            buyers.sort_values(ascending=False).head(10).index.tolist(),
        ),
        ("demo.over_20", "price >= 20", count(d[d.price >= 20])),
        (
            "demo.doormat_6_8",
            "title mat/doormat, 6 <= price <= 8",
            count(pd.concat([word(d, "mat"), word(d, "doormat")]).query("6 <= price <= 8")),
        ),
        ("demo.under_50p", "price <= 0.50", count(d[d.price <= 0.5])),
        (
            "demo.cheapest_xmas_decoration",
            "category Christmas > Decorations | Christmas",
            cheapest(leaf(d, "Christmas > Decorations"), d[d.category.str.startswith("Christmas")]),
        ),
        (
            "demo.tea_towel_le150",
            "title 'tea towel', price <= 1.50",
            count(word(d, "tea towel").query("price <= 1.5")),
        ),
        (
            "demo.teapot_not_strawberry",
            "title 'teapot', no 'strawberry'",
            count(minus(word(d, "teapot"), "strawberry")),
        ),
        # ----- bigbasket
        (
            "bigbasket.toothpaste_brands",
            "title word 'toothpaste'",
            word(b, "toothpaste").brand.value_counts().head(5).to_dict(),
        ),
        (
            "bigbasket.face_wash_le150_not_himalaya",
            "face wash, price <= 150, brand not Himalaya",
            count(word(b, "face wash").query("price <= 150 and brand.str.lower() != 'himalaya'")),
        ),
        (
            "bigbasket.himalaya_face_wash",
            "brand Himalaya, title 'face wash'",
            count(brand(word(b, "face wash"), "Himalaya")),
        ),
        (
            "bigbasket.himalaya_face_wash_ge43",
            "... rated >= 4.3 ('above 4.2')",
            count(brand(word(b, "face wash"), "Himalaya").query("rating >= 4.3")),
        ),
        (
            "bigbasket.coffee_ge43",
            "title 'coffee', rated >= 4.3",
            count(word(b, "coffee").query("rating >= 4.3")),
        ),
        ("bigbasket.cat_food", "title 'cat food'", count(word(b, "cat food"))),
        (
            "bigbasket.parachute_hair_oil_le250_gt4",
            "brand Parachute, title 'hair oil', <= 250, rated > 4",
            count(brand(word(b, "hair oil"), "Parachute").query("price <= 250 and rating > 4")),
        ),
        (
            "bigbasket.cheapest_basmati",
            "title 'basmati rice' | leaf Basmati Rice",
            cheapest(word(b, "basmati rice"), leaf(b, "Basmati Rice")),
        ),
        (
            "bigbasket.priciest_green_tea",
            "title 'green tea' | leaf Green Tea",
            priciest(word(b, "green tea"), leaf(b, "Green Tea")),
        ),
        ("bigbasket.best_rated_dog_food", "title 'dog food'", best_rated(word(b, "dog food"))),
        (
            "bigbasket.cheapest_ghee",
            "leaf Ghee & Vanaspati and title 'ghee' (ghee cookies are not ghee)",
            cheapest(word(leaf(b, "Ghee & Vanaspati"), "ghee")),
        ),
        (
            "bigbasket.named.2864",
            "Cibaca Toothpaste - Anticavity",
            named(b, "Cibaca Toothpaste - Anticavity"),
        ),
        (
            "bigbasket.named.7697",
            "Whitening Rock Natural Ayurvedic Salt Toothpaste",
            named(b, "Whitening Rock Natural Ayurvedic Salt Toothpaste"),
        ),
        (
            "bigbasket.quote.12x2864",
            "12 x Cibaca Toothpaste",
            total(b, "Cibaca Toothpaste - Anticavity", 12),
        ),
        (
            "bigbasket.quote.3x7697",
            "3 x Whitening Rock toothpaste",
            total(b, "Whitening Rock Natural Ayurvedic Salt Toothpaste", 3),
        ),
        ("bigbasket.amul_count", "brand Amul", count(brand(b, "Amul"))),
        (
            "bigbasket.olive_oil_gt500",
            "title 'olive oil', price >= 500",
            count(word(b, "olive oil").query("price >= 500")),
        ),
        (
            "bigbasket.honey_le150",
            "title 'honey', price <= 150",
            count(word(b, "honey").query("price <= 150")),
        ),
        (
            "bigbasket.green_tea_le200",
            "title 'green tea', price <= 200",
            count(word(b, "green tea").query("price <= 200")),
        ),
        (
            "bigbasket.basmati_le300",
            "title 'basmati', price <= 300",
            count(word(b, "basmati").query("price <= 300")),
        ),
        (
            "bigbasket.shampoo_le250",
            "title 'shampoo', price <= 250",
            count(word(b, "shampoo").query("price <= 250")),
        ),
        (
            "bigbasket.hair_oil_100_200",
            "title 'hair oil', 100 <= price <= 200",
            count(word(b, "hair oil").query("100 <= price <= 200")),
        ),
        (
            "bigbasket.cheapest_toothpaste",
            "title 'toothpaste' | leaf Toothpaste",
            cheapest(word(b, "toothpaste"), leaf(b, "Toothpaste")),
        ),
        (
            "bigbasket.tata_tea_le300",
            "brand Tata Tea (and sub-brands), price <= 300",
            count(b[b.brand.str.lower().str.startswith("tata tea")].query("price <= 300")),
        ),
        (
            "bigbasket.masala_brands",
            "title 'masala'",
            word(b, "masala").brand.value_counts().head(6).to_dict(),
        ),
        # ----- amazon-india
        (
            "amazon-india.cable_le300_ge4",
            "title 'cable', price <= 300, rated >= 4",
            count(word(a, "cable").query("price <= 300 and rating >= 4")),
        ),
        (
            "amazon-india.kettle_le700",
            "title 'kettle', price <= 700",
            count(word(a, "kettle").query("price <= 700")),
        ),
        (
            "amazon-india.induction_le2000",
            "title 'induction', price <= 2000",
            count(word(a, "induction").query("price <= 2000")),
        ),
        (
            "amazon-india.sofa",
            "title word 'sofa'",
            word(a, "sofa")[["id", "title"]].values.tolist(),
        ),
        (
            "amazon-india.named.B00NW4UWN6",
            "Prestige PKGSS 1.7L 1500W Electric Kettle (Stainless Steel)",
            named(a, "Prestige PKGSS 1.7L 1500W Electric Kettle (Stainless Steel)"),
        ),
        (
            "amazon-india.named.B08MTLLSL8",
            "boAt Bassheads 102 Wired in Ear Earphones with Mic (Mint Green)",
            named(a, "boAt Bassheads 102 Wired in Ear Earphones with Mic (Mint Green)"),
        ),
        (
            "amazon-india.cheapest_smartwatch",
            "leaf Smart Watches, not a charger/strap/protector/cable",
            cheapest(minus(leaf(a, "Smart Watches"), "charger", "strap", "protector", "cable")),
        ),
        (
            "amazon-india.best_rated_power_bank",
            "leaf Power Banks (titles of cases name power banks)",
            best_rated(leaf(a, "Power Banks")),
        ),
        (
            "amazon-india.priciest_tv",
            "leaf Smart Televisions",
            priciest(leaf(a, "Smart Televisions")),
        ),
        (
            "amazon-india.popular_in_ear",
            "leaf In-Ear, top 5 by rating_count",
            leaf(a, "In-Ear").sort_values("rating_count", ascending=False).head(5).id.tolist(),
        ),
        (
            "amazon-india.mouse_not_logitech",
            "title 'mouse', no 'logitech' in title",
            count(word(a, "mouse")[~word(a, "mouse").title.str.contains("logitech", case=False)]),
        ),
        (
            "amazon-india.named.B07WMS7TWB",
            "Pigeon Amaze Plus kettle (14289)",
            named(
                a,
                "Pigeon by Stovekraft Amaze Plus Electric Kettle (14289) with Stainless Steel Body, 1.5 litre, used for boiling Water, making tea and coffee, instant noodles, soup etc. 1500 Watt (Silver)",
            ),
        ),
        (
            "amazon-india.named.B003L62T7W",
            "Logitech B100",
            named(
                a,
                "Logitech B100 Wired USB Mouse, 3 yr Warranty, 800 DPI Optical Tracking, Ambidextrous PC/Mac/Laptop - Black",
            ),
        ),
        (
            "amazon-india.named.B0B6F7LX4C",
            "MI 32 inch 5A TV",
            named(
                a, "MI 80 cm (32 inches) 5A Series HD Ready Smart Android LED TV L32M7-5AIN (Black)"
            ),
        ),
        (
            "amazon-india.named.B07JW9H4J1",
            "Wayona lightning cable",
            named(
                a,
                "Wayona Nylon Braided USB to Lightning Fast Charging and Data Sync Cable Compatible for iPhone 13, 12,11, X, 8, 7, 6, 5, iPad Air, Pro, Mini (3 FT Pack of 1, Grey)",
            ),
        ),
        (
            "amazon-india.named.B01MQZ7J8K",
            "Prestige PKOSS kettle",
            named(a, "Prestige Electric Kettle PKOSS - 1500watts, Steel (1.5Ltr), Black"),
        ),
        (
            "amazon-india.ambrane_60w_type_c",
            "Ambrane Unbreakable 60W ... Type C (two listings, both 6 months warranty)",
            sorted(
                word(a, "ambrane unbreakable 60w")
                .pipe(lambda x: x[x.title.str.contains("Type C", case=False)])
                .id
            ),
        ),
        (
            "amazon-india.quote.3xB00NW4UWN6",
            "3 x Prestige PKGSS",
            total(a, "Prestige PKGSS 1.7L 1500W Electric Kettle (Stainless Steel)", 3),
        ),
        (
            "amazon-india.quote.2xB08MTLLSL8",
            "2 x boAt Bassheads 102",
            total(a, "boAt Bassheads 102 Wired in Ear Earphones with Mic (Mint Green)", 2),
        ),
        (
            "amazon-india.quote.12xB07JW9H4J1",
            "12 x Wayona lightning cable",
            total(
                a,
                "Wayona Nylon Braided USB to Lightning Fast Charging and Data Sync Cable Compatible for iPhone 13, 12,11, X, 8, 7, 6, 5, iPad Air, Pro, Mini (3 FT Pack of 1, Grey)",
                12,
            ),
        ),
        (
            "amazon-india.tv_15k_25k",
            "leaf Smart Televisions, 15000 <= price <= 25000",
            count(leaf(a, "Smart Televisions").query("15000 <= price <= 25000")),
        ),
        (
            "amazon-india.heater_ge5000",
            "title water heater/geyser, price >= 5000",
            count(
                pd.concat([word(a, "water heater"), word(a, "geyser")])
                .drop_duplicates("id")
                .query("price >= 5000")
            ),
        ),
        (
            "amazon-india.mixer_le1500",
            "title 'mixer grinder', price <= 1500",
            count(word(a, "mixer grinder").query("price <= 1500")),
        ),
        (
            "amazon-india.hdmi_le200",
            "title 'hdmi', price <= 200",
            count(word(a, "hdmi").query("price <= 200")),
        ),
        (
            "amazon-india.tv_not_samsung_lg",
            "leaf Smart Televisions, not Samsung/LG in title",
            count(minus(leaf(a, "Smart Televisions"), "samsung", "lg")),
        ),
        ("amazon-india.tv_32", "title '32 inches'", count(word(a, "32 inches"))),
        (
            "amazon-india.sandwich_gt4",
            "title 'sandwich', rated > 4",
            count(word(a, "sandwich").query("rating > 4")),
        ),
        (
            "amazon-india.named.B0BL11S5QK",
            "iBELL induction cooktop",
            named(a, a[a.id == "B0BL11S5QK"].title.iloc[0]),
        ),
        (
            "amazon-india.wireless_charg",
            "title/description 'wireless charg'",
            count(
                a[
                    a.title.str.contains("wireless charg", case=False)
                    | a.description.str.contains("wireless charg", case=False)
                ]
            ),
        ),
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = ap.parse_args()
    cat = {n: load(n, args.shared) for n in ("demo", "bigbasket", "amazon-india")}
    for key, rule, value in facts(cat, args.shared):
        if not args.prefix or key.startswith(tuple(args.prefix)):
            sys.stdout.write(f"{key} = {value}  # {rule}\n")


if __name__ == "__main__":
    main()
