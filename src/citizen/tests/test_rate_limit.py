"""Limits per source address (django-ratelimit, settings CITIZEN_*_RATE): the next report past the
limit is a 429 page with a Chinese message and the typed values; another address still reports;
guessing query codes is cut off the same way."""
from __future__ import annotations

import pytest
from django.test import Client

from citizen.models import CitizenReport
from citizen.tests.helpers import code_of, form, post
from events.tests import factory

pytestmark = pytest.mark.django_db


def test_the_report_limit_per_address_refuses_with_429(settings) -> None:  # noqa: ANN001
    settings.CITIZEN_REPORT_RATE = "3/h"
    ew = factory.build()
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        code_of(post(client, form(ew)))
    refused = post(client, form(ew, description="第四次反映：垃圾还在"))
    text = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 60
    assert "上报过于频繁：同一网络每小时最多3次" in text and "12345" in text
    assert "第四次反映：垃圾还在" in text  # what was typed comes back
    assert CitizenReport.objects.count() == 3
    code_of(post(Client(REMOTE_ADDR="203.0.113.8"), form(ew)))  # another address is not affected
    assert CitizenReport.objects.count() == 4


def test_a_retry_is_not_a_new_report_and_refused_input_does_not_count(settings) -> None:  # noqa: ANN001
    settings.CITIZEN_REPORT_RATE = "1/h"
    ew = factory.build()
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert post(client, form(ew, problem="")).status_code == 400
    data = form(ew)
    first = code_of(post(client, data))
    data["photos"] = form(ew)["photos"]
    assert code_of(post(client, data)) == first  # the same form sent again: its first code, not a 429
    assert post(client, form(ew)).status_code == 429  # a new report is one too many
    assert CitizenReport.objects.count() == 1


def test_every_submission_counts_against_the_submit_limit(settings) -> None:  # noqa: ANN001
    settings.CITIZEN_SUBMIT_RATE = "2/h"
    ew = factory.build()
    client = Client(REMOTE_ADDR="203.0.113.10")
    assert post(client, form(ew, problem="")).status_code == 400
    assert post(client, form(ew, problem="")).status_code == 400
    assert post(client, form(ew)).status_code == 429
    assert CitizenReport.objects.count() == 0


def test_guessing_codes_is_cut_off(settings) -> None:  # noqa: ANN001
    settings.CITIZEN_LOOKUP_RATE = "3/h"
    ew = factory.build()
    code = code_of(post(Client(REMOTE_ADDR="203.0.113.11"), form(ew)))
    guesser = Client(REMOTE_ADDR="198.51.100.4")
    for guess in ("2345678923", "2345678924", "2345678925"):
        assert guesser.get(f"/report/{guess}/").status_code == 404
    refused = guesser.get(f"/report/{code}/")  # even a real code: the address is spent
    assert refused.status_code == 429 and "查询失败过于频繁" in refused.content.decode()
    owner = Client(REMOTE_ADDR="203.0.113.11")
    for _ in range(5):  # reading one's own status does not count
        assert owner.get(f"/report/{code}/").status_code == 200
