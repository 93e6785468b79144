"""Events API serializers: one input serializer per operation, one output shape for an event."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.serializers import FieldsOncePerThread
from core.downloads import file_url
from events import lifecycle
from events.choices import API_CHANNELS, Level, LimitUnit, Severity
from events.models import Event, EventClass, EventPhoto, Step


def _division(d: Any) -> dict[str, str] | None:
    return {"code": d.code, "name": d.name} if d is not None else None


_DT = serializers.DateTimeField()


def _time(value: Any) -> str | None:
    return _DT.to_representation(value) if value is not None else None


def _ref(obj: Any, name: str) -> dict[str, Any] | None:
    """{id, name} of a cached related row (select_related), or None."""
    related = getattr(obj, name)
    return {"id": related.pk, "name": related.name} if related is not None else None


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise, not to call. `Event.reporter_phone` is a PersonalField and
    reads masked already; this stays for plain strings."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ("****" if phone else "")


class EventClassSerializer(serializers.ModelSerializer):
    matter = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()

    class Meta:
        model = EventClass
        fields = ["id", "code", "name", "kind", "major_name", "matter", "severity", "limits", "old_codes", "is_active"]

    def get_matter(self, obj: EventClass) -> str | None:
        return obj.matter.code if obj.matter else None

    def get_limits(self, obj: EventClass) -> dict[str, dict[str, Any]]:
        return {step: {"amount": amount, "unit": unit} for step in lifecycle.LIMIT_STEPS
                for amount, unit in [obj.limit(step)]}


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = EventPhoto
        fields = ["id", "url", "thumbnail_url", "content_type", "size", "width", "height", "gps_lat", "gps_lng"]

    def to_representation(self, obj: EventPhoto) -> dict[str, Any]:
        """Written out by hand: a ModelSerializer builds its fields per instance, which costs more
        than the whole intake (profiled); the declared fields still document the shape."""
        return {"id": obj.pk, "url": self.get_url(obj), "thumbnail_url": self.get_thumbnail_url(obj),
                "content_type": obj.content_type, "size": obj.size, "width": obj.width, "height": obj.height,
                "gps_lat": obj.gps_lat, "gps_lng": obj.gps_lng}

    def get_url(self, obj: EventPhoto) -> str:
        """The scoped address of the photo (`core.downloads`), root-relative."""
        return file_url("event-photo", obj.pk)

    def get_thumbnail_url(self, obj: EventPhoto) -> str:
        """The scoped address of its thumbnail (JPEG), root-relative."""
        return file_url("event-photo", obj.pk, "thumb")


class StepSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = Step
        fields = ["seq", "action", "action_label", "outcome", "actor_name", "unit", "at", "note", "from_state",
                  "to_state", "level", "due_at", "due_provisional", "data", "photos"]

    def to_representation(self, obj: Step) -> dict[str, Any]:
        return {"seq": obj.seq, "action": obj.action, "action_label": str(lifecycle.Action(obj.action).label),
                "outcome": obj.outcome, "actor_name": obj.actor_name, "unit": self.get_unit(obj), "at": _time(obj.at),
                "note": obj.note, "from_state": obj.from_state, "to_state": obj.to_state, "level": obj.level,
                "due_at": _time(obj.due_at), "due_provisional": obj.due_provisional, "data": obj.data,
                "photos": self.get_photos(obj)}

    def get_unit(self, obj: Step) -> dict[str, Any] | None:
        return _ref(obj, "unit") if obj.unit_id else None

    def get_photos(self, obj: Step) -> list[dict[str, Any]]:
        given = self.context.get("photos")
        rows = obj.photos.all() if given is None else [p for p in given if p.step_id == obj.pk]
        photo = PhotoSerializer()
        return [photo.to_representation(p) for p in rows]


class EventSerializer(serializers.ModelSerializer):
    """An event as the API answers it. `allowed`: the actions the requesting user may take now."""

    category = serializers.SerializerMethodField()
    category_name = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    grid = serializers.SerializerMethodField()
    village = serializers.SerializerMethodField()
    town = serializers.SerializerMethodField()
    county = serializers.SerializerMethodField()
    division = serializers.SerializerMethodField()
    matter = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    proposed_unit = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "code", "state", "state_label", "state_kind", "category", "category_name", "category_text",
                  "description", "channel", "client_id", "reporter_name", "reporter_phone", "lat", "lng", "address",
                  "location_status", "candidates", "grid", "village", "town", "county", "division", "matter",
                  "unit", "proposed_unit", "proposed_level", "level", "cooperating", "routing", "severity",
                  "priority", "version", "reported_at", "due_at", "warn_at", "escalate_at", "step_due_at", "due_provisional",
                  "accepted_at",
                  "filed_at", "dispatched_at", "closed_at", "return_count", "rework_count", "extension_count",
                  "supervision_count", "merged_into", "rating", "is_synthetic", "allowed"]

    def to_representation(self, obj: Event) -> dict[str, Any]:
        """By hand, in `Meta.fields` order (see PhotoSerializer.to_representation for why)."""
        cls = obj.event_class if obj.event_class_id else None
        return {
            "id": obj.pk, "code": obj.code, "state": obj.state, "state_label": str(lifecycle.State(obj.state).label),
            "state_kind": obj.state_kind, "category": cls.code if cls else None,
            "category_name": cls.name if cls else None, "category_text": obj.category_text,
            "description": obj.description, "channel": obj.channel, "client_id": obj.client_id,
            "reporter_name": obj.reporter_name, "reporter_phone": str(obj.reporter_phone or ""), "lat": obj.lat,
            "lng": obj.lng, "address": obj.address, "location_status": obj.location_status,
            "candidates": obj.candidates, "grid": self.get_grid(obj),
            "village": _division(obj.village) if obj.village_id else None,
            "town": _division(obj.town) if obj.town_id else None,
            "county": _division(obj.county) if obj.county_id else None,
            "division": _division(obj.division), "matter": obj.matter.code if obj.matter_id and obj.matter else None,
            "unit": _ref(obj, "unit") if obj.unit_id else None,
            "proposed_unit": _ref(obj, "proposed_unit") if obj.proposed_unit_id else None,
            "proposed_level": obj.proposed_level, "level": obj.level, "cooperating": obj.cooperating,
            "routing": obj.routing, "severity": obj.severity, "priority": obj.priority, "version": obj.version,
            "reported_at": _time(obj.reported_at), "due_at": _time(obj.due_at), "warn_at": _time(obj.warn_at),
            "escalate_at": _time(obj.escalate_at),
            "step_due_at": _time(obj.step_due_at), "due_provisional": obj.due_provisional,
            "accepted_at": _time(obj.accepted_at), "filed_at": _time(obj.filed_at),
            "dispatched_at": _time(obj.dispatched_at), "closed_at": _time(obj.closed_at),
            "return_count": obj.return_count, "rework_count": obj.rework_count,
            "extension_count": obj.extension_count, "supervision_count": obj.supervision_count,
            "merged_into": obj.merged_into_id, "rating": obj.rating, "is_synthetic": obj.is_synthetic,
            "allowed": self.get_allowed(obj),
        }

    def get_category(self, obj: Event) -> str | None:
        return obj.event_class.code if obj.event_class else None

    def get_category_name(self, obj: Event) -> str | None:
        return obj.event_class.name if obj.event_class else None

    def get_grid(self, obj: Event) -> dict[str, Any] | None:
        return {"id": obj.grid_id, "code": obj.grid.code, "name": obj.grid.name} if obj.grid else None

    def get_village(self, obj: Event) -> dict[str, str] | None:
        return _division(obj.village)

    def get_town(self, obj: Event) -> dict[str, str] | None:
        return _division(obj.town)

    def get_county(self, obj: Event) -> dict[str, str] | None:
        return _division(obj.county)

    def get_division(self, obj: Event) -> dict[str, str] | None:
        return _division(obj.division)

    def get_matter(self, obj: Event) -> str | None:
        return obj.matter.code if obj.matter else None

    def get_unit(self, obj: Event) -> dict[str, Any] | None:
        return {"id": obj.unit_id, "name": obj.unit.name} if obj.unit else None

    def get_proposed_unit(self, obj: Event) -> dict[str, Any] | None:
        return {"id": obj.proposed_unit_id, "name": obj.proposed_unit.name} if obj.proposed_unit else None

    def get_reporter_phone(self, obj: Event) -> str:
        return str(obj.reporter_phone or "")  # the field reads masked (core.personal); reveal is audited

    def get_allowed(self, obj: Event) -> list[str]:
        request = self.context.get("request")
        return obj.available_actions(getattr(request, "user", None))


class EventDetailSerializer(EventSerializer):
    """The event with its timeline, photos, duplicate candidates, deadline marks (yellow / red),
    escalations and town calls (each called department with its times)."""

    timeline = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    duplicate_of = serializers.SerializerMethodField()
    marks = serializers.SerializerMethodField()
    escalations = serializers.SerializerMethodField()
    calls = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "timeline", "photos", "duplicate_of", "marks", "escalations", "calls"]

    def to_representation(self, obj: Event) -> dict[str, Any]:
        out = super().to_representation(obj)
        out.update(timeline=self.get_timeline(obj), photos=self.get_photos(obj), duplicate_of=self.get_duplicate_of(obj))
        if self.context.get("steps") is None:  # a new report has none of these: no queries on the intake path
            out.update(marks=self.get_marks(obj), escalations=self.get_escalations(obj), calls=self.get_calls(obj))
        else:
            out.update(marks=[], escalations=[], calls=[])
        return out

    def get_marks(self, obj: Event) -> list[dict[str, Any]]:
        return [{"colour": m.colour, "due_at": _time(m.due_at), "mark_at": _time(m.mark_at), "level": m.level,
                 "at": _time(m.at)} for m in obj.marks.all()]

    def get_escalations(self, obj: Event) -> list[dict[str, Any]]:
        return [{"cause": e.cause, "from_level": e.from_level, "to_level": e.to_level, "due_at": _time(e.due_at),
                 "at": _time(e.at), "call_department": e.call_department_id} for e in obj.escalations.all()]

    def get_calls(self, obj: Event) -> list[dict[str, Any]]:
        from events.models import CallDepartment

        rows = CallDepartment.objects.filter(call__event=obj).select_related("call", "unit").order_by("call__at", "id")
        return [{"id": r.pk, "call": r.call_id, "reason": r.call.reason, "called_at": _time(r.call.at),
                 "unit": {"id": r.unit_id, "name": r.unit.name}, "outcome": r.outcome,
                 "report_in_due": _time(r.report_in_due), "reported_in_at": _time(r.reported_in_at),
                 "answer_due": _time(r.answer_due), "answered_at": _time(r.answered_at), "answer": r.answer,
                 "escalated_at": _time(r.escalated_at)} for r in rows]

    def get_timeline(self, obj: Event) -> list[dict[str, Any]]:
        from events.selectors import timeline

        steps = self.context.get("steps")  # a new report passes what it wrote: no re-read
        step = StepSerializer(context={"photos": self.context.get("photos")})
        return [step.to_representation(s) for s in (timeline(obj) if steps is None else steps)]

    def get_photos(self, obj: Event) -> list[dict[str, Any]]:
        given = self.context.get("photos")
        rows = obj.photos.filter(step__seq=1) if given is None else given
        photo = PhotoSerializer()
        return [photo.to_representation(p) for p in rows]

    def get_duplicate_of(self, obj: Event) -> list[int]:
        return list(self.context.get("duplicate_of", obj.duplicate_of or []))


class EventReportSerializer(FieldsOncePerThread, serializers.Serializer):
    """`POST /api/events/` (JSON or multipart with `photos` files)."""

    category = serializers.CharField(required=False, allow_blank=True, max_length=5,
                                     help_text="5 位类别编码，如 06010（旧 4 位编码自动对应）；可空，空时填 category_text")
    category_text = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(max_length=5000)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    crs = serializers.ChoiceField(choices=["wgs84", "gcj02"], default="wgs84")
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    channel = serializers.ChoiceField(choices=API_CHANNELS, help_text="open311 只由 /open311/v2/ 写入")
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True)
    source_ref = serializers.CharField(required=False, allow_blank=True, max_length=100)
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   help_text="照片（multipart）；feedback 须至少一张处置后照片")


class EventActSerializer(serializers.Serializer):
    """`POST /api/events/{id}/{action}/`. Which fields an action needs is in `events.lifecycle.TABLE`
    (`needs`, enforced by `services.event_act`; the operation's description lists them)."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="verify: 核查是否通过")
    approve = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="extend: 指挥中心是否同意")
    amount = serializers.DecimalField(required=False, allow_null=True, max_digits=7, decimal_places=2,
                                      help_text="extend: 延期时长")
    unit_of_amount = serializers.ChoiceField(choices=LimitUnit.choices, default=LimitUnit.HOURS)
    until = serializers.DateTimeField(required=False, allow_null=True,
                                      help_text="extend: 延期至（新的办结时限；代替 amount，按工作时间折算）")
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="accept/dispatch: 承办单位 id")
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True, max_length=5, help_text="accept: 事件类别")
    admission = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="下派所依据的准入编号")
    rating = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    into = serializers.IntegerField(required=False, allow_null=True, help_text="merge: 合并到的事件 id")
    units = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=20,
                                  help_text="call: 被呼叫的县级部门 id（乡呼县应；amount 为答复时限，工作小时）")
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   help_text="照片（multipart）；feedback 须至少一张处置后照片")


class RoutingGapSerializer(serializers.Serializer):
    town = serializers.CharField()
    town_name = serializers.CharField()
    event_class = serializers.CharField()
    class_name = serializers.CharField()
    matter = serializers.CharField()
    reason = serializers.CharField()
