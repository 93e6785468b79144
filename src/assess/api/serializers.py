"""API shapes of assessment. Writes go through the services; serializers only read input."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assess.models import (
    AppointmentSuggestion,
    AssessReport,
    DualScore,
    IndicatorVersion,
    Result,
    Run,
    SchemeVersion,
    Score,
    StationedDispatch,
)
from core.api.serializers import ScopedModelSerializer


class IndicatorVersionSerializer(ScopedModelSerializer):
    class Meta:
        model = IndicatorVersion
        fields = ["id", "division", "code", "name", "subject_type", "numerator", "denominator", "direction",
                  "valid_from", "version", "note", "recorded_at"]
        read_only_fields = ["version", "recorded_at", "subject_type"]
        extra_kwargs = {"numerator": {"required": False}, "denominator": {"required": False},
                        "name": {"required": False}, "direction": {"required": False}}


class SchemeVersionSerializer(ScopedModelSerializer):
    class Meta:
        model = SchemeVersion
        fields = ["id", "division", "name", "subject_type", "valid_from", "version", "weights", "grades",
                  "town_share", "recorded_at"]
        read_only_fields = ["version", "recorded_at"]
        extra_kwargs = {"name": {"required": False}, "grades": {"required": False}}


class ResultSerializer(ScopedModelSerializer):
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    indicator_version = serializers.IntegerField(source="indicator.version", read_only=True)
    numerator_fact = serializers.CharField(source="indicator.numerator", read_only=True)
    denominator_fact = serializers.CharField(source="indicator.denominator", read_only=True)

    class Meta:
        model = Result
        fields = ["id", "division", "subject_type", "subject_key", "subject_name", "period_kind", "period_start",
                  "period_end", "code", "indicator", "indicator_name", "indicator_version", "numerator_fact",
                  "denominator_fact", "numerator", "denominator", "value", "revision", "reason", "as_of",
                  "computed_at"]
        read_only_fields = fields


class ScoreSerializer(ScopedModelSerializer):
    class Meta:
        model = Score
        fields = ["id", "division", "subject_type", "subject_key", "subject_name", "period_kind", "period_start",
                  "scheme", "score", "grade", "components", "revision", "computed_at"]
        read_only_fields = fields


class RunSerializer(ScopedModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Run
        fields = ["id", "division", "period_kind", "period_start", "status", "done", "total", "percent", "stored",
                  "error", "created_at", "finished_at"]
        read_only_fields = ["status", "done", "total", "stored", "error", "created_at", "finished_at"]


class StationedDispatchSerializer(ScopedModelSerializer):
    class Meta:
        model = StationedDispatch
        fields = ["id", "division", "unit", "staff", "task", "due_at", "completed_at", "result", "created_at"]
        read_only_fields = ["division", "completed_at", "result", "created_at"]


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=2000)


class SuggestionSerializer(ScopedModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = AppointmentSuggestion
        fields = ["id", "division", "unit", "department", "head", "suggestion", "created_at", "answer_due",
                  "answered_at", "answer", "overdue"]
        read_only_fields = ["division", "department", "created_at", "answer_due", "answered_at", "answer"]

    def get_overdue(self, obj: AppointmentSuggestion) -> bool:
        return obj.overdue()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class DualScoreSerializer(ScopedModelSerializer):
    class Meta:
        model = DualScore
        fields = ["id", "division", "unit", "staff", "year", "assessor", "score", "note", "recorded_at"]
        read_only_fields = ["division", "recorded_at"]


class AssessReportSerializer(ScopedModelSerializer):
    status = serializers.CharField(read_only=True, help_text="done | pending (queued or being built) | failed")

    class Meta:
        model = AssessReport
        fields = ["id", "division", "kind", "period_start", "period_end", "title", "status", "created_at"]
        read_only_fields = fields


def drill_payload(d: Any) -> dict[str, Any]:
    return {"result": d.result.pk, "part": d.part, "fact": d.fact.code, "fact_name": str(d.fact.label),
            "fact_doc": d.fact.doc, "item": d.fact.item, "count": len(d.ids),
            "rows": [{**r, "time": r["time"].isoformat() if r["time"] else None} for r in d.rows]}
