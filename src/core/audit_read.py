"""Reading the audit log as an auditor does: Chinese names, field-by-field changes, filters.

Selectors only (the log itself is written by core.audit). Every query starts from
`AuditLog.objects.visible_to(user)`, so the page, its export and its filters show nothing
outside the user's subtree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from core.workcal import TZ

SOURCES = {"web": "页面", "api": "接口", "admin": "管理后台", "system": "系统", "bench": "压测",
           "load_demo": "演示数据导入", "command": "命令行", "worker": "后台任务", "demo": "演示数据导入"}
ACTIONS = {"create": "新增", "update": "修改", "delete": "删除",
           # sign-in and account events (accounts.signals, audit.record_event)
           "login": "登录", "login_fail": "登录失败", "lockout": "登录锁定", "logout": "退出登录",
           "token_new": "签发令牌", "token_del": "吊销令牌", "password": "设置密码", "roles": "变更角色",
           "otp_add": "绑定动态口令", "otp_fail": "动态口令错误", "otp_del": "删除动态口令", "unlock": "解除锁定"}


def model_label(label: str) -> str:
    """'grids.Finding' → '巡查发现' (the model's verbose name); unknown labels stay as they are."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def source_label(source: str) -> str:
    return SOURCES.get(source, source)


def model_choices() -> list[tuple[str, str]]:
    """(label, Chinese name) of every platform model, for the object-type filter."""
    from django.conf import settings

    out = []
    for app in settings.PLATFORM_APPS:
        try:
            config = apps.get_app_config(app)
        except LookupError:
            continue
        for model in config.get_models():
            out.append((model._meta.label, str(model._meta.verbose_name)))
    return sorted(out, key=lambda c: c[1])


def _field_name(model: Any, key: str) -> str:
    if model is None:
        return key
    try:
        return str(model._meta.get_field(key).verbose_name)
    except Exception:  # FieldDoesNotExist, or a key that is not a field (an extra audit key)
        return key


def _choice(model: Any, key: str, value: Any) -> Any:
    """A stored code as its Chinese choice label (lists element by element; role codes too)."""
    from core.roles import Role

    try:
        choices: dict[Any, Any] = dict(model._meta.get_field(key).flatchoices)
    except Exception:  # no such field on the model (or no model): show the value as stored
        choices = {}
    if key == "roles":
        choices = dict(Role.choices)
    if isinstance(value, list):
        return [choices.get(v, v) if isinstance(v, (str, int)) else v for v in value]
    if isinstance(value, (str, int)):
        return choices.get(value, value)
    return value


def _compact(value: dict[str, Any]) -> str:
    """A large column audited as a compact change (core.audit.compact_change), in words."""
    kind = value.get("~")
    if kind == "splice":
        inserted = value.get("insert")
        size = len(inserted) if isinstance(inserted, (list, str)) else 0
        unit = "项" if isinstance(inserted, list) else "个字符"
        if value.get("remove") == 0:
            return f"（大字段）在第 {value.get('at')} 处追加 {size} {unit}"
        return f"（大字段）第 {value.get('at')} 处替换 {value.get('remove')} {unit}为 {size} {unit}"
    if kind == "keys":
        keys = [*value.get("set", {}), *value.get("unset", [])]
        return "（大字段）改动的键：" + "、".join(str(k) for k in keys[:20])
    if kind == "same":
        return "（大字段，未改动）"
    return f"（大字段，{value.get('size', '?')} 字符，SM3 {str(value.get('sm3', ''))[:12]}…）"


def format_value(value: Any) -> str:
    """A stored JSON value as people read it: local times, 是/否, lists joined, — for empty."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict) and "~" in value:
        return _compact(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(TZ)
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    if isinstance(value, list):
        return "、".join(format_value(v) for v in value[:20]) + ("…" if len(value) > 20 else "")
    if isinstance(value, dict):
        return "；".join(f"{k}：{format_value(v)}" for k, v in list(value.items())[:20])
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


@dataclass
class Change:
    field: str
    before: str
    after: str


def changes(entry: Any) -> list[Change]:
    """Field-by-field differences of one audit row (only the fields that changed)."""
    try:
        model = apps.get_model(entry.model)
    except (LookupError, ValueError):
        model = None
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if old == new or key in ("id", "version"):
            continue
        out.append(Change(_field_name(model, key), format_value(_choice(model, key, old)),
                          format_value(_choice(model, key, new))))
    return out


def local_time(moment: dt.datetime) -> str:
    local = moment.astimezone(TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"


@dataclass
class AuditFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    actor: str = ""
    action: str = ""
    model: str = ""
    division_prefix: str = ""
    q: str = ""


def audit_search(user: Any, f: AuditFilters) -> QuerySet[Any]:
    """The user's visible audit rows matching `f`, newest first. Dates are Asia/Shanghai days."""
    from core.models import AuditLog

    qs = AuditLog.objects.visible_to(user)
    if f.start:
        qs = qs.filter(at__gte=dt.datetime.combine(f.start, dt.time.min, TZ))
    if f.end:
        qs = qs.filter(at__lt=dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time.min, TZ))
    if f.actor:
        qs = qs.filter(actor_name__icontains=f.actor)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.model:
        qs = qs.filter(model=f.model)
    if f.division_prefix:
        qs = qs.filter(division_code__startswith=f.division_prefix)
    if f.q:
        qs = qs.filter(Q(object_repr__icontains=f.q) | Q(object_id=f.q) | Q(reason__icontains=f.q))
    return qs.order_by("-at", "-id")


# Events written by core.personal (an unmasked read), core.auditchain (retention purge) and the
# rekey_personal_data command.
ACTIONS.update({"reveal": "查看个人信息明文", "purge": "清理过期审计", "rekey": "个人信息重新加密"})
