"""`core.api.serializers.FieldsOncePerThread`: an input serializer whose fields are built once per
thread validates each body on its own — the answer and the errors of one request never leak into
the next — and another thread gets fields of its own."""
from __future__ import annotations

import threading
from typing import Any

from rest_framework import serializers

from core.api.serializers import FieldsOncePerThread


class Body(FieldsOncePerThread, serializers.Serializer):
    name = serializers.CharField(max_length=5)
    size = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=["a", "b"], default="a")
    tags = serializers.ListField(child=serializers.CharField(), required=False)


def _check(data: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    body = Body(data=data)
    ok = body.is_valid()
    return ok, dict(body.validated_data) if ok else dict(body.errors)


def test_each_body_is_validated_on_its_own() -> None:
    assert _check({"name": "abc", "size": 2, "tags": ["x"]}) == (True, {"name": "abc", "size": 2, "kind": "a",
                                                                         "tags": ["x"]})
    ok, errors = _check({"name": "toolong", "size": 0, "kind": "c"})
    assert not ok and set(errors) == {"name", "size", "kind"}
    assert _check({"name": "b"}) == (True, {"name": "b", "kind": "a"})
    ok, errors = _check({})
    assert not ok and set(errors) == {"name"}


def test_fields_are_built_once_per_thread() -> None:
    first, second = Body(data={}), Body(data={})
    assert first.fields["name"] is second.fields["name"] and second.fields["name"].parent is second
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(Body(data={}).fields["name"]))
    thread.start()
    thread.join()
    assert other[0] is not first.fields["name"]
