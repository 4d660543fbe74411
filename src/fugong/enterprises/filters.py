"""The one filter set of the enterprise list, shared by the page, the export and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import Department
from fugong.enterprises.models import (
    TAG_FIELDS,
    EfficiencyClass,
    Enterprise,
    EnterpriseStatus,
    IndustryClass,
    ResumptionMode,
)
from fugong.enterprises.selectors import visible_towns
from fugong.regions.models import Region

TAG_CHOICES = [(name, Enterprise._meta.get_field(name).verbose_name) for name in TAG_FIELDS]


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"), method="search", help_text=_("企业名称、统一社会信用代码或法定代表人")
    )
    town = django_filters.ModelChoiceFilter(label=_("所属镇乡街道"), queryset=Region.objects.none())
    department = django_filters.ModelChoiceFilter(
        label=_("行业主管部门"), queryset=Department.objects.filter(is_industry=True)
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=EnterpriseStatus.choices)
    industry_class = django_filters.ModelChoiceFilter(
        label=_("所属大类"), queryset=IndustryClass.objects.all()
    )
    above_size = django_filters.BooleanFilter(label=_("规上企业"), field_name="is_above_size")
    efficiency_class = django_filters.ChoiceFilter(label=_("亩均效益等级"), choices=EfficiencyClass.choices)
    resumption_mode = django_filters.ChoiceFilter(label=_("复工模式"), choices=ResumptionMode.choices)
    tags = django_filters.MultipleChoiceFilter(
        label=_("重点标签"), choices=TAG_CHOICES, method="filter_tags", widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, user=None, **kwargs):
        super().__init__(data, queryset=queryset, request=request, **kwargs)
        user = user or getattr(request, "user", None)
        # Offering only the user's own towns keeps foreign town names out of the page.
        self.filters["town"].queryset = visible_towns(user) if user is not None else Region.objects.none()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(uscc__icontains=value.upper())
            | Q(legal_representative__icontains=value)
        )

    def filter_tags(self, queryset, name, value):
        # A firm must carry every tag asked for.
        for tag in value:
            queryset = queryset.filter(**{tag: True})
        return queryset
