from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer
from core.downloads import file_url
from flows.models import Case, CaseAttachment, CaseStep, ProcessMap


class ProcessMapSerializer(ScopedModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    sha256 = serializers.CharField(source="document.sha256", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ProcessMap
        fields = ["id", "item", "item_code", "item_name", "division", "version", "status", "status_label", "name",
                  "process_id", "sha256", "source_name", "layout_generated", "created_at", "published_at",
                  "published_by"]
        read_only_fields = ["item", "division", "version", "status", "process_id", "source_name", "layout_generated",
                            "published_at", "published_by"]


class MapImportSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="事项编码或 ID")
    division = serializers.CharField(help_text="发布区划（县级或镇街）12 位代码")
    file = serializers.FileField(required=False, help_text=".bpmn 文件")
    xml = serializers.CharField(required=False, trim_whitespace=False, help_text="或直接提交 BPMN XML")
    name = serializers.CharField(required=False, allow_blank=True)


class CaseSerializer(ScopedModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    map_version = serializers.IntegerField(source="process_map.version", read_only=True)
    map_division = serializers.CharField(source="process_map.division_id", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "item", "item_code", "item_name", "division", "process_map", "map_version",
                  "map_division", "title", "applicant", "state", "state_label", "current_step", "ready_tasks", "data",
                  "due_at", "due_provisional", "overdue", "started_by", "started_at", "completed_at", "end_event"]
        read_only_fields = fields


class CaseStartSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="事项编码或 ID")
    division = serializers.CharField(help_text="镇街 12 位代码")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    applicant = serializers.CharField(required=False, allow_blank=True, max_length=100)
    data = serializers.JSONField(required=False)  # type: ignore[assignment]  # the field is named `data` in the API
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TaskCompleteSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    inputs = serializers.JSONField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:  # noqa: ANN001
        return file_url("case-attachment", obj.pk)


class CaseStepSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseStep
        fields = ["seq", "task_id", "task_spec", "task_name", "lane", "actor", "actor_name", "opened_at",
                  "completed_at", "inputs", "comment", "due_at", "overdue", "attachments"]
