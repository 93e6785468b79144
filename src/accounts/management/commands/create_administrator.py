"""Create one of the three administrators (三员分立) of a new installation.

    manage.py create_administrator secadmin security_admin      # asks for the initial password
    ADMIN_PASSWORD=… manage.py create_administrator secadmin security_admin --password-from-env ADMIN_PASSWORD

The password must pass the policy; the administrator changes it and binds TOTP at the first
sign-in. Audited as created by `create_administrator`.
"""
from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import user_create
from core import audit
from core.errors import PlatformError
from core.roles import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "创建三员分立中的一名管理员（系统管理员、安全管理员或审计管理员）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ADMIN_ROLES))
        parser.add_argument("--display-name", default="")
        parser.add_argument("--password-from-env", metavar="VARIABLE",
                            help="read the initial password from this environment variable")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"], "")
        else:
            password = getpass.getpass("初始密码: ")
            if getpass.getpass("再次输入: ") != password:
                raise CommandError("两次输入的密码不一致")
        if not password:
            raise CommandError("请提供初始密码")
        label = dict(Role.choices)[options["role"]]
        try:
            with audit.acting_as(name="create_administrator", source="command"):
                user = user_create(username=options["username"], division_code=None, roles=[options["role"]],
                                   password=password, display_name=options["display_name"] or str(label))
        except PlatformError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建{label} {user.username}：首次登录须修改初始密码并绑定动态口令。")
