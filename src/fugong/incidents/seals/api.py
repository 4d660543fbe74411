"""Seals over the API: the list in the caller's scope, a new seal (town, task force) and ``lift`` with the
firm's approved reopening application."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.enterprises.models import Enterprise
from fugong.incidents.models import Seal, SealKind, SealScope
from fugong.incidents.seals import services
from fugong.resumption.models import ResumptionApplication


class SealSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    part = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = Seal
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "incident",
            "kind",
            "scope_kind",
            "zone",
            "grid_unit",
            "dorm_building",
            "shuttle_route",
            "part",
            "reason",
            "started_at",
            "started_by",
            "lifted_at",
            "lifted_by",
            "reopening",
            "active",
        ]
        read_only_fields = fields

    def get_part(self, obj) -> str:
        return services.describe_part(obj)

    def get_active(self, obj) -> bool:
        return obj.lifted_at is None


class SealCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SealKind.choices)
    scope_kind = serializers.ChoiceField(choices=SealScope.choices)
    zone = serializers.IntegerField(required=False, allow_null=True)
    grid_unit = serializers.IntegerField(required=False, allow_null=True)
    dorm_building = serializers.CharField(required=False, allow_blank=True, default="")
    shuttle_route = serializers.IntegerField(required=False, allow_null=True)
    incident = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class LiftSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text="本企业已批准的「涉疫停工后启封复工」申请 id")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class SealFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    active = django_filters.BooleanFilter(field_name="lifted_at", lookup_expr="isnull", label="生效中")

    class Meta:
        model = Seal
        fields = ["enterprise", "scope_kind", "kind", "active"]


class SealViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """停工与封闭：镇街、指挥部对企业全厂或局部停工/封闭，凭已批准的启封复工申请解除。"""

    queryset = Seal.objects.select_related(
        "enterprise", "zone", "grid_unit__parent", "shuttle_route"
    ).order_by("-started_at", "-id")
    serializer_class = SealSerializer
    filterset_class = SealFilter
    search_fields = ["enterprise__name", "reason", "dorm_building"]
    ordering_fields = ["started_at", "lifted_at"]
    capabilities = {
        "list": "incidents.view",
        "retrieve": "incidents.view",
        "create": "incidents.seal",
        "lift": "incidents.seal",
    }

    @extend_schema(request=SealCreateSerializer, responses={201: SealSerializer})
    def create(self, request, *args, **kwargs):
        """对企业全厂或一个部位停工或封闭；全厂的同时变更企业状态。"""
        serializer = SealCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        firm = Enterprise.objects.visible_to(request.user).filter(pk=data.pop("enterprise")).first()
        if firm is None:
            raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
        with service_errors_as_404():
            row = services.seal(request.user, firm, **data)
        return Response(SealSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LiftSerializer, responses={200: SealSerializer})
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """凭本企业停工/封闭后批准的启封复工申请解除。"""
        row = self.get_object()
        serializer = LiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = (
            ResumptionApplication.objects.visible_to(request.user)
            .filter(pk=serializer.validated_data["application"])
            .first()
        )
        with service_errors_as_404():
            row = services.lift(request.user, row, application, note=serializer.validated_data["note"])
        return Response(SealSerializer(row).data)


def register(router) -> None:
    router.register("incident-seals", SealViewSet, basename="incident-seal")
