"""Read-only users (a leader, an auditor, a grid worker outside their patrol page) see no editing
form on any page of the navigation or on the detail pages behind it: forms render only for those
who may write (issue 13 item 7). Allowed everywhere: signing out, the language switch, marking
one's own messages read, and search/filter forms (GET)."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from flows import services as flow_services
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template
from grids.tests import fixtures
from web.nav import nav_entries

pytestmark = pytest.mark.django_db

ALLOWED_ACTIONS = ("/logout/", "/i18n/setlang/", "/notify/")
FORM = re.compile(r"<form\b[^>]*>", re.I)


def _editing_forms(html: str) -> list[str]:
    """Forms that would change something: POST forms (and script-driven step forms) except the
    always-allowed ones."""
    found = []
    for tag in FORM.findall(html):
        if re.search(r'method="get"', tag, re.I) and "complete" not in tag:
            continue
        if 'method="post"' not in tag.lower() and 'class="complete"' not in tag:
            continue
        if any(a in tag for a in ALLOWED_ACTIONS):
            continue
        found.append(tag)
    return found


def test_read_only_users_see_no_editing_forms():
    world, actors = setup()
    fixtures.lay_out(world)
    item = make_item()
    pm = publish(actors, item, template("approval"))
    case = flow_services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="开办许可")
    grid = fixtures.grid_in(TOWN_A)
    readers = {"leader": actors.leader, "auditor": world.user("t-auditor", TOWN_A, ["auditor"]),
               "county-leader": world.user("c-leader", "321002000000", ["leader"])}
    pages = []
    for url_name, _, _ in nav_entries():
        try:
            pages.append(reverse(url_name))
        except Exception:  # noqa: BLE001, S112 - an entry whose app is not installed
            continue
    pages += [f"/grids/{grid.pk}/", f"/flows/maps/{pm.pk}/", f"/flows/items/{item.code}/", f"/flows/cases/{case.pk}/"]
    problems = []
    for who, user in readers.items():
        client = Client()
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                continue
            forms = _editing_forms(response.content.decode())
            if forms:
                problems.append(f"{who} {url}: {forms}")
    assert not problems, "\n".join(problems)


def test_the_map_page_is_a_viewer_for_readers_and_a_modeler_for_editors():
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    reader = Client()
    reader.force_login(actors.leader)
    page = reader.get(f"/flows/maps/{pm.pk}/").content.decode()
    assert "bpmn-navigated-viewer" in page and "bpmn-modeler" not in page and 'id="sideform"' not in page
    editor = Client()
    editor.force_login(actors.editor)
    page = editor.get(f"/flows/maps/{pm.pk}/").content.decode()
    assert "bpmn-modeler" in page and 'id="sideform"' in page and 'id="btn-save"' in page
