"""Headless Chromium: a security administrator signs in, is sent to enrol TOTP, scans the key (read
from the page), confirms a code and reaches the admin; the page ran under the platform's CSP."""
import base64

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.tests.helpers import PASSWORD, account

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _code(secret: str) -> str:
    from django_otp.oath import totp

    padded = secret + "=" * (-len(secret) % 8)
    return f"{totp(base64.b32decode(padded)):06d}"


def test_an_administrator_enrols_totp_in_the_browser_and_reaches_the_admin(live_server, chromium) -> None:  # noqa: ANN001
    from core.testing.world import build_world

    build_world()
    account("browser-secadmin", ["security_admin"], None, is_staff=True)
    chromium.get(f"{live_server.url}/admin/")
    WebDriverWait(chromium, 20).until(ec.presence_of_element_located((By.ID, "id_username")))
    chromium.find_element(By.ID, "id_username").send_keys("browser-secadmin")
    chromium.find_element(By.ID, "id_password").send_keys(PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(chromium, 20).until(ec.presence_of_element_located((By.ID, "totp-secret")))
    assert "/account/otp/" in chromium.current_url
    assert chromium.execute_script("return document.querySelector('img[alt]').naturalWidth") > 0  # QR shown
    secret = chromium.find_element(By.ID, "totp-secret").text
    chromium.find_element(By.ID, "id_otp_token").send_keys(_code(secret))
    chromium.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(chromium, 20).until(ec.presence_of_element_located((By.ID, "site-name")))
    body = chromium.find_element(By.TAG_NAME, "body").text
    assert "用户" in body and "审计日志" not in body
