"""Page forms of the event pages: one small form per lifecycle action, built from the table.

`action_form(event, action, user, data=None, files=None)` builds the form for one action the user may
take now. Which fields are *required* comes from `events.lifecycle.TABLE` alone (`needs` of the rows of
that action from the event's current state that the user may take, `lifecycle.NEEDS`): `reason`,
`note`, `photo` (反馈: at least one photo), `until` (延期: the new deadline, turned into working hours by
the service), `rating`, `into` (the target event), `units` (the departments called). Where an action
has several outcomes (核查 passed / failed, 延期 approved / refused), a need of only one outcome is
optional on the form and the service refuses a missing one beside the field.

The form only displays those needs and collects input; `params()` turns it into `services.Params`, and
the service (`events.services.event_act`) enforces the same needs for every caller and decides.
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MultipleFileField, PlatformForm, SearchSelect, SearchSelectMultiple
from events import lifecycle
from events.choices import Level
from events.lifecycle import State
from events.models import Event, EventClass
from events.services import Params
from org.choices import UnitKind
from org.models import Unit

# Actions that cannot be taken back (or end the event's work): the button asks first (data-confirm).
CONFIRM = {
    "reject": _("确定不予受理？此操作不可撤回。"),
    "withdraw": _("确定撤销该事件？此操作不可撤回。"),
    "return": _("确定退单？事件将退回指挥中心重新派遣。"),
    "close": _("确定结案？"),
    "merge": _("确定合并到所填事件？此操作不可撤回。"),
    "suspend": _("确定挂起该事件？"),
    "verify": _("确定提交核查结论？"),
}
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic")
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """`<input type="datetime-local">` (the browser sends YYYY-MM-DDTHH:MM, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def rows_for(event: Event, action: str, user: Any) -> list[lifecycle.Transition]:
    """The table rows of `action` from the event's state that `user` may take (django-fsm's own check)."""
    return [t for t in lifecycle.transitions_from(event.state)
            if t.action == action and lifecycle.may_take(t, event, user)]


def needs_of(rows: list[lifecycle.Transition]) -> set[str]:
    """What every row needs (a need of only some outcomes is left to the service)."""
    if not rows:
        return set()
    common = set(rows[0].needs)
    for row in rows[1:]:
        common &= set(row.needs)
    return common


class ActionForm(PlatformForm):
    """One action's form; fields depend on the action and the event's state (see the module doc)."""

    def __init__(self, *args: Any, event: Event, action: str, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.event, self.action, self.user = event, action, user
        self.rows = rows_for(event, action, user)
        needs = needs_of(self.rows)
        add = self.fields.__setitem__
        if action in ("accept", "dispatch"):
            if action == "accept":
                add("category", forms.ModelChoiceField(
                    EventClass.objects.visible_to(user).filter(is_active=True).order_by("code"), required=False,
                    label=_("事件类别"), to_field_name="code", widget=SearchSelect(),
                    help_text=_("不改则按上报的类别")))
            add("unit", forms.ModelChoiceField(
                Unit.objects.visible_to(user).order_by("division_id", "order", "name"), required=False,
                label=_("承办单位（改派）"), widget=SearchSelect(),
                help_text=_("不选则按建议：%(unit)s") % {"unit": event.proposed_unit.name if event.proposed_unit
                                                        else "—"}))
            add("level", forms.ChoiceField(choices=[("", _("按建议")), *Level.choices], required=False,
                                           label=_("层级（改派）")))
            add("reason", forms.CharField(required=False, label=_("改派理由"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("改变建议的承办单位或层级时必填")))
            add("admission", forms.CharField(required=False, label=_("准入编号"), max_length=40,
                                             help_text=_("下派到乡镇且乡镇对该事项无主体责任时必填")))
        elif action == "extend" and event.state == State.EXTENSION_REQUESTED:
            add("approve", forms.TypedChoiceField(choices=[("yes", _("同意延期")), ("no", _("不同意延期"))],
                                                  coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                                  label=_("审批意见")))
            add("until", forms.DateTimeField(required=False, label=_("延期至"), input_formats=[DATETIME_LOCAL],
                                             widget=DateTimeLocalInput(), help_text=_("不填则按申请的时长")))
            add("reason", forms.CharField(required=False, label=_("理由"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("不同意延期时必填")))
        elif action == "extend":
            add("until", forms.DateTimeField(required="until" in needs, label=_("延期至"), input_formats=[DATETIME_LOCAL],
                                             widget=DateTimeLocalInput(),
                                             help_text=_("新的办结时限（按工作时间折算）")))
            add("reason", forms.CharField(required="reason" in needs, label=_("延期理由"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 2})))
        elif action == "verify":
            add("passed", forms.TypedChoiceField(choices=[("yes", _("核查通过")), ("no", _("核查不通过（返工）"))],
                                                 coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                                 label=_("核查结论")))
            add("reason", forms.CharField(required=False, label=_("不通过的理由"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("核查不通过时必填")))
            add("photos", MultipleFileField(required=False, label=_("照片"), extensions=PHOTO_EXTENSIONS))
        elif action == "rate":
            add("rating", forms.TypedChoiceField(choices=[(str(n), str(n)) for n in range(5, 0, -1)], coerce=int,
                                                 required="rating" in needs, label=_("评价（5 为最满意）")))
        elif action == "merge":
            add("into", forms.CharField(required="into" in needs, label=_("合并到的事件（编号或 #ID）"),
                                        max_length=20))
        elif action == "call":
            county = (event.county_id or event.division_id[:6] + "000000")
            add("units", forms.ModelMultipleChoiceField(
                Unit.objects.visible_to(user).filter(kind=UnitKind.COUNTY_DEPARTMENT, division_id=county)
                .order_by("order", "name"), required="units" in needs, label=_("呼叫的县级部门"),
                widget=SearchSelectMultiple()))
            add("reason", forms.CharField(required="reason" in needs, label=_("呼叫事由"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 2})))
            add("amount", forms.DecimalField(required=False, min_value=0, max_value=200, decimal_places=2,
                                             label=_("答复时限（工作小时）"), help_text=_("不填则为默认时限")))
        else:
            for need in ("reason", "note"):
                if need in needs or (need == "note" and action in ("feedback", "answer")):
                    label = {"feedback": _("处置情况"), "answer": _("答复内容")}.get(action, _("理由")) \
                        if need == "note" else _("理由")
                    add(need, forms.CharField(required=need in needs, label=label, max_length=2000,
                                              widget=forms.Textarea(attrs={"rows": 2})))
            if "photo" in needs:
                add("photos", MultipleFileField(label=_("处置后照片"), extensions=PHOTO_EXTENSIONS,
                                                help_text=_("至少一张，每张不超过 20 MB")))

    @property
    def label(self) -> str:
        if self.action == "extend" and self.event.state == State.EXTENSION_REQUESTED:
            return str(_("审批延期"))
        if self.action == "extend":
            return str(_("申请延期"))
        return str(lifecycle.Action(self.action).label)

    @property
    def confirm(self) -> str:
        return str(CONFIRM.get(self.action, ""))

    @property
    def multipart(self) -> bool:
        return "photos" in self.fields

    def clean_into(self) -> Event | None:
        text = (self.cleaned_data.get("into") or "").strip().lstrip("#")
        if not text:
            return None  # required or not, as the table says; the service refuses a missing target
        qs = Event.objects.visible_to(self.user)
        found = qs.filter(code=text).first() if len(text) == 17 else None
        if found is None and text.isdigit() and len(text) < 17:
            found = qs.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError(_("找不到该事件（或不在您的管辖范围内）"))
        return found

    def params(self) -> Params:
        d = self.cleaned_data
        return Params(
            note=d.get("note") or "", reason=d.get("reason") or "", passed=d.get("passed"),
            approve=d.get("approve"), amount=d.get("amount"), unit=d.get("unit"), level=d.get("level") or None,
            category=d["category"].code if d.get("category") else None, admission=d.get("admission") or None,
            rating=d.get("rating"), into=d.get("into"), units=list(d.get("units") or ()),
            photo_files=d.get("photos") or (), until=d.get("until"))


def action_forms(event: Event, user: Any, bound: ActionForm | None = None) -> list[ActionForm]:
    """A form for every action `user` may take on `event` now (`Event.available_actions`, i.e. the
    lifecycle table and its actor check), in table order; `bound` replaces its own action's form
    (a refused submission shown again with its messages and typed values)."""
    out = []
    for action in event.available_actions(user):
        if bound is not None and bound.action == action:
            out.append(bound)
        else:
            out.append(ActionForm(event=event, action=action, user=user))
    return out


class CallAnswerForm(PlatformForm):
    """答复 on the town-call inbox (the note is what the `answer` row of the table needs)."""

    note = forms.CharField(label=_("答复内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
