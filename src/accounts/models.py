from typing import ClassVar

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
    # Demo accounts are the synthetic ones: they exist only in demo mode (PLATFORM_MODE=demo), keep the
    # demo password and are refused at sign-in and at start-up in production.
    is_synthetic = models.BooleanField(_("合成数据（演示账号）"), default=False)
    must_change_password = models.BooleanField(
        _("须修改密码"), default=False,
        help_text=_("初始密码或被重置的密码：下次登录须先修改"))
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    scope_lookup = "division__code"
    scope_kind = OPERATIONAL

    objects: ClassVar[PlatformUserManager] = PlatformUserManager()

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


class PasswordHistory(ScopedModel):
    """One earlier password hash of a user (the last N may not be reused; settings.PASSWORD_HISTORY).

    The column is called `password` so that audit snapshots leave it out (core.audit.SKIP_FIELDS).
    """

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_lookup = "user__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d}"
