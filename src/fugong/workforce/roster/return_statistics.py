"""The 返岗员工统计 (SPEC §13): ``export_return_statistics(actor, enterprise_or_queryset, *,
filters=None) -> bytes``, logged like every export (``audit.services.record_export``).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.audit.services import record_export
from fugong.core import dates
from fugong.enterprises.models import Enterprise, ResumptionMode, ShuttleRoute
from fugong.regions.models import Region, RegionLevel
from fugong.workforce.models import Employee, EmployeeStatus, ResidenceControl
from fugong.workforce.roster.excel import StatisticsTable, write_statistics
from fugong.workforce.roster.permissions import check_export_allowed, visible_enterprise


def commute_mode_expression():
    """``selectors.commute_mode`` in SQL, so that 100,000 people are counted without loading them: a shuttle
    seat is 点对点, a dorm bed is 封闭驻厂, otherwise the firm's resumption mode (封闭驻厂 when it declared
    none)."""
    return Case(
        When(shuttle_route__isnull=False, then=Value(ResumptionMode.POINT_TO_POINT)),
        When(dorm_room__isnull=False, then=Value(ResumptionMode.CLOSED_IN_PLANT)),
        When(enterprise__resumption_mode="", then=Value(ResumptionMode.CLOSED_IN_PLANT)),
        default=F("enterprise__resumption_mode"),
        output_field=CharField(),
    )


def _county_of(region: Region | None, regions: dict[str, Region]) -> str:
    if region is None:
        return "未填写居住区县"
    if region.level <= RegionLevel.COUNTY:
        return region.name
    for code in region.path.strip("/").split("/"):
        if len(code) == 6 and code in regions:
            return regions[code].name
    return region.name


def export_return_statistics(actor, target, *, filters: dict | None = None) -> bytes:
    """返岗员工统计 for one firm (an Enterprise) or any Employee queryset, within the actor's scope.

    The return statistics ask each firm, from its 返岗员工统计明细表, for: 1. the returners by county/district;
    2. their home's control status (封控区/管控区/防范区); 3. how they commute (closed in plant or by
    shuttle 点对点); 4. the shuttle buses needed — number, seats, route. Those are the four tables, in that
    order, plus the firms side by side when the selection spans several. People who have left the firm
    are not counted. Logged as an export of the people counted, under ``filters`` (as ``export_roster``).
    """
    check_export_allowed(actor)
    if isinstance(target, Enterprise):
        if not visible_enterprise(actor, target):
            raise PermissionDenied(_("您没有查看该企业员工的权限。"))
        queryset = Employee.objects.filter(enterprise=target)
        title = f"{target.name}返岗员工统计"
    else:
        queryset = target
        title = "返岗员工统计"
    people = queryset.visible_to(actor).exclude(status=EmployeeStatus.LEFT).order_by()
    # The annex is a Chinese form whatever the page's language.
    with translation.override("zh-hans"):
        content, total = _statistics(people, title)
    record_export(
        actor,
        "workforce.statistics_export",
        gettext_lazy("返岗员工统计"),
        filters,
        total,
        target=target if isinstance(target, Enterprise) else None,
        object_type="workforce.employee",
    )
    return content


def _statistics(people, title: str) -> tuple[bytes, int]:
    """The workbook, and how many people it counts (its 合计)."""
    total = people.count()
    subtitle = f"统计时间：{dates.format_datetime(timezone.now())}　需返岗员工共{total}人"

    # 1. By county (district) of residence.
    per_region = list(
        people.values("residence_region").annotate(
            n=Count("id"),
            back=Count("id", filter=Q(has_returned=True)),
            local=Count("id", filter=Q(is_local=True)),
        )
    )
    regions = {
        r.pk: r
        for r in Region.objects.filter(
            pk__in=[r["residence_region"] for r in per_region if r["residence_region"]]
        )
    }
    county_codes = {c for r in regions.values() for c in r.path.strip("/").split("/") if len(c) == 6}
    counties = {r.code: r for r in Region.objects.filter(code__in=county_codes)}
    by_county: dict[str, list[int]] = {}
    for entry in per_region:
        name = _county_of(regions.get(entry["residence_region"]), counties)
        counts = by_county.setdefault(name, [0, 0, 0])
        counts[0] += entry["n"]
        counts[1] += entry["back"]
        counts[2] += entry["local"]
    district_rows = [[name, *counts] for name, counts in sorted(by_county.items(), key=lambda kv: -kv[1][0])]
    district_rows.append(
        ["合计", total, sum(c[1] for c in by_county.values()), sum(c[2] for c in by_county.values())]
    )

    # 2. Control status of the home.
    per_control = dict(people.values_list("residence_control").annotate(n=Count("id")))
    control_order = [
        ResidenceControl.SEALED,
        ResidenceControl.CONTROLLED,
        ResidenceControl.PRECAUTION,
        ResidenceControl.NONE,
    ]
    control_rows = [[str(ResidenceControl(c).label), per_control.get(c, 0)] for c in control_order]
    control_rows.append(["合计", total])

    # 3. Commute mode.
    per_commute = dict(
        people.annotate(commute=commute_mode_expression()).values_list("commute").annotate(n=Count("id"))
    )
    commute_rows = [[str(label), per_commute.get(key, 0)] for key, label in ResumptionMode.choices]
    commute_rows.append(["合计", total])

    # 4. Shuttle buses: each route with its seats and riders; riders beyond the seats are a need.
    routes = (
        ShuttleRoute.objects.filter(enterprise__in=people.values("enterprise"))
        .annotate(rider_count=Count("riders", filter=Q(riders__in=people)))
        .select_related("enterprise")
        .order_by("enterprise__name", "name")
    )
    bus_rows = [
        [
            r.name,
            r.vehicle_plate,
            r.seats,
            r.rider_count,
            r.route,
            r.driver_name,
            max(r.rider_count - r.seats, 0),
        ]
        for r in routes
    ]
    bus_rows.append(
        [
            "合计（班车数量）",
            len(bus_rows),
            sum(r[2] for r in bus_rows),
            sum(r[3] for r in bus_rows),
            "",
            "",
            sum(r[6] for r in bus_rows),
        ]
    )

    tables = [
        StatisticsTable(
            "一、需返岗员工分布（按居住地县（市）区）",
            ["县（市）区", "人数", "其中已返回", "其中本地员工"],
            district_rows,
        ),
        StatisticsTable("二、需返岗员工家庭住址现行管控情况", ["管控情况", "人数"], control_rows),
        StatisticsTable("三、员工通勤方式", ["通勤方式", "人数"], commute_rows),
        StatisticsTable(
            "四、员工通勤班车需求",
            ["班车线路", "车牌号", "座位数", "乘车员工数", "行车路线", "固定司机", "超出座位数"],
            bus_rows,
        ),
    ]
    firm_rows = list(
        people.annotate(commute=commute_mode_expression())
        .values("enterprise__name")
        .annotate(
            n=Count("id"),
            sealed=Count("id", filter=Q(residence_control=ResidenceControl.SEALED)),
            controlled=Count("id", filter=Q(residence_control=ResidenceControl.CONTROLLED)),
            precaution=Count("id", filter=Q(residence_control=ResidenceControl.PRECAUTION)),
            closed=Count(
                "id",
                filter=Q(dorm_room__isnull=False)
                | Q(shuttle_route__isnull=True, enterprise__resumption_mode=ResumptionMode.CLOSED_IN_PLANT),
            ),
            shuttle=Count("id", filter=Q(dorm_room__isnull=True, shuttle_route__isnull=False)),
        )
        .order_by("enterprise__name")
    )
    by_firm = None
    if len(firm_rows) > 1:
        by_firm = StatisticsTable(
            "",
            ["企业", "需返岗人数", "封控区", "管控区", "防范区", "封闭驻厂", "点对点通勤", "有序出行"],
            [
                [
                    f["enterprise__name"],
                    f["n"],
                    f["sealed"],
                    f["controlled"],
                    f["precaution"],
                    f["closed"],
                    f["shuttle"],
                    f["n"] - f["closed"] - f["shuttle"],
                ]
                for f in firm_rows
            ],
        )
    return write_statistics(title, subtitle, tables, by_firm), total
