"""Gatherings over the API: a scoped list with filters, creation (multipart, with the plan file),
``approve``/``reject`` by the town and ``cancel`` by the firm, and the plan download.

A create carries a ``client_key`` (or an ``Idempotency-Key`` header): a resend answers 200 with the first
record. A decision or change carries the ``version`` the caller saw; a stale one is a 409 in Chinese.
"""

import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors
from fugong.gatherings import services
from fugong.gatherings.downloads import plan_response
from fugong.gatherings.models import Gathering, GatheringKind, GatheringStatus


class GatheringSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    has_plan = serializers.SerializerMethodField()

    class Meta:
        model = Gathering
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "kind_display",
            "title",
            "place",
            "starts_at",
            "ends_at",
            "headcount",
            "organiser",
            "has_plan",
            "plan_name",
            "status",
            "status_display",
            "flags",
            "policy_version",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_by",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    def get_has_plan(self, obj) -> bool:
        return bool(obj.plan)


class GatheringCreateSerializer(serializers.Serializer):
    # Raw strings: the service parses them and names field and rule in its messages.
    kind = serializers.CharField(allow_blank=True, help_text="meeting / training / event / dinner")
    title = serializers.CharField(allow_blank=True)
    place = serializers.CharField(allow_blank=True)
    starts_at = serializers.CharField(allow_blank=True, help_text="如 2021-01-20T09:00（本地时间）")
    ends_at = serializers.CharField(allow_blank=True)
    headcount = serializers.CharField(allow_blank=True)
    organiser = serializers.CharField(allow_blank=True)
    plan = serializers.FileField(required=False, allow_null=True, help_text="防控方案（达到人数标准时必须）")
    client_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class GatheringUpdateSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.CharField(required=False, allow_blank=True)
    ends_at = serializers.CharField(required=False, allow_blank=True)
    headcount = serializers.CharField(required=False, allow_blank=True)
    organiser = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.FileField(required=False, allow_null=True)
    version = serializers.IntegerField()


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


class CancelSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class GatheringFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    status = django_filters.ChoiceFilter(choices=GatheringStatus.choices)
    kind = django_filters.ChoiceFilter(choices=GatheringKind.choices)
    date = django_filters.DateFilter(field_name="starts_at", lookup_expr="date", label="开始日期")
    date_from = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__gte", label="开始日期起")
    date_to = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="开始日期止")

    class Meta:
        model = Gathering
        fields = ["enterprise", "status", "kind", "date", "date_from", "date_to"]


IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)


class GatheringViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """聚集性活动：会议、培训、集体活动和聚餐。达到政策人数标准须附防控方案并经镇街审批；聚餐超过提倡人数的予以提示。"""

    queryset = Gathering.objects.select_related("enterprise").order_by("-starts_at", "-id")
    serializer_class = GatheringSerializer
    filterset_class = GatheringFilter
    search_fields = ["title", "place", "organiser", "enterprise__name"]
    ordering_fields = ["starts_at", "headcount", "created_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    capabilities = {
        "list": "gatherings.view",
        "retrieve": "gatherings.view",
        "plan": "gatherings.view",
        "create": "gatherings.record",
        "partial_update": "gatherings.record",
        "cancel": "gatherings.record",
        "approve": "gatherings.approve",
        "reject": "gatherings.approve",
    }

    def _firm(self):
        from fugong.enterprises.models import Enterprise

        user = self.request.user
        firm = Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).first()
        if firm is None:
            raise exceptions.PermissionDenied("只有企业疫情防控专员可以登记本企业的活动。")
        return firm

    @extend_schema(
        request={
            "multipart/form-data": GatheringCreateSerializer,
            "application/json": GatheringCreateSerializer,
        },
        parameters=[IDEMPOTENCY],
        responses={
            201: GatheringSerializer,
            200: OpenApiResponse(GatheringSerializer, description="重复提交"),
        },
    )
    def create(self, request, *args, **kwargs):
        """登记一项活动。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        serializer = GatheringCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client_key"] = data.get("client_key") or request.headers.get("Idempotency-Key") or None
        with service_errors(services.GatheringConflict):
            row = services.record_gathering(request.user, self._firm(), **data)
        code = status.HTTP_200_OK if getattr(row, "replayed", False) else status.HTTP_201_CREATED
        return Response(GatheringSerializer(row).data, status=code)

    @extend_schema(request=GatheringUpdateSerializer, responses={200: GatheringSerializer})
    def partial_update(self, request, *args, **kwargs):
        """修改尚未审批或已登记的活动；按活动当天的政策重新判定。"""
        gathering = self.get_object()
        serializer = GatheringUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        plan = data.pop("plan", None)
        with service_errors(services.GatheringConflict):
            row = services.update(request.user, gathering, data, version, plan=plan)
        return Response(GatheringSerializer(row).data)

    def _decision(self, request, service):
        gathering = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(services.GatheringConflict):
            row = service(
                request.user,
                gathering,
                serializer.validated_data["note"],
                serializer.validated_data["version"],
            )
        return Response(GatheringSerializer(row).data)

    @extend_schema(request=DecisionSerializer, responses={200: GatheringSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """镇街批准待审批的活动（须带上所见的 version）。"""
        return self._decision(request, services.approve)

    @extend_schema(request=DecisionSerializer, responses={200: GatheringSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """镇街不批准待审批的活动（须写明理由和所见的 version）。"""
        return self._decision(request, services.reject)

    @extend_schema(request=CancelSerializer, responses={200: GatheringSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """企业在活动开始前取消活动。"""
        gathering = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(services.GatheringConflict):
            row = services.cancel(request.user, gathering, serializer.validated_data["note"])
        return Response(GatheringSerializer(row).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def plan(self, request, pk=None):
        """下载活动的防控方案。"""
        return plan_response(self.get_object())


def register(router) -> None:
    router.register("gatherings", GatheringViewSet, basename="gathering")
