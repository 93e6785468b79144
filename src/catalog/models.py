"""Catalog of powers and responsibilities (权责清单)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.choices import ItemKind
from core.scoping import GLOBAL, ScopedModel


class Item(ScopedModel):
    """A power (权力事项) from the province's guidance catalog, with its legal basis.

    Items are province-wide reference data (GLOBAL): every signed-in user reads them; which
    town holds which item is decided by the versioned lists.
    """

    code = models.CharField(_("事项编码"), max_length=30, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    kind = models.CharField(_("事项类型"), max_length=20, choices=ItemKind.choices, db_index=True)
    legal_basis = models.TextField(_("法律依据"))
    department_code = models.CharField(_("主管部门代码"), max_length=20, db_index=True,
                                       help_text=_("县级部门代码，见 org/data/county_departments.csv"))
    guidance_entry = models.CharField(_("指导目录条目"), max_length=50, blank=True)
    domain = models.CharField(_("领域"), max_length=20, blank=True)
    delegable = models.BooleanField(_("可赋权乡镇"), default=True)
    is_routine = models.BooleanField(_("常办事项"), default=True, help_text=_("常办事项须有流程图"))
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = _("权力事项")
        verbose_name_plural = _("权力事项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
