"""`aisle serve --demo` never replaces another shop's catalog with the demo shop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import RetrievalSettings, make_search, read_feed
from web.cli.catalog import run_ingest
from web.cli.serve import prepare_demo


def test_demo_mode_refuses_a_data_dir_that_holds_another_shop(tmp_path: Path) -> None:
    feed_path = tmp_path / "shop.jsonl"
    rows = [
        {"id": f"K{n}", "title": title, "category": "Kitchen", "price": 999.0, "currency": "INR"}
        for n, title in enumerate(["Electric Kettle 1.5 L", "Steam Iron", "Mixer Grinder"])
    ]
    feed_path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    settings = RetrievalSettings(data_dir=tmp_path / "retrieval", default_currency="INR")
    run_ingest(settings, read_feed(feed_path, default_currency="INR"), quiet=True)

    with pytest.raises(SystemExit, match="another shop's catalog"):
        prepare_demo(tmp_path, quiet=True)

    # Nothing of the demo shop was written: its catalog and no UK policy pages.
    assert sorted(p.id for p in make_search(settings).get_many(["K0", "K1", "K2"])) == [
        "K0",
        "K1",
        "K2",
    ]
    assert make_search(settings).vocabulary().products == 3
    assert not (tmp_path / "policies").exists()
