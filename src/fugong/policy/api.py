"""Policy API: policies and versions, the resolved policy for a region on a date, risk areas,
no-return areas and checklist definitions.

Policy is not firm or person data, so it is not scoped by ``visible_to``: an officer sees the policies
of their region's ancestors (the rules they work under) and of their subtree; writes need policy.edit
and a region that contains the policy's.
"""

import datetime as dt

import django_filters
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from fugong.core.api import HasCapability
from fugong.policy import services
from fugong.policy.impact import preview as preview_impact
from fugong.policy.loading import apply_preset, export_version, load_preset, preview_against
from fugong.policy.models import (
    ChecklistDefinition,
    ChecklistItem,
    NoReturnArea,
    Notice,
    Policy,
    PolicyVersion,
    Preset,
    RiskArea,
)
from fugong.policy.parameters import PARAMETER_SPECS, validate_parameters
from fugong.policy.preset_files import read_preset
from fugong.policy.selectors import (
    PolicyResolver,
    can_edit_policy,
    visible_policies,
    visible_policies_q,
    visible_regions_q,
)
from fugong.regions.models import Region

# -- serializers ----------------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Policy
        fields = ["id", "region_code", "region_name", "name", "preset_key", "latest_number", "created_at"]


class PolicyVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "policy",
            "number",
            "effective_from",
            "parameters",
            "preset_key",
            "note",
            "provenance",
            "created_at",
            "created_by",
        ]


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = [
            "code",
            "title",
            "short_title",
            "issuer",
            "issued_on",
            "issued_label",
            "published_at",
            "text",
        ]


class PresetSerializer(serializers.ModelSerializer):
    notice = serializers.CharField(source="notice.code", read_only=True, label="政策文件代码")
    loaded_by = serializers.CharField(source="loaded_by.username", read_only=True, default=None)

    class Meta:
        model = Preset
        fields = ["key", "name", "notice", "shipped", "loaded_at", "loaded_by", "content"]


class PresetFileSerializer(serializers.Serializer):
    content = serializers.CharField(label="预设文件内容（YAML）", trim_whitespace=False)
    region = serializers.CharField(label="应用到的区划代码（可空）", required=False, allow_blank=True)
    effective_from = serializers.DateField(label="生效日期（应用时必填）", required=False)


class ImpactSerializer(serializers.Serializer):
    people = serializers.DictField(child=serializers.IntegerField(), label="各类变化人数")
    people_total = serializers.IntegerField(label="须重新判定人数")
    applications_opened = serializers.IntegerField(label="可提前复工的申请")
    applications_closed = serializers.IntegerField(label="须推迟的申请")
    firms_checklists = serializers.IntegerField(label="检查清单改变的企业")


class NewVersionSerializer(serializers.Serializer):
    based_on_version = serializers.IntegerField(
        min_value=0,
        label="基于版本号",
        help_text="编辑时所依据的版本号；期间如有他人发布新版本，本次提交被拒绝",
    )
    effective_from = serializers.DateField(label="生效日期")
    parameters = serializers.DictField(label="参数", help_text="参数代码见 parameter_specs；缺省即不适用")
    note = serializers.CharField(
        label="修改依据", max_length=300, help_text="文件文号或修改理由：改动的参数以此为出处"
    )


class _AreaSerializer(serializers.ModelSerializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=Policy.objects.none(), label="政策")
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    ended_by = serializers.CharField(source="ended_by.username", read_only=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["policy"].queryset = visible_policies(request.user)

    common = [
        "id",
        "policy",
        "region_code",
        "region",
        "name",
        "valid_from",
        "valid_to",
        "source",
        "created_at",
        "created_by",
        "ended_at",
        "ended_by",
    ]
    read_only = ["region", "created_at", "ended_at"]


class RiskAreaSerializer(_AreaSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = RiskArea
        fields = [*_AreaSerializer.common, "level", "level_display"]
        read_only_fields = _AreaSerializer.read_only


class NoReturnAreaSerializer(_AreaSerializer):
    class Meta:
        model = NoReturnArea
        fields = _AreaSerializer.common
        read_only_fields = _AreaSerializer.read_only


class EndAreaSerializer(serializers.Serializer):
    last_day = serializers.DateField(label="截止日期（最后生效日）")


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = [
            "code",
            "order",
            "text",
            "notice_ref",
            "check_method",
            "data_rule",
            "data_rule_args",
            "active_from",
            "active_to",
        ]


class ChecklistDefinitionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)
    notice = serializers.CharField(source="notice.code", read_only=True, label="政策文件代码")
    notice_title = serializers.CharField(source="notice.short_title", read_only=True, label="政策文件")

    class Meta:
        model = ChecklistDefinition
        fields = ["key", "name", "notice", "notice_title", "source", "description", "items"]


class AreaBriefSerializer(serializers.Serializer):
    region_code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(required=False)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    source = serializers.CharField()
    policy_region_code = serializers.CharField(source="policy.region.code")


class ResolvedPolicySerializer(serializers.Serializer):
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    on_date = serializers.DateField()
    policy_id = serializers.IntegerField()
    policy_name = serializers.CharField()
    source_region_code = serializers.CharField(help_text="政策所属区域：本区域或沿用的上级区域")
    source_region_name = serializers.CharField()
    inherited = serializers.BooleanField()
    version_id = serializers.IntegerField(help_text="决定应记录此编号，以便日后说明依据哪一版政策")
    version_number = serializers.IntegerField()
    effective_from = serializers.DateField()
    preset_key = serializers.CharField()
    parameters = serializers.DictField()
    sources = serializers.DictField(child=serializers.CharField(), label="各参数的出处")
    risk_areas = AreaBriefSerializer(many=True)
    no_return_areas = AreaBriefSerializer(many=True)
    checklists = serializers.ListField(child=serializers.CharField())


# -- filters ---------------------------------------------------------------------------------------------


class PolicyFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", label="区划代码")

    class Meta:
        model = Policy
        fields = ["region", "preset_key"]


class PolicyVersionFilter(django_filters.FilterSet):
    in_force_on = django_filters.DateFilter(method="filter_in_force_on", label="在该日生效的版本")

    class Meta:
        model = PolicyVersion
        fields = ["policy", "number"]

    def filter_in_force_on(self, queryset, name, value):
        # Per policy, the newest version dated on or before the day.
        ids = []
        for policy_id in queryset.values_list("policy_id", flat=True).distinct():
            v = (
                queryset.filter(policy_id=policy_id, effective_from__lte=value)
                .order_by("-number")
                .values_list("pk", flat=True)
                .first()
            )
            if v is not None:
                ids.append(v)
        return queryset.filter(pk__in=ids)


class _AreaFilter(django_filters.FilterSet):
    in_force_on = django_filters.DateFilter(method="filter_in_force_on", label="在该日生效")
    region_code = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label="区划代码前缀"
    )

    def filter_in_force_on(self, queryset, name, value):
        return queryset.in_force(value)


class RiskAreaFilter(_AreaFilter):
    class Meta:
        model = RiskArea
        fields = ["policy", "level", "region_code"]


class NoReturnAreaFilter(_AreaFilter):
    class Meta:
        model = NoReturnArea
        fields = ["policy", "region_code"]


# -- views -----------------------------------------------------------------------------------------------


class _PolicyViewMixin:
    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {
        "*": "policy.view",
        "create": "policy.edit",
        "end": "policy.edit",
        "new_version": "policy.edit",
        "preview": "policy.edit",
    }


class PolicyViewSet(_PolicyViewMixin, viewsets.ReadOnlyModelViewSet):
    """防控政策：本区域、上级区域与下级区域的政策。"""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    search_fields = ["name", "region__name", "region__code"]
    ordering_fields = ["region__path", "created_at"]

    def get_queryset(self):
        return visible_policies(self.request.user).order_by("region__path")

    @extend_schema(responses=PolicyVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        policy = self.get_object()
        data = PolicyVersionSerializer(
            policy.versions.select_related("created_by").order_by("-number"), many=True
        ).data
        return Response(data)

    @extend_schema(request=NewVersionSerializer, responses=ImpactSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """发布前预览：按新参数测算将进入或离开隔离、缓冲区的人数，日期限制改变的申请，检查清单改变的企业。"""
        policy = self.get_object()
        if not can_edit_policy(request.user, policy):
            raise NotFound
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        validate_parameters(body.validated_data["parameters"])
        impact = preview_impact(
            policy, body.validated_data["parameters"], body.validated_data["effective_from"]
        )
        return Response(ImpactSerializer(impact.as_json()).data)

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="版本号；缺省为最新版")],
        responses={(200, "application/x-yaml"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """导出为预设文件（YAML），格式同载入的预设文件。"""
        policy = self.get_object()
        number = request.query_params.get("version")
        versions = policy.versions.order_by("-number")
        version = versions.filter(number=number).first() if (number or "").isdigit() else versions.first()
        if version is None:
            raise NotFound
        return HttpResponse(export_version(version), content_type="application/x-yaml; charset=utf-8")

    @extend_schema(request=NewVersionSerializer, responses={201: PolicyVersionSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        """发布新版本（专班）。based_on_version 不是最新版本号时返回 409。"""
        policy = self.get_object()
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            version = services.create_version(
                policy,
                body.validated_data["parameters"],
                effective_from=body.validated_data["effective_from"],
                based_on=body.validated_data["based_on_version"],
                actor=request.user,
                note=body.validated_data["note"],
            )
        except services.PolicyConflict as exc:
            return Response(
                {"error": {"code": "conflict", "message": exc.messages[0], "fields": {}}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PolicyVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="parameter-specs")
    def parameter_specs(self, request):
        """参数代码、中文名称、单位、取值范围与可选项。"""
        return Response(
            [
                {
                    "key": s.key,
                    "label": str(s.label),
                    "kind": str(s.kind),
                    "group": str(s.group),
                    "unit": str(s.unit),
                    "min": None if s.min is None else str(s.min),
                    "max": None if s.max is None else str(s.max),
                    "choices": [{"value": k, "label": str(v)} for k, v in s.choices],
                    "help": str(s.help),
                }
                for s in PARAMETER_SPECS
            ]
        )


class PolicyVersionViewSet(_PolicyViewMixin, viewsets.ReadOnlyModelViewSet):
    """政策版本（只读；版本一经发布不再修改）。"""

    serializer_class = PolicyVersionSerializer
    filterset_class = PolicyVersionFilter
    ordering_fields = ["number", "effective_from", "created_at"]

    def get_queryset(self):
        return (
            PolicyVersion.objects.filter(visible_policies_q(self.request.user, "policy__"))
            .select_related("created_by")
            .order_by("policy", "-number")
        )


class ResolvedPolicyViewSet(_PolicyViewMixin, viewsets.ViewSet):
    """某区域某日适用的政策：沿区划向上找到最近的已生效政策版本。"""

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="区划代码；缺省为本人管辖区域"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="日期 YYYY-MM-DD；缺省为今天"),
        ],
        responses=ResolvedPolicySerializer,
    )
    def list(self, request):
        user = request.user
        code = request.query_params.get("region") or (user.region.code if user.region_id else "")
        region = Region.objects.filter(visible_regions_q(user), code=code).first()
        if region is None:
            raise Http404
        raw = request.query_params.get("date")
        try:
            on_date = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise DRFValidationError({"date": ["「日期」格式应为 YYYY-MM-DD，例如 2020-02-10。"]}) from exc
        resolved = PolicyResolver().find(region, on_date)
        if resolved is None:
            raise NotFound(f"「{region.name}」及其上级区域在 {on_date.isoformat()} 没有生效的防控政策。")
        data = {
            "region_code": resolved.region_code,
            "region_name": resolved.region_name,
            "on_date": resolved.on_date,
            "policy_id": resolved.policy_id,
            "policy_name": resolved.policy_name,
            "source_region_code": resolved.source_region_code,
            "source_region_name": resolved.source_region_name,
            "inherited": resolved.inherited,
            "version_id": resolved.version_id,
            "version_number": resolved.version_number,
            "effective_from": resolved.effective_from,
            "preset_key": resolved.preset_key,
            "parameters": resolved.parameters.to_json(),
            "sources": {k: resolved.cite(k) for k in resolved.parameters.to_json()},
            "risk_areas": resolved.risk_areas(),
            "no_return_areas": resolved.no_return_areas(),
            "checklists": [c.key for c in resolved.checklists()],
        }
        return Response(ResolvedPolicySerializer(data).data)


class _AreaViewSet(_PolicyViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = RiskArea
    add = staticmethod(services.add_risk_area)
    end_service = staticmethod(services.end_risk_area)
    ordering_fields = ["valid_from", "region_code"]

    def get_queryset(self):
        return self.model.objects.filter(visible_policies_q(self.request.user, "policy__")).select_related(
            "policy__region", "created_by", "ended_by"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        policy = data.pop("policy")
        serializer.instance = self.add(policy, actor=self.request.user, **data)

    @extend_schema(request=EndAreaSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """解除：截止日期为最后生效的一天。"""
        area = self.get_object()
        body = EndAreaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.end_service(area, last_day=body.validated_data["last_day"], actor=request.user)
        return Response(self.get_serializer(area).data)


class RiskAreaViewSet(_AreaViewSet):
    """风险地区：按区划代码登记，上级代码覆盖下级。"""

    serializer_class = RiskAreaSerializer
    filterset_class = RiskAreaFilter


class NoReturnAreaViewSet(_AreaViewSet):
    """不得返岗地区。"""

    model = NoReturnArea
    add = staticmethod(services.add_no_return_area)
    end_service = staticmethod(services.end_no_return_area)
    serializer_class = NoReturnAreaSerializer
    filterset_class = NoReturnAreaFilter


class ChecklistDefinitionViewSet(_PolicyViewMixin, viewsets.ReadOnlyModelViewSet):
    """检查清单及其检查项（来自各通知）。"""

    serializer_class = ChecklistDefinitionSerializer
    lookup_field = "key"
    filterset_fields = {"notice__code": ["exact"]}
    queryset = (
        ChecklistDefinition.objects.select_related("notice")
        .prefetch_related("items")
        .order_by("notice__code", "key")
    )


class NoticeViewSet(_PolicyViewMixin, viewsets.ReadOnlyModelViewSet):
    """政策文件（通知）：预设、参数出处和检查清单所引用的文件。"""

    serializer_class = NoticeSerializer
    lookup_field = "code"
    queryset = Notice.objects.order_by("issued_on", "code")
    search_fields = ["code", "title", "short_title", "issuer"]


class PresetViewSet(_PolicyViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """政策预设：载入预设文件（专班），或先检查。"""

    serializer_class = PresetSerializer
    lookup_field = "key"
    queryset = Preset.objects.select_related("notice", "loaded_by").order_by("key")
    capabilities = {**_PolicyViewMixin.capabilities, "check": "policy.edit"}

    @extend_schema(request=PresetFileSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def check(self, request):
        """检查预设文件并列出与某区域现行政策的差异，不载入。"""
        body = PresetFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preset_file = read_preset(body.validated_data["content"])
        policy = None
        code = body.validated_data.get("region")
        if code:
            region = Region.objects.filter(visible_regions_q(request.user), code=code).first()
            if region is None:
                raise NotFound
            resolved = PolicyResolver().find(region)
            policy = Policy.objects.filter(pk=resolved.policy_id).first() if resolved else None
        changes = [
            {k: str(v) for k, v in row.items() if k in ("key", "label", "before", "after")}
            for row in preview_against(preset_file, policy)
        ]
        return Response({"key": preset_file.key, "name": preset_file.data["name"], "changes": changes})

    @extend_schema(request=PresetFileSerializer, responses={201: PresetSerializer})
    def create(self, request, *args, **kwargs):
        """载入预设文件；给出区划代码和生效日期时同时应用到该区域。"""
        body = PresetFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = body.validated_data.get("region")
        region = None
        if code:
            region = Region.objects.filter(visible_regions_q(request.user), code=code).first()
            if region is None:
                raise NotFound
            if not body.validated_data.get("effective_from"):
                raise DRFValidationError({"effective_from": ["应用到区域时须填写「生效日期」。"]})
        with transaction.atomic():  # loaded and applied, or neither
            preset, _outcome = load_preset(body.validated_data["content"], actor=request.user)
            if region is not None:
                apply_preset(
                    region, preset, actor=request.user, effective_from=body.validated_data["effective_from"]
                )
        return Response(PresetSerializer(preset).data, status=status.HTTP_201_CREATED)


def register(router):
    router.register("policies", PolicyViewSet, basename="policy")
    router.register("policy-versions", PolicyVersionViewSet, basename="policy-version")
    router.register("policy-resolved", ResolvedPolicyViewSet, basename="policy-resolved")
    router.register("risk-areas", RiskAreaViewSet, basename="risk-area")
    router.register("no-return-areas", NoReturnAreaViewSet, basename="no-return-area")
    router.register("checklists", ChecklistDefinitionViewSet, basename="checklist")
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("presets", PresetViewSet, basename="preset")
