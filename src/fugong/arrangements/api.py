"""Arrangements over the API: dated assignments (create answers with the policy's flags; ``end``),
carpools, and the flags of one firm on one day. Lists are scoped like every firm's data; a foreign
person, place or firm reads as not found."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.arrangements import services
from fugong.arrangements.flags import flags_by_firm, flags_for_firm
from fugong.arrangements.models import TARGET_FIELD, Assignment, AssignmentKind, Carpool
from fugong.arrangements.selectors import TARGET_MODEL
from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.enterprises.models import Enterprise
from fugong.workforce.models import Employee


class AssignmentSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    target = serializers.SerializerMethodField()
    target_name = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "enterprise",
            "employee",
            "employee_name",
            "kind",
            "kind_label",
            "target",
            "target_name",
            "seat",
            "starts_on",
            "ends_on",
            "created_at",
        ]
        read_only_fields = fields

    def get_target(self, obj) -> int:
        return getattr(obj, TARGET_FIELD[obj.kind] + "_id")

    def get_target_name(self, obj) -> str:
        return str(obj.target)


class AssignCreateSerializer(serializers.Serializer):
    employees = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=1,
        max_length=500,
        help_text="员工 id；多人时全部成功或全部不保存",
    )
    kind = serializers.ChoiceField(choices=AssignmentKind.choices)
    target = serializers.IntegerField(
        help_text="宿舍、就餐批次、班车线路、私家车或网格单元的 id（与 kind 对应）"
    )
    starts_on = serializers.DateField()
    seat = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)


class EndSerializer(serializers.Serializer):
    ends_on = serializers.DateField(required=False, help_text="最后一天（含当日）；省略为今天")


class CarpoolSerializer(serializers.ModelSerializer):
    driver_name = serializers.CharField(source="driver.name", read_only=True, default="")

    class Meta:
        model = Carpool
        fields = ["id", "enterprise", "plate", "seats", "driver", "driver_name"]
        read_only_fields = ["id", "enterprise", "driver_name"]


class AssignmentFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    employee = django_filters.NumberFilter(field_name="employee")
    kind = django_filters.ChoiceFilter(choices=AssignmentKind.choices)
    target = django_filters.NumberFilter(method="by_target", label="去处 id（与 kind 同用）")
    day = django_filters.DateFilter(method="on_day", label="当日在此的安排")
    open = django_filters.BooleanFilter(field_name="ends_on", lookup_expr="isnull", label="尚未结束")

    class Meta:
        model = Assignment
        fields = ["enterprise", "employee", "kind", "target", "day", "open"]

    def by_target(self, queryset, name, value):
        kind = self.data.get("kind")
        if kind in TARGET_FIELD:
            return queryset.filter(**{TARGET_FIELD[kind] + "_id": value})
        return queryset.filter(
            Q(grid_unit_id=value)
            | Q(dorm_room_id=value)
            | Q(canteen_sitting_id=value)
            | Q(shuttle_route_id=value)
            | Q(carpool_id=value)
        )

    def on_day(self, queryset, name, value):
        return queryset.filter(Q(starts_on__lte=value) & (Q(ends_on__isnull=True) | Q(ends_on__gte=value)))


class AssignmentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """人员安排（宿舍、就餐批次、通勤班车、私家车、网格单元），按日期记录；新建时返回政策提示（宿舍超员或人均面积不足等，附政策出处）。私家车超过政策限定人数（含驾驶员）的拒绝。"""

    queryset = Assignment.objects.select_related(
        "employee", "grid_unit__parent__parent", "dorm_room", "canteen_sitting", "shuttle_route", "carpool"
    ).order_by("-starts_on", "-id")
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    capabilities = {
        "list": "arrangements.view",
        "retrieve": "arrangements.view",
        "create": "arrangements.edit",
        "end": "arrangements.edit",
    }

    @extend_schema(
        request=AssignCreateSerializer,
        responses={
            201: inline_serializer(
                "AssignResult",
                {
                    "assignments": AssignmentSerializer(many=True),
                    "flags": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
    )
    def create(self, request, *args, **kwargs):
        """安排一人或多人到同一去处，自 starts_on 起生效；原有同类安排在前一天结束。"""
        serializer = AssignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        ids = set(data["employees"])
        people = list(Employee.objects.visible_to(user).filter(pk__in=ids))
        if len(people) != len(ids):
            raise exceptions.NotFound("未找到该员工，或不在您的管辖范围内。")
        target = TARGET_MODEL[data["kind"]].objects.visible_to(user).filter(pk=data["target"]).first()
        if target is None:
            raise exceptions.NotFound("未找到该去处，或不在您的管辖范围内。")
        with service_errors_as_404():
            rows = services.assign_many(
                user, people, data["kind"], target, starts_on=data["starts_on"], seat=data["seat"]
            )
        flags = rows[0].flags if rows else []
        body = {"assignments": AssignmentSerializer(rows, many=True).data, "flags": flags}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """结束安排：ends_on 为此人在此的最后一天。"""
        assignment = self.get_object()
        serializer = EndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors_as_404():
            row = services.end_assignment(
                request.user, assignment, serializer.validated_data.get("ends_on") or timezone.localdate()
            )
        return Response(AssignmentSerializer(row).data)


class CarpoolViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """通勤私家车：车牌、核定座位数（含驾驶员）、驾驶员。"""

    queryset = Carpool.objects.select_related("driver").order_by("enterprise", "plate")
    serializer_class = CarpoolSerializer
    filterset_fields = ["enterprise"]
    search_fields = ["plate"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    capabilities = {
        "list": "arrangements.view",
        "retrieve": "arrangements.view",
        "create": "arrangements.edit",
        "partial_update": "arrangements.edit",
    }

    def _data(self, request) -> dict:
        keys = ("plate", "seats", "driver")
        return {k: request.data.get(k) for k in keys if k in request.data}

    def create(self, request, *args, **kwargs):
        firm = Enterprise.objects.visible_to(request.user).filter(pk=request.user.enterprise_id).first()
        if firm is None:
            raise exceptions.PermissionDenied("您没有执行该操作的权限。")
        with service_errors_as_404():
            carpool = services.create_carpool(request.user, firm, self._data(request))
        return Response(CarpoolSerializer(carpool).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        carpool = self.get_object()
        with service_errors_as_404():
            carpool = services.update_carpool(request.user, carpool, self._data(request))
        return Response(CarpoolSerializer(carpool).data)


def _day_param(request):
    raw = request.query_params.get("day") or request.query_params.get("date")
    if not raw:
        return timezone.localdate()
    try:
        return serializers.DateField().to_internal_value(raw)
    except exceptions.ValidationError:
        raise exceptions.ValidationError({"day": ["日期：应为有效日期，如 2026-02-10"]}) from None


DAY = OpenApiParameter("day", str, description="日期 YYYY-MM-DD；省略为今天")
FLAGS_BODY = {
    "id": serializers.IntegerField(),
    "name": serializers.CharField(),
    "day": serializers.DateField(),
    "flags": serializers.ListField(child=serializers.DictField()),
}


class FlagsViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """某企业某日的住宿、就餐、通勤和网格安排中不符合政策或企业登记容量的问题，每条原因以政策出处开头（企业自身登记的床位、座位数除外）。"""

    queryset = Enterprise.objects.select_related("town").order_by("pk")
    capabilities = {"list": "arrangements.view", "retrieve": "arrangements.view"}
    search_fields = ["name"]

    @extend_schema(
        parameters=[DAY], responses={200: inline_serializer("ArrangementFlagsList", FLAGS_BODY, many=True)}
    )
    def list(self, request, *args, **kwargs):
        """辖区内各企业某日的问题（分页）；企业专员只见本企业。"""
        day = _day_param(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        firms = page if page is not None else list(self.filter_queryset(self.get_queryset()))
        flags = flags_by_firm(day, [f.pk for f in firms])
        rows = [{"id": f.pk, "name": f.name, "day": day, "flags": flags.get(f.pk, [])} for f in firms]
        return self.get_paginated_response(rows) if page is not None else Response(rows)

    @extend_schema(parameters=[DAY], responses={200: inline_serializer("ArrangementFlags", FLAGS_BODY)})
    def retrieve(self, request, *args, **kwargs):
        """某企业某日的问题。"""
        firm = self.get_object()
        day = _day_param(request)
        return Response({"id": firm.pk, "name": firm.name, "day": day, "flags": flags_for_firm(firm, day)})


def register(router) -> None:
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("carpools", CarpoolViewSet, basename="carpool")
    router.register("arrangement-flags", FlagsViewSet, basename="arrangement-flags")
