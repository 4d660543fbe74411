"""Surveys over the API: campaigns (list, create, send, remind, close, export) and the firms' responses
(list, submit). Campaigns are scoped by region (see models.campaign_q), responses through the firm; the
completion counts of a campaign count only the firms the caller sees."""

from io import BytesIO

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.accounts.roles import can
from fugong.core.api import ScopedViewSetMixin, service_errors
from fugong.surveys import fields as catalogue
from fugong.surveys import selectors, services
from fugong.surveys.excel import export_answers
from fugong.surveys.models import SurveyCampaign, SurveyResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CampaignSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    total = serializers.IntegerField(read_only=True, default=0)
    answered = serializers.IntegerField(read_only=True, default=0)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SurveyCampaign
        fields = [
            "id",
            "title",
            "instructions",
            "region",
            "region_code",
            "region_name",
            "fields",
            "deadline",
            "status",
            "status_label",
            "created_at",
            "sent_at",
            "closed_at",
            "version",
            "total",
            "answered",
            "overdue",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    # Raw values: the service checks them and names field and rule in its messages.
    title = serializers.CharField(allow_blank=True)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    region = serializers.CharField(help_text="地区代码（市、区县或镇乡街道）")
    fields = serializers.ListField(
        child=serializers.CharField(), help_text="填报项目：" + "、".join(catalogue.KEYS)
    )
    deadline = serializers.CharField(help_text="截止时间，如 2021-02-01T18:00（北京时间）")


class ResponseSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    deadline = serializers.DateTimeField(source="campaign.deadline", read_only=True)
    fields = serializers.JSONField(source="campaign.fields", read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "campaign",
            "campaign_title",
            "deadline",
            "fields",
            "enterprise",
            "enterprise_name",
            "status",
            "answers",
            "submitted_at",
            "late",
            "reminders_sent",
            "last_reminded_at",
            "version",
        ]
        read_only_fields = fields


class SurveySubmitSerializer(serializers.Serializer):
    answers = serializers.JSONField()
    version = serializers.IntegerField()


CAMPAIGN_CAPABILITIES = {
    "list": "surveys.view",
    "retrieve": "surveys.view",
    "export": "surveys.view",
    "create": "surveys.manage",
    "send": "surveys.manage",
    "remind": "surveys.manage",
    "close": "surveys.manage",
}


class CampaignViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """摸排调查：按地区发给辖区全部企业；完成情况只统计调用者管辖范围内的企业。"""

    queryset = SurveyCampaign.objects.select_related("region").order_by("-created_at", "-id")
    serializer_class = CampaignSerializer
    capabilities = CAMPAIGN_CAPABILITIES
    filterset_fields = ["status"]
    search_fields = ["title"]
    ordering_fields = ["deadline", "created_at"]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.with_completion(request.user, list(page))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        campaign = selectors.with_completion(request.user, [self.get_object()])[0]
        return Response(self.get_serializer(campaign).data)

    def _done(self, campaign, code=status.HTTP_200_OK):
        campaign.refresh_from_db()
        selectors.with_completion(self.request.user, [campaign])
        return Response(CampaignSerializer(campaign).data, status=code)

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        """新建摸排（草稿）；发送后企业才能看到。"""
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            campaign = services.create_campaign(request.user, **data.validated_data)
        return self._done(campaign, status.HTTP_201_CREATED)

    def _run(self, func):
        campaign = self.get_object()
        with service_errors(services.SurveyConflict):
            func(self.request.user, campaign)
        return self._done(campaign)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """发送：为辖区内尚未收到的每家企业生成一份待填报（可重复调用，只补发新企业）。"""
        return self._run(services.send_campaign)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        """催报调用者管辖范围内未填报的企业；同一企业在规定小时数内只催报一次。"""
        return self._run(services.remind)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """结束摸排，不再接受填报。"""
        return self._run(services.close_campaign)

    @extend_schema(responses={200: OpenApiResponse(description="Excel 文件")})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """导出填报结果（每家企业一行，每个填报项目一列；防疫物资按品种分列）。"""
        campaign = self.get_object()
        content, _rows = export_answers(request.user, campaign)
        name = f"摸排调查-{campaign.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        return FileResponse(BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


class ResponseViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """摸排填报：企业看到本企业的，机关看到管辖范围内企业的。"""

    queryset = SurveyResponse.objects.select_related("campaign", "enterprise").order_by(
        "status", "campaign__deadline", "-id"
    )
    serializer_class = ResponseSerializer
    # Firms answer; officers follow. A tuple is not understood by HasCapability, hence get_permissions.
    capabilities = {"submit": "surveys.answer"}
    filterset_fields = ["campaign", "status", "enterprise"]
    search_fields = ["enterprise__name", "campaign__title"]
    ordering_fields = ["submitted_at"]

    def check_permissions(self, request):
        super().check_permissions(request)
        if self.action != "submit" and not (
            can(request.user, "surveys.view") or can(request.user, "surveys.answer")
        ):
            self.permission_denied(request)

    def get_queryset(self):
        return super().get_queryset().exclude(campaign__status="draft")

    @extend_schema(request=SurveySubmitSerializer, responses={200: ResponseSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提交本企业的填报；截止前可再次提交（须带当前 version），截止后首次提交记为逾期。"""
        response = self.get_object()
        data = SurveySubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(services.SurveyConflict):
            saved = services.submit_response(
                request.user, response, data.validated_data["answers"], data.validated_data["version"]
            )
        return Response(ResponseSerializer(saved).data)


def register(router) -> None:
    router.register("survey-campaigns", CampaignViewSet, basename="survey-campaign")
    router.register("survey-responses", ResponseViewSet, basename="survey-response")
