"""Open311 GeoReport v2, tried as an Open311 client would (the acceptance's first line)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from lxml import etree
from rest_framework.test import APIClient

from events.models import Event
from events.tests import factory
from events.tests.test_lifecycle_api import act, ok
from sharing.tests import fixtures

pytestmark = pytest.mark.django_db
DEMO_KEY = "demo-open311-key"
BASE = "/open311/v2/"


@pytest.fixture
def ew() -> Any:
    world = factory.build()
    fixtures.key(world, "321002000000", ["events:create", "events:read"], text=DEMO_KEY)
    fixtures.publish("06010", description="路面、绿地等处暴露的垃圾", attributes=[
        {"code": "AMOUNT", "datatype": "singlevaluelist", "required": False, "description": "垃圾量",
         "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}]}])
    return world


def post_form(data: dict[str, Any], fmt: str = "json") -> Any:
    """As Open311 clients post: application/x-www-form-urlencoded with api_key in the body."""
    return Client().post(f"{BASE}requests.{fmt}", urlencode(data), content_type="application/x-www-form-urlencoded")


def report_point(grid: Any) -> tuple[float, float]:
    """A point inside the (convex) grid away from its representative point: halfway to a corner."""
    import shapely

    geometry = shapely.from_geojson(grid.geometry)
    x, y = shapely.get_coordinates(geometry)[0]
    return (grid.centroid_lat + y) / 2, (grid.centroid_lng + x) / 2


def spec_post(ew: Any, **extra: Any) -> dict[str, Any]:
    lat, lng = report_point(ew.grid_a)
    data = {"api_key": DEMO_KEY, "jurisdiction_id": "yangzhou", "service_code": "06010", "lat": lat, "long": lng,
            "address_string": "东关街 12 号", "email": "zhang@example.cn", "device_id": "tt222111",
            "account_id": "123456", "first_name": "三", "last_name": "张", "phone": "13800000000",
            "description": "东关街口堆放生活垃圾", "media_url": "http://example.cn/image.jpg",
            "attribute[AMOUNT]": "large"}
    data.update(extra)
    return data


def xml(response: Any) -> Any:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return etree.fromstring(response.content)


def test_services_json_and_xml(ew: Any) -> None:
    anonymous = Client()
    services = json.loads(anonymous.get(f"{BASE}services.json").content)
    assert [s["service_code"] for s in services] == ["06010"]          # only the published class without a key
    assert services[0]["metadata"] is True and services[0]["type"] == "realtime"
    root = xml(anonymous.get(f"{BASE}services.xml"))
    assert root.tag == "services" and root.findtext("service/service_code") == "06010"
    assert root.findtext("service/metadata") == "true"
    keyed = json.loads(Client().get(f"{BASE}services.json", {"api_key": DEMO_KEY}).content)
    assert len(keyed) > 1                                              # a key sees every active class
    definition = xml(anonymous.get(f"{BASE}services/06010.xml"))
    assert definition.tag == "service_definition"
    assert [v.findtext("key") for v in definition.findall("attributes/attribute/values/value")] == ["small", "large"]
    discovery = json.loads(anonymous.get(f"{BASE}discovery.json").content)
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert xml(anonymous.get(f"{BASE}discovery.xml")).findtext("endpoints/endpoint/formats/format") == "text/xml"


def test_post_and_read_back_in_json_and_xml_then_follow_the_lifecycle(ew: Any) -> None:
    response = post_form(spec_post(ew))
    assert response.status_code == 201, response.content
    request_id = json.loads(response.content)[0]["service_request_id"]
    event = Event.objects.get(pk=int(request_id))
    assert event.channel == "open311" and event.source_ref == "open311" and event.event_class.code == "06010"
    assert "AMOUNT：large" in event.description and event.reporter_name == "张 三"
    # the XML answer of a POST
    xml_post = xml(post_form(spec_post(ew, description="另一处垃圾"), "xml"))
    assert xml_post.tag == "service_requests" and xml_post.findtext("request/service_request_id")

    keyed = json.loads(Client().get(f"{BASE}requests/{request_id}.json", {"api_key": DEMO_KEY}).content)[0]
    assert keyed["status"] == "open" and keyed["description"].startswith("东关街口堆放生活垃圾")
    assert keyed["service_code"] == "06010" and keyed["expected_datetime"]
    back = xml(Client().get(f"{BASE}requests/{request_id}.xml", {"api_key": DEMO_KEY}))
    assert back.findtext("request/service_request_id") == request_id and back.findtext("request/status") == "open"

    # it is in 广陵区's queue (the county centre's list) and in 东关's
    for user in (ew.users["county_centre"], ew.users["centre_a"]):
        api = APIClient()
        api.force_authenticate(user)
        assert event.pk in {r["id"] for r in api.get("/api/events/").json()["results"]}
    u = ew.users
    for who, verb, body in ((u["centre_a"], "accept", {}), (u["centre_a"], "file", {}),
                            (u["centre_a"], "dispatch", {}), (u["handler_a"], "feedback", {"note": "已清运", "photos": [factory.photo()]}),
                            (u["centre_a"], "verify", {"passed": True}), (u["centre_a"], "close", {})):
        ok(act(who, event, verb, **body))
        row = json.loads(Client().get(f"{BASE}requests/{request_id}.json", {"api_key": DEMO_KEY}).content)[0]
        assert row["status"] == ("closed" if verb == "close" else "open")
    assert row["status_notes"] and row["agency_responsible"] == ew.unit_a.name
    assert row["updated_datetime"] >= row["requested_datetime"]


def test_read_without_a_key_sees_public_requests_without_personal_data(ew: Any) -> None:
    post_form(spec_post(ew))
    event = Event.objects.get(source_ref="open311")
    anonymous = Client()
    body = anonymous.get(f"{BASE}requests.json").content.decode()
    rows = json.loads(body)
    assert [r["service_request_id"] for r in rows] == [str(event.pk)]
    for secret in ("张", "13800000000", "东关街口堆放", "东关街 12 号", f"{event.lat}", f"{event.lng}"):
        assert secret not in body, secret
    assert rows[0]["lat"] == pytest.approx(ew.grid_a.centroid_lat)      # the grid's point, not the report's
    root = xml(anonymous.get(f"{BASE}requests/{event.pk}.xml"))
    assert "13800000000" not in etree.tostring(root, encoding="unicode")
    # an unpublished class's request is not public
    factory.report(ew, category="06017")
    assert len(json.loads(anonymous.get(f"{BASE}requests.json").content)) == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_the_spec_body(ew: Any, fmt: str) -> None:
    def errors(response: Any) -> list[tuple[str, str]]:
        if fmt == "xml":
            root = xml(response)
            assert root.tag == "errors"
            return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]
        return [(str(e["code"]), e["description"]) for e in json.loads(response.content)]

    wrong = post_form(spec_post(ew, api_key="not-a-key"), fmt)
    assert wrong.status_code == 403 and errors(wrong)[0][0] == "403"
    missing_key = post_form({k: v for k, v in spec_post(ew).items() if k != "api_key"}, fmt)
    assert missing_key.status_code == 403
    unknown = Client().get(f"{BASE}requests/999999.{fmt}")
    assert unknown.status_code == 404 and errors(unknown)[0][0] == "404"
    no_code = post_form({k: v for k, v in spec_post(ew).items() if k != "service_code"}, fmt)
    assert no_code.status_code == 400 and errors(no_code)[0][0] == "400" and "service_code" in errors(no_code)[0][1]
    no_place = post_form({k: v for k, v in spec_post(ew).items() if k not in ("lat", "long", "address_string")}, fmt)
    assert no_place.status_code == 400
    bad_status = Client().get(f"{BASE}requests.{fmt}", {"status": "pending"})
    assert bad_status.status_code == 400 and errors(bad_status)
    assert not Event.objects.exists()


def test_filters_and_idempotent_post(ew: Any) -> None:
    first = post_form(spec_post(ew, client_id="phone-1"))
    again = post_form(spec_post(ew, client_id="phone-1"))
    assert first.status_code == 201 and again.status_code == 200
    assert json.loads(first.content)[0]["service_request_id"] == json.loads(again.content)[0]["service_request_id"]
    assert Event.objects.count() == 1
    rid = json.loads(first.content)[0]["service_request_id"]
    token = json.loads(Client().get(f"{BASE}tokens/phone-1.json", {"api_key": DEMO_KEY}).content)
    assert token == [{"service_request_id": rid, "token": "phone-1"}]
    q = {"api_key": DEMO_KEY}
    assert len(json.loads(Client().get(f"{BASE}requests.json", {**q, "status": "closed"}).content)) == 0
    assert len(json.loads(Client().get(f"{BASE}requests.json", {**q, "status": "open,closed"}).content)) == 1
    assert len(json.loads(Client().get(f"{BASE}requests.json", {**q, "service_code": "06017"}).content)) == 0
    old = {**q, "start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-02-01T00:00:00+08:00"}
    assert json.loads(Client().get(f"{BASE}requests.json", old).content) == []
    assert len(json.loads(Client().get(f"{BASE}requests.json", {**q, "service_request_id": f"{rid},0"}).content)) == 1


def test_reads_without_a_key_are_throttled_per_client(ew: Any, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.SHARING_OPEN311_ANON_RATE = "3/min"
    statuses = [Client().get(f"{BASE}services.json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert json.loads(Client().get(f"{BASE}services.json").content)[0]["code"] == 429
    assert Client().get(f"{BASE}services.json", {"api_key": DEMO_KEY}).status_code == 200   # keyed: its own limit
    cache.clear()


def test_a_list_of_requests_costs_a_fixed_number_of_queries(ew: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(5):
        post_form(spec_post(ew, description=f"第{n}处"))
    with django_assert_max_num_queries(8):
        rows = json.loads(Client().get(f"{BASE}requests.json", {"api_key": DEMO_KEY}).content)
    assert len(rows) == 5 and rows[0]["status_notes"]
