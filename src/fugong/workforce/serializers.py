"""Thin shapes for the API; every rule is in services. The resident ID number appears here only
masked (``id_number`` is ``id_number_masked``); the clear number is answered by the reveal-id action
alone, which logs the view. The phone is in full only for the roles that call people (core.masking)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fugong.core.masking import PhoneField
from fugong.workforce.models import (
    CloseContact,
    Employee,
    EmployeeStatus,
    EmployeeStatusChange,
    EpisodeKind,
    IsolationEpisode,
    TravelStop,
)

READ_FIELDS = [
    "id",
    "enterprise",
    "enterprise_name",
    "employee_no",
    "name",
    "id_number",
    "birth_date",
    "gender",
    "phone",
    "native_place",
    "residence_region",
    "residence_region_name",
    "residence_address",
    "is_local",
    "department_name",
    "job",
    "grid_unit",
    "dorm_room",
    "shuttle_route",
    "shuttle_seat",
    "left_locality",
    "left_on",
    "destination",
    "destination_code",
    "has_returned",
    "current_city",
    "return_from",
    "return_from_code",
    "return_date",
    "transport",
    "transport_number",
    "expected_return_date",
    "has_fever",
    "other_symptoms",
    "family_health",
    "residence_control",
    "health_code",
    "status",
    "status_display",
    "status_changed_at",
    "decision",
    "decision_display",
    "decision_reasons",
    "decision_policy_version_id",
    "decided_at",
    "release_date",
    "version",
    "created_at",
    "updated_at",
]


class EmployeeSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text=_("脱敏显示"))
    phone = PhoneField(owner="user_id", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    residence_region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    residence_region_name = serializers.CharField(source="residence_region.name", read_only=True, default="")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    decision_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Employee
        fields = READ_FIELDS
        read_only_fields = fields

    def get_decision_reasons(self, obj) -> list[str]:
        return [r for r in (obj.decision_reason or "").split("；") if r]


class TravelStopSerializer(serializers.ModelSerializer):
    class Meta:
        model = TravelStop
        fields = ["region_code", "place", "from_date", "to_date"]


class CloseContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = CloseContact
        fields = ["contact_date", "description", "with_case"]


class TravelSerializer(serializers.Serializer):
    stops = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    contacts = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    version = serializers.IntegerField(required=False, help_text=_("读取时的版本号；若他人已修改，返回409。"))


class EmployeeWriteSerializer(serializers.Serializer):
    """Documents the input; values are parsed by cleaning.clean_employee_data so that every error is one
    Chinese message naming the field and the rule (dates as 2020-02-10 or 2020年2月10日; yes/no as 是/否)."""

    name = serializers.CharField(label=_("姓名"), required=False)
    id_number = serializers.CharField(label=_("身份证号"), required=False)
    phone = serializers.CharField(label=_("电话"), required=False)
    employee_no = serializers.CharField(label=_("员工编号"), required=False)
    residence_region = serializers.CharField(label=_("居住地区划代码"), required=False)
    grid_unit = serializers.IntegerField(label=_("网格单元"), required=False, allow_null=True)
    dorm_room = serializers.IntegerField(label=_("宿舍"), required=False, allow_null=True)
    shuttle_route = serializers.IntegerField(label=_("通勤线路"), required=False, allow_null=True)
    return_from_code = serializers.CharField(label=_("出发地区划代码"), required=False)
    return_date = serializers.CharField(label=_("返回时间"), required=False)
    version = serializers.IntegerField(
        required=False, help_text=_("修改时必填：读取时的版本号；若他人已修改，返回409。")
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label=_("新状态"), choices=EmployeeStatus.choices)
    reason = serializers.CharField(label=_("变更原因"), max_length=500)


class ArriveSerializer(serializers.Serializer):
    arrived_on = serializers.CharField(label=_("抵达日期"), required=False, allow_blank=True)
    reason = serializers.CharField(label=_("说明"), required=False, allow_blank=True, max_length=500)


class StatusChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = EmployeeStatusChange
        fields = ["from_status", "to_status", "reason", "actor_name", "at"]


class EpisodeSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    id_number = serializers.CharField(source="employee.id_number_masked", read_only=True)
    enterprise = serializers.IntegerField(source="employee.enterprise_id", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    place_name = serializers.CharField(source="place.name", read_only=True, default="")
    day_number = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = IsolationEpisode
        fields = [
            "id",
            "employee",
            "employee_name",
            "id_number",
            "enterprise",
            "kind",
            "kind_display",
            "started_on",
            "planned_end",
            "place",
            "place_name",
            "place_note",
            "reason",
            "released_at",
            "release_note",
            "day_number",
            "days_left",
        ]
        read_only_fields = fields

    def _annotated(self, obj):
        if not hasattr(obj, "day_number"):
            from fugong.workforce.selectors import annotate_episode

            annotate_episode(obj)
        return obj

    def get_day_number(self, obj) -> int:
        return self._annotated(obj).day_number

    def get_days_left(self, obj) -> int | None:
        return self._annotated(obj).days_left


class EpisodeStartSerializer(serializers.Serializer):
    employee = serializers.IntegerField(label=_("员工"))
    kind = serializers.ChoiceField(label=_("类型"), choices=EpisodeKind.choices)
    started_on = serializers.CharField(label=_("开始日期"), required=False, allow_blank=True)
    place = serializers.IntegerField(label=_("隔离地点"), required=False, allow_null=True)
    place_note = serializers.CharField(label=_("地点说明"), required=False, allow_blank=True, max_length=200)
    reason = serializers.CharField(label=_("原因"), max_length=500)


class EpisodeReleaseSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("解除说明"), required=False, allow_blank=True, max_length=200)
    nucleic_negative_at = serializers.CharField(
        label=_("核酸阴性时间"), required=False, allow_blank=True, help_text=_("缓冲区解除必填")
    )


class EmployeeDetailSerializer(EmployeeSerializer):
    travel_stops = TravelStopSerializer(many=True, read_only=True)
    close_contacts = CloseContactSerializer(many=True, read_only=True)
    episodes = EpisodeSerializer(many=True, read_only=True)

    class Meta(EmployeeSerializer.Meta):
        fields = [*READ_FIELDS, "travel_stops", "close_contacts", "episodes"]
        read_only_fields = fields
