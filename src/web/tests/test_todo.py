"""我的待办 (issue 13 item 2): one list for every kind of waiting work, overdue first, with the
reminders (催办) a command centre sent, recorded, audited and notified through the outbox."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services as catalog_services
from core import worklist
from core.models import AuditLog
from core.roles import Role
from events.models import Event
from events.tests import factory
from notify.models import Notification, OutboxMessage, Reminder

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _act(user: Any, moment: dt.datetime, event: Event, verb: str, **body: Any) -> None:
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(moment, tick=False):
        r = api.post(f"/api/events/{event.pk}/{verb}/", body, format="multipart" if "photos" in body else "json")
    assert r.status_code == 200, r.content


def _county_handler_world() -> tuple[Any, dict[str, Any]]:
    """The 广陵区城市管理局 handler waits on three kinds of work: a town call (overdue since
    March), a delegation for its opinion (effective in ten days) and an admission returned to it
    (no due time)."""
    ew = factory.build()
    u, cat = ew.users, ew.cat
    march = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    event = factory.report(ew, reported_at=march)
    for verb in ("accept", "file", "dispatch"):
        _act(u["centre_a"], march + dt.timedelta(minutes=5), event, verb)
    _act(u["centre_a"], march + dt.timedelta(minutes=10), event, "call", reason="请到场", units=[ew.county_dept.pk],
         amount=3)
    change = catalog_services.change_file(kind="delegation", town=ew.world.town_b, item=cat.items["CG-CF-003"],
                                          reason="赋权", effective_date=timezone.localdate() + dt.timedelta(days=10),
                                          user=cat.reform)
    admission = catalog_services.admission_file(department=ew.county_dept, title="试点任务", legal_basis="文件",
                                                towns=[ew.world.town_a], user=u["county_handler"])
    catalog_services.admission_review(admission=admission, decision="return", reason="补充依据", user=cat.reform)
    return ew, {"event": event, "change": change, "admission": admission}


def test_the_todo_merges_every_kind_overdue_first() -> None:
    ew, rows = _county_handler_world()
    handler = ew.users["county_handler"]
    listing = worklist.listing(handler)
    assert [(i.kind, i.ref) for i in listing.items] == [
        ("events.call", str(rows["event"].calls.get().departments.get().pk)),
        ("catalog.change", str(rows["change"].pk)),
        ("catalog.admission", str(rows["admission"].pk)),
    ]
    first = listing.items[0]
    assert first.overdue and first.action == "报到" and first.url == f"/events/{rows['event'].pk}/"
    assert not listing.items[1].overdue and listing.items[1].action == "出具部门意见"
    assert listing.items[2].due_at is None and listing.items[2].action == "修改后重新提交"
    assert listing.counts == {**{s.kind: 0 for s in worklist.sources()},
                              "events.call": 1, "catalog.change": 1, "catalog.admission": 1}

    page = _client(handler).get("/todo/").content.decode()
    assert page.index("乡呼县应：") < page.index("赋权·") < page.index("试点任务")
    assert "共 3 条" in page and "超期" in page
    only = _client(handler).get("/todo/?kind=catalog.change").content.decode()
    assert "共 1 条" in only and "试点任务" not in only
    assert _client(handler).get("/todo/?kind=nope").status_code == 400


def test_the_reform_office_sees_the_reviews_waiting_for_it_not_nothing() -> None:
    ew, rows = _county_handler_world()
    reform = ew.cat.reform
    catalog_services.admission_resubmit(admission=rows["admission"], reason="已补充", user=ew.users["county_handler"])
    catalog_services.change_department_opinion(change=rows["change"], agree=True, opinion="同意",
                                               user=ew.users["county_handler"])
    page = _client(reform).get("/todo/").content.decode()
    assert "试点任务" in page and "审核准入申请" in page and "编办审批" in page
    assert "没有办件" not in page and "没有待办事项" not in page


def test_a_reminder_is_recorded_on_the_item_audited_and_sent_through_the_outbox() -> None:
    ew, rows = _county_handler_world()
    county_centre, handler = ew.users["county_centre"], ew.users["county_handler"]
    ref = str(rows["admission"].pk)
    subtree = _client(county_centre).get("/todo/?view=subtree").content.decode()
    assert "试点任务" in subtree and 'name="ref" value="' + ref + '"' in subtree

    r = _client(county_centre).post("/todo/urge/", {"kind": "catalog.admission", "ref": ref, "note": "本周内补齐依据"})
    assert r.status_code == 302
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.ref, reminder.urged_by, reminder.note) == (
        "catalog.admission", ref, county_centre, "本周内补齐依据")
    assert reminder.division_id == "321002000000" and reminder.urged_from == "广陵区"
    assert AuditLog.objects.filter(model="notify.Reminder", object_id=str(reminder.pk), action="create",
                                   actor_id=county_centre.pk).exists()
    sent = OutboxMessage.objects.get(key=f"reminder:{reminder.pk}:inbox")
    assert sent.payload["kind"] == "urged" and sent.payload["recipients"] == [["unit", ew.county_dept.pk]]

    page = _client(handler).get("/todo/").content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*试点任务(?:(?!</tr>).)*</tr>", page, re.S)
    assert row and "本周内补齐依据" in row.group(0) and "广陵区" in row.group(0)
    from notify.outbox import dispatch

    dispatch()
    assert Notification.objects.filter(unit=ew.county_dept, kind="urged", title__contains="试点任务").exists()


def test_only_command_centres_urge_and_only_inside_their_subtree() -> None:
    ew, rows = _county_handler_world()
    ref = str(rows["admission"].pk)
    assert _client(ew.users["county_handler"]).post("/todo/urge/", {"kind": "catalog.admission", "ref": ref}
                                                    ).status_code == 403
    assert _client(ew.users["county_handler"]).get("/todo/?view=subtree").status_code == 403
    # the town centres of 东关 and 湾头 are command centres, but a county admission is not in their subtree
    for town_centre in (ew.users["centre_a"], ew.users["centre_b"]):
        assert _client(town_centre).post("/todo/urge/", {"kind": "catalog.admission", "ref": ref}).status_code == 404
    assert _client(ew.users["county_centre"]).post("/todo/urge/", {"kind": "catalog.admission", "ref": "999999"}
                                                   ).status_code == 404
    assert _client(ew.users["county_centre"]).post("/todo/urge/", {"kind": "nope", "ref": ref}).status_code == 404
    assert not Reminder.objects.exists()


def test_unit_event_work_and_a_grid_workers_verification_are_in_the_list() -> None:
    ew = factory.build()
    u = ew.users
    now = timezone.now()
    event = factory.report(ew, reported_at=now - dt.timedelta(hours=1))
    for verb in ("accept", "file", "dispatch"):
        _act(u["centre_a"], now, event, verb)
    assert [i.action for i in worklist.listing(u["handler_a"]).items] == ["待处置"]
    assert [i.kind for i in worklist.listing(u["centre_a"]).items] == []
    _act(u["handler_a"], now, event, "feedback", note="已清理", photos=[factory.photo()])
    assert worklist.listing(u["handler_a"]).total == 0
    verify = worklist.listing(u["worker"]).items
    assert [(i.kind, i.action) for i in verify] == [("events.verify", "核查处置结果")]
    _act(u["worker"], now, event, "verify", passed=False, reason="仍有垃圾")
    assert [i.action for i in worklist.listing(u["handler_a"]).items] == ["返工（核查未通过，退回处置）"]
    assert worklist.source("events.handle") is not None
    # 湾头's handler and centre see none of it
    assert worklist.listing(u["handler_b"]).total == 0 and worklist.listing(u["centre_b"]).total == 0
    assert Role.DEPT_HANDLER in u["handler_a"].roles
