"""/api/v1/pre-reports/ and /api/v1/checkpoint-arrivals/ (提前告知 / 有序对接).

Lists and details read through the scoped ``selectors`` (a row outside the user's scope is a 404);
writes go through ``services``. Only masked ID numbers leave the server. A checkpoint phone sends
``client_key`` (or an ``Idempotency-Key`` header) so that a resend after a dropped connection answers
200 with the row the first request created, instead of a second row.
"""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.core.masking import PhoneField
from fugong.enterprises.selectors import visible_towns
from fugong.workforce.models import CheckpointArrival, Employee, FollowUp, PreReport
from fugong.workforce.returns import selectors, services

# -- serializers ---------------------------------------------------------------------------------------


class PreReportSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    id_number_masked = serializers.CharField(source="employee.id_number_masked", read_only=True)
    enterprise = serializers.IntegerField(source="employee.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="employee.enterprise.name", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    employee_status = serializers.CharField(source="employee.status", read_only=True)
    arrived_at = serializers.DateTimeField(read_only=True, allow_null=True)
    superseded = serializers.BooleanField(read_only=True)

    class Meta:
        model = PreReport
        fields = [
            "id",
            "employee",
            "employee_name",
            "id_number_masked",
            "enterprise",
            "enterprise_name",
            "town",
            "town_name",
            "expected_arrival",
            "reported_at",
            "lead_days",
            "on_time",
            "arrived_at",
            "superseded",
            "employee_status",
        ]
        read_only_fields = fields


class PreReportCreateSerializer(serializers.Serializer):
    employees = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=5000)
    expected_arrival = serializers.DateField()


class ArrivalSerializer(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default="")
    employee_name = serializers.CharField(source="employee.name", read_only=True, default="")
    follow_up_display = serializers.CharField(source="get_follow_up_display", read_only=True)
    pre_reported = serializers.BooleanField(read_only=True, default=False)
    phone = PhoneField(read_only=True)

    class Meta:
        model = CheckpointArrival
        # Never the encrypted number nor its index: a masked number is all any caller gets.
        fields = [
            "id",
            "town",
            "town_name",
            "checkpoint",
            "arrived_at",
            "name",
            "id_number_masked",
            "phone",
            "came_from",
            "came_from_code",
            "vehicle",
            "stated_employer",
            "employee",
            "employee_name",
            "enterprise",
            "enterprise_name",
            "follow_up",
            "follow_up_display",
            "follow_up_note",
            "pre_reported",
        ]
        read_only_fields = fields


class ArrivalCreateSerializer(serializers.Serializer):
    # Raw strings: the service checks them and names field and rule in its messages.
    town = serializers.IntegerField(required=False, help_text="目的地镇街 id；只管辖一个镇街时可省略")
    checkpoint = serializers.CharField(allow_blank=True)
    arrived_at = serializers.DateTimeField(required=False, allow_null=True)
    name = serializers.CharField(allow_blank=True)
    id_number = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    came_from = serializers.CharField(required=False, allow_blank=True, default="")
    came_from_code = serializers.CharField(required=False, allow_blank=True, default="")
    vehicle = serializers.CharField(required=False, allow_blank=True, default="")
    stated_employer = serializers.CharField(required=False, allow_blank=True, default="")
    client_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class MatchSerializer(serializers.Serializer):
    employee = serializers.IntegerField()


# -- filters -------------------------------------------------------------------------------------------


class PreReportFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="expected_arrival", label="预计抵达日期")
    date_from = django_filters.DateFilter(field_name="expected_arrival", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="expected_arrival", lookup_expr="lte")
    enterprise = django_filters.NumberFilter(field_name="employee__enterprise")
    on_time = django_filters.BooleanFilter()
    arrived = django_filters.BooleanFilter(method="filter_arrived", label="是否已经卡口抵达")

    class Meta:
        model = PreReport
        fields = ["date", "date_from", "date_to", "enterprise", "on_time", "arrived"]

    def filter_arrived(self, queryset, name, value):
        return queryset.filter(arrived_at__isnull=not value)


class ArrivalFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="arrived_at", lookup_expr="date", label="抵达日期")
    follow_up = django_filters.ChoiceFilter(choices=FollowUp.choices)
    unmatched = django_filters.BooleanFilter(field_name="employee", lookup_expr="isnull", label="未匹配")
    enterprise = django_filters.NumberFilter(field_name="enterprise")

    class Meta:
        model = CheckpointArrival
        fields = ["date", "follow_up", "unmatched", "enterprise"]


# -- viewsets ------------------------------------------------------------------------------------------


class PreReportViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """返岗报备：企业提前报备预计返岗人员；镇街按日期查看本镇街的报备（是否按时、是否已抵达）。"""

    queryset = PreReport.objects.all()
    serializer_class = PreReportSerializer
    filterset_class = PreReportFilter
    search_fields = ["employee__name", "employee__employee_no"]
    ordering_fields = ["expected_arrival", "reported_at", "lead_days"]
    capabilities = {
        "list": "workforce.returns.view",
        "retrieve": "workforce.returns.view",
        "not_arrived": "workforce.returns.view",
        "counts": "workforce.returns.view",
        "create": "workforce.prereport",
    }

    def get_queryset(self):
        return selectors.pre_reports_visible_to(self.request.user).order_by(
            "expected_arrival", "employee__name", "id"
        )

    @extend_schema(request=PreReportCreateSerializer, responses={201: PreReportSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        """报备一批员工预计在同一天抵达；同一人同一日期重复报备不产生新记录。全部成功或全部不保存。"""
        serializer = PreReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors_as_404():
            reports = services.pre_report(request.user, data["employees"], data["expected_arrival"])
        rows = self.get_queryset().filter(pk__in=[r.pk for r in reports])
        return Response(PreReportSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="截至日期（默认今天），YYYY-MM-DD")],
        responses=PreReportSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="not-arrived", filter_backends=[])
    def not_arrived(self, request):
        """已报备、预计抵达日期已到而尚未经卡口登记的人员。"""
        on_date = _date_param(request)
        page = self.paginate_queryset(selectors.expected_not_arrived(request.user, on_date))
        return self.get_paginated_response(PreReportSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("date", str, description="日期（默认今天），YYYY-MM-DD")])
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def counts(self, request):
        """某一天的报备、迟报、抵达、未匹配、待跟进人数，以及按企业的统计。"""
        on_date = _date_param(request)
        return Response(
            {
                "date": on_date.isoformat(),
                **selectors.summary(request.user, on_date),
                "by_enterprise": selectors.firm_counts(request.user, on_date),
            }
        )


def _date_param(request):
    raw = request.query_params.get("date")
    if not raw:
        return timezone.localdate()
    field = serializers.DateField()
    try:
        return field.to_internal_value(raw)
    except serializers.ValidationError:
        raise exceptions.ValidationError({"date": ["日期：请按 YYYY-MM-DD 填写"]}) from None


class ArrivalViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """卡口抵达登记：卡口登记抵达人员，按身份证号匹配到企业员工并移交属地镇街；未匹配的由镇街跟进处置。"""

    queryset = CheckpointArrival.objects.all()
    serializer_class = ArrivalSerializer
    filterset_class = ArrivalFilter
    search_fields = ["name", "checkpoint", "stated_employer"]
    ordering_fields = ["arrived_at"]
    capabilities = {
        "list": "workforce.returns.view",
        "retrieve": "workforce.returns.view",
        "create": "workforce.checkpoint",
        "resolve": "workforce.arrivals",
        "match": "workforce.arrivals",
    }

    def get_queryset(self):
        return selectors.arrivals_visible_to(self.request.user).order_by("-arrived_at", "-id")

    def _out(self, arrival, code=status.HTTP_200_OK):
        row = selectors.arrivals_visible_to(self.request.user).filter(pk=arrival.pk).first()
        # The recorder may not see a row handed over to another town; they still get what they typed.
        return Response(ArrivalSerializer(row or arrival).data, status=code)

    @extend_schema(
        request=ArrivalCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: ArrivalSerializer, 200: OpenApiResponse(ArrivalSerializer, description="重复提交")},
    )
    def create(self, request, *args, **kwargs):
        """登记一名抵达人员。带相同 client_key 的重复提交返回第一次创建的记录（200），不重复登记。"""
        serializer = ArrivalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client_key"] = data.get("client_key") or request.headers.get("Idempotency-Key") or None
        town = data.pop("town", None)
        if town is None:
            towns = list(visible_towns(request.user)[:2])
            if len(towns) != 1:
                raise exceptions.ValidationError({"town": ["目的地镇街：请选择一个镇乡街道"]})
            town = towns[0]
        with service_errors_as_404():
            arrival = services.record_arrival(request.user, town, **data)
        replayed = getattr(arrival, "replayed", False)
        return self._out(arrival, status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses={200: ArrivalSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """镇街记录对待跟进人员的处置情况。"""
        arrival = self.get_object()
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors_as_404():
            arrival = services.resolve_arrival(request.user, arrival, serializer.validated_data["note"])
        return self._out(arrival)

    @extend_schema(request=MatchSerializer, responses={200: ArrivalSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """镇街将未匹配的抵达人员人工匹配到其管辖范围内的员工档案。"""
        arrival = self.get_object()
        serializer = MatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employee = (
            Employee.objects.visible_to(request.user).filter(pk=serializer.validated_data["employee"]).first()
        )
        if employee is None:
            raise exceptions.ValidationError({"employee": ["匹配员工：未找到该员工，或不在您的管辖范围内"]})
        with service_errors_as_404():
            arrival = services.match_arrival(request.user, arrival, employee)
        return self._out(arrival)


def register(router) -> None:
    router.register("pre-reports", PreReportViewSet, basename="pre-report")
    router.register("checkpoint-arrivals", ArrivalViewSet, basename="checkpoint-arrival")
