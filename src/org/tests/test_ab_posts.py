"""AB posts: B acts while A is away; posts missing a holder are flagged."""
import datetime as dt

import pytest
from rest_framework.test import APIClient

from core.errors import PlatformError
from core.models import AuditLog
from core.testing.world import build_world
from org import selectors, services
from org.models import Post, Unit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def town_post():  # noqa: ANN201
    world = build_world()
    unit = Unit.objects.create(division=world.town_a, name="行政审批局", kind="bureau")
    a = services.staff_create(unit=unit, name="张三", establishment="行政")
    b = services.staff_create(unit=unit, name="李四", establishment="事业")
    post = Post.objects.create(division=world.town_a, unit=unit, name="审批岗")
    services.post_assign(post=post, holder_a=a, holder_b=b)
    return world, post, a, b


def test_a_acts_when_present_b_when_a_is_absent(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    assert selectors.post_acting_holder(post, TODAY) == a
    services.absence_record(staff=a, start=TODAY, end=TODAY + dt.timedelta(days=2), reason="年休假")
    assert selectors.post_acting_holder(post, TODAY) == b
    assert selectors.post_acting_holder(post, TODAY + dt.timedelta(days=3)) == a
    services.absence_record(staff=b, start=TODAY, end=TODAY, reason="培训")
    assert selectors.post_acting_holder(post, TODAY) is None
    coverage = selectors.post_coverage(Post.objects.filter(pk=post.pk), TODAY)[0]
    assert coverage.a_absent and coverage.acting is None


def test_missing_holder_is_flagged(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    services.post_assign(post=post, holder_a=a, holder_b=None)
    post.refresh_from_db()
    assert post.missing_holder
    assert list(selectors.posts_missing_holder(world.outsider)) == [post]
    api = APIClient()
    api.force_authenticate(world.outsider)
    assert [p["id"] for p in api.get("/api/org/posts/?missing_holder=true").json()["results"]] == [post.pk]


def test_same_person_cannot_hold_a_and_b(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    with pytest.raises(PlatformError, match="不能是同一人"):
        services.post_assign(post=post, holder_a=a, holder_b=a)
    api = APIClient()
    api.force_authenticate(world.outsider)
    response = api.patch(f"/api/org/posts/{post.pk}/", {"holder_b": a.pk}, format="json")
    assert response.status_code == 400 and "holder_b" in response.json()["error"]["fields"]
    post.refresh_from_db()
    assert post.holder_b == b


def test_holder_from_another_town_is_refused(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    unit_b = Unit.objects.create(division=world.town_b, name="湾头局", kind="bureau")
    stranger = services.staff_create(unit=unit_b, name="王五", establishment="行政")
    with pytest.raises(PlatformError, match="同一区划"):
        services.post_assign(post=post, holder_a=stranger, holder_b=b)


def test_absence_range_is_validated_and_writes_are_audited(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    with pytest.raises(PlatformError, match="结束日期"):
        services.absence_record(staff=a, start=TODAY, end=TODAY - dt.timedelta(days=1), reason="x")
    absence = services.absence_record(staff=a, start=TODAY, end=TODAY, reason="病假")
    assert AuditLog.objects.get(model="org.Absence", object_id=str(absence.pk)).after["reason"] == "病假"
    update = AuditLog.objects.filter(model="org.Post", object_id=str(post.pk), action="update").latest("id")
    assert update.before["holder_b_id"] is None and update.after["holder_b_id"] == b.pk


def test_api_reports_the_acting_holder(town_post) -> None:  # noqa: ANN001
    world, post, a, b = town_post
    today = dt.date.today()
    services.absence_record(staff=a, start=today, end=today, reason="年休假")
    api = APIClient()
    api.force_authenticate(world.outsider)
    assert api.get(f"/api/org/posts/{post.pk}/").json()["acting_holder"] == b.pk
