"""Every catalog service leaves audit records (actor, before, after) for what it writes."""
import datetime as dt

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Admission, Assignment, ItemList, ListVersion, PowerChange
from catalog.tests.factory import build_catalog
from core.models import AuditLog
from core.testing.world import build_world

pytestmark = pytest.mark.django_db


def _log(obj, action="create"):  # noqa: ANN001, ANN202
    return AuditLog.objects.filter(model=obj._meta.label, object_id=str(obj.pk), action=action).order_by("-id").first()


def test_list_services_are_audited_with_their_user():
    cat = build_catalog(build_world())
    county_list = cat.lists["county-enforcement"]
    assert _log(county_list).actor_name == "reform-321002"
    first = ListVersion.objects.filter(item_list=county_list).first()
    assert _log(first).after["entries"][0]["op"] == "add"
    town_list = cat.lists["b-enforcement"]
    assert _log(town_list).after["base_id"] == county_list.pk
    version = services.list_import(item_list=town_list, rows=[{"code": "CG-CF-001", "note": ""}],
                                   effective_date=timezone.localdate(), reason="按文件", user=cat.reform)
    log = _log(version)
    assert log.actor_name == "reform-321002" and log.after["source"] == "import" and log.before is None


def test_admission_and_assignment_services_are_audited():
    cat = build_catalog(build_world())
    a = services.admission_file(department=cat.units["321002-cgj"], title="任务", legal_basis="依据", user=cat.dept)
    assert _log(a).actor_name == "dept-321002" and _log(a).after["state"] == "submitted"
    services.admission_review(admission=a, decision="return", reason="补材料", user=cat.reform)
    log = _log(a, "update")
    assert (log.actor_name, log.before["state"], log.after["state"]) == ("reform-321002", "submitted", "returned")
    services.admission_resubmit(admission=a, reason="已补", user=cat.dept)
    services.admission_withdraw(admission=Admission.objects.get(pk=a.pk), reason="不再需要", user=cat.dept)
    log = _log(a, "update")
    assert (log.actor_name, log.before["state"], log.after["state"]) == ("dept-321002", "submitted", "withdrawn")
    b = services.admission_file(department=cat.units["321002-cgj"], title="任务二", legal_basis="依据", user=cat.dept)
    services.admission_review(admission=b, decision="approve", reason="同意", user=cat.reform)
    t = services.assignment_create(town=cat.world.town_b, admission=b.code, title="交办", user=cat.dept)
    assert _log(t).actor_name == "dept-321002" and _log(t).after["admission_id"] == b.pk
    assert Assignment.objects.count() == 1


def test_change_services_are_audited():
    cat = build_catalog(build_world())
    c = services.change_file(kind="delegation", town=cat.world.town_b, item=cat.items["CG-CF-003"], reason="赋权",
                             effective_date=timezone.localdate() + dt.timedelta(days=3), user=cat.reform)
    assert _log(c).after["op"] == "add"
    services.change_department_opinion(change=c, agree=True, opinion="同意", user=cat.dept)
    services.change_decide(change=c, decision="return", reason="请补充", user=cat.reform)
    services.change_resubmit(change=c, reason="已补充", user=cat.reform)
    services.change_withdraw(change=PowerChange.objects.get(pk=c.pk), reason="撤回", user=cat.reform)
    steps = [(row.actor_name, (row.before or {}).get("state"), row.after["state"])
             for row in AuditLog.objects.filter(model="catalog.PowerChange", object_id=str(c.pk), action="update")
             .order_by("id")]
    assert steps == [("dept-321002", "submitted", "dept_reviewed"), ("reform-321002", "dept_reviewed", "returned"),
                     ("reform-321002", "returned", "submitted"), ("reform-321002", "submitted", "withdrawn")]
    assert ItemList.objects.filter(pk=cat.lists["b-enforcement"].pk).exists()
