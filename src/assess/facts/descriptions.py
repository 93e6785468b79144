"""What users read about each fact (统计口径) on `/assess/config/`: a Chinese description per fact
code, and the Chinese name of what one counted item is. The English docstring of the fact's
function stays the developers' definition; these say the same in the users' language.
`tests/test_user_texts.py` fails when a registered fact has no description here."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ITEMS = {
    "event": _("事件"),
    "case": _("办件"),
    "patrol": _("巡查（网格·日）"),
    "grid": _("网格·日"),
    "dispatch": _("调度任务"),
    "call": _("呼叫（每个被呼叫部门一次）"),
}

DESCRIPTIONS = {
    # command centres
    "reports": _("本期上报的事件，计入上报所在层级（镇街或县级）的指挥中心。"),
    "reports_accepted_on_time": _("上报事件中，指挥中心在受理时限内作出受理或不予受理决定的事件。"),
    "filed": _("本期立案的事件，计入立案所在层级的指挥中心。"),
    "filed_dispatched_on_time": _("立案事件中，在立案环节规定的派遣时限内完成派遣的事件。"),
    "dispatches": _("本期派遣的事件，计入派遣所在层级的指挥中心。"),
    "dispatches_kept": _("派遣事件中，本期任何一次派遣都未被承办单位退单（派错）的事件；派遣、退单后再派遣的，按已退单计。"),
    # handling units
    "unit_dispatched": _("本期派遣给本单位的事件（以派遣环节指定的单位为准），即应处置数。"),
    "unit_handled": _("派遣给本单位的事件中，本单位人员在派遣后、统计截止时点前已作处置反馈的事件。"),
    "unit_handled_on_time": _("派遣给本单位的事件中，在当时有效的处置时限（派遣、批准延期或返工时限）内作处置反馈的事件。"),
    "unit_reworked": _("派遣给本单位的事件中，本单位反馈处置后至少一次核查未通过（返工）的事件；未处置即退单的不计返工。"),
    "unit_overdue": _("派遣给本单位的事件中，超过有效时限才反馈，或既未反馈也未退单而办结时限已过的事件。"),
    "unit_extended": _("派遣给本单位的事件中，本单位在派遣后申请延期并获批准的事件。"),
    "unit_returned": _("派遣给本单位的事件中，本单位在派遣后退单的事件。"),
    "unit_red_marked": _("派遣给本单位的事件中，在本单位承办期间被时限巡检标为红牌（超期）的事件。"),
    # towns and counties
    "region_filed": _("本期在本镇街（县）立案的事件，即应结案数。"),
    "region_closed": _("本期立案的事件中，统计截止时点前已结案的事件。"),
    "region_closed_on_time": _("本期立案的事件中，在办结时限（含批准的延期）内结案的事件。"),
    "region_dispatched": _("本期在本镇街（县）派遣的事件（结案率的另一种分母口径）。"),
    "region_dispatched_closed": _("本期派遣的事件中，统计截止时点前已结案的事件。"),
    "region_rated": _("本期在本镇街（县）收到评价的事件。"),
    "region_satisfied": _("收到评价的事件中，评价为满意或很满意（4分或5分）的事件。"),
    "region_escalated": _("本期立案的事件中，因超期或乡呼县应无人应答而向上一级升级的事件。"),
    "cases_completed": _("本期在本镇街（县）办结的办件。"),
    "cases_on_time": _("办结的办件中，没有任何环节超过时限完成的办件。"),
    # grid workers
    "worker_reports": _("网格员本期上报的事件（网格员上报和巡查发现两种渠道）。"),
    "worker_reports_valid": _("网格员上报的事件中，统计截止时点前已被指挥中心受理的事件（不含不予受理和待受理）。"),
    "worker_verify_due": _("网格员本人上报的事件中，处置反馈后核查时限落在本期、需由其到现场核实问题已解决的事件。"),
    "worker_verify_due_on_time": _("应核实的事件中，上报的网格员在核查时限内完成核查（通过或不通过）的事件。"),
    "worker_verifications": _("网格员本期完成的核查。"),
    "worker_verifications_on_time": _("网格员完成的核查中，不晚于处置反馈规定的核查时限的核查。"),
    "grid_filed": _("本期立案、位于网格员所在网格（网格长、成员或干部）内的事件。"),
    "grid_missed": _("网格内立案的事件中，首先由该网格团队以外的人（群众、12345热线、感知设备、其他网格的网格员）上报的事件，即本网格团队未发现的事件。"),
    "patrol_grid_days": _("本期网格员在自己的网格开始巡查的不同（网格，日）组合数（以巡查的主网格为准）。"),
    "grid_days_due": _("网格员负责的网格数（按当前在用网格）乘以本期天数（日巡查：每个网格每天一次）。"),
    # county departments (乡呼县应)
    "calls_received": _("乡呼县应：本期对本部门发起的呼叫（每次呼叫、每个被呼叫部门计一次）。"),
    "calls_reported_in_on_time": _("被呼叫次数中，本部门在报到时限内报到的呼叫。"),
    "calls_answered_on_time": _("被呼叫次数中，本部门在答复时限内答复的呼叫。"),
    # stationed bodies (调度权)
    "stationed_tasks": _("属地镇街调度派驻机构承担、本期到期的任务。"),
    "stationed_tasks_on_time": _("调度任务中，在到期时间前完成（以统计截止时点前的记录为准）的任务。"),
}
