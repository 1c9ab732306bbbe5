"""Re-derive every catalog figure the third held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout3/truth.py [--shared ../shared/data] [KEY_PREFIX ...]
    .venv/bin/python data/suites/heldout3/truth.py --check

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout3/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py (whose helpers this reuses): a "<word>" product has the word as
whole words in its title, or sits in the category leaf that names it; ties are all accepted; a
named product is the one whose title the shopper names (in full, in part or misspelt); a total
is N x its catalog price; "most popular" is distinct buyers on the demo shop and rating_count on
Amazon India. Rules this suite adds:

- a count of products that "fit" a turn is the number of catalog products that pass the turn's
  whole `products` expectation as assistant/evaluate.py reads it (its word matcher,
  `has_words`, imported: whole words, plural endings aside, a 4+ letter word also matching a word
  that starts with it; `title_any` also as a substring of the category path; `not_words` over
  title, brand, category path and attribute values; `not_brands` over brand and title). Each
  such count is at least the turn's `min_products` (`--check` verifies it for every turn);
- "around X": within 30% of X either side; "X or so" in a long request: up to 30% over X;
- "rated over X" (one-decimal ratings): at least X is accepted, as a lenient shop assistant
  would read it; the stricter count (above X) is printed too;
- "bigger" (a laundry basket, a kettle): a capacity in litres written in the title above the
  named product's; products whose title states no capacity are not counted as bigger;
- "sells the best" on the demo shop: the top 3 of the kind by distinct buyers.

Figures quoted from a product's own listing (the demo shop's description, Amazon India's
about_product) are printed with the passage they come from.
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
_spec = importlib.util.spec_from_file_location("dev_truth", HERE.parent / "truth.py")
assert _spec is not None and _spec.loader is not None
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)

load, word, leaf, named, total, minus, count = (
    dev.load,
    dev.word,
    dev.leaf,
    dev.named,
    dev.total,
    dev.minus,
    dev.count,
)
cheapest, priciest, best_rated = dev.cheapest, dev.priciest, dev.best_rated

SNACKS = [
    "Snacks & Branded Foods",
    "Gourmet & World Food",
    "Fruits & Vegetables",
    "Bakery, Cakes & Dairy",
]
MILKS = [
    "almond",
    "soy",
    "soya",
    "oat",
    "coconut",
    "cashew",
    "rice",
    "plant",
    "dairy free",
    "dairy-free",
    "non dairy",
    "vegan",
]
PEN_DRIVES = "Computers & Accessories > External Devices & Data Storage > Pen Drives"
ROUTERS = "Computers & Accessories > Networking Devices > Routers"
SUITES = {"demo": "demo.yaml", "bigbasket": "bigbasket.yaml", "amazon-india": "amazon-india.yaml"}

# ----- the evaluator's word reading, imported rather than copied, so that counts are of
# products that pass an expectation exactly as the evaluator checks it
sys.path.insert(0, str(ROOT))
from assistant.evaluate import has_words  # noqa: E402


def _attrs(r: Any) -> dict[str, str]:
    at = getattr(r, "attributes", None)
    return at if isinstance(at, dict) else {}


def _is_brand(have: str, want: str) -> bool:
    have, want = " ".join(str(have).lower().split()), " ".join(want.lower().split())
    return bool(want) and (have == want or have.startswith(want + " "))


def _passes(r: Any, e: dict[str, Any]) -> bool:  # noqa: C901 - one branch per field
    price, title, cat = float(r.price), str(r.title), str(r.category)
    if "price_max" in e and price > e["price_max"] + 1e-9:
        return False
    if "price_min" in e and price < e["price_min"] - 1e-9:
        return False
    if e.get("title_any") and not any(
        has_words(title, w) or w.lower() in cat.lower() for w in e["title_any"]
    ):
        return False
    cats = [e["category"]] if isinstance(e.get("category"), str) else e.get("category") or []
    if cats and not any(cat.lower().startswith(c.lower()) for c in cats):
        return False
    if any(cat.lower().startswith(c.lower()) for c in e.get("not_category", [])):
        return False
    if "in_stock" in e and bool(getattr(r, "in_stock", True)) != e["in_stock"]:
        return False
    for name in ("color", "material"):
        if e.get(name) and (
            _attrs(r).get(name, "").lower() != e[name].lower() and not has_words(title, e[name])
        ):
            return False
    fields = [title, str(r.brand), cat, *[str(v) for v in _attrs(r).values()]]
    if any(has_words(f, w) for w in e.get("not_words", []) for f in fields if f):
        return False
    brands = [e["brand"]] if isinstance(e.get("brand"), str) else e.get("brand") or []
    if brands and not any(_is_brand(r.brand, b) for b in brands):
        return False
    if any(_is_brand(r.brand, b) or has_words(title, b) for b in e.get("not_brands", [])):
        return False
    rating = e.get("min_rating", e.get("rating_min"))
    if rating is not None and (
        r.rating != r.rating or r.rating is None or r.rating < rating - 1e-9
    ):
        return False
    if e.get("ids_in") and str(r.id) not in e["ids_in"]:
        return False
    return str(r.id) not in e.get("not_ids", [])


def fits(df: pd.DataFrame, **e: Any) -> pd.DataFrame:
    """Catalog products that pass a turn's `products` expectation as the evaluator checks it."""
    keep = [_passes(r, e) for r in df.itertuples(index=False)]
    return df[keep]


# ----- readings


def either(*dfs: pd.DataFrame) -> pd.DataFrame:
    """Products under any of several readings, once each."""
    return pd.concat(dfs).drop_duplicates("id")


def by_id(df: pd.DataFrame, pid: str) -> dict[str, Any]:
    """One product by id: title, price, rating (and stock on the demo shop)."""
    r = df[df.id.astype(str) == pid].iloc[0]
    out = {"id": pid, "title": r.title, "price": float(r.price), "rating": r.get("rating")}
    if "in_stock" in df:
        out["in_stock"] = bool(r.in_stock)
    return out


def passage(df: pd.DataFrame, pid: str, pattern: str) -> str:
    """The passage of a product's description that matches `pattern` (fails when none)."""
    text = str(df[df.id.astype(str) == pid].description.iloc[0])
    m = re.search(r"[^|.;]*" + pattern + r"[^|;]*", text, flags=re.IGNORECASE)
    if not m:
        raise SystemExit(f"{pid}: no passage matches {pattern!r}")
    return m.group(0).strip()


def ids(df: pd.DataFrame) -> list[str]:
    """The products' ids, sorted."""
    return sorted(df.id.astype(str))


def litres(title: str) -> float | None:
    """A capacity in litres written in a title ('75 Ltr', '1.5 Litre', '50 litres', '1.8L'); a
    number glued to a model code ('MPK120L', 'SEK15L') is not one."""
    m = re.search(
        r"(?<![\w.])(\d+(?:\.\d+)?)\s*-?\s*(?:l|ltr|ltrs|liter|liters|litre|litres)\b", title, re.I
    )
    return float(m.group(1)) if m else None


def bigger(df: pd.DataFrame, than: float) -> list[str]:
    """Ids whose title states a capacity above `than` litres."""
    return sorted(str(r.id) for r in df.itertuples() if (c := litres(r.title)) and c > than)


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:  # noqa: PLR0915
    """(key, rule, value) of every figure the suites use."""
    d, b, a = cat["demo"], cat["bigbasket"], cat["amazon-india"]
    inter = pd.read_parquet(ROOT / "data" / "demo" / "interactions.parquet")
    buyers = inter[inter.event == "purchase"].groupby("product_id").user_id.nunique()
    lunch_bags = word(d, "lunch bag").assign(buyers=lambda x: x.id.map(buyers).fillna(0))
    tlight = [
        "t-light",
        "tealight",
        "tea light",
        "candle holder",
        "candleholder",
        "votive",
        "lantern",
    ]
    birds = ["bird", "birdy", "birdie", "owl", "robin", "birdhouse", "bird house", "bird bath"]
    garden = [
        "garden",
        "gardening",
        "gardener",
        "plant",
        "seed",
        "watering can",
        "trowel",
        "flower pot",
        "potting",
    ]
    seaside = ["seaside", "beach", "shell", "sailor", "lighthouse", "sea"]
    party = ["napkin", "plate", "cup", "party", "tableware", "fairy", "placemat", "coaster", "cake"]
    kettles = either(
        word(a, "kettle"), leaf(a, "Electric Kettles"), leaf(a, "Kettle & Toaster Sets")
    )
    kettles = kettles[kettles.title.str.contains("kettle", case=False)]
    baskets = leaf(a, "Laundry Baskets")
    out: list[tuple[str, str, Any]] = [
        # ----- demo: exclusions
        (
            "demo.lantern_not_glass",
            "fit: title 'lantern', no 'glass'",
            count(fits(d, title_any=["lantern"], not_words=["glass"])),
        ),
        (
            "demo.tlight_not_glass",
            f"fit: title {tlight}, no 'glass'",
            count(fits(d, title_any=tlight, not_words=["glass"])),
        ),
        (
            "demo.tlight_zinc_not_glass",
            "and material zinc",
            ids(fits(d, title_any=tlight, material="zinc", not_words=["glass"])),
        ),
        (
            "demo.jewellery_not_earring",
            "fit: category Jewellery, no 'earring'",
            count(fits(d, category="Jewellery & Accessories > Jewellery", not_words=["earring"])),
        ),
        (
            "demo.bracelet_le5",
            "fit: title bracelet/bangle, price <= 5",
            count(fits(d, title_any=["bracelet", "bangle"], price_max=5)),
        ),
        (
            "demo.lunchbox_not_spaceboy_dinosaur",
            "fit: title lunch box/lunchbox/lunch bag, no spaceboy/dinosaur",
            count(
                fits(
                    d,
                    title_any=["lunch box", "lunchbox", "lunch bag"],
                    not_words=["spaceboy", "dinosaur"],
                )
            ),
        ),
        (
            "demo.cushion_not_heart",
            "fit: title (or category) 'cushion', no 'heart'; title word only",
            [
                count(fits(d, title_any=["cushion"], not_words=["heart"])),
                count(minus(word(d, "cushion"), "heart")),
            ],
        ),
        (
            "demo.cushion_not_heart_prices",
            "their lowest prices (a 'cheaper?' needs one below the dearest shown)",
            sorted(set(minus(word(d, "cushion"), "heart").price))[:5],
        ),
        (
            "demo.frame_not_wood",
            "fit: title 'frame', no wood/wooden",
            count(fits(d, title_any=["frame"], not_words=["wood", "wooden"])),
        ),
        (
            "demo.frame_silver_not_wood",
            "and colour silver",
            ids(fits(d, title_any=["frame"], color="silver", not_words=["wood", "wooden"])),
        ),
        (
            "demo.clock_not_pink",
            "fit: title 'clock', no 'pink'",
            count(fits(d, title_any=["clock"], not_words=["pink"])),
        ),
        (
            "demo.clock_black",
            "fit: title 'clock', colour black",
            ids(fits(d, title_any=["clock"], color="black")),
        ),
        ("demo.not_baby", "fit: no 'baby' (the whole shop)", count(fits(d, not_words=["baby"]))),
        (
            "demo.secret_santa",
            "fit: price <= 5, not Christmas, no christmas/xmas",
            count(
                fits(d, price_max=5, not_category=["Christmas"], not_words=["christmas", "xmas"])
            ),
        ),
        # ----- demo: people, interests, occasions
        (
            "demo.football",
            "title 'football'",
            word(d, "football")[["id", "title", "price", "in_stock"]].values.tolist(),
        ),
        (
            "demo.housewarming_7_13",
            "fit: around 10 = 7 to 13, not Christmas",
            count(fits(d, price_min=7, price_max=13, not_category=["Christmas"])),
        ),
        ("demo.garden", f"fit: title (or category) {garden}", count(fits(d, title_any=garden))),
        (
            "demo.named.47505",
            "Minature Coloured Gardening Set (the catalog's spelling): out of stock",
            by_id(d, "47505"),
        ),
        (
            "demo.garden_similar_in_stock",
            "in-stock products of Garden & Outdoor, for 'something similar that you do have'",
            count(d[d.category.str.startswith("Garden") & d.in_stock]),
        ),
        ("demo.birds", f"fit: title {birds}", count(fits(d, title_any=birds))),
        ("demo.birds_le3", "and price <= 3", count(fits(d, title_any=birds, price_max=3))),
        (
            "demo.doorstop",
            "fit: title doorstop/door stop",
            count(fits(d, title_any=["doorstop", "door stop"])),
        ),
        ("demo.named.21116", "Owl Doorstop", named(d, "Owl Doorstop")),
        (
            "demo.mirror_10_20",
            "fit: title 'mirror', 10 <= price <= 20",
            count(fits(d, title_any=["mirror"], price_min=10, price_max=20)),
        ),
        (
            "demo.owl_210_390",
            "fit: title 'owl', around 3 = 2.10 to 3.90",
            ids(fits(d, title_any=["owl"], price_min=2.1, price_max=3.9)),
        ),
        (
            "demo.throw_le20",
            "fit: title 'throw', price <= 20",
            ids(fits(d, title_any=["throw"], price_max=20)),
        ),
        # ----- demo: named products
        (
            "demo.named.22138",
            "Baking Set 9 Piece Retrospot (misspelt '9 peice')",
            named(d, "Baking Set 9 Piece Retrospot"),
        ),
        (
            "demo.quote.3x22138",
            "3 x Baking Set 9 Piece Retrospot",
            total(d, "Baking Set 9 Piece Retrospot", 3),
        ),
        (
            "demo.named.22457",
            "Natural Slate Heart Chalkboard",
            named(d, "Natural Slate Heart Chalkboard"),
        ),
        ("demo.named.22457.buyers", "its description", passage(d, "22457", "bought by")),
        (
            "demo.quote.12x22457",
            "12 (a dozen) x Natural Slate Heart Chalkboard",
            total(d, "Natural Slate Heart Chalkboard", 12),
        ),
        (
            "demo.named.21754_21755",
            "Home / Love Building Block Word",
            [named(d, "Home Building Block Word"), named(d, "Love Building Block Word")],
        ),
        ("demo.named.21621", "Vintage Union Jack Bunting", named(d, "Vintage Union Jack Bunting")),
        (
            "demo.bunting_cheaper",
            "fit: price < 8.50, title bunting/union jack/flag, not 21621",
            count(
                fits(
                    d,
                    price_max=8.49,
                    not_ids=["21621"],
                    title_any=["bunting", "union jack", "flag"],
                )
            ),
        ),
        (
            "demo.named.84879",
            "Assorted Colour Bird Ornament",
            named(d, "Assorted Colour Bird Ornament"),
        ),
        (
            "demo.named.22149",
            "Feltcraft 6 Flower Friends (misspelt 'feltcarft')",
            named(d, "Feltcraft 6 Flower Friends"),
        ),
        (
            "demo.named.22469_22470",
            "Heart of Wicker Small / Large (the bigger one)",
            [named(d, "Heart of Wicker Small"), named(d, "Heart of Wicker Large")],
        ),
        # ----- demo: superlatives
        ("demo.priciest_shop", "the whole shop", priciest(d)),
        (
            "demo.doormat",
            "fit: title 'door mat'/'doormat'",
            count(fits(d, title_any=["door mat", "doormat"])),
        ),
        (
            "demo.bestselling_lunch_bag",
            "title 'lunch bag', top 3 by distinct buyers",
            lunch_bags.sort_values("buyers", ascending=False)
            .head(3)[["id", "buyers"]]
            .values.tolist(),
        ),
        # ----- demo: routing (product words that look like policy words)
        (
            "demo.money_box",
            "fit: title money box/money bank/piggy bank",
            count(fits(d, title_any=["money box", "money bank", "piggy bank"])),
        ),
        (
            "demo.wrap",
            "fit: title wrap/wrapping (none costs 2.50)",
            [
                count(fits(d, title_any=["wrap", "wrapping"])),
                float(fits(d, title_any=["wrap", "wrapping"]).price.max()),
            ],
        ),
        # ----- demo: long requests
        (
            "demo.seaside_le10",
            f"fit: title {seaside}, price <= 10",
            count(fits(d, title_any=seaside, price_max=10)),
        ),
        (
            "demo.party_table_not_skull",
            f"fit: title (or category) {party}, no 'skull'",
            count(fits(d, title_any=party, not_words=["skull"])),
        ),
        # ----- bigbasket: exclusions
        (
            "bigbasket.peanut_butter_not_crunchy",
            "fit: title 'peanut butter', no crunchy/crunch",
            count(fits(b, title_any=["peanut butter"], not_words=["crunchy", "crunch"])),
        ),
        (
            "bigbasket.noodles_not_maggi",
            "fit: title 'noodles', brand/title not Maggi",
            count(fits(b, title_any=["noodles"], not_brands=["Maggi"])),
        ),
        (
            "bigbasket.noodles_not_maggi_le30",
            "and price <= 30",
            count(fits(b, title_any=["noodles"], not_brands=["Maggi"], price_max=30)),
        ),
        (
            "bigbasket.detergent_not_surf",
            "fit: title detergent/washing powder, not Surf Excel",
            count(fits(b, title_any=["detergent", "washing powder"], not_brands=["Surf Excel"])),
        ),
        (
            "bigbasket.ariel_tide_ge4",
            "fit: brand Ariel or Tide, title detergent/washing powder, rated >= 4",
            count(
                fits(
                    b,
                    brand=["Ariel", "Tide"],
                    title_any=["detergent", "washing powder"],
                    min_rating=4,
                )
            ),
        ),
        (
            "bigbasket.dishwash_not_lemon",
            "fit: title dishwash/dish wash/dishwashing/dishwasher, no 'lemon'",
            count(
                fits(
                    b,
                    title_any=["dishwash", "dish wash", "dishwashing", "dishwasher"],
                    not_words=["lemon"],
                )
            ),
        ),
        (
            "bigbasket.pickle_not_mango",
            "fit: title pickle/achar, no 'mango'",
            count(fits(b, title_any=["pickle", "achar"], not_words=["mango"])),
        ),
        (
            "bigbasket.pickle_not_mango_mothers",
            "and brand Mother's Recipe",
            count(
                fits(b, title_any=["pickle", "achar"], not_words=["mango"], brand="Mother's Recipe")
            ),
        ),
        (
            "bigbasket.snacks_not_biscuits",
            "fit: category Snacks & Branded Foods / Gourmet & World Food / Fruits & Vegetables / Bakery, Cakes & Dairy, not Biscuits & Cookies, no biscuit/cookie",
            count(
                fits(
                    b,
                    category=SNACKS,
                    not_category=["Snacks & Branded Foods > Biscuits & Cookies"],
                    not_words=["biscuit", "cookie"],
                )
            ),
        ),
        (
            "bigbasket.toothbrush_not_colgate",
            "fit: title 'toothbrush', not Colgate",
            count(fits(b, title_any=["toothbrush"], not_brands=["Colgate"])),
        ),
        # ----- bigbasket: brands and ratings
        (
            "bigbasket.cello_bottle",
            "fit: brand Cello, title 'bottle'",
            count(fits(b, brand="Cello", title_any=["bottle"])),
        ),
        (
            "bigbasket.ketchup_ge4_le150",
            "fit: title 'ketchup', rated >= 4, price <= 150",
            count(fits(b, title_any=["ketchup"], min_rating=4, price_max=150)),
        ),
        (
            "bigbasket.lotion_ge41",
            "fit: title body lotion/lotion, rated >= 4.1 (and strictly above 4.1)",
            [
                count(fits(b, title_any=["body lotion", "lotion"], min_rating=4.1)),
                count(fits(b, title_any=["body lotion", "lotion"], min_rating=4.2)),
            ],
        ),
        (
            "bigbasket.lotion_ge41_nivea",
            "and brand Nivea (or a sub-brand)",
            count(fits(b, title_any=["lotion"], min_rating=4.1, brand="Nivea")),
        ),
        (
            "bigbasket.organic_tattva",
            "fit: brand Organic Tattva",
            count(fits(b, brand="Organic Tattva")),
        ),
        (
            "bigbasket.organic_tattva_dal",
            "and title (or category) dal/moong/toor/masoor/chana/urad/rajma/lentil",
            count(
                fits(
                    b,
                    brand="Organic Tattva",
                    title_any=[
                        "dal",
                        "dhal",
                        "moong",
                        "toor",
                        "masoor",
                        "chana",
                        "urad",
                        "rajma",
                        "lentil",
                    ],
                )
            ),
        ),
        # ----- bigbasket: people, interests, occasions
        (
            "bigbasket.milk_alternatives",
            f"fit: category dairy / dairy & cheese / beverages, title (or category) {MILKS}",
            count(
                fits(
                    b,
                    category=[
                        "Bakery, Cakes & Dairy",
                        "Gourmet & World Food > Dairy & Cheese",
                        "Beverages",
                    ],
                    title_any=MILKS,
                )
            ),
        ),
        (
            "bigbasket.baby",
            "fit: title (or category, Baby Care) 'baby'",
            count(fits(b, title_any=["baby"])),
        ),
        (
            "bigbasket.gift_350_650",
            "fit: title (or category) gift/hamper, around 500 = 350 to 650",
            count(fits(b, title_any=["gift", "hamper"], price_min=350, price_max=650)),
        ),
        (
            "bigbasket.protein_bar_le100",
            "fit: title 'protein bar', price <= 100",
            ids(fits(b, title_any=["protein bar"], price_max=100)),
        ),
        (
            "bigbasket.gardening",
            "fit: category Kitchen, Garden & Pets > Gardening",
            count(fits(b, category="Kitchen, Garden & Pets > Gardening")),
        ),
        # ----- bigbasket: filler, typos
        ("bigbasket.atta", "fit: title 'atta'", count(fits(b, title_any=["atta"]))),
        (
            "bigbasket.mosquito",
            "fit: title mosquito/repellent/repellant",
            count(fits(b, title_any=["mosquito", "repellent", "repellant"])),
        ),
        (
            "bigbasket.cashew",
            "fit: title cashew/kaju",
            count(fits(b, title_any=["cashew", "kaju"])),
        ),
        # ----- bigbasket: named products
        (
            "bigbasket.named.13833",
            "Hazelnut Spread with Cocoa (Nutella; misspelt 'nutela')",
            [named(b, "Hazelnut Spread with Cocoa"), b[b.id == "13833"].brand.iloc[0]],
        ),
        (
            "bigbasket.quote.4x13833",
            "4 x Nutella Hazelnut Spread with Cocoa",
            total(b, "Hazelnut Spread with Cocoa", 4),
        ),
        (
            "bigbasket.spread_lt308",
            "fit: price < 308, title spread/hazelnut/chocolate/cocoa, not 13833",
            count(
                fits(
                    b,
                    price_max=307.99,
                    not_ids=["13833"],
                    title_any=["spread", "hazelnut", "chocolate", "cocoa"],
                )
            ),
        ),
        (
            "bigbasket.named.2814_1930",
            "Lizol Disinfectant Floor Cleaner Liquid - Pine / - Sandal",
            [
                named(b, "Disinfectant Floor Cleaner Liquid - Pine, Kills 99.9% Germs"),
                named(b, "Disinfectant Floor Cleaner Liquid - Sandal, Kills 99.9% Germs"),
            ],
        ),
        (
            "bigbasket.named.11881",
            "Mad Angles - Achaari Masti (misspelt 'mad angels achari masti'): brand",
            [named(b, "Mad Angles - Achaari Masti"), b[b.id == "11881"].brand.iloc[0]],
        ),
        (
            "bigbasket.quote.12x11881",
            "12 (a dozen) x Mad Angles - Achaari Masti",
            total(b, "Mad Angles - Achaari Masti", 12),
        ),
        (
            "bigbasket.named.1126",
            "Good knight Fabric Roll-On Mosquito Repellent",
            named(b, "Fabric Roll-On Mosquito Repellent"),
        ),
        (
            "bigbasket.mosquito_lt75",
            "fit: price < 75, title mosquito/repellent, not 1126",
            count(fits(b, price_max=74.99, not_ids=["1126"], title_any=["mosquito", "repellent"])),
        ),
        ("bigbasket.named.6793", "Kelloggs Chocos Moon & Stars", named(b, "Chocos Moon & Stars")),
        (
            "bigbasket.named.810_24779",
            "Kiwi Express Shine Sponge (Black / For ALL Colours)",
            [
                named(b, "Express Shine Sponge - Black"),
                named(b, "Express Shine Sponge - For ALL Colours"),
            ],
        ),
        # ----- bigbasket: superlatives
        ("bigbasket.priciest_shop", "the whole shop", priciest(b)),
        (
            "bigbasket.cheapest_pressure_cooker",
            "title 'pressure cooker' less separators | leaf Pressure Cookers",
            cheapest(minus(word(b, "pressure cooker"), "separator"), leaf(b, "Pressure Cookers")),
        ),
        ("bigbasket.best_rated_makhana", "title 'makhana'", best_rated(word(b, "makhana"))),
        # ----- bigbasket: money
        (
            "bigbasket.lunch_box_300_600",
            "fit: title lunch box/tiffin, 300 <= price <= 600",
            count(fits(b, title_any=["lunch box", "tiffin"], price_min=300, price_max=600)),
        ),
        (
            "bigbasket.kadai_le800",
            "fit: title kadai/kadhai, price <= 800",
            count(fits(b, title_any=["kadai", "kadhai"], price_max=800)),
        ),
        (
            "bigbasket.sunscreen_le300",
            "fit: title sunscreen/sun screen/spf/sunblock, price <= 300",
            count(fits(b, title_any=["sunscreen", "sun screen", "spf", "sunblock"], price_max=300)),
        ),
        # ----- bigbasket: routing
        (
            "bigbasket.menstrual_cup",
            "fit: title menstrual cup/period cup (ICare and mJOY name 'delivery')",
            count(fits(b, title_any=["menstrual cup", "period cup"])),
        ),
        (
            "bigbasket.playing_cards",
            "fit: title 'playing card'",
            count(fits(b, title_any=["playing card"])),
        ),
        # ----- bigbasket: long requests
        (
            "bigbasket.oil_le500",
            "fit: title groundnut/sesame/gingelly/til/peanut oil, price <= 500",
            count(
                fits(
                    b,
                    title_any=["groundnut", "sesame", "gingelly", "til", "peanut oil"],
                    price_max=500,
                )
            ),
        ),
        (
            "bigbasket.school_trip_kit",
            "fit: title sanitiser/sanitizer/antiseptic/deodorant/roll-on/roll on",
            count(
                fits(
                    b,
                    title_any=[
                        "sanitiser",
                        "sanitizer",
                        "antiseptic",
                        "deodorant",
                        "roll-on",
                        "roll on",
                    ],
                )
            ),
        ),
        # ----- amazon-india: exclusions
        (
            "amazon-india.ceiling_fan_not_brown",
            "fit: title 'ceiling fan', no 'brown'",
            ids(fits(a, title_any=["ceiling fan"], not_words=["brown"])),
        ),
        (
            "amazon-india.speaker_not_boat",
            "fit: title 'speaker', not boAt",
            count(fits(a, title_any=["speaker"], not_brands=["boAt"])),
        ),
        (
            "amazon-india.speaker_not_boat_le1000",
            "and price <= 1000",
            count(fits(a, title_any=["speaker"], not_brands=["boAt"], price_max=1000)),
        ),
        (
            "amazon-india.lint_not_roller",
            "fit: title 'lint', no roller/sticky",
            count(fits(a, title_any=["lint"], not_words=["roller", "sticky"])),
        ),
        (
            "amazon-india.lint_not_roller_350_650",
            "and around 500 = 350 to 650",
            count(
                fits(
                    a,
                    title_any=["lint"],
                    not_words=["roller", "sticky"],
                    price_min=350,
                    price_max=650,
                )
            ),
        ),
        (
            "amazon-india.laundry_not_kuber",
            "fit: title 'laundry', not Kuber Industries",
            count(fits(a, title_any=["laundry"], not_brands=["Kuber Industries"])),
        ),
        (
            "amazon-india.laundry_not_kuber_ge4",
            "and rated >= 4",
            count(fits(a, title_any=["laundry"], not_brands=["Kuber Industries"], min_rating=4)),
        ),
        (
            "amazon-india.blender_not_frother",
            "fit: title 'blender', no 'frother'",
            count(fits(a, title_any=["blender"], not_words=["frother"])),
        ),
        (
            "amazon-india.pen_drive_not_sandisk",
            "fit: category ... > Pen Drives, not SanDisk",
            ids(fits(a, category=PEN_DRIVES, not_brands=["SanDisk"])),
        ),
        # ----- amazon-india: named products and their listings
        (
            "amazon-india.named.B083J64CBB",
            "Kuber Industries Waterproof Canvas Laundry Bag/Hamper (45 litres)",
            by_id(a, "B083J64CBB"),
        ),
        (
            "amazon-india.laundry_bigger_than_45",
            "Laundry Baskets whose title states more than 45 litres",
            bigger(baskets, 45),
        ),
        ("amazon-india.named.B005FYNT3G", "SanDisk Cruzer Blade 32GB", by_id(a, "B005FYNT3G")),
        (
            "amazon-india.quote.12xB005FYNT3G",
            "12 (a dozen) x SanDisk Cruzer Blade 32GB",
            round(12 * by_id(a, "B005FYNT3G")["price"], 2),
        ),
        ("amazon-india.named.B08Y5QJXSR", "atomberg Renesa ceiling fan", by_id(a, "B08Y5QJXSR")),
        (
            "amazon-india.named.B08Y5QJXSR.watts",
            "its description",
            passage(a, "B08Y5QJXSR", "Consumes only"),
        ),
        (
            "amazon-india.named.B08Y5QJXSR.regulator",
            "its description",
            passage(a, "B08Y5QJXSR", "NO REGULATOR"),
        ),
        (
            "amazon-india.named.B08Y5QJXSR.warranty",
            "its description",
            passage(a, "B08Y5QJXSR", "WARRANTY"),
        ),
        (
            "amazon-india.fan_cheaper_than_renesa",
            "fit: price < 3569, title 'fan', not B08Y5QJXSR",
            count(fits(a, price_max=3568.99, not_ids=["B08Y5QJXSR"], title_any=["fan"])),
        ),
        ("amazon-india.named.B07B88KQZ8", "JBL Go 2", by_id(a, "B07B88KQZ8")),
        (
            "amazon-india.named.B07B88KQZ8.waterproof",
            "its description",
            passage(a, "B07B88KQZ8", "IPX7"),
        ),
        (
            "amazon-india.named.B07B88KQZ8.battery",
            "its description",
            passage(a, "B07B88KQZ8", "Hours of Playtime"),
        ),
        (
            "amazon-india.named.B07B88KQZ8.box",
            "its description",
            passage(a, "B07B88KQZ8", "in the box"),
        ),
        ("amazon-india.named.B00TDD0YM4", "Philips GC026/30 Fabric Shaver", by_id(a, "B00TDD0YM4")),
        (
            "amazon-india.named.B00TDD0YM4.batteries",
            "its description",
            passage(a, "B00TDD0YM4", "batteries"),
        ),
        (
            "amazon-india.named.B00TDD0YM4.warranty",
            "its description",
            passage(a, "B00TDD0YM4", "Warranty"),
        ),
        ("amazon-india.named.B00A328ENA", "Panasonic SR-WA22H rice cooker", by_id(a, "B00A328ENA")),
        (
            "amazon-india.named.B00A328ENA.rice",
            "its description",
            passage(a, "B00A328ENA", r"Cooks Up To 1\.25 Kg"),
        ),
        (
            "amazon-india.named.B00A328ENA.warranty",
            "its description",
            passage(a, "B00A328ENA", "Warranty"),
        ),
        (
            "amazon-india.named.B01EY310UM.cord",
            "Philips GC181 dry iron: its description",
            passage(a, "B01EY310UM", "cord length"),
        ),
        (
            "amazon-india.named.B07FXLC2G2",
            "Tata Swach Bulb cartridge: its title",
            by_id(a, "B07FXLC2G2"),
        ),
        (
            "amazon-india.named.B0989W6J2F.return",
            "ENEM sealing machine: its description",
            passage(a, "B0989W6J2F", "return the machine"),
        ),
        (
            "amazon-india.named.B07NC12T2R_B08SMJT55F",
            "boAt Stone 650 / Stone 250",
            [by_id(a, "B07NC12T2R"), by_id(a, "B08SMJT55F")],
        ),
        (
            "amazon-india.named.B083GKDRKR",
            "Havells Aqua Plus 1.2 litre kettle",
            by_id(a, "B083GKDRKR"),
        ),
        (
            "amazon-india.kettle_bigger_than_12",
            "kettles (title 'kettle', or leaf Electric Kettles / Kettle & Toaster Sets with 'kettle' in the title) stating more than 1.2 litres",
            bigger(kettles, 1.2),
        ),
        ("amazon-india.named.B07GVR9TG7", "TP-Link Archer C6 router", by_id(a, "B07GVR9TG7")),
        ("amazon-india.named.B01M5B0TPW", "Borosil Chef Delite chopper", by_id(a, "B01M5B0TPW")),
        (
            "amazon-india.named.B09J2QCKKM.cutoff",
            "Havells Zella immersion rod (misspelt 'havels'): its description",
            passage(a, "B09J2QCKKM", "auto cut off"),
        ),
        # ----- amazon-india: people, interests, occasions
        (
            "amazon-india.housewarming_1400_2600",
            "fit: category Home & Kitchen, around 2000 = 1400 to 2600",
            count(fits(a, category="Home & Kitchen", price_min=1400, price_max=2600)),
        ),
        (
            "amazon-india.coffee",
            "fit: title coffee/kaapi/decoction/espresso/percolator/moka",
            count(
                fits(
                    a, title_any=["coffee", "kaapi", "decoction", "espresso", "percolator", "moka"]
                )
            ),
        ),
        (
            "amazon-india.hostel_cooker",
            "fit: title kettle/cooker",
            count(fits(a, title_any=["kettle", "cooker"])),
        ),
        (
            "amazon-india.immersion",
            "fit: title 'immersion'",
            count(fits(a, title_any=["immersion"])),
        ),
        (
            "amazon-india.air_fryer",
            "fit: title 'air fryer'",
            count(fits(a, title_any=["air fryer"])),
        ),
        # ----- amazon-india: superlatives
        ("amazon-india.priciest_shop", "the whole shop", priciest(a)),
        (
            "amazon-india.cheapest_ceiling_fan",
            "title 'ceiling fan' | leaf Ceiling Fans",
            cheapest(word(a, "ceiling fan"), leaf(a, "Ceiling Fans")),
        ),
        (
            "amazon-india.best_rated_kitchen_scale",
            "leaf Digital Kitchen Scales (the title word 'scale' also names jewellery scales)",
            best_rated(leaf(a, "Digital Kitchen Scales")),
        ),
        # ----- amazon-india: money and ratings
        (
            "amazon-india.wet_dry_3000_6000",
            "fit: title wet & dry / wet and dry, 3000 <= price <= 6000",
            ids(fits(a, title_any=["wet & dry", "wet and dry"], price_min=3000, price_max=6000)),
        ),
        (
            "amazon-india.dry_iron_le600",
            "fit: title 'iron', price <= 600",
            count(fits(a, title_any=["iron"], price_max=600)),
        ),
        (
            "amazon-india.router_le2000",
            "fit: category ... > Routers, no 'ups', price <= 2000",
            ids(fits(a, category=ROUTERS, not_words=["ups"], price_max=2000)),
        ),
        (
            "amazon-india.induction_ge4",
            "fit: title 'induction', rated >= 4",
            count(fits(a, title_any=["induction"], min_rating=4)),
        ),
        # ----- amazon-india: routing
        (
            "amazon-india.power_bank",
            "fit: title 'power bank' (three name 'Power Delivery')",
            [
                count(fits(a, title_any=["power bank"])),
                ids(
                    word(a, "power delivery").pipe(
                        lambda x: x[x.title.str.contains("power bank", case=False)]
                    )
                ),
            ],
        ),
        ("amazon-india.webcam", "fit: title 'webcam'", count(fits(a, title_any=["webcam"]))),
        (
            "amazon-india.hdmi",
            "fit: title 'hdmi' (two name 'Audio Return')",
            count(fits(a, title_any=["hdmi"])),
        ),
        (
            "amazon-india.fitness",
            "fit: title smartwatch/smart watch/tracker/fitness/band/watch",
            count(
                fits(
                    a,
                    title_any=["smartwatch", "smart watch", "tracker", "fitness", "band", "watch"],
                )
            ),
        ),
        # ----- amazon-india: long requests
        (
            "amazon-india.kettle_egg_le1950",
            "fit: title kettle/egg boiler/egg, '1500 or so' = up to 1950",
            count(fits(a, title_any=["kettle", "egg boiler", "egg"], price_max=1950)),
        ),
        (
            "amazon-india.laptop_stand_le2000",
            "fit: title laptop stand/laptop table/lapdesk/stand/table/desk/cooling pad/cooler, price <= 2000",
            count(
                fits(
                    a,
                    title_any=[
                        "laptop stand",
                        "laptop table",
                        "lapdesk",
                        "stand",
                        "table",
                        "desk",
                        "cooling pad",
                        "cooler",
                    ],
                    price_max=2000,
                )
            ),
        ),
    ]
    return out


def check(cat: dict[str, pd.DataFrame]) -> int:
    """Every turn with a `products` expectation and `min_products`: how many catalog products
    pass it (must be >= min_products); every id an expectation names exists. Returns the
    number of problems."""
    problems = 0
    for name, fname in SUITES.items():
        df = cat[name]
        known = set(df.id.astype(str))
        suite = yaml.safe_load((HERE / fname).read_text(encoding="utf-8"))
        for dlg in suite["dialogues"]:
            for n, turn in enumerate(dlg["turns"], start=1):
                e = turn.get("expect") or {}
                named_ids = [e.get("first_id")] + e.get("first_in", []) + e.get("ids_any", [])
                p = e.get("products") or {}
                named_ids += p.get("ids_in", []) + p.get("not_ids", [])
                for i in [x for x in named_ids if x]:
                    if str(i) not in known:
                        problems += 1
                        sys.stdout.write(f"{name} {dlg['id']}#{n}: unknown id {i}\n")
                if p and e.get("min_products"):
                    spec = {k: v for k, v in p.items() if k != "cheaper_than_previous"}
                    got = count(fits(df, **spec))
                    flag = "" if got >= e["min_products"] else "  <-- TOO FEW"
                    problems += bool(flag)
                    sys.stdout.write(
                        f"{name} {dlg['id']}#{n}: {got} fit (min {e['min_products']}){flag}\n"
                    )
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--check", action="store_true", help="check the suites against the catalogs")
    ap.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = ap.parse_args()
    cat = {n: load(n, args.shared) for n in SUITES}
    if args.check:
        sys.exit(1 if check(cat) else 0)
    for key, rule, value in facts(cat):
        if not args.prefix or key.startswith(tuple(args.prefix)):
            sys.stdout.write(f"{key} = {value}  # {rule}\n")


if __name__ == "__main__":
    main()
