"""/api/v1/employees/ and /api/v1/isolation-episodes/: employee files over HTTP, through the services.

Every route reads through ``visible_to(request.user)`` — a person outside the user's scope answers 404
— and writes through ``fugong.workforce.services``; a save over a newer version answers 409. The ID
number is always masked except in the answer of ``POST employees/{id}/reveal-id/``, which is logged.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors
from fugong.enterprises.models import Enterprise
from fugong.workforce import episodes, guards, selectors, services
from fugong.workforce import travel as travel_history  # the viewset's own ``travel`` action shadows the name
from fugong.workforce.filters import EmployeeFilter, EpisodeFilter
from fugong.workforce.models import Employee, IsolationEpisode
from fugong.workforce.serializers import (
    ArriveSerializer,
    CloseContactSerializer,
    EmployeeDetailSerializer,
    EmployeeSerializer,
    EmployeeWriteSerializer,
    EpisodeReleaseSerializer,
    EpisodeSerializer,
    EpisodeStartSerializer,
    StatusChangeSerializer,
    StatusSerializer,
    TravelSerializer,
    TravelStopSerializer,
)


def _service_errors():
    return service_errors(guards.EmployeeConflict)


def _input(request) -> dict:
    """The request body as a plain dict; unknown keys reach the service, which names them."""
    data = request.data
    if hasattr(data, "dict"):
        data = data.dict()
    return dict(data)


class EmployeeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """员工档案（一人一档）：列表、详情、登记、修改（须带 version，冲突返回409）、状态变更、旅居史、返岗判定。
    身份证号一律脱敏；完整号码仅限有权角色通过 reveal-id 查看，并记入审计日志。"""

    queryset = Employee.objects.select_related(*selectors.ROSTER_RELATED)
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter
    search_fields = ["name", "employee_no"]
    ordering_fields = [
        "name",
        "employee_no",
        "status",
        "decision",
        "release_date",
        "return_date",
        "updated_at",
    ]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    capabilities = {
        "list": "workforce.view",
        "retrieve": "workforce.view",
        "history": "workforce.view",
        "travel": "workforce.view",
        "summary": "workforce.view",
        "create": "workforce.edit",
        "update": "workforce.edit",
        "partial_update": "workforce.edit",
        "set_travel": "workforce.edit",
        "change_status": "workforce.status",
        "evaluate": "workforce.status",
        "arrive": "workforce.status",
        "reveal_id": "workforce.unmask",
        "me": "workforce.self",
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EmployeeDetailSerializer
        return super().get_serializer_class()

    def _out(self, employee, code=status.HTTP_200_OK):
        employee = (
            self.get_queryset()
            .prefetch_related("travel_stops", "close_contacts", "episodes")
            .get(pk=employee.pk)
        )
        return Response(EmployeeDetailSerializer(employee).data, status=code)

    @extend_schema(request=EmployeeWriteSerializer, responses={201: EmployeeDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = _input(request)
        data.pop("version", None)
        enterprise = request.user.enterprise
        if enterprise is None:
            raise exceptions.PermissionDenied("只有企业防疫专员可以登记本企业员工。")
        with _service_errors():
            employee = services.register_employee(request.user, enterprise, data)
        return self._out(employee, status.HTTP_201_CREATED)

    @extend_schema(
        request=EmployeeWriteSerializer,
        responses={200: EmployeeDetailSerializer, 409: OpenApiResponse(description="版本冲突")},
    )
    def partial_update(self, request, *args, **kwargs):
        employee = self.get_object()
        data = _input(request)
        version = data.pop("version", None)
        with _service_errors():
            employee = services.update_employee(request.user, employee, data, version)
        return self._out(employee)

    @extend_schema(
        request=EmployeeWriteSerializer,
        responses={200: EmployeeDetailSerializer, 409: OpenApiResponse(description="版本冲突")},
    )
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=None, responses={200: OpenApiResponse(description='{"id_number": "完整身份证号"}')}
    )
    @action(detail=True, methods=["post"], url_path="reveal-id")
    def reveal_id(self, request, pk=None):
        employee = self.get_object()
        with _service_errors():
            number = services.reveal_id_number(request.user, employee)
        response = Response({"id": employee.pk, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=StatusSerializer, responses={200: EmployeeDetailSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        employee = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            employee = services.change_status(
                request.user,
                employee,
                serializer.validated_data["status"],
                serializer.validated_data["reason"],
            )
        return self._out(employee)

    @extend_schema(responses={200: StatusChangeSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        employee = self.get_object()
        changes = employee.status_changes.select_related("actor")
        return Response(StatusChangeSerializer(changes, many=True).data)

    @extend_schema(responses={200: TravelSerializer})
    @action(detail=True, methods=["get"])
    def travel(self, request, pk=None):
        employee = self.get_object()
        return Response(
            {
                "stops": TravelStopSerializer(employee.travel_stops.order_by("from_date"), many=True).data,
                "contacts": CloseContactSerializer(
                    employee.close_contacts.order_by("contact_date"), many=True
                ).data,
                "version": employee.version,
            }
        )

    @extend_schema(
        request=TravelSerializer, responses={200: EmployeeDetailSerializer, 409: OpenApiResponse()}
    )
    @travel.mapping.put
    def set_travel(self, request, pk=None):
        employee = self.get_object()
        data = _input(request)
        with _service_errors():
            employee = travel_history.set_travel(
                request.user,
                employee,
                data.get("stops") or [],
                data.get("contacts") or [],
                expected_version=data.get("version"),
            )
        return self._out(employee)

    @extend_schema(request=None, responses={200: EmployeeDetailSerializer})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        employee = self.get_object()
        with _service_errors():
            employee = services.apply_evaluation(request.user, employee)
        return self._out(employee)

    @extend_schema(request=ArriveSerializer, responses={200: EmployeeDetailSerializer})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        employee = self.get_object()
        serializer = ArriveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            employee = services.record_arrival_at_plant(
                request.user,
                employee,
                serializer.validated_data.get("arrived_on") or None,
                serializer.validated_data.get("reason") or "",
            )
        return self._out(employee)

    @extend_schema(responses={200: OpenApiResponse(description="按区县、居住地管控状态、通勤方式统计")})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        user = request.user
        if user.enterprise_id:
            enterprise = user.enterprise
        else:
            try:
                enterprise = Enterprise.objects.visible_to(user).get(
                    pk=int(request.query_params.get("enterprise"))
                )
            except (Enterprise.DoesNotExist, TypeError, ValueError) as exc:
                raise Http404 from exc
        return Response({"enterprise": enterprise.pk, **selectors.returns_summary(user, enterprise)})

    @extend_schema(responses={200: EmployeeDetailSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        employee = selectors.employee_for_user(request.user)
        if employee is None:
            raise Http404
        summary = selectors.self_summary(employee)
        episode = summary.pop("episode")
        data = EmployeeDetailSerializer(employee).data
        data["today"] = summary | {"episode": EpisodeSerializer(episode).data if episode else None}
        return Response(data)


class IsolationEpisodeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """厂内隔离观察与缓冲区记录：列表（?open=true 为进行中，含观察第几天、剩余天数）、开始、解除。"""

    queryset = IsolationEpisode.objects.select_related("employee__enterprise", "place")
    serializer_class = EpisodeSerializer
    filterset_class = EpisodeFilter
    ordering_fields = ["started_on", "planned_end", "released_at"]
    capabilities = {
        "list": "workforce.view",
        "retrieve": "workforce.view",
        "create": "workforce.isolation",
        "release": "workforce.isolation",
    }

    @extend_schema(request=EpisodeStartSerializer, responses={201: EpisodeSerializer})
    def create(self, request, *args, **kwargs):
        serializer = EpisodeStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            employee = Employee.objects.visible_to(request.user).get(pk=data["employee"])
        except Employee.DoesNotExist as exc:
            raise Http404 from exc
        with _service_errors():
            episode = episodes.start_episode(
                request.user,
                employee,
                data["kind"],
                data.get("started_on") or None,
                data.get("place"),
                data["reason"],
                place_note=data.get("place_note") or "",
            )
        return Response(EpisodeSerializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EpisodeReleaseSerializer, responses={200: EpisodeSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        episode = self.get_object()
        serializer = EpisodeReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            episode = episodes.release_episode(
                request.user,
                episode,
                serializer.validated_data.get("note") or "",
                nucleic_negative_at=serializer.validated_data.get("nucleic_negative_at") or None,
            )
        return Response(EpisodeSerializer(episode).data)


def register(router):
    router.register("employees", EmployeeViewSet, basename="employee")
    router.register("isolation-episodes", IsolationEpisodeViewSet, basename="isolation-episode")
