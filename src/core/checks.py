"""System checks of core: audit retention and the keys of personal data and of the audit chain."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from core.auditchain import MIN_RETENTION_DAYS


@checks.register("security")
def audit_retention(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)) < MIN_RETENTION_DAYS:
        return [checks.Error(f"AUDIT_RETENTION_DAYS 不得少于 {MIN_RETENTION_DAYS} 天（等保三级：审计记录至少保存六个月）",
                             id="core.E101")]
    return []


@checks.register("security", deploy=True)
def secret_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for name, what in (("PERSONAL_DATA_KEY", "个人信息加密（SM4）与查找哈希"), ("AUDIT_CHAIN_KEY", "审计链（HMAC-SM3）")):
        if not getattr(settings, name, ""):
            out.append(checks.Error(f"{name} 未设置：{what}的密钥正由 SECRET_KEY 派生，生产环境必须单独配置（可用 {name}_FILE）",
                                    id=f"core.E10{2 if name.startswith('P') else 3}"))
    return out
