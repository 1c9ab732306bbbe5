"""The console's Experiments and fairness pages in real Chromium, fed by a real storefront visit.

A shopper browses the demo storefront (its "popular right now" row is an impression of the
session's arm) and clicks a recommended product (the reward); an admin then reads the
Experiments page, sees the arm's impressions, click-through and posterior, exports the CSV,
pauses and resumes the arm, and opens the fairness page over live impressions.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, new_page
from tests.browser.console_helpers import CONSOLE_ARTIFACTS, DEMO_ADMIN, log_in

pytestmark = pytest.mark.slow


def _shopper_clicks_a_recommendation(browser: Any, shop_url: str) -> tuple[str, str]:
    """Returns (the session's arm, the product clicked)."""
    problems = PageProblems()
    page = new_page(browser, shop_url, problems)
    try:
        with page.expect_response(
            lambda r: "/api/recommendations" in r.url and "product_id" not in r.url
        ) as answer:
            page.goto(shop_url + "/")
        arm = str(answer.value.json()["arm"])
        card = page.locator("#sf-recs .sf-card").first
        card.wait_for(state="visible")
        product = str(card.get_attribute("data-product-id"))
        with page.expect_response(lambda r: r.url.endswith("/api/events") and r.status == 202):
            card.locator("a.sf-card-link").click()
        page.locator("#sf-detail h1").wait_for(state="visible")
    finally:
        page.context.close()
    assert problems.errors == [] and problems.external == []
    return arm, product


def test_staff_read_and_steer_the_experiment_a_shopper_took_part_in(
    browser: Any, shop_url: str
) -> None:
    arm, _ = _shopper_clicks_a_recommendation(browser, shop_url)
    CONSOLE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = PageProblems()
    staff = new_page(browser, shop_url, problems, accept_downloads=True)
    try:
        log_in(staff, shop_url, *DEMO_ADMIN)
        staff.get_by_role("link", name="Experiments").click()
        staff.wait_for_url("**/console/experiments")
        panel = staff.locator("#placement-shop_for_you")
        row = panel.locator(f'tr[data-arm="{arm}"]')
        assert int(row.locator(".impressions").inner_text().replace(",", "")) >= 1
        assert row.locator(".ctr").inner_text() != "0%"  # the click came back as a reward
        assert panel.locator(f'svg.posterior g[data-arm="{arm}"] circle.mean').count() == 1
        shares = [float(t.rstrip("%")) for t in panel.locator("td.share").all_inner_texts()]
        assert sum(shares) == pytest.approx(100, abs=2)
        staff.screenshot(path=str(CONSOLE_ARTIFACTS / "experiments.png"), full_page=True)

        with staff.expect_download() as download:
            staff.get_by_role("link", name="Export CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        rows = {(r["placement"], r["arm"]): r for r in csv.DictReader(io.StringIO(text))}
        assert int(rows[("shop_for_you", arm)]["clicks"]) >= 1

        row.get_by_role("button", name=f"Pause {arm}").click()
        staff.wait_for_url("**/console/experiments#placement-shop_for_you")
        paused = staff.locator(f'#placement-shop_for_you tr[data-arm="{arm}"]')
        assert "(paused)" in paused.inner_text()
        assert paused.locator(".share").inner_text() == "0%"
        paused.get_by_role("button", name=f"Resume {arm}").click()
        staff.wait_for_url("**/console/experiments#placement-shop_for_you")
        resumed = staff.locator(f'#placement-shop_for_you tr[data-arm="{arm}"]')
        assert "(paused)" not in resumed.inner_text()

        staff.get_by_role("link", name="Fairness and diversity of live recommendations").click()
        staff.wait_for_url("**/console/fairness")
        summary = staff.locator("ul.summary li").first.inner_text()
        assert summary.startswith("live impressions:") and "products" in summary
        assert staff.locator('img[alt="Lorenz curve of exposure"]').is_visible()
        staff.screenshot(path=str(CONSOLE_ARTIFACTS / "fairness.png"), full_page=True)
    finally:
        staff.context.close()
    assert problems.errors == [], problems.errors
    assert problems.external == []
