"""Re-derive every catalog figure the second held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout2/truth.py [--shared ../shared/data] [KEY_PREFIX ...]

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout2/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py and of data/suites/heldout/truth.py (whose helpers this reuses):
a "<word>" product has the word as whole words in its title, or sits in the category leaf that
names it; ties are all accepted; "most popular" is distinct buyers on the demo shop and
rating_count on Amazon India (top 5 accepted); a named product is the one whose title the
shopper names; a total is N x its catalog price. Rules this suite adds:

- "premium" (a shopper's word for the upper end of a kind): at or above the median price of
  the products that fit the rest of the request;
- "around X": within 30% of X either side;
- an exclusion of a word also excludes products whose attributes carry it (the evaluator's
  `not_words` checks title, brand, category path and attribute values);
- on Amazon India, where a title word also names accessories (cases "for a power bank"), the
  best rated of a kind is read over its category leaf only.

Figures quoted from a product's own listing (description, attributes) are printed with the
passage they come from. Counts show that the catalog has enough products for a turn's
`min_products`.
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
_spec = importlib.util.spec_from_file_location(
    "heldout_truth", HERE.parent / "heldout" / "truth.py"
)
assert _spec is not None and _spec.loader is not None
ho = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ho)
dev = ho.dev

load, word, leaf, named, total, minus, count = (
    dev.load,
    dev.word,
    dev.leaf,
    dev.named,
    dev.total,
    dev.minus,
    dev.count,
)
cheapest, priciest, best_rated, brand = dev.cheapest, dev.priciest, dev.best_rated, dev.brand
by_id, passage, newest = ho.by_id, ho.passage, ho.newest


def either(*dfs: pd.DataFrame) -> pd.DataFrame:
    """Products under any of several readings, once each."""
    return pd.concat(dfs).drop_duplicates("id")


def no_attr(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """Without products that carry `value` as an attribute value (demo colours, materials)."""
    return df[~df.attributes.apply(lambda at: value in at.values())]


def not_brand(df: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Without products of these brands (or a sub-brand) nor with one in the title."""
    for n in names:
        df = df[~df.brand.str.lower().str.startswith(n.lower())]
        df = df[~df.index.isin(word(df, n).index)]
    return df


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the suites use."""
    d, b, a = cat["demo"], cat["bigbasket"], cat["amazon-india"]
    inter = pd.read_parquet(ROOT / "data" / "demo" / "interactions.parquet")
    buyers = inter[inter.event == "purchase"].groupby("product_id").user_id.nunique()
    mugs = word(d, "mug")
    necklaces = no_attr(minus(word(d, "necklace"), "silver"), "silver")
    umbrellas = minus(word(d, "umbrella"), "spot", "spotty")
    cats = word(d, "cat").query("price <= 5")
    easter = d[d.category.str.startswith("Seasonal > Easter")]
    biscuits = minus(either(word(b, "biscuits"), word(b, "cookies")), "chocolate", "choco")
    shampoo = not_brand(word(b, "shampoo"), "Head & Shoulders")
    phones_leaf = leaf(a, "Smart Watches")
    watches_x = not_brand(phones_leaf, "Noise", "Fire-Boltt")
    kettles = either(word(a, "kettle"), leaf(a, "Electric Kettles"))
    heaters = word(a, "heater")
    typec = either(word(a, "type c"), word(a, "type-c"), word(a, "usb c"), word(a, "usb-c"))
    typec = typec[typec.title.str.contains("cable", case=False)]
    return [
        # ----- demo
        (
            "demo.hwb_not_pink",
            "title 'hot water bottle', no 'pink' (title or attribute)",
            count(no_attr(minus(word(d, "hot water bottle"), "pink"), "pink")),
        ),
        (
            "demo.umbrella_not_spot",
            "title 'umbrella', no 'spot'/'spotty'",
            umbrellas[["id", "title"]].values.tolist(),
        ),
        (
            "demo.umbrella_not_spot_pink",
            "and no 'pink' (title or attribute)",
            count(no_attr(minus(umbrellas, "pink"), "pink")),
        ),
        (
            "demo.cat_le5_not_cards",
            "title 'cat', price <= 5, not in Cards & Wrap, no 'card'",
            count(
                minus(
                    cats[~cats.category.str.startswith("Stationery & Gifts > Cards & Wrap")], "card"
                )
            ),
        ),
        (
            "demo.necklace_not_silver",
            "title 'necklace', no 'silver' (title or attribute)",
            count(necklaces),
        ),
        (
            "demo.necklace_not_silver_median",
            "premium = at or above their median price",
            float(necklaces.price.median()),
        ),
        (
            "demo.necklace_not_silver_premium",
            "how many at or above it",
            count(necklaces[necklaces.price >= necklaces.price.median()]),
        ),
        (
            "demo.stocking_le2_not_jewellery",
            "price <= 2, not in Jewellery & Accessories > Jewellery",
            count(
                d[~d.category.str.startswith("Jewellery & Accessories > Jewellery")].query(
                    "price <= 2"
                )
            ),
        ),
        (
            "demo.easter_not_chick",
            "category Seasonal > Easter, no 'chick'",
            count(minus(easter, "chick")),
        ),
        (
            "demo.fishing",
            "title 'fishing'",
            word(d, "fishing")[["id", "title", "price"]].values.tolist(),
        ),
        ("demo.baby", "title 'baby'", word(d, "baby")[["id", "title"]].values.tolist()),
        (
            "demo.bunting_le5",
            "title 'bunting', price <= 5",
            count(word(d, "bunting").query("price <= 5")),
        ),
        (
            "demo.sewing",
            "title 'sewing' / 'pin cushion' / 'tape measure' / 'knitting'",
            [count(word(d, w)) for w in ("sewing", "pin cushion", "tape measure", "knitting")],
        ),
        ("demo.t_light", "title 't-light'", count(word(d, "t-light"))),
        ("demo.lunch_bag", "title 'lunch bag'", count(word(d, "lunch bag"))),
        (
            "demo.named.22498",
            "Wooden Regatta Bunting: price, description",
            [
                named(d, "Wooden Regatta Bunting"),
                by_id(d, "22498"),
                passage(d, "22498", "bought by"),
            ],
        ),
        ("demo.quote.6x22498", "6 x Wooden Regatta Bunting", total(d, "Wooden Regatta Bunting", 6)),
        (
            "demo.named.20682",
            "Red Spotty Childs Umbrella (misspelt 'red spotty kids umbrela')",
            by_id(d, "20682"),
        ),
        ("demo.named.20680", "Pink Flowers Childs Umbrella", by_id(d, "20680")),
        ("demo.named.84032B", "Charlie + Lola Red Hot Water Bottle", by_id(d, "84032B")),
        ("demo.named.84032A", "Charlie+Lola Pink Hot Water Bottle", by_id(d, "84032A")),
        (
            "demo.named.21478",
            "Silver Skull Hot Water Bottle",
            named(d, "Silver Skull Hot Water Bottle"),
        ),
        ("demo.named.22123", "Ping Microwave Apron", named(d, "Ping Microwave Apron")),
        (
            "demo.apron_lt_506",
            "title 'apron', price < 5.06",
            count(word(d, "apron").query("price < 5.06")),
        ),
        (
            "demo.named.22123.description",
            "its description",
            passage(d, "22123", "first recorded sale"),
        ),
        (
            "demo.named.21068",
            "Vintage Billboard Love/Hate Mug",
            named(d, "Vintage Billboard Love/Hate Mug"),
        ),
        ("demo.cheapest_jigsaw", "title 'jigsaw'", cheapest(word(d, "jigsaw"))),
        ("demo.priciest_jigsaw", "title 'jigsaw'", priciest(word(d, "jigsaw"))),
        (
            "demo.popular_mug",
            "title 'mug', top 5 by distinct buyers",
            mugs.assign(n=mugs.id.map(buyers))
            .sort_values("n", ascending=False)
            .head(5)[["id", "n"]]
            .values.tolist(),
        ),
        (
            "demo.newest_necklace",
            "title 'necklace', latest 'first recorded sale' month",
            newest(word(d, "necklace")),
        ),
        (
            "demo.tea_towel_2_4",
            "title 'tea towel', 2 <= price <= 4",
            count(word(d, "tea towel").query("2 <= price <= 4")),
        ),
        ("demo.quote.20x21868", "20 x Potting Shed Tea Mug", total(d, "Potting Shed Tea Mug", 20)),
        (
            "demo.quote.10x22498",
            "10 x Wooden Regatta Bunting",
            total(d, "Wooden Regatta Bunting", 10),
        ),
        ("demo.le10", "price <= 10", count(d.query("price <= 10"))),
        (
            "demo.sticker_le050",
            "title 'sticker', price <= 0.50",
            word(d, "sticker").query("price <= 0.5")[["id", "title", "price"]].values.tolist(),
        ),
        (
            "demo.lamp_ge10",
            "title 'lamp', price >= 10",
            word(d, "lamp").query("price >= 10")[["id", "title", "price"]].values.tolist(),
        ),
        (
            "demo.photo_album_35_65",
            "title 'photo album', around 5 = 3.50 to 6.50",
            count(word(d, "photo album").query("3.5 <= price <= 6.5")),
        ),
        (
            "demo.key_ring_le1",
            "title 'key ring', price <= 1",
            count(word(d, "key ring").query("price <= 1")),
        ),
        (
            "demo.bird_le10",
            "title 'bird', price <= 10",
            count(word(d, "bird").query("price <= 10")),
        ),
        ("demo.bracelet", "title 'bracelet'", count(word(d, "bracelet"))),
        ("demo.wrap", "title 'wrap'", count(word(d, "wrap"))),
        (
            "demo.named.21481",
            "Fawn Blue Hot Water Bottle: attributes",
            [named(d, "Fawn Blue Hot Water Bottle"), d[d.id == "21481"].attributes.iloc[0]],
        ),
        # ----- bigbasket
        ("bigbasket.shampoo_not_hs", "title 'shampoo', brand not Head & Shoulders", count(shampoo)),
        (
            "bigbasket.shampoo_not_hs_le200",
            "and price <= 200",
            count(shampoo.query("price <= 200")),
        ),
        (
            "bigbasket.biscuits_not_choc",
            "title 'biscuits'/'cookies', no 'chocolate'/'choco'",
            count(biscuits),
        ),
        (
            "bigbasket.biscuits_not_choc_britannia",
            "and brand Britannia (or a sub-brand)",
            count(biscuits[biscuits.brand.str.lower().str.startswith("britannia")]),
        ),
        (
            "bigbasket.hair_oil_not_coconut",
            "title 'hair oil', no 'coconut'",
            count(minus(word(b, "hair oil"), "coconut")),
        ),
        (
            "bigbasket.soap_not_dettol",
            "title 'soap', brand not Dettol",
            count(not_brand(word(b, "soap"), "Dettol")),
        ),
        (
            "bigbasket.dog_food_not_pedigree",
            "title 'dog food', brand not Pedigree",
            count(not_brand(word(b, "dog food"), "Pedigree")),
        ),
        (
            "bigbasket.tea_not_green",
            "title 'tea', no 'green tea'",
            count(minus(word(b, "tea"), "green tea")),
        ),
        (
            "bigbasket.diapers_not_huggies_pampers",
            "title 'diaper(s)', brand not Huggies/Pampers",
            count(not_brand(either(word(b, "diaper"), word(b, "diapers")), "Huggies", "Pampers")),
        ),
        ("bigbasket.sugar_free", "title 'sugar free'", count(word(b, "sugar free"))),
        (
            "bigbasket.cat_food",
            "title 'cat food', and their category",
            [count(word(b, "cat food")), word(b, "cat food").category.unique().tolist()],
        ),
        (
            "bigbasket.pooja_needs",
            "category Cleaning & Household > Pooja Needs",
            count(b[b.category.str.startswith("Cleaning & Household > Pooja Needs")]),
        ),
        ("bigbasket.basmati", "title 'basmati'", count(word(b, "basmati"))),
        (
            "bigbasket.basmati_le150",
            "title 'basmati rice', price <= 150",
            count(word(b, "basmati rice").query("price <= 150")),
        ),
        ("bigbasket.instant_coffee", "title 'instant coffee'", count(word(b, "instant coffee"))),
        (
            "bigbasket.named.23307",
            "Gluco Biscuits - Parle-G (Parle)",
            named(b, "Gluco Biscuits - Parle-G"),
        ),
        ("bigbasket.quote.8x23307", "8 x Parle-G", total(b, "Gluco Biscuits - Parle-G", 8)),
        (
            "bigbasket.named.1616",
            "Dairy Milk Silk - Hazelnut Chocolate Bar: brand",
            [named(b, "Dairy Milk Silk - Hazelnut Chocolate Bar"), b[b.id == "1616"].brand.iloc[0]],
        ),
        (
            "bigbasket.named.6804",
            "Coffee - Classic (Nescafe, the 300-rupee one)",
            [named(b, "Coffee - Classic"), b[b.id == "6804"].brand.iloc[0]],
        ),
        (
            "bigbasket.coffee_lt300",
            "title 'coffee', price < 300",
            count(word(b, "coffee").query("price < 300")),
        ),
        ("bigbasket.cheapest_basmati", "title 'basmati rice'", cheapest(word(b, "basmati rice"))),
        ("bigbasket.best_rated_green_tea", "title 'green tea'", best_rated(word(b, "green tea"))),
        ("bigbasket.priciest_ghee", "title 'ghee'", priciest(word(b, "ghee"))),
        (
            "bigbasket.honey_ge500",
            "title 'honey', price >= 500",
            count(word(b, "honey").query("price >= 500")),
        ),
        (
            "bigbasket.amul_ghee",
            "brand Amul, title 'ghee'",
            brand(word(b, "ghee"), "Amul")[["id", "title", "price"]].values.tolist(),
        ),
        (
            "bigbasket.coffee_200_400",
            "title 'coffee', 200 <= price <= 400",
            count(word(b, "coffee").query("200 <= price <= 400")),
        ),
        (
            "bigbasket.muesli_175_325",
            "title 'muesli', around 250 = 175 to 325",
            count(word(b, "muesli").query("175 <= price <= 325")),
        ),
        (
            "bigbasket.jaggery_le99",
            "title 'jaggery', price <= 99",
            count(word(b, "jaggery").query("price <= 99")),
        ),
        (
            "bigbasket.nescafe_ge42",
            "brand Nescafe (or a sub-brand), rated >= 4.2",
            count(b[b.brand.str.lower().str.startswith("nescafe")].query("rating >= 4.2")),
        ),
        (
            "bigbasket.toothpaste_gt43",
            "title 'toothpaste', rated > 4.3 (and >= 4.3)",
            [
                count(word(b, "toothpaste").query("rating > 4.3")),
                count(word(b, "toothpaste").query("rating >= 4.3")),
            ],
        ),
        (
            "bigbasket.face_wash_100_200_ge4",
            "title 'face wash', 100 <= price <= 200, rated >= 4",
            count(word(b, "face wash").query("100 <= price <= 200 and rating >= 4")),
        ),
        ("bigbasket.namkeen", "title 'namkeen'", count(word(b, "namkeen"))),
        (
            "bigbasket.heavy_duty",
            "title 'heavy duty'",
            word(b, "heavy duty")[["id", "title"]].values.tolist(),
        ),
        ("bigbasket.brush", "title 'brush'", count(word(b, "brush"))),
        ("bigbasket.candle", "title 'candle'", count(word(b, "candle"))),
        (
            "bigbasket.breakfast_le300",
            "title 'oats'/'muesli'/'honey', price <= 300",
            count(
                either(word(b, "oats"), word(b, "muesli"), word(b, "honey")).query("price <= 300")
            ),
        ),
        # ----- amazon-india
        (
            "amazon-india.in_ear_le500_not_boat",
            "leaf In-Ear, no 'boAt' in title, price <= 500",
            count(not_brand(leaf(a, "In-Ear"), "boAt").query("price <= 500")),
        ),
        (
            "amazon-india.smartwatch_not_noise_fireboltt",
            "leaf Smart Watches, no Noise/Fire-Boltt in title",
            count(watches_x),
        ),
        (
            "amazon-india.smartwatch_not_noise_fireboltt_le2000",
            "and price <= 2000",
            count(watches_x.query("price <= 2000")),
        ),
        (
            "amazon-india.heater_not_fan",
            "title 'heater', no 'fan' in title or category",
            count(
                heaters[
                    ~heaters.index.isin(word(heaters, "fan").index)
                    & ~heaters.category.str.contains(r"\bFan", regex=True)
                ]
            ),
        ),
        (
            "amazon-india.type_c_cable_not_black",
            "title 'type c'/'usb c' and 'cable', no 'black'",
            count(minus(typec, "black")),
        ),
        (
            "amazon-india.smartwatch_black",
            "leaf Smart Watches, 'Black' in title",
            count(word(phones_leaf, "black")),
        ),
        (
            "amazon-india.smartwatch_blue",
            "leaf Smart Watches, 'Blue' in title",
            count(word(phones_leaf, "blue")),
        ),
        (
            "amazon-india.kitchen_appliances",
            "category Home & Kitchen > Kitchen & Home Appliances",
            count(a[a.category.str.startswith("Home & Kitchen > Kitchen & Home Appliances")]),
        ),
        (
            "amazon-india.kitchen_appliances_le1000",
            "and price <= 1000",
            count(
                a[a.category.str.startswith("Home & Kitchen > Kitchen & Home Appliances")].query(
                    "price <= 1000"
                )
            ),
        ),
        (
            "amazon-india.gaming_le1500",
            "title 'gaming', price <= 1500",
            count(word(a, "gaming").query("price <= 1500")),
        ),
        ("amazon-india.power_banks", "leaf Power Banks", count(leaf(a, "Power Banks"))),
        (
            "amazon-india.mouse_le1000",
            "leaf Mice, price <= 1000",
            count(leaf(a, "Mice").query("price <= 1000")),
        ),
        (
            "amazon-india.named.B078V8R9BS",
            "Butterfly EKN 1.5-Litre Electric Kettle",
            by_id(a, "B078V8R9BS"),
        ),
        (
            "amazon-india.named.B078V8R9BS.cutoff",
            "its description",
            passage(a, "B078V8R9BS", "Auto cut off"),
        ),
        (
            "amazon-india.named.B078V8R9BS.warranty",
            "its description",
            passage(a, "B078V8R9BS", "Warranty: 1 year"),
        ),
        (
            "amazon-india.named.B078V8R9BS.capacity",
            "its description",
            passage(a, "B078V8R9BS", "Capacity"),
        ),
        ("amazon-india.named.B07X963JNS", "URBN 10000 mAh power bank", by_id(a, "B07X963JNS")),
        (
            "amazon-india.named.B07X963JNS.times",
            "its description",
            passage(a, "B07X963JNS", "4000mAh phone battery"),
        ),
        (
            "amazon-india.quote.12xB07X963JNS",
            "12 x URBN 10000 mAh",
            round(12 * by_id(a, "B07X963JNS")["price"], 2),
        ),
        (
            "amazon-india.named.B009P2LK08",
            "Bajaj Minor room heater (misspelt 'heatr'): its title says the watts",
            by_id(a, "B009P2LK08"),
        ),
        (
            "amazon-india.named.B07CD2BN46",
            "Xiaomi Mi Wired in Ear Earphones",
            by_id(a, "B07CD2BN46"),
        ),
        ("amazon-india.named.B07TCN5VR9", "Boult Audio BassBuds X1", by_id(a, "B07TCN5VR9")),
        (
            "amazon-india.ninja_call_pro_plus",
            "title 'Fire-Boltt Ninja Call Pro Plus'",
            a[a.title.str.startswith("Fire-Boltt Ninja Call Pro Plus")][
                ["id", "price"]
            ].values.tolist(),
        ),
        (
            "amazon-india.cheapest_kettle",
            "title 'electric kettle' | leaf Electric Kettles",
            cheapest(word(a, "electric kettle"), leaf(a, "Electric Kettles")),
        ),
        (
            "amazon-india.best_rated_power_bank",
            "leaf Power Banks (the title word also names hard-drive cases)",
            best_rated(leaf(a, "Power Banks")),
        ),
        (
            "amazon-india.popular_smartwatch",
            "leaf Smart Watches, top 5 by rating_count",
            phones_leaf.sort_values("rating_count", ascending=False)
            .head(5)[["id", "rating_count"]]
            .values.tolist(),
        ),
        (
            "amazon-india.priciest_room_heater",
            "title 'room heater' | leaf Fan Heaters | leaf Electric Heaters",
            priciest(word(a, "room heater"), leaf(a, "Fan Heaters"), leaf(a, "Electric Heaters")),
        ),
        ("amazon-india.steam_irons", "leaf Steam Irons", count(leaf(a, "Steam Irons"))),
        (
            "amazon-india.water_heater_2000_3000",
            "title 'water heater', 2000 <= price <= 3000",
            count(word(a, "water heater").query("2000 <= price <= 3000")),
        ),
        (
            "amazon-india.purifier_ge5000",
            "title 'water purifier', price >= 5000",
            count(word(a, "water purifier").query("price >= 5000")),
        ),
        (
            "amazon-india.egg_boiler_le600",
            "title 'egg boiler' | leaf Egg Boilers, price <= 600",
            count(either(word(a, "egg boiler"), leaf(a, "Egg Boilers")).query("price <= 600")),
        ),
        (
            "amazon-india.philips_dry_iron_ge4",
            "leaf Dry Irons, 'Philips' in title, rated >= 4",
            word(leaf(a, "Dry Irons"), "philips")
            .query("rating >= 4")[["id", "price", "rating"]]
            .values.tolist(),
        ),
        (
            "amazon-india.kettle_ge42",
            "title 'kettle' | leaf Electric Kettles, rated >= 4.2",
            count(kettles.query("rating >= 4.2")),
        ),
        ("amazon-india.memory_cards", "leaf Micro SD", count(leaf(a, "Micro SD"))),
        (
            "amazon-india.heavy_duty",
            "title 'heavy duty'",
            word(a, "heavy duty")[["id", "title"]].values.tolist(),
        ),
        (
            "amazon-india.wireless_headphones_le3000",
            "category under Headphones, 'wireless'/'bluetooth' in title, price <= 3000",
            count(
                a[
                    a.category.str.contains("Headphones > ")
                    & a.title.str.contains("Wireless|Bluetooth", case=False)
                ].query("price <= 3000")
            ),
        ),
        (
            "amazon-india.heater_le1500",
            "title 'heater', price <= 1500",
            count(heaters.query("price <= 1500")),
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = ap.parse_args()
    cat = {n: load(n, args.shared) for n in ("demo", "bigbasket", "amazon-india")}
    for key, rule, value in facts(cat):
        if not args.prefix or key.startswith(tuple(args.prefix)):
            sys.stdout.write(f"{key} = {value}  # {rule}\n")


if __name__ == "__main__":
    main()
