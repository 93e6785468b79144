"""`manage.py rekey_personal_data`: re-encrypt every personal field under the current key after a rotation."""
from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from core import audit
from core.personal import PersonalLookupField, personal_fields


class Command(BaseCommand):
    help = ("密钥轮换后，用当前 PERSONAL_DATA_KEY 重新加密所有个人信息字段并重算查找哈希"
            "（旧密钥须仍在 PERSONAL_DATA_OLD_KEYS 中）")

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        with audit.acting_as(name="rekey_personal_data", source="command"):
            for model in apps.get_models():
                if model._meta.app_label not in settings.PLATFORM_APPS or not personal_fields(model):
                    continue
                n = rekey_model(model)
                total += n
                self.stdout.write(f"{model._meta.label}: {n} 行")
                audit.record_event("rekey", model=model._meta.label, object_repr=f"{n} 行",
                                   after={"rows": n, "fields": [f.name for f in personal_fields(model)]})
        self.stdout.write(self.style.SUCCESS(f"已重新加密 {total} 行"))


def rekey_model(model: Any, chunk: int = 2000) -> int:
    """Decrypt (any configured key) and re-encrypt each row's personal fields, refresh the lookup
    hashes. A column UPDATE per row, not save(): the values do not change, so there is nothing to
    audit row by row (one `rekey` event per model is written by the command)."""
    fields = personal_fields(model)
    lookups = [f for f in model._meta.concrete_fields if isinstance(f, PersonalLookupField)]
    count = 0
    pks = list(model._base_manager.values_list("pk", flat=True))
    for start in range(0, len(pks), chunk):
        with transaction.atomic():
            for obj in model._base_manager.filter(pk__in=pks[start:start + chunk]).only(*[f.name for f in fields]):
                values: dict[str, Any] = {f.name: f.plaintext(obj) for f in fields}
                by_name = {f.name: f for f in fields}
                for lookup in lookups:
                    values[lookup.name] = by_name[lookup.source].lookup_hash(values[lookup.source])
                model._base_manager.filter(pk=obj.pk).update(**values)
                count += 1
    return count
