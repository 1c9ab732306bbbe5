"""Re-derive every catalog figure the fourth held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout4/truth.py [--shared ../shared/data] [KEY_PREFIX ...]
    .venv/bin/python data/suites/heldout4/truth.py --check

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout4/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py (whose helpers this reuses): a "<word>" product has the word as
whole words in its title, or sits in the category leaf that names it; ties are all accepted; a
named product is the one whose title the shopper names (in full, in part or misspelt); a total
is N x its catalog price. Rules this suite adds:

- a count of products that "fit" a turn is the number of catalog products that pass the turn's
  whole `products` expectation as assistant/evaluate.py reads it (its word matcher,
  `has_words`, imported: whole words, plural endings aside, a 4+ letter word also matching a word
  that starts with it; `title_any` also as a substring of the category path; `not_words` over
  title, brand, category path and attribute values; `not_brands` over brand and title).
  `--check` prints that count for every turn (by dialogue id and turn number) and fails when it
  is below the turn's `min_products`; it also fails when an id an expectation names is not in
  the catalog, or when a product a turn names (`first_id`, `first_in`, `ids_any`) fails that
  turn's own `products` expectation (for `first_in`/`ids_any`: when none of them passes it);
- "around X": within 30% of X either side; "X or so": up to 30% over X;
- "rated above X" (one-decimal ratings): at least X is accepted, as a lenient shop assistant
  would read it; "4 stars and up" is at least 4;
- "the next size up" on the demo shop: the same title with the next word of Small < Medium <
  Large; "bigger" on Amazon India: a capacity in litres written in the title above the named
  product's;
- whether an order reaches free delivery on the demo shop: N x the catalog price against the
  threshold read from data/demo/policies/shipping.md ("Orders of £40 or more ship free").

Figures quoted from a product's own listing (Amazon India's about_product) are printed with the
passage they come from.
"""

# The facts table quotes whole catalog titles, which are longer than a line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections.abc import Callable
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

SUITES = {"demo": "demo.yaml", "bigbasket": "bigbasket.yaml", "amazon-india": "amazon-india.yaml"}

# ----- the helpers of the third held-out suite's truth: the evaluator's word reading
# (`has_words`, imported there, so that counts are of products that pass an expectation
# exactly as the evaluator checks it), fits, ids, listing passages and litres in a title
_spec3 = importlib.util.spec_from_file_location(
    "heldout3_truth", HERE.parent / "heldout3" / "truth.py"
)
assert _spec3 is not None and _spec3.loader is not None
h3 = importlib.util.module_from_spec(_spec3)
_spec3.loader.exec_module(h3)

fits, either, passage, ids, litres, bigger = (
    h3.fits,
    h3.either,
    h3.passage,
    h3.ids,
    h3.litres,
    h3.bigger,
)


def _free_threshold() -> float:
    """The free-delivery threshold the demo shop's shipping policy states."""
    text = (ROOT / "data" / "demo" / "policies" / "shipping.md").read_text(encoding="utf-8")
    m = re.search(r"Orders of £(\d+(?:\.\d+)?) or more ship free", text)
    if not m:
        raise SystemExit("shipping.md: no free-delivery threshold")
    return float(m.group(1))


def _stock(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """A named product with its stock flag."""
    p: dict[str, Any] = dict(named(df, title))
    p["in_stock"] = bool(df[df.id.astype(str) == p["id"]].in_stock.iloc[0])
    return p


def demo_facts(d: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """The demo shop's figures."""
    free = _free_threshold()

    def order(title: str, n: int) -> dict[str, Any]:
        t = total(d, title, n)
        return {"total": t, "free_delivery": t >= free, "threshold": free}

    doormats = either(word(d, "doormat"), word(d, "door mat"))
    savoy = named(d, "Savoy Art Deco Clock")
    return [
        (
            "demo.sewing_small",
            "named 'victorian sewing box small'",
            _stock(d, "Victorian Sewing Box Small"),
        ),
        (
            "demo.sewing_medium",
            "the next size up of Small: Medium",
            named(d, "Victorian Sewing Box Medium"),
        ),
        ("demo.red_diner", "named 'red diner wall clock'", named(d, "Red Diner Wall Clock")),
        ("demo.savoy", "named 'savoy art deco one'", savoy),
        (
            "demo.clock_below_savoy",
            "clocks cheaper than the Savoy",
            ids(fits(d, title_any=["clock"], price_max=savoy["price"] - 0.01)),
        ),
        (
            "demo.regatta_bunting",
            "named 'wooden regata bunting' (misspelt)",
            named(d, "Wooden Regatta Bunting"),
        ),
        ("demo.retrospot_teapot", "named in full", named(d, "Red Retrospot Traditional Teapot")),
        ("demo.owl_doorstop", "named 'that owl doorstop'", named(d, "Owl Doorstop")),
        ("demo.owl_doorstop_x3", "3 x its price", total(d, "Owl Doorstop", 3)),
        (
            "demo.mirrored_cake_stand",
            "named 'glass cake stand with the mirrored base'",
            _stock(d, "Glass Cake Stand Mirrored Base"),
        ),
        ("demo.priciest_all", "the dearest product of the shop", priciest(d)),
        ("demo.cheapest_doormat", "'doormat' or 'door mat' in the title", cheapest(doormats)),
        ("demo.sewing_boxes", "'sewing box' in the title", ids(word(d, "sewing box"))),
        (
            "demo.black_diner_x6",
            "6 x the Black Diner Wall Clock against the free-delivery threshold",
            order("Black Diner Wall Clock", 6),
        ),
        (
            "demo.gold_wine_glass_x2",
            "2 x the Gold Wine Glass against the free-delivery threshold",
            order("Gold Wine Glass", 2),
        ),
        ("demo.post_office_cabinet", "named in full", named(d, "Vintage Post Office Cabinet")),
        ("demo.cosy_hour", "'cosy hour' in the title", ids(word(d, "cosy hour"))),
        ("demo.passport_cover", "'passport' in the title", ids(fits(d, title_any=["passport"]))),
    ]


def _named_all(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """Every listing with this exact title (a product sold in two pack sizes): ids and prices."""
    m = df[df.title == title]
    if m.empty:
        raise SystemExit(f"{title!r}: no product")
    return {"ids": [str(i) for i in m.id], "prices": [float(p) for p in m.price]}


def bigbasket_facts(b: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """BigBasket's figures."""
    ghee = word(b, "ghee")
    ghee = ghee[ghee.category.str.contains("Ghee")]
    honey = word(b, "honey")
    honey = honey[honey.category.str.contains(r"> Honey", regex=True)]
    mantra = b[b.brand.str.lower() == "24 mantra"]
    cashew = _named_all(b, "Good Day Cashew Cookies")
    return [
        (
            "bigbasket.haldirams_namkeen_no_onion",
            "Haldirams namkeen, bhujia, mixture, sev or chivda without onion or garlic",
            count(
                fits(
                    b,
                    brand="Haldirams",
                    title_any=["namkeen", "bhujia", "mixture", "sev", "chivda", "chiwda"],
                    not_words=["onion", "garlic"],
                )
            ),
        ),
        (
            "bigbasket.delmonte_no_onion",
            "named 'del monte ketchup made without onion and garlic'",
            named(b, "Tomato Ketchup - No Onion No Garlic"),
        ),
        (
            "bigbasket.delmonte_no_onion_x4",
            "4 x its price",
            total(b, "Tomato Ketchup - No Onion No Garlic", 4),
        ),
        (
            "bigbasket.good_day_cashew",
            "named; two listings, 12 x either price accepted",
            {**cashew, "x12": [round(12 * p, 2) for p in cashew["prices"]]},
        ),
        (
            "bigbasket.lizol_pine",
            "named 'lizol pine floor cleaner'",
            named(b, "Disinfectant Floor Cleaner Liquid - Pine, Kills 99.9% Germs"),
        ),
        (
            "bigbasket.nimyle_herbal",
            "named 'nimyle herbal' (two pack sizes)",
            _named_all(b, "Floor Cleaner - Herbal"),
        ),
        ("bigbasket.meswak", "named 'dabur meswak toothpaste'", named(b, "Meswak Toothpaste")),
        (
            "bigbasket.yoga_bar_nuts",
            "named 'yogabar multigrain energy bar nuts n seed' (two listings)",
            _named_all(b, "Multigrain Energy Bar - Nuts n Seed"),
        ),
        (
            "bigbasket.tortilla",
            "named 'tex mex salsalito original tortilla wraps'",
            named(b, "Tortilla - Original Wrap"),
        ),
        (
            "bigbasket.cheapest_ghee",
            "'ghee' in the title, in a ghee category (not ghee cookies, sweets or pots)",
            cheapest(ghee),
        ),
        (
            "bigbasket.priciest_honey",
            "'honey' in the title, in a Honey category leaf",
            priciest(honey),
        ),
        ("bigbasket.best_24_mantra", "brand 24 Mantra, best rated (ties)", best_rated(mantra)),
    ]


def titled(df: pd.DataFrame, start: str) -> dict[str, Any]:
    """The one product whose title starts with `start` (the words the shopper names): id, price."""
    m = df[df.title.str.startswith(start)]
    if len(m) != 1:
        raise SystemExit(f"{start!r}: {len(m)} products, not one")
    r = m.iloc[0]
    return {"id": str(r.id), "price": float(r.price), "rating": r.get("rating"), "title": r.title}


def amazon_facts(a: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """Amazon India's figures (listing answers with the passage they come from)."""
    kettles = leaf(a, "Electric Kettles")
    watches = minus(
        either(leaf(a, "Smart Watches"), word(a, "smart watch"), word(a, "smartwatch")),
        "charger",
        "cable",
        "strap",
        "protector",
        "guard",
    )
    havells = titled(a, "Havells Aqua Plus 1.2 litre")
    gc1905 = titled(a, "Philips GC1905")["id"]
    kent = titled(a, "KENT 16068 Zoom")["id"]
    usha = titled(a, "Usha IH2415")["id"]
    mi = titled(a, "MI Power Bank 3i 20000mAh")["id"]
    agaro = titled(a, "AGARO Regal 800 Watts Handheld")["id"]
    ibell = titled(a, "iBELL SM1301")["id"]
    hl1655 = titled(a, "PHILIPS HL1655/00")["id"]
    pgmfd = titled(a, "Prestige Sandwich Maker PGMFD 01")["id"]
    simxen = titled(a, "Simxen Egg Boiler")["id"]
    return [
        (
            "amazon-india.havells_aqua",
            "named 'havells aqua plus kettle'; its title states 1.2 litre",
            {**havells, "litres": litres(havells["title"])},
        ),
        (
            "amazon-india.kettle_bigger_than_1_2",
            "Electric Kettles whose title states more than 1.2 litres",
            bigger(kettles, 1.2),
        ),
        (
            "amazon-india.bajaj_rod",
            "named 'bajaj 1500 watt immersion rod'",
            titled(a, "Bajaj Immersion Rod Water Heater 1500 Watts"),
        ),
        ("amazon-india.havells_hb15", "named 'havells HB15'", titled(a, "Havells Immersion HB15")),
        ("amazon-india.gc1905", "named 'philips gc1905 steam iron'", titled(a, "Philips GC1905")),
        (
            "amazon-india.striff",
            "every STRIFF laptop stand (the one named is not told apart)",
            ids(word(word(a, "striff"), "laptop")),
        ),
        ("amazon-india.gc1905_cord", f"{gc1905} listing", passage(a, gc1905, r"cord length")),
        (
            "amazon-india.gc1905_warranty",
            f"{gc1905} listing",
            passage(a, gc1905, r"Warranty: 2 years"),
        ),
        (
            "amazon-india.kent_zoom_runtime",
            f"{kent} listing",
            passage(a, kent, r"works for 30 minutes"),
        ),
        (
            "amazon-india.kent_zoom_charge",
            f"{kent} listing",
            passage(a, kent, r"fully charged in 4-5 hours"),
        ),
        ("amazon-india.usha_thermostat", f"{usha} listing", passage(a, usha, r"Thermostat: Yes")),
        ("amazon-india.usha_warranty", f"{usha} listing", passage(a, usha, r"Warranty: 2 years")),
        (
            "amazon-india.mi_20000_charge",
            f"{mi} listing",
            passage(a, mi, r"Charging Time : 6.9 hours"),
        ),
        ("amazon-india.agaro_cord", f"{agaro} listing", passage(a, agaro, r"5 Metres long cord")),
        ("amazon-india.agaro_dust", f"{agaro} listing", passage(a, agaro, r"0.8 Ltr dust")),
        ("amazon-india.ibell_auto_off", f"{ibell} listing", passage(a, ibell, r"Auto shut off")),
        (
            "amazon-india.hl1655_box",
            f"{hl1655} listing",
            passage(a, hl1655, r"Includes: Hand blender & whisk"),
        ),
        ("amazon-india.pgmfd_watts", f"{pgmfd} listing", passage(a, pgmfd, r"800 watts")),
        ("amazon-india.simxen_minutes", f"{simxen} listing", passage(a, simxen, r"10 minutes")),
        (
            "amazon-india.best_rated_watch",
            "Smart Watches leaf or 'smart watch'/'smartwatch' in the title, not chargers, cables, straps or guards; best rated (ties)",
            best_rated(watches),
        ),
        (
            "amazon-india.cheapest_hdmi",
            "HDMICables leaf, or 'hdmi cable' in the title: the winner of each reading",
            cheapest(leaf(a, "HDMICables"), word(a, "hdmi cable")),
        ),
    ]


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the suites use."""
    return (
        demo_facts(cat["demo"])
        + bigbasket_facts(cat["bigbasket"])
        + amazon_facts(cat["amazon-india"])
    )


def _named_pass(
    name: str, dlg: str, n: int, df: pd.DataFrame, e: dict[str, Any], p: dict[str, Any]
) -> int:
    """1 when a product the turn names fails the turn's own `products` expectation."""
    spec = {k: v for k, v in p.items() if k != "cheaper_than_previous"}
    passing = set(ids(fits(df, **spec)))
    bad = 0
    if e.get("first_id") and str(e["first_id"]) not in passing:
        bad = 1
    for key in ("first_in", "ids_any"):
        if e.get(key) and not passing & {str(i) for i in e[key]}:
            bad = 1
    if bad:
        sys.stdout.write(f"{name} {dlg}#{n}: a named product fails the turn's products  <-- BAD\n")
    return bad


def check(cat: dict[str, pd.DataFrame], here: Path = HERE) -> int:
    """Every turn with a `products` expectation and `min_products`: how many catalog products
    pass it (must be >= min_products); every id an expectation names exists and a product a
    turn names passes the turn's own `products`. Returns the number of problems. `here` is
    the suite's folder (a later suite checks its own files with this)."""
    problems = 0
    for name, fname in SUITES.items():
        df = cat[name]
        known = set(df.id.astype(str))
        suite = yaml.safe_load((here / fname).read_text(encoding="utf-8"))
        for dlg in suite["dialogues"]:
            for n, turn in enumerate(dlg["turns"], start=1):
                e = turn.get("expect") or {}
                named_ids = [e.get("first_id")] + e.get("first_in", []) + e.get("ids_any", [])
                p = e.get("products") or {}
                named_ids += p.get("ids_in", []) + p.get("not_ids", [])
                for i in [x for x in named_ids if x]:
                    if str(i) not in known:
                        problems += 1
                        sys.stdout.write(f"{name} {dlg['id']}#{n}: unknown id {i}  <-- BAD\n")
                if p:
                    problems += _named_pass(name, dlg["id"], n, df, e, p)
                if p and e.get("min_products"):
                    spec = {k: v for k, v in p.items() if k != "cheaper_than_previous"}
                    got = count(fits(df, **spec))
                    flag = "" if got >= e["min_products"] else "  <-- TOO FEW"
                    problems += bool(flag)
                    sys.stdout.write(
                        f"{name} {dlg['id']}#{n}: {got} fit (min {e['min_products']}){flag}\n"
                    )
    sys.stdout.write(f"{problems} problem(s)\n")
    return problems


def main(
    figures: Callable[[dict[str, pd.DataFrame]], list[tuple[str, str, Any]]] = facts,
    here: Path = HERE,
) -> None:
    """Print every figure (or only keys with the given prefixes), or `--check` the suites."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--check", action="store_true", help="check the suites against the catalogs")
    ap.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = ap.parse_args()
    cat = {n: load(n, args.shared) for n in SUITES}
    if args.check:
        sys.exit(1 if check(cat, here) else 0)
    for key, rule, value in figures(cat):
        if not args.prefix or key.startswith(tuple(args.prefix)):
            sys.stdout.write(f"{key} = {value}  # {rule}\n")


if __name__ == "__main__":
    main()
