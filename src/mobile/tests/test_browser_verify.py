"""核查 on the phone at 390×844: a failed verification needs a reason (said beside the field),
carries its photos and sends the event back to handling (返工); after the next handling the worker
passes it. Both through the events lifecycle's verify action (POST /api/events/{id}/verify/)."""
from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from core import audit
from core.testing.browser import login
from events.lifecycle import State
from events.models import Event, EventPhoto, Step
from events.services import Params, event_act
from events.tests import factory
from grids.tests.test_browser_layout import _shot, _size
from mobile.tests.helpers import handled
from mobile.tests.test_browser_offline import WORKER, _tap, _until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def test_the_worker_fails_a_verification_with_photo_and_reason_then_passes_the_next(live_server: Any,
                                                                                    chromium: Any) -> None:
    ew = factory.build()
    event = handled(ew, description="桥下暴露垃圾")
    base = live_server.url
    login(chromium, base, WORKER)
    _size(chromium, "phone")
    chromium.get(f"{base}/m/verify/")
    _tap(chromium, chromium.find_element(By.CSS_SELECTOR, f'a[href="/m/verify/{event.pk}/"]'))
    _until(chromium, lambda d: d.find_elements(By.ID, "v-fail"))

    # no reason: refused on the page, next to the field; nothing changes
    _tap(chromium, chromium.find_element(By.ID, "v-fail"))
    assert "请填写核查不通过的原因" in chromium.find_element(By.ID, "v-reason-error").text
    assert Event.objects.get(pk=event.pk).state == State.HANDLED

    _shot(chromium, "mobile-verify")
    _size(chromium, "phone")
    chromium.find_element(By.ID, "v-reason").send_keys("桥下仍有垃圾未清运")
    photo = Path(tempfile.mkdtemp()) / "still.png"
    photo.write_bytes(PNG)
    chromium.find_element(By.ID, "v-photo").send_keys(str(photo))
    _until(chromium, lambda d: d.find_element(By.ID, "v-photos").get_attribute("data-count") == "1")
    _tap(chromium, chromium.find_element(By.ID, "v-fail"))
    _until(chromium, lambda d: "已退回处置" in d.find_element(By.ID, "v-msg").text)
    failed = Event.objects.get(pk=event.pk)
    assert failed.state == State.DISPATCHED and failed.rework_count == 1  # back to handling
    step = Step.objects.filter(event=event, action="verify").get()
    assert step.outcome == "failed" and step.actor.username == WORKER and "桥下仍有垃圾未清运" in str(step.data) + step.note
    assert EventPhoto.objects.filter(step=step).count() == 1
    _until(chromium, lambda d: d.current_url.endswith("/m/verify/"))
    assert not chromium.find_elements(By.CSS_SELECTOR, f'a[href="/m/verify/{event.pk}/"]')

    handler = ew.users["handler_a"]
    with audit.acting_as(handler, source="test"):
        event_act(event=event.pk, action="feedback", user=handler, params=Params(note="已再次清运",
                                                                                           photo_files=[factory.photo()]))
    chromium.get(f"{base}/m/verify/{event.pk}/")
    assert "已再次清运" in chromium.find_element(By.TAG_NAME, "main").text
    _tap(chromium, chromium.find_element(By.ID, "v-pass"))
    _until(chromium, lambda d: "核查通过" in d.find_element(By.ID, "v-msg").text)
    assert Event.objects.get(pk=event.pk).state == State.VERIFIED
