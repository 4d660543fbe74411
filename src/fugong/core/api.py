"""What every API endpoint shares: capability checks and scoped viewsets."""

from rest_framework import permissions, viewsets
from rest_framework.response import Response

from fugong.accounts.roles import can


class HasCapability(permissions.BasePermission):
    """Checks the view's ``capabilities`` map: {"list": "enterprise.view", "create": ...}."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        capability = getattr(view, "capabilities", {}).get(getattr(view, "action", None) or request.method.lower())
        if capability is None:
            capability = getattr(view, "capabilities", {}).get("*")
        return capability is None or can(request.user, capability)


class ScopedViewSetMixin:
    """The queryset is always the model's ``visible_to(request.user)``; objects outside answer 404."""

    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities: dict[str, str] = {}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


def error_response(message: str, fields: dict | None = None, status: int = 400) -> Response:
    return Response({"error": {"code": "invalid", "message": message, "fields": fields or {}}}, status=status)
