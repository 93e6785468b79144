"""Outsider cases for events (contract: core/testing/cases.py). Rows are made directly in town B
(world.town_b); no grids exist in this world, so a grid worker's report there is refused."""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.testing.cases import ScopeCase
from core.testing.downloads import check_file_kind
from events.models import (
    CallDepartment,
    DeadlineMark,
    Escalation,
    Event,
    EventClass,
    EventCounter,
    EventPhoto,
    Step,
    TownCall,
)

B = "321002106000"


def make_class(world: Any) -> EventClass:
    n = EventClass.objects.count()
    return EventClass.objects.create(division=world.town_b, code=f"9{n:04d}", name="湾头镇自定类别", kind="extension",
                                     major_name="测试")


def make_event(world: Any) -> Event:
    event = Event.objects.create(division=world.town_b, town=world.town_b, county=world.county, description="湾头镇事件",
                                 channel="hotline", location_status="address", reporter=world.insider,
                                 reporter_name="insider", address="湾头镇")
    Step.objects.create(event=event, seq=1, action="report", to_state="reported", level="town", actor_name="insider")
    return event


def make_step(world: Any) -> Step:
    return make_event(world).steps.get()


def make_photo(world: Any) -> EventPhoto:
    event = make_event(world)
    return EventPhoto.objects.create(event=event, path="events/x.jpg", thumbnail="events/x.thumb.jpg",
                                     content_type="image/jpeg", size=1, width=1, height=1, sha256="0" * 64)


def make_stored_photo(world: Any) -> EventPhoto:
    """Town B's photo with a real JPEG and thumbnail stored (`events.photos.prepare`)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from events.tests.factory import photo

    row = make_photo(world)
    row.path = default_storage.save("events/test/x.jpg", ContentFile(photo().read()))
    row.thumbnail = default_storage.save("events/test/x.thumb.jpg", ContentFile(photo().read()))
    row.save()
    return row


def make_counter(world: Any) -> EventCounter:
    return EventCounter.objects.create(division=world.town_b, class_code="06010", last=3)


def make_mark(world: Any) -> DeadlineMark:
    from django.utils import timezone

    return DeadlineMark.objects.create(event=make_event(world), colour="red", due_at=timezone.now(),
                                       mark_at=timezone.now(), level="town")


def make_call(world: Any) -> TownCall:
    return TownCall.objects.create(event=make_event(world), reason="湾头镇呼叫", seq=2)


def make_call_department(world: Any) -> CallDepartment:
    from django.utils import timezone

    from org.models import Unit

    unit = Unit.objects.create(division=world.county, name="县级部门", kind="county_department")
    return CallDepartment.objects.create(call=make_call(world), unit=unit, report_in_due=timezone.now(),
                                         answer_due=timezone.now())


def make_escalation(world: Any) -> Escalation:
    from django.utils import timezone

    return Escalation.objects.create(event=make_event(world), cause="overdue", from_level="town", to_level="county",
                                     due_at=timezone.now())


def report_into_b(world: Any, target: Event) -> dict[str, Any]:
    # a grid worker's point in town B: outside every grid the outsider may see → refused
    return {"category": "", "category_text": "x", "lat": 32.4, "lng": 119.44, "description": "越界上报",
            "channel": "grid", "client_id": "outsider-1"}


def check_act(world: Any, api: Any, session: Any, insider: Any) -> None:
    from core import audit

    with audit.acting_as(world.insider, source="test"):
        target = make_event(world)
    for verb in ("accept", "reject", "merge", "withdraw", "supervise", "call", "report-in", "answer",
                 "clear-duplicate"):
        url = reverse("event-act", kwargs={"pk": target.pk, "verb": verb})
        r = api.post(url, {"reason": "越权", "note": "越权", "into": target.pk}, format="json")
        assert r.status_code == 404, (verb, r.status_code)
    fresh = Event.objects.get(pk=target.pk)
    assert (fresh.state, fresh.version) == ("reported", 1)
    assert Step.objects.filter(event=target).count() == 1


def check_counts(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_event(world)
    assert api.get(reverse("event-counts")).json()["total"] == 0
    assert insider.get(reverse("event-counts")).json()["total"] == 1
    assert api.get(reverse("event-counts"), {"division": B}).json()["total"] == 0


def check_address_in_b(world: Any, api: Any, session: Any, insider: Any) -> None:
    """A hotline report naming an address in town B by an outsider never lands in B."""
    r = api.post(reverse("event-list"), {"category_text": "x", "address": "湾头镇", "description": "x",
                                         "channel": "hotline"}, format="json")
    assert r.status_code == 201, r.content
    assert not Event.objects.filter(division__code__startswith=B[:9]).exists()
    assert r.json()["division"]["code"] == world.outsider.division_id


def check_class_export(world: Any, api: Any, session: Any, insider: Any) -> None:
    import io

    from openpyxl import load_workbook

    target = make_class(world)
    data = api.get(reverse("event-class-export")).content
    codes = [row[0] for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]
    assert target.code not in codes
    assert target.code in [row[0] for row in load_workbook(io.BytesIO(insider.get(
        reverse("event-class-export")).content)).worksheets[0].iter_rows(values_only=True)]


def check_class_import(world: Any, api: Any, session: Any, insider: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events import classes

    target = make_class(world)
    data = classes.classes_export(EventClass.objects.filter(pk=target.pk))
    count = EventClass.objects.count()
    r = api.post(reverse("event-class-import"), {"file": SimpleUploadedFile("t.xlsx", data)}, format="multipart")
    assert r.status_code == 403, r.content  # a town never writes the city's reference data
    assert EventClass.objects.count() == count


def check_gaps(world: Any, api: Any, session: Any, insider: Any) -> None:
    make_class(world)
    towns = {r["town"] for r in api.get(reverse("event-class-gaps")).json()}
    assert B not in towns
    assert B in {r["town"] for r in insider.get(reverse("event-class-gaps")).json()}
    page = session.get(reverse("events:gaps"))
    assert page.status_code == 200 and "湾头" not in page.content.decode()


def _b_event_with_call(world: Any) -> tuple[Event, CallDepartment]:
    from core import audit

    with audit.acting_as(world.insider, source="test"):
        row = make_call_department(world)
    return row.call.event, row


def check_list_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    """The list, its sorts and its filters show nothing of town B, even asked for by name or unit."""
    target = make_event(world)
    for params in ({}, {"division": B}, {"division": "湾头镇"}, {"sort": "-division"}, {"kind": "open"},
                   {"q": "湾头"}, {"mine": "true"}):
        page = session.get(reverse("events:list"), params)
        html = page.content.decode()
        assert f'data-event="{target.pk}"' not in html and "湾头镇事件" not in html, params
    # the insider does see it (the case is real)
    from django.test import Client

    own = Client()
    own.force_login(world.insider)
    assert f'data-event="{target.pk}"' in own.get(reverse("events:list")).content.decode()


def check_export(world: Any, api: Any, session: Any, insider: Any) -> None:
    """The Excel export, opened back, holds no row of town B (whatever the filter)."""
    import io

    from openpyxl import load_workbook

    target = make_event(world)
    for params in ({}, {"division": B}):
        response = session.get(reverse("events:export"), params)
        if response.status_code != 200:
            assert response.status_code == 400  # B named explicitly may be refused, never served
            continue
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        ids = [row[1] for row in rows[2:]]            # column B: the event id
        cells = [c for row in rows for c in row]
        assert target.pk not in ids and "湾头镇事件" not in cells and "湾头镇" not in cells, params
    from django.test import Client

    own = Client()
    own.force_login(world.insider)
    mine: Any = own.get(reverse("events:export"))
    sheet = load_workbook(io.BytesIO(b"".join(mine.streaming_content))).worksheets[0]
    assert target.pk in [row[1] for row in list(sheet.iter_rows(values_only=True))[2:]]  # the case is real


def check_event_act_page(world: Any, api: Any, session: Any, insider: Any) -> None:
    """Every action posted by the outsider to B's event page is a 404 and changes nothing."""
    from core import audit

    with audit.acting_as(world.insider, source="test"):
        target = make_event(world)
    for verb in ("accept", "reject", "merge", "withdraw", "supervise", "call", "report-in", "answer", "file"):
        r = session.post(reverse("events:act", kwargs={"pk": target.pk, "action": verb}),
                         {f"{verb}-reason": "越权", f"{verb}-note": "越权", f"{verb}-into": str(target.pk)})
        assert r.status_code == 404, (verb, r.status_code)
    fresh = Event.objects.get(pk=target.pk)
    assert (fresh.state, fresh.version) == ("reported", 1)
    assert Step.objects.filter(event=target).count() == 1


def check_call_inbox(world: Any, api: Any, session: Any, insider: Any) -> None:
    _event, row = _b_event_with_call(world)
    html = session.get(reverse("events:calls")).content.decode()
    assert f'data-call="{row.pk}"' not in html and "湾头镇呼叫" not in html
    from django.test import Client

    own = Client()
    own.force_login(world.insider)
    assert f'data-call="{row.pk}"' in own.get(reverse("events:calls")).content.decode()


def check_call_step(world: Any, api: Any, session: Any, insider: Any) -> None:
    """Report-in and answer posted by the outsider on B's call row: 404, the row unchanged."""
    _event, row = _b_event_with_call(world)
    for step in ("report-in", "answer"):
        r = session.post(reverse("events:call-step", kwargs={"pk": row.pk, "step": step}),
                         {f"c{row.pk}-note": "越权答复"})
        assert r.status_code == 404, (step, r.status_code)
    fresh = CallDepartment.objects.get(pk=row.pk)
    assert (fresh.outcome, fresh.reported_in_at, fresh.answer) == ("pending", None, "")


CASES = [
    ScopeCase(model=Event, make=make_event, api_list="event-list", api_detail="event-detail", writable=False,
              post_payload=report_into_b, pages=["events:detail"], page_kwarg="pk"),
    ScopeCase(model=EventClass, make=make_class, api_list="event-class-list", api_detail="event-class-detail",
              writable=False),
    ScopeCase(model=Step, make=make_step),
    ScopeCase(model=EventPhoto, make=make_photo),
    ScopeCase(model=EventCounter, make=make_counter),
    ScopeCase(model=DeadlineMark, make=make_mark),
    ScopeCase(model=Escalation, make=make_escalation),
    ScopeCase(model=TownCall, make=make_call),
    ScopeCase(model=CallDepartment, make=make_call_department),
]
URL_CASES = {
    "files:event-photo": check_file_kind("event-photo", make_stored_photo),
    "event-act": check_act,
    "event-counts": check_counts,
    "event-class-export": check_class_export,
    "event-class-import": check_class_import,
    "event-class-gaps": check_gaps,
    "events:gaps": check_gaps,
    "event-list": check_address_in_b,
    "events:list": check_list_page,
    "events:export": check_export,
    "events:act": check_event_act_page,
    "events:calls": check_call_inbox,
    "events:call-step": check_call_step,
}
