"""Read-only admin: every change goes through the services, which check, lock and audit."""

from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.resumption.models import (
    ApplicationRevision,
    ApprovalBatch,
    Attachment,
    Certificate,
    Commitment,
    Notification,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
)


@admin.register(ResumptionApplication)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "enterprise",
        "kind",
        "status",
        "current_step_key",
        "priority_score",
        "submitted_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise"]


@admin.register(ApplicationRevision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_by", "submitted_at", "priority_score"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "doc_type", "original_name", "size", "uploaded_at", "removed_at"]
    list_filter = ["doc_type"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "code", "affirmed_by_name", "affirmed_at"]


@admin.register(ReviewStep)
class StepAdmin(ReadOnlyAdmin):
    list_display = ["application", "revision", "order", "name", "mode", "status", "started_at", "finished_at"]
    list_filter = ["status", "key"]


@admin.register(ReviewDecision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["step", "participant", "decision", "actor", "at", "batch"]
    list_filter = ["decision"]


@admin.register(ApprovalBatch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["region", "number", "name", "created_by", "created_at", "released_at"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "enterprise", "kind", "status", "issued_at", "valid_from", "revoked_at"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "enterprise__name"]
    exclude = ["verify_token"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "event", "message", "created_at", "read_at"]
