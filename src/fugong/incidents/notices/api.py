"""Notices and responsibility reviews over the API.

``contact-notices``: the confirmed contacts with their delivery state, and ``deliver`` to record that
notices were printed or sent by link. ``responsibility-reviews``: the scoped list, ``create`` (open a
review) and ``conclude`` with the ``version`` the caller saw (a stale one is a 409 in Chinese).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin, service_errors, service_errors_as_404
from fugong.incidents import reviews
from fugong.incidents.models import Contact, ContactStatus, Incident, ResponsibilityReview
from fugong.incidents.notices import services as notices


class ContactNoticeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "incident", "name", "id_number_masked", "notified_at", "notice_delivery", "pdf_url"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        person = notices.person_of(obj)
        return person.name if person else ""

    def get_id_number_masked(self, obj) -> str:
        return getattr(notices.person_of(obj), "id_number_masked", "")

    def get_pdf_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("incidents:notice_pdf", args=[obj.pk])


class DeliverSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    method = serializers.ChoiceField(choices=notices.DeliveryMethod.choices)


class ContactNoticeViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """隔离观察通知书：已确认密切接触者的通知书及送达情况；``deliver`` 记录送达（打印送达或链接送达）。"""

    queryset = Contact.objects.select_related("employee", "visitor").order_by("incident_id", "-score", "id")
    serializer_class = ContactNoticeSerializer
    filterset_fields = ["incident"]
    capabilities = {"list": "incidents.view", "retrieve": "incidents.view", "deliver": "incidents.handle"}

    def get_queryset(self):
        # Only the confirmed have a notice to list; one named by id answers with its (empty) state.
        qs = super().get_queryset()
        return qs.filter(status=ContactStatus.CONFIRMED) if self.action == "list" else qs

    @extend_schema(request=DeliverSerializer, responses={200: ContactNoticeSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def deliver(self, request):
        """记录送达：已送达的人保留第一次的时间和方式；全部送达后“通知密切接触者”步骤自动完成。"""
        serializer = DeliverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["contacts"])
        chosen = list(self.get_queryset().filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise exceptions.NotFound("未找到该对象，或不在您的管辖范围内。")
        with service_errors_as_404():
            rows = notices.record_delivery(request.user, chosen, serializer.validated_data["method"])
        return Response(ContactNoticeSerializer(rows, many=True).data)


class ReviewSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="incident.enterprise.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ResponsibilityReview
        fields = [
            "id",
            "incident",
            "enterprise_name",
            "subjects",
            "grounds",
            "findings",
            "outcome",
            "status",
            "status_display",
            "opened_at",
            "opened_by",
            "concluded_at",
            "concluded_by",
            "version",
        ]
        read_only_fields = fields


class OpenReviewSerializer(serializers.Serializer):
    incident = serializers.IntegerField()
    subjects = serializers.CharField(allow_blank=True)
    grounds = serializers.CharField(allow_blank=True)
    found_outside_isolation = serializers.BooleanField()


class ConcludeSerializer(serializers.Serializer):
    findings = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()


class ReviewViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """责任倒查：确诊病例在居家或集中隔离以外发现时，对企业和相关责任人启动倒查，并作出结论。"""

    queryset = ResponsibilityReview.objects.select_related("incident__enterprise").order_by(
        "-opened_at", "-id"
    )
    serializer_class = ReviewSerializer
    filterset_fields = ["status", "incident"]
    capabilities = {
        "list": "incidents.view",
        "retrieve": "incidents.view",
        "create": "incidents.review",
        "conclude": "incidents.review",
    }

    @extend_schema(request=OpenReviewSerializer, responses={201: ReviewSerializer})
    def create(self, request, *args, **kwargs):
        """启动责任倒查（found_outside_isolation 须为真：确诊病例系在隔离以外发现）。"""
        serializer = OpenReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident = Incident.objects.visible_to(request.user).filter(pk=data["incident"]).first()
        with service_errors_as_404():
            row = reviews.open_review(
                request.user,
                incident,
                subjects=data["subjects"],
                grounds=data["grounds"],
                found_outside_isolation=data["found_outside_isolation"],
            )
        return Response(ReviewSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConcludeSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """作出结论（须带上所见的 version）。"""
        review = self.get_object()
        serializer = ConcludeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors(reviews.ReviewConflict):
            row = reviews.conclude(
                request.user,
                review,
                findings=data["findings"],
                outcome=data["outcome"],
                expected_version=data["version"],
            )
        return Response(ReviewSerializer(row).data)


def register(router) -> None:
    router.register("contact-notices", ContactNoticeViewSet, basename="contact-notice")
    router.register("responsibility-reviews", ReviewViewSet, basename="responsibility-review")
