"""`python -m sharing.tests.webhook_worker seed URL N` (cwd = src/): builds the events test world, a
key of 广陵区 subscribed to URL, and N reports (so N webhook rows in the outbox), committed; prints
`{"secret": …}` for the test to check signatures with."""
from __future__ import annotations

import json
import os
import sys

import django


def seed(url: str, count: int) -> None:
    from core import audit
    from events.tests import factory
    from sharing import services
    from sharing.tests import fixtures

    ew = factory.build()
    issued = fixtures.key(ew, "321002000000", ["webhooks:manage"])
    with audit.acting_as(ew.users["city_centre"], source="test"):
        sub = services.subscription_create(user=ew.users["city_centre"], key=issued.key, url=url)
    for n in range(count):
        factory.report(ew, description=f"第{n}处垃圾")
    sys.stdout.write(json.dumps({"secret": sub.secret}) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
