from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    """Read-only: regions change only through load_divisions and create_grid, which audit every write."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    show_full_result_count = False
