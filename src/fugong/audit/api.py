from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.audit import selectors
from fugong.audit.filters import AuditEntryFilter
from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain
from fugong.core.api import HasCapability


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "note",
            "prev_hash",
            "entry_hash",
        ]
        read_only_fields = fields


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log as the task force may read it (see fugong.audit.selectors for the rule)."""

    serializer_class = AuditEntrySerializer
    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {"*": "audit.view"}
    filterset_class = AuditEntryFilter
    search_fields = ["object_repr", "note"]
    ordering_fields = ["id", "at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user)

    @extend_schema(
        summary="校验审计链",
        request=None,
        responses=inline_serializer(
            "ChainReport",
            {
                "ok": serializers.BooleanField(),
                "checked": serializers.IntegerField(),
                "broken_at": serializers.IntegerField(allow_null=True),
                "reason": serializers.CharField(),
            },
        ),
    )
    @action(detail=False, methods=["post"])
    def verify(self, request):
        report = verify_chain()
        return Response(
            {
                "ok": report.ok,
                "checked": report.checked,
                "broken_at": report.broken_at,
                "reason": report.reason,
            }
        )


def register(router):
    router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
