"""The 端口授权 pages: a command centre issues a key for its town (the text shown once), reads its
call log and revokes it; the county auditor reads the log but issues none."""
from __future__ import annotations

import pytest
from django.test import Client

from core.roles import Role
from events.tests import factory
from sharing.models import ApiKey
from sharing.tests import fixtures

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_issue_read_log_and_revoke_by_page() -> None:
    ew = factory.build()
    page = signed_in(ew.users["centre_b"])
    r = page.post("/sharing/keys/", {"name": "湾头镇视频平台", "division": "321002106000",
                                     "scopes": ["events:create", "events:read"], "days": 90, "rate_per_minute": 60})
    assert r.status_code == 201
    key = ApiKey.objects.get(name="湾头镇视频平台")
    text = r.context["issued"].text
    assert text in r.content.decode() and key.prefix == text[:8]
    assert text not in page.get("/sharing/keys/").content.decode()              # shown once
    fixtures.client_for(text).get("/api/sharing/v1/events/")
    detail = page.get(f"/sharing/keys/{key.pk}/").content.decode()
    assert "/api/sharing/v1/events/" in detail and "200" in detail
    assert page.post(f"/sharing/keys/{key.pk}/revoke/").status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert fixtures.client_for(text).get("/api/sharing/v1/events/").status_code == 401
    bad = page.post("/sharing/keys/", {"name": "x", "division": "12", "scopes": ["events:read"], "days": 9999,
                                       "rate_per_minute": 60})
    assert bad.status_code == 200 and bad.context["form"].errors.keys() == {"division", "days"}

    auditor = ew.world.user("auditor-county", "321002000000", [Role.AUDITOR])
    listing = signed_in(auditor).get("/sharing/keys/")
    assert "湾头镇视频平台" in listing.content.decode() and not listing.context["may_issue"]
    assert signed_in(auditor).get(f"/sharing/keys/{key.pk}/").status_code == 200
    refused = signed_in(auditor).post("/sharing/keys/", {"name": "x", "division": "321002000000",
                                                         "scopes": ["events:read"], "days": 9, "rate_per_minute": 6})
    assert refused.status_code == 403 and ApiKey.objects.count() == 1
