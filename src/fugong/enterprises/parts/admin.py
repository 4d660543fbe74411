"""Admin views of the parts of a firm, read-only.

Changes go through the parts pages and API, where the rules (grid hierarchy, one team leader, unique
dorm rooms …) and the audit log apply; an admin form would bypass both.
"""

from django.contrib import admin

from fugong.core.admin import ReadOnlyAdmin
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    GatePoint,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    Zone,
)


class PartAdmin(ReadOnlyAdmin):
    list_select_related = ["enterprise"]
    list_filter = ["enterprise__town"]
    search_fields = ["enterprise__name", "name"]


@admin.register(PreventionTeamMember)
class PreventionTeamMemberAdmin(PartAdmin):
    list_display = ["name", "team_role", "position", "phone", "enterprise"]
    list_filter = ["team_role", "enterprise__town"]


@admin.register(Zone)
class ZoneAdmin(PartAdmin):
    list_display = ["name", "kind", "enterprise"]
    list_filter = ["kind", "enterprise__town"]


@admin.register(GridUnit)
class GridUnitAdmin(PartAdmin):
    list_display = ["name", "level", "parent", "leader", "zone", "enterprise"]
    list_filter = ["level", "enterprise__town"]
    list_select_related = ["enterprise", "parent", "zone"]


@admin.register(DormRoom)
class DormRoomAdmin(PartAdmin):
    list_display = ["building", "number", "capacity", "area_m2", "enterprise"]
    search_fields = ["enterprise__name", "building", "number"]


@admin.register(CanteenSitting)
class CanteenSittingAdmin(PartAdmin):
    list_display = ["canteen", "name", "starts_at", "ends_at", "seats", "enterprise"]
    search_fields = ["enterprise__name", "canteen", "name"]


@admin.register(ShuttleRoute)
class ShuttleRouteAdmin(PartAdmin):
    list_display = ["name", "vehicle_plate", "driver_name", "seats", "enterprise"]
    search_fields = ["enterprise__name", "name", "vehicle_plate", "driver_name"]


@admin.register(IsolationRoom)
class IsolationRoomAdmin(PartAdmin):
    list_display = ["name", "kind", "capacity", "location", "enterprise"]
    list_filter = ["kind", "enterprise__town"]


@admin.register(GatePoint)
class GatePointAdmin(PartAdmin):
    list_display = ["name", "location", "enterprise"]
