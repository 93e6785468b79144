from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import Role, has_role
from core.scoping import OPERATIONAL, ScopedModel, ScopedQuerySet


class PlatformUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(ScopedModel, AbstractUser):
    """An account: belongs to a division (its scope), optionally a unit, and has roles."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="users")
    unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="users")
    staff = models.OneToOneField("org.Staff", verbose_name=_("对应人员"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="account")
    roles = models.JSONField(_("角色"), default=list, blank=True)
    display_name = models.CharField(_("显示名"), max_length=50, blank=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.roles]

    def has_role(self, *roles: str) -> bool:
        return has_role(self, *roles)
