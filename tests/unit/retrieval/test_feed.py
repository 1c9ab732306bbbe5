"""Feeds: every format maps onto the Product contract; bad rows are named by row number."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retrieval.feed import detect_format, parse_mapping, read_feed

CSV = """StockCode,Description,UnitPrice,Stock,Colour
A1,Red candle,£1.25,12,red
A2,,2.00,3,blue
A3,Blue mug,abc,1,blue
A4,Green bag,-1,1,green
A1,Another red candle,1.00,1,red
,No id here,1.00,1,red
A5,"Tea towel,
two lines",3.50,0,white
A6,Big bowl,"1,250.00",yes,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_mapping_reports_each_bad_row_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "feed.csv", CSV)
    mapping = parse_mapping(
        [
            "id=StockCode",
            "title=Description",
            "price=UnitPrice",
            "in_stock=Stock",
            "attributes.color=Colour",
        ]
    )
    report = read_feed(path, mapping, default_currency="GBP")

    assert [p.id for p in report.products] == ["A1", "A5", "A6"]
    first = report.products[0]
    assert first.price == Decimal("1.25") and first.currency == "GBP" and first.in_stock
    assert first.attributes == {"color": "red"}
    assert report.products[1].title == "Tea towel, two lines" and not report.products[1].in_stock
    assert report.products[2].price == Decimal("1250.00")
    errors = {e.row: e.reason for e in report.errors}
    assert errors == {
        3: "missing title",
        4: "price 'abc' is not a number",
        5: "price -1 is negative",
        6: "duplicate id (first seen on row 2)",
        7: "missing id",
    }
    assert str(report.errors[3]) == "row 6 (id A1): duplicate id (first seen on row 2)"


def test_jsonl_bad_json_and_attributes(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "p1",
                "title": "Lamp",
                "price": 10,
                "attributes": {"color": "white"},
                "category": "Home>Lighting ",
                "rating": 4.5,
            }
        ),
        "{not json",
        json.dumps({"id": "p2", "title": "Chair", "price": 5, "rating": 7}),
        json.dumps(["a list"]),
    ]
    report = read_feed(write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n"))
    assert [p.id for p in report.products] == ["p1"]
    assert report.products[0].category == "Home > Lighting"
    assert report.products[0].attributes == {"color": "white"}
    rows = [(e.row, e.reason.split(" (")[0]) for e in report.errors]
    assert rows[0] == (2, "not valid JSON")
    assert rows[1][0] == 3 and "rating" in report.errors[1].reason
    assert rows[2] == (4, "not a JSON object")


def test_parquet_rows_are_numbered_from_one(tmp_path: Path) -> None:
    path = tmp_path / "feed.parquet"
    table = pa.table(
        {
            "sku": ["x", "y", "z"],
            "name": ["Cup", "Plate", "Bowl"],
            "price": [1.5, None, 2.0],
            "in_stock": [True, False, True],
        }
    )
    pq.write_table(table, path)
    report = read_feed(path, {"id": "sku", "title": "name"})
    assert [p.id for p in report.products] == ["x", "z"]
    assert [(e.row, e.reason) for e in report.errors] == [(2, "missing price")]


def test_mapping_and_format_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected FIELD=COLUMN"):
        parse_mapping(["title"])
    with pytest.raises(ValueError, match="'colour' is not a product field"):
        parse_mapping(["colour=Colour"])
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(tmp_path / "feed.xlsx")
    assert detect_format(tmp_path / "feed.csv.gz") == "csv"
