from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from fugong.accounts import otp, selectors, throttle


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


class TokenView(ObtainAuthToken):
    """POST username and password, get the account's API token. Throttled as the login form is: a locked
    account or address answers 429 with the time it may try again (and Retry-After)."""

    @extend_schema(
        summary="获取接口令牌",
        responses={
            200: AuthTokenSerializer,
            400: OpenApiResponse(description="用户名或密码不正确"),
            429: OpenApiResponse(description="登录失败次数过多，账号或来源地址暂时锁定"),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            username = request.data.get("username") if hasattr(request.data, "get") else None
            until = throttle.locked_until(request, username)
            if until is not None:
                # Without ``wait``, DRF would append its own "expected available in n seconds".
                refusal = exceptions.Throttled(detail=throttle.lock_message(until))
                refusal.wait = throttle.retry_after_seconds(until)
                raise refusal
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        self._second_factor(request, user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @staticmethod
    def _second_factor(request, user) -> None:
        """A token is as good as a session: an account with two-step verification gives its current code
        too (``otp``), and one the policy requires it of must enrol on the web first."""
        if otp.has_device(user):
            code = request.data.get("otp") if hasattr(request.data, "get") else None
            if not code:
                raise exceptions.ValidationError(
                    {"otp": [_("该账号已启用两步验证：请同时提交身份验证器当前显示的 6 位验证码（otp）。")]}
                )
            try:
                otp.check_code(request, user, str(code))
            except DjangoValidationError as exc:
                raise exceptions.ValidationError({"otp": exc.message_dict.get("code", exc.messages)}) from exc
        elif otp.is_required(user):
            raise exceptions.PermissionDenied(_("按规定须先在网页登录并启用两步验证，才能获取接口令牌。"))
