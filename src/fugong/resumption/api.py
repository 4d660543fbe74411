"""/api/v1/resumption-*: applications, review, batches, certificates and notifications over HTTP.

Every route reads through the scoped selectors (an application outside the user's scope answers 404)
and writes through ``fugong.resumption.services``; a decision on a step that someone else has already
handled, or a save over a newer version, answers 409.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import HasCapability, ScopedViewSetMixin, service_errors
from fugong.resumption import notifications, selectors, services
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachment_services
from fugong.resumption.batches import services as batches
from fugong.resumption.downloads import AttachmentFileMissing, attachment_response
from fugong.resumption.filters import ApplicationFilter
from fugong.resumption.models import Attachment, Certificate, Notification, ResumptionApplication
from fugong.resumption.serializers import (
    AffirmSerializer,
    ApplicationSerializer,
    ApplicationWriteSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    BatchCreateSerializer,
    BatchSerializer,
    CertificateSerializer,
    CommitmentSerializer,
    DecideSerializer,
    DiffRowSerializer,
    NotificationSerializer,
    ReasonSerializer,
    RevisionSerializer,
    StepSerializer,
    SubmitSerializer,
)


def _service_errors():
    return service_errors(services.ResumptionConflict)


class ApplicationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """复工申请：企业填报草稿、上传材料、法定代表人确认承诺、提交；审核方按环节通过、退回或不予批准。"""

    queryset = ResumptionApplication.objects.all()
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    search_fields = ["enterprise__name", "enterprise__uscc"]
    ordering_fields = ["priority_score", "submitted_at", "created_at", "planned_start", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {
        "list": "resumption.view",
        "retrieve": "resumption.view",
        "queue": "resumption.view",
        "history": "resumption.view",
        "revisions": "resumption.view",
        "revision_diff": "resumption.view",
        "attachments": "resumption.view",
        "attachment_download": "resumption.view",
        "commitments": "resumption.view",
        "create": "resumption.apply",
        "partial_update": "resumption.apply",
        "submit": "resumption.apply",
        "remove_attachment": "resumption.apply",
        # Whose turn it is comes from the step's participants (a policy may have the firm sign its last step itself).
        "decide": "resumption.view",
        "grant_early_start": "resumption.early_start",
    }

    def get_queryset(self):
        return selectors.applications_visible_to(self.request.user).select_related("certificate")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return ApplicationWriteSerializer
        return super().get_serializer_class()

    def _out(self, application, code=status.HTTP_200_OK):
        application = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationSerializer(application).data, status=code)

    @extend_schema(request=ApplicationWriteSerializer, responses={201: ApplicationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApplicationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        with _service_errors():
            application = services.create_draft(request.user, request.user.enterprise, data)
        return self._out(application, status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplicationWriteSerializer,
        responses={200: ApplicationSerializer, 409: OpenApiResponse(description="版本冲突")},
    )
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = ApplicationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        with _service_errors():
            application = services.update_draft(request.user, application, data, version)
        return self._out(application)

    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("PUT")

    @extend_schema(request=SubmitSerializer, responses={200: ApplicationSerializer, 409: OpenApiResponse()})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            application = approval.submit(request.user, application, serializer.validated_data.get("version"))
        return self._out(application)

    @extend_schema(request=DecideSerializer, responses={200: ApplicationSerializer, 409: OpenApiResponse()})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with _service_errors():
            approval.decide(request.user, application, data["decision"], data["reasons"], data["step"])
        return self._out(application)

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="grant-early-start")
    def grant_early_start(self, request, pk=None):
        application = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            application = approval.grant_early_start(
                request.user, application, serializer.validated_data["reason"]
            )
        return self._out(application)

    @extend_schema(filters=True, responses=ApplicationSerializer(many=True))
    @action(detail=False, methods=["get"])
    def queue(self, request):
        """待我办理：当前环节由我办理的申请，按优先分从高到低、提交时间从早到晚。"""
        queryset = self.filter_queryset(selectors.queue_for(request.user)).order_by(
            "-priority_score", "submitted_at", "id"
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ApplicationSerializer(page, many=True).data)

    @extend_schema(responses=StepSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """每次提交的审核环节和意见，最近一次在前。"""
        application = self.get_object()
        steps = [step for _revision, steps in selectors.steps_by_revision(application) for step in steps]
        return Response(StepSerializer(steps, many=True).data)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        application = self.get_object()
        return Response(
            RevisionSerializer(application.revisions.select_related("submitted_by"), many=True).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, description="较早的提交次数"),
            OpenApiParameter("to", int, description="较晚的提交次数"),
        ],
        responses=DiffRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="revisions/diff")
    def revision_diff(self, request, pk=None):
        application = self.get_object()
        try:
            a, b = int(request.query_params.get("from", "")), int(request.query_params.get("to", ""))
        except ValueError:
            raise exceptions.ValidationError({"from": ["from 和 to 须为提交次数（整数）"]}) from None
        return Response(DiffRowSerializer(selectors.revision_diff(application, a, b), many=True).data)

    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            rows = selectors.active_attachments(application)
            return Response(AttachmentSerializer(rows, many=True).data)
        if not self._can("resumption.apply"):
            raise exceptions.PermissionDenied()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            attachment = attachment_services.add_attachment(
                request.user,
                application,
                serializer.validated_data["doc_type"],
                serializer.validated_data["file"],
            )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def _can(self, capability):
        from fugong.accounts.roles import can

        return can(self.request.user, capability)

    def _attachment(self, application, attachment_id) -> Attachment:
        attachment = application.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404
        return attachment

    @extend_schema(responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def remove_attachment(self, request, pk=None, attachment_id=None):
        application = self.get_object()
        with _service_errors():
            attachment_services.remove_attachment(request.user, self._attachment(application, attachment_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)/download")
    def attachment_download(self, request, pk=None, attachment_id=None):
        attachment = self._attachment(self.get_object(), attachment_id)
        try:
            return attachment_response(attachment)
        except AttachmentFileMissing as exc:
            raise exceptions.NotFound(exc.message) from exc

    @extend_schema(methods=["GET"], responses=CommitmentSerializer(many=True))
    @extend_schema(methods=["POST"], request=AffirmSerializer, responses=CommitmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def commitments(self, request, pk=None):
        """GET：已确认的承诺事项；POST：法定代表人按姓名确认政策要求的承诺事项。"""
        application = self.get_object()
        if request.method == "POST":
            if not self._can("resumption.apply"):
                raise exceptions.PermissionDenied()
            serializer = AffirmSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with _service_errors():
                services.affirm_commitments(
                    request.user,
                    application,
                    serializer.validated_data["codes"],
                    serializer.validated_data["affirmed_by_name"],
                )
        return Response(CommitmentSerializer(application.commitments.all(), many=True).data)


class CertificateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """复工证明：列表、详情、撤销（记入审计日志）。"""

    queryset = Certificate.objects.all()
    serializer_class = CertificateSerializer
    filterset_fields = ["status", "kind", "enterprise"]
    search_fields = ["number", "enterprise__name"]
    capabilities = {
        "list": "resumption.view",
        "retrieve": "resumption.view",
        "revoke": "resumption.certificate.revoke",
    }

    def get_queryset(self):
        return selectors.certificates_visible_to(self.request.user)

    @extend_schema(request=ReasonSerializer, responses={200: CertificateSerializer, 409: OpenApiResponse()})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        certificate = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            certificate = approval.revoke_certificate(
                request.user, certificate, serializer.validated_data["reason"]
            )
        return Response(CertificateSerializer(certificate).data)


class BatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """审批批次（分批放行）：指挥部把待审批的申请编成批次，放行时一并通过。"""

    permission_classes = [permissions.IsAuthenticated, HasCapability]
    capabilities = {"*": "resumption.batch"}
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches_visible_to(self.request.user)

    @extend_schema(request=BatchCreateSerializer, responses={201: BatchSerializer})
    def create(self, request, *args, **kwargs):
        serializer = BatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with _service_errors():
            batch = batches.create_batch(
                request.user,
                serializer.validated_data["applications"],
                serializer.validated_data.get("name", ""),
            )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        batch = self.get_object()
        with _service_errors():
            batch, passed, dropped = batches.release_batch(request.user, batch)
        return Response({"batch": BatchSerializer(batch).data, "passed": passed, "dropped": dropped})


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """我的消息：轮到我办理的申请、本企业申请的每次审核结果。"""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    filterset_fields = {"read_at": ["isnull"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications.inbox(self.request.user)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        count = notifications.mark_read(request.user, [pk])
        if not count and not self.get_queryset().filter(pk=pk).exists():
            raise Http404
        return Response({"unread": notifications.unread_count(request.user)})

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        notifications.mark_read(request.user)
        return Response({"unread": 0})

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def unread(self, request):
        return Response({"unread": notifications.unread_count(request.user)})


def register(router) -> None:
    router.register("resumption-applications", ApplicationViewSet, basename="resumption-application")
    router.register("resumption-certificates", CertificateViewSet, basename="resumption-certificate")
    router.register("resumption-batches", BatchViewSet, basename="resumption-batch")
    router.register("resumption-notifications", NotificationViewSet, basename="resumption-notification")
