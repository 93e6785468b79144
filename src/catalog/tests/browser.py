"""Small helpers for the catalog's Chromium tests (login, searchable selects, date boxes)."""
from __future__ import annotations

from typing import Any

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import WAIT_IGNORED
from core.testing.browser import login as core_login


def login(driver: Any, base: str, username: str, password: str = "pw-12345") -> None:
    core_login(driver, base, username, password)


def choose(driver: Any, select_id: str, search: str, value: str) -> None:
    """Pick `value` in a searchable select (tom-select) by typing `search` and clicking the option.

    The search box is focused through tom-select itself, and the whole gesture is tried again when
    the click lands while the list is being re-rendered (the browser here is far faster than a person).
    """
    wait = WebDriverWait(driver, 20, ignored_exceptions=WAIT_IGNORED)
    wait.until(lambda d: d.execute_script("return !!document.getElementById(arguments[0]).tomselect", select_id))
    selector = f"#{select_id}-ts-dropdown .option[data-value='{value}']"
    seen: list[str] = []

    def attempt(d: Any) -> bool:
        try:
            d.execute_script("const ts = document.getElementById(arguments[0]).tomselect; ts.setTextboxValue('');"
                             "ts.wrapper.scrollIntoView({block: 'center'}); ts.focus(); ts.open();", select_id)
            box = d.find_element(By.ID, f"{select_id}-ts-control")
            box.send_keys(search)
            WebDriverWait(d, 3, ignored_exceptions=WAIT_IGNORED).until(lambda _: d.find_element(By.CSS_SELECTOR, selector).is_displayed())
            d.find_element(By.CSS_SELECTOR, selector).click()
            WebDriverWait(d, 3, ignored_exceptions=WAIT_IGNORED).until(lambda _: d.execute_script(
                "return document.getElementById(arguments[0]).value", select_id) == value)
            return True
        except (StaleElementReferenceException, ElementNotInteractableException, ElementClickInterceptedException,
                NoSuchElementException, TimeoutException) as exc:
            seen.append(exc.msg.splitlines()[0] if exc.msg else type(exc).__name__)
            return False

    try:
        WebDriverWait(driver, 30, ignored_exceptions=WAIT_IGNORED).until(attempt)
    except TimeoutException:
        raise AssertionError(f"could not choose {value} in {select_id}: {seen[-3:]}") from None
    # Leave the select as a person does: Escape closes its list, a click elsewhere moves on.
    state = {"closed_checks": 0}

    def closed(d: Any) -> bool:
        if d.execute_script("return document.getElementById(arguments[0]).tomselect.isOpen", select_id):
            state["closed_checks"] = 0
            try:
                d.find_element(By.ID, f"{select_id}-ts-control").send_keys(Keys.ESCAPE)
            except (ElementNotInteractableException, StaleElementReferenceException):
                d.execute_script("document.getElementById(arguments[0]).tomselect.close()", select_id)
            return False
        state["closed_checks"] += 1
        return state["closed_checks"] >= 3  # closed, and stays closed

    WebDriverWait(driver, 10, poll_frequency=0.1).until(closed)


def set_date(driver: Any, name: str, value: str) -> None:
    driver.execute_script("document.querySelector(arguments[0]).value = arguments[1]", f"input[name={name}]", value)


def wait_for_text(driver: Any, text: str) -> None:
    """The page after a POST replaces the old one: a body found mid-navigation goes stale."""
    try:
        WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    except TimeoutException:
        import pathlib

        pathlib.Path("/tmp/forms-browser-failure.txt").write_text(driver.find_element(By.TAG_NAME, "body").text)
        raise AssertionError(f"“{text}” never appeared; the page says: "
                             f"{driver.find_element(By.TAG_NAME, 'body').text[:2000]}") from None


def submit(driver: Any, form_id: str) -> None:
    """Click the form's primary button once every field the browser checks is valid (else say which is not)."""
    invalid = driver.execute_script(
        "return Array.from(document.getElementById(arguments[0]).elements)"
        ".filter(e => e.willValidate && !e.checkValidity()).map(e => e.name + ': ' + e.validationMessage)", form_id)
    assert not invalid, invalid
    button = driver.find_element(By.CSS_SELECTOR, f"#{form_id} button.primary")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def fill(driver: Any, form_id: str, name: str, text: str) -> None:
    """Type `text` into a text box of the form as a person would (click, type), and check it landed.

    A searchable select may take the focus back a moment after its option was clicked (a person
    is never that fast); then the text is typed again.
    """
    box = driver.find_element(By.CSS_SELECTOR, f"#{form_id} [name={name}]")

    def typed(d: Any) -> bool:
        if box.get_attribute("value") == text:
            return True
        try:
            box.clear()
            box.click()
            box.send_keys(text)
        except ElementClickInterceptedException:  # a list still open over the box
            d.execute_script("document.querySelectorAll('select.tomselected').forEach(s => s.tomselect.close())")
            return False
        return box.get_attribute("value") == text

    WebDriverWait(driver, 10, ignored_exceptions=WAIT_IGNORED).until(typed)


def wait_for_url(driver: Any, pattern: str) -> None:
    """Wait for the browser to land on a page whose path matches `pattern` (a regex)."""
    import re

    WebDriverWait(driver, 20, ignored_exceptions=WAIT_IGNORED).until(lambda d: re.search(pattern, d.current_url) is not None)
