"""Pages: login, role home, division tree and town page, language switch, no outside assets."""
import re

import pytest
from django.test import Client

from core.testing.world import build_world
from org import services
from org.models import Unit

pytestmark = pytest.mark.django_db


def _login(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_login_page_is_chinese_and_login_works() -> None:
    build_world()
    client = Client()
    page = client.get("/login/").content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    assert client.get("/").status_code == 302
    response = client.post("/login/", {"username": "outsider", "password": "pw-12345"}, follow=True)
    assert "工作台" in response.content.decode()
    bad = client.post("/login/", {"username": "outsider", "password": "x"})
    assert "用户名或密码不正确" in Client().post("/login/", {"username": "outsider", "password": "x"}).content.decode()
    assert bad.status_code == 200


@pytest.mark.parametrize(("role", "hint"), [("town_command", "统办管琐事"), ("county_command", "统抓管难事"),
                                            ("reform_office", "编办"), ("leader", "领导驾驶舱"),
                                            ("grid_worker", "网格员"), ("auditor", "审计")])
def test_each_role_has_its_home(role: str, hint: str) -> None:
    world = build_world()
    user = world.user(f"u-{role}", "321002001000", [role])
    assert hint in _login(user).get("/").content.decode()


def test_town_page_shows_bodies_posts_and_ab_coverage() -> None:
    world = build_world()
    services.units_provision_town(town=world.town_a)
    unit = Unit.objects.get(division=world.town_a, name="行政审批局")
    a = services.staff_create(unit=unit, name="赵六", establishment="行政")
    from org.models import Post

    post = Post.objects.create(division=world.town_a, unit=unit, name="窗口受理岗", holder_a=a)
    html = _login(world.outsider).get("/divisions/321002001000/").content.decode()
    for text in ("行政审批局", "综合服务中心", "窗口受理岗", "赵六", "缺人岗位 1 个", "领导班子结构"):
        assert text in html, text
    assert post.missing_holder


def test_tree_opens_level_by_level() -> None:
    world = build_world()
    client = _login(world.users["city-user"])
    html = client.get("/divisions/").content.decode()
    assert "扬州市" in html
    kids = client.get("/divisions/?parent=321000000000").content.decode()
    assert "广陵区" in kids and "邗江区" in kids
    assert "湾头镇" in client.get("/divisions/?q=湾头").content.decode()


def test_language_switch_to_english() -> None:
    world = build_world()
    client = _login(world.outsider)
    # An English-language browser still gets Chinese until the user switches.
    assert 'lang="zh-hans"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Dashboard" in html and "Divisions" in html


def test_pages_load_no_outside_assets() -> None:
    world = build_world()
    client = _login(world.users["city-user"])
    for path in ("/", "/divisions/", "/leadership/", "/audit/", "/login/", "/api/docs/"):
        html = client.get(path).content.decode()
        for url in re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html):
            assert not url.startswith(("http://", "https://", "//")), f"{path} loads {url}"
