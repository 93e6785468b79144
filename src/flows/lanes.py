"""The standard lane mapping (泳道映射): lane names used by the templates → who may act.

Seeded by migration 0002; edited in the admin by platform administrators (documented in
docs/architecture.md, section flows). Unit names match by "contains" (a town's 行政审批局 may be
named 东关街道行政审批局).
"""
from core.roles import Role

DEFAULT_LANES = [
    {"name": "受理窗口", "roles": [Role.DEPT_HANDLER], "unit_kinds": ["service_centre"],
     "unit_names": ["行政审批局", "综合服务中心"], "limit_amount": 1, "limit_unit": "days",
     "note": "行政审批局或综合服务中心的窗口人员"},
    {"name": "承办人", "roles": [Role.DEPT_HANDLER], "unit_kinds": [], "unit_names": [],
     "limit_amount": 5, "limit_unit": "days", "note": "镇街各局办的部门处置人员"},
    {"name": "审核人", "roles": [Role.DEPT_HANDLER, Role.LEADER], "unit_kinds": [], "unit_names": [],
     "limit_amount": 3, "limit_unit": "days", "note": "部门处置人员或领导"},
    {"name": "负责人", "roles": [Role.LEADER, Role.TOWN_COMMAND], "unit_kinds": [], "unit_names": [],
     "limit_amount": 2, "limit_unit": "days", "note": "分管领导或镇街指挥调度中心"},
    {"name": "执法队员", "roles": [Role.DEPT_HANDLER], "unit_kinds": [], "unit_names": ["综合执法局"],
     "limit_amount": 10, "limit_unit": "days", "note": "综合执法局执法人员"},
    {"name": "法制审核", "roles": [Role.DEPT_HANDLER, Role.LEADER], "unit_kinds": [],
     "unit_names": ["综合执法局", "党政办公室", "司法所"], "limit_amount": 3, "limit_unit": "days",
     "note": "法制审核人员（综合执法局、党政办公室或司法所）"},
    {"name": "网格员", "roles": [Role.GRID_WORKER], "unit_kinds": [], "unit_names": [],
     "limit_amount": 4, "limit_unit": "hours", "note": "网格员"},
]
