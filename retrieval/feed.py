"""Catalog feeds: CSV, JSON Lines or Parquet, mapped onto the Product contract row by row.

Every bad row is reported with its row number and the reason; the caller
decides whether that fails the ingest or skips the row. Row numbers are the
line in the file for CSV (the header is line 1) and JSON Lines, and the
1-based record number for Parquet.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from retrieval.product import Product

FeedFormat = Literal["csv", "jsonl", "parquet"]
FIELDS = (
    "id", "title", "description", "brand", "category", "price", "currency", "in_stock",
    "rating", "rating_count", "image_url", "url", "attributes",
)  # fmt: skip
_TRUE = {"true", "1", "yes", "y", "t", "in stock", "instock", "available"}
_FALSE = {"false", "0", "no", "n", "f", "out of stock", "outofstock", "unavailable", "sold out"}
_MONEY = re.compile(r"^[^\d\-+.]*([-+]?[\d,]*\.?\d+)\s*[^\d]*$")


@dataclass(frozen=True)
class RowError:
    """A feed row that could not become a product."""

    row: int
    reason: str
    product_id: str | None = None

    def __str__(self) -> str:
        who = f" (id {self.product_id})" if self.product_id else ""
        return f"row {self.row}{who}: {self.reason}"


@dataclass
class FeedReport:
    """What a feed yielded: valid products in feed order, and the rows that were not."""

    products: list[Product] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`["title=Description", "attributes.color=Colour"]` -> {field: source column}."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        target, sep, source = pair.partition("=")
        target, source = target.strip(), source.strip()
        if not sep or not target or not source:
            raise ValueError(f"bad mapping {pair!r}: expected FIELD=COLUMN")
        if target not in FIELDS and not target.startswith("attributes."):
            raise ValueError(f"bad mapping {pair!r}: {target!r} is not a product field")
        mapping[target] = source
    return mapping


def detect_format(path: Path) -> FeedFormat:
    """The feed format from the file name (compressed CSV and JSON Lines too)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ValueError(f"cannot tell the format of {path.name}: use .csv, .jsonl or .parquet")


def _open_text(path: Path) -> Any:
    if path.name.lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def iter_rows(
    path: Path, fmt: FeedFormat | None = None
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, raw record) pairs; a record that cannot be parsed comes as a reason string."""
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        with _open_text(path) as fh:
            delimiter = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
            reader = csv.DictReader(fh, delimiter=delimiter)
            line = 1
            for record in reader:
                yield line + 1, record
                line = reader.line_num
    elif fmt == "jsonl":
        with _open_text(path) as fh:
            for n, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as e:
                    yield n, f"not valid JSON ({e.msg})"
                    continue
                yield n, obj if isinstance(obj, dict) else "not a JSON object"
    else:
        import pyarrow.parquet as pq

        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for record in batch.to_pylist():
                n += 1
                yield n, record


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def _price(value: Any) -> Decimal:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        price = Decimal(str(value))
    else:
        match = _MONEY.match(str(value).strip())
        if not match:
            raise ValueError(f"price {value!r} is not a number")
        try:
            price = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation as e:
            raise ValueError(f"price {value!r} is not a number") from e
    if not price.is_finite():
        raise ValueError(f"price {value!r} is not a number")
    if price < 0:
        raise ValueError(f"price {value} is negative")
    return price


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value > 0  # a stock count
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if re.fullmatch(r"\d+", text):
        return int(text) > 0
    raise ValueError(f"{name} {value!r} is not yes/no")


def _attributes(record: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    source = mapping.get("attributes", "attributes")
    raw = record.get(source)
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"attributes is not a JSON object ({e.msg})") from e
    if isinstance(raw, Mapping):
        attrs.update({str(k): str(v) for k, v in raw.items() if not _blank(v)})
    elif not _blank(raw):
        raise ValueError("attributes is not a JSON object")
    for target, column in mapping.items():
        if target.startswith("attributes.") and not _blank(record.get(column)):
            attrs[target.removeprefix("attributes.")] = str(record[column]).strip()
    return attrs


def to_product(
    record: Mapping[str, Any],
    mapping: Mapping[str, str],
    default_currency: str,
    defaults: Mapping[str, Any] | None = None,
) -> Product:
    """One raw record as a Product; raises ValueError with a reason a person can act on."""

    def get(name: str) -> Any:
        value = record.get(mapping.get(name, name))
        return (defaults or {}).get(name) if _blank(value) else value

    if _blank(get("id")):
        raise ValueError("missing id")
    product_id = str(get("id")).strip()
    if isinstance(get("id"), float) and get("id").is_integer():
        product_id = str(int(get("id")))
    if _blank(get("title")):
        raise ValueError("missing title")
    if _blank(get("price")):
        raise ValueError("missing price")
    values: dict[str, Any] = {
        "id": product_id,
        "title": " ".join(str(get("title")).split()),
        "price": _price(get("price")),
        "currency": default_currency
        if _blank(get("currency"))
        else str(get("currency")).strip().upper(),
        "attributes": _attributes(record, mapping),
    }
    for name in ("description", "brand", "category", "image_url", "url"):
        if not _blank(get(name)):
            values[name] = str(get(name)).strip()
    if not _blank(get("in_stock")):
        values["in_stock"] = _bool(get("in_stock"), "in_stock")
    if not _blank(get("rating")):
        try:
            values["rating"] = float(get("rating"))
        except (TypeError, ValueError) as e:
            raise ValueError(f"rating {get('rating')!r} is not a number") from e
    if not _blank(get("rating_count")):
        try:
            values["rating_count"] = int(float(str(get("rating_count")).replace(",", "")))
        except ValueError as e:
            raise ValueError(f"rating_count {get('rating_count')!r} is not a number") from e
    try:
        return Product(**values)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from e


def read_feed(
    path: Path,
    mapping: Mapping[str, str] | None = None,
    *,
    fmt: FeedFormat | None = None,
    default_currency: str = "USD",
    defaults: Mapping[str, Any] | None = None,
) -> FeedReport:
    """Read a whole feed: valid products and every bad row with its number and reason.

    `defaults` fills fields a row leaves blank (an evaluation set without prices, say).
    """
    mapping = dict(mapping or {})
    report = FeedReport()
    first_row: dict[str, int] = {}
    for row, record in iter_rows(path, fmt):
        report.rows += 1
        if isinstance(record, str):
            report.errors.append(RowError(row, record))
            continue
        try:
            product = to_product(record, mapping, default_currency, defaults)
        except ValueError as e:
            raw_id = record.get(mapping.get("id", "id"))
            report.errors.append(RowError(row, str(e), None if _blank(raw_id) else str(raw_id)))
            continue
        if product.id in first_row:
            report.errors.append(
                RowError(
                    row, f"duplicate id (first seen on row {first_row[product.id]})", product.id
                )
            )
            continue
        first_row[product.id] = row
        report.products.append(product)
    return report
