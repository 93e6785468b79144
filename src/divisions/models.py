from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import REFERENCE, ScopedModel
from divisions.choices import Kind, Level


class Division(ScopedModel):
    """A city, county, town or village, keyed by its 12-digit statistical code.

    The code is the primary key, so every foreign key column to a division holds the code
    itself and subtree filters need no join (`division__code__startswith=prefix` reads the local column).
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.TextField(_("边界(GeoJSON)"), blank=True, default="")
    boundary_synthetic = models.BooleanField(_("边界为合成数据"), default=False)

    scope_lookup = "code"
    scope_kind = REFERENCE

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name
