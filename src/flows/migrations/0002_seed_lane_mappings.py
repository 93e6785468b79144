"""Seed the standard lane mapping table (flows/lanes.py): 受理窗口, 承办人, 审核人, 负责人, 执法队员, 法制审核, 网格员."""
from decimal import Decimal

from django.db import migrations

LANES = [
    ("受理窗口", ["dept_handler"], ["service_centre"], ["行政审批局", "综合服务中心"], 1, "days",
     "行政审批局或综合服务中心的窗口人员"),
    ("承办人", ["dept_handler"], [], [], 5, "days", "镇街各局办的部门处置人员"),
    ("审核人", ["dept_handler", "leader"], [], [], 3, "days", "部门处置人员或领导"),
    ("负责人", ["leader", "town_command"], [], [], 2, "days", "分管领导或镇街指挥调度中心"),
    ("执法队员", ["dept_handler"], [], ["综合执法局"], 10, "days", "综合执法局执法人员"),
    ("法制审核", ["dept_handler", "leader"], [], ["综合执法局", "党政办公室", "司法所"], 3, "days",
     "法制审核人员（综合执法局、党政办公室或司法所）"),
    ("网格员", ["grid_worker"], [], [], 4, "hours", "网格员"),
]


def seed(apps, schema_editor):  # noqa: ANN001, ANN201
    LaneMapping = apps.get_model("flows", "LaneMapping")
    for name, roles, kinds, units, amount, unit, note in LANES:
        LaneMapping.objects.get_or_create(name=name, defaults=dict(
            roles=roles, unit_kinds=kinds, unit_names=units, limit_amount=Decimal(amount), limit_unit=unit, note=note))


def unseed(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("flows", "LaneMapping").objects.filter(name__in=[row[0] for row in LANES]).delete()


class Migration(migrations.Migration):
    dependencies = [("flows", "0001_process_maps_and_cases")]
    operations = [migrations.RunPython(seed, unseed)]
