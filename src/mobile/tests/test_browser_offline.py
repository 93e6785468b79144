"""The phone app without a network, in Chromium at 390×844 (issue 10 items 3 and 6).

The network is cut by a TCP forwarder the test controls, between the browser and the live
server: the browser opens the app through the forwarder's own port on 127.0.0.1 (a secure
context, so the service worker runs on plain HTTP), and `cut()` resets every open connection and
every new one — as a phone that loses its signal, which the DevTools offline switch does not
reliably reproduce for a service worker. Three reports made while cut (one with a photo) reach
the server exactly once each after the connection comes back, also across a reload offline."""
from __future__ import annotations

import base64
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import login
from events.models import Event, EventPhoto
from events.tests import factory
from grids.tests.test_browser_layout import _shot, _size

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
WORKER = "demo-grid-321002001"


class CutProxy:
    """A threaded TCP forwarder 127.0.0.1:<port> → the live server, with a switch.

    `cut()` resets every connection it carries and every connection made while cut (RST, as a
    dropped mobile link looks to the browser); `restore()` forwards again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                self._reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                self._reset(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data or self._cut.is_set():
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)
            for s in (src, dst):
                self._reset(s) if self._cut.is_set() else s.close()

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            live, self._open = list(self._open), set()
        for s in live:
            self._reset(s)

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy(live_server: Any) -> Iterator[CutProxy]:
    host, port = live_server.thread.host, live_server.thread.port
    forwarder = CutProxy((host, port))
    yield forwarder
    forwarder.close()


def _until(driver: Any, check: Any, timeout: int = 30) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.3,
                         ignored_exceptions=(StaleElementReferenceException,)).until(check)


def _phone(driver: Any, base: str, grid: Any) -> None:
    """Sign in as the worker at 390×844 with the phone's GPS inside the worker's grid."""
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                           {"latitude": grid.centroid_lat, "longitude": grid.centroid_lng, "accuracy": 5})
    login(driver, base, WORKER)
    _size(driver, "phone")


def _open_app(driver: Any, base: str) -> None:
    """Open the report page and wait until the service worker controls it and keeps its files."""
    driver.get(f"{base}/m/report/")
    _until(driver, lambda d: d.execute_script("return document.body.dataset.offline") in ("ready", "unavailable"))
    assert driver.execute_script("return document.body.dataset.offline") == "ready"
    assert driver.find_element(By.ID, "offline-unavailable").get_attribute("hidden") is not None
    _until(driver, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))


def _photo() -> str:
    path = Path(tempfile.mkdtemp()) / "photo.png"
    path.write_bytes(PNG)
    return str(path)


def _tap(driver: Any, element: Any) -> None:
    """Scroll the element to the middle of the screen (clear of the tab bar), then tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _report(driver: Any, description: str, photo: str | None = None) -> None:
    """One report through the form, as a thumb would: a class, the GPS, a photo, the text."""
    _tap(driver, driver.find_element(By.CSS_SELECTOR, "#r-classes .m-class"))
    _tap(driver, driver.find_element(By.ID, "r-gps"))
    _until(driver, lambda d: d.find_element(By.ID, "r-lat").get_attribute("value"))
    if photo:
        driver.find_element(By.ID, "r-photo").send_keys(photo)
        _until(driver, lambda d: d.find_element(By.ID, "r-photos").get_attribute("data-count") == "1")
    driver.find_element(By.ID, "r-description").send_keys(description)
    driver.execute_script("document.getElementById('r-msg').textContent = ''")
    _tap(driver, driver.find_element(By.ID, "r-submit"))
    _until(driver, lambda d: d.find_element(By.ID, "r-msg").text not in ("", "已保存在本机，正在发送…"))


def _pending(driver: Any) -> list[str]:
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#pending li.pending-item")]


def test_three_reports_made_offline_are_kept_across_a_reload_and_stored_once_when_back_online(
        live_server: Any, proxy: CutProxy, chromium: Any) -> None:
    ew = factory.build()
    base = proxy.url
    _phone(chromium, base, ew.grid_a)
    _open_app(chromium, base)
    # the touch targets are thumb-sized at 390 px
    width = chromium.execute_script("return window.innerWidth")
    assert width == 390
    sizes = chromium.execute_script(
        "return [...document.querySelectorAll('.m-tabs a, #r-submit, #r-gps, .m-class')].map(e => e.getBoundingClientRect().height)")
    assert sizes and min(sizes) >= 44

    proxy.cut()
    _report(chromium, "路口暴露垃圾一堆", photo=_photo())
    assert "待发送" in chromium.find_element(By.ID, "r-msg").text
    _report(chromium, "人行道上乱堆物料")
    _report(chromium, "店外经营占道")
    assert Event.objects.count() == 0  # the server holds none of them
    assert len(_pending(chromium)) == 3

    chromium.refresh()  # reloaded while cut: the service worker serves the page, IndexedDB the queue
    _until(chromium, lambda d: len(_pending(d)) == 3)
    items = _pending(chromium)
    assert all("待发送" in t for t in items), items
    _shot(chromium, "mobile-report-offline")
    _size(chromium, "phone")
    assert sum("1 张照片" in t for t in items) == 1
    assert chromium.find_element(By.ID, "netstate").text == "网络不可用" or Event.objects.count() == 0
    assert Event.objects.count() == 0

    proxy.restore()
    _until(chromium, lambda d: Event.objects.filter(channel="grid").count() == 3 and not _pending(d), timeout=60)
    # a few more send cycles change nothing
    chromium.execute_script("return MobileQueue.flush()")
    events = list(Event.objects.order_by("id"))
    assert len(events) == 3
    assert sorted(e.description for e in events) == sorted(["路口暴露垃圾一堆", "人行道上乱堆物料", "店外经营占道"])
    assert len({e.client_id for e in events}) == 3 and all(e.client_id for e in events)
    assert all(e.reporter.username == WORKER and e.grid_id == ew.grid_a.pk for e in events)
    photo = EventPhoto.objects.get()
    assert photo.event.description == "路口暴露垃圾一堆"
    with default_storage.open(photo.path) as f, Image.open(f) as image:
        assert image.size == (1, 1)  # the photo kept as a Blob offline is the one stored


def test_a_queued_report_sent_twice_is_stored_once(live_server: Any, chromium: Any) -> None:
    ew = factory.build()
    base = live_server.url
    _phone(chromium, base, ew.grid_a)
    chromium.get(f"{base}/m/report/")
    lat, lng = ew.grid_a.centroid_lat, ew.grid_a.centroid_lng
    statuses = chromium.execute_async_script("""
        var done = arguments[arguments.length - 1];
        var bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
        var item = {client_id: "twice-1", fields: {category: "06010", description: "重复发送的上报", lat: arguments[1], lng: arguments[2]},
                    class_name: "暴露垃圾", photos: [new Blob([bytes], {type: "image/png"})], names: ["p.png"]};
        // the answer to the first send is lost on the way back: the phone sends the same report again
        MobileQueue.send(item).then(a => MobileQueue.send(item).then(b => [a, b]))
          .then(r => done(r.map(x => [x.status, x.body.id])), e => done(String(e)));
    """, base64.b64encode(PNG).decode(), lat, lng)
    assert [s for s, _ in statuses] == [201, 200], statuses
    assert statuses[0][1] == statuses[1][1]
    assert Event.objects.filter(client_id="twice-1").count() == 1
    assert EventPhoto.objects.filter(event__client_id="twice-1").count() == 1


def test_queued_reports_wait_for_the_next_sign_in_of_their_own_user_when_the_session_expired(live_server: Any, chromium: Any) -> None:
    ew = factory.build()
    base = live_server.url
    _phone(chromium, base, ew.grid_a)
    chromium.get(f"{base}/m/report/")
    chromium.delete_cookie("sessionid")  # the session expired while the phone was out
    _report(chromium, "会话过期时的上报")
    assert "重新登录" in chromium.find_element(By.ID, "r-msg").text
    assert chromium.find_element(By.ID, "auth-needed").is_displayed()
    assert Event.objects.count() == 0
    assert len(_pending(chromium)) == 1 and "需重新登录" in _pending(chromium)[0]

    # another account signs in on the same phone: the report is not sent under that account
    login(chromium, base, "centre-a")
    chromium.get(f"{base}/m/mine/")
    _until(chromium, lambda d: len(_pending(d)) == 1)
    chromium.execute_async_script("var done = arguments[0]; MobileQueue.flush().then(() => done(), () => done());")
    assert Event.objects.count() == 0
    shown = _pending(chromium)[0]
    assert "其他账号的上报" in shown and "会话过期时的上报" not in shown

    login(chromium, base, WORKER)
    chromium.get(f"{base}/m/mine/")
    _until(chromium, lambda d: Event.objects.count() == 1 and not _pending(d))
    event = Event.objects.get()
    assert event.description == "会话过期时的上报" and event.reporter.username == WORKER
    # once sent, it joins the list of my reports with its state
    _until(chromium, lambda d: "会话过期时的上报" in d.find_element(By.ID, "sent").text)
    assert "待受理" in chromium.find_element(By.ID, "sent").text


def test_the_page_says_in_chinese_when_offline_mode_is_unavailable(live_server: Any, chromium: Any) -> None:
    """Outside a secure context (plain HTTP to a host other than localhost) browsers refuse service
    workers; the page says so instead of failing silently. The insecure origin is simulated."""
    factory.build()
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                             {"source": "Object.defineProperty(window, 'isSecureContext', {value: false});"})
    login(chromium, live_server.url, WORKER)
    _size(chromium, "phone")
    chromium.get(f"{live_server.url}/m/")
    _until(chromium, lambda d: d.find_element(By.ID, "offline-unavailable").is_displayed())
    notice = chromium.find_element(By.ID, "offline-unavailable").text
    assert "离线模式不可用" in notice and "HTTPS" in notice
    assert chromium.execute_script("return document.body.dataset.offline") == "unavailable"
    assert chromium.execute_script("return navigator.serviceWorker.controller") is None
