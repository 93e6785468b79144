"""Organisation: bodies (units), staff, AB posts and absences."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.personal import ID_CARD, PHONE, PersonalField, PersonalLookupField
from core.roles import COMMAND_ROLES, Role
from core.scoping import GLOBAL, OPERATIONAL, REFERENCE, ScopedModel
from org import rules
from org.choices import Establishment, TemplateScope, UnitKind


class UnitTemplate(ScopedModel):
    """An editable structure such as "一办八局", applied to every town of its scope."""

    name = models.CharField(_("名称"), max_length=50)
    applies_to = models.CharField(_("适用"), max_length=10, choices=TemplateScope.choices, unique=True)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        verbose_name = _("机构模板")
        verbose_name_plural = _("机构模板")

    def __str__(self) -> str:
        return self.name


class UnitTemplateEntry(ScopedModel):
    template = models.ForeignKey(UnitTemplate, on_delete=models.CASCADE, related_name="entries")
    name = models.CharField(_("机构名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    scope_kind = GLOBAL
    scope_lookup = "pk"

    class Meta:
        ordering = ["template", "order"]
        unique_together = [("template", "name")]
        verbose_name = _("模板机构")
        verbose_name_plural = _("模板机构")

    def __str__(self) -> str:
        return f"{self.template.name}·{self.name}"


class Unit(ScopedModel):
    """A body: town office or bureau, service centre, county department, stationed body."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="units")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices, db_index=True)
    code = models.CharField(_("机构代码"), max_length=30, blank=True, db_index=True)
    home_department = models.ForeignKey(
        "self", verbose_name=_("派出部门"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="stationed_bodies", limit_choices_to={"kind": UnitKind.COUNTY_DEPARTMENT},
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    scope_kind = REFERENCE  # the unit directory: readable upward, writable inside the subtree

    class Meta:
        ordering = ["division_id", "order", "name"]
        unique_together = [("division", "name")]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The admin's form runs this; `services.stationed_body_create` checks the same rules."""
        problems = rules.unit_problems(kind=self.kind, division_code=self.division_id,
                                       home_department=self.home_department if self.home_department_id else None)
        if problems:
            raise ValidationError(problems)


class Staff(ScopedModel):
    """A person on the town's (or county's) staff. `division` is the unit's division."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("姓名"), max_length=50)
    establishment = models.CharField(_("编制类型"), max_length=4, choices=Establishment.choices)
    is_leader = models.BooleanField(_("领导班子成员"), default=False)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    served_village_secretary = models.BooleanField(_("曾任村（社区）书记"), default=False)
    # Personal data (core.personal): SM4-encrypted, masked everywhere; the command centres (who
    # call staff out) and the reform office (who keeps the records) may reveal the phone, only
    # the reform office the ID number. Lookup hashes let an import or a duplicate check match a
    # number without decrypting.
    phone = PersonalField(_("手机号"), kind=PHONE, reveal_roles=(*COMMAND_ROLES, Role.REFORM_OFFICE))
    phone_lookup = PersonalLookupField(source="phone")
    id_number = PersonalField(_("身份证号"), kind=ID_CARD, reveal_roles=(Role.REFORM_OFFICE,))
    id_number_lookup = PersonalLookupField(source="id_number")
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    class Meta:
        ordering = ["division_id", "unit_id", "id"]
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A person's division is their unit's (as `services.staff_create` sets it)."""
        if self.unit_id:
            self.division_id = self.unit.division_id


class Post(ScopedModel):
    """A position with an A holder and a B holder (AB岗): B covers while A is away."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="posts")
    name = models.CharField(_("岗位名称"), max_length=100)
    holder_a = models.ForeignKey(Staff, verbose_name=_("A岗"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="posts_as_a")
    holder_b = models.ForeignKey(Staff, verbose_name=_("B岗"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="posts_as_b")

    class Meta:
        ordering = ["division_id", "unit_id", "id"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self) -> str:
        return f"{self.unit.name}·{self.name}" if self.unit_id else self.name

    @property
    def missing_holder(self) -> bool:
        return self.holder_a_id is None or self.holder_b_id is None

    def problems(self) -> rules.Problems:
        return rules.post_problems(division_code=self.unit.division_id if self.unit_id else self.division_id,
                                   holder_a=self.holder_a if self.holder_a_id else None,
                                   holder_b=self.holder_b if self.holder_b_id else None)

    def clean(self) -> None:
        """The admin's form runs this; `services.post_assign` refuses the same (rules.post_problems)."""
        if self.unit_id:
            self.division_id = self.unit.division_id
        problems = self.problems()
        if problems:
            raise ValidationError(problems)


class Absence(ScopedModel):
    """A staff member away (leave, training, secondment) from `start` to `end`, inclusive."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="+")
    staff = models.ForeignKey(Staff, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-start"]
        verbose_name = _("请假/外出")
        verbose_name_plural = _("请假/外出")

    def __str__(self) -> str:
        return f"{self.staff} {self.start}~{self.end}"

    def clean(self) -> None:
        """The admin's form runs this; `services.absence_record` refuses the same (rules.absence_problems)."""
        if self.staff_id:
            self.division_id = self.staff.division_id
        problems = rules.absence_problems(start=self.start, end=self.end)
        if problems:
            raise ValidationError(problems)
