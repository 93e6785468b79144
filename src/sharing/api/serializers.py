"""Input and output shapes of the sharing API (management by users; calls by keys)."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from sharing.choices import KeyScope, SignatureAlgorithm
from sharing.models import ApiCall, ApiKey, ImportRun, WebhookDelivery, WebhookSubscription


class ApiKeySerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "division", "division_name", "scopes", "expires_at", "rate_per_minute",
                  "revoked_at", "created_at", "last_used_at", "note", "active"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    division = serializers.CharField(max_length=12)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=KeyScope.choices), allow_empty=False)
    expires_at = serializers.DateTimeField(required=False)
    rate_per_minute = serializers.IntegerField(required=False, default=600, min_value=1, max_value=100_000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ApiKeyIssuedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="密钥原文，仅此一次显示")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiCallSerializer(serializers.ModelSerializer):
    key_name = serializers.CharField(source="key.name", read_only=True)

    class Meta:
        model = ApiCall
        fields = ["id", "key", "key_name", "at", "method", "endpoint", "status", "rows", "duration_ms", "client"]
        read_only_fields = fields


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "key", "url", "algorithm", "classes", "states", "active", "created_at"]
        read_only_fields = fields


class SubscriptionCreateSerializer(serializers.Serializer):
    key = serializers.IntegerField(required=False, help_text="管理员/指挥中心创建时指定密钥")
    url = serializers.URLField(max_length=500)
    algorithm = serializers.ChoiceField(choices=SignatureAlgorithm.choices, default=SignatureAlgorithm.SHA256)
    classes = serializers.ListField(child=serializers.CharField(max_length=5), required=False, default=list)
    states = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list)


class SubscriptionIssuedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="签名密钥，仅此一次显示")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "subscription", "delivery_id", "event_id", "at", "status_code", "ok", "error", "duration_ms"]
        read_only_fields = fields


class ImportRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRun
        fields = ["id", "filename", "dry_run", "status", "total", "done", "created", "existing", "refused",
                  "started_at", "finished_at"]
        read_only_fields = fields


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    rows = serializers.ListField(child=serializers.DictField(), required=False, max_length=50_000)
    dry_run = serializers.BooleanField(default=False)
    source_id = serializers.IntegerField(required=False, help_text="已保存的列对应（工单来源）")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("file") and attrs.get("rows") is None:
            raise serializers.ValidationError({"file": ["请上传文件或提供 rows"]})
        return attrs


class KeyEventCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    category = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    category_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    client_id = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=["system", "device", "hotline"], default="system")
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
