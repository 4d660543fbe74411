"""The compliance pictures and the checklist answers over the API.

``compliance-days`` lists the stored pictures in scope (filter by day, town, firm; ``ordering=-risk_score``
for the risk order). ``checklist-answers`` lists the answers in scope; a firm's officer creates a
self-assessment (multipart, with the evidence file); inspectors and town officers ``verify`` one, or
answer an inspection item (``inspection``); ``evidence`` serves the file to those who see the answer.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.compliance import services
from fugong.compliance.models import ChecklistAnswer, ComplianceDay
from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.enterprises.models import Enterprise
from fugong.resumption.downloads import AttachmentFileMissing, attachment_response


class ComplianceDaySerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = ComplianceDay
        fields = [
            "id", "enterprise", "enterprise_name", "town", "town_name", "day", "policy_version", "items",
            "met", "not_met", "unknown", "signals", "risk_score", "risk_reasons", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistAnswer
        fields = [
            "id", "enterprise", "item", "item_code", "kind", "met", "note", "has_evidence", "evidence_name",
            "evidence_type", "evidence_size", "answered_by", "answered_at", "superseded_at", "verdict",
            "verdict_note", "verified_by", "verified_at", "policy_version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class AnswerCreateSerializer(serializers.Serializer):
    # Raw values: the service checks them and names field and rule in its messages.
    item = serializers.CharField()
    met = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False, allow_null=True)
    client_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class InspectionSerializer(AnswerCreateSerializer):
    enterprise = serializers.IntegerField()


class VerifySerializer(serializers.Serializer):
    verdict = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DayFilter(django_filters.FilterSet):
    day = django_filters.DateFilter()
    town = django_filters.NumberFilter(field_name="town")
    enterprise = django_filters.NumberFilter(field_name="enterprise")

    class Meta:
        model = ComplianceDay
        fields = ["day", "town", "enterprise"]


class AnswerFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    item = django_filters.NumberFilter(field_name="item")
    kind = django_filters.CharFilter()
    current = django_filters.BooleanFilter(field_name="superseded_at", lookup_expr="isnull", label="仅最新")

    class Meta:
        model = ChecklistAnswer
        fields = ["enterprise", "item", "kind", "current"]


class ComplianceDayViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """企业每日合规情况：逐项达标情况与原因、风险信号、风险分及其构成（按 ordering=-risk_score 排序即风险排序）。"""

    queryset = ComplianceDay.objects.select_related("enterprise", "town").order_by(
        "-day", "-risk_score", "pk"
    )
    serializer_class = ComplianceDaySerializer
    filterset_class = DayFilter
    search_fields = ["enterprise__name"]
    ordering_fields = ["risk_score", "day", "not_met"]
    capabilities = {"list": "compliance.view", "retrieve": "compliance.view"}


class ChecklistAnswerViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """检查项答复：企业自查（附佐证材料）、镇街或督查人员核查（verify）、督查核查项的核查结果（inspection）。"""

    queryset = ChecklistAnswer.objects.select_related("item").order_by("-answered_at", "-id")
    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    ordering_fields = ["answered_at"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    capabilities = {
        "list": "compliance.view",
        "retrieve": "compliance.view",
        "evidence": "compliance.view",
        "create": "compliance.self_assess",
        "verify": "compliance.verify",
        "inspection": "compliance.verify",
    }

    def _data(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client_key"] = data.get("client_key") or self.request.headers.get("Idempotency-Key") or None
        return data

    def _created(self, answer):
        code = status.HTTP_200_OK if getattr(answer, "replayed", False) else status.HTTP_201_CREATED
        return Response(AnswerSerializer(answer).data, status=code)

    @extend_schema(request=AnswerCreateSerializer, responses={201: AnswerSerializer})
    def create(self, request, *args, **kwargs):
        """企业自查一个检查项：达标须附佐证材料（照片或文件），未达标须填写说明。"""
        data = self._data(AnswerCreateSerializer)
        with service_errors_as_404():
            answer = services.self_assess(request.user, data["item"], data["met"], data["note"],
                                          data.get("evidence"), client_key=data["client_key"])  # fmt: skip
        return self._created(answer)

    @extend_schema(request=InspectionSerializer, responses={201: AnswerSerializer})
    @action(detail=False, methods=["post"])
    def inspection(self, request):
        """督查或镇街人员填报督查核查项的核查结果。"""
        data = self._data(InspectionSerializer)
        firm = Enterprise.objects.visible_to(request.user).filter(pk=data["enterprise"]).first()
        if firm is None:
            raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
        with service_errors_as_404():
            answer = services.inspect(request.user, firm, data["item"], data["met"], data["note"],
                                      data.get("evidence"), client_key=data["client_key"])  # fmt: skip
        return self._created(answer)

    @extend_schema(request=VerifySerializer, responses={200: AnswerSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """核查企业自查：confirmed（核查属实）或 overturned（核查不符，须填写说明）。"""
        answer = self.get_object()
        data = self._data(VerifySerializer)
        with service_errors_as_404():
            answer = services.verify(request.user, answer, data["verdict"], data["note"])
        return Response(AnswerSerializer(answer).data)

    @extend_schema(responses={200: bytes})
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        """下载佐证材料。"""
        from fugong.compliance.views import _Evidence

        answer = self.get_object()
        if not answer.evidence:
            raise exceptions.NotFound("该答复没有佐证材料。")
        try:
            return attachment_response(_Evidence(answer))
        except AttachmentFileMissing as exc:
            raise exceptions.NotFound(exc.message) from exc


def register(router) -> None:
    router.register("compliance-days", ComplianceDayViewSet, basename="compliance-day")
    router.register("checklist-answers", ChecklistAnswerViewSet, basename="checklist-answer")
