"""/api/v1/checkins/, /api/v1/checkins/batch/, /api/v1/alerts/, /api/v1/missing-rounds/ (SPEC §6).

A phone or a gate sends ``client_key`` (or an ``Idempotency-Key`` header): a resend answers 200 with the
row the first request stored instead of 201 with a second one. The batch takes up to 5,000 readings,
stores every good one in one transaction and answers per record.
"""

from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.accounts.roles import can
from fugong.core.api import HasCapability, ScopedViewSetMixin, service_errors, service_errors_as_404
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.monitoring import selectors, services
from fugong.monitoring.devices import DeviceChallengeMixin, request_device
from fugong.monitoring.models import Alert, CheckinSource, DeviceKind, HealthCheckin
from fugong.workforce.models import Employee
from fugong.workforce.selectors import employee_for_user


class CheckinSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = HealthCheckin
        fields = [
            "id",
            "employee",
            "employee_name",
            "enterprise",
            "enterprise_name",
            "day",
            "round",
            "measured_at",
            "temperature",
            "symptoms",
            "health_code",
            "source",
            "abnormal",
            "policy_version_id",
        ]


class CheckinInput(serializers.Serializer):
    employee = serializers.IntegerField(required=False, help_text="员工编号；员工本人打卡时省略")
    temperature = serializers.CharField()
    symptoms = serializers.ListField(child=serializers.CharField(), required=False)
    health_code = serializers.CharField(required=False, allow_blank=True)
    round = serializers.IntegerField(required=False, allow_null=True)
    measured_at = serializers.CharField(required=False, allow_blank=True)
    client_key = serializers.CharField(required=False, allow_blank=True, max_length=64)


class AlertSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "employee",
            "employee_name",
            "enterprise",
            "enterprise_name",
            "town",
            "town_name",
            "kind",
            "checkin",
            "value",
            "raised_at",
            "status",
            "isolation_note",
            "policy_version",
            "acknowledged_by",
            "acknowledged_at",
            "closed_at",
            "note",
        ]


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CheckinViewSet(
    DeviceChallengeMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = HealthCheckin.objects.select_related("employee", "enterprise").order_by(
        "-day", "-round", "-id"
    )
    serializer_class = CheckinSerializer
    filterset_fields = ["day", "round", "abnormal", "source", "enterprise", "employee"]
    # A temperature gate may post its records as a bare JSON list (fugong.core.rest.ObjectJSONParser).
    list_body_actions = ("batch",)

    @extend_schema(request=CheckinInput, responses={201: CheckinSerializer, 200: CheckinSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        data = CheckinInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("employee"):
            if not can(user, "monitoring.checkin.record") and not can(user, "monitoring.checkin.self"):
                raise exceptions.PermissionDenied("您没有执行该操作的权限。")
            # The firm and its town are needed for the policy and the answer: one query, not three.
            employee = get_visible_or_404(
                Employee.objects.select_related("enterprise__town"), user, pk=values["employee"]
            )
            source = (
                CheckinSource.SELF
                if employee.user_id == user.pk
                else (CheckinSource.GATE if user.role == "gate_keeper" else CheckinSource.BULK)
            )
        else:
            if not can(user, "monitoring.checkin.self"):
                raise exceptions.ValidationError({"employee": ["「员工」不能为空"]})
            employee = employee_for_user(user)
            if employee is None:
                raise exceptions.ValidationError({"employee": ["您的账号尚未关联员工档案"]})
            source = CheckinSource.SELF
        key = values.get("client_key") or request.headers.get("Idempotency-Key") or None
        with service_errors_as_404():
            checkin, created = services.record_checkin(
                user,
                employee,
                temperature=values["temperature"],
                symptoms=values.get("symptoms") or (),
                health_code=values.get("health_code") or "",
                round=values.get("round"),
                measured_at=values.get("measured_at") or None,
                source=source,
                client_key=key,
            )
        return Response(
            CheckinSerializer(checkin).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={200: None})
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request):
        """Up to 5,000 readings of one firm: {"enterprise": id (optional for a firm's own account),
        "source": "device"|"bulk", "records": [{employee|id_number, temperature, symptoms, round,
        measured_at, client_key}]} → per-record results. A temperature gate authenticates with
        ``Authorization: Device <token>`` instead of a login: its records go to its own firm only, with
        source "device" and the device noted on each row."""
        user = request.user
        body = request.data
        records = body.get("records") if isinstance(body, dict) else body
        firm_id = body.get("enterprise") if isinstance(body, dict) else None
        device = request_device(request)
        if device is None and not (can(user, "monitoring.checkin.record") or can(user, "monitoring.device")):
            raise exceptions.PermissionDenied("您没有执行该操作的权限。")
        if device is not None and device.kind != DeviceKind.TEMPERATURE_GATE:
            raise exceptions.PermissionDenied("该设备类型不能上传体温记录")
        if device is not None and firm_id not in (None, "") and str(firm_id) != str(device.enterprise_id):
            raise exceptions.PermissionDenied("该设备只能提交本企业的记录。")
        if not isinstance(records, list):
            raise exceptions.ValidationError({"records": ["「records」须为列表"]})
        if device is not None:
            with service_errors():
                result = services.record_bulk(
                    None, device.enterprise, records, source=CheckinSource.DEVICE, device=device
                )
        else:
            enterprise = get_visible_or_404(Enterprise, user, pk=firm_id or user.enterprise_id)
            source = (body.get("source") if isinstance(body, dict) else None) or CheckinSource.DEVICE
            if source not in (CheckinSource.DEVICE, CheckinSource.BULK, CheckinSource.GATE):
                raise exceptions.ValidationError({"source": ["「来源」须为device、bulk或gate"]})
            with service_errors_as_404():
                result = services.record_bulk(user, enterprise, records, source=source)
        return Response(
            {
                "stored": result.stored,
                "duplicates": result.duplicates,
                "errors": result.errors,
                "results": [
                    {
                        "index": r.index,
                        "status": r.status,
                        "message": r.message,
                        "id": r.id,
                        "employee": r.employee,
                        "round": r.round,
                        "abnormal": r.abnormal,
                        "fields": r.fields,
                    }
                    for r in result.rows
                ],
            }
        )


class AlertViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Alert.objects.select_related("employee", "enterprise", "town")
    serializer_class = AlertSerializer
    # Everyone reads the alerts of their own scope; responding is for the firm, town, task force and
    # health bureau.
    capabilities = {"acknowledge": "monitoring.alerts", "close": "monitoring.alerts"}
    filterset_fields = ["status", "kind", "enterprise"]

    def get_queryset(self):
        return selectors.alerts_visible_to(self.request.user)

    def _act(self, fn):
        alert = self.get_object()
        data = NoteInput(data=self.request.data)
        data.is_valid(raise_exception=True)
        with service_errors_as_404():
            alert = fn(self.request.user, alert, data.validated_data.get("note", ""))
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=NoteInput, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(services.acknowledge_alert)

    @extend_schema(request=NoteInput, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(services.close_alert)


class MissingRoundsViewSet(viewsets.ViewSet):
    """Per firm, the people on site lacking a round that should be done by now (``?day=`` for another
    day)."""

    permission_classes = [HasCapability]
    capabilities = {"*": "monitoring.alerts"}

    @extend_schema(responses={200: None})
    def list(self, request):
        day = parse_date(request.query_params.get("day") or "") or None
        groups = selectors.missing_rounds(request.user, day)
        return Response(
            [
                {
                    "enterprise": g["enterprise"].pk,
                    "enterprise_name": g["enterprise"].name,
                    "rounds": g["rounds"],
                    "due": g["due"],
                    "windows": [
                        {
                            "number": w["number"],
                            "name": w["name"],
                            "opens": f"{w['opens']:%H:%M}",
                            "due": f"{w['due']:%H:%M}",
                        }
                        for w in g["windows"]
                    ],
                    "people": [
                        {"employee": p["employee"].pk, "name": p["employee"].name, "missing": p["missing"]}
                        for p in g["people"]
                    ],
                }
                for g in groups
            ]
        )


def register(router):
    router.register("checkins", CheckinViewSet, basename="checkin")
    router.register("alerts", AlertViewSet, basename="alert")
    router.register("missing-rounds", MissingRoundsViewSet, basename="missing-rounds")
