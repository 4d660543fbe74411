"""One filter set for the audit page and the audit API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.audit.models import AuditEntry


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return cleaned


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label=_("操作人"), help_text=_("用户名，部分匹配")
    )
    actor_id = django_filters.NumberFilter(field_name="actor_id", label=_("操作人编号"))
    action = django_filters.CharFilter(label=_("动作"))
    object_type = django_filters.CharFilter(label=_("对象类型"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("起始日期"))
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("截止日期"))

    class Meta:
        model = AuditEntry
        form = AuditFilterForm
        fields = ["actor", "actor_id", "action", "object_type", "object_id", "date_from", "date_to"]
