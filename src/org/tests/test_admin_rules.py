"""The admin refuses what the services refuse: a post whose A and B holder are one person, an
absence that ends before it starts, a stationed body without its county department — each through
the admin's own change form, with the message beside the field and nothing saved."""
import datetime as dt

import pytest
from django.test import Client

from core.testing.world import build_world
from org import services
from org.models import Absence, Post, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def town() -> tuple:
    world = build_world()
    unit = Unit.objects.create(division=world.town_b, name="行政审批局", kind="bureau")
    a = services.staff_create(unit=unit, name="张三", establishment="行政")
    b = services.staff_create(unit=unit, name="李四", establishment="事业")
    post = services.post_create(unit=unit, name="审批岗", holder_a=a, holder_b=b)
    client = Client()
    client.force_login(world.insider)  # town B, reform office and town command roles, admin access
    return world, unit, a, b, post, client


def _field_errors(response, name: str) -> list[str]:  # noqa: ANN001
    return [str(e) for e in response.context["adminform"].form.errors.get(name, [])]


def test_admin_refuses_a_post_with_the_same_a_and_b_holder(town: tuple) -> None:
    world, unit, a, b, post, client = town
    url = f"/admin/org/post/{post.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"unit": unit.pk, "name": "审批岗", "holder_a": a.pk, "holder_b": a.pk})
    assert response.status_code == 200  # the form again, not a redirect
    assert "A岗与B岗不能是同一人" in _field_errors(response, "holder_b")
    assert "A岗与B岗不能是同一人" in response.content.decode()
    post.refresh_from_db()
    assert post.holder_b_id == b.pk
    # and the same form saves a valid change, with the division taken from the unit
    response = client.post(url, {"unit": unit.pk, "name": "审批岗（改）", "holder_a": b.pk, "holder_b": a.pk})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.name, post.holder_a_id, post.holder_b_id, post.division_id) == ("审批岗（改）", b.pk, a.pk,
                                                                                 world.town_b.code)


def test_admin_refuses_a_new_post_with_the_same_holder(town: tuple) -> None:
    world, unit, a, b, post, client = town
    count = Post.objects.count()
    response = client.post("/admin/org/post/add/", {"unit": unit.pk, "name": "新岗", "holder_a": b.pk,
                                                     "holder_b": b.pk})
    assert response.status_code == 200 and "A岗与B岗不能是同一人" in _field_errors(response, "holder_b")
    assert Post.objects.count() == count


def test_admin_refuses_an_absence_that_ends_before_it_starts(town: tuple) -> None:
    world, unit, a, b, post, client = town
    response = client.post("/admin/org/absence/add/", {"staff": a.pk, "start": "2026-03-10", "end": "2026-03-02",
                                                       "reason": "年休假"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in _field_errors(response, "end")
    assert not Absence.objects.exists()
    absence = services.absence_record(staff=a, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), reason="培训")
    url = f"/admin/org/absence/{absence.pk}/change/"
    response = client.post(url, {"staff": a.pk, "start": "2026-03-02", "end": "2026-03-01", "reason": "培训"})
    assert response.status_code == 200 and "结束日期不能早于开始日期" in _field_errors(response, "end")
    absence.refresh_from_db()
    assert absence.end == dt.date(2026, 3, 4)
    response = client.post(url, {"staff": a.pk, "start": "2026-03-02", "end": "2026-03-06", "reason": "培训"})
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.end == dt.date(2026, 3, 6) and absence.division_id == world.town_b.code


def test_admin_refuses_a_stationed_body_without_its_department(town: tuple) -> None:
    world, unit, a, b, post, client = town
    count = Unit.objects.count()
    response = client.post("/admin/org/unit/add/", {"division": world.town_b.code, "name": "派出所",
                                                    "kind": "stationed", "code": "", "order": 0})
    assert response.status_code == 200
    assert "派驻机构须填写派出部门（县级部门）" in _field_errors(response, "home_department")
    assert Unit.objects.count() == count


def test_admin_chooses_staff_by_name_within_scope(town: tuple) -> None:
    """The A/B holder boxes search staff by name (admin autocomplete), only among visible people."""
    world, unit, a, b, post, client = town
    url = "/admin/autocomplete/?app_label=org&model_name=post&field_name=holder_a&term="
    names = {r["text"] for r in client.get(url + "张").json()["results"]}
    assert names == {"张三"}
    outsider = Client()
    outsider.force_login(world.outsider)  # town A: 张三 of town B does not exist for them
    response = outsider.get(url + "张")
    assert response.status_code == 200 and response.json()["results"] == []
    page = client.get(f"/admin/org/post/{post.pk}/change/").content.decode()
    assert "admin-autocomplete" in page


def test_api_and_services_give_the_same_words(town: tuple) -> None:
    from rest_framework.test import APIClient

    world, unit, a, b, post, client = town
    api = APIClient()
    api.force_authenticate(world.insider)
    r = api.post("/api/org/posts/", {"unit": unit.pk, "name": "新岗", "holder_a": a.pk, "holder_b": a.pk},
                 format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["holder_b"] == ["A岗与B岗不能是同一人"]
    r = api.post("/api/org/absences/", {"staff": a.pk, "start": "2026-03-10", "end": "2026-03-02", "reason": "x"},
                 format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["end"] == ["结束日期不能早于开始日期"]
    absence = services.absence_record(staff=a, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), reason="培训")
    r = api.patch(f"/api/org/absences/{absence.pk}/", {"end": "2026-03-01"}, format="json")
    assert r.status_code == 400 and "结束日期不能早于开始日期" in r.json()["error"]["message"]
    for bad in ("0001-01-01", "9999-12-31", "yesterday"):
        r = api.patch(f"/api/org/absences/{absence.pk}/", {"end": bad}, format="json")
        assert r.status_code == 400 and r.json()["error"]["fields"]["end"], bad
    absence.refresh_from_db()
    assert absence.end == dt.date(2026, 3, 4)
