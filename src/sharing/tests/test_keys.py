"""Port authorisation: a key reaches only its subtree and scopes, is revoked at once, every call is
logged, keys are stored hashed, rate limits hold; who issues keys and reads their logs."""
from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditLog
from core.roles import Role
from events.models import Event
from events.tests import factory
from sharing import keys
from sharing.models import ApiCall, ApiKey
from sharing.tests import fixtures

pytestmark = pytest.mark.django_db
WANTOU, DONGGUAN = "321002106000", "321002001000"


def as_user(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_read_only_wantou_key_cannot_create_nor_read_dongguan_and_revocation_is_immediate() -> None:
    ew = factory.build()
    dongguan_event = factory.report(ew)                       # 东关街道
    wantou_event = factory.report(ew, user=ew.users["county_centre"], grid=ew.grid_b, channel="hotline")
    issued = fixtures.key(ew, WANTOU, ["events:read"])
    client = fixtures.client_for(issued.text)
    calls = 0

    def call(response: Any) -> Any:
        nonlocal calls
        calls += 1
        return response

    # cannot create: neither the platform endpoint nor Open311 POST
    assert call(client.post("/api/sharing/v1/events/", {"description": "x", "category_text": "x"},
                            format="json")).status_code == 403
    r = call(Client().post("/open311/v2/requests.json", urlencode(
        {"api_key": issued.text, "service_code": "06010", "address_string": "湾头镇", "description": "x"}),
        content_type="application/x-www-form-urlencoded"))
    assert r.status_code == 403 and json.loads(r.content)[0]["code"] == 403
    assert Event.objects.count() == 2
    # reads its town, nothing of 东关
    listed = call(client.get("/api/sharing/v1/events/")).json()
    assert {row["id"] for row in listed["results"]} == {wantou_event.pk}
    assert call(client.get(f"/api/sharing/v1/events/{dongguan_event.pk}/")).status_code == 404
    assert call(client.get("/api/sharing/v1/events/", {"division": DONGGUAN})).json()["count"] == 0
    o311 = json.loads(call(Client().get("/open311/v2/requests.json", {"api_key": issued.text})).content)
    assert [row["service_request_id"] for row in o311] == [str(wantou_event.pk)]
    assert call(Client().get(f"/open311/v2/requests/{dongguan_event.pk}.json",
                             {"api_key": issued.text})).status_code == 404
    assert call(client.get("/api/sharing/v1/stats/")).status_code == 403      # no stats:read
    assert call(client.get("/api/sharing/v1/export/")).status_code == 403     # no events:export
    # revoked: the very next call is refused
    centre = ew.users["city_centre"]
    assert as_user(centre).post(f"/api/sharing/keys/{issued.key.pk}/revoke/").status_code == 200
    assert call(client.get("/api/sharing/v1/events/")).status_code == 401
    assert call(Client().get("/open311/v2/requests.json", {"api_key": issued.text})).status_code == 403
    # every call is in the key's log, the refused ones included, and the key text never is
    log = as_user(centre).get(f"/api/sharing/keys/{issued.key.pk}/calls/?page_size=100").json()["results"]
    assert len(log) == calls == ApiCall.objects.filter(key=issued.key).count()
    assert {row["status"] for row in log} >= {200, 401, 403, 404}
    assert all(issued.text not in row["endpoint"] for row in log)
    assert any(row["rows"] == 1 and row["endpoint"] == "/api/sharing/v1/events/" for row in log)


def test_keys_are_stored_hashed_and_shown_once() -> None:
    ew = factory.build()
    api = as_user(ew.users["county_centre"])
    r = api.post("/api/sharing/keys/", {"name": "区城管系统", "division": "321002000000",
                                        "scopes": ["events:read", "stats:read"]}, format="json")
    assert r.status_code == 201, r.content
    text = r.json()["key"]
    key = ApiKey.objects.get(pk=r.json()["id"])
    assert key.digest == hashlib.sha512(text.encode()).hexdigest() and text not in json.dumps(
        list(ApiKey.objects.values()), default=str)
    assert "key" not in api.get(f"/api/sharing/keys/{key.pk}/").json()
    assert not AuditLog.objects.filter(after__icontains=text).exists()
    assert not key.user.has_usable_password() and key.user.roles == []
    assert fixtures.client_for(text).get("/api/sharing/v1/stats/").status_code == 200


def test_who_issues_keys_and_reads_logs() -> None:
    ew = factory.build()
    body = {"name": "x", "division": WANTOU, "scopes": ["events:read"]}
    # 东关's centre cannot issue a key for 湾头; a grid worker cannot issue at all
    assert as_user(ew.users["centre_a"]).post("/api/sharing/keys/", body, format="json").status_code == 403
    assert as_user(ew.users["worker"]).post("/api/sharing/keys/", {**body, "division": DONGGUAN},
                                            format="json").status_code == 403
    assert as_user(ew.users["centre_b"]).post("/api/sharing/keys/", body, format="json").status_code == 201
    secadmin = ew.world.user("secadmin", None, [Role.SECURITY_ADMIN])
    r = as_user(secadmin).post("/api/sharing/keys/", {**body, "division": "321000000000"}, format="json")
    assert r.status_code == 201
    assert len(as_user(secadmin).get("/api/sharing/keys/").json()["results"]) == 2
    bad = as_user(secadmin).post("/api/sharing/keys/", {**body, "scopes": ["everything"]}, format="json")
    assert bad.status_code == 400 and "error" in bad.json()
    # the auditor of 湾头 and the audit administrator read the log; 东关's auditor does not
    issued = fixtures.key(ew, WANTOU, ["events:read"])
    fixtures.client_for(issued.text).get("/api/sharing/v1/events/")
    auditor_b = ew.world.user("auditor-b", WANTOU, [Role.AUDITOR])
    auditor_a = ew.world.user("auditor-a", DONGGUAN, [Role.AUDITOR])
    auditadmin = ew.world.user("auditadmin", None, [Role.AUDIT_ADMIN])
    assert len(as_user(auditor_b).get("/api/sharing/calls/").json()["results"]) == 1
    assert len(as_user(auditadmin).get("/api/sharing/calls/").json()["results"]) == 1
    assert as_user(auditor_a).get("/api/sharing/calls/").json()["results"] == []


def test_rate_limit_counts_in_the_database_and_answers_429() -> None:
    ew = factory.build()
    issued = fixtures.key(ew, WANTOU, ["events:read"], rate=3)
    client = fixtures.client_for(issued.text)
    statuses = [client.get("/api/sharing/v1/events/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # the count lives in the database (shared by every process): another minute starts afresh
    assert keys.count_call(issued.key, now=60.0 * 10**8) == 1


def test_expired_key_and_unknown_key_are_refused() -> None:
    import datetime as dt

    from django.utils import timezone

    ew = factory.build()
    issued = fixtures.key(ew, WANTOU, ["events:read"])
    ApiKey.objects.filter(pk=issued.key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert fixtures.client_for(issued.text).get("/api/sharing/v1/events/").status_code == 401
    assert fixtures.client_for("gk_unknown").get("/api/sharing/v1/events/").status_code == 401
    assert APIClient().get("/api/sharing/v1/events/").status_code in (401, 403)
