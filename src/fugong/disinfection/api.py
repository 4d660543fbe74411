"""The disinfection log over the API: records (list scoped, create by the firm's officer) and the gaps of
a day for the firms the caller sees.

A create carries a ``client_key`` (or an ``Idempotency-Key`` header): a resend answers 200 with the first
record instead of 201 with a second one.
"""

import django_filters
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from fugong.core.api import HasCapability, ScopedViewSetMixin, service_errors_as_404
from fugong.disinfection import services
from fugong.disinfection.models import DisinfectionRecord
from fugong.disinfection.selectors import gaps_by_firm
from fugong.enterprises.models import Enterprise


def _enterprise(request, raw):
    """The firm to record for: the caller's own, or a visible one named by id."""
    user = request.user
    pk = raw or user.enterprise_id
    firm = Enterprise.objects.visible_to(user).filter(pk=pk).first() if pk else None
    if firm is None:
        raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
    return firm


class RecordSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = DisinfectionRecord
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "day",
            "area",
            "area_name",
            "round",
            "round_name",
            "agent",
            "concentration",
            "operator",
            "done_at",
            "note",
            "recorded_by",
            "recorded_at",
            "policy_version",
        ]
        read_only_fields = fields


class RecordCreateSerializer(serializers.Serializer):
    # Raw values: the service checks them against the policy of the day and names field and rule.
    enterprise = serializers.IntegerField(required=False, help_text="企业 id；企业专员可省略")
    day = serializers.DateField(required=False, help_text="日期；省略为今天")
    area = serializers.CharField(allow_blank=True, help_text="当日政策 disinfection_areas 中的区域代码")
    round = serializers.CharField(allow_blank=True, help_text="当日政策 disinfection_rounds 中的轮次代码")
    agent = serializers.CharField(allow_blank=True)
    concentration = serializers.CharField(allow_blank=True)
    operator = serializers.CharField(allow_blank=True)
    done_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    client_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class RecordFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    day = django_filters.DateFilter(field_name="day", label="日期")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label="开始日期")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label="结束日期")

    class Meta:
        model = DisinfectionRecord
        fields = ["enterprise", "day", "day_from", "day_to", "area", "round"]


IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)


class RecordViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """消杀记录：每个区域每一轮次的消毒剂、浓度、消杀人员和时间。"""

    queryset = DisinfectionRecord.objects.select_related("enterprise").order_by("-day", "-done_at", "-id")
    serializer_class = RecordSerializer
    filterset_class = RecordFilter
    search_fields = ["enterprise__name", "operator", "agent"]
    ordering_fields = ["day", "done_at"]
    capabilities = {
        "list": "disinfection.view",
        "retrieve": "disinfection.view",
        "create": "disinfection.record",
    }

    @extend_schema(
        request=RecordCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: RecordSerializer, 200: OpenApiResponse(RecordSerializer, description="重复提交")},
    )
    def create(self, request, *args, **kwargs):
        """登记一轮消杀。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        serializer = RecordCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client_key"] = data.get("client_key") or request.headers.get("Idempotency-Key") or None
        firm = _enterprise(request, data.pop("enterprise", None))
        data.setdefault("day", timezone.localdate())
        with service_errors_as_404():
            row = services.record_round(request.user, firm, **data)
        code = status.HTTP_200_OK if getattr(row, "replayed", False) else status.HTTP_201_CREATED
        return Response(RecordSerializer(row).data, status=code)


GAP = inline_serializer(
    "DisinfectionGap",
    {
        "area": serializers.CharField(),
        "area_name": serializers.CharField(),
        "round": serializers.CharField(),
        "round_name": serializers.CharField(),
        "overdue": serializers.BooleanField(),
        "cite": serializers.CharField(),
    },
    many=True,
)
FIRM_GAPS = inline_serializer(
    "DisinfectionFirmGaps",
    {
        "enterprise": serializers.IntegerField(),
        "enterprise_name": serializers.CharField(),
        "day": serializers.DateField(),
        "gaps": GAP,
    },
    many=True,
)


class GapViewSet(viewsets.ViewSet):
    """当天按政策须完成但未登记的消杀轮次（逐企业），含是否超时与政策依据。"""

    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {"list": "disinfection.view"}

    @extend_schema(
        parameters=[
            OpenApiParameter("day", str, description="日期（YYYY-MM-DD）；省略为今天"),
            OpenApiParameter("enterprise", int, description="只看一家企业"),
        ],
        responses={200: FIRM_GAPS},
    )
    def list(self, request):
        """可见企业当天未完成的消杀轮次；没有缺漏的企业不列出。"""
        raw = request.query_params.get("day", "")
        try:
            day = parse_date(raw) if raw else timezone.localdate()
        except ValueError:
            day = None
        if day is None:
            raise exceptions.ValidationError({"day": ["日期：应为有效日期，如 2020-02-10"]})
        firms = Enterprise.objects.visible_to(request.user)
        enterprise = request.query_params.get("enterprise", "")
        if enterprise:
            if not enterprise.isdigit():
                raise exceptions.ValidationError({"enterprise": ["企业：应为企业编号"]})
            firms = firms.filter(pk=enterprise)
        gaps = gaps_by_firm(day, enterprise_ids=firms.values("pk"))
        names = dict(Enterprise.objects.filter(pk__in=list(gaps)).values_list("pk", "name"))
        return Response(
            [
                {"enterprise": pk, "enterprise_name": names.get(pk, ""), "day": day, "gaps": gaps[pk]}
                for pk in sorted(gaps, key=lambda pk: (names.get(pk, ""), pk))
            ]
        )


def register(router) -> None:
    router.register("disinfection-records", RecordViewSet, basename="disinfection-record")
    router.register("disinfection-gaps", GapViewSet, basename="disinfection-gap")
