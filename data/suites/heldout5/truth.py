"""Re-derive every catalog figure the fifth held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout5/truth.py [--shared ../shared/data] [KEY_PREFIX ...]
    .venv/bin/python data/suites/heldout5/truth.py --check

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout5/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py and of the third and fourth held-out truths, whose helpers this
imports (the word matcher is the evaluator's own `has_words`, imported by heldout3's `fits`): a
"<word>" product has the word as whole words in its title, or sits in the category leaf that
names it; ties are all accepted; a named product is the one whose title the shopper names (in
full, in part or misspelt); a total is N x its catalog price; "around X" is within 30% of X
either side; "rated above X" accepts X. Rules this suite adds:

- "most popular" on the demo shop: the most customers (the description's "bought by N
  customers"), and the most orders, both printed; on the Indian shops the most ratings
  (`rating_count`);
- "newest" on the demo shop: the latest month of first recorded sale written in the
  description ("since its first recorded sale in May 2010"); ties accepted;
- "premium" (no figure said): at least the median price of the kind;
- "cheapest thing in the shop": the cheapest product, and the cheapest in stock;
- "X k" and "lakh" on the Indian shops: thousands and 100,000 rupees;
- whether an order reaches free delivery on the demo shop: N x the catalog price against the
  threshold read from data/demo/policies/shipping.md (heldout4's reading).

`--check` prints, for every turn (by dialogue id and turn number) that expects products, how
many catalog products pass its whole `products` expectation, and fails when that is below the
turn's `min_products`, when an id an expectation names is not in the catalog, or when a product
a turn names (`first_id`, `first_in`, `ids_any`) fails that turn's own `products` expectation
(heldout4's check, over this suite's files). Figures quoted from a product's own listing
(Amazon India's about_product) are printed with the passage they come from.
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


dev = _module("dev_truth", HERE.parent / "truth.py")
h3 = _module("heldout3_truth", HERE.parent / "heldout3" / "truth.py")
h4 = _module("heldout4_truth", HERE.parent / "heldout4" / "truth.py")

word, leaf, named, total, count = dev.word, dev.leaf, dev.named, dev.total, dev.count
cheapest, priciest, best_rated = dev.cheapest, dev.priciest, dev.best_rated
fits, either, passage, ids, by_id = h3.fits, h3.either, h3.passage, h3.ids, h3.by_id
titled, named_all, free_threshold = h4.titled, h4._named_all, h4._free_threshold


# ----- readings this suite adds


def _figure(df: pd.DataFrame, pattern: str) -> pd.Series:
    """A number the demo shop's description writes (customers, orders)."""
    return df.description.str.extract(pattern)[0].str.replace(",", "").astype(float).fillna(0)


def most_popular_demo(df: pd.DataFrame) -> dict[str, Any]:
    """The demo products bought by the most customers, and those in the most orders."""
    cust = _figure(df, r"bought by ([\d,]+) customers")
    orders = _figure(df, r"in ([\d,]+) orders")
    return {
        "by_customers": ids(df[cust == cust.max()]),
        "customers": int(cust.max()),
        "by_orders": ids(df[orders == orders.max()]),
        "orders": int(orders.max()),
    }


def newest_demo(df: pd.DataFrame) -> dict[str, Any]:
    """The demo products first sold in the latest month (ties)."""
    month = pd.to_datetime(
        df.description.str.extract(r"first recorded sale in (\w+ \d{4})")[0], format="%B %Y"
    )
    latest = month.max()
    return {"month": latest.strftime("%B %Y"), "ids": ids(df[month == latest])}


def starting(df: pd.DataFrame, start: str) -> dict[str, Any]:
    """Every product whose title starts with `start` (one product listed more than once)."""
    m = df[df.title.str.startswith(start)]
    if m.empty:
        raise SystemExit(f"{start!r}: no product")
    return {"ids": ids(m), "prices": sorted({float(p) for p in m.price})}


def most_rated(df: pd.DataFrame) -> dict[str, Any]:
    """The products with the most ratings (rating_count), ties."""
    top = df.rating_count.max()
    return {"rating_count": int(top), "ids": ids(df[df.rating_count == top])}


def median_price(df: pd.DataFrame) -> float:
    """The median price of a kind ("premium": at least this)."""
    return round(float(df.price.median()), 2)


def with_stock(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """A named demo product with its stock flag."""
    p: dict[str, Any] = dict(named(df, title))
    p["in_stock"] = bool(df[df.id.astype(str) == p["id"]].in_stock.iloc[0])
    return p


# ----- the figures


def demo_facts(d: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """The demo shop's figures."""
    free = free_threshold()

    def order(title: str, n: int) -> dict[str, Any]:
        t = total(d, title, n)
        return {"total": t, "free_delivery": t >= free, "threshold": free}

    trays = fits(d, title_any=["tray"])
    library = named(d, "Library Lamp")
    in_stock = d[d.in_stock]
    return [
        (
            "demo.scottie_hwb",
            "named 'hot watter botle with the scotty dog'",
            with_stock(d, "Scottie Dog Hot Water Bottle"),
        ),
        (
            "demo.rainbow_hwb",
            "named 'knitted rainbow hot water bottle'",
            with_stock(d, "Knitted Rainbow Hot Water Bottle"),
        ),
        (
            "demo.babushka_hwb",
            "named 'the babushka one, the hot water bottle'",
            with_stock(d, "Hot Water Bottle Babushka"),
        ),
        (
            "demo.hurricane_lamp",
            "named 'mirror mosaic hurricane lamp'",
            named(d, "Mirror Mosaic Hurricane Lamp"),
        ),
        ("demo.retro_spot_lamp", "named 'the retro spot lamp'", named(d, "Retro Spot Lamp")),
        ("demo.toadstool_money_box", "named in full", named(d, "Toadstool Money Box")),
        (
            "demo.jardin_butter_dish",
            "named 'jardin etched glass butter dish'",
            named(d, "Jardin Etched Glass Butter Dish"),
        ),
        ("demo.library_lamp", "named 'the library lamp'", library),
        (
            "demo.lamp_below_library",
            "'lamp' products cheaper than the Library Lamp, not it",
            count(
                fits(
                    d,
                    title_any=["lamp"],
                    price_max=library["price"] - 0.01,
                    not_ids=[library["id"]],
                )
            ),
        ),
        ("demo.plasmatronic", "named 'the plasmatronic lamp'", named(d, "Plasmatronic Lamp")),
        (
            "demo.medina_tray",
            "named 'medena stamped metal tray' (misspelt)",
            named(d, "Medina Stamped Metal Tray"),
        ),
        (
            "demo.popular_hwb",
            "'hot water bottle' products: most customers / most orders",
            most_popular_demo(fits(d, title_any=["hot water bottle"])),
        ),
        (
            "demo.newest_notebook",
            "'notebook' in the title: latest first sale",
            newest_demo(word(d, "notebook")),
        ),
        (
            "demo.cheapest_all",
            "the whole shop: the cheapest, and the cheapest in stock",
            {"all": cheapest(d), "in_stock": cheapest(in_stock)},
        ),
        ("demo.dearest_apron", "'apron' in the title", priciest(word(d, "apron"))),
        (
            "demo.zinc_tray_x4",
            "4 x the Zinc Heart Lattice Tray Oval against the free-delivery threshold",
            order("Zinc Heart Lattice Tray Oval", 4),
        ),
        (
            "demo.zinc_tray_x7",
            "7 x the Zinc Heart Lattice Tray Oval against the free-delivery threshold",
            order("Zinc Heart Lattice Tray Oval", 7),
        ),
        (
            "demo.red_tea_towel_x10",
            "10 x the Red Tea Towel Classic Design against the free-delivery threshold",
            order("Red Tea Towel Classic Design", 10),
        ),
        (
            "demo.tray_premium",
            "'premium' tray: at least the median price of 'tray' products",
            median_price(trays),
        ),
        (
            "demo.open_closed_sign",
            "'open closed sign': the one product",
            named(d, "Open Closed Metal Sign"),
        ),
        ("demo.first_class_tag", "named in full", named(d, "First Class Luggage Tag")),
    ]


def branded(df: pd.DataFrame, brand: str, title: str) -> dict[str, Any]:
    """Every listing of this brand with exactly this title (a product sold in several pack
    sizes): ids and prices."""
    m = df[(df.brand == brand) & (df.title == title)]
    if m.empty:
        raise SystemExit(f"{brand} {title!r}: no product")
    return {"ids": [str(i) for i in m.id], "prices": sorted({float(p) for p in m.price})}


def bigbasket_facts(b: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """BigBasket's figures."""
    green_tea = either(leaf(b, "Green Tea"), word(b, "green tea"))
    olive = either(word(b, "olive oil"), b[b.category.str.contains("Olive Oil")])
    mustard = word(b, "mustard oil")
    mustard = mustard[mustard.category.str.contains("Oil")]
    too_yumm = b[(b.brand == "Too Yumm!") & b.title.str.contains("Dahi Papdi")]
    return [
        (
            "bigbasket.saffola_classic",
            "named 'saffola masala oats classic masala' (two sizes, each listed twice)",
            branded(b, "Saffola", "Masala Oats - Classic Masala"),
        ),
        (
            "bigbasket.saffola_oats",
            "named 'Saffola oats', plain (not masala)",
            branded(b, "Saffola", "Oats"),
        ),
        (
            "bigbasket.quaker_oats",
            "named 'Quaker oats', plain (not masala)",
            branded(b, "Quaker", "Oats"),
        ),
        (
            "bigbasket.too_yumm_dahi_papdi",
            "named 'the too yumm dahi papdi wali chips': every Too Yumm! listing with Dahi Papdi in the title",
            ids(too_yumm),
        ),
        (
            "bigbasket.wagh_bakri_spiced",
            "named 'the Wagh Bakri spiced tea'",
            branded(b, "Wagh Bakri", "Spiced Tea - Blend Of 7 Refreshing Spices"),
        ),
        (
            "bigbasket.happilo_creamy_super",
            "named 'Happilo peanut butter creamy super'",
            branded(b, "Happilo", "Peanut Butter - Creamy, Super"),
        ),
        (
            "bigbasket.peanut_butter_below_happilo",
            "'peanut butter' products cheaper than it, not it",
            count(fits(b, title_any=["peanut butter"], price_max=209.39, not_ids=["63"])),
        ),
        (
            "bigbasket.pintola_classic_crunchy",
            "named 'pintola clasic peanut buter crunchy' (misspelt)",
            branded(b, "Pintola", "Classic Peanut Butter - Crunchy"),
        ),
        (
            "bigbasket.best_green_tea",
            "Green Tea leaf or 'green tea' in the title: best rated (ties)",
            best_rated(green_tea),
        ),
        (
            "bigbasket.priciest_olive_oil",
            "'olive oil' in the title or an Olive Oil category",
            priciest(olive),
        ),
        (
            "bigbasket.cheapest_mustard_oil",
            "'mustard oil' in the title, in an oil category (not pickles in mustard oil)",
            cheapest(mustard),
        ),
        (
            "bigbasket.top_ramen_atta_x8",
            "8 x Top Ramen Atta Noodles - Masala",
            round(8 * branded(b, "Top Ramen", "Atta Noodles - Masala")["prices"][0], 2),
        ),
    ]


def amazon_facts(a: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """Amazon India's figures (listing answers with the passage they come from)."""
    instanio = "B078JDNZJ8"  # one of the two Instanio 3-Litre listings (the other: 4.5KW)
    hl7756 = titled(a, "Philips HL7756/00")["id"]
    sujata = titled(a, "Sujata Powermatic Plus 900 Watts")["id"]
    orpat = titled(a, "Orpat OEH-1260")["id"]
    ambrane = titled(a, "Ambrane 20000mAh Power Bank with 20W")["id"]
    vesta = titled(a, "Wipro Vesta Electric Egg Boiler")["id"]
    chefmate = titled(a, "HealthSense Chef-Mate KS 33")["id"]
    ambrose = "B01LYU3BZF"  # Gold Mist; Pearl White (B01L7C4IU2) says 72 watts
    pic20 = titled(a, "Prestige PIC 20 ")["id"]
    pic20_text = str(a[a.id == pic20].description.iloc[0])
    tvs = a[a.category.str.contains("Televisions")]
    tv32 = tvs[tvs.title.str.contains(r"32 inch|80 cm", case=False)]
    geysers = a[
        a.category.str.contains("Water Heaters & Geysers") & ~a.category.str.contains("Immersion")
    ]
    routers = fits(
        a, category="Computers & Accessories > Networking Devices > Routers", not_words=["ups"]
    )
    return [
        (
            "amazon-india.instanio_3l",
            "named 'Havells Instanio 3 litre': both listings",
            starting(a, "Havells Instanio 3-Litre"),
        ),
        (
            "amazon-india.splendora_3l",
            "named 'Bajaj Splendora 3 litre'",
            titled(a, "Bajaj Splendora 3 Litre"),
        ),
        (
            "amazon-india.instanio_pressure",
            "both Instanio 3-Litre listings",
            [passage(a, i, r"65 MPa") for i in starting(a, "Havells Instanio 3-Litre")["ids"]],
        ),
        ("amazon-india.instanio_tank", f"{instanio} listing", passage(a, instanio, r"Inner Tank")),
        (
            "amazon-india.sujata_powermatic",
            "named 'the Sujata Powermatic Plus juicer mixer grinder'",
            titled(a, "Sujata Powermatic Plus 900 Watts"),
        ),
        (
            "amazon-india.mixer_below_sujata",
            "Juicer Mixer Grinders or Mixer Grinders cheaper than it, not it",
            count(
                fits(
                    a,
                    category=[
                        "Home & Kitchen > Kitchen & Home Appliances > Small Kitchen Appliances > Juicer Mixer Grinders",
                        "Home & Kitchen > Kitchen & Home Appliances > Small Kitchen Appliances > Mixer Grinders",
                    ],
                    price_max=5889,
                    not_ids=[sujata],
                )
            ),
        ),
        (
            "amazon-india.kent_sandwich",
            "named 'the KENT 16025 sandwich grill'",
            titled(a, "KENT 16025 Sandwich Grill"),
        ),
        (
            "amazon-india.archer_a6",
            "named 'the TP-Link Archer A6 router'",
            titled(a, "TP-Link AC1200 Archer A6"),
        ),
        (
            "amazon-india.orpat_oeh1260",
            "named 'orpat fan hetar 2000 watt' (misspelt)",
            titled(a, "Orpat OEH-1260"),
        ),
        ("amazon-india.orpat_room", f"{orpat} listing", passage(a, orpat, r"Room Size")),
        (
            "amazon-india.visionary",
            "named 'that fire boltt visionary one' (listed twice)",
            starting(a, "Fire-Boltt Visionary"),
        ),
        ("amazon-india.hl7756_runtime", f"{hl7756} listing", passage(a, hl7756, r"25 minutes")),
        ("amazon-india.hl7756_jar", f"{hl7756} listing", passage(a, hl7756, r"Wet Jar \(1\.5")),
        (
            "amazon-india.sujata_warranty",
            f"{sujata} listing",
            passage(a, sujata, r"1 Year Warranty"),
        ),
        ("amazon-india.sujata_runtime", f"{sujata} listing", passage(a, sujata, r"90 mins")),
        (
            "amazon-india.ambrane_recharge",
            f"{ambrane} listing",
            passage(a, ambrane, r"7 to 8 hours"),
        ),
        (
            "amazon-india.ambrane_warranty",
            f"{ambrane} listing",
            passage(a, ambrane, r"6 months warranty"),
        ),
        (
            "amazon-india.vesta_auto_off",
            f"{vesta} listing",
            passage(a, vesta, r"automatically shuts off"),
        ),
        (
            "amazon-india.chefmate_batteries",
            f"{chefmate} listing",
            passage(a, chefmate, r"AAA Batteries"),
        ),
        (
            "amazon-india.ambrose_power",
            "both Havells Ambrose listings",
            [
                passage(a, ambrose, r"Power Consumption: 74 W"),
                passage(a, "B01L7C4IU2", r"Power: 72"),
            ],
        ),
        (
            "amazon-india.ambrose_install",
            f"{ambrose} listing",
            passage(a, ambrose, r"Installation is not provided"),
        ),
        (
            "amazon-india.pic20_timer",
            f"{pic20} listing: no 'timer' anywhere in it",
            "timer" not in pic20_text.lower(),
        ),
        ("amazon-india.pic20_pans", f"{pic20} listing", passage(a, pic20, r"12cm-26cm")),
        (
            "amazon-india.popular_mixer",
            "Mixer Grinders leaf: most ratings",
            most_rated(leaf(a, "Mixer Grinders")),
        ),
        (
            "amazon-india.best_induction",
            "Induction Cooktop leaf: best rated (ties)",
            best_rated(leaf(a, "Induction Cooktop")),
        ),
        (
            "amazon-india.cheapest_tv_32",
            "Televisions whose title says 32 inch / 80 cm: cheapest (ties)",
            cheapest(tv32),
        ),
        (
            "amazon-india.priciest_geyser",
            "Water Heaters & Geysers (not immersion rods): dearest",
            priciest(geysers),
        ),
        (
            "amazon-india.dx6_x3",
            "3 x Bajaj DX-6 dry iron",
            round(3 * titled(a, "Bajaj DX-6")["price"], 2),
        ),
        (
            "amazon-india.router_premium",
            "'premium' router: at least the median price of Routers (UPS units left out)",
            median_price(routers),
        ),
    ]


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the suites use."""
    return (
        demo_facts(cat["demo"])
        + bigbasket_facts(cat["bigbasket"])
        + amazon_facts(cat["amazon-india"])
    )


if __name__ == "__main__":
    # Held-out 4's figure printer and `--check`, on this suite's figures and files.
    h4.main(facts, HERE)
