"""What every API endpoint shares: capability checks and scoped viewsets."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions, permissions, status, viewsets

from fugong.accounts.roles import can


class HasCapability(permissions.BasePermission):
    """Checks the view's ``capabilities`` map: {"list": "enterprise.view", "create": ...}."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        capability = getattr(view, "capabilities", {}).get(
            getattr(view, "action", None) or request.method.lower()
        )
        if capability is None:
            capability = getattr(view, "capabilities", {}).get("*")
        return capability is None or can(request.user, capability)


class ScopedViewSetMixin:
    """The queryset is always the model's ``visible_to(request.user)``; objects outside answer 404."""

    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities: dict[str, str] = {}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class Conflict(exceptions.APIException):
    """409: someone else changed or decided the object first; the message says who or what."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "该记录已被他人修改，请刷新后重试。"


@contextmanager
def service_errors(*conflict_types: type[Exception]):
    """Keeps the services' Chinese wording where the common handler would put a generic one: a conflict
    (any of ``conflict_types``, carrying ``.message``) becomes 409, a refusal 403 with its reason."""
    try:
        yield
    except conflict_types as exc:
        raise Conflict(getattr(exc, "message", str(exc))) from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


@contextmanager
def service_errors_as_404():
    """For endpoints that name an object (a person, a firm) the caller may not know exists: a refusal
    reads as "not found", as a page outside the caller's scope does."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise exceptions.NotFound("未找到该对象，或不在您的管辖范围内。") from exc
