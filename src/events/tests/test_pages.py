"""The event pages (issue 10 item 2): list, filters, sort, export, the event page with only the
actions allowed now, refusals beside the field with typed values kept, and the town-call inbox."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from events import services
from events.models import CallDepartment, Event
from events.tests import factory
from events.tests.factory import EventWorld

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00")


def act(event: Event, action: str, user: Any, **params: Any) -> Event:
    return services.event_act(event=event, action=action, user=user, params=services.Params(**params))


def dispatched(ew: EventWorld, **kw: Any) -> Event:
    event = factory.report(ew, **kw)
    centre = ew.users["centre_a"]
    for verb in ("accept", "file", "dispatch"):
        event = act(event, verb, centre)
    return event


def forms_on(response: Any) -> list[str]:
    """The actions whose forms the page offers (each form carries data-action)."""
    import re

    return re.findall(r'class="action-form card" data-action="([a-z-]+)"', response.content.decode())


# ---------------------------------------------------------------- the event page


def test_each_user_sees_only_the_actions_allowed_now() -> None:
    ew = factory.build()
    u = ew.users
    event = factory.report(ew)
    assert forms_on(client(u["centre_a"]).get(reverse("events:detail", args=[event.pk]))) == [
        "accept", "reject", "merge"]
    assert forms_on(client(u["handler_a"]).get(reverse("events:detail", args=[event.pk]))) == []
    event = dispatched(ew)
    page = client(u["handler_a"]).get(reverse("events:detail", args=[event.pk]))
    assert forms_on(page) == ["return", "extend", "feedback"]
    assert forms_on(client(u["centre_a"]).get(reverse("events:detail", args=[event.pk]))) == ["suspend", "call"]
    assert forms_on(client(u["worker"]).get(reverse("events:detail", args=[event.pk]))) == []
    # the county centre supervises a town event (督办) and does nothing else
    assert forms_on(client(u["county_centre"]).get(reverse("events:detail", args=[event.pk]))) == ["supervise"]
    html = page.content.decode()
    assert 'data-confirm="确定退单' in html   # an irreversible step asks first
    assert 'name="feedback-photos"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="extend-until"' in html and 'type="datetime-local"' in html


def test_return_without_a_reason_is_refused_beside_the_field_and_nothing_changes() -> None:
    ew = factory.build()
    event = dispatched(ew)
    page = client(ew.users["handler_a"]).post(reverse("events:act", args=[event.pk, "return"]), {"return-reason": ""})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-field="return-reason"' in html
    field = html.split('data-field="return-reason"', 1)[1].split("</div>", 1)[0]
    assert "请填写此项" in field
    fresh = Event.objects.get(pk=event.pk)
    assert (fresh.state, fresh.version) == ("dispatched", event.version)


def test_a_refusal_by_the_service_keeps_every_typed_value() -> None:
    """The centre overrides the unit without a reason: the service refuses (改派须说明理由), the
    message sits beside 理由, and the chosen unit and the admission code typed are still there."""
    ew = factory.build()
    event = factory.report(ew)
    page = client(ew.users["centre_a"]).post(reverse("events:act", args=[event.pk, "accept"]), {
        "accept-unit": ew.county_dept.pk, "accept-admission": "ZR-2026-007", "accept-reason": ""})
    assert page.status_code == 400
    html = page.content.decode()
    reason = html.split('data-field="accept-reason"', 1)[1].split("</div>", 1)[0]
    assert "必填" in reason
    assert "改变建议的承办单位或层级须说明理由" in html
    assert 'value="ZR-2026-007"' in html
    assert f'<option value="{ew.county_dept.pk}" selected>' in html
    assert Event.objects.get(pk=event.pk).state == "reported"


def test_return_with_a_reason_goes_back_to_the_centre() -> None:
    ew = factory.build()
    event = dispatched(ew)
    response = client(ew.users["handler_a"]).post(reverse("events:act", args=[event.pk, "return"]),
                                                  {"return-reason": "不属于本单位职责"})
    assert response.status_code == 302
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.state == "filed" and fresh.return_count == 1
    assert fresh.steps.order_by("-seq").first().note == "不属于本单位职责"


def test_an_action_not_allowed_now_is_a_409_naming_what_is_possible() -> None:
    ew = factory.build()
    event = dispatched(ew)
    page = client(ew.users["centre_a"]).post(reverse("events:act", args=[event.pk, "close"]), {})
    assert page.status_code == 409
    assert "不能“结案”" in page.content.decode() and "挂起" in page.content.decode()


def test_extension_asks_for_the_new_deadline_in_working_time() -> None:
    """Handler asks 延期至 a new deadline; the service turns it into working hours from the current
    deadline, and the centre's approval moves the deadline exactly there."""
    ew = factory.build()
    with time_machine.travel(T("2026-03-02 09:00"), tick=False):   # a Monday
        event = dispatched(ew)
        due = event.due_at
        assert due is not None
        until = (due + dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
        r = client(ew.users["handler_a"]).post(reverse("events:act", args=[event.pk, "extend"]), {
            "extend-until": until.strftime("%Y-%m-%dT%H:%M"), "extend-reason": "需协调绿化部门"})
        assert r.status_code == 302, r.content.decode()[:2000]
        assert Event.objects.get(pk=event.pk).state == "extension_requested"
        r = client(ew.users["centre_a"]).post(reverse("events:act", args=[event.pk, "extend"]),
                                              {"extend-approve": "yes"})
        assert r.status_code == 302
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.state == "dispatched"
    assert fresh.due_at == until.replace(second=0, microsecond=0)


def test_extension_to_a_time_before_the_deadline_is_refused_beside_the_field() -> None:
    ew = factory.build()
    event = dispatched(ew)
    assert event.due_at is not None
    early = (event.due_at - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    page = client(ew.users["handler_a"]).post(reverse("events:act", args=[event.pk, "extend"]), {
        "extend-until": early.strftime("%Y-%m-%dT%H:%M"), "extend-reason": "理由"})
    assert page.status_code == 400
    field = page.content.decode().split('data-field="extend-until"', 1)[1].split("</div>", 1)[0]
    assert "须晚于现办结时限" in field and early.strftime("%Y-%m-%dT%H:%M") in field


def test_feedback_needs_a_photo_on_the_page(settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.testing.commit import committed
    from events.tests.test_photos import jpeg_with_exif

    settings.MEDIA_ROOT = str(tmp_path)
    ew = factory.build()
    event = dispatched(ew)
    handler = client(ew.users["handler_a"])
    page = handler.post(reverse("events:act", args=[event.pk, "feedback"]), {"feedback-note": "已清运"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "请填写此项" in html.split('data-field="feedback-photos"', 1)[1].split("</div>", 1)[0]
    assert "已清运" in html  # the typed note is kept
    photo = SimpleUploadedFile("after.jpg", jpeg_with_exif(), content_type="image/jpeg")
    with committed():
        r = handler.post(reverse("events:act", args=[event.pk, "feedback"]),
                         {"feedback-note": "已清运", "feedback-photos": photo})
    assert r.status_code == 302
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.state == "handled"
    stored = fresh.photos.get(step__action="feedback")
    assert (tmp_path / stored.path).read_bytes()[:2] == b"\xff\xd8"  # the file itself, re-encoded JPEG


def test_page_shows_map_routing_responsibility_source_and_local_times() -> None:
    ew = factory.build()
    with time_machine.travel(T("2026-12-02 12:00"), tick=False):
        event = factory.report(ew)
    html = client(ew.users["centre_a"]).get(reverse("events:detail", args=[event.pk])).content.decode()
    assert 'id="eventmap"' in html and "vendor/leaflet/leaflet.js" in html and "events/detail.js" in html
    assert "2026年12月2日 12:00" in html          # local time, the site's style
    assert "ZZ-003 背街小巷问题处置" in html          # the matter behind the routing
    answer = html.split('id="responsibility"', 1)[1].split("</table>", 1)[0]
    assert f"<th>主体责任</th><td>{ew.unit_a.name}</td>" in answer and ew.county_dept.name in answer
    assert "主体责任在本镇街" in html                 # the routing proposal's reason
    assert "http://" not in html.replace("http://www.w3.org", "")  # no outside asset


# ---------------------------------------------------------------- the list and its export


def test_list_filters_sorts_and_pages_within_the_subtree() -> None:
    ew = factory.build()
    u = ew.users
    first = factory.report(ew, description="第一件：暴露垃圾")
    second = factory.report(ew, category="06017", description="第二件：绿地脏乱")
    other_town = factory.report(ew, user=u["centre_b"], channel="hotline", grid=ew.grid_b, description="湾头镇事件")
    centre = client(u["centre_a"])
    page = centre.get(reverse("events:list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-event="{first.pk}"' in html and f'data-event="{second.pk}"' in html
    assert f'data-event="{other_town.pk}"' not in html and "湾头镇事件" not in html
    only = centre.get(reverse("events:list"), {"category": "06017"}).content.decode()
    assert f'data-event="{second.pk}"' in only and f'data-event="{first.pk}"' not in only
    asc = centre.get(reverse("events:list"), {"sort": "category"}).content.decode()
    assert asc.index(f'data-event="{first.pk}"') < asc.index(f'data-event="{second.pk}"')
    desc = centre.get(reverse("events:list"), {"sort": "-category"}).content.decode()
    assert desc.index(f'data-event="{second.pk}"') < desc.index(f'data-event="{first.pk}"')
    assert 'href="?sort=-category"' in asc  # clicking the sorted column reverses it
    city = client(u["city_centre"]).get(reverse("events:list")).content.decode()
    assert f'data-event="{other_town.pk}"' in city


def test_list_date_range_and_a_bad_filter_beside_its_field() -> None:
    ew = factory.build()
    with time_machine.travel(T("2026-03-02 10:00"), tick=False):
        old = factory.report(ew)
    with time_machine.travel(T("2026-03-05 10:00"), tick=False):
        new = factory.report(ew)
    centre = client(ew.users["centre_a"])
    html = centre.get(reverse("events:list"), {"reported_from": "2026-03-03", "reported_to": "2026-03-05"}) \
        .content.decode()
    assert f'data-event="{new.pk}"' in html and f'data-event="{old.pk}"' not in html
    bad = centre.get(reverse("events:list"), {"reported_from": "0001-01-01", "division": "不存在的镇"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "日期须在 2000-01-01 至 2099-12-31 之间" in text.split('data-field="reported_from"', 1)[1].split("</div>")[0]
    unknown = centre.get(reverse("events:list"), {"division": "不存在的镇"})
    assert unknown.status_code == 400
    assert "区划不存在" in unknown.content.decode().split('data-field="division"', 1)[1].split("</div>")[0]


def test_mine_is_the_users_queue() -> None:
    ew = factory.build()
    waiting = dispatched(ew)
    new = factory.report(ew)
    handler = client(ew.users["handler_a"]).get(reverse("events:list"), {"mine": "true"}).content.decode()
    assert f'data-event="{waiting.pk}"' in handler and f'data-event="{new.pk}"' not in handler
    centre = client(ew.users["centre_a"]).get(reverse("events:list"), {"mine": "true"}).content.decode()
    assert f'data-event="{new.pk}"' in centre and f'data-event="{waiting.pk}"' not in centre


def test_export_is_the_filtered_list_opened_back() -> None:
    ew = factory.build()
    u = ew.users
    with time_machine.travel(T("2026-12-02 12:00"), tick=False):
        first = factory.report(ew, description="=HYPERLINK(\"x\")")
    factory.report(ew, category="06017", description="绿地")
    factory.report(ew, user=u["centre_b"], channel="hotline", grid=ew.grid_b, description="湾头镇事件")
    response = client(u["centre_a"]).get(reverse("events:export"), {"category": "06010"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert "事件列表" in rows[0][0] and "东关街道" in rows[0][0]
    assert rows[1][:4] == ("事件编号", "ID", "类别编码", "类别名称")
    data = rows[2:]
    assert [r[1] for r in data] == [first.pk]
    assert data[0][2] == "06010" and data[0][4] == "=HYPERLINK(\"x\")"  # kept as text, not a formula
    assert data[0][11] == dt.datetime(2026, 12, 2, 12, 0)             # local time, no zone
    assert sheet.cell(row=3, column=5).data_type == "s"


# ---------------------------------------------------------------- 乡呼县应 inbox


def test_call_inbox_report_in_then_answer() -> None:
    ew = factory.build()
    u = ew.users
    event = dispatched(ew)
    act(event, "call", u["centre_a"], reason="需城管部门到场", units=[ew.county_dept])
    dept = client(u["county_handler"])
    page = dept.get(reverse("events:calls"))
    row = CallDepartment.objects.get()
    html = page.content.decode()
    assert page.status_code == 200 and f'data-call="{row.pk}"' in html and "需城管部门到场" in html
    assert 'data-step="report-in"' in html
    assert dept.post(reverse("events:call-step", args=[row.pk, "report-in"])).status_code == 302
    refused = dept.post(reverse("events:call-step", args=[row.pk, "answer"]), {f"c{row.pk}-note": ""})
    assert refused.status_code == 400
    assert "请填写此项" in refused.content.decode().split(f'data-field="c{row.pk}-note"', 1)[1].split("</div>")[0]
    assert dept.post(reverse("events:call-step", args=[row.pk, "answer"]),
                     {f"c{row.pk}-note": "已派人到场处理"}).status_code == 302
    row.refresh_from_db()
    assert row.outcome == "answered" and row.answer == "已派人到场处理"
    after = dept.get(reverse("events:calls")).content.decode()
    assert "已派人到场处理" in after.split('id="calls-answered"', 1)[1]
    # another department's handler has nothing here and cannot step on this row
    other = ew.world.user("zrzy-handler", factory.COUNTY, [Role.DEPT_HANDLER])
    other.unit = ew.cat.units["321002-zrzy"]
    other.save()
    assert f'data-call="{row.pk}"' not in client(other).get(reverse("events:calls")).content.decode()
