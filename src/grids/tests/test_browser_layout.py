"""Headless Chromium at a desktop (1440 px) and a phone (390×844): the rhythm page's and a grid's
tables stay whole (no table drawn in pieces across columns, no table's box over another's), the
header is one row on the desktop, and one menu entry is marked current.
Set SCREENSHOT_DIR to keep the screenshots."""
import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import login
from core.testing.world import build_world
from grids.tests import fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIZES = {"desktop": (1440, 900, False), "phone": (390, 844, True)}

# every table's client rects: one rect per table, and no two tables' rects intersect
TABLE_BOXES = """
const boxes = [...document.querySelectorAll('main table')].map(t => {
  const rects = t.getClientRects(); const r = t.getBoundingClientRect();
  return {pieces: rects.length, l: r.left, t: r.top + window.scrollY, r: r.right, b: r.bottom + window.scrollY};
});
return boxes;
"""


def _login(driver, url, username):  # noqa: ANN001, ANN202
    login(driver, url, username)


def _size(driver, name: str) -> None:  # noqa: ANN001
    width, height, mobile = SIZES[name]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def _shot(driver, name: str) -> None:  # noqa: ANN001
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.execute_script("return window.innerWidth")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": min(height, 4000), "deviceScaleFactor": 1,
                                "mobile": width < 500})
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _assert_tables_whole(driver, page: str) -> None:  # noqa: ANN001
    boxes = driver.execute_script(TABLE_BOXES)
    assert len(boxes) >= 2, page
    width = driver.execute_script("return document.documentElement.clientWidth")
    for i, a in enumerate(boxes):
        assert a["pieces"] == 1, f"{page}: table {i} is drawn in {a['pieces']} pieces"
        assert a["l"] >= -1 and a["r"] <= width + 1, f"{page}: table {i} overflows the page ({a}, width {width})"
        for j, b in enumerate(boxes[i + 1:], start=i + 1):
            apart = a["r"] <= b["l"] + 0.5 or b["r"] <= a["l"] + 0.5 or a["b"] <= b["t"] + 0.5 or b["b"] <= a["t"] + 0.5
            assert apart, f"{page}: tables {i} and {j} overlap: {a} {b}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_rhythm_and_grid_tables_stay_whole(live_server, chromium, size):  # noqa: ANN001
    world = build_world()
    fixtures.lay_out(world)
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid)
    _login(chromium, live_server.url, "city-user")
    _size(chromium, size)
    for page, url in (("rhythm-city", "/grids/rhythm/"), ("rhythm-town", "/grids/rhythm/?division=321002001000"),
                      ("grid", f"/grids/{grid.pk}/")):
        chromium.get(live_server.url + url)
        WebDriverWait(chromium, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "main table")))
        _assert_tables_whole(chromium, f"{page} at {size}")
        _shot(chromium, f"{page}-{size}")
        _size(chromium, size)
        if size == "desktop":
            # the header is one row: every menu entry, the account and the language switch on the brand's line
            tops = chromium.execute_script(
                "return [...document.querySelectorAll('.topbar > *')].map(e => e.getBoundingClientRect().top)")
            assert max(tops) - min(tops) < 12, tops
            nav = chromium.find_element(By.CSS_SELECTOR, ".topbar nav")
            fits = chromium.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth]", nav)
            assert fits[0] <= fits[1] + 1, f"the menu overflows: {fits}"
        # every entry is reachable: in the row, or in 更多 when the row is full (this user has every role)
        in_row = chromium.execute_script("return [...document.querySelectorAll('.topbar nav > a')].map(a => a.textContent)")
        in_more = chromium.execute_script("return [...document.querySelectorAll('.topbar .nav-more .menu a')].map(a => a.textContent)")
        assert len(in_row) + len(in_more) >= 17 and "巡查节奏" in in_row + in_more
        if size == "desktop":
            assert len(in_row) >= 14, in_row
        marked = [a.text for a in chromium.find_elements(By.CSS_SELECTOR, ".topbar nav a.active")]
        assert marked == (["网格"] if page == "grid" else ["巡查节奏"]), marked
