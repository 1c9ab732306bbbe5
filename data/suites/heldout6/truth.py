"""Re-derive every catalog figure the sixth held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout6/truth.py [--shared ../shared/data] [KEY_PREFIX ...]
    .venv/bin/python data/suites/heldout6/truth.py --check

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout6/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py and of the third, fourth and fifth held-out truths, whose helpers
this imports (the word matcher is the evaluator's own `has_words`, imported by heldout3's
`fits`): a "<word>" product has the word as whole words in its title, or sits in the category
that names it; ties are all accepted; a named product is the one whose title the shopper names
(in full, in part or misspelt); a total is N x its catalog price; "around X" is within 30% of X
either side; "rated above X" accepts X; "most popular" is the most customers on the demo shop
and the most ratings (`rating_count`) on Amazon India; "premium" with no figure is at least the
median price of the kind; "k" and "lakh" are thousands and 100,000 rupees; whether an order
reaches free delivery on the demo shop is N x the catalog price against the threshold read from
data/demo/policies/shipping.md. Rules this suite adds:

- a fourth catalog, MG-ShopDial (57 Amazon US products in four departments, USD, ratings,
  descriptions, no brand field, no stock, no rating counts, no policies), read with
  data/suites/feeds.py's own `mg_shopdial_rows` (so ids and category paths are those that get
  ingested); its category path is the department alone ("Books", "Cell Phones & Accessories",
  "Office Products", "Sports & Outdoors");
- on MG-ShopDial a book "by <author>" is a title ending in "by <author>"; a genre is a word of
  the listing's "Genre:" line; a page count, a weight or what is in the box is read from the
  listing (the passage is printed);
- "bucks" and "dollars" are US dollars; "twenty bucks" is 20;
- on BigBasket a product "of a brand" is its `brand` field (sub-brands accepted, as the
  evaluator reads it).

`--check` prints, for every turn (by dialogue id and turn number) that expects products, how
many catalog products pass its whole `products` expectation, and fails when that is below the
turn's `min_products`, when an id an expectation names is not in the catalog, or when a product
a turn names (`first_id`, `first_in`, `ids_any`) fails that turn's own `products` expectation
(heldout4's check, over this suite's four files).
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


dev = _module("dev_truth", HERE.parent / "truth.py")
h3 = _module("heldout3_truth", HERE.parent / "heldout3" / "truth.py")
h4 = _module("heldout4_truth", HERE.parent / "heldout4" / "truth.py")
h5 = _module("heldout5_truth", HERE.parent / "heldout5" / "truth.py")
feeds = _module("suite_feeds", HERE.parent / "feeds.py")

word, leaf, named, total, count = dev.word, dev.leaf, dev.named, dev.total, dev.count
cheapest, priciest, best_rated = dev.cheapest, dev.priciest, dev.best_rated
fits, either, passage, ids, by_id = h3.fits, h3.either, h3.passage, h3.ids, h3.by_id
titled, named_all, free_threshold = h4.titled, h4._named_all, h4._free_threshold
most_popular_demo, newest_demo, most_rated = h5.most_popular_demo, h5.newest_demo, h5.most_rated
median_price, with_stock, starting = h5.median_price, h5.with_stock, h5.starting

SUITES = {
    "demo": "demo.yaml",
    "bigbasket": "bigbasket.yaml",
    "amazon-india": "amazon-india.yaml",
    "mg-shopdial": "mg-shopdial.yaml",
}


def load(name: str, shared: Path) -> pd.DataFrame:
    """A catalog as the suites see it: the dev truth's `load` for the first three, and the
    MG-ShopDial feed rows of data/suites/feeds.py for the fourth (no brand field, no rating
    counts: left blank, as the Amazon India feed has them)."""
    if name != "mg-shopdial":
        return dev.load(name, shared)
    df = pd.DataFrame(feeds.mg_shopdial_rows(shared / "mg-shopdial"))
    df["brand"] = ""
    df["rating_count"] = float("nan")
    df["description"] = df["description"].fillna("")
    df["rating"] = df["rating"].astype(float)
    df["id"] = df["id"].astype(str)
    return df


# ----- the figures


def demo_facts(d: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """The demo shop's figures."""
    free = free_threshold()

    def order(title: str, n: int) -> dict[str, Any]:
        t = total(d, title, n)
        return {"total": t, "free_delivery": t >= free, "threshold": free}

    ivy = named(d, "Ivy Heart Wreath")
    return [
        (
            "demo.enamel_watering_can",
            "named 'the enamel watering can in cream'",
            with_stock(d, "Enamel Watering Can Cream"),
        ),
        (
            "demo.bath_duck_watering_can",
            "named 'the bath duck watring can' (misspelt)",
            with_stock(d, "Bath Duck Watering Can"),
        ),
        (
            "demo.ma_campagne_box",
            "named 'the ma campange cutlery box' (misspelt)",
            named(d, "Ma Campagne Cutlery Box"),
        ),
        (
            "demo.cutlery_cupboard",
            "named in full",
            named(d, "Antique Cream Cutlery Cupboard"),
        ),
        ("demo.cutlery_shelf", "named in full", named(d, "Antique Cream Cutlery Shelf")),
        (
            "demo.frog_king_can",
            "named 'frog king watering can'",
            named(d, "Frog King Watering Can"),
        ),
        ("demo.flying_pig_can", "named 'the flying pig one'", named(d, "Flying Pig Watering Can")),
        (
            "demo.eucalyptus_wreath",
            "named 'the eucalyptus and pinecone wreath'",
            named(d, "Eucalyptus & Pinecone Wreath"),
        ),
        (
            "demo.sky_blue_cutlery",
            "named 'S/16 vintage sky blue cutlery'",
            named(d, "S/16 Vintage Sky Blue Cutlery"),
        ),
        ("demo.ivy_heart_wreath", "named 'the ivy heart wreath'", ivy),
        (
            "demo.wreath_below_ivy",
            "'wreath' products cheaper than it, not it",
            ids(fits(d, title_any=["wreath"], price_max=ivy["price"] - 0.01, not_ids=[ivy["id"]])),
        ),
        (
            "demo.popular_watering_can",
            "'watering can' products: most customers / most orders",
            most_popular_demo(fits(d, title_any=["watering can"])),
        ),
        (
            "demo.cheapest_purse",
            "'purse' in the title: cheapest (ties)",
            cheapest(word(d, "purse")),
        ),
        (
            "demo.newest_wreath",
            "'wreath' in the title: latest first sale (ties)",
            newest_demo(word(d, "wreath")),
        ),
        (
            "demo.frog_king_x6",
            "6 x the Frog King Watering Can against the free-delivery threshold",
            order("Frog King Watering Can", 6),
        ),
        (
            "demo.english_rose_placemats_x12",
            "12 x the Set of 4 English Rose Placemats against the free-delivery threshold",
            order("Set of 4 English Rose Placemats", 12),
        ),
        (
            "demo.bread_bin_le15",
            "'bread bin' products at 15 or less",
            ids(fits(d, title_any=["bread bin"], price_max=15)),
        ),
        (
            "demo.cutlery_premium",
            "'premium' cutlery: at least the median price of 'cutlery' products",
            median_price(fits(d, title_any=["cutlery"])),
        ),
        (
            "demo.prices_candle",
            "named 'the Price's candles'",
            with_stock(d, "Price's Candle Peach"),
        ),
        (
            "demo.vintage_labels_magnets",
            "named 'the fridge magnets that look like old vintage labels'",
            named(d, "Magnets Pack of 4 Vintage Labels"),
        ),
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
    paneer = word(b, "paneer")
    paneer = paneer[paneer.category.str.contains("Paneer, Tofu")]
    saffron = either(word(b, "saffron"), word(b, "kesar"))
    saffron = saffron[saffron.category.str.contains("Masalas & Spices")]
    dates = either(word(b, "dates"), word(b, "kharjura"))
    dates = dates[dates.category.str.contains("Dry Fruits") & ~dates.title.str.contains("Syrup")]
    chilli_mayo = branded(b, "Veeba", "Mayonnaise - Chilli")
    dark_soy = branded(b, "Chings", "Secret Dark Soy Sauce")
    sleepy = branded(b, "Sleepy Owl", "Cold Brew Coffee - Classic")
    return [
        ("bigbasket.veeba_chilli_mayo", "named 'veeba chilli mayo'", chilli_mayo),
        (
            "bigbasket.veeba_chilli_mayo_x6",
            "6 x its price",
            round(6 * chilli_mayo["prices"][0], 2),
        ),
        (
            "bigbasket.veeba_classic_mayo",
            "named 'Veeba classic mayonnaise'",
            branded(b, "Veeba", "Mayonnaise - Classic"),
        ),
        (
            "bigbasket.funfoods_classic_mayo",
            "named 'the FunFoods mayonnaise classic'",
            branded(b, "Dr. Oetker", "FunFoods Mayonnaise Classic"),
        ),
        (
            "bigbasket.paper_boat_aamras",
            "named 'Paper Boat aamras'",
            branded(b, "Paper Boat", "Aamras Mango Fruit Juice"),
        ),
        ("bigbasket.sleepy_owl_classic", "named 'Sleepy Owl cold brew classic'", sleepy),
        (
            "bigbasket.coffee_below_sleepy_owl",
            "'coffee'/'cold brew' products cheaper than it, not it",
            count(
                fits(
                    b,
                    title_any=["coffee", "cold brew"],
                    price_max=sleepy["prices"][0] - 0.01,
                    not_ids=sleepy["ids"],
                )
            ),
        ),
        (
            "bigbasket.borges_penne",
            "named 'Borges penne rigate'",
            branded(b, "BORGES", "Durum Wheat Pasta - Penne Rigate"),
        ),
        (
            "bigbasket.graminway_kuttu",
            "named 'graminway kutu atta glutan free' (misspelt): every Graminway kuttu atta listing",
            {
                "Gluten Free": branded(b, "Graminway", "Gluten Free Kuttu Atta/Buckwheat Flour"),
                "Gluten-Free": branded(b, "Graminway", "Gluten-Free Kuttu Atta/Buckwheat Flour"),
            },
        ),
        (
            "bigbasket.chings_dark_soy",
            "named 'ching's secret dark soy sauce' (two sizes)",
            dark_soy,
        ),
        (
            "bigbasket.chings_dark_soy_small_x12",
            "12 x the smaller (20 rupee) size",
            round(12 * dark_soy["prices"][0], 2),
        ),
        (
            "bigbasket.cheapest_paneer",
            "'paneer' in the title, in the Paneer, Tofu & Cream category (not masalas or ready meals)",
            cheapest(paneer),
        ),
        (
            "bigbasket.priciest_saffron",
            "'saffron'/'kesar' in the title, in a Masalas & Spices category",
            priciest(saffron),
        ),
        (
            "bigbasket.best_dates",
            "'dates'/'kharjura' in the title, in a Dry Fruits category (not date syrup): best rated (ties)",
            best_rated(dates),
        ),
        (
            "bigbasket.express_degreaser",
            "named 'that Express multi degreaser' (two scents)",
            ids(b[b.title.str.startswith("Express Multi Degreaser")]),
        ),
    ]


def in_leaf(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Products whose category path ends with `name` (the dev truth's `leaf`)."""
    return leaf(df, name)


def amazon_facts(a: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """Amazon India's figures (listing answers with the passage they come from)."""
    wacom = titled(a, "Wacom One by CTL-472")
    arno = titled(a, "Crompton Arno Neo 15-L")
    karcher = titled(a, "Karcher WD3")
    mk215 = titled(a, "Logitech MK215")
    nokia = starting(a, "Nokia 105 Single SIM")
    moto = starting(a, "Motorola a10")
    zenora = titled(a, "V-Guard Zenora")
    agaro = titled(a, "AGARO 33398 Rapid")
    evo64 = titled(a, "Samsung EVO Plus 64GB")
    nokia_text = " ".join(a[a.id.isin(nokia["ids"])].description.str.lower())
    storage = in_leaf(a, "Storage Water Heaters")
    memory = a[a.category.str.startswith("Electronics > Accessories > Memory Cards")]
    micro = memory[memory.title.str.contains("micro ?sd", case=False)]
    purifiers = word(in_leaf(a, "Water Filters & Purifiers"), "purifier")
    return [
        ("amazon-india.wacom_one", "named 'the wacom one drawing tablet'", wacom),
        (
            "amazon-india.wacom_pen",
            f"{wacom['id']} listing",
            passage(a, wacom["id"], r"battery-free"),
        ),
        (
            "amazon-india.wacom_mac",
            f"{wacom['id']} listing",
            passage(a, wacom["id"], r"OS X 10\.10"),
        ),
        ("amazon-india.arno_neo", "named 'crompton arno neo 15 litre geyser'", arno),
        (
            "amazon-india.arno_neo_pressure",
            f"{arno['id']} listing",
            passage(a, arno["id"], r"Pressure 8 bar"),
        ),
        (
            "amazon-india.arno_neo_watts",
            f"{arno['id']} listing",
            passage(a, arno["id"], r"Wattage: 2000 W"),
        ),
        (
            "amazon-india.storage_below_arno",
            "Storage Water Heaters cheaper than it, not it",
            ids(storage[(storage.price < arno["price"]) & (storage.id != arno["id"])]),
        ),
        ("amazon-india.karcher_wd3", "named 'karchar wd3 wet n dry vaccum' (misspelt)", karcher),
        (
            "amazon-india.karcher_capacity",
            f"{karcher['id']} listing",
            passage(a, karcher["id"], r"17 litres"),
        ),
        (
            "amazon-india.karcher_warranty",
            f"{karcher['id']} listing",
            passage(a, karcher["id"], r"Warranty: 1 year"),
        ),
        ("amazon-india.mk215", "named 'the logitech mk215 combo'", mk215),
        (
            "amazon-india.mk215_box",
            f"{mk215['id']} listing",
            passage(a, mk215["id"], r"IN THE BOX"),
        ),
        ("amazon-india.mk215_x4", "4 x its price", round(4 * mk215["price"], 2)),
        ("amazon-india.nokia_105", "named 'Nokia 105' (two colours, one price)", nokia),
        (
            "amazon-india.moto_a10",
            "named 'the Motorola a10 keypad phone' (two listings, one price)",
            moto,
        ),
        (
            "amazon-india.nokia105_contacts",
            f"{nokia['ids'][0]} listing",
            passage(a, nokia["ids"][0], r"2,000 contacts"),
        ),
        (
            "amazon-india.nokia105_camera",
            "both Nokia 105 listings: no 'camera' anywhere in them",
            "camera" not in nokia_text,
        ),
        ("amazon-india.zenora", "named 'the v-guard zenora purifier'", zenora),
        (
            "amazon-india.zenora_tds",
            f"{zenora['id']} listing",
            passage(a, zenora["id"], r"TDS up to 2000 ppm"),
        ),
        ("amazon-india.agaro_rapid", "named 'agaro rapid 10 litre wet and dry vacuum'", agaro),
        (
            "amazon-india.agaro_rapid_cord",
            f"{agaro['id']} listing",
            passage(a, agaro["id"], r"6 Metres"),
        ),
        ("amazon-india.g102", "named 'the Logitech G102'", titled(a, "Logitech G102")),
        (
            "amazon-india.seagate_1tb",
            "named 'the Seagate Expansion 1TB'",
            titled(a, "Seagate Expansion 1TB"),
        ),
        (
            "amazon-india.popular_micro_sd",
            "most ratings: the Micro SD category, and microSD/micro SD in the title",
            {"category": most_rated(in_leaf(a, "Micro SD")), "title": most_rated(micro)},
        ),
        (
            "amazon-india.best_combo",
            "Keyboard & Mouse Sets: best rated (ties)",
            best_rated(in_leaf(a, "Keyboard & Mouse Sets")),
        ),
        (
            "amazon-india.cheapest_purifier",
            "Water Filters & Purifiers with 'purifier' in the title (not a cartridge or a tap filter): cheapest",
            cheapest(purifiers),
        ),
        ("amazon-india.evo64", "named 'the Samsung EVO Plus 64GB card'", evo64),
        ("amazon-india.evo64_x10", "10 x its price", round(10 * evo64["price"], 2)),
        (
            "amazon-india.wet_dry_premium",
            "'premium' wet and dry vacuum: at least the median price of Wet-Dry Vacuums",
            median_price(in_leaf(a, "Wet-Dry Vacuums")),
        ),
        (
            "amazon-india.travel_adaptors",
            "'universal travel adaptor': travel adaptors that are not phones",
            ids(
                fits(a, title_any=["travel adaptor", "travel adapter"]).pipe(
                    lambda x: x[x.price < 1000]
                )
            ),
        ),
        (
            "amazon-india.amica_installation",
            "named 'the Crompton Amica 15 litre geyser': its title",
            titled(a, "Crompton Amica 15-L"),
        ),
    ]


def genre(df: pd.DataFrame, word_: str) -> pd.DataFrame:
    """MG-ShopDial books whose listing's "Genre:" line names `word_` (case-insensitive)."""
    g = df.description.str.extract(r"Genre:([^/]*)")[0].fillna("")
    return df[g.str.contains(word_, case=False)]


def mg_facts(m: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """MG-ShopDial's figures (listing answers with the passage they come from)."""
    books = m[m.category == "Books"]
    romance = genre(books, "Romance")
    dystopian = either(genre(books, "Dystopian"), genre(books, "Political Fiction"))
    osmo = titled(m, "DJI Osmo Mobile 6")
    return [
        (
            "mg-shopdial.romance_books",
            "Books whose Genre line names Romance; and those not by Colleen Hoover",
            {
                "romance": ids(romance),
                "not_hoover": ids(romance[~romance.title.str.contains("Colleen Hoover")]),
            },
        ),
        (
            "mg-shopdial.ink_not_canon",
            "'ink'/'cartridge' in the title, no 'canon' (the Lin.Pen pen says Black Ink)",
            ids(fits(m, title_any=["ink", "cartridge"], not_words=["canon"])),
        ),
        (
            "mg-shopdial.trivia_book",
            "Books whose Genre line names Trivia",
            ids(genre(books, "Trivia")),
        ),
        (
            "mg-shopdial.king_1922",
            "named '1922 by Stephen King'",
            titled(m, "1922 by Stephen King"),
        ),
        (
            "mg-shopdial.billy_summers",
            "named 'billy sumers' (misspelt)",
            titled(m, "Billy Summers"),
        ),
        (
            "mg-shopdial.billy_summers_pages",
            "books-08 listing",
            passage(m, "books-08", r"528 pages"),
        ),
        ("mg-shopdial.pixel_6a", "named 'google pixel 6a'", titled(m, "Google Pixel 6a")),
        (
            "mg-shopdial.galaxy_s20_fe",
            "named 'the samsung galaxy s20 fe'",
            titled(m, "SAMSUNG Galaxy S20 FE"),
        ),
        ("mg-shopdial.nanoray", "named 'the Yonex Nanoray racquet'", titled(m, "YONEX Nanoray")),
        ("mg-shopdial.osmo", "named 'the DJI Osmo gimbal'", osmo),
        (
            "mg-shopdial.steady_below_osmo",
            "Cell Phones & Accessories cheaper than it that hold a phone (tripod, stand, stick, rig, holder, mount)",
            ids(
                fits(
                    m,
                    category="Cell Phones & Accessories",
                    price_max=osmo["price"] - 0.01,
                    not_ids=[osmo["id"]],
                    title_any=[
                        "tripod",
                        "stand",
                        "selfie stick",
                        "gimbal",
                        "stabilizer",
                        "rig",
                        "holder",
                        "mount",
                    ],
                )
            ),
        ),
        (
            "mg-shopdial.osmo_weight",
            f"{osmo['id']} listing",
            passage(m, osmo["id"], r"weighing only 309g"),
        ),
        ("mg-shopdial.dune_pages", "books-02 listing", passage(m, "books-02", r"720 pages")),
        ("mg-shopdial.nineteen84_age", "books-01 listing", passage(m, "books-01", r"Reading age")),
        (
            "mg-shopdial.xm5_battery",
            "phones-03 listing",
            passage(m, "phones-03", r"30-hour battery"),
        ),
        ("mg-shopdial.n80_weight", "sports-10 listing", passage(m, "sports-10", r"75 grams")),
        (
            "mg-shopdial.handmaid_genre",
            "books-03 listing",
            passage(m, "books-03", r"Genre: Dystopian Fiction"),
        ),
        (
            "mg-shopdial.oneplus_box",
            "phones-10 listing",
            passage(m, "phones-10", r"65w supervooc power adapter"),
        ),
        (
            "mg-shopdial.tonor_xbox",
            "phones-07 listing",
            passage(m, "phones-07", r"not compatible with Xbox"),
        ),
        ("mg-shopdial.best_book", "Books: best rated (ties)", best_rated(books)),
        (
            "mg-shopdial.cheapest_running_shoe",
            "'running shoe' in the title: cheapest",
            cheapest(fits(m, title_any=["running shoe", "running shoes"])),
        ),
        (
            "mg-shopdial.best_smartphone",
            "'smartphone' in the title: best rated (ties)",
            best_rated(fits(m, title_any=["smartphone", "smartphones"])),
        ),
        (
            "mg-shopdial.thrillers",
            "Books whose Genre line names Thriller (the Christie detective mystery accepted too)",
            {"thriller": ids(genre(books, "Thriller")), "mystery": ids(genre(books, "Myster"))},
        ),
        (
            "mg-shopdial.senston_shuttles_x3",
            "3 x the Senston nylon shuttlecocks",
            round(3 * titled(m, "Senston Badminton Shuttlecocks Nylon")["price"], 2),
        ),
        (
            "mg-shopdial.basics_paper_x6",
            "6 x the Amazon Basics printer paper (one ream each)",
            round(6 * titled(m, "Amazon Basics Multipurpose Copy Printer Paper")["price"], 2),
        ),
        (
            "mg-shopdial.money_back",
            "listings that promise a money-back refund; the hockey pants among them",
            ids(m[m.description.str.contains("MONEY-BACK")]),
        ),
        (
            "mg-shopdial.dystopian_le25",
            "Books whose Genre line names Dystopian or Political Fiction, at most 25",
            ids(dystopian[dystopian.price <= 25]),
        ),
    ]


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the suites use."""
    return (
        demo_facts(cat["demo"])
        + bigbasket_facts(cat["bigbasket"])
        + amazon_facts(cat["amazon-india"])
        + mg_facts(cat["mg-shopdial"])
    )


def main() -> None:
    """Print every figure (or only keys with the given prefixes), or `--check` the suites
    (heldout4's check over this suite's four files and catalogs)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--check", action="store_true", help="check the suites against the catalogs")
    ap.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = ap.parse_args()
    cat = {n: load(n, args.shared) for n in SUITES}
    if args.check:
        vars(h4)["SUITES"] = {n: f for n, f in SUITES.items() if (HERE / f).exists()}
        sys.exit(1 if h4.check(cat, HERE) else 0)
    for key, rule, value in facts(cat):
        if not args.prefix or key.startswith(tuple(args.prefix)):
            sys.stdout.write(f"{key} = {value}  # {rule}\n")


if __name__ == "__main__":
    main()
