"""Regions are public reference data for officers: any user with region.view reads the whole tree."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import HasCapability
from fugong.regions.models import Region, RegionLevel
from fugong.regions.services import create_grid


class RegionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_label", "parent", "path"]
        read_only_fields = fields


class GridCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label="网格名称", max_length=100)


class RegionFilter(filters.FilterSet):
    parent = filters.NumberFilter(field_name="parent_id", label="上级区划 ID")
    level = filters.ChoiceFilter(choices=RegionLevel.choices, label="层级")
    code = filters.CharFilter(label="区划代码")
    within = filters.CharFilter(method="filter_within", label="在某区划代码之下（含自身）")

    class Meta:
        model = Region
        fields = ["parent", "level", "code", "within"]

    def filter_within(self, queryset, name, value):
        root = Region.objects.filter(code=value).first()
        return queryset.within(root) if root else queryset.none()


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {"*": "region.view", "grids": "region.grid.create"}
    filterset_class = RegionFilter
    search_fields = ["name"]
    ordering_fields = ["code", "name", "level"]
    ordering = ["code"]

    @extend_schema(summary="下级区划", responses=RegionSerializer(many=True))
    @action(detail=True)
    def children(self, request, pk=None):
        region = self.get_object()
        page = self.paginate_queryset(self.filter_queryset(region.children.all()))
        return self.get_paginated_response(RegionSerializer(page, many=True).data)

    @extend_schema(
        summary="在该区划下新建网格", request=GridCreateSerializer, responses={201: RegionSerializer}
    )
    @action(detail=True, methods=["post"])
    def grids(self, request, pk=None):
        region = self.get_object()
        payload = GridCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        grid = create_grid(request.user, region, payload.validated_data["name"])
        return Response(RegionSerializer(grid).data, status=status.HTTP_201_CREATED)


def register(router):
    router.register("regions", RegionViewSet, basename="region")
