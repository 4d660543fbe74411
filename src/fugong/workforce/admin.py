"""Read-only admin: changes to employee files go through the services. Neither the encrypted nor the
clear ID number is ever shown here — only the masked one."""

from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.workforce.models import Employee, EmployeeStatusChange, IsolationEpisode

HIDDEN = ["id_number_encrypted", "id_number_index"]


class StatusChangeInline(admin.TabularInline):
    model = EmployeeStatusChange
    fields = ["at", "from_status", "to_status", "reason", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EpisodeInline(admin.TabularInline):
    model = IsolationEpisode
    fields = ["kind", "started_on", "planned_end", "place", "released_at", "release_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Employee)
class EmployeeAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "id_number_masked",
        "enterprise",
        "status",
        "decision",
        "release_date",
        "is_local",
    ]
    list_filter = ["status", "decision", "is_local", "residence_control"]
    search_fields = ["name", "employee_no"]
    list_select_related = ["enterprise"]
    exclude = HIDDEN
    readonly_fields = [
        "id_number_masked",
        "birth_date",
        "status",
        "status_changed_at",
        "decision",
        "decision_reason",
        "decision_policy_version_id",
        "decided_at",
        "release_date",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [EpisodeInline, StatusChangeInline]


@admin.register(IsolationEpisode)
class IsolationEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["employee", "kind", "started_on", "planned_end", "released_at"]
    list_filter = ["kind"]
    list_select_related = ["employee"]
