"""Outsider cases for sharing (contract: core/testing/cases.py). Rows are made in town B; the
outsider (town A, every business role) and a key of town A must reach none of them."""
from __future__ import annotations

import io
import json
from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from core.testing.cases import ScopeCase
from events.models import Event
from events.tests.scoping_cases import make_class, make_event
from sharing import services
from sharing.choices import KeyScope
from sharing.models import (
    ApiCall,
    ApiKey,
    ImportRun,
    ImportSource,
    Open311Service,
    RateWindow,
    WebhookDelivery,
    WebhookSubscription,
)

ALL_SCOPES = list(KeyScope.values)


def make_key(world: Any, division: Any = None, user: Any = None) -> ApiKey:
    return services.apikey_create(user=user or world.insider, name="湾头镇系统", division=division or world.town_b,
                                  scopes=ALL_SCOPES).key


def key_client(world: Any, division: Any, user: Any) -> tuple[ApiKey, APIClient]:
    issued = services.apikey_create(user=user, name="本镇系统", division=division, scopes=ALL_SCOPES)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=issued.text)
    return issued.key, client


def make_call(world: Any) -> ApiCall:
    return ApiCall.objects.create(key=make_key(world), method="GET", endpoint="/api/sharing/v1/events/", status=200)


def make_window(world: Any) -> RateWindow:
    return RateWindow.objects.create(key=make_key(world), minute=1, count=1)


def make_subscription(world: Any) -> WebhookSubscription:
    return services.subscription_create(user=world.insider, key=make_key(world), url="http://127.0.0.1:9/hook").subscription


def make_delivery(world: Any) -> WebhookDelivery:
    return WebhookDelivery.objects.create(subscription=make_subscription(world), delivery_id="webhook:x", event_id=1)


def make_source(world: Any) -> ImportSource:
    return ImportSource.objects.create(name="湾头镇12345", division=world.town_b)


def make_run(world: Any) -> ImportRun:
    return ImportRun.objects.create(division=world.town_b, filename="湾头镇.csv")


def make_service(world: Any) -> Open311Service:
    return Open311Service.objects.create(event_class=make_class(world), public=False)


def key_into_b(world: Any, target: Any) -> dict[str, Any]:
    return {"name": "越权密钥", "division": world.town_b.code, "scopes": ["events:read"]}


def subscribe_b(world: Any, target: WebhookSubscription) -> dict[str, Any]:
    return {"key": target.key_id, "url": "http://127.0.0.1:9/steal"}


CASES = [
    ScopeCase(model=ApiKey, make=make_key, api_list="sharing-key-list", api_detail="sharing-key-detail",
              writable=False, post_payload=key_into_b, pages=["sharing:key"]),
    ScopeCase(model=ApiCall, make=make_call, api_list="sharing-call-list", api_detail="sharing-call-detail",
              writable=False),
    ScopeCase(model=RateWindow, make=make_window),
    ScopeCase(model=WebhookSubscription, make=make_subscription, api_list="sharing-subscription-list",
              api_detail="sharing-subscription-detail", writable=False, post_payload=subscribe_b),
    ScopeCase(model=WebhookDelivery, make=make_delivery, api_list="sharing-delivery-list",
              api_detail="sharing-delivery-detail", writable=False),
    ScopeCase(model=ImportSource, make=make_source),
    ScopeCase(model=ImportRun, make=make_run, api_list="sharing-import-list", api_detail="sharing-import-detail",
              writable=False),
    ScopeCase(model=Open311Service, make=make_service),
]


def check_revoke(world: Any, api: Any, session: Any, insider: Any) -> None:
    key = make_key(world)
    assert api.post(reverse("sharing-key-revoke", kwargs={"pk": key.pk})).status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def check_pages(world: Any, api: Any, session: Any, insider: Any) -> None:
    """The key list page shows nothing of town B; revoking B's key by page is 404; issuing for B is refused."""
    from core.errors import NotAllowed

    key = make_key(world)
    assert "湾头镇系统" not in session.get(reverse("sharing:keys")).content.decode()
    assert session.post(reverse("sharing:key-revoke", kwargs={"pk": key.pk})).status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    count = ApiKey.objects.count()
    r = session.post(reverse("sharing:keys"), {"name": "越权", "division": world.town_b.code, "scopes": ["events:read"],
                                              "days": 30, "rate_per_minute": 10})
    assert r.status_code == NotAllowed.status and ApiKey.objects.count() == count


def check_key_calls(world: Any, api: Any, session: Any, insider: Any) -> None:
    call = make_call(world)
    assert api.get(reverse("sharing-key-calls", kwargs={"pk": call.key_id})).status_code == 404
    assert insider.get(reverse("sharing-key-calls", kwargs={"pk": call.key_id})).status_code == 200


def check_replay(world: Any, api: Any, session: Any, insider: Any) -> None:
    delivery = make_delivery(world)
    assert api.post(reverse("sharing-delivery-replay", kwargs={"pk": delivery.pk})).status_code == 404


def _b_event(world: Any) -> Event:
    from core import audit

    with audit.acting_as(world.insider, source="test"):
        return make_event(world)


def check_key_events(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A key of town A lists, reads, counts and exports nothing of town B."""
    target = _b_event(world)
    _, client = key_client(world, world.town_a, world.outsider)
    listed = client.get(reverse("sharing-v1-events")).json()
    assert target.pk not in {r["id"] for r in listed["results"]}
    assert client.get(reverse("sharing-v1-event", kwargs={"pk": target.pk})).status_code == 404
    assert client.get(reverse("sharing-v1-stats")).json()["total"] == 0
    assert client.get(reverse("sharing-v1-events"), {"division": world.town_b.code}).json()["count"] == 0
    exported: Any = client.get(reverse("sharing-v1-export"), {"format": "csv"})
    body = b"".join(exported.streaming_content).decode()
    assert "湾头镇事件" not in body and str(target.pk) not in body.split("\n", 1)[1]
    # the same key reaching its own town works, so the refusal above is the scope
    _, own = key_client(world, world.town_b, world.insider)
    assert own.get(reverse("sharing-v1-event", kwargs={"pk": target.pk})).status_code == 200


def check_key_report(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A town-A key naming an address in town B never creates an event in B."""
    _, client = key_client(world, world.town_a, world.outsider)
    r = client.post(reverse("sharing-v1-events"), {"description": "越界", "address": "湾头镇", "category_text": "x"},
                    format="json")
    assert r.status_code == 201, r.content
    assert not Event.objects.filter(division__code__startswith=world.town_b.code[:9]).exists()


def check_key_workorders(world: Any, api: Any, session: Any, insider: Any) -> None:
    _, client = key_client(world, world.town_a, world.outsider)
    data = "工单编号,诉求内容,事发地址\nW-1,路灯不亮,湾头镇\n".encode()
    upload = io.BytesIO(data)
    upload.name = "orders.csv"
    r = client.post(reverse("sharing-v1-workorders"), {"file": upload}, format="multipart")
    assert r.status_code == 200, r.content
    assert not Event.objects.filter(division__code__startswith=world.town_b.code[:9]).exists()
    run = make_run(world)
    assert client.get(reverse("sharing-v1-workorder-run", kwargs={"pk": run.pk})).status_code == 404


def check_key_lists(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A town-A key reads its own and its county's lists, never town B's."""
    from catalog.tests.scoping_cases import make_list

    theirs = make_list(world)
    _, client = key_client(world, world.town_a, world.outsider)
    ids = {r["id"] for r in client.get(reverse("sharing-v1-lists")).json()}
    assert theirs.pk not in ids and theirs.base_id in ids
    assert client.get(reverse("sharing-v1-list", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.get(reverse("sharing-v1-list", kwargs={"pk": theirs.base_id})).status_code == 200


def check_user_export(world: Any, api: Any, session: Any, insider: Any) -> None:
    target = _b_event(world)
    url = reverse("sharing-user-export")
    mine = b"".join(insider.get(url, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "\n" + str(target.pk) + "," in mine
    body = b"".join(api.get(url, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 1, body      # the header only
    geo = json.loads(b"".join(api.get(url, {"format": "geojson"}).streaming_content))
    assert geo["features"] == []


def check_user_import(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A town-A centre importing an order addressed to town B creates nothing in B."""
    r = api.post(reverse("sharing-import-list"), {"rows": [{"order_no": "W-9", "description": "路灯不亮",
                                                            "address": "湾头镇"}]}, format="json")
    assert r.status_code == 200, r.content
    assert not Event.objects.filter(division__code__startswith=world.town_b.code[:9]).exists()


def check_key_subscriptions(world: Any, api: Any, session: Any, insider: Any) -> None:
    theirs = make_subscription(world)
    _, client = key_client(world, world.town_a, world.outsider)
    assert theirs.pk not in {r["id"] for r in client.get(reverse("sharing-v1-subscriptions")).json()}


def _o311(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"fmt": "json", **kwargs})


def check_open311(world: Any, api: Any, session: Any, insider: Any) -> None:
    """Open311 with a town-A key, and without a key: nothing of town B's unpublished class or events."""
    target = _b_event(world)
    cls = make_class(world)
    Event.objects.filter(pk=target.pk).update(event_class=cls)
    _, client = key_client(world, world.town_a, world.outsider)
    anonymous = APIClient()
    for c in (client, anonymous):
        rows = json.loads(c.get(_o311("open311-requests")).content)
        assert str(target.pk) not in {r["service_request_id"] for r in rows}
        assert c.get(_o311("open311-request", request_id=str(target.pk))).status_code == 404
        assert c.get(_o311("open311-token", token="x")).status_code == 404
        codes = {r["service_code"] for r in json.loads(c.get(_o311("open311-services")).content)}
        assert cls.code not in codes
        assert c.get(_o311("open311-service", code=cls.code)).status_code == 404
    assert anonymous.get(_o311("open311-discovery")).status_code == 200


URL_CASES = {
    "sharing-key-revoke": check_revoke,
    "sharing:keys": check_pages,
    "sharing:key-revoke": check_pages,
    "sharing-key-calls": check_key_calls,
    "sharing-delivery-replay": check_replay,
    "sharing-v1-events": check_key_events,
    "sharing-v1-event": check_key_events,
    "sharing-v1-stats": check_key_events,
    "sharing-v1-export": check_key_events,
    "sharing-v1-workorders": check_key_workorders,
    "sharing-v1-workorder-run": check_key_workorders,
    "sharing-v1-subscriptions": check_key_subscriptions,
    "sharing-import-list": check_user_import,
    "sharing-v1-lists": check_key_lists,
    "sharing-v1-list": check_key_lists,
    "sharing-user-export": check_user_export,
    "open311-discovery": check_open311,
    "open311-services": check_open311,
    "open311-service": check_open311,
    "open311-requests": check_open311,
    "open311-request": check_open311,
    "open311-token": check_open311,
}
