"""Write the BigBasket, Amazon India and MG-ShopDial catalogs of ../shared/data as Aisle feeds.

    .venv/bin/python data/suites/feeds.py [--shared ../shared/data] [--out var/feeds]

`aisle ingest` reads CSV with a column mapping, but these two files need more than a mapping:

- BigBasket (27,555 rows): the category path is three columns (`category > sub_category >
  type`); id is `index`, title `product`, price `sale_price`; `brand` and `rating` as they are
  (rating blank where the file has none). Prices are rupees.
- Amazon India (1,465 rows, 1,351 products): a product appears once per review, so only its
  first row is kept; the category path is `|`-separated with words run together
  (`Computers&Accessories|...|USBCables`), so `|` becomes ` > `, `&` gets spaces and
  run-together words are split at a lower-to-upper case change (`USB Cables`); the price is
  `discounted_price` ("₹1,099" -> 1099, as the feed reader parses it), the description
  `about_product`, ratings and counts as they are (the one rating "|" is left blank). The file
  has no brand column, and none is invented.
- MG-ShopDial (57 products in four JSON lists, USD): the items the MG-ShopDial dialogues talk
  about. A list's file name becomes its department (`Cellphones&Accessories_items.json` ->
  `Cell Phones & Accessories`); the items have no ids, so an item's id is its list and place in
  it (`books-01`); the price drops the `$` ("$13.39" -> 13.39); the rating is the figure before
  "/5" (blank where the file says "None"); the description is `short_description` followed by
  `product_description` (each left out where the file says "None").

Nothing else is changed; every product keeps the file's own words. Then ingest each into its
own data dir (data/suites/README.md has the commands; `make eval-catalogs` runs them).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""


def _rating(v: Any) -> float | None:
    try:
        r = float(str(v).strip())
    except ValueError:
        return None
    return r if 0 <= r <= 5 else None


def bigbasket_rows(path: Path) -> list[dict[str, Any]]:
    """BigBasket products as feed records."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = []
    for r in df.to_dict("records"):
        if _blank(r["product"]):
            continue  # one row has no name: not a product a shopper could be shown
        path_parts = [r[c].strip() for c in ("category", "sub_category", "type") if r[c].strip()]
        rec: dict[str, Any] = {
            "id": r["index"].strip(),
            "title": " ".join(r["product"].split()),
            "category": " > ".join(path_parts),
            "price": float(r["sale_price"]),
            "currency": "INR",
        }
        if r["brand"].strip():
            rec["brand"] = r["brand"].strip()
        if (rating := _rating(r["rating"])) is not None and r["rating"].strip():
            rec["rating"] = rating
        out.append(rec)
    return out


def _category_segment(s: str) -> str:
    s = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", s)
    s = re.sub(r"\s*&\s*", " & ", s)
    return " ".join(s.split())


def amazon_category(raw: str) -> str:
    """`Computers&Accessories|...|USBCables` -> `Computers & Accessories > ... > USB Cables`."""
    return " > ".join(_category_segment(p) for p in raw.split("|") if p.strip())


def amazon_rows(path: Path) -> list[dict[str, Any]]:
    """Amazon India products as feed records (first row of each product id)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.drop_duplicates("product_id", keep="first")
    out = []
    for r in df.to_dict("records"):
        price = re.sub(r"[^\d.]", "", r["discounted_price"])
        rec: dict[str, Any] = {
            "id": r["product_id"].strip(),
            "title": " ".join(r["product_name"].split()),
            "description": r["about_product"].strip(),
            "category": amazon_category(r["category"]),
            "price": float(price),
            "currency": "INR",
            "image_url": r["img_link"].strip(),
            "url": r["product_link"].strip(),
        }
        if (rating := _rating(r["rating"])) is not None:
            rec["rating"] = rating
        count = r["rating_count"].replace(",", "").strip()
        if count.isdigit():
            rec["rating_count"] = int(count)
        out.append(rec)
    return out


MG_SHOPDIAL_LISTS = {
    "Books": ("books", "Books"),
    "Cellphones&Accessories": ("phones", "Cell Phones & Accessories"),
    "Officeproducts": ("office", "Office Products"),
    "SportsandOutdoors": ("sports", "Sports & Outdoors"),
}


def _text(v: Any) -> str:
    s = "" if v is None else " ".join(str(v).split())
    return "" if s == "None" else s


def mg_shopdial_rows(folder: Path) -> list[dict[str, Any]]:
    """The four MG-ShopDial item lists as feed records, in file order."""
    out = []
    for stem, (prefix, department) in MG_SHOPDIAL_LISTS.items():
        items = json.loads((folder / f"{stem}_items.json").read_text(encoding="utf-8"))
        for i, item in enumerate(items, start=1):
            parts = (_text(item.get("short_description")), _text(item.get("product_description")))
            description = " ".join(t for t in parts if t)
            rec: dict[str, Any] = {
                "id": f"{prefix}-{i:02d}",
                "title": _text(item["name"]),
                "category": department,
                "price": float(re.sub(r"[^\d.]", "", item["price"])),
                "currency": "USD",
            }
            if description:
                rec["description"] = description
            if _text(item.get("images")):
                rec["image_url"] = _text(item["images"])
            if (rating := _rating(_text(item.get("rating")).split("/")[0])) is not None:
                rec["rating"] = rating
            out.append(rec)
    return out


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    """Write records one JSON object a line (atomically: a temp file renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "var" / "feeds")
    args = ap.parse_args()
    bb = bigbasket_rows(args.shared / "bigbasket" / "bigbasket_products.csv.gz")
    am = amazon_rows(args.shared / "amazon-india" / "amazon_india_products.csv.gz")
    mg = mg_shopdial_rows(args.shared / "mg-shopdial")
    write_jsonl(bb, args.out / "bigbasket.jsonl")
    write_jsonl(am, args.out / "amazon-india.jsonl")
    write_jsonl(mg, args.out / "mg-shopdial.jsonl")
    sys.stdout.write(
        f"{len(bb)} BigBasket, {len(am)} Amazon India and {len(mg)} MG-ShopDial products"
        f" in {args.out}\n"
    )


if __name__ == "__main__":
    main()
