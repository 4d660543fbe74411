"""The filter set of application lists, shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fugong.regions.models import Region
from fugong.resumption.models import ApplicationKind, ApplicationStatus, ResumptionApplication


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("企业名称"), field_name="enterprise__name", lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ApplicationStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("申请类型"), choices=ApplicationKind.choices)
    # Any region: the list is already scoped, so a foreign code only narrows it to nothing.
    region = django_filters.CharFilter(label=_("区划代码"), method="in_region")
    step = django_filters.CharFilter(label=_("当前环节"), field_name="current_step_key")
    batch = django_filters.NumberFilter(label=_("审批批次"), field_name="batch_id")
    submitted_from = django_filters.DateFilter(
        label=_("提交日期起"), field_name="submitted_at", lookup_expr="date__gte"
    )
    submitted_to = django_filters.DateFilter(
        label=_("提交日期止"), field_name="submitted_at", lookup_expr="date__lte"
    )

    class Meta:
        model = ResumptionApplication
        fields: list[str] = []

    def in_region(self, queryset, name, value):
        region = Region.objects.filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(enterprise__town__path__startswith=region.path)
