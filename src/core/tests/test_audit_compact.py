"""Large JSON and text columns are audited as a compact change, so an audit row stays small."""
from __future__ import annotations

import json

import pytest

from core import audit
from core.crypto import sm3
from core.models import AuditLog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _apply_splice(old: list | str, change: dict) -> list | str:
    return old[:change["at"]] + change["insert"] + old[change["at"] + change["remove"]:]


def test_small_values_are_kept_as_they_are() -> None:
    assert audit.compact_change([1, 2], [1, 2, 3]) == ([1, 2], [1, 2, 3])


def test_appended_list_items_are_all_an_update_records() -> None:
    old = [{"seq": i, "lat": 32.39 + i / 1e5} for i in range(200)]
    new = old + [{"seq": 200, "lat": 32.4}, {"seq": 201, "lat": 32.41}]
    before, after = audit.compact_change(old, new, limit=1024)
    assert before == {"~": "digest", "sm3": sm3(_canonical(old)), "size": len(json.dumps(old, ensure_ascii=False))}
    assert after["~"] == "splice" and after["at"] == 200 and after["remove"] == 0 and len(after["insert"]) == 2
    assert _apply_splice(old, after) == new and after["sm3"] == sm3(_canonical(new))
    assert len(json.dumps(after)) < 400


def test_a_changed_stretch_of_long_text_is_recorded_as_a_splice() -> None:
    old = '{"type":"LineString","coordinates":[' + ",".join(f"[119.{i:04d},32.{i:04d}]" for i in range(300)) + "]}"
    new = old[:-2] + ",[119.9999,32.9999]]}"
    _before, after = audit.compact_change(old, new, limit=1024)
    assert after["insert"] == ",[119.9999,32.9999]" and _apply_splice(old, after) == new


def test_objects_record_only_changed_and_removed_keys() -> None:
    old = {"history": ["x" * 50] * 40, "state": "submitted", "gone": 1}
    new = {"history": ["x" * 50] * 41, "state": "approved"}
    _before, after = audit.compact_change(old, new, limit=1024)
    assert after["~"] == "keys" and after["unset"] == ["gone"]
    assert after["set"]["state"] == "approved" and after["set"]["history"]["~"] == "splice"


def test_an_update_of_a_row_with_a_large_json_column_writes_a_small_audit_row(settings) -> None:  # noqa: ANN001
    # catalog.Admission: a row with an append-only JSON history of review steps
    world = build_world()
    settings.AUDIT_INLINE_LIMIT = 1024
    user = world.users["county-user"]
    history = [{"step": i, "by": "county-user", "note": "审核意见" * 20} for i in range(30)]
    with audit.acting_as(user):
        admission = _make_admission(world, history)
        admission.history = history + [{"step": 30, "by": "county-user", "note": "同意"}]
        admission.save()
    row = AuditLog.objects.filter(model="catalog.Admission", action="update").get()
    assert row.after["history"]["insert"] == [{"step": 30, "by": "county-user", "note": "同意"}]
    assert len(json.dumps(row.before, ensure_ascii=False)) + len(json.dumps(row.after, ensure_ascii=False)) < 2000
    created = AuditLog.objects.filter(model="catalog.Admission", action="create").get()
    assert created.after["history"] == history  # the first image is whole


def _make_admission(world, history):  # noqa: ANN001, ANN202
    from catalog.models import Admission
    from org.models import Unit

    department = Unit.objects.create(division=world.county, name="广陵区城市管理局", kind="county_department")
    return Admission.objects.create(division=world.county, code="ZR-2026-001", department=department,
                                    title="测试交办任务", legal_basis="《测试条例》", history=history)


def test_record_event_names_actor_target_and_detail() -> None:
    world = build_world()
    user = world.users["outsider"]
    entry = audit.record_event("login_fail", target=user, detail={"ip": "10.0.0.1"}, source="web")
    assert (entry.action, entry.model, entry.object_id, entry.division_code, entry.after, entry.source) == \
        ("login_fail", "accounts.User", str(user.pk), world.town_a.code, {"ip": "10.0.0.1"}, "web")
    entry = audit.record_event("login", user=user)
    assert entry.actor_name == "outsider" and entry.get_action_display() == "登录"
    # the keyword form accounts uses: actor, model, object_id, after
    entry = audit.record_event("logout", actor=user, model="accounts.User", object_id=user.pk,
                               object_repr="outsider", after={"why": "idle"})
    assert (entry.actor_name, entry.object_id, entry.after, entry.division_code) == ("outsider", str(user.pk),
                                                                                     {"why": "idle"}, "")
