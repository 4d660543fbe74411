from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Department, User
from fugong.accounts.services import AUDIT_FIELDS
from fugong.audit.services import diff, record, snapshot


class AuditedAdminMixin:
    """Changes made in the admin are written to the audit log like any other."""

    audit_fields: list[str] | None = None

    def save_model(self, request, obj, form, change):
        obj._audit_before = snapshot(type(obj).objects.get(pk=obj.pk), self.audit_fields) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields are saved, so that the snapshot shows them as they now are.
        super().save_related(request, form, formsets, change)
        obj = form.instance
        old, new = diff(getattr(obj, "_audit_before", None), snapshot(obj, self.audit_fields))
        label = f"{obj._meta.app_label}.{obj._meta.model_name}"
        record(
            request.user,
            f"{label}.{'admin_change' if change else 'admin_create'}",
            obj,
            before=old,
            after=new,
        )

    def delete_model(self, request, obj):
        record(
            request.user,
            f"{obj._meta.app_label}.{obj._meta.model_name}.admin_delete",
            obj,
            before=snapshot(obj, self.audit_fields),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "cross_sector", "is_industry"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_fields = [*AUDIT_FIELDS, "is_staff", "is_superuser"]
    list_display = ["username", "full_name", "role", "region", "enterprise", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["region", "enterprise"]
    search_fields = ["username", "full_name"]  # the phone is encrypted: it cannot be searched by text
    raw_id_fields = ["region", "enterprise", "assigned_enterprises"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("角色与管辖范围"),
            {
                "fields": [
                    "role",
                    "full_name",
                    "phone",
                    "region",
                    "department",
                    "enterprise",
                    "assigned_enterprises",
                ]
            },
        ),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("角色与管辖范围"), {"fields": ["role", "full_name", "region", "department", "enterprise"]}),
    ]
