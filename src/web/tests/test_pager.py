"""The shared pager keeps every filter of the list, multi-valued ones included, and changes only `page`."""
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_pager_links_keep_every_value_of_every_filter() -> None:
    request = RequestFactory().get("/x/", {"state": ["filed", "handled"], "q": "绿地 & 垃圾", "page": "2"})
    page = Paginator(list(range(30)), 10).get_page(2)
    html = render_to_string("web/_pager.html", {"page": page, "request": request})
    assert "state=filed&amp;state=handled" in html
    assert "q=%E7%BB%BF%E5%9C%B0+%26+%E5%9E%83%E5%9C%BE" in html
    assert "page=1" in html and "page=3" in html and "page=2" not in html
