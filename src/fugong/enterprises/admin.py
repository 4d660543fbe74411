"""Read-only admin: changes to firms go through the register pages so that each is checked and audited."""

from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.enterprises.models import Enterprise, EnterpriseStatusChange, IndustryClass


class StatusChangeInline(admin.TabularInline):
    model = EnterpriseStatusChange
    fields = ["at", "from_status", "to_status", "reason", "source", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "uscc",
        "town",
        "department",
        "status",
        "is_above_size",
        "normal_headcount",
        "updated_at",
    ]
    list_filter = ["status", "is_above_size", "efficiency_class", "resumption_mode", "department"]
    search_fields = ["name", "uscc", "legal_representative"]
    list_select_related = ["town", "department"]
    readonly_fields = ["status", "status_changed_at", "version", "created_at", "updated_at"]
    inlines = [StatusChangeInline]


@admin.register(IndustryClass)
class IndustryClassAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "section", "section_name"]
    list_filter = ["section"]
    search_fields = ["code", "name"]


@admin.register(EnterpriseStatusChange)
class EnterpriseStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "enterprise", "from_status", "to_status", "reason", "source", "actor"]
    list_filter = ["to_status"]
    search_fields = ["enterprise__name", "reason"]
    list_select_related = ["enterprise", "actor"]


import fugong.enterprises.parts.admin  # noqa: E402,F401  (registers the parts inside a firm)
