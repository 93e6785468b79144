"""The request id follows a request into the outbox work it caused: the row written during the
request carries the id (OutboxMessage.request_id), and the dispatcher — later, in a worker —
delivers the row inside that id's log context."""
from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from core import logcontext
from core.logcontext import RequestContextMiddleware
from notify import outbox
from notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


class ContextHandler(outbox.Handler):
    """Remembers the log context each delivery ran in; a batch holding a row marked `split` fails
    as a whole, so the dispatcher falls back to delivering row by row."""

    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def handle(self, payload: dict[str, Any], *, key: str) -> None:
        ContextHandler.seen.append((key, logcontext.current()))

    def handle_many(self, items: list[tuple[dict[str, Any], str]]) -> None:
        if any(payload.get("split") for payload, _ in items):
            raise RuntimeError("batch refused: deliver one by one")
        super().handle_many(items)


def _queueing_view(*keys: str, split: bool = False) -> Any:
    def view(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            for key in keys:
                outbox.enqueue("test.context", {"split": split}, key=key)
        return HttpResponse("ok")

    return view


def _request(view: Any, request_id: str) -> None:
    response = RequestContextMiddleware(view)(RequestFactory().post("/somewhere/", HTTP_X_REQUEST_ID=request_id))
    assert response["X-Request-ID"] == request_id


HANDLERS = {"test.context": "web.tests.test_request_id_outbox.ContextHandler"}


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_KICK=False)
def test_outbox_rows_carry_the_request_id_into_their_delivery() -> None:
    ContextHandler.seen.clear()
    _request(_queueing_view("work:1", "work:2"), "req-from-lb-1")
    assert logcontext.current() == {}
    assert dict(OutboxMessage.objects.values_list("key", "request_id")) == {"work:1": "req-from-lb-1",
                                                                            "work:2": "req-from-lb-1"}
    assert len(outbox.dispatch().delivered) == 2  # one batch, one causing request: bound to it
    assert sorted(ContextHandler.seen) == [("work:1", {"request_id": "req-from-lb-1"}),
                                           ("work:2", {"request_id": "req-from-lb-1"})]


@override_settings(OUTBOX_HANDLERS=HANDLERS, OUTBOX_KICK=False)
def test_rows_of_several_requests_are_delivered_each_in_its_own_context_when_one_by_one() -> None:
    ContextHandler.seen.clear()
    _request(_queueing_view("a:1", split=True), "req-a")
    _request(_queueing_view("b:1", split=True), "req-b")
    with transaction.atomic():
        outbox.enqueue("test.context", {"split": True}, key="sweep:1")  # no request: no id
    assert OutboxMessage.objects.get(key="sweep:1").request_id == ""
    assert len(outbox.dispatch().delivered) == 3
    assert sorted(ContextHandler.seen) == [("a:1", {"request_id": "req-a"}), ("b:1", {"request_id": "req-b"}),
                                           ("sweep:1", {})]
