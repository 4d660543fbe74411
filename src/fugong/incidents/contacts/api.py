"""Contacts over the API: the incident's contacts in the caller's scope (ranked, masked ID numbers), and
the actions of the contact search — ``search`` (store the suggestions; answers how long it took),
``expand`` (second degree), ``confirm`` and ``dismiss`` in bulk (town and health bureau)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fugong.core.api import ScopedViewSetMixin
from fugong.core.scoping import get_visible_or_404
from fugong.incidents.contacts import services
from fugong.incidents.models import Contact, Incident


class ContactSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    masked_id = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "incident",
            "employee",
            "visitor",
            "name",
            "masked_id",
            "degree",
            "reasons",
            "score",
            "status",
            "decided_by",
            "decided_at",
            "episode",
            "notified_at",
        ]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        who = obj.employee or obj.visitor
        return who.name if who else ""

    def get_masked_id(self, obj) -> str:
        who = obj.employee or obj.visitor
        return who.id_number_masked if who else ""


class IncidentSerializer(serializers.Serializer):
    incident = serializers.IntegerField()


class ChoiceSerializer(IncidentSerializer):
    contacts = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class SearchResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    refreshed = serializers.IntegerField()
    removed = serializers.IntegerField()
    took_ms = serializers.IntegerField(help_text="排查用时（毫秒）")
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    unmatched = serializers.ListField(child=serializers.CharField(), help_text="本人申报但未匹配到本企业员工")


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["incident", "status", "degree"]


class ContactViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """密切接触者：从企业数据中排查、按接触程度排序，镇街或卫健部门批量确认或排除。"""

    queryset = Contact.objects.select_related("employee", "visitor").order_by(
        "incident", "degree", "-score", "id"
    )
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["score", "decided_at"]
    capabilities = {
        "list": "incidents.view",
        "retrieve": "incidents.view",
        "search": "incidents.contacts",
        "expand": "incidents.contacts",
        "confirm": "incidents.contacts",
        "dismiss": "incidents.contacts",
    }

    def _incident(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        incident = get_visible_or_404(Incident, self.request.user, pk=serializer.validated_data["incident"])
        return incident, serializer.validated_data

    @extend_schema(request=IncidentSerializer, responses={200: SearchResultSerializer})
    @action(detail=False, methods=["post"])
    def search(self, request):
        """按政策追溯时段从企业数据中排查密切接触者，结果存为待确认。"""
        incident, _data = self._incident(IncidentSerializer)
        return Response(SearchResultSerializer(services.run_search(request.user, incident)).data)

    @extend_schema(request=IncidentSerializer, responses={200: SearchResultSerializer})
    @action(detail=False, methods=["post"])
    def expand(self, request):
        """从已确认的密切接触者追查次密接。"""
        incident, _data = self._incident(IncidentSerializer)
        return Response(SearchResultSerializer(services.expand_second_degree(request.user, incident)).data)

    @extend_schema(request=ChoiceSerializer, responses={200: ContactSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def confirm(self, request):
        """批量确认；按政策（case_contact_outcome）安排隔离观察等。"""
        incident, data = self._incident(ChoiceSerializer)
        notes = services.confirm(request.user, incident, data["contacts"])
        rows = self.get_queryset().filter(incident=incident, pk__in=data["contacts"])
        return Response({"notes": notes, "contacts": ContactSerializer(rows, many=True).data})

    @extend_schema(request=ChoiceSerializer, responses={200: ContactSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def dismiss(self, request):
        """批量排除待确认的人员。"""
        incident, data = self._incident(ChoiceSerializer)
        services.dismiss(request.user, incident, data["contacts"])
        rows = self.get_queryset().filter(incident=incident, pk__in=data["contacts"])
        return Response(ContactSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("incident-contacts", ContactViewSet, basename="incident-contact")
