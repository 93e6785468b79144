"""Chromium test helpers shared by every app's browser tests."""
from __future__ import annotations

from typing import Any

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def login(driver: Any, base: str, username: str, password: str = "pw-12345") -> None:
    """Sign in through the real login form and wait until the browser has left it.

    Waiting for an element that the login page itself also has (``main``) returns at once, before
    the POST has set the session cookie; the next ``get`` then lands back on the login page. So
    wait for the URL to change and the landing page to finish loading.
    """
    driver.get(f"{base}/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        lambda d: "/login/" not in d.current_url and d.execute_script("return document.readyState") == "complete")


# What a wait should ride over: a page that navigates or re-renders between finding an element and
# reading it (stale), or has not drawn it yet (missing). Pass as `ignored_exceptions=WAIT_IGNORED`.
WAIT_IGNORED = (StaleElementReferenceException, NoSuchElementException)
