"""/api/v1/daily-summaries/ (the firms' days, ``POST {id}/confirm/``, ``POST {id}/reopen/``) and
/api/v1/daily-rollup/?day= (the towns of the user's scope).

Reading a summary needs ``reports.view``, as the 每日汇总 page does (a gate keeper, grid worker or
employee gets 403), and is then scoped like every firm's data: whoever may read reports and sees the
firm sees its day. Confirming is the firm's officer's, reopening the town's.
"""

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import HasCapability, ScopedViewSetMixin, service_errors
from fugong.reports import selectors, services
from fugong.reports.models import FIGURE_NAMES, DailySummary


class DailySummarySerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DailySummary
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "town",
            "town_name",
            "day",
            "rounds_required",
            "rounds_due",
            "policy_version",
            *FIGURE_NAMES,
            "status",
            "status_display",
            "computed_at",
            "confirmed_by",
            "confirmed_at",
            "note",
            "version",
        ]
        read_only_fields = fields


class ConfirmInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(required=False, allow_null=True, help_text="页面加载时的版本号")
    so_far = serializers.BooleanField(
        required=False,
        default=False,
        help_text="当日最后一轮到期前只能确认截至目前的情况（状态 provisional）；到期后为最终确认",
    )


class ReopenInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=500)
    version = serializers.IntegerField(required=False, allow_null=True)


def _day(request):
    raw = request.query_params.get("day")
    if not raw:
        return timezone.localdate()
    try:
        day = parse_date(raw)
    except ValueError:  # well formed, but no such date
        day = None
    if day is None:
        raise exceptions.ValidationError({"day": [_("「日期」格式应为YYYY-MM-DD")]})
    return day


class DailySummaryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DailySummary.objects.select_related("enterprise", "town").order_by("-day", "town__path", "pk")
    serializer_class = DailySummarySerializer
    capabilities = {
        "list": "reports.view",
        "retrieve": "reports.view",
        "confirm": "reports.confirm",
        "reopen": "reports.reopen",
    }
    filterset_fields = ["day", "town", "status", "enterprise"]

    @extend_schema(request=ConfirmInput, responses=DailySummarySerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        summary = self.get_object()
        data = ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(services.SummaryConflict):
            summary = services.confirm_summary(
                request.user,
                summary,
                note=data.validated_data.get("note", ""),
                expected_version=data.validated_data.get("version"),
                so_far=data.validated_data.get("so_far", False),
            )
        return Response(DailySummarySerializer(summary).data)

    @extend_schema(request=ReopenInput, responses=DailySummarySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        summary = self.get_object()
        data = ReopenInput(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(services.SummaryConflict):
            summary = services.reopen_summary(
                request.user,
                summary,
                data.validated_data.get("reason", ""),
                expected_version=data.validated_data.get("version"),
            )
        return Response(DailySummarySerializer(summary).data)


class DailyRollupViewSet(viewsets.ViewSet):
    """Per town of the user's scope: firms, confirmed, the unconfirmed firms and the figures' sums."""

    permission_classes = [HasCapability]
    capabilities = {"*": "reports.view"}

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD，默认今天")], responses={200: None}
    )
    def list(self, request):
        day = _day(request)
        rows = selectors.town_rollup(request.user, day)
        return Response(
            {
                "day": day,
                "towns": [
                    {
                        "town": row.region.pk,
                        "town_code": row.region.code,
                        "town_name": row.region.name,
                        "firms": row.firms,
                        "confirmed": row.confirmed,
                        "unconfirmed": [{"enterprise": pk, "name": name} for pk, name in row.unconfirmed],
                        "provisional": [
                            {"enterprise": pk, "name": name, "as_of": at} for pk, name, at in row.provisional
                        ],
                        "sums": row.sums,
                    }
                    for row in rows
                ],
                "total": {k: v for k, v in selectors.scope_total(rows).items() if k != "figures"},
            }
        )


def register(router):
    router.register("daily-summaries", DailySummaryViewSet, basename="daily-summary")
    router.register("daily-rollup", DailyRollupViewSet, basename="daily-rollup")
