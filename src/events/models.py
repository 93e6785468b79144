"""Events (事件): classes, the event itself, its append-only steps and photos.

- EventClass (事件类别): GB/T 47678.5 5-digit class (大类 2 + 小类 3) with the catalog Matter it
  maps to, default severity and the time limit of each step. Reference data published by the
  city (REFERENCE on the city's division: readable below, writable only by the city).
- Event: one reported problem from any channel. Born only through `services.event_report`;
  every later change only through `services.event_act`, which takes a row of
  `events.lifecycle.TABLE` and writes with a compare-and-set on `version`.
- Step: the append-only history; one row per action (the report included), `seq` = the event's
  version after the step, so `(event, seq)` is unique and a lost race cannot write a step.
- EventPhoto: photos of the report or of a step (feedback), checked and stripped by
  `events.photos`, written to the default storage after commit.
- EventCounter: the 6-digit occurrence sequence per county and class (code assigned at 受理).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin
from django_fsm import Transition as FsmTransition

from core.personal import PHONE, PersonalField
from core.roles import COMMAND_ROLES
from core.scoping import OPERATIONAL, REFERENCE, ScopedModel
from events import lifecycle
from events.choices import Channel, ClassKind, Level, LimitUnit, LocationStatus, Severity
from events.lifecycle import State, StateKind


def _limit(label: Any, default: float) -> models.DecimalField:
    return models.DecimalField(label, max_digits=7, decimal_places=2, default=default)


def _unit(label: Any, default: str) -> models.CharField:
    return models.CharField(label, max_length=5, choices=LimitUnit.choices, default=default)


class EventClass(ScopedModel):
    """A 5-digit event class with its matter, default severity and step time limits.

    Each limit is an amount (fractions allowed) in working hours or working days
    (`core.workcal.due_time`). `handle_limit` (处置时限) is also the event's own deadline counted
    from the report (DESIGN.md §4: "exposed rubbish 4 working hours"). `old_codes` lists the
    two-level GB/T 30428 / CJ/T 214 codes that map to this class (comma separated, 4 digits).
    """

    division = models.ForeignKey("divisions.Division", verbose_name=_("发布区划"), on_delete=models.PROTECT,
                                 related_name="+")
    code = models.CharField(_("类别编码"), max_length=5, unique=True)
    name = models.CharField(_("类别名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=ClassKind.choices)
    major_name = models.CharField(_("大类名称"), max_length=50)
    matter = models.ForeignKey("catalog.Matter", verbose_name=_("对应职责事项"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="event_classes")
    severity = models.CharField(_("默认等级"), max_length=10, choices=Severity.choices, default=Severity.ORDINARY)
    accept_limit = _limit(_("受理时限"), 1)
    accept_unit = _unit(_("受理时限单位"), LimitUnit.HOURS)
    file_limit = _limit(_("立案时限"), 1)
    file_unit = _unit(_("立案时限单位"), LimitUnit.HOURS)
    dispatch_limit = _limit(_("派遣时限"), 1)
    dispatch_unit = _unit(_("派遣时限单位"), LimitUnit.HOURS)
    handle_limit = _limit(_("处置时限"), 1)
    handle_unit = _unit(_("处置时限单位"), LimitUnit.DAYS)
    verify_limit = _limit(_("核查时限"), 4)
    verify_unit = _unit(_("核查时限单位"), LimitUnit.HOURS)
    old_codes = models.CharField(_("旧编码(GB/T 30428/CJ/T 214)"), max_length=100, blank=True)
    duplicate_distance_m = models.PositiveIntegerField(_("疑似重复距离(米)"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("疑似重复时间窗(小时)"), default=24)
    is_active = models.BooleanField(_("启用"), default=True)

    scope_kind = REFERENCE

    class Meta:
        ordering = ["code"]
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major(self) -> str:
        return self.code[:2]

    def save(self, *args: Any, **kwargs: Any) -> None:
        from core import cachegen

        super().save(*args, **kwargs)
        cachegen.bump("events.classes")  # every process's class lookup (events.classes.active_classes)

    def limit(self, step: str) -> tuple[float, str]:
        """(amount, unit) of a step in `lifecycle.LIMIT_STEPS` ("accept", "file", … "verify")."""
        return float(getattr(self, f"{step}_limit")), getattr(self, f"{step}_unit")


class EventTransitions(FSMModelMixin):
    """The django-fsm transition methods (`do_accept`, `do_return`, …), one per action of
    `lifecycle.TABLE`, set below; only `services.event_act` calls them (through `take`)."""

    if TYPE_CHECKING:
        state: str

        def get_available_state_transitions(self) -> Iterator[FsmTransition]: ...
        def get_available_user_state_transitions(self, user: Any) -> Iterator[FsmTransition]: ...

    def take(self, action: str, outcome: str = "") -> None:
        """Move the in-memory state by the django-fsm method of `action` (TransitionNotAllowed if
        the table has no such row). Persisting is the service's compare-and-set."""
        getattr(self, lifecycle.method_name(action))(outcome=outcome)

    def available_actions(self, user: Any = None) -> list[str]:
        """The actions possible now (for `user`: only those they may take), in table order.

        What django-fsm's `get_available_user_state_transitions(user)` answers, with the user's
        actor kinds worked out once instead of once per transition (each transition's permission
        is "one of its `actors`", `lifecycle.fsm_methods`)."""
        # what is possible depends only on the state and the table's conditions (`lifecycle.WHEN`,
        # the transitions' only django-fsm conditions): asked of django-fsm once per combination
        key = (self.state, *(holds(self) for holds in lifecycle.WHEN.values()))
        found = _POSSIBLE.get(key)
        if found is None:
            actors: dict[str, set[str]] = {}
            for t in self.get_available_state_transitions():
                actors.setdefault(t.custom["action"], set()).update(t.custom["actors"])
            found = _POSSIBLE[key] = [(a, frozenset(actors[a])) for a in lifecycle.ACTIONS if a in actors]
        if user is None:
            return [a for a, _actors in found]
        kinds = lifecycle.actor_kinds(self, user)
        return [a for a, actors in found if not actors.isdisjoint(kinds)]


#: (state, each WHEN condition's truth) → [(action, actor kinds)] in table order, filled on first
#: use (`available_actions`)
_POSSIBLE: dict[tuple[Any, ...], list[tuple[str, frozenset[str]]]] = {}

for _name, _method in lifecycle.fsm_methods().items():
    setattr(EventTransitions, _name, _method)


class Event(EventTransitions, ScopedModel):
    """One reported problem through its lifecycle. See the module docstring and `lifecycle`."""

    code = models.CharField(_("事件编号"), max_length=17, null=True, blank=True, unique=True,
                            help_text=_("区划6位+类别5位+县内同类顺序号6位，受理时赋号"))
    # no index of its own: (event_class, reported_at) and (event_class, lat, lng) lead with it (migration 0009)
    event_class = models.ForeignKey(EventClass, verbose_name=_("事件类别"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="events", db_index=False)
    category_text = models.CharField(_("类别描述（待分类）"), max_length=200, blank=True)
    description = models.TextField(_("事件描述"))
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices, db_index=True)
    client_id = models.CharField(_("客户端编号"), max_length=100, blank=True)
    source_ref = models.CharField(_("来源单号"), max_length=100, blank=True,
                                  help_text=_("如巡查发现编号、热线工单号、告警编号"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上报人账号"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_events")
    reporter_name = models.CharField(_("上报人"), max_length=50, blank=True)
    # SM4-encrypted at rest, masked on read (138****1234); unmasked only through core.personal.reveal_personal
    # (audited). No lookup-hash column: nothing searches events by phone (add a PersonalLookupField if it must).
    reporter_phone = PersonalField(_("上报人电话"), kind=PHONE, reveal_roles=COMMAND_ROLES)
    lat = models.FloatField(_("纬度(WGS84)"), null=True, blank=True)
    lng = models.FloatField(_("经度(WGS84)"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    location_status = models.CharField(_("定位情况"), max_length=20, choices=LocationStatus.choices)
    candidates = models.JSONField(_("候选区划"), default=list, blank=True,
                                  help_text=_("地址有歧义时的候选区划 [{code, name, path}]"))
    division = models.ForeignKey("divisions.Division", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                                 related_name="events", help_text=_("能确定的最深一级区划"))
    grid = models.ForeignKey("grids.Grid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="events")
    village = models.ForeignKey("divisions.Division", verbose_name=_("村（社区）"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey("divisions.Division", verbose_name=_("乡镇（街道）"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("divisions.Division", verbose_name=_("县（市、区）"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    matter = models.ForeignKey("catalog.Matter", verbose_name=_("职责事项"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="events")
    proposed_unit = models.ForeignKey("org.Unit", verbose_name=_("建议承办单位"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    proposed_level = models.CharField(_("建议层级"), max_length=10, choices=Level.choices, default=Level.TOWN)
    unit = models.ForeignKey("org.Unit", verbose_name=_("承办单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="events")
    cooperating = models.JSONField(_("配合单位"), default=list, blank=True, help_text=_("[{id, name}]"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.TOWN, db_index=True)
    routing = models.JSONField(_("分拨依据"), default=dict, blank=True)
    severity = models.CharField(_("等级"), max_length=10, choices=Severity.choices, default=Severity.ORDINARY)
    priority = models.SmallIntegerField(_("优先级"), default=0, help_text=_("督办每次加一"))
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.REPORTED, protected=True)
    state_kind = models.CharField(_("状态类型"), max_length=10, choices=StateKind.choices, default=StateKind.OPEN)
    version = models.PositiveIntegerField(_("版本"), default=1)
    suspended_from = models.CharField(_("挂起前状态"), max_length=20, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now)  # indexed with division (Meta)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True,
                                  help_text=_("上报时间起按类别处置时限计算（工作时间），延期顺延"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True,
                                   help_text=_("办结时限的 80%（工作时间）；延期后为延期时长的 80%"))
    step_due_at = models.DateTimeField(_("当前环节时限"), null=True, blank=True)
    escalate_at = models.DateTimeField(
        _("超期升级时间"), null=True, blank=True,
        help_text=_("到此时仍未办结则升级到上一级指挥中心：先为办结时限，升级后为上级的处置时限；市级为空"))
    duplicate_of = models.JSONField(_("疑似重复"), default=list, blank=True,
                                    help_text=_("上报时发现的同类在办事件 id（同类、距离与时间窗内）"))
    called_units = models.JSONField(_("被呼叫未应答的部门"), default=list, blank=True,
                                    help_text=_("乡呼县应中尚未应答的县级部门 id"))
    due_provisional = models.BooleanField(_("时限按未公布年度推算"), default=False)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    merged_into = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_events")
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True, help_text=_("1–5"))
    is_synthetic = models.BooleanField(_("合成数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        constraints = [
            models.UniqueConstraint(fields=["channel", "client_id"], condition=~Q(client_id=""),
                                    name="events_one_event_per_channel_client_id"),
        ]
        indexes = [
            models.Index(fields=["division", "state_kind"], name="events_division_kind"),
            models.Index(fields=["state_kind", "due_at"], name="events_kind_due"),
            models.Index(fields=["event_class", "reported_at"], name="events_class_reported"),
            # the sweep: open events whose escalation time has passed
            models.Index(fields=["state_kind", "escalate_at"], name="events_kind_escalate"),
            # duplicates at intake: a bounding box on lat/lng within one class
            models.Index(fields=["event_class", "lat", "lng"], name="events_class_lat_lng"),
            # days of a subtree (the command screen's trend and today's figures, lists newest first):
            # the division in the index lets a range of days be counted without reading the rows
            models.Index(fields=["reported_at", "division"], name="events_reported_division"),
            models.Index(fields=["closed_at", "division"], name="events_closed_division",
                         condition=Q(closed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.code or f"事件#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state_kind == StateKind.OPEN


class Step(ScopedModel):
    """One action on an event (append-only): who, which unit, when, note, from → to, due_at."""

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="steps")
    seq = models.PositiveIntegerField(_("序号"), help_text=_("该步骤后事件的版本号"))
    action = models.CharField(_("动作"), max_length=20, choices=lifecycle.Action.choices)
    outcome = models.CharField(_("结果"), max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name=_("操作单位"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("说明"), blank=True)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    due_at = models.DateTimeField(_("下一环节时限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("时限按未公布年度推算"), default=False)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["event_id", "seq"]
        verbose_name = _("事件步骤")
        verbose_name_plural = _("事件步骤")
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="events_one_step_per_version")]
        # Assessment's facts count one action over a period (assess.facts._steps): on a year of
        # events the `at` index alone read every step of the month and threw away ~88 % (measured).
        indexes = [models.Index(fields=["action", "at"], name="events_step_action_at")]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.seq} {self.action}"  # audit object_repr: no lazy choice lookup


class EventPhoto(ScopedModel):
    """A photo of a report (`step` null … the report step) or of a later step (feedback).

    `path` / `thumbnail` are paths in the default storage (text, so audit snapshots stay JSON);
    the file is re-encoded without EXIF (orientation applied), the GPS position kept here.
    """

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="photos")
    # No database constraint: steps are partitioned by month on PostgreSQL (core/partitions.py).
    step = models.ForeignKey(Step, verbose_name=_("步骤"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="photos", db_constraint=False)
    path = models.CharField(_("文件"), max_length=255)
    thumbnail = models.CharField(_("缩略图"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=30)
    size = models.PositiveIntegerField(_("大小(字节)"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    gps_lat = models.FloatField(_("拍摄纬度"), null=True, blank=True)
    gps_lng = models.FloatField(_("拍摄经度"), null=True, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["event_id", "id"]
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")

    def __str__(self) -> str:
        return self.path


class EventCounter(ScopedModel):
    """Last occurrence number per county and class (the 6-digit tail of the event code)."""

    division = models.ForeignKey("divisions.Division", verbose_name=_("县（市、区）"), on_delete=models.PROTECT,
                                 related_name="+")
    class_code = models.CharField(_("类别编码"), max_length=5)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    scope_kind = OPERATIONAL

    class Meta:
        verbose_name = _("事件编号计数")
        verbose_name_plural = _("事件编号计数")
        constraints = [models.UniqueConstraint(fields=["division", "class_code"], name="events_one_counter")]

    def __str__(self) -> str:
        return f"{self.division_id}/{self.class_code}: {self.last}"


class Mark(models.TextChoices):
    YELLOW = "yellow", _("黄牌预警（已用时限 80%）")
    RED = "red", _("红牌超期")


class DeadlineMark(ScopedModel):
    """A warning (yellow at 80 % of the working time allowed) or an overdue mark (red), stored
    by the sweep (`services.deadlines_sweep`) for assessment. One per event, colour and deadline
    (`due_at`: the deadline it concerns, so an extension makes a new round)."""

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="marks")
    colour = models.CharField(_("预警"), max_length=10, choices=Mark.choices)
    due_at = models.DateTimeField(_("所涉时限"))
    mark_at = models.DateTimeField(_("预警点"), help_text=_("黄牌为 80% 时点，红牌为时限"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    unit = models.ForeignKey("org.Unit", verbose_name=_("承办单位"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["event_id", "mark_at"]
        verbose_name = _("时限预警")
        verbose_name_plural = _("时限预警")
        constraints = [models.UniqueConstraint(fields=["event", "colour", "due_at"], name="events_one_mark_per_round")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.colour} {self.due_at:%Y-%m-%d %H:%M}"


class EscalationCause(models.TextChoices):
    OVERDUE = "overdue", _("超期未办结")
    CALL = "call", _("乡呼县应未应答")


class Escalation(ScopedModel):
    """An escalation one level up (town → county → city), written by the sweep with the step it
    causes. Overdue: unique per event, target level and the deadline that passed (`due_at`), so
    no sweep can escalate the same round twice; a call: unique per called department."""

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="escalations")
    cause = models.CharField(_("原因"), max_length=10, choices=EscalationCause.choices)
    from_level = models.CharField(_("原层级"), max_length=10, choices=Level.choices)
    to_level = models.CharField(_("升级到"), max_length=10, choices=Level.choices)
    due_at = models.DateTimeField(_("超过的时限"))
    at = models.DateTimeField(_("升级时间"), default=timezone.now)
    seq = models.PositiveIntegerField(_("步骤序号"), null=True, blank=True)
    call_department = models.ForeignKey("CallDepartment", verbose_name=_("被呼叫部门"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="escalations")

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["event_id", "at"]
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        constraints = [
            models.UniqueConstraint(fields=["event", "to_level", "due_at"], condition=Q(cause="overdue"),
                                    name="events_one_escalation_per_round"),
            models.UniqueConstraint(fields=["call_department"], condition=Q(call_department__isnull=False),
                                    name="events_one_escalation_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.from_level}→{self.to_level}"


class TownCall(ScopedModel):
    """乡呼县应 (吹哨): a town centre calls one or more county departments on an event, with a reason."""

    event = models.ForeignKey(Event, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="calls")
    reason = models.TextField(_("呼叫事由"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("呼叫人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    called_by_name = models.CharField(_("呼叫人姓名"), max_length=150, blank=True)
    at = models.DateTimeField(_("呼叫时间"), default=timezone.now)
    seq = models.PositiveIntegerField(_("步骤序号"))

    scope_lookup = "event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["event_id", "at"]
        verbose_name = _("乡呼县应")
        verbose_name_plural = _("乡呼县应")

    def __str__(self) -> str:
        return f"{self.event_id} 呼叫#{self.seq}"


class CallOutcome(models.TextChoices):
    PENDING = "pending", _("待报到")
    REPORTED_IN = "reported_in", _("已报到待答复")
    ANSWERED = "answered", _("已按时答复")
    UNANSWERED = "unanswered", _("未按时应答（已升级）")
    ANSWERED_LATE = "answered_late", _("逾期答复")


class CallDepartment(ScopedModel):
    """One called county department: must report in (报到) by `report_in_due` and answer by
    `answer_due` (working time from the call); otherwise the sweep marks it unanswered and
    escalates the call to the county centre. Each time is recorded."""

    call = models.ForeignKey(TownCall, verbose_name=_("呼叫"), on_delete=models.PROTECT, related_name="departments")
    unit = models.ForeignKey("org.Unit", verbose_name=_("县级部门"), on_delete=models.PROTECT, related_name="+")
    report_in_due = models.DateTimeField(_("报到时限"))
    answer_due = models.DateTimeField(_("答复时限"))
    reported_in_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报到人"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(_("答复"), blank=True)
    outcome = models.CharField(_("结果"), max_length=15, choices=CallOutcome.choices, default=CallOutcome.PENDING)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    scope_lookup = "call__event__division__code"
    scope_kind = OPERATIONAL

    class Meta:
        ordering = ["call_id", "id"]
        verbose_name = _("被呼叫部门")
        verbose_name_plural = _("被呼叫部门")
        constraints = [models.UniqueConstraint(fields=["call", "unit"], name="events_one_answer_per_unit")]
        indexes = [models.Index(fields=["outcome", "answer_due"], name="events_call_open_due")]

    def __str__(self) -> str:
        return f"{self.call_id}/{self.unit_id} {self.outcome}"
