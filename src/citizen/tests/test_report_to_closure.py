"""Issue 10 acceptance: a citizen reports without login, gets a query code, and the status page
follows the event to 结案 with the final answer and no personal data of anyone."""
from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from citizen import codes
from citizen.models import CitizenReport
from citizen.tests.helpers import code_of, form, post
from core.testing.commit import committed
from events.choices import Channel
from events.models import Event
from events.services import Params, event_act
from events.tests import factory

pytestmark = pytest.mark.django_db


def _status(client: Client, code: str) -> str:
    page = client.get(f"/report/{code}/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    return page.content.decode()


def _main(page: str) -> str:
    return page[page.index("<main>"):page.index("</main>")]


def _plant_names(ew: Any) -> dict[str, str]:
    """Names and numbers that must never reach the public page: the handlers', the centre's, the
    units', and the reporter's (set on the event directly, as a hotline operator would)."""
    planted = {}
    for key, name in (("centre_a", "指挥员赵德柱"), ("handler_a", "处置员钱多多")):
        user = ew.users[key]
        user.display_name = name  # what steps record as actor_name
        user.save()
        planted[key] = name
    unit = ew.unit_a
    planted["unit"] = unit.name
    return planted


def test_report_code_and_status_follow_the_event_to_closure() -> None:
    ew = factory.build()
    planted = _plant_names(ew)
    anonymous = Client()
    assert anonymous.get("/report/").status_code == 200  # no login
    with committed():
        response = post(anonymous, form(ew))
    code = code_of(response)
    assert len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET)

    report = CitizenReport.objects.select_related("event").get(query_code=code)
    event = report.event
    assert event.channel == Channel.CITIZEN and event.reporter_id is None and event.reporter_name == "匿名市民"
    assert event.event_class.code == "06010" and event.town_id == factory.A and event.grid_id == ew.grid_a.pk
    photo = event.photos.get()
    with default_storage.open(photo.path, "rb") as fh:  # the photo was stored (after commit) and reads back
        assert fh.read(3) == b"\xff\xd8\xff"

    first = anonymous.get(f"/report/{code}/?new=1").content.decode()
    assert codes.display(code) in first and "提交成功" in first and "已收到，等待受理" in first

    centre, handler = ew.users["centre_a"], ew.users["handler_a"]
    expected = [("accept", Params(), "已受理，正在核实"), ("file", Params(), "已立案"),
                ("dispatch", Params(reason="请执法局钱多多 13900001111 到场"), "正在处置"),
                ("feedback", Params(note="已清运。处置员钱多多，电话 13900001111",
                                          photo_files=[factory.photo()]), "已处置，正在核查处置结果"),
                ("verify", Params(passed=True, reason="赵德柱现场核查"), "处置结果核查通过，即将办结")]
    for action, params, words in expected:
        actor = handler if action == "feedback" else centre
        event_act(event=event, action=action, user=actor, params=params)
        text = _status(anonymous, code)
        assert words in text, (action, text)
        assert "由所在镇（街道）办理" in text and "预计办结" in text and "办理结果" not in text
    event_act(event=event, action="close", user=centre,
              params=Params(note="垃圾已全部清运，路面已冲洗干净。如仍有问题请拨打 12345。"))
    assert Event.objects.get(pk=event.pk).state == "closed"

    text = _status(anonymous, code)
    assert "已办结（结案）" in text and "办理结果" in text
    assert "垃圾已全部清运，路面已冲洗干净。如仍有问题请拨打 12345。" in text
    assert "预计办结" not in text
    for words in ("收到您的反映", "已受理", "已立案", "已派相关部门处置", "相关部门已处置，等待核查", "处置结果核查通过"):
        assert words in text
    private = [*planted.values(), "赵德柱", "钱多多", "13900001111", "13812345678", "138****5678", "5678",
               "匿名市民", "西门菜场旁的垃圾堆了三天没人清运", "centre-a", "handler-a", "综合执法局",
               Event.objects.get(pk=event.pk).code]
    for value in private:
        assert value not in text, value
    # a signed-in town user of another county reads the same public page (nothing more)
    other = Client()
    other.force_login(ew.world.users["outsider"])
    assert _main(_status(other, code)) == _main(text)


def test_the_answer_masks_numbers_and_a_refusal_shows_its_reason() -> None:
    ew = factory.build()
    with committed():
        code = code_of(post(Client(), form(ew)))
    event = CitizenReport.objects.get(query_code=code).event
    event_act(event=event, action="reject", user=ew.users["centre_a"],
              params=Params(reason="不属于受理范围，请联系物业 0514-87654321 或 13700001234"))
    text = _status(Client(), code)
    assert "不予受理" in text and "不属于受理范围，请联系物业" in text
    assert "87654321" not in text and "13700001234" not in text and "137*" in text


def test_a_merged_report_follows_the_event_it_joined() -> None:
    ew = factory.build()
    with committed():
        code = code_of(post(Client(), form(ew)))
    mine = CitizenReport.objects.get(query_code=code).event
    other = factory.report(ew, description="同一处垃圾")
    centre = ew.users["centre_a"]
    event_act(event=other, action="accept", user=centre)
    event_act(event=mine, action="merge", user=centre, params=Params(into=other))
    event_act(event=other, action="file", user=centre)
    text = _status(Client(), code)
    assert "合并办理" in text and "已立案，正在安排处置部门" in text


def test_a_retried_submission_answers_the_first_code() -> None:
    ew = factory.build()
    data = form(ew)
    client = Client()
    with committed():
        first = code_of(post(client, data))
        data["photos"] = form(ew)["photos"]
        second = code_of(post(client, data))
    assert first == second
    assert CitizenReport.objects.count() == 1 and Event.objects.filter(channel=Channel.CITIZEN).count() == 1


def test_codes_are_read_back_in_any_case_and_unknown_codes_are_404() -> None:
    ew = factory.build()
    with committed():
        code = code_of(post(Client(), form(ew)))
    client = Client()
    assert client.get(f"/report/{code.lower()}/").status_code == 302
    assert client.get(f"/report/lookup/?code={codes.display(code).lower()}")["Location"] == f"/report/{code}/"
    other = next(c for c in ("2345678923", "3456789234") if c != code)
    assert client.get(f"/report/{other}/").status_code == 404
    assert client.get("/report/0OIL1-0OIL1/").status_code == 404
    bad = client.get("/report/lookup/?code=12")
    assert bad.status_code == 400 and "查询码为 10 位字母和数字" in bad.content.decode()
