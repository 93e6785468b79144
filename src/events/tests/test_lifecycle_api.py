"""The lifecycle through the API: the main path, every exception, who may act, and counts."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import Admission
from events import lifecycle
from events.models import Event
from events.selectors import reporters_of
from events.tests import factory
from events.tests.factory import EventWorld

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def as_(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def act(user: Any, event: Event | int, verb: str, **body: Any) -> Any:
    """POST an action: JSON, or multipart when it carries `photos`."""
    pk = event.pk if isinstance(event, Event) else event
    return as_(user).post(f"/api/events/{pk}/{verb}/", body, format="multipart" if "photos" in body else "json")


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()


def to_dispatched(ew: EventWorld, **kw: Any) -> Event:
    event = factory.report(ew, **kw)
    centre = ew.users["centre_a"]
    ok(act(centre, event, "accept"))
    ok(act(centre, event, "file"))
    ok(act(centre, event, "dispatch"))
    return Event.objects.get(pk=event.pk)


def test_main_path_report_to_rating() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew)
    accepted = ok(act(u["centre_a"], event, "accept"))
    assert accepted["code"] == "32100206010000001"  # 广陵区 + 06010 + first occurrence
    ok(act(u["centre_a"], event, "file"))
    dispatched = ok(act(u["centre_a"], event, "dispatch"))
    assert dispatched["state"] == "dispatched" and dispatched["unit"]["id"] == ew.unit_a.pk
    assert dispatched["allowed"] == ["suspend", "call"]
    ok(act(u["handler_a"], event, "feedback", note="已清运，现场整洁", photos=[factory.photo()]))
    ok(act(u["worker"], event, "verify", passed=True))   # the reporting grid worker verifies
    closed = ok(act(u["centre_a"], event, "close"))
    assert closed["state"] == "closed" and closed["state_kind"] == "closed"
    rated = ok(act(u["worker"], event, "rate", rating=5))
    assert rated["rating"] == 5 and rated["state"] == "rated"
    timeline = rated["timeline"]
    assert [s["action"] for s in timeline] == ["report", "accept", "file", "dispatch", "feedback", "verify", "close",
                                               "rate"]
    assert [s["seq"] for s in timeline] == list(range(1, 9))
    assert all(s["actor_name"] for s in timeline)
    second = factory.report(ew)
    assert ok(act(u["centre_a"], second, "accept"))["code"] == "32100206010000002"


def test_every_illegal_action_is_a_409_listing_the_allowed_ones() -> None:
    ew = factory.build()
    centre = ew.users["centre_a"]
    event = factory.report(ew)
    allowed_now = ["accept", "reject", "merge"]
    for verb in lifecycle.ACTIONS:
        if verb in lifecycle.actions_from("reported"):
            continue
        r = act(centre, event, verb, reason="x", passed=True, rating=3)
        assert r.status_code == 409, (verb, r.content)
        error = r.json()["error"]
        assert error["code"] == "illegal_action"
        assert error["fields"]["allowed"] == allowed_now
        assert "现在可以" in error["message"]
    # allowed by the table but not for this user: 403, still listing what they may do
    r = act(centre, event, "withdraw", reason="x")
    assert r.status_code == 403 and r.json()["error"]["fields"]["allowed"] == allowed_now
    assert Event.objects.get(pk=event.pk).version == 1  # nothing changed
    assert as_(centre).post(f"/api/events/{event.pk}/teleport/", {}, format="json").status_code == 404


def test_return_goes_back_to_the_centre_with_its_reason() -> None:
    ew = factory.build()
    event = to_dispatched(ew)
    no_reason = act(ew.users["handler_a"], event, "return")
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["error"]["message"]
    back = ok(act(ew.users["handler_a"], event, "return", reason="不属于本局职责，应为园林部门"))
    assert back["state"] == "filed" and back["return_count"] == 1
    last = back["timeline"][-1]
    assert last["action"] == "return" and last["data"]["reason"] == "不属于本局职责，应为园林部门"
    assert "dispatch" in as_(ew.users["centre_a"]).get(f"/api/events/{event.pk}/").json()["allowed"]


def test_failed_verification_returns_to_handling_and_counts_as_rework() -> None:
    ew = factory.build()
    event = to_dispatched(ew)
    ok(act(ew.users["handler_a"], event, "feedback", note="已处理", photos=[factory.photo()]))
    assert act(ew.users["handler_a"], event, "verify", passed=False, reason="x").status_code == 403
    failed = ok(act(ew.users["worker"], event, "verify", passed=False, reason="现场仍有垃圾"))
    assert failed["state"] == "dispatched" and failed["rework_count"] == 1
    assert failed["timeline"][-1]["outcome"] == "failed"
    ok(act(ew.users["handler_a"], event, "feedback", note="已再次清运", photos=[factory.photo()]))
    assert ok(act(ew.users["centre_a"], event, "verify", passed=True))["state"] == "verified"  # or by the centre


def test_the_reporter_can_never_handle_their_own_event() -> None:
    ew = factory.build()
    worker = ew.users["worker"]
    worker.roles = ["grid_worker", "dept_handler"]
    worker.save()
    event = to_dispatched(ew)
    worker.unit = ew.unit_a  # joins the handling unit after the dispatch
    worker.save()
    r = act(worker, event, "feedback", note="我自己处理了")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "patrol_handle_separation" and "巡办分离" in r.json()["error"]["message"]
    # and a dispatch to the reporter's own unit is refused up front
    other = factory.report(ew)
    ok(act(ew.users["centre_a"], other, "accept"))
    ok(act(ew.users["centre_a"], other, "file"))
    refused = act(ew.users["centre_a"], other, "dispatch")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "patrol_handle_separation"


def test_extension_request_then_approval_moves_the_deadline_by_working_time() -> None:
    ew = factory.build()
    event = to_dispatched(ew)
    before = event.due_at
    assert before is not None
    asked = ok(act(ew.users["handler_a"], event, "extend", amount="2", unit_of_amount="hours", reason="需调车"))
    assert asked["state"] == "extension_requested"
    assert act(ew.users["handler_a"], event, "extend", approve=True).status_code == 403
    granted = ok(act(ew.users["centre_a"], event, "extend", approve=True))
    assert granted["state"] == "dispatched" and granted["extension_count"] == 1
    from core.workcal import add_working_hours

    assert dt.datetime.fromisoformat(granted["due_at"]) == add_working_hours(before, 2)
    ok(act(ew.users["handler_a"], event, "extend", amount="1", unit_of_amount="days", reason="再延"))
    refused = ok(act(ew.users["centre_a"], event, "extend", approve=False, reason="不同意"))
    assert refused["due_at"] == granted["due_at"] and refused["extension_count"] == 1


def test_extension_due_written_by_hand() -> None:
    ew = factory.build()
    event = factory.report(ew, reported_at=dt.datetime(2026, 2, 13, 16, 0, tzinfo=TZ))
    assert event.due_at == dt.datetime(2026, 2, 14, 11, 0, tzinfo=TZ)
    for verb in ("accept", "file", "dispatch"):
        ok(act(ew.users["centre_a"], event, verb))
    ok(act(ew.users["handler_a"], event, "extend", amount="1", unit_of_amount="days", reason="节后处理"))
    granted = ok(act(ew.users["centre_a"], event, "extend", approve=True))
    # from Sat 02-14 11:00, one working day starts on the next working day (Tue 02-24, after the holiday)
    # and ends at its close of business
    assert dt.datetime.fromisoformat(granted["due_at"]) == dt.datetime(2026, 2, 24, 17, 30, tzinfo=TZ)


def test_suspend_resume_supervise() -> None:
    ew = factory.build()
    event = to_dispatched(ew)
    assert ok(act(ew.users["centre_a"], event, "suspend", reason="等待产权单位"))["state"] == "suspended"
    assert ok(act(ew.users["centre_a"], event, "resume"))["state"] == "dispatched"
    assert act(ew.users["centre_a"], event, "supervise", reason="x").status_code == 403  # not a higher level
    sup = ok(act(ew.users["county_centre"], event, "supervise", reason="群众反映强烈，限期办结"))
    assert sup["priority"] == 1 and sup["supervision_count"] == 1 and sup["state"] == "dispatched"


def test_withdraw_only_by_the_reporter_and_before_filing() -> None:
    ew = factory.build()
    event = factory.report(ew)
    assert ok(act(ew.users["worker"], event, "withdraw", reason="误报"))["state"] == "withdrawn"
    later = factory.report(ew)
    ok(act(ew.users["centre_a"], later, "accept"))
    ok(act(ew.users["centre_a"], later, "file"))
    r = act(ew.users["worker"], later, "withdraw", reason="误报")
    assert r.status_code == 409


def test_merge_into_another_open_event_tells_both_reporters() -> None:
    ew = factory.build()
    first = factory.report(ew)
    second = factory.report(ew, user=ew.users["hotline"], channel="hotline")
    merged = ok(act(ew.users["centre_a"], second, "merge", into=first.pk, reason="同一处垃圾"))
    assert merged["state"] == "merged" and merged["state_kind"] == "void" and merged["merged_into"] == first.pk
    assert reporters_of(first) == [ew.users["worker"].pk, ew.users["hotline"].pk]
    assert act(ew.users["centre_a"], first, "merge", into=first.pk, reason="x").status_code == 400


def test_a_void_event_counts_neither_as_open_nor_as_closed() -> None:
    ew = factory.build()
    centre = ew.users["centre_a"]
    rejected = factory.report(ew)
    ok(act(centre, rejected, "reject", reason="重复上报"))
    withdrawn = factory.report(ew)
    ok(act(ew.users["worker"], withdrawn, "withdraw", reason="误报"))
    done = to_dispatched(ew)
    ok(act(ew.users["handler_a"], done, "feedback", note="ok", photos=[factory.photo()]))
    ok(act(ew.users["worker"], done, "verify", passed=True))
    ok(act(centre, done, "close"))
    factory.report(ew)  # open
    counts = as_(centre).get("/api/events/counts/").json()
    assert counts == {"open": 1, "closed": 1, "void": 2, "total": 4}
    assert as_(centre).get("/api/events/", {"kind": "open"}).json()["count"] == 1
    assert as_(centre).get("/api/events/", {"kind": "closed"}).json()["count"] == 1


def test_a_county_centre_hands_down_only_what_the_town_is_responsible_for_or_an_admitted_task() -> None:
    ew = factory.build()
    county = ew.users["county_centre"]
    event = factory.report(ew, category="06017")  # ZZ-048: the town holds no main responsibility
    assert event.level == "county"
    ok(act(county, event, "accept"))
    ok(act(county, event, "file"))
    refused = act(county, event, "dispatch", unit=ew.unit_a.pk, level="town", reason="属地处理")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "hand_down_refused" and "准入" in refused.json()["error"]["message"]
    admission = Admission.objects.create(division_id=factory.COUNTY, code="ZR321002-2026-0001",
                                         department=ew.county_dept, title="公共绿地日常处置交办", legal_basis="《测试》",
                                         state="approved")
    handed = ok(act(county, event, "dispatch", unit=ew.unit_a.pk, level="town", reason="属地处理",
                    admission=admission.code))
    assert handed["level"] == "town" and handed["unit"]["id"] == ew.unit_a.pk
    assert handed["timeline"][-1]["data"]["hand_down"] == "依准入 ZR321002-2026-0001 下派"
    # a matter the town is responsible for needs no admission: escalated by the town, handed back down
    up = factory.report(ew)
    ok(act(ew.users["centre_a"], up, "accept", level="county", reason="涉及多个部门"))
    down = ok(act(county, up, "file"))
    assert down["level"] == "county"
    back = ok(act(county, up, "dispatch", level="town", reason="属地处理"))
    assert back["timeline"][-1]["data"]["hand_down"].startswith("乡镇对职责事项")


def test_override_of_unit_or_level_needs_a_reason_and_is_recorded() -> None:
    ew = factory.build()
    event = factory.report(ew)
    r = act(ew.users["centre_a"], event, "accept", level="county")
    assert r.status_code == 400 and r.json()["error"]["fields"]["reason"]
    accepted = ok(act(ew.users["centre_a"], event, "accept", level="county", reason="需县城管协同"))
    assert accepted["level"] == "county" and accepted["proposed_level"] == "town"
    assert accepted["timeline"][-1]["data"]["override"]["reason"] == "需县城管协同"
    # now the county centre is the centre: the town centre may no longer file
    assert act(ew.users["centre_a"], event, "file").status_code == 403


def test_classifying_at_accept_routes_and_sets_the_deadline() -> None:
    ew = factory.build()
    event = factory.report(ew, category=None, category_text="路边有垃圾")
    r = act(ew.users["centre_a"], event, "accept")
    assert r.status_code == 400 and r.json()["error"]["code"] == "category_required"
    accepted = ok(act(ew.users["centre_a"], event, "accept", category="06010"))
    assert accepted["category"] == "06010" and accepted["unit"]["id"] == ew.unit_a.pk and accepted["due_at"]


def test_the_clock_stops_while_suspended() -> None:
    import time_machine

    ew = factory.build()
    centre = ew.users["centre_a"]
    event = factory.report(ew, reported_at=dt.datetime(2026, 2, 13, 16, 0, tzinfo=TZ))
    with time_machine.travel(dt.datetime(2026, 2, 13, 16, 10, tzinfo=TZ), tick=False):
        for verb in ("accept", "file", "dispatch"):
            ok(act(centre, event, verb))
    with time_machine.travel(dt.datetime(2026, 2, 13, 16, 30, tzinfo=TZ), tick=False):
        ok(act(centre, event, "suspend", reason="等待产权单位确认"))
    with time_machine.travel(dt.datetime(2026, 2, 14, 9, 30, tzinfo=TZ), tick=False):
        resumed = ok(act(centre, event, "resume"))
    # suspended 16:30–17:30 Friday and 08:30–09:30 on the make-up Saturday: 2 working hours, so the
    # deadline moves from Sat 11:00 to Sat 14:30 (11:00–12:00, lunch, 13:30–14:30)
    assert resumed["timeline"][-1]["data"]["suspended_hours"] == 2.0
    assert dt.datetime.fromisoformat(resumed["due_at"]) == dt.datetime(2026, 2, 14, 14, 30, tzinfo=TZ)
    assert dt.datetime.fromisoformat(resumed["timeline"][-1]["due_at"]) == dt.datetime(2026, 2, 14, 14, 30, tzinfo=TZ)


def test_a_citizen_without_an_account_reports_a_place_anywhere() -> None:
    from events.services import event_report

    ew = factory.build()
    lat, lng = factory.point_in(ew.grid_b)
    result = event_report(user=None, channel="citizen", category="06010", lat=lat, lng=lng, description="门口垃圾",
                          reporter_name="市民王先生", reporter_phone="13800001234", client_id="web-1")
    event = result.event
    assert event.grid_id == ew.grid_b.pk and event.town_id == factory.B and event.reporter is None
    detail = as_(ew.users["centre_b"]).get(f"/api/events/{event.pk}/").json()
    assert detail["reporter_phone"] == "138****1234"
    assert event_report(user=None, channel="citizen", description="x", client_id="web-1").event.pk == event.pk


def test_the_detail_page_shows_the_timeline_and_what_may_be_done() -> None:
    from django.test import Client

    ew = factory.build()
    event = to_dispatched(ew)
    page = Client()
    page.force_login(ew.users["handler_a"])
    html = page.get(f"/events/{event.pk}/").content.decode()
    assert "32100206010000001" in html and "办理过程" in html
    assert html.count("<tr data-seq=") == 4  # report, accept, file, dispatch
    # actions and states in Chinese, never as codes (a newcomer's trial found `accept` and `— → reported`)
    assert "<h3>处置反馈</h3>" in html and "<h3>退单</h3>" in html  # one form per action allowed now
    assert "<code>" not in html and "→ reported" not in html and "— → 待受理" in html
