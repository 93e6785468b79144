"""Headless Chromium logs in and reads the Chinese home page."""
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.world import build_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_login_and_read_the_chinese_home_page(live_server, chromium) -> None:  # noqa: ANN001
    build_world()
    chromium.get(f"{live_server.url}/login/")
    chromium.find_element(By.ID, "id_username").send_keys("outsider")
    chromium.find_element(By.ID, "id_password").send_keys("pw-12345")
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(chromium, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".tiles")))
    body = chromium.find_element(By.TAG_NAME, "body").text
    assert "工作台" in body and "东关街道" in body and "全部待办" in body and "超期事件" in body
    # htmx is served locally and loaded: the division tree expands in place.
    chromium.get(f"{live_server.url}/divisions/")
    WebDriverWait(chromium, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: d.execute_script("return !!window.htmx"))
    chromium.find_element(By.CSS_SELECTOR, "button.toggle").click()
    WebDriverWait(chromium, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: "广陵区" in d.find_element(By.CSS_SELECTOR, ".tree").text)
