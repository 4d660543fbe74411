from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin pages only look: every change goes through the services, which check, lock and audit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
