"""The gate over the API: employee entries, visitors (with ``leave``) and vehicles.

Lists are scoped like every firm's data; the gate keeper and the firm's officer create. A create carries
a ``client_key`` (or an ``Idempotency-Key`` header): a resend answers 200 with the first record instead
of 201 with a second one. Only masked ID numbers leave the server.
"""

import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors_as_404
from fugong.core.masking import PhoneField
from fugong.enterprises.models import Enterprise
from fugong.operations import services
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.workforce.models import Employee


def _enterprise(request, raw):
    """The firm to record for: the caller's own, or a visible one named by id."""
    user = request.user
    pk = raw or user.enterprise_id
    firm = Enterprise.objects.visible_to(user).filter(pk=pk).first() if pk else None
    if firm is None:
        raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
    return firm


# -- serializers ---------------------------------------------------------------------------------------


class EntrySerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    id_number_masked = serializers.CharField(source="employee.id_number_masked", read_only=True)

    class Meta:
        model = EmployeeEntry
        fields = [
            "id",
            "enterprise",
            "gate",
            "employee",
            "employee_name",
            "id_number_masked",
            "at",
            "temperature",
            "health_code",
            "allowed",
            "refusal_reason",
            "policy_version",
            "recorded_by",
        ]
        read_only_fields = fields


class VisitorSerializer(serializers.ModelSerializer):
    phone = PhoneField(read_only=True)

    class Meta:
        model = Visitor
        fields = [
            "id",
            "enterprise",
            "gate",
            "name",
            "id_number_masked",
            "phone",
            "company",
            "host",
            "purpose",
            "temperature",
            "health_code",
            "time_in",
            "time_out",
            "allowed",
            "refusal_reason",
            "policy_version",
            "recorded_by",
        ]
        read_only_fields = fields


class VehicleSerializer(serializers.ModelSerializer):
    driver_phone = PhoneField(read_only=True)

    class Meta:
        model = VehicleEntry
        fields = [
            "id",
            "enterprise",
            "gate",
            "plate",
            "driver_name",
            "driver_phone",
            "origin",
            "cargo",
            "disinfected",
            "pass_number",
            "at",
            "allowed",
            "refusal_reason",
            "policy_version",
            "recorded_by",
        ]
        read_only_fields = fields


class _CreateBase(serializers.Serializer):
    # Raw strings: the service checks them and names field and rule in its messages.
    gate = serializers.IntegerField(required=False, allow_null=True)
    client_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class EntryCreateSerializer(_CreateBase):
    employee = serializers.IntegerField()
    temperature = serializers.CharField(allow_blank=True)
    health_code = serializers.CharField(required=False, allow_blank=True, default="")


class VisitorCreateSerializer(_CreateBase):
    enterprise = serializers.IntegerField(required=False, help_text="企业 id；门岗与企业专员可省略")
    name = serializers.CharField(allow_blank=True)
    id_number = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    company = serializers.CharField(required=False, allow_blank=True, default="")
    host = serializers.CharField(allow_blank=True)
    purpose = serializers.CharField(allow_blank=True)
    temperature = serializers.CharField(allow_blank=True)
    health_code = serializers.CharField(required=False, allow_blank=True, default="")


class VehicleCreateSerializer(_CreateBase):
    enterprise = serializers.IntegerField(required=False, help_text="企业 id；门岗与企业专员可省略")
    plate = serializers.CharField(allow_blank=True)
    driver_name = serializers.CharField(allow_blank=True)
    driver_phone = serializers.CharField(allow_blank=True)
    origin = serializers.CharField(allow_blank=True)
    cargo = serializers.CharField(required=False, allow_blank=True, default="")
    disinfected = serializers.BooleanField()
    pass_number = serializers.CharField(required=False, allow_blank=True, default="")


# -- filters -------------------------------------------------------------------------------------------


class _GateFilter(django_filters.FilterSet):
    enterprise = django_filters.NumberFilter(field_name="enterprise")
    allowed = django_filters.BooleanFilter()


class EntryFilter(_GateFilter):
    date = django_filters.DateFilter(field_name="at", lookup_expr="date", label="日期")

    class Meta:
        model = EmployeeEntry
        fields = ["enterprise", "allowed", "date"]


class VisitorFilter(_GateFilter):
    date = django_filters.DateFilter(field_name="time_in", lookup_expr="date", label="日期")
    inside = django_filters.BooleanFilter(field_name="time_out", lookup_expr="isnull", label="仍在厂内")

    class Meta:
        model = Visitor
        fields = ["enterprise", "allowed", "date", "inside"]


class VehicleFilter(_GateFilter):
    date = django_filters.DateFilter(field_name="at", lookup_expr="date", label="日期")

    class Meta:
        model = VehicleEntry
        fields = ["enterprise", "allowed", "date"]


# -- viewsets ------------------------------------------------------------------------------------------

CAPABILITIES = {"list": "gate.view", "retrieve": "gate.view", "create": "gate.record", "leave": "gate.record"}
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)


class _GateViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    capabilities = CAPABILITIES
    create_serializer = None

    def _validated(self, request) -> dict:
        serializer = self.create_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["client_key"] = data.get("client_key") or request.headers.get("Idempotency-Key") or None
        return data

    def _created(self, row):
        code = status.HTTP_200_OK if getattr(row, "replayed", False) else status.HTTP_201_CREATED
        return Response(self.serializer_class(row).data, status=code)


class EntryViewSet(_GateViewSet):
    """员工进厂登记：测温、查验健康码；发热、黄码红码或处于隔离/缓冲/暂缓返岗的员工拒绝进厂并记录原因。"""

    queryset = EmployeeEntry.objects.select_related("employee").order_by("-at", "-id")
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    search_fields = ["employee__name"]
    ordering_fields = ["at"]
    create_serializer = EntryCreateSerializer

    @extend_schema(
        request=EntryCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: EntrySerializer, 200: OpenApiResponse(EntrySerializer, description="重复提交")},
    )
    def create(self, request, *args, **kwargs):
        """登记一名员工进厂。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        data = self._validated(request)
        employee = Employee.objects.visible_to(request.user).filter(pk=data.pop("employee")).first()
        if employee is None:
            raise exceptions.ValidationError({"employee": ["员工：未找到该员工，或不在您的管辖范围内"]})
        with service_errors_as_404():
            row = services.record_employee_entry(request.user, employee, **data)
        return self._created(row)


class VisitorViewSet(_GateViewSet):
    """访客登记：姓名、身份证号（仅显示脱敏）、电话、单位、被访人、事由、体温、健康码、进出时间；发热或黄码红码拒绝进入并记录原因。"""

    queryset = Visitor.objects.order_by("-time_in", "-id")
    serializer_class = VisitorSerializer
    filterset_class = VisitorFilter
    search_fields = ["name", "company", "host"]
    ordering_fields = ["time_in"]
    create_serializer = VisitorCreateSerializer

    @extend_schema(
        request=VisitorCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: VisitorSerializer, 200: OpenApiResponse(VisitorSerializer, description="重复提交")},
    )
    def create(self, request, *args, **kwargs):
        """登记一名访客。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        data = self._validated(request)
        firm = _enterprise(request, data.pop("enterprise", None))
        with service_errors_as_404():
            row = services.record_visitor(request.user, firm, **data)
        return self._created(row)

    @extend_schema(request=None, responses={200: VisitorSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """访客离开：记录离开时间（重复提交不改变第一次的时间）。"""
        visitor = self.get_object()
        with service_errors_as_404():
            visitor = services.visitor_leaves(request.user, visitor)
        return Response(VisitorSerializer(visitor).data)


class VehicleViewSet(_GateViewSet):
    """车辆登记：车牌、驾驶员、来自、货物、是否消毒、通行证号；未消毒车辆拒绝进入并记录原因。"""

    queryset = VehicleEntry.objects.order_by("-at", "-id")
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilter
    search_fields = ["plate", "driver_name", "origin"]
    ordering_fields = ["at"]
    create_serializer = VehicleCreateSerializer

    @extend_schema(
        request=VehicleCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: VehicleSerializer, 200: OpenApiResponse(VehicleSerializer, description="重复提交")},
    )
    def create(self, request, *args, **kwargs):
        """登记一辆车。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        data = self._validated(request)
        firm = _enterprise(request, data.pop("enterprise", None))
        with service_errors_as_404():
            row = services.record_vehicle(request.user, firm, **data)
        return self._created(row)


def register(router) -> None:
    router.register("gate-entries", EntryViewSet, basename="gate-entry")
    router.register("gate-visitors", VisitorViewSet, basename="gate-visitor")
    router.register("gate-vehicles", VehicleViewSet, basename="gate-vehicle")
