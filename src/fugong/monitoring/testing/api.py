"""/api/v1/tests/, /api/v1/tests/batch/, /api/v1/tests-due/ (SPEC §6 "Tests").

A single result carries ``client_key`` (or an ``Idempotency-Key`` header): a resend answers 200 with the
row already stored instead of 201. The batch takes up to 5,000 results of one firm from its officer or
from a lab system's device token (``Authorization: Device <token>``), which reaches this batch and
nothing else, and only for its own firm.
"""

from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.accounts.roles import can
from fugong.core.api import HasCapability, ScopedViewSetMixin, service_errors
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.monitoring.devices import DeviceChallengeMixin, request_device
from fugong.monitoring.models import DeviceKind, TestResult, TestSource
from fugong.monitoring.testing import selectors, services
from fugong.workforce.models import Employee
from fugong.workforce.selectors import employee_for_user


class TestResultSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    effect = serializers.SerializerMethodField(help_text="保存后的处置：阳性预警、解除缓冲区等")
    released = serializers.SerializerMethodField(help_text="是否因核酸阴性解除缓冲区")

    class Meta:
        model = TestResult
        fields = [
            "id",
            "employee",
            "employee_name",
            "enterprise",
            "enterprise_name",
            "kind",
            "sampled_at",
            "sample_day",
            "result",
            "lab",
            "reported_at",
            "source",
            "policy_version_id",
            "effect",
            "released",
        ]

    def get_effect(self, obj) -> str:
        return getattr(obj, "effect", "")

    def get_released(self, obj) -> bool:
        return bool(getattr(obj, "released", False))


class TestInput(serializers.Serializer):
    employee = serializers.IntegerField(required=False, help_text="员工编号；员工本人登记抗原自测时省略")
    kind = serializers.CharField(help_text="nucleic/antigen（核酸/抗原）")
    sampled_at = serializers.CharField(help_text="采样时间，如2022-04-10 08:30或ISO 8601")
    result = serializers.CharField(help_text="negative/positive（阴性/阳性）")
    lab = serializers.CharField(required=False, allow_blank=True, help_text="检测机构；核酸必填")
    reported_at = serializers.CharField(required=False, allow_blank=True)
    client_key = serializers.CharField(required=False, allow_blank=True, max_length=64)


class BatchInput(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, help_text="企业；设备令牌或本企业账号可省略")
    source = serializers.ChoiceField(
        choices=[TestSource.ENTERPRISE, TestSource.UPLOAD], required=False, help_text="人员提交时的来源"
    )
    records = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{employee|id_number, name, kind, sampled_at, result, lab, reported_at, client_key}]",
    )


class TestsPermission(permissions.BasePermission):
    """A device token reaches the batch only; a person reads their scope, and posts as services allow."""

    def has_permission(self, request, view):
        if request_device(request) is not None:
            return getattr(view, "action", None) == "batch"
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if getattr(view, "action", None) == "batch":
            return can(user, "monitoring.tests.record")
        # Results are health data: the firm's and the authorities' readers, and employees (whose scope is
        # their own rows) — not the gate keeper, whose firm-wide scope would show everyone's results.
        return can(user, "monitoring.tests.view") or can(user, "monitoring.checkin.self")


def bulk_payload(result) -> dict:
    return {
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
                "kind": r.kind,
                "result": r.result,
                "positive": r.positive,
                "released": r.released,
                "fields": r.fields,
            }
            for r in result.rows
        ],
    }


class TestResultViewSet(
    DeviceChallengeMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = TestResult.objects.select_related("employee", "enterprise").order_by("-sampled_at", "-id")
    serializer_class = TestResultSerializer
    permission_classes = [TestsPermission]
    filterset_fields = ["kind", "result", "sample_day", "enterprise", "employee", "source"]

    def get_queryset(self):
        qs = super().get_queryset()
        day = self.request.query_params.get("day")
        if day:
            parsed = parse_date(day)
            if parsed is None:
                raise exceptions.ValidationError({"day": ["「日期」格式无效，如2022-04-10"]})
            qs = qs.filter(sample_day=parsed)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("day", str, description="采样日期，如2022-04-10")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TestInput, responses={201: TestResultSerializer, 200: TestResultSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        # Before validation: a user who may not record results learns nothing from field errors.
        if not (can(user, "monitoring.tests.record") or can(user, "monitoring.checkin.self")):
            raise exceptions.PermissionDenied("您没有执行该操作的权限。")
        data = TestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("employee"):
            employee = get_visible_or_404(Employee, user, pk=values["employee"])
            source = TestSource.SELF if employee.user_id == user.pk else TestSource.ENTERPRISE
        else:
            if not can(user, "monitoring.checkin.self"):
                raise exceptions.ValidationError({"employee": ["「员工」不能为空"]})
            employee = employee_for_user(user)
            if employee is None:
                raise exceptions.ValidationError({"employee": ["您的账号尚未关联员工档案"]})
            source = TestSource.SELF
        key = values.get("client_key") or request.headers.get("Idempotency-Key") or None
        with service_errors():
            row, created = services.record_test(
                user,
                employee,
                kind=values["kind"],
                sampled_at=values["sampled_at"],
                result=values["result"],
                lab=values.get("lab") or "",
                reported_at=values.get("reported_at") or None,
                source=source,
                client_key=key,
            )
        return Response(
            TestResultSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=BatchInput, responses={200: None})
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request):
        """Up to 5,000 results of one firm → per-record results (stored / duplicate / error with the
        reason). From a lab system: ``Authorization: Device <token>``, the firm is the device's."""
        device = request_device(request)
        if device is not None and device.kind != DeviceKind.LAB_SYSTEM:
            # Before validation: a temperature gate learns nothing about the test batch.
            raise exceptions.PermissionDenied("该设备类型不能上传检测结果")
        data = BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if device is not None:
            if values.get("enterprise") not in (None, device.enterprise_id):
                raise exceptions.PermissionDenied("该设备只能提交其所属企业的检测结果。")
            actor, enterprise, source = None, device.enterprise, TestSource.DEVICE
        else:
            actor = request.user
            firm_id = values.get("enterprise") or actor.enterprise_id
            if not firm_id:
                raise exceptions.ValidationError({"enterprise": ["「企业」不能为空"]})
            enterprise = get_visible_or_404(Enterprise, actor, pk=firm_id)
            source = values.get("source") or TestSource.ENTERPRISE
        with service_errors():
            result = services.record_tests_bulk(
                actor, enterprise, values["records"], source=source, device=device
            )
        return Response(bulk_payload(result))


class TestsDueViewSet(viewsets.ViewSet):
    """Per firm, the (person, kind) pairs due on the day (``?day=``, today by default) and not yet
    sampled, overdue first — from the cadence of each firm's policy."""

    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {"*": "monitoring.tests.view"}

    @extend_schema(
        description=(
            "能看到多家企业且未指定 enterprise 时，只返回各企业的计数 [{enterprise, enterprise_name, due, done, "
            "pending, positive}]（全市可达数十万人次，逐人名单须按企业查询）；指定 enterprise 或只管辖一家企业"
            "时，返回该企业逐人名单 [{enterprise, enterprise_name, due, overdue, people: [{employee, name, kind, "
            "last_sample_day, next_due, overdue}]}]。"
        ),
        parameters=[
            OpenApiParameter("day", str, description="日期，如2022-04-10；默认今天"),
            OpenApiParameter(
                "enterprise", int, description="只看某一企业（逐人名单）；多企业用户不填时只返回各企业计数"
            ),
        ],
        responses={200: None},
    )
    def list(self, request):
        day = None
        if request.query_params.get("day"):
            day = parse_date(request.query_params["day"])
            if day is None:
                raise exceptions.ValidationError({"day": ["「日期」格式无效，如2022-04-10"]})
        firm = request.query_params.get("enterprise") or None
        if firm is not None and not firm.isdigit():
            raise exceptions.ValidationError({"enterprise": ["「企业」须为企业编号"]})
        if firm is None and Enterprise.objects.visible_to(request.user)[:2].count() > 1:
            # One row per person and kind over a whole city is hundreds of thousands of rows: the
            # overview gets the counts, the names come firm by firm.
            return Response(
                [
                    {
                        "enterprise": r["enterprise"].pk,
                        "enterprise_name": r["enterprise"].name,
                        "due": r["due"],
                        "done": r["done"],
                        "pending": r["pending"],
                        "positive": r["positive"],
                    }
                    for r in selectors.due_summary(request.user, day, limit=None)
                ]
            )
        groups = selectors.tests_due_by_firm(request.user, day, enterprise=int(firm) if firm else None)
        return Response(
            [
                {
                    "enterprise": g["enterprise"].pk,
                    "enterprise_name": g["enterprise"].name,
                    "due": len(g["rows"]),
                    "overdue": g["overdue"],
                    "people": [
                        {
                            "employee": r.employee.pk,
                            "name": r.employee.name,
                            "kind": r.kind,
                            "last_sample_day": r.last_day,
                            "next_due": r.next_due,
                            "overdue": r.overdue,
                        }
                        for r in g["rows"]
                    ],
                }
                for g in groups
            ]
        )


def register(router):
    router.register("tests", TestResultViewSet, basename="test-result")
    router.register("tests-due", TestsDueViewSet, basename="tests-due")
