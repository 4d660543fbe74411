"""/api/v1/devices/: the firm's temperature gates and lab systems (SPEC §6).

Everyone reads the devices of the firms in their scope (name, kind, token prefix — never the token);
issuing and revoking is the firm's officer's (``monitoring.device``). The token is in the answer to the
create call only.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.monitoring import devices
from fugong.monitoring.models import Device, DeviceKind


class DeviceSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "name",
            "kind",
            "token_prefix",
            "is_active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class DeviceInput(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, help_text="企业编号；企业账号可省略")
    name = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=DeviceKind.choices)


class IssuedDeviceSerializer(DeviceSerializer):
    token = serializers.CharField(read_only=True, help_text="设备令牌，只在此时返回一次")

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "token"]
        read_only_fields = fields


class DeviceViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Device.objects.select_related("enterprise").order_by("enterprise", "name", "id")
    serializer_class = DeviceSerializer
    capabilities = {"create": "monitoring.device", "revoke": "monitoring.device"}
    filterset_fields = ["enterprise", "kind", "is_active"]
    device_actions = ()  # a device token never manages devices

    @extend_schema(request=DeviceInput, responses={201: IssuedDeviceSerializer})
    def create(self, request, *args, **kwargs):
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        firm_id = values.get("enterprise") or request.user.enterprise_id
        enterprise = get_visible_or_404(Enterprise, request.user, pk=firm_id)
        with service_errors():
            device, token = devices.issue_device(request.user, enterprise, values["name"], values["kind"])
        body = DeviceSerializer(device).data
        body["token"] = token
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses=DeviceSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        device = self.get_object()
        with service_errors():
            device = devices.revoke_device(request.user, device)
        return Response(DeviceSerializer(device).data)


def register(router):
    router.register("devices", DeviceViewSet, basename="device")
