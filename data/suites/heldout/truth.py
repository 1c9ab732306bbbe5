"""Re-derive every catalog figure the held-out chat suites state, with the rule that chose it.

    .venv/bin/python data/suites/heldout/truth.py [--shared ../shared/data] [KEY_PREFIX ...]

Each line is `catalog.key = value  # rule`; the suites (data/suites/heldout/*.yaml) name the
key in a comment beside the expectation that uses it. The reading rules are those of the dev
suites' data/suites/truth.py (whose helpers this reuses): a "<word>" product has the word as
whole words in its title, or sits in the category leaf that names it; ties are all accepted;
"most popular" is distinct buyers on the demo shop (top 10) and rating_count elsewhere (top 5);
a named product is the one whose title the shopper names; a total is N x its catalog price.
Figures quoted from a product's own listing (description, attributes) are printed with the
passage they come from.
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
cheapest, priciest, best_rated, ids_at = dev.cheapest, dev.priciest, dev.best_rated, dev.ids_at


def by_id(df: pd.DataFrame, pid: str) -> dict[str, Any]:
    """One product by id: title, price, rating, stock."""
    r = df[df.id.astype(str) == pid].iloc[0]
    return {
        "title": r.title,
        "price": float(r.price),
        "rating": r.get("rating"),
        "in_stock": r.get("in_stock"),
    }


def passage(df: pd.DataFrame, pid: str, pattern: str) -> str:
    """The passage of a product's description that matches `pattern` (fails when none)."""
    text = str(df[df.id.astype(str) == pid].description.iloc[0])
    m = re.search(r"[^|.;]*" + pattern + r"[^|;]*", text, flags=re.IGNORECASE)
    if not m:
        raise SystemExit(f"{pid}: no passage matches {pattern!r}")
    return m.group(0).strip()


def newest(df: pd.DataFrame) -> list[str]:
    """Demo products whose 'first recorded sale' month is the latest of the set."""
    first = pd.to_datetime(
        df.description.str.extract(r"first recorded sale in (\w+ \d{4})")[0], format="%B %Y"
    )
    return sorted(df[first == first.max()].id.astype(str))


def facts(cat: dict[str, pd.DataFrame]) -> list[tuple[str, str, Any]]:
    """(key, rule, value) of every figure the held-out suites use."""
    d, b, a = cat["demo"], cat["bigbasket"], cat["amazon-india"]
    inter = pd.read_parquet(ROOT / "data" / "demo" / "interactions.parquet")
    buyers = inter[inter.event == "purchase"].groupby("product_id").user_id.nunique()
    phones = leaf(a, "Smartphones")
    return [
        # ----- demo
        (
            "demo.frames_not_pink",
            "title 'frame', no 'pink'",
            count(minus(word(d, "frame"), "pink")),
        ),
        (
            "demo.lanterns_not_glass_metal",
            "title 'lantern', no glass/metal in title or material",
            count(
                minus(word(d, "lantern"), "glass", "metal").pipe(
                    lambda x: x[
                        ~x.attributes.apply(lambda at: at.get("material") in ("glass", "metal"))
                    ]
                )
            ),
        ),
        ("demo.cheapest_doorstop", "title 'doorstop'", cheapest(word(d, "doorstop"))),
        ("demo.dinosaur", "title 'dinosaur'", count(word(d, "dinosaur"))),
        (
            "demo.dinosaur_le1",
            "title 'dinosaur', price <= 1",
            count(word(d, "dinosaur").query("price <= 1")),
        ),
        ("demo.named.22461", "Savoy Art Deco Clock", named(d, "Savoy Art Deco Clock")),
        ("demo.quote.3x22461", "3 x Savoy Art Deco Clock", total(d, "Savoy Art Deco Clock", 3)),
        ("demo.named.22960", "Jam Making Set with Jars", named(d, "Jam Making Set with Jars")),
        ("demo.named.22427", "Enamel Flower Jug Cream", named(d, "Enamel Flower Jug Cream")),
        (
            "demo.jug_lt_595",
            "title 'jug', price < 5.95",
            word(d, "jug").query("price < 5.95")[["id", "title", "price"]].values.tolist(),
        ),
        (
            "demo.named.22427.attributes",
            "attributes of Enamel Flower Jug Cream",
            d[d.id == "22427"].attributes.iloc[0],
        ),
        ("demo.named.22629", "Spaceboy Lunch Box", named(d, "Spaceboy Lunch Box")),
        ("demo.priciest_all", "whole shop, dearest", priciest(d)),
        (
            "demo.cheapest_clock",
            "title 'clock' | leaf Clocks",
            cheapest(word(d, "clock"), leaf(d, "Clocks")),
        ),
        ("demo.priciest_lantern", "title 'lantern'", priciest(word(d, "lantern"))),
        ("demo.cheapest_money_box", "title 'money box'", cheapest(word(d, "money box"))),
        (
            "demo.popular_top10",
            "top 10 by distinct buyers",
            buyers.sort_values(ascending=False).head(10).index.tolist(),
        ),
        (
            "demo.newest_clock",
            "leaf Clocks, latest 'first recorded sale' month",
            newest(leaf(d, "Clocks")),
        ),
        ("demo.quote.15x21116", "15 x Owl Doorstop", total(d, "Owl Doorstop", 15)),
        (
            "demo.named.21116",
            "Owl Doorstop: its description",
            d[d.id == "21116"].description.iloc[0],
        ),
        (
            "demo.candle_le050",
            "title 'candle', price <= 0.50",
            count(word(d, "candle").query("price <= 0.5")),
        ),
        (
            "demo.cushion_4_6",
            "title 'cushion', 4 <= price <= 6",
            count(word(d, "cushion").query("4 <= price <= 6")),
        ),
        ("demo.tin_le3", "title 'tin', price <= 3", count(word(d, "tin").query("price <= 3"))),
        (
            "demo.notebook_le2",
            "title 'notebook', price <= 2",
            count(word(d, "notebook").query("price <= 2")),
        ),
        (
            "demo.mirror_ge30",
            "title 'mirror' | leaf Frames & Mirrors, price >= 30",
            sorted(
                set(word(d, "mirror").query("price >= 30").id)
                | set(leaf(d, "Frames & Mirrors").query("price >= 30").id)
            ),
        ),
        # ----- bigbasket
        (
            "bigbasket.noodles_le50_not_maggi",
            "title 'noodles', price <= 50, brand not Maggi",
            count(
                word(b, "noodles")[lambda x: ~x.brand.str.lower().str.startswith("maggi")].query(
                    "price <= 50"
                )
            ),
        ),
        (
            "bigbasket.detergent_not_liquid",
            "title 'detergent', no 'liquid'",
            count(minus(word(b, "detergent"), "liquid")),
        ),
        (
            "bigbasket.named.303",
            "Hide & Seek Choco Rolls (Parle)",
            named(b, "Hide & Seek Choco Rolls"),
        ),
        (
            "bigbasket.quote.12x303",
            "12 x Hide & Seek Choco Rolls",
            total(b, "Hide & Seek Choco Rolls", 12),
        ),
        (
            "bigbasket.named.2224",
            "Dark Fantasy Yumfills Pie",
            named(b, "Dark Fantasy Yumfills Pie"),
        ),
        (
            "bigbasket.kesari_chyawanprash",
            "title 'Kesari Shakti Kalp Chyawanprash ...' (two listings)",
            b[b.title.str.startswith("Kesari Shakti Kalp Chyawanprash")][
                ["id", "price"]
            ].values.tolist(),
        ),
        (
            "bigbasket.named.23110",
            "Namkeen - PuffcornYummy Cheese (Kurkure)",
            named(b, "Namkeen - PuffcornYummy Cheese"),
        ),
        (
            "bigbasket.cheapest_peanut_butter",
            "title 'peanut butter'",
            cheapest(word(b, "peanut butter")),
        ),
        (
            "bigbasket.best_rated_dark_chocolate",
            "title 'dark chocolate'",
            best_rated(word(b, "dark chocolate")),
        ),
        ("bigbasket.priciest_pistachio", "title 'pistachio'", priciest(word(b, "pistachio"))),
        (
            "bigbasket.pistachio_le500",
            "title 'pistachio', price <= 500",
            count(word(b, "pistachio").query("price <= 500")),
        ),
        (
            "bigbasket.haldirams_namkeen_ge4",
            "brand Haldirams, category names Namkeen, rated >= 4",
            count(
                dev.brand(b, "Haldirams")[lambda x: x.category.str.contains("Namkeen")].query(
                    "rating >= 4"
                )
            ),
        ),
        (
            "bigbasket.kissan_ketchup",
            "brand Kissan, title 'ketchup'",
            count(dev.brand(word(b, "ketchup"), "Kissan")),
        ),
        (
            "bigbasket.shower_gel_not_nivea_dove",
            "title 'shower gel' | 'body wash', brand not Nivea/Dove (nor a sub-brand)",
            count(
                pd.concat([word(b, "shower gel"), word(b, "body wash")])
                .drop_duplicates("id")
                .pipe(lambda x: x[~x.brand.str.lower().str.startswith(("nivea", "dove"))])
            ),
        ),
        (
            "bigbasket.peanut_butter_ge45",
            "title 'peanut butter', rated >= 4.5",
            count(word(b, "peanut butter").query("rating >= 4.5")),
        ),
        (
            "bigbasket.surf_excel_ge43",
            "brand Surf Excel, title 'detergent', rated >= 4.3",
            count(dev.brand(word(b, "detergent"), "Surf Excel").query("rating >= 4.3")),
        ),
        # ----- amazon-india
        (
            "amazon-india.phones_le15000_not_samsung_redmi",
            "leaf Smartphones, no Samsung/Redmi in title, price <= 15000",
            count(minus(phones, "samsung", "redmi").query("price <= 15000")),
        ),
        ("amazon-india.named.B008QTK47Q", "Philips GC1905 steam iron", by_id(a, "B008QTK47Q")),
        (
            "amazon-india.named.B008QTK47Q.warranty",
            "its description",
            passage(a, "B008QTK47Q", "Warranty"),
        ),
        (
            "amazon-india.named.B008QTK47Q.tank",
            "its description",
            passage(a, "B008QTK47Q", "tank capacity"),
        ),
        ("amazon-india.named.B08Y5QJXSR", "atomberg Renesa ceiling fan", by_id(a, "B08Y5QJXSR")),
        (
            "amazon-india.named.B08Y5QJXSR.power",
            "its description",
            passage(a, "B08Y5QJXSR", "Consumes"),
        ),
        ("amazon-india.named.B07MKMFKPG", "Bosch Pro 1000W Mixer Grinder", by_id(a, "B07MKMFKPG")),
        (
            "amazon-india.named.B07MKMFKPG.origin",
            "its description",
            passage(a, "B07MKMFKPG", "Country of Origin"),
        ),
        (
            "amazon-india.named.B07MKMFKPG.overload",
            "its description",
            passage(a, "B07MKMFKPG", "Overload"),
        ),
        ("amazon-india.named.B07RCGTZ4M", "AGARO Ace wet & dry vacuum", by_id(a, "B07RCGTZ4M")),
        (
            "amazon-india.named.B07RCGTZ4M.cord",
            "its description",
            passage(a, "B07RCGTZ4M", "power cord"),
        ),
        ("amazon-india.named.B01HJI0FS2", "Dell MS116 mouse", by_id(a, "B01HJI0FS2")),
        (
            "amazon-india.quote.5xB01HJI0FS2",
            "5 x Dell MS116",
            round(5 * by_id(a, "B01HJI0FS2")["price"], 2),
        ),
        (
            "amazon-india.oneplus_nord_2t",
            "title 'OnePlus Nord 2T'",
            sorted(a[a.title.str.contains("OnePlus Nord 2T")].id),
        ),
        (
            "amazon-india.cheapest_ceiling_fan",
            "title 'ceiling fan' | leaf Ceiling Fans",
            cheapest(word(a, "ceiling fan"), leaf(a, "Ceiling Fans")),
        ),
        (
            "amazon-india.best_rated_mixer_grinder",
            "title 'mixer grinder' | leaf Mixer Grinders",
            best_rated(word(a, "mixer grinder"), leaf(a, "Mixer Grinders")),
        ),
        (
            "amazon-india.popular_smartphone",
            "leaf Smartphones, top 5 by rating_count",
            phones.sort_values("rating_count", ascending=False).head(5).id.tolist(),
        ),
        (
            "amazon-india.priciest_vacuum",
            "title 'vacuum cleaner'",
            priciest(word(a, "vacuum cleaner")),
        ),
        (
            "amazon-india.pen_drive_le500",
            "title 'pen drive', price <= 500",
            count(word(a, "pen drive").query("price <= 500")),
        ),
        (
            "amazon-india.tripod_le1000",
            "title 'tripod', price <= 1000",
            count(word(a, "tripod").query("price <= 1000")),
        ),
        (
            "amazon-india.wall_charger_le700",
            "leaf Wall Chargers, price <= 700",
            count(leaf(a, "Wall Chargers").query("price <= 700")),
        ),
        (
            "amazon-india.tv_ge40000",
            "leaf Smart Televisions, price >= 40000",
            count(leaf(a, "Smart Televisions").query("price >= 40000")),
        ),
        (
            "amazon-india.bajaj_mixer_ge4",
            "title 'bajaj' and 'mixer', rated >= 4",
            a[a.title.str.contains("Bajaj") & a.title.str.contains("Mixer", case=False)]
            .query("rating >= 4")
            .id.tolist(),
        ),
        (
            "amazon-india.philips_steam_iron_ge43",
            "title 'philips' and 'steam iron', rated >= 4.3",
            count(word(word(a, "philips"), "steam iron").query("rating >= 4.3")),
        ),
        (
            "amazon-india.webcam_privacy",
            "title 'webcam cover'",
            sorted(word(a, "webcam cover").id),
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
