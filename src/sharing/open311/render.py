"""Open311 GeoReport v2 answers in JSON and XML (http://wiki.open311.org/GeoReport_v2).

JSON: a list (or, for discovery and a service definition, an object). XML: the spec's element
names — `<services><service>…`, `<service_definition>…`, `<service_requests><request>…`,
`<errors><error><code/><description/></error></errors>`, `<discovery>…` — written by
ElementTree (escaping done by the library), served as `text/xml; charset=utf-8`.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# list element → child element name
CHILD = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
         "formats": "format", "attributes": "attribute", "values": "value"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item = CHILD.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """`value` as JSON, or as XML under `root` (the spec's root element for that call)."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, value), content_type=XML_TYPE, status=status)
    return HttpResponse(json.dumps(value, ensure_ascii=False), content_type=JSON_TYPE, status=status)


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error body: a list of `{code, description}` (XML `<errors><error>…`)."""
    return answer(fmt, "errors", [{"code": status, "description": description}], status=status)
