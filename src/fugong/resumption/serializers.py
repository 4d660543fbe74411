"""Thin shapes for the resumption API; every rule is in services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fugong.resumption.models import (
    ApplicationKind,
    ApplicationRevision,
    ApprovalBatch,
    Attachment,
    Certificate,
    Commitment,
    Decision,
    Notification,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
)
from fugong.resumption.selectors import active_step


class ApplicationSerializer(serializers.ModelSerializer):
    # Plain strings: one enum per choice set in the schema is the write serializers' business.
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    town_name = serializers.CharField(source="enterprise.town.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step_name = serializers.SerializerMethodField()
    waiting_for = serializers.SerializerMethodField()
    certificate_number = serializers.SerializerMethodField()
    batch_name = serializers.CharField(source="batch.name", read_only=True, default="")

    class Meta:
        model = ResumptionApplication
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "town_name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "planned_start",
            "reason",
            "scope_lines",
            "resumption_mode",
            "commuting_arrangements",
            "staff_summary",
            "plan_sections",
            "early_start_granted",
            "early_start_reason",
            "early_start_granted_at",
            "policy_version",
            "revision",
            "current_step_key",
            "current_step_name",
            "waiting_for",
            "priority_score",
            "priority_reasons",
            "batch",
            "batch_name",
            "certificate_number",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _step(self, obj):
        if not hasattr(obj, "_active_step"):
            obj._active_step = active_step(obj)
        return obj._active_step

    def get_current_step_name(self, obj) -> str:
        step = self._step(obj)
        return step.name if step else ""

    def get_waiting_for(self, obj) -> list[str]:
        from fugong.resumption.chain import label

        step = self._step(obj)
        return [label(t) for t in step.pending_participants] if step else []

    def get_certificate_number(self, obj) -> str:
        certificate = getattr(obj, "certificate", None) if obj.status == "approved" else None
        return certificate.number if certificate else ""


class ApplicationWriteSerializer(serializers.Serializer):
    """Input types only; shapes and rules are checked by ``content.clean_content`` with Chinese messages."""

    kind = serializers.ChoiceField(label=_("申请类型"), choices=ApplicationKind.choices, required=False)
    planned_start = serializers.CharField(
        label=_("计划复工时间"),
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("北京时间，如 2020-02-10 08:00 或 2020-02-10"),
    )
    reason = serializers.CharField(label=_("复工原因"), required=False, allow_blank=True)
    scope_lines = serializers.ListField(
        label=_("复工范围（产线）"), child=serializers.CharField(allow_blank=True), required=False
    )
    resumption_mode = serializers.CharField(label=_("复工方式"), required=False, allow_blank=True)
    commuting_arrangements = serializers.CharField(label=_("通勤安排"), required=False, allow_blank=True)
    staff_summary = serializers.JSONField(label=_("返岗人员情况"), required=False)
    plan_sections = serializers.JSONField(label=_("复工方案"), required=False)
    version = serializers.IntegerField(
        label=_("版本号"), required=False, help_text=_("修改时必填；他人已修改则返回409。")
    )


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(label=_("版本号"), required=False)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(label=_("审核意见"), choices=Decision.choices)
    reasons = serializers.CharField(label=_("理由"), required=False, allow_blank=True, default="")
    step = serializers.CharField(
        label=_("环节代码"), help_text=_("打开申请时的当前环节；申请已进入其他环节则返回409。")
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("理由"), max_length=500)


class AttachmentSerializer(serializers.ModelSerializer):
    doc_type = serializers.CharField(read_only=True)
    doc_type_display = serializers.CharField(source="get_doc_type_display", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "doc_type",
            "doc_type_display",
            "original_name",
            "size",
            "content_type",
            "sha256",
            "uploaded_at",
            "removed_at",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    doc_type = serializers.CharField(
        label=_("材料类型"),
        max_length=40,
        help_text=_("现行政策「复工申请材料种类」中的代码，或 other（其他材料）"),
    )
    file = serializers.FileField(label=_("文件"))


class CommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["code", "group", "text", "affirmed_by_name", "affirmed_at"]
        read_only_fields = fields


class AffirmSerializer(serializers.Serializer):
    codes = serializers.ListField(label=_("承诺事项编号"), child=serializers.CharField(), allow_empty=False)
    affirmed_by_name = serializers.CharField(label=_("法定代表人姓名"), max_length=50)


class RevisionSerializer(serializers.ModelSerializer):
    submitted_by_name = serializers.CharField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = ApplicationRevision
        fields = [
            "number",
            "content",
            "policy_version",
            "priority_score",
            "submitted_by_name",
            "submitted_at",
        ]
        read_only_fields = fields


class DiffRowSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()


class DecisionSerializer(serializers.ModelSerializer):
    decision = serializers.CharField(read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)
    participant_label = serializers.SerializerMethodField()
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)

    class Meta:
        model = ReviewDecision
        fields = [
            "participant",
            "participant_label",
            "decision",
            "decision_display",
            "reasons",
            "actor_name",
            "at",
            "batch",
        ]
        read_only_fields = fields

    def get_participant_label(self, obj) -> str:
        from fugong.resumption.chain import label

        return label(obj.participant)


class StepSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    mode = serializers.CharField(read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewStep
        fields = [
            "revision",
            "order",
            "key",
            "name",
            "participants",
            "mode",
            "status",
            "status_display",
            "started_at",
            "finished_at",
            "decisions",
        ]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    # Plain strings: one enum per choice set in the schema is the write serializers' business.
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "application",
            "enterprise",
            "enterprise_name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "issued_at",
            "valid_from",
            "valid_until",
            "revoked_at",
            "revoke_reason",
            "verify_token",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    applications = serializers.SerializerMethodField()
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = ApprovalBatch
        fields = [
            "id",
            "number",
            "name",
            "region",
            "created_by_name",
            "created_at",
            "released_at",
            "applications",
        ]
        read_only_fields = fields

    def get_applications(self, obj) -> list[dict]:
        rows = obj.applications.select_related("enterprise").order_by("-priority_score", "submitted_at", "pk")
        return [
            {
                "id": a.pk,
                "enterprise_name": a.enterprise.name,
                "status": a.status,
                "priority_score": str(a.priority_score),
            }
            for a in rows
        ]


class BatchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("批次名称"), max_length=100, required=False, allow_blank=True)
    applications = serializers.ListField(label=_("申请"), child=serializers.IntegerField(), allow_empty=False)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "message", "application", "created_at", "read_at"]
        read_only_fields = fields
