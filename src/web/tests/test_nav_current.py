"""One menu entry is marked current at a time: the one whose address is the longest prefix of the
page's (issue 13 item 7: /grids/map/ marked both 网格 and 网格地图)."""
from web.templatetags.platform_tags import active_item


def test_one_menu_entry_is_current_the_longest_matching_address():
    urls = ["/", "/grids/", "/grids/map/", "/grids/rhythm/", "/todo/", "/flows/maps/"]
    assert active_item("/grids/map/321002001000/", urls) == 2
    assert active_item("/grids/12/", urls) == 1
    assert active_item("/flows/maps/7/", urls) == 5
    assert active_item("/", urls) == 0
    assert active_item("/calendar/", urls) is None
