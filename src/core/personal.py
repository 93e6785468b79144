"""Personal data (个人信息): phone and ID-card numbers encrypted at rest, masked by default, revealed with an audit row.

A model declares

    phone = PersonalField(_("手机号"), kind=PHONE, reveal_roles=(Role.TOWN_COMMAND, ...))
    phone_lookup = PersonalLookupField(source="phone")          # only where exact lookup is needed

- **At rest** the column holds `core.crypto.encrypt(...)` (SM4-GCM, no digit in the stored text).
- **In Python** the attribute is *masked by default*: `staff.phone` is a `Masked` string
  ("138****1234"), so templates, serializers, exports, `str()` and audit snapshots show the mask
  without anyone remembering to call a helper. Assigning a plain string sets a new number.
- **Unmasked** only through `reveal_personal(user=, obj=, field=)`: it checks the row is in the
  user's scope and the user holds one of the field's `reveal_roles`, writes an audit row
  (action `reveal`, the field name, never the value) and returns the plaintext.
- **Lookup**: `Model.objects.filter(match(Model, "phone", "13812341234"))` compares the keyed
  SM3 hash column; ORM lookups on the encrypted column itself are refused (a random nonce makes
  every ciphertext different, so they could only ever miss silently), except `= ""` / `isnull`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models import Q, lookups
from django.db.models.query_utils import DeferredAttribute

from core import crypto
from core.errors import NotAllowed, NotFound, PlatformError
from core.roles import COMMAND_ROLES, has_role

PHONE = "phone"
ID_CARD = "id_card"


def _normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", value)
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    return digits


def _validate_phone(value: str) -> None:
    if isinstance(value, Masked):
        return  # the stored number, unchanged
    if value and not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}", _normalise_phone(str(value))):
        raise ValidationError("请输入正确的手机号（11位）或带区号的固定电话", code="invalid_phone")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_check_char(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _normalise_id(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def _validate_id(value: str) -> None:
    if not value or isinstance(value, Masked):
        return
    v = _normalise_id(str(value))
    if not re.fullmatch(r"\d{17}[\dX]", v) or id_card_check_char(v[:17]) != v[17]:
        raise ValidationError("请输入正确的18位居民身份证号码（含校验位）", code="invalid_id_card")


def _mask_keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


@dataclass(frozen=True)
class Kind:
    name: str
    normalise: Callable[[str], str]
    validate: Callable[[str], None]
    head: int  # characters kept visible at the start
    tail: int  # and at the end


KINDS: dict[str, Kind] = {
    PHONE: Kind(PHONE, _normalise_phone, _validate_phone, 3, 4),   # 138****1234
    ID_CARD: Kind(ID_CARD, _normalise_id, _validate_id, 4, 4),     # 3201**********1234
}


def mask(value: str | None, kind: str) -> str:
    """The masked form shown to everyone: phone 138****1234, ID card 3201**********1234."""
    if not value:
        return ""
    spec = KINDS[kind]
    return _mask_keep(spec.normalise(str(value)), spec.head, spec.tail)


class Masked(str):
    """A personal value as shown: the string is the mask; the plaintext travels along privately so
    that copying a value between rows (`a.phone = b.phone`, `refresh_from_db`) keeps the number."""

    _plain: str
    kind: str

    def __new__(cls, plain: str, kind: str) -> Self:
        obj = super().__new__(cls, mask(plain, kind))
        obj._plain = plain
        obj.kind = kind
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Masked, (self._plain, self.kind))


def _plain_of(value: Any) -> Any:
    return value._plain if isinstance(value, Masked) else value


class PersonalDescriptor(DeferredAttribute):
    """A data descriptor: reads give the mask, writes store the plaintext in the instance."""

    field: PersonalField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        plain = super().__get__(instance, cls)
        if not plain:
            return plain
        return Masked(plain, self.field.kind)

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = _plain_of(value)


class _BlankOnlyExact(lookups.Exact):
    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError("个人信息字段加密存储，不能直接比较；请用 core.personal.match() 按哈希精确查找")
        return super().get_prep_lookup()


class PersonalField(models.CharField):
    """A phone or ID-card number: SM4-encrypted in the column, masked on the instance (module doc).

    `kind` is PHONE or ID_CARD (normalisation, validation with a Chinese message, mask, and the
    associated data bound into the ciphertext). `reveal_roles` are the roles that may see the
    number unmasked through `reveal_personal` (default: the command centres); it is policy, not
    schema, so it is left out of migrations.
    """

    descriptor_class = PersonalDescriptor
    description = "SM4-encrypted personal data"

    def __init__(self, *args: Any, kind: str = PHONE, reveal_roles: tuple[str, ...] = COMMAND_ROLES,
                 **kwargs: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown personal data kind {kind!r}")
        self.kind = kind
        self.reveal_roles = tuple(reveal_roles)
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        self.validators.append(KINDS[kind].validate)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        plain = crypto.decrypt(value, self.kind) if crypto.is_encrypted(value) else value
        return Masked(plain, self.kind)  # values()/values_list() answer the mask too

    def get_prep_value(self, value: Any) -> Any:
        value = _plain_of(value)
        if value is None or value == "":
            return value
        value = str(value)
        if crypto.is_encrypted(value):
            return value
        return crypto.encrypt(self.normalise(value), self.kind)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        return model_instance.__dict__.get(self.attname)  # the plaintext, not the mask

    def value_to_string(self, obj: Any) -> str:
        """dumpdata and other serializers get the ciphertext: a backup keeps the number, never in clear."""
        return self.get_prep_value(obj.__dict__.get(self.attname)) or ""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _BlankOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def normalise(self, value: str) -> str:
        return KINDS[self.kind].normalise(value)

    def lookup_hash(self, value: Any) -> str:
        value = _plain_of(value)
        return crypto.lookup_hash(self.normalise(str(value)), self.kind) if value else ""

    def plaintext(self, instance: Any) -> str:
        """The stored number unmasked. Only `reveal_personal` (audited) and migrations call this."""
        return _plain_of(getattr(instance, self.attname)) or ""


class PersonalLookupField(models.CharField):
    """The keyed SM3 (HMAC-SM3) of a PersonalField's normalised value, kept in step on every save."""

    description = "HMAC-SM3 lookup hash of a personal field"

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        source = model_instance._meta.get_field(self.source)
        if source.attname not in model_instance.__dict__:  # deferred and untouched: keep the hash
            return getattr(model_instance, self.attname)
        value = source.lookup_hash(model_instance.__dict__[source.attname])
        setattr(model_instance, self.attname, value)
        return value


def personal_fields(model: type[models.Model]) -> list[PersonalField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, PersonalField)]


def match(model: type[models.Model], field: str, value: str) -> Q:
    """A Q matching rows whose `field` equals `value` (normalised), through the lookup hash column.

    Raises PlatformError when the field has no PersonalLookupField."""
    source = model._meta.get_field(field)
    if not isinstance(source, PersonalField):
        raise PlatformError(f"{model._meta.label}.{field} 不是个人信息字段", code="not_personal")
    for candidate in model._meta.concrete_fields:
        if isinstance(candidate, PersonalLookupField) and candidate.source == field:
            hashed = source.lookup_hash(value)
            return Q(**{candidate.name: hashed}) if hashed else Q(pk__in=[])
    raise PlatformError(f"{model._meta.label}.{field} 没有可查找的哈希列", code="no_lookup")


def reveal_personal(*, user: Any, obj: models.Model, field: str) -> str:
    """The unmasked value of `obj.<field>` for `user`, audited.

    Refuses with NotFound when the row is outside the user's scope (as if it did not exist), and
    with NotAllowed when the user holds none of the field's `reveal_roles`. Writes one audit row
    (action `reveal`, `after = {"field": field}`; the value itself is never logged).
    """
    from core import audit

    model = type(obj)
    try:
        spec = model._meta.get_field(field)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist; an unknown name is bad input
        spec = None
    if not isinstance(spec, PersonalField):
        raise PlatformError("该字段不是个人信息字段", code="not_personal", fields={"field": ["该字段不是个人信息字段"]})
    if not model.objects.visible_to(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise NotFound("对象不存在")
    if not has_role(user, spec.reveal_roles):
        raise NotAllowed(f"您的角色无权查看完整的{spec.verbose_name}")
    value = spec.plaintext(obj)
    audit.record_event("reveal", actor=user, model=model._meta.label, object_id=obj.pk, object_repr=str(obj)[:200],
                       division_code=audit.division_code_of(obj), after={"field": field})
    return value


def encrypt_existing(app_label: str, model_name: str, *fields: str) -> Callable[[Any, Any], None]:
    """A RunPython step that encrypts plaintext left in personal columns and fills their lookup
    hashes (rows already encrypted are skipped, so it is safe to run twice)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        quote = schema_editor.connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        for name in fields:
            field = model._meta.get_field(name)
            column = quote(field.column)
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> '' "  # noqa: S608
                               f"AND {column} NOT LIKE %s", [crypto.PREFIX + "%"])
                rows = cursor.fetchall()
            hash_field = next((f for f in model._meta.concrete_fields
                               if isinstance(f, PersonalLookupField) and f.source == name), None)
            for row_pk, plain in rows:
                values: dict[str, Any] = {name: plain}
                if hash_field is not None:
                    values[hash_field.name] = field.lookup_hash(plain)
                model._base_manager.filter(pk=row_pk).update(**values)

    return forward
