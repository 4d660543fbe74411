"""The manual opening form (an outside report: the health bureau's notice, a hotline) and the timing
report's period."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.widgets import SearchableSelect
from fugong.enterprises.models import Enterprise
from fugong.workforce.models import Employee, EmployeeStatus


class SearchableSelectMultiple(SearchableSelect):
    allow_multiple_selected = True


class OpenIncidentForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        label=_("企业"), queryset=Enterprise.objects.none(), widget=SearchableSelect, required=True
    )
    employees = forms.ModelMultipleChoiceField(
        label=_("病例/异常人员"),
        queryset=Employee.objects.none(),
        widget=SearchableSelectMultiple(attrs={"size": 6}),
        help_text=_("可多选；先选企业并点「列出员工」"),
        error_messages={"required": _("病例/异常人员：至少选择一名员工")},
    )
    reference_at = forms.DateTimeField(
        label=_("发病或采样时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": _("发病或采样时间：必填"),
            "invalid": _("发病或采样时间：格式应为日期和时间"),
        },
    )
    report = forms.CharField(
        label=_("报告内容"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：卫健局通报该员工为密切接触者；热线举报"),
        error_messages={"required": _("报告内容：必填")},
    )

    def __init__(self, user, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        firms = Enterprise.objects.visible_to(user).order_by("name")
        self.fields["enterprise"].queryset = firms
        if firm is not None:
            self.fields["enterprise"].initial = firm.pk
            self.fields["employees"].queryset = (
                Employee.objects.visible_to(user)
                .filter(enterprise=firm)
                .exclude(status=EmployeeStatus.LEFT)
                .order_by("name", "id")
            )
        if user.enterprise_id:
            self.fields["enterprise"].widget = forms.HiddenInput()
        self.fields["employees"].label_from_instance = lambda e: f"{e.name}（{e.id_number_masked}）"
        if not self.is_bound:
            self.initial.setdefault("reference_at", timezone.localtime().replace(second=0, microsecond=0))


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=29)
        if start > end:
            start, end = end, start
        if (end - start).days > 366:
            start = end - dt.timedelta(days=366)
        return start, end
