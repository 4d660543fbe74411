from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from fugong.accounts import selectors


class ScopeSerializer(serializers.Serializer):
    region = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    label = serializers.CharField(source="scope_label")

    def get_region(self, user) -> dict | None:
        r = user.region
        return {"id": r.pk, "code": r.code, "name": r.name, "level": r.level, "path": r.path} if r else None

    def get_department(self, user) -> dict | None:
        d = user.department
        return {"id": d.pk, "code": d.code, "name": d.name} if d else None

    def get_enterprise(self, user) -> dict | None:
        e = user.enterprise
        return {"id": e.pk, "name": e.name} if e else None


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    scope = ScopeSerializer(source="*")
    capabilities = serializers.SerializerMethodField()

    def get_capabilities(self, user) -> list[str]:
        return selectors.capabilities_of(user)


class MeViewSet(viewsets.ViewSet):
    """The signed-in user: role, scope and the capabilities the interface should offer."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="当前用户", responses=MeSerializer)
    def list(self, request):
        return Response(MeSerializer(request.user).data)


def register(router):
    router.register("me", MeViewSet, basename="me")
