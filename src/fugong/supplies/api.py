"""The supplies ledger over the API: stock (read), movements (list; receipts and issues), demands (list,
create, and one action per transition).

A movement or demand create carries a ``client_key`` (or an ``Idempotency-Key`` header): a resend answers
200 with the first row instead of 201 with a second one. An issue larger than the stock answers 409 with
the Chinese message naming the item, the stock and the quantity asked; a stale version answers 409 too.
"""

import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import Conflict, ScopedViewSetMixin, service_errors_as_404
from fugong.enterprises.models import Enterprise

from . import demands, services
from .demands import StaleDemand
from .models import DemandRequest, MovementKind, Stock, StockMovement

IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)


def _enterprise(request, raw):
    user = request.user
    pk = raw or user.enterprise_id
    firm = Enterprise.objects.visible_to(user).filter(pk=pk).first() if pk else None
    if firm is None:
        raise exceptions.ValidationError({"enterprise": ["企业：未找到该企业，或不在您的管辖范围内"]})
    return firm


def _conflict(exc) -> Conflict:
    return Conflict(" ".join(exc.messages))


class StockSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="get_item_display", read_only=True)

    class Meta:
        model = Stock
        fields = ["id", "enterprise", "item", "item_name", "unit", "quantity", "updated_at"]
        read_only_fields = fields


class MovementSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="get_item_display", read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "enterprise",
            "item",
            "item_name",
            "kind",
            "kind_name",
            "change",
            "balance_after",
            "at",
            "counterparty",
            "note",
            "recorded_by",
        ]
        read_only_fields = fields


class MovementCreateSerializer(serializers.Serializer):
    # Plain fields: the service names every bad one in Chinese, so none is checked twice.
    enterprise = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(
        choices=[(MovementKind.RECEIPT, "入库"), (MovementKind.ISSUE, "领用")],
        error_messages={"invalid_choice": "类型：应为入库（receipt）或领用（issue）"},
    )
    item = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    counterparty = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False, allow_null=True)
    client_key = serializers.CharField(required=False, allow_blank=True)


class DemandSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="get_item_display", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DemandRequest
        fields = [
            "id",
            "enterprise",
            "item",
            "item_name",
            "quantity",
            "needed_by",
            "reason",
            "status",
            "status_name",
            "due_on",
            "escalated_at",
            "escalation_note",
            "answer",
            "answered_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class DemandCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False)
    item = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.CharField(required=False, allow_blank=True)
    needed_by = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    client_key = serializers.CharField(required=False, allow_blank=True)


class EscalateSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    due_on = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField()


class AnswerSerializer(serializers.Serializer):
    fulfilled = serializers.BooleanField(required=False, allow_null=True, default=None)
    answer = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField()


class StockFilter(django_filters.FilterSet):
    class Meta:
        model = Stock
        fields = ["enterprise", "item"]


class MovementFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte")

    class Meta:
        model = StockMovement
        fields = ["enterprise", "item", "kind", "date_from", "date_to"]


class DemandFilter(django_filters.FilterSet):
    class Meta:
        model = DemandRequest
        fields = ["enterprise", "item", "status"]


class StockViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """防疫物资库存：每家企业每种物资一行。"""

    queryset = Stock.objects.order_by("enterprise", "item")
    serializer_class = StockSerializer
    filterset_class = StockFilter
    capabilities = {"*": "supplies.view"}


class MovementViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """物资出入库记录：入库为正、领用为负，每条带结存；领用超过库存时拒绝（409）。"""

    queryset = StockMovement.objects.order_by("-at", "-id")
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    search_fields = ["counterparty", "note"]
    ordering_fields = ["at"]
    capabilities = {"list": "supplies.view", "retrieve": "supplies.view", "create": "supplies.record"}

    @extend_schema(
        request=MovementCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={
            201: MovementSerializer,
            200: OpenApiResponse(MovementSerializer, description="重复提交"),
            409: OpenApiResponse(description="库存不足"),
        },
    )
    def create(self, request, *args, **kwargs):
        """登记一笔入库或领用。带相同 client_key 的重复提交返回第一次的记录（200）。"""
        serializer = MovementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = data.pop("client_key", None) or request.headers.get("Idempotency-Key") or None
        firm = _enterprise(request, data.pop("enterprise", None))
        kind = data.pop("kind")
        common = {
            "counterparty": data.get("counterparty", ""),
            "note": data.get("note", ""),
            "at": data.get("at"),
            "client_key": key,
        }
        try:
            with service_errors_as_404():
                if kind == MovementKind.RECEIPT:
                    row = services.receive(
                        request.user,
                        firm,
                        data.get("item"),
                        data.get("quantity"),
                        unit=data.get("unit"),
                        **common,
                    )
                else:
                    row = services.issue(request.user, firm, data.get("item"), data.get("quantity"), **common)
        except services.InsufficientStock as exc:
            raise _conflict(exc) from exc
        code = status.HTTP_200_OK if getattr(row, "replayed", False) else status.HTTP_201_CREATED
        return Response(MovementSerializer(row).data, status=code)


class DemandViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """物资需求：企业提出、镇街协调或上报专班、专班答复；企业可在办结前撤回。"""

    queryset = DemandRequest.objects.order_by("due_on", "id")
    serializer_class = DemandSerializer
    filterset_class = DemandFilter
    ordering_fields = ["due_on", "created_at"]
    capabilities = {
        "list": "supplies.view",
        "retrieve": "supplies.view",
        "create": "supplies.demand",
        "escalate": "supplies.demand.handle",
        "answer": "supplies.demand.handle",
        "withdraw": "supplies.demand",
    }

    @extend_schema(
        request=DemandCreateSerializer, parameters=[IDEMPOTENCY], responses={201: DemandSerializer}
    )
    def create(self, request, *args, **kwargs):
        """提出一项物资需求（交所在镇街协调）。"""
        serializer = DemandCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = data.pop("client_key", None) or request.headers.get("Idempotency-Key") or None
        firm = _enterprise(request, data.pop("enterprise", None))
        with service_errors_as_404():
            row = demands.request_supplies(
                request.user,
                firm,
                data.get("item"),
                data.get("quantity"),
                data.get("needed_by"),
                data.get("reason"),
                client_key=key,
            )
        code = status.HTTP_200_OK if getattr(row, "replayed", False) else status.HTTP_201_CREATED
        return Response(DemandSerializer(row).data, status=code)

    def _act(self, call):
        try:
            with service_errors_as_404():
                row = call()
        except StaleDemand as exc:
            raise _conflict(exc) from exc
        return Response(DemandSerializer(row).data)

    @extend_schema(request=EscalateSerializer, responses={200: DemandSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """镇街上报专班（附说明与答复期限）。"""
        req = self.get_object()
        s = EscalateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        return self._act(
            lambda: demands.escalate(
                request.user, req, d.get("note"), d.get("due_on"), expected_version=d["expected_version"]
            )
        )

    @extend_schema(request=AnswerSerializer, responses={200: DemandSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """答复企业：镇街答复待协调的需求，专班答复已上报的需求。"""
        req = self.get_object()
        s = AnswerSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        return self._act(
            lambda: demands.answer(
                request.user,
                req,
                fulfilled=d.get("fulfilled"),
                answer=d.get("answer"),
                expected_version=d["expected_version"],
            )
        )

    @extend_schema(request=None, responses={200: DemandSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """企业撤回尚未办结的需求。"""
        req = self.get_object()
        return self._act(lambda: demands.withdraw(request.user, req))


def register(router) -> None:
    router.register("supply-stocks", StockViewSet, basename="supply-stock")
    router.register("supply-movements", MovementViewSet, basename="supply-movement")
    router.register("supply-demands", DemandViewSet, basename="supply-demand")
