"""/api/v1/enterprises/ and /api/v1/industry-classes/: the register over HTTP, through the same services."""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors
from fugong.enterprises import excel, selectors, services
from fugong.enterprises.filters import EnterpriseFilter
from fugong.enterprises.models import Enterprise, IndustryClass
from fugong.enterprises.serializers import (
    EnterpriseSerializer,
    EnterpriseWriteSerializer,
    IndustryClassSerializer,
    StatusChangeRecordSerializer,
    StatusChangeSerializer,
)


def _service_errors():
    return service_errors(services.VersionConflict)


class EnterpriseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """企业档案（一企一档）：列表、详情、新建、修改（须带 version，冲突返回409）、状态变更、导出。只含管辖范围内的企业。"""

    queryset = Enterprise.objects.select_related("town__parent", "department", "industry_class")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    search_fields = ["name", "uscc", "legal_representative"]
    ordering_fields = [
        "name",
        "uscc",
        "normal_headcount",
        "normal_daily_output",
        "status",
        "status_changed_at",
        "created_at",
        "updated_at",
        "town__code",
    ]
    capabilities = {
        "list": "enterprise.view",
        "retrieve": "enterprise.view",
        "create": "enterprise.create",
        "update": "enterprise.edit",
        "partial_update": "enterprise.edit",
        "change_status": "enterprise.status",
        "status_history": "enterprise.view",
        "counts": "enterprise.view",
        "export": "enterprise.export",
    }

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return EnterpriseWriteSerializer
        return super().get_serializer_class()

    @extend_schema(responses={201: EnterpriseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        with _service_errors():
            enterprise = services.create_enterprise(request.user, data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EnterpriseSerializer, 409: OpenApiResponse(description="版本冲突")})
    def update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        serializer = self.get_serializer(enterprise, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        with _service_errors():
            enterprise = services.update_enterprise(request.user, enterprise, data, version)
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(
        request=StatusChangeSerializer,
        responses={200: EnterpriseSerializer, 409: OpenApiResponse(description="版本冲突")},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        enterprise = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            enterprise = services.change_status(
                request.user,
                enterprise,
                serializer.validated_data["status"],
                serializer.validated_data["reason"],
                expected_version=serializer.validated_data.get("version"),
            )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(responses=StatusChangeRecordSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="status-history")
    def status_history(self, request, pk=None):
        enterprise = self.get_object()
        history = selectors.status_history(enterprise, request.user)
        return Response(StatusChangeRecordSerializer(history, many=True).data)

    @extend_schema(filters=True, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def counts(self, request):
        return Response(selectors.status_counts(self.filter_queryset(self.get_queryset())))

    @extend_schema(filters=True, responses={(200, excel.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        with _service_errors():
            content = services.export_register(request.user, queryset, filters=request.query_params)
        response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
        filename = f"enterprises-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class IndustryClassViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017 divisions: public reference data, the same for every scope."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = IndustryClass.objects.order_by("code")
    serializer_class = IndustryClassSerializer
    pagination_class = None
    filterset_fields = ["section"]
    search_fields = ["code", "name", "section_name"]


def register(router) -> None:
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("industry-classes", IndustryClassViewSet, basename="industry-class")
