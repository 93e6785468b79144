"""Headless Chromium: a town files a return through the form; once approved, the public list shows the item
until the day before the effective date and not from it."""
import datetime as dt

import pytest
from django.utils import timezone
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalog import services
from catalog.models import PowerChange
from catalog.tests.browser import choose, fill, submit, wait_for_url
from catalog.tests.factory import PDF_BYTES, build_catalog
from core.testing.world import build_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _date_input(driver, name, value):  # noqa: ANN001, ANN202
    driver.execute_script("document.querySelector(arguments[0]).value = arguments[1]", f"input[name={name}]", value)


def test_town_files_return_in_browser_and_public_list_follows(live_server, chromium, tmp_path, settings):  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    cat = build_catalog(build_world())
    today = timezone.localdate()
    effective = today + dt.timedelta(days=14)
    d = chromium
    d.get(f"{live_server.url}/login/")
    d.find_element(By.ID, "id_username").send_keys("town-b")
    d.find_element(By.ID, "id_password").send_keys("pw-12345")
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(d, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".tiles")))
    d.get(f"{live_server.url}/catalog/changes/")
    form = d.find_element(By.ID, "file-change")
    Select(form.find_element(By.NAME, "kind")).select_by_value("return")
    choose(d, "id_division", "湾头", "321002106000")
    choose(d, "id_item", "堆放物料", "CG-CF-001")
    fill(d, "file-change", "reason", "执法人员不足")
    _date_input(d, "effective_date", effective.isoformat())
    Select(form.find_element(By.NAME, "reason_category")).select_by_value("staff")
    scan = tmp_path / "花名册.pdf"
    scan.write_bytes(PDF_BYTES)
    form.find_element(By.NAME, "evidence_files").send_keys(str(scan))
    fill(d, "file-change", "evidence", "花名册")
    fill(d, "file-change", "legal_reviewer", "湾头司法所")
    fill(d, "file-change", "legal_opinion", "程序合法")
    _date_input(d, "legal_review_date", today.isoformat())
    fill(d, "file-change", "handover_plan", "在办案件生效前移交")
    submit(d, "file-change")
    wait_for_url(d, r"/catalog/changes/\d+/$")  # the filed procedure's page (the list's filter also says 待部门意见)
    # The page is replaced by the redirect after the POST: a body found mid-navigation goes stale.
    WebDriverWait(d, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: "待部门意见" in drv.find_element(By.TAG_NAME, "body").text)
    change = PowerChange.objects.get()
    services.change_department_opinion(change=change, agree=True, opinion="同意", user=cat.dept)
    services.change_decide(change=change, decision="approve", reason="同意", user=cat.reform)
    d.get(f"{live_server.url}/public/lists/321002106000/?as_of={effective - dt.timedelta(days=1)}")
    assert "CG-CF-001" in d.find_element(By.TAG_NAME, "body").text
    d.get(f"{live_server.url}/public/lists/321002106000/?as_of={effective}")
    assert "CG-CF-001" not in d.find_element(By.TAG_NAME, "body").text
