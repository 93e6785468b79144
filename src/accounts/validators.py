"""Password policy validators with Chinese messages (settings.AUTH_PASSWORD_VALIDATORS).

The common-password list (Django's CommonPasswordValidator, 20,000 entries) and the similarity
to the account's names come from Django; these add what 等保 level 3 inspections ask for: a
minimum length, three of four character classes, and no reuse of the last N passwords.
"""
from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class MinimumLengthValidator:
    """At least `min_length` characters (Django's check; its message is not translated in 5.2)."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, other symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        kinds = [any(c in string.ascii_uppercase for c in password),
                 any(c in string.ascii_lowercase for c in password),
                 any(c.isdigit() for c in password),
                 any(not c.isalnum() or not c.isascii() for c in password)]
        return sum(kinds)

    def validate(self, password: str, user: Any = None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号四类中的 {self.min_classes} 类。",
                code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号四类中的 {self.min_classes} 类。"


class PasswordHistoryValidator:
    """The new password may not equal the current one or any of the `history - 1` before it.

    `password_changed()` (called by Django after a password is saved) keeps the history.
    """

    def __init__(self, history: int = 5) -> None:
        self.history = history

    def _recent_hashes(self, user: Any) -> list[str]:
        if user is None or getattr(user, "pk", None) is None:
            return []
        from accounts.models import PasswordHistory, User

        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [stored] if stored else []
        hashes += list(PasswordHistory.objects.filter(user_id=user.pk)
                       .order_by("-created_at", "-id").values_list("password", flat=True)[: self.history])
        unique: list[str] = []
        for h in hashes:
            if h not in unique:
                unique.append(h)
        return unique[: self.history]

    def validate(self, password: str, user: Any = None) -> None:
        for encoded in self._recent_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(f"新密码不能与最近 {self.history} 次使用过的密码相同。",
                                      code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None or not user.password:
            return
        from accounts.models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = list(PasswordHistory.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
                    .values_list("pk", flat=True)[: self.history])
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=keep).delete()

    def get_help_text(self) -> str:
        return f"不能使用最近 {self.history} 次使用过的密码。"
