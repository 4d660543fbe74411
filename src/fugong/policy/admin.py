"""Read-only admin: every change to policy data goes through services, which lock, check and audit."""

from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.policy.models import (
    ChecklistDefinition,
    ChecklistItem,
    NoReturnArea,
    Policy,
    PolicyVersion,
    RiskArea,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PolicyVersionInline(ReadOnlyInline):
    model = PolicyVersion
    fields = ["number", "effective_from", "preset_key", "note", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-number"]


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "preset_key", "latest_number", "created_at"]
    search_fields = ["name", "region__name", "region__code"]
    list_select_related = ["region"]
    inlines = [PolicyVersionInline]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "number", "effective_from", "preset_key", "created_by", "created_at"]
    list_filter = ["preset_key"]
    search_fields = ["policy__name", "policy__region__code"]
    list_select_related = ["policy", "created_by"]


@admin.register(RiskArea)
class RiskAreaAdmin(ReadOnlyAdmin):
    list_display = ["name", "region_code", "level", "valid_from", "valid_to", "policy"]
    list_filter = ["level"]
    search_fields = ["name", "region_code"]
    list_select_related = ["policy"]


@admin.register(NoReturnArea)
class NoReturnAreaAdmin(ReadOnlyAdmin):
    list_display = ["name", "region_code", "valid_from", "valid_to", "policy"]
    search_fields = ["name", "region_code"]
    list_select_related = ["policy"]


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = [
        "order",
        "code",
        "text",
        "check_method",
        "data_rule",
        "data_rule_args",
        "active_from",
        "active_to",
    ]
    readonly_fields = fields


@admin.register(ChecklistDefinition)
class ChecklistDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "notice", "source"]
    list_filter = ["notice"]
    inlines = [ChecklistItemInline]
