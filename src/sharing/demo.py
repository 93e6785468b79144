"""The sharing part of the Yangzhou demo: the published Open311 key `demo-open311-key` of 广陵区
(events:create, events:read; demo only — its service account is synthetic, so production refuses
it like every demo account) and the public Open311 services (the matter classes of DESIGN.md §4)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from core import audit
from sharing import keys, services
from sharing.choices import KeyScope
from sharing.models import ApiKey, Open311Service

DEMO_KEY = "demo-open311-key"
DEMO_DIVISION = "321002000000"  # 广陵区
PUBLIC_CLASSES = ["06010", "06011", "06012", "06017", "06036", "06042", "06045", "07003", "09005", "09006"]


def demo_key() -> ApiKey | None:
    return ApiKey.objects.filter(digest=keys.digest_of(DEMO_KEY)).first()


def load(say: Callable[[str], Any]) -> None:
    from accounts.models import User
    from events.models import EventClass

    if demo_key() is not None:
        say("Open311 演示密钥：已存在，跳过")
        return
    issuer = User.objects.filter(username="demo-secadmin").first()
    if issuer is None:
        say("Open311 演示密钥：缺少 demo-secadmin，跳过")
        return
    from divisions.models import Division

    with audit.acting_as(issuer, source="demo"):
        issued = services.apikey_create(user=issuer, name="Open311 演示客户端（广陵区）",
                                        division=Division.objects.get(code=DEMO_DIVISION),
                                        scopes=[KeyScope.EVENTS_CREATE, KeyScope.EVENTS_READ],
                                        expires_at=timezone.now() + dt.timedelta(days=700), text=DEMO_KEY,
                                        note="演示专用，生产模式下不可用")
        account = issued.key.user
        account.is_synthetic = True
        account.save(update_fields=["is_synthetic"])
        published = 0
        for cls in EventClass.objects.filter(code__in=PUBLIC_CLASSES):
            Open311Service.objects.get_or_create(event_class=cls, defaults={"public": True})
            published += 1
    say(f"Open311 演示密钥：{DEMO_KEY}（广陵区，可上报和读取事件）；公开服务 {published} 个")


def demo_lines() -> list[str]:
    """What `./run` prints about the demo key (nothing when it is not loaded)."""
    if demo_key() is None:
        return []
    return [f"  Open311 演示密钥（广陵区，演示专用）: {DEMO_KEY}   /open311/v2/services.json"]
