"""The employee roster filters, shared by the API and (later) the roster page and export."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core import crypto
from fugong.workforce.models import (
    Employee,
    EmployeeStatus,
    EpisodeKind,
    HealthCode,
    IsolationEpisode,
    ResidenceControl,
    ReturnDecision,
)


class EmployeeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", help_text=_("姓名、员工编号或电话"))
    id_number = django_filters.CharFilter(
        label=_("身份证号"), method="by_id_number", help_text=_("完整身份证号精确查找（按密文索引，不解密）")
    )
    enterprise = django_filters.NumberFilter(label=_("企业"), field_name="enterprise_id")
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=EmployeeStatus.choices)
    decision = django_filters.MultipleChoiceFilter(label=_("返岗判定"), choices=ReturnDecision.choices)
    grid_unit = django_filters.NumberFilter(label=_("网格单元"), method="by_grid_unit")
    is_local = django_filters.BooleanFilter(label=_("本地员工"))
    residence_control = django_filters.ChoiceFilter(
        label=_("居住地管控状态"), choices=ResidenceControl.choices
    )
    health_code = django_filters.ChoiceFilter(label=_("健康码"), choices=HealthCode.choices)
    return_from = django_filters.DateFilter(
        label=_("返回时间起"), field_name="return_date", lookup_expr="gte"
    )
    return_to = django_filters.DateFilter(label=_("返回时间止"), field_name="return_date", lookup_expr="lte")

    class Meta:
        model = Employee
        fields = []

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        # The phone is encrypted: it is found by its blind index, the whole number as typed.
        return queryset.filter(
            Q(name__contains=value) | Q(employee_no=value) | Q(phone_index=crypto.phone_index(value))
        )

    def by_id_number(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(id_number_index=crypto.blind_index(value)) if value else queryset

    def by_grid_unit(self, queryset, name, value):
        # A workshop's roster includes its teams and posts.
        return queryset.filter(
            Q(grid_unit_id=value) | Q(grid_unit__parent_id=value) | Q(grid_unit__parent__parent_id=value)
        )


class EpisodeFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(label=_("进行中"), field_name="released_at", lookup_expr="isnull")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=EpisodeKind.choices)
    employee = django_filters.NumberFilter(label=_("员工"), field_name="employee_id")
    enterprise = django_filters.NumberFilter(label=_("企业"), field_name="employee__enterprise_id")

    class Meta:
        model = IsolationEpisode
        fields = []
