"""A process map renders on a phone (issue 13 item 7: at 390 px the map column was 2 px wide and
bpmn-js failed to fit it): the viewer and the modeler take the screen's width, the side form goes
under the map, and the diagram is drawn at a finite, readable zoom."""
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from core.testing.browser import WAIT_IGNORED
from flows import services as flow_services
from flows.tests.helpers import TOWN_A, make_item, publish, setup, template
from grids.tests.test_browser_layout import _login, _size

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DRAWN = """
const c = document.querySelector('#canvas'); const svg = c && c.querySelector('svg');
if (!svg || !document.querySelector('#canvas .djs-element[data-element-id]')) { return null; }
const vp = c.querySelector('.viewport'); const vb = vp && vp.getAttribute('transform');
const tasks = [...c.querySelectorAll('.djs-shape')].map(e => e.getBoundingClientRect().width).filter(w => w > 0);
return {width: c.getBoundingClientRect().width, viewBox: vb, shapes: tasks.length, widest: Math.max(...tasks)};
"""


@pytest.mark.parametrize("who", ["leader", "editor"])
def test_process_map_fills_a_phone_screen(live_server, chromium, who):  # noqa: ANN001
    world, actors = setup()
    item = make_item()
    pm = publish(actors, item, template("approval"))
    flow_services.case_start(user=actors.handler, item=item, division_code=TOWN_A, title="开办许可")
    user = {"leader": actors.leader, "editor": actors.editor}[who]
    _login(chromium, live_server.url, user.username)
    _size(chromium, "phone")
    for url in (f"/flows/maps/{pm.pk}/", f"/flows/items/{item.code}/"):
        chromium.get(live_server.url + url)
        drawn = WebDriverWait(chromium, 30, ignored_exceptions=WAIT_IGNORED).until(lambda d: d.execute_script(DRAWN))
        assert drawn["width"] > 300, (url, drawn)
        assert drawn["viewBox"] and "NaN" not in drawn["viewBox"] and "Infinity" not in drawn["viewBox"], drawn  # zoom
        assert drawn["shapes"] > 3 and drawn["widest"] > 10, drawn
