"""Thin shapes for the API; every rule is in services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fugong.core.masking import CONTACT, PhoneField
from fugong.enterprises import services
from fugong.enterprises.models import (
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    IndustryClass,
)
from fugong.regions.models import Region


class IndustryClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryClass
        fields = ["id", "code", "name", "section", "section_name"]


class EnterpriseSerializer(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    county_name = serializers.CharField(source="town.parent.name", read_only=True, default="")
    department_name = serializers.CharField(source="department.name", read_only=True)
    industry_class_name = serializers.StringRelatedField(source="industry_class", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    legal_representative_phone = PhoneField(kind=CONTACT, read_only=True)
    prevention_lead_phone = PhoneField(kind=CONTACT, read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            *services.EDITABLE_FIELDS,
            "town_name",
            "county_name",
            "department_name",
            "industry_class_name",
            "tags",
            "status",
            "status_display",
            "status_changed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnterpriseWriteSerializer(serializers.ModelSerializer):
    """Parses input types only; uniqueness, scope and the credit-code check are the service's."""

    uscc = serializers.CharField(label=_("统一社会信用代码"), max_length=40)
    town = serializers.PrimaryKeyRelatedField(label=_("所属镇乡街道"), queryset=Region.objects.towns())
    version = serializers.IntegerField(
        required=False, help_text=_("修改时必填：读取时的版本号；若他人已修改，返回409。")
    )

    class Meta:
        model = Enterprise
        fields = [*services.EDITABLE_FIELDS, "version"]
        extra_kwargs = {
            "local_tags": {
                "help_text": _("本地标签（字符串列表），供本地政策的优先审批因素使用；仅政府部门可修改。")
            }
        }
        # Uniqueness is checked by the service, whose messages name the firm already registered.
        validators: list = []

    def validate(self, attrs):
        # A representation sent back unchanged may carry the status; only an attempt to change it is refused.
        current = self.instance.status if self.instance is not None else EnterpriseStatus.NOT_RESUMED
        if "status" in self.initial_data and self.initial_data["status"] != current:
            raise serializers.ValidationError({"status": [_("企业状态只能通过 status 操作变更。")]})
        return attrs


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label=_("新状态"), choices=EnterpriseStatus.choices)
    reason = serializers.CharField(label=_("原因"), max_length=500)
    version = serializers.IntegerField(label=_("版本号"), required=False)


class StatusChangeRecordSerializer(serializers.ModelSerializer):
    # Plain strings: a second and third enum for the same choices would give the schema three names for one set.
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    from_status_display = serializers.CharField(source="get_from_status_display", read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = EnterpriseStatusChange
        fields = [
            "id",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "reason",
            "source",
            "actor_name",
            "at",
        ]
        read_only_fields = fields
