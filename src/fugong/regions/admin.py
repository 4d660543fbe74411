from django.contrib import admin

from fugong.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only: regions change only through load_divisions and create_grid, which audit every write."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
