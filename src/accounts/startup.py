"""Start-up refusal in production (PLATFORM_MODE=production): the web process does not start while
demo accounts (synthetic, sharing the demo password) exist. The built-in secret key and DEBUG are
refused earlier, by config.settings."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from accounts.security import production


def unsafe_production_reasons() -> list[str]:
    """Why this database may not be served in production (empty when it may)."""
    from django.conf import settings
    from django.db.utils import DatabaseError

    from accounts.models import User

    reasons: list[str] = []
    if getattr(settings, "BUILTIN_SECRET_KEY", None) == settings.SECRET_KEY:
        reasons.append("使用了内置的演示密钥 SECRET_KEY")
    try:
        demo = User.objects.filter(is_synthetic=True).count()
    except DatabaseError:  # not migrated yet: nothing to refuse
        demo = 0
    if demo:
        reasons.append(f"数据库中存在 {demo} 个演示账号（演示密码 demo12345）；生产库不得加载演示数据")
    return reasons


def refuse_unsafe_production() -> None:
    """Raise ImproperlyConfigured in production when `unsafe_production_reasons()` finds anything."""
    if not production():
        return
    reasons = unsafe_production_reasons()
    if reasons:
        raise ImproperlyConfigured("生产模式拒绝启动：" + "；".join(reasons))
