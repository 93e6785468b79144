"""Patrol rules live in the services, which take the acting user (issue 12 item 6, issue 11 item 1):
only the patrol's own worker writes it; a finding is attached only to a grid the worker may see;
ending a patrol lists only visible grids as covered; the start serializer's grid is scoped."""
import uuid

import pytest
from rest_framework.test import APIClient

from core.errors import NotAllowed, NotFound
from core.testing.world import build_world
from grids import services
from grids.models import Finding, GridWorker, PatrolPoint
from grids.tests import fixtures

pytestmark = pytest.mark.django_db
TOWN_A, TOWN_B = "321002001000", "321002106000"


def _world():  # noqa: ANN202
    world = build_world()
    fixtures.lay_out(world)
    me = world.user("gw-a", "321002001001", ["grid_worker"])
    mine = fixtures.grid_in(TOWN_A)
    fixtures.team_for(mine, me)
    other = world.user("gw-a2", "321002001001", ["grid_worker"])
    GridWorker.objects.create(division_id="321002001001", name="同村另一网格员", user=other)
    return world, me, other, mine


def test_only_the_patrols_own_worker_adds_points_findings_and_ends_it():
    world, me, other, mine = _world()
    patrol, created = services.patrol_start(user=me, uuid=uuid.uuid4())
    assert created and patrol.grid_id == mine.pk
    point = {"lat": mine.centroid_lat, "lng": mine.centroid_lng}
    for call in (lambda u: services.patrol_add_points(user=u, patrol=patrol, points=[point]),
                 lambda u: services.finding_add(user=u, patrol=patrol, uuid=uuid.uuid4(), category="safety",
                                                description="x", point=point),
                 lambda u: services.patrol_end(user=u, patrol=patrol)):
        with pytest.raises(NotFound):
            call(other)  # another worker of the same village: the patrol does not exist for them
        with pytest.raises(NotAllowed):
            call(world.users["county-user"])  # not a grid worker at all
    assert PatrolPoint.objects.count() == 0 and Finding.objects.count() == 0
    patrol.refresh_from_db()
    assert patrol.status == "active"


def test_a_finding_in_another_towns_grid_is_not_attached_to_it():
    world, me, other, mine = _world()
    patrol, _ = services.patrol_start(user=me, uuid=uuid.uuid4())
    theirs = fixtures.grid_in(TOWN_B)
    finding, created = services.finding_add(user=me, patrol=patrol, uuid=uuid.uuid4(), category="safety",
                                            description="跨镇看到的隐患",
                                            point={"lat": theirs.centroid_lat, "lng": theirs.centroid_lng})
    assert created and finding.grid_id is None
    body = _client(me).get(f"/api/grids/patrols/{patrol.pk}/").json()
    assert body["findings"][0]["grid"] is None and body["findings"][0]["grid_code"] is None
    own, _ = services.finding_add(user=me, patrol=patrol, uuid=uuid.uuid4(), category="safety", description="本格",
                                  point={"lat": mine.centroid_lat, "lng": mine.centroid_lng})
    assert own.grid_id == mine.pk


def test_ending_a_patrol_never_lists_another_towns_grids():
    world, me, other, mine = _world()
    theirs = fixtures.grid_in(TOWN_B)
    patrol, _ = services.patrol_start(user=me, uuid=uuid.uuid4(),
                                      point={"lat": mine.centroid_lat, "lng": mine.centroid_lng})
    services.patrol_add_points(user=me, patrol=patrol, points=[
        {"lat": theirs.centroid_lat, "lng": theirs.centroid_lng, "seq": 1},
        {"lat": mine.centroid_lat, "lng": mine.centroid_lng, "seq": 2}])
    ended = services.patrol_end(user=me, patrol=patrol)
    assert mine.code in ended.grids_covered
    assert not any(c.startswith(TOWN_B[:9]) for c in ended.grids_covered)
    assert ended.point_count == 3 and ended.distance_m > 0
    # old rows that still list another town's grid are filtered when read
    ended.grids_covered = [*ended.grids_covered, theirs.code]
    ended.save()
    body = _client(me).get(f"/api/grids/patrols/{patrol.pk}/").json()
    assert theirs.code not in body["grids_covered"] and mine.code in body["grids_covered"]


def test_the_start_serializer_accepts_only_visible_grids_and_answers_as_for_a_missing_one():
    world, me, other, mine = _world()
    theirs = fixtures.grid_in(TOWN_B)
    api = _client(me)
    hidden = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4()), "grid": theirs.pk}, format="json")
    missing = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4()), "grid": 10 ** 9}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["error"]["fields"] == {
        "grid": [m.replace(str(10 ** 9), str(theirs.pk)) for m in missing.json()["error"]["fields"]["grid"]]}
    ok = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4()), "grid": mine.pk}, format="json")
    assert ok.status_code == 201 and ok.json()["grid"] == mine.pk


def test_points_are_append_only_rows_in_seq_order():
    world, me, other, mine = _world()
    patrol, _ = services.patrol_start(user=me, uuid=uuid.uuid4())
    lat, lng = mine.centroid_lat, mine.centroid_lng
    services.patrol_add_points(user=me, patrol=patrol, points=[{"lat": lat, "lng": lng, "seq": 5}])
    services.patrol_add_points(user=me, patrol=patrol, points=[{"lat": lat + 1e-4, "lng": lng, "seq": 2}])
    result = services.patrol_add_points(user=me, patrol=patrol, points=[{"lat": lat, "lng": lng + 1e-4},
                                                                        {"lat": lat, "lng": lng, "seq": 5}])
    assert (result.received, result.added, result.total) == (2, 1, 3)
    assert list(PatrolPoint.objects.filter(patrol=patrol).values_list("seq", flat=True)) == [2, 5, 6]
    body = _client(me).get(f"/api/grids/patrols/{patrol.pk}/").json()
    assert body["track"]["coordinates"][0] == [lng, lat + 1e-4] and body["points"] == 3


@pytest.mark.parametrize("points, message", [
    ([], "不能为空"),
    ([{"lat": 32.4}], "坐标格式有误"),
    ([{"lat": 32.4, "lng": 119.4, "seq": -1}], "序号"),
    ([{"lat": 32.4, "lng": 119.4, "seq": "1"}], "序号"),
    ([{"lat": 32.4, "lng": 119.4, "t": "yesterday"}], "时间格式有误"),
    ([{"lat": "nan", "lng": 119.4}], "坐标超出范围"),
])
def test_bad_points_are_refused_and_nothing_is_stored(points, message):
    world, me, other, mine = _world()
    patrol, _ = services.patrol_start(user=me, uuid=uuid.uuid4())
    response = _client(me).post(f"/api/grids/patrols/{patrol.pk}/points/",
                                {"points": points}, format="json")
    assert response.status_code == 400 and message in response.json()["error"]["message"] + str(
        response.json()["error"]["fields"])
    assert PatrolPoint.objects.count() == 0


def _client(user):  # noqa: ANN001, ANN202
    c = APIClient()
    c.force_authenticate(user)
    return c
