"""Citizen reports (群众上报): the query code (查询码) that lets a reporter without an account follow
their event.

`CitizenReport` is one row per event reported through `/report/`: the event itself is born in the
one intake (`events.services.event_report`, channel `citizen`); this row only adds the query code.
OPERATIONAL on the event's division, like the event: staff see it where they see the event; the
public status page reads it by code only (`citizen.selectors.public_status`).
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import OPERATIONAL, ScopedModel


class CitizenReport(ScopedModel):
    """The query code of one citizen-reported event (`citizen.codes`: 10 characters, unique)."""

    event = models.OneToOneField("events.Event", verbose_name=_("事件"), on_delete=models.PROTECT,
                                 related_name="citizen_report")
    query_code = models.CharField(_("查询码"), max_length=10, unique=True)
    created_at = models.DateTimeField(_("上报时间"), default=timezone.now)

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群众上报")
        verbose_name_plural = _("群众上报")

    def __str__(self) -> str:
        return f"群众上报#{self.pk}"  # never the code: str() reaches audit rows and admin titles
