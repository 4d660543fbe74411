"""The incident core over the API: incidents (scoped list, detail with steps, create = the manual opening
from an outside report, action ``complete_step``) and the read-only timing report."""

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.enterprises.models import Enterprise
from fugong.incidents import services, timing
from fugong.incidents.models import Incident, IncidentSource, IncidentStep, IndexPerson
from fugong.workforce.models import Employee


class IncidentStepSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    late = serializers.SerializerMethodField()

    class Meta:
        model = IncidentStep
        fields = [
            "id",
            "kind",
            "kind_display",
            "owner",
            "due_at",
            "done_at",
            "done_by",
            "skipped",
            "note",
            "late",
        ]
        read_only_fields = fields

    def get_late(self, step) -> bool:
        from django.utils import timezone

        return (
            step.due_at is not None
            and step.done_at is None
            and not step.skipped
            and step.due_at < timezone.now()
        )


class IndexPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="employee.name", read_only=True)
    id_number_masked = serializers.CharField(source="employee.id_number_masked", read_only=True)

    class Meta:
        model = IndexPerson
        fields = ["employee", "name", "id_number_masked", "added_at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    index_people = IndexPersonSerializer(many=True, read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "town",
            "source",
            "alert",
            "report",
            "reference_at",
            "status",
            "opened_at",
            "opened_by",
            "closed_at",
            "close_note",
            "policy_version",
            "index_people",
        ]
        read_only_fields = fields


class IncidentDetailSerializer(IncidentSerializer):
    steps = IncidentStepSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "steps"]
        read_only_fields = fields


class OpenSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, help_text="企业 id；企业专员可省略")
    employees = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    reference_at = serializers.DateTimeField()
    report = serializers.CharField(allow_blank=True, max_length=1000)


class StepActionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    skip = serializers.BooleanField(required=False, default=False)


class IncidentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """疫情处置事件：列表（辖区内）、详情（含各步骤时限与完成情况）、登记外部报告立案、办理步骤。"""

    queryset = (
        Incident.objects.select_related("enterprise")
        .prefetch_related("index_people__employee")
        .order_by("-opened_at", "-id")
    )
    serializer_class = IncidentSerializer
    capabilities = {
        "list": "incidents.view",
        "retrieve": "incidents.view",
        "create": "incidents.open",
        "complete_step": "incidents.handle",
    }
    filterset_fields = ["status", "enterprise", "source"]
    search_fields = ["enterprise__name", "index_people__employee__name"]
    ordering_fields = ["opened_at"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("steps")
        return qs

    def get_serializer_class(self):
        return (
            IncidentDetailSerializer if self.action in ("retrieve", "complete_step") else IncidentSerializer
        )

    @extend_schema(request=OpenSerializer, responses={201: IncidentDetailSerializer})
    def create(self, request, *args, **kwargs):
        """登记外部报告（卫健通报、热线等）立案。"""
        data = OpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        pk = values.get("enterprise") or user.enterprise_id
        firm = Enterprise.objects.visible_to(user).filter(pk=pk).first() if pk else None
        if firm is None:
            raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
        ids = values["employees"]
        people = list(Employee.objects.visible_to(user).filter(enterprise=firm, pk__in=ids))
        if len(people) != len(set(ids)):
            raise exceptions.ValidationError({"employees": ["病例/异常人员：须为该企业的员工"]})
        with service_errors_as_404():
            incident = services.open_incident(
                user,
                firm,
                source=IncidentSource.REPORT,
                employees=people,
                reference_at=values["reference_at"],
                report=values["report"],
            )
        return Response(IncidentDetailSerializer(incident).data, status=201)

    @extend_schema(request=StepActionSerializer, responses={200: IncidentDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete_step(self, request, pk=None):
        """办理一个步骤（或说明原因后跳过）；结案须此前各步骤均已完成或跳过。"""
        incident = self.get_object()
        data = StepActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.handle_step(request.user, incident, **data.validated_data)
        incident = Incident.objects.prefetch_related("steps", "index_people__employee").get(pk=incident.pk)
        return Response(IncidentDetailSerializer(incident).data)


class TimingViewSet(viewsets.ViewSet):
    """疫情处置时效：期间内立案事件从立案到各步骤完成的分钟数，各镇街的中位数与最慢。"""

    permission_classes = ScopedViewSetMixin.permission_classes
    capabilities = {"*": "incidents.report"}

    @extend_schema(
        parameters=[
            OpenApiParameter("start", dt.date, description="开始日期"),
            OpenApiParameter("end", dt.date, description="结束日期"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        from fugong.incidents.forms import PeriodForm

        form = PeriodForm(request.query_params)
        if request.query_params and not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        start, end = form.period()
        report = timing.timing_report(request.user, start, end)

        def stats(group):
            return {
                "name": group.name,
                "incidents": group.incidents,
                "steps": {
                    kind.value: {
                        "count": s.count,
                        "median_minutes": s.median,
                        "slowest_minutes": s.slowest,
                        "slowest_firm": s.slowest_firm,
                    }
                    for kind, s in zip(timing.TIMED_STEPS, group.cells(), strict=True)
                },
            }

        return Response(
            {
                "start": start,
                "end": end,
                "incidents": [
                    {
                        "incident": r.incident_id,
                        "enterprise_name": r.firm,
                        "town_name": r.town,
                        "opened_at": r.opened_at,
                        "minutes": r.minutes,
                    }
                    for r in report.rows
                ],
                "towns": [stats(g) for g in report.towns],
                "overall": stats(report.overall),
            }
        )


def register(router) -> None:
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("incident-timing", TimingViewSet, basename="incident-timing")
