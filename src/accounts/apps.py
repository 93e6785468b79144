from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from accounts import signals

        signals.connect()


class PlatformAdminConfig(AdminConfig):
    """django.contrib.admin with the platform's site: administrators must pass TOTP first."""

    default_site = "accounts.admin_site.PlatformAdminSite"
