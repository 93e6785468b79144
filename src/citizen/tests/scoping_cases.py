"""Outsider cases for citizen reports (contract: core/testing/cases.py).

The report row is operational data of town B (the admin and any list are scoped). The pages are
public by design (issue 10 item 4): the form, the lookup and the outlines hold no operational
data; the status page is reached by a query code alone — for the outsider exactly as for anyone
without an account — and shows only the public status (citizen.selectors), while a code that
does not exist answers 404 like any missing address.
"""
from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from citizen import codes
from citizen.models import CitizenReport
from core.testing.cases import ScopeCase
from events.tests.scoping_cases import make_event


def make_report(world: Any) -> CitizenReport:
    event = make_event(world)
    event.reporter_name = "湾头镇王某某"
    event.reporter_phone = "13912345678"
    event.save()
    return CitizenReport.objects.create(event=event, query_code=codes.new_code())


def check_status(world: Any, api: Any, session: Any, insider: Any) -> None:
    report = make_report(world)
    url = reverse("citizen:status", kwargs={"code": report.query_code})
    for client in (session, Client()):  # town A's outsider and an anonymous visitor read the same
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "湾头镇" in text and "已收到" in text
        for private in ("王某某", "13912345678", "5678", "insider", "湾头镇事件"):
            assert private not in text, private
    missing = "23456789AB" if report.query_code != "23456789AB" else "23456789AC"
    assert session.get(reverse("citizen:status", kwargs={"code": missing})).status_code == 404
    assert session.get("/report/not-a-code/").status_code == 404


CASES = [ScopeCase(model=CitizenReport, make=make_report)]
URL_CASES = {"citizen:status": check_status}
EXEMPT_URLS = {
    "citizen:report": "the public report form (no login, DESIGN.md §2 citizens): shows no stored data",
    "citizen:lookup": "redirects a typed query code to its status page (tested by citizen:status)",
    "citizen:outlines": "county and town outlines: divisions are reference data, administrative boundaries public",
}
