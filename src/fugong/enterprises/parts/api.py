"""API for the inside of a firm: one scoped viewset per kind, writes through parts.services."""

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from fugong.core.api import ScopedModelViewSet
from fugong.core.fields import EncryptedCharField
from fugong.core.masking import CONTACT, PhoneField
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    Enterprise,
    GatePoint,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    Zone,
)
from fugong.enterprises.parts import services

NOT_VISIBLE = _("未找到该对象，或不在您的管辖范围内。")


class ContactPhoneField(PhoneField):
    def __init__(self, **kwargs):
        super().__init__(kind=CONTACT, **kwargs)


class PartSerializer(serializers.ModelSerializer):
    """Types and shapes only; the rules and their messages are in parts.services. A phone (a team
    member's, the shuttle driver's) is one of the firm's contacts: read as the caller may see it."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EncryptedCharField: ContactPhoneField,
    }

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(),
        label=_("企业"),
        error_messages={"does_not_exist": NOT_VISIBLE, "incorrect_type": _("应为企业编号（整数）。")},
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("企业名称"))
    warnings = serializers.SerializerMethodField(
        help_text=_("保存时的提醒（不阻止保存），只在新增和修改的响应中给出。")
    )

    class Meta:
        # The service checks uniqueness with a message naming the field; DRF's would name the columns.
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Only firms, and parts of firms, the caller may see can be referred to at all.
        fields["enterprise"].queryset = Enterprise.objects.visible_to(user)
        for name, f in fields.items():
            if isinstance(f, serializers.PrimaryKeyRelatedField) and name != "enterprise" and not f.read_only:
                f.queryset = f.queryset.model.objects.visible_to(user)
                f.error_messages["does_not_exist"] = NOT_VISIBLE
        if isinstance(self.instance, models.Model):
            fields["enterprise"].read_only = True  # a part never moves to another firm
        return fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj) -> list[str]:
        return self.context.get("warnings", {}).get(obj.pk, [])

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(self._labelled(exc.detail)) from exc

    def _labelled(self, detail):
        """ "字段：规则", like the pages: the client shows the message, not our column names."""
        if not isinstance(detail, dict):
            return detail
        out = {}
        for name, messages in detail.items():
            f = self.fields.get(name)
            label = str(f.label) if f is not None and f.label else ""
            if label and isinstance(messages, list):
                messages = [m if str(m).startswith(label) else f"{label}：{m}" for m in messages]
            out[name] = messages
        return out

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        data.pop("enterprise", None)
        return data


COMMON = ["id", "enterprise", "enterprise_name"]


def _serializer(model, fields):
    meta = type("Meta", (PartSerializer.Meta,), {"model": model, "fields": [*COMMON, *fields, "warnings"]})
    return type(f"{model.__name__}Serializer", (PartSerializer,), {"Meta": meta})


class EnterpriseFilter(django_filters.FilterSet):
    # A plain number: a choice filter would answer "invalid choice" for firms that exist but lie
    # outside the caller's scope, telling them apart from firms that do not exist.
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业编号"))


def _filterset(model, fields=(), links=()):
    """``links`` are foreign keys, filtered by plain id for the same reason as ``enterprise``."""
    declared = {name: django_filters.NumberFilter(field_name=f"{name}_id") for name in links}
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}Filter", (EnterpriseFilter,), {**declared, "Meta": meta})


class PartViewSet(ScopedModelViewSet):
    kind_slug = ""
    capabilities = {
        "list": services.VIEW_CAPABILITY,
        "retrieve": services.VIEW_CAPABILITY,
        "create": services.EDIT_CAPABILITY,
        "update": services.EDIT_CAPABILITY,
        "partial_update": services.EDIT_CAPABILITY,
        "destroy": services.EDIT_CAPABILITY,
    }
    search_fields = ["name"]

    def get_queryset(self):
        kind = services.get_kind(self.kind_slug)
        return super().get_queryset().select_related("enterprise", *kind.related)

    def _answer(self, saved, code):
        context = {**self.get_serializer_context(), "warnings": {saved.obj.pk: saved.warnings}}
        return Response(self.get_serializer_class()(saved.obj, context=context).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        firm = serializer.validated_data["enterprise"]
        saved = services.create_part(request.user, self.kind_slug, firm, serializer.service_data())
        return self._answer(saved, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = services.update_part(request.user, self.kind_slug, instance, serializer.service_data())
        return self._answer(saved, status.HTTP_200_OK)

    def perform_destroy(self, instance):
        services.delete_part(self.request.user, self.kind_slug, instance)


def _viewset(model, kind_slug, serializer, filter_fields=(), filter_links=(), search=("name",), doc=""):
    return type(
        f"{model.__name__}ViewSet",
        (PartViewSet,),
        {
            "__doc__": doc,
            "kind_slug": kind_slug,
            "queryset": model.objects.all(),
            "serializer_class": serializer,
            "filterset_class": _filterset(model, filter_fields, filter_links),
            "search_fields": list(search),
        },
    )


class GridUnitSerializer(PartSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True, label=_("层级名称"))

    class Meta(PartSerializer.Meta):
        model = GridUnit
        fields = [*COMMON, "level", "level_display", "parent", "name", "leader", "zone", "warnings"]


class DormRoomSerializer(PartSerializer):
    # Shown beside the policy's density limit once fugong.policy provides one.
    area_per_bed = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, label=_("人均面积（㎡/床）")
    )

    class Meta(PartSerializer.Meta):
        model = DormRoom
        fields = [*COMMON, "building", "number", "capacity", "area_m2", "area_per_bed", "warnings"]


VIEWSETS = {
    "prevention-team": _viewset(
        PreventionTeamMember,
        "prevention-team",
        _serializer(PreventionTeamMember, ["name", "team_role", "position", "phone", "duties"]),
        filter_fields=["team_role"],
        doc="防疫工作小组成员。每个企业至多一名组长；组长与法定代表人不一致时在 warnings 中提醒。",
    ),
    "enterprise-zones": _viewset(
        Zone,
        "zones",
        _serializer(Zone, ["kind", "name", "description"]),
        filter_fields=["kind"],
        doc="厂区分区（四区）。",
    ),
    "grid-units": _viewset(
        GridUnit,
        "grid-units",
        GridUnitSerializer,
        filter_fields=["level"],
        filter_links=["parent", "zone"],
        doc="网格单元：车间 → 班组 → 岗位。班组的上级必须是车间，岗位的上级必须是班组，车间没有上级。",
    ),
    "dorm-rooms": _viewset(
        DormRoom,
        "dorm-rooms",
        DormRoomSerializer,
        search=("building", "number"),
        doc="宿舍。同一企业内楼栋＋房间号唯一；床位数至少为 1，面积大于 0。",
    ),
    "canteen-sittings": _viewset(
        CanteenSitting,
        "canteen-sittings",
        _serializer(CanteenSitting, ["canteen", "name", "starts_at", "ends_at", "seats"]),
        filter_fields=["canteen"],
        search=("canteen", "name"),
        doc="就餐批次。结束时间必须晚于开始时间；同一食堂时间重叠时在 warnings 中提醒。",
    ),
    "shuttle-routes": _viewset(
        ShuttleRoute,
        "shuttle-routes",
        _serializer(
            ShuttleRoute,
            ["name", "vehicle_plate", "driver_name", "driver_phone", "supervisor_name", "seats", "route"],
        ),
        search=("name", "vehicle_plate", "driver_name"),
        doc="通勤线路（点对点）。车牌号如 浙D12345，新能源车 8 位。",
    ),
    "isolation-rooms": _viewset(
        IsolationRoom,
        "isolation-rooms",
        _serializer(IsolationRoom, ["kind", "name", "location", "capacity"]),
        filter_fields=["kind"],
        doc="隔离室 / 固定隔离观察点。",
    ),
    "gates": _viewset(GatePoint, "gates", _serializer(GatePoint, ["name", "location"]), doc="门岗。"),
}


def register(router) -> None:
    for prefix, viewset in VIEWSETS.items():
        router.register(prefix, viewset, basename=prefix)
