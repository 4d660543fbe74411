from django.contrib import admin

from fugong.audit.models import AuditEntry
from fugong.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Look, never touch: the log is append-only and its hashes would expose any edit anyway."""

    list_display = ["id", "at", "actor_label", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "object_repr"]
    date_hierarchy = "at"
    show_full_result_count = False
