"""Finding photos are served through the scoped file address (`core.downloads`, never a public media
URL): the API and the findings page give that address, the finding's area gets the bytes, anyone
else a 404, an anonymous browser the sign-in page."""
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from core.downloads import file_url
from core.testing.commit import committed
from core.testing.world import build_world
from grids import services
from grids.tests import fixtures

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_photo_link_is_the_scoped_view_and_answers_only_inside_the_area():
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    with committed():
        patrol, _ = services.patrol_start(user=user, uuid=uuid.uuid4())
        finding, _ = services.finding_add(user=user, patrol=patrol, uuid=uuid.uuid4(), category="safety",
                                          description="井盖缺失",
                                          point={"lat": grid.centroid_lat, "lng": grid.centroid_lng},
                                          photo=SimpleUploadedFile("p.png", PNG))
    api = APIClient()
    api.force_authenticate(world.users["city-user"])
    url = api.get(f"/api/grids/findings/{finding.pk}/").json()["photo_url"]
    assert url == file_url("finding-photo", finding.pk) == f"/files/finding-photo/{finding.pk}/file/"
    inside = Client()
    inside.force_login(user)
    response = inside.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    other_town = Client()
    other_town.force_login(world.insider)  # town B, every role
    assert other_town.get(url).status_code == 404
    assert f'href="{url}"' in inside.get("/grids/findings/").content.decode()  # the page links the same address
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_empty_description_is_refused_with_what_is_missing():
    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    fixtures.team_for(fixtures.grid_in("321002001000"), user)
    api = APIClient()
    api.force_authenticate(user)
    patrol = api.post("/api/grids/patrols/", {"uuid": str(uuid.uuid4())}, format="json").json()
    response = api.post(f"/api/grids/patrols/{patrol['id']}/findings/",
                        {"uuid": str(uuid.uuid4()), "category": "safety", "description": " ", "lat": 32.39,
                         "lng": 119.43}, format="json")
    assert response.status_code == 400
    assert "请填写描述" in response.json()["error"]["fields"]["description"][0]


def test_a_photo_is_checked_by_content_not_by_its_name():
    """A PDF named .jpg is refused (core.uploads' one allowed list), nothing is recorded; a PNG named
    .jpg is kept as a PNG."""
    from core.errors import PlatformError
    from core.testing.files import tiny_pdf, tiny_png
    from grids.models import Finding

    world = build_world()
    fixtures.lay_out(world)
    user = world.user("gw", "321002001001", ["grid_worker"])
    grid = fixtures.grid_in("321002001000")
    fixtures.team_for(grid, user)
    point = {"lat": grid.centroid_lat, "lng": grid.centroid_lng}
    with committed():
        patrol, _ = services.patrol_start(user=user, uuid=uuid.uuid4())
        with pytest.raises(PlatformError) as refused:
            services.finding_add(user=user, patrol=patrol, uuid=uuid.uuid4(), category="safety", description="井盖缺失",
                                 point=point, photo=SimpleUploadedFile("现场.jpg", tiny_pdf()))
        kept, _ = services.finding_add(user=user, patrol=patrol, uuid=uuid.uuid4(), category="safety",
                                       description="井盖缺失", point=point,
                                       photo=SimpleUploadedFile("现场.jpg", tiny_png()))
    assert refused.value.code == "bad_file_type" and "实际内容为PDF" in refused.value.message
    assert Finding.objects.count() == 1 and kept.photo.endswith(".png")
