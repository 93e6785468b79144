"""Huey classes that carry the log context (request id, user) from the process that queued a task
into the worker that runs it (`settings.HUEY["huey_class"]`).

A Huey task message is a `huey.registry.Message` namedtuple; these classes serialise the pair
`(CONTEXT_MARK, context, message)` instead, where `context` is `core.logcontext.current()` at
enqueue time (or, for a retry or a rescheduled task, the context the task was restored with), and
restore it around the task's execution in the worker (`pre_execute` / `post_execute` hooks). A
message queued by an older deploy (a bare Message) still runs, without context. In immediate mode
(tests) the task runs in the caller's thread, inside the caller's context, with nothing to carry.
"""
from __future__ import annotations

from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.registry import Message

from core import logcontext

CONTEXT_MARK = "platform.ctx.v1"


class ContextMixin:
    """Carries `core.logcontext` across the queue; see the module docstring."""

    _registry: Any
    serializer: Any
    pre_execute: Any
    post_execute: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._context_tokens: dict[Any, tuple[Any, ...]] = {}
        self.pre_execute("platform_log_context")(self._restore_context)
        self.post_execute("platform_log_context")(self._clear_context)

    def serialize_task(self, task: Any) -> bytes:
        message = self._registry.create_message(task)
        context = getattr(task, "log_context", None) or logcontext.current()
        return self.serializer.serialize((CONTEXT_MARK, context, message))

    def deserialize_task(self, data: bytes) -> Any:
        raw = self.serializer.deserialize(data)
        context: dict[str, str] = {}
        if not isinstance(raw, Message) and isinstance(raw, tuple) and len(raw) == 3 and raw[0] == CONTEXT_MARK:
            context, raw = raw[1] or {}, raw[2]
        task = self._registry.create_task(raw)
        task.log_context = context
        return task

    def _restore_context(self, task: Any) -> None:
        # Always bind (an empty context too), so a thread never shows the previous task's id.
        self._context_tokens[task.id] = logcontext.bind(getattr(task, "log_context", None))

    def _clear_context(self, task: Any, task_value: Any, exception: BaseException | None) -> None:
        tokens = self._context_tokens.pop(task.id, None)
        if tokens is not None:
            logcontext.unbind(tokens)


class PlatformRedisHuey(ContextMixin, RedisHuey):
    """RedisHuey carrying the log context (production, `REDIS_URL` set)."""


class PlatformSqliteHuey(ContextMixin, SqliteHuey):
    """SqliteHuey carrying the log context (the embedded default)."""
