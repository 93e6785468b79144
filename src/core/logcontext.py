"""Request context for logs: a request id that follows a request into the work it queued.

One JSON object per log line (python-json-logger's `JsonFormatter`, configured in
`config.settings.LOGGING`): `time`, `level`, `logger`, `message`, and from this module
`request_id` and `user` on every line, plus `path`, `status`, `duration_ms` on the one access line
per request (logger `platform.request`).

- `RequestContextMiddleware` (first in `MIDDLEWARE`) takes the id from an incoming `X-Request-ID`
  header (1–64 characters of `A-Z a-z 0-9 . _ : -`, as load balancers generate; anything else is
  replaced) or generates one (32 hex digits), answers it in `X-Request-ID`, and writes the access
  line when the response is ready.
- The id lives in a contextvar, so every log line written while the request runs carries it, and so
  do the background tasks it queued: `core.tasking`'s Huey classes put `current()` into each task
  message and restore it in the worker while the task runs; `notify.outbox.enqueue` stores it on the
  outbox row (`OutboxMessage.request_id`) and the dispatcher binds it while delivering that row.
- `RequestContextFilter` (on the log handler) copies the context into each record.
"""
from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS

HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("log_user", default=None)
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("log_request", default=None)

access_log = logging.getLogger("platform.request")

# The one JSON line format (python-json-logger), shared by config.settings.LOGGING and
# deploy/gunicorn.conf.py: {"time", "level", "logger", "message", …extras}. `request` (Django's
# request object on django.request records) and `taskName` are left out.
JSON_FORMATTER: dict[str, Any] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": ["levelname", "name", "message"],
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
    "reserved_attrs": [*RESERVED_ATTRS, "taskName", "request", "server_time"],
    "json_ensure_ascii": False,
}


def new_request_id() -> str:
    """A fresh id: 32 lowercase hex digits (a UUID4 without dashes)."""
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """`value` when it is an acceptable id (1–64 of `A-Za-z0-9._:-`), else a new one; an incoming
    header is never trusted further than that (it ends up in every log line)."""
    if value and _VALID_ID.match(value):
        return value
    return new_request_id()


def _resolved_username(request: Any) -> str | None:
    """The request's user name if authentication already resolved it; never triggers a session
    load (the lazy `request.user` of AuthenticationMiddleware is left alone until something used
    it; DRF's token authentication sets a real user object)."""
    if request is None:
        return None
    user = getattr(request, "__dict__", {}).get("user")
    if user is None:
        return None
    if getattr(user, "_wrapped", None) is empty:
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return str(user.get_username())


def request_id() -> str | None:
    """The id of the request (or of the request whose task is running), or None."""
    return _request_id.get()


def user() -> str | None:
    """The user name of the request or task being handled, when known."""
    return _user.get() or _resolved_username(_request.get())


def current() -> dict[str, str]:
    """The context to carry into queued work: `{"request_id": …, "user": …}` (keys only when set)."""
    found = {"request_id": request_id(), "user": user()}
    return {k: v for k, v in found.items() if v}


def bind(context: dict[str, Any] | None) -> tuple[contextvars.Token, ...]:
    """Set the context from a carried dict (see `current`); returns tokens for `unbind`."""
    context = context or {}
    rid, name = context.get("request_id"), context.get("user")
    return (_request_id.set(str(rid) if rid else None), _user.set(str(name) if name else None), _request.set(None))


@contextmanager
def bound(context: dict[str, Any] | None) -> Iterator[None]:
    """Run a block with a carried context (a worker restoring a task's context, the outbox
    dispatcher delivering a row); the previous context is restored afterwards."""
    tokens = bind(context)
    try:
        yield
    finally:
        unbind(tokens)


def unbind(tokens: tuple[contextvars.Token, ...]) -> None:
    _request.reset(tokens[2])
    _user.reset(tokens[1])
    _request_id.reset(tokens[0])


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user` (None outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django's django.request lines (4xx/5xx) are written after the middleware chain returned,
        # outside the request's context; they carry the request itself.
        request = getattr(record, "request", None)
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or getattr(request, "request_id", None)
        if not hasattr(record, "user"):
            record.user = user() or _resolved_username(request)
        return True


class RequestContextMiddleware:
    """First middleware: request id in and out, and one access line per request.

    The access line (logger `platform.request`, INFO; WARNING for 4xx, ERROR for 5xx) carries
    `method`, `path`, `status`, `duration_ms` (wall time through the middleware chain, ms, one
    decimal) and the context fields. The query string is not logged (it may carry search terms).
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        rid = clean_request_id(request.headers.get(HEADER))
        request.request_id = rid
        tokens = (_request_id.set(rid), _user.set(None), _request.set(request))
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = rid
            return response
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
            if access_log.isEnabledFor(level):
                access_log.log(level, "%s %s %s", request.method, request.path, status,
                               extra={"method": request.method, "path": request.path, "status": status,
                                      "duration_ms": duration, "user": _resolved_username(request)})
            unbind(tokens)
