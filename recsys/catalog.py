"""Item metadata (id, title, category, price, stock) read from the catalog file, and filters.

recsys never imports retrieval: it reads the few catalog fields it needs from the same
products file (JSON Lines, CSV or Parquet) and keeps a snapshot with each artifact.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from recsys.errors import BadRequest
from recsys.results import Filters

__all__ = ["ItemTable", "read_catalog"]

log = logging.getLogger(__name__)

COLUMNS = ("id", "title", "category", "price", "in_stock")


def _normalize_path(path: str) -> str:
    return ">".join(part.strip().casefold() for part in path.split(">"))


def read_catalog(path: Path) -> pd.DataFrame:
    """Read id, title, category, price and in_stock from a products file.

    Args:
        path: a `.jsonl`/`.json`, `.csv` or `.parquet` file of Product rows.

    Returns:
        One row per product id (the first wins), with missing columns left empty.

    Raises:
        BadRequest: the file type is not one of the three, or it has no `id` column.
    """
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    if suffix in (".jsonl", ".json", ".jsonl.gz"):
        frame = pd.read_json(path, lines=True, dtype={"id": str})
    elif suffix in (".csv", ".csv.gz"):
        frame = pd.read_csv(path, dtype={"id": str})
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise BadRequest(f"catalog {path}: unknown file type {suffix!r} (jsonl, csv or parquet)")
    if "id" not in frame.columns:
        raise BadRequest(f"catalog {path}: no `id` column")
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame.loc[:, list(COLUMNS)].copy()
    frame["id"] = frame["id"].astype(str)
    frame["price"] = pd.to_numeric(frame["price"], errors="coerce")
    frame = frame.drop_duplicates("id", keep="first").reset_index(drop=True)
    log.debug("read %d catalog items from %s", len(frame), path)
    return frame


class ItemTable:
    """Metadata of the items a model knows, aligned with its item index."""

    def __init__(
        self,
        ids: Sequence[str],
        titles: Sequence[str | None],
        categories: Sequence[str | None],
        prices: NDArray[np.float64],
        in_stock: NDArray[np.int8],
    ) -> None:
        self.ids: list[str] = list(ids)
        self.titles: list[str | None] = list(titles)
        self.categories: list[str | None] = list(categories)
        self.prices = np.asarray(prices, dtype=np.float64)
        # 1 in stock, 0 out of stock, -1 unknown (fails an in_stock filter either way).
        self.in_stock = np.asarray(in_stock, dtype=np.int8)
        self.index: dict[str, int] = {item: i for i, item in enumerate(self.ids)}
        self._paths = [_normalize_path(c) if c else "" for c in self.categories]
        self._masks: dict[Filters, NDArray[np.bool_]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, item_ids: Sequence[str], catalog: pd.DataFrame | None) -> ItemTable:
        """Align catalog metadata with a model's item ids; unknown items get no metadata."""
        frame = pd.DataFrame({"id": list(item_ids)})
        if catalog is not None:
            frame = frame.merge(catalog, on="id", how="left")
        else:
            for column in COLUMNS[1:]:
                frame[column] = None
        return cls.from_frame(frame)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ItemTable:
        """Build from a frame with the five metadata columns, in item-index order."""
        stock = frame["in_stock"].map(lambda v: -1 if v is None or pd.isna(v) else int(bool(v)))
        return cls(
            ids=[str(i) for i in frame["id"]],
            titles=[None if pd.isna(t) else str(t) for t in frame["title"]],
            categories=[None if pd.isna(c) or not str(c) else str(c) for c in frame["category"]],
            prices=pd.to_numeric(frame["price"], errors="coerce").to_numpy(np.float64),
            in_stock=stock.to_numpy(np.int8),
        )

    def to_frame(self) -> pd.DataFrame:
        """The table as a frame (the artifact's `items.parquet`)."""
        stock = pd.array(
            [None if s < 0 else bool(s) for s in self.in_stock.tolist()], dtype="boolean"
        )
        return pd.DataFrame(
            {
                "id": self.ids,
                "title": self.titles,
                "category": self.categories,
                "price": self.prices,
                "in_stock": stock,
            }
        )

    def label(self, item: int) -> str:
        """The item's title when the catalog has one, else its id."""
        return self.titles[item] or self.ids[item]

    def mask(self, filters: Filters | None) -> NDArray[np.bool_] | None:
        """Items that pass `filters`, or None when nothing is filtered (cached per filter)."""
        if filters is None or filters.empty:
            return None
        cached = self._masks.get(filters)
        if cached is not None:
            return cached
        keep = np.ones(len(self), dtype=np.bool_)
        if filters.in_stock is not None:
            keep &= self.in_stock == int(filters.in_stock)
        # NaN prices compare False, so items with unknown prices fail price filters.
        if filters.price_min is not None:
            keep &= self.prices >= filters.price_min
        if filters.price_max is not None:
            keep &= self.prices <= filters.price_max
        if filters.category:
            prefix = _normalize_path(filters.category)
            if not prefix.strip(">"):
                raise BadRequest("category filter is empty")
            keep &= np.fromiter(
                (p == prefix or p.startswith(prefix + ">") for p in self._paths),
                dtype=np.bool_,
                count=len(self),
            )
        if len(self._masks) > 256:
            self._masks.clear()
        self._masks[filters] = keep
        return keep
