"""`python -m web.tests.crash_seed RECEIVER_URL` (cwd = src/, the crash test's production environment).

Builds the events test world (events/tests/factory.py) in the crash test's fresh database, a key of
广陵区 subscribed to `RECEIVER_URL` (so every step of an event there is one webhook row in the
outbox), and an API token for the `hotline` account (a city user taking 12345 calls), committed.
Prints one JSON line: `{"token", "subscription", "point": [lat, lng]}`.
"""
from __future__ import annotations

import json
import os
import sys

import django


def seed(url: str) -> dict[str, object]:
    from knox.models import AuthToken

    from core import audit
    from events.tests import factory
    from sharing import services
    from sharing.tests import fixtures

    ew = factory.build()
    hotline = ew.users["hotline"]
    hotline.must_change_password = False
    hotline.save()
    issued = fixtures.key(ew, factory.COUNTY, ["webhooks:manage"])
    with audit.acting_as(ew.users["city_centre"], source="test"):
        sub = services.subscription_create(user=ew.users["city_centre"], key=issued.key, url=url)
    _instance, token = AuthToken.objects.create(hotline)
    lat, lng = factory.point_in(ew.grid_a)
    return {"token": token, "subscription": sub.subscription.pk, "point": [lat, lng]}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    sys.stdout.write(json.dumps(seed(sys.argv[1])) + "\n")
