"""Issue 9 acceptance: "A town call to two county departments: one reports in and answers in time;
the other does not and the call escalates to the county centre; both outcomes are rows with times."
Through the API (`POST /api/events/{id}/call/`, `report-in/`, `answer/`), hand-written instants."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from core.roles import Role
from events.models import CallDepartment, Escalation, Event, TownCall
from events.services.sweep import deadlines_sweep
from events.tests import factory
from notify import outbox
from notify.models import Notification

pytestmark = pytest.mark.django_db


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00")


def post(user: Any, moment: str, event: Event, verb: str, **body: Any) -> Any:
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(T(moment), tick=False):
        return api.post(f"/api/events/{event.pk}/{verb}/", body, format="json")


def test_a_call_to_two_departments_one_answers_in_time_the_other_escalates_to_the_county() -> None:
    ew = factory.build()
    u = ew.users
    zrzy = ew.cat.units["321002-zrzy"]
    zrzy_handler = ew.world.user("zrzy-handler", factory.COUNTY, [Role.DEPT_HANDLER])
    zrzy_handler.unit = zrzy
    zrzy_handler.save()
    event = factory.report(ew, reported_at=T("2026-03-02T09:00"))  # a Monday
    for verb in ("accept", "file", "dispatch"):
        assert post(u["centre_a"], "2026-03-02T09:05", event, verb).status_code == 200

    r = post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="渣土来源涉及县级执法，请到场",
             units=[ew.county_dept.pk, zrzy.pk], amount=3)
    assert r.status_code == 200, r.content
    body = r.json()
    assert [c["unit"]["id"] for c in body["calls"]] == [ew.county_dept.pk, zrzy.pk]
    assert {c["report_in_due"] for c in body["calls"]} == {T("2026-03-02T10:10").isoformat()}
    assert {c["answer_due"] for c in body["calls"]} == {T("2026-03-02T13:40").isoformat()}  # 3 h across lunch
    assert post(u["county_handler"], "2026-03-02T09:12", event, "call", reason="x",
                units=[zrzy.pk]).status_code == 403, "only the town centre calls"

    ok = post(u["county_handler"], "2026-03-02T09:40", event, "report-in")
    assert ok.status_code == 200, ok.content
    assert post(u["county_handler"], "2026-03-02T09:41", event, "answer").status_code == 400, "an answer needs text"
    ok = post(u["county_handler"], "2026-03-02T11:00", event, "answer", note="已派执法中队到场，明日联合处置")
    assert ok.status_code == 200 and "answer" not in ok.json()["allowed"]

    assert deadlines_sweep(now=T("2026-03-02T10:10")).calls == []
    swept = deadlines_sweep(now=T("2026-03-02T10:11"))
    assert len(swept.calls) == 1
    assert deadlines_sweep(now=T("2026-03-02T15:00")).calls == [], "escalated once"

    rows = {r.unit_id: r for r in CallDepartment.objects.filter(call__event=event)}
    done, missed = rows[ew.county_dept.pk], rows[zrzy.pk]
    assert (done.outcome, done.reported_in_at, done.answered_at, done.escalated_at) == (
        "answered", T("2026-03-02T09:40"), T("2026-03-02T11:00"), None)
    assert done.reported_in_by == u["county_handler"] and done.answer.startswith("已派执法中队")
    assert (missed.outcome, missed.reported_in_at, missed.answered_at, missed.escalated_at) == (
        "unanswered", None, None, T("2026-03-02T10:11"))
    esc = Escalation.objects.get(event=event, cause="call")  # (the event itself went overdue at 14:30 too)
    assert (esc.cause, esc.from_level, esc.to_level, esc.call_department, esc.due_at) == (
        "call", "town", "county", missed, T("2026-03-02T10:10"))
    call = TownCall.objects.get(event=event)
    assert (call.called_by, call.at, call.reason) == (u["centre_a"], T("2026-03-02T09:10"), "渣土来源涉及县级执法，请到场")
    assert Event.objects.get(pk=event.pk).called_units == [zrzy.pk]

    outbox.dispatch_all()  # events.notify rows → notifications (notify.send rows)
    outbox.dispatch_all()  # → the inboxes
    told = set(Notification.objects.values_list("kind", "recipient"))
    assert {("called", f"unit:{ew.county_dept.pk}"), ("called", f"unit:{zrzy.pk}"),
            ("escalated", f"user:{u['county_centre'].pk}"), ("escalated", f"unit:{zrzy.pk}")} <= told

    late = post(zrzy_handler, "2026-03-02T15:10", event, "report-in")
    assert late.status_code == 200
    post(zrzy_handler, "2026-03-02T15:20", event, "answer", note="迟到答复")
    assert CallDepartment.objects.get(pk=missed.pk).outcome == "answered_late"


def test_a_call_names_only_county_departments_of_the_events_county_and_only_at_town_level() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew)
    for verb in ("accept", "file"):
        assert post(u["centre_a"], "2026-03-02T09:05", event, verb).status_code == 200
    other_county = ew.cat.units["321003-cgj"]
    r = post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="x", units=[other_county.pk])
    assert r.status_code == 400, "another county's department is not even visible"
    r = post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="x", units=[ew.unit_a.pk])
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_called_unit"
    r = post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="x", units=[])
    assert r.status_code == 400 and TownCall.objects.count() == 0
    assert post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="x",
                units=[ew.county_dept.pk]).status_code == 200
    again = post(u["centre_a"], "2026-03-02T09:11", event, "call", reason="x", units=[ew.county_dept.pk])
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_called"


def test_the_detail_page_shows_the_calls_with_their_times() -> None:
    from django.test import Client

    ew = factory.build()
    u = ew.users
    event = factory.report(ew, reported_at=T("2026-03-02T09:00"))
    for verb in ("accept", "file"):
        post(u["centre_a"], "2026-03-02T09:05", event, verb)
    post(u["centre_a"], "2026-03-02T09:10", event, "call", reason="请城管到场", units=[ew.county_dept.pk])
    deadlines_sweep(now=T("2026-03-02T10:11"))
    page = Client()
    page.force_login(u["centre_a"])
    html = page.get(f"/events/{event.pk}/").content.decode()
    assert "请城管到场" in html and "2026年3月2日 10:10" in html and "未按时应答" in html and "升级记录" in html
