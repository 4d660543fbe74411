"""Forms only parse what people type into the shapes the services take; every rule (what the policy
requires, what may be changed when) lives in services, whose messages these forms report back."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.enterprises.models import ResumptionMode
from fugong.resumption.models import ApplicationKind, ControlStatus, Decision

_TEXTAREA = {"rows": 3}
# "某某区: 90" or "某某区：90" or "某某区 90", one district per line.
_DISTRICT_LINE = re.compile(r"^(?P<name>.+?)\s*[:：\s]\s*(?P<count>-?\d+)\s*$")


def _count_field(label):
    return forms.IntegerField(label=label, required=False, min_value=0)


class ServiceErrorsMixin:
    # Service messages name the service's field; these are the form fields that show them.
    service_field_map: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            target = self.service_field_map.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    """The content of a draft: the application fields, the returning-staff summary and the plan.

    The plan's sections are the policy's (``sections``: PlanSectionSpec in the policy's order);
    ``required_sections`` are the keys of those the required documents consist of."""

    service_field_map = {"staff_summary": "staff_total", "enterprise": None, "status": None}

    kind = forms.ChoiceField(label=_("申请类型"), choices=ApplicationKind.choices)
    planned_start = forms.DateTimeField(
        label=_("计划复工时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("复工原因"), required=False, widget=forms.Textarea(attrs=_TEXTAREA))
    scope_lines = forms.CharField(
        label=_("复工范围（产线）"),
        help_text=_("每行一条产线或车间"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    resumption_mode = forms.ChoiceField(
        label=_("复工方式"), required=False, choices=[("", "—")] + list(ResumptionMode.choices)
    )
    commuting_arrangements = forms.CharField(
        label=_("通勤安排"),
        help_text=_("点对点通勤须说明班车、固定司机、跟车监督员和乘车管理安排"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    staff_total = _count_field(_("返岗总人数"))
    staff_by_district = forms.CharField(
        label=_("按所在区县统计"),
        help_text=_("每行一个区县，例如：城关区: 90"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    bus_count = _count_field(_("班车数"))
    bus_seats = _count_field(_("每车乘坐人数"))
    bus_routes = forms.CharField(
        label=_("班车线路"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, sections=(), required_sections=(), application=None, **kwargs):
        if application is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        super().__init__(*args, **kwargs)
        for value, label in ControlStatus.choices:
            self.fields[f"control_{value}"] = _count_field(label)
        for value, label in ResumptionMode.choices:
            self.fields[f"commute_{value}"] = _count_field(label)
        self.required_sections = list(required_sections)
        self.section_keys = [s.key for s in sections]
        for section in sections:
            self.fields[f"section_{section.key}"] = forms.CharField(
                label=section.name, required=False, widget=forms.Textarea(attrs={"rows": 4})
            )
        if application is None:
            del self.fields["version"]

    @staticmethod
    def initial_from(application) -> dict:
        summary = application.staff_summary or {}
        buses = summary.get("buses") or {}
        initial = {
            "kind": application.kind,
            "planned_start": (
                timezone.localtime(application.planned_start) if application.planned_start else None
            ),
            "reason": application.reason,
            "scope_lines": "\n".join(application.scope_lines or []),
            "resumption_mode": application.resumption_mode,
            "commuting_arrangements": application.commuting_arrangements,
            "staff_total": summary.get("total"),
            "staff_by_district": "\n".join(
                f"{k}: {v}" for k, v in (summary.get("by_district") or {}).items()
            ),
            "bus_count": buses.get("count"),
            "bus_seats": buses.get("seats_per_bus"),
            "bus_routes": buses.get("routes", ""),
            "version": application.version,
        }
        for key, count in (summary.get("by_control_status") or {}).items():
            initial[f"control_{key}"] = count
        for key, count in (summary.get("by_commute") or {}).items():
            initial[f"commute_{key}"] = count
        for key, text in (application.plan_sections or {}).items():
            initial[f"section_{key}"] = text
        return initial

    def clean_staff_by_district(self):
        out = {}
        for line in (self.cleaned_data.get("staff_by_district") or "").splitlines():
            if not line.strip():
                continue
            match = _DISTRICT_LINE.match(line.strip())
            if match is None:
                raise ValidationError(
                    _("「%(line)s」格式不正确，每行写“区县: 人数”，例如：城关区: 90"), params={"line": line}
                )
            out[match["name"].strip()] = int(match["count"])
        return out

    # -- layout ----------------------------------------------------------------------------------------

    @property
    def control_fields(self):
        return [self[f"control_{v}"] for v in ControlStatus.values]

    @property
    def commute_fields(self):
        return [self[f"commute_{v}"] for v in ResumptionMode.values]

    @property
    def required_section_fields(self):
        return [self[f"section_{v}"] for v in self.section_keys if v in self.required_sections]

    @property
    def optional_section_fields(self):
        return [self[f"section_{v}"] for v in self.section_keys if v not in self.required_sections]

    # -- to the service ----------------------------------------------------------------------------------

    def _counts(self, prefix, values) -> dict:
        return {
            v: self.cleaned_data[f"{prefix}_{v}"]
            for v in values
            if self.cleaned_data.get(f"{prefix}_{v}") is not None
        }

    def service_data(self) -> dict:
        data = self.cleaned_data
        summary: dict = {}
        if data.get("staff_total") is not None:
            summary["total"] = data["staff_total"]
        if data.get("staff_by_district"):
            summary["by_district"] = data["staff_by_district"]
        controls = self._counts("control", ControlStatus.values)
        if controls:
            summary["by_control_status"] = controls
        commutes = self._counts("commute", ResumptionMode.values)
        if commutes:
            summary["by_commute"] = commutes
        buses = {
            key: data[name]
            for key, name in (("count", "bus_count"), ("seats_per_bus", "bus_seats"))
            if data.get(name) is not None
        }
        if (data.get("bus_routes") or "").strip():
            buses["routes"] = data["bus_routes"].strip()
        if buses:
            summary["buses"] = buses
        return {
            "kind": data["kind"],
            "planned_start": data.get("planned_start"),
            "reason": data.get("reason", ""),
            "scope_lines": (data.get("scope_lines") or "").splitlines(),
            "resumption_mode": data.get("resumption_mode", ""),
            "commuting_arrangements": data.get("commuting_arrangements", ""),
            "staff_summary": summary,
            "plan_sections": {
                v: data.get(f"section_{v}", "") for v in self.section_keys if data.get(f"section_{v}")
            },
        }


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    """``types``: the document types of the policy in force (``selectors.document_types``)."""

    doc_type = forms.ChoiceField(label=_("材料类型"), choices=())
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、图片、Word或Excel，不超过20MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}),
    )

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].choices = list((types or {}).items())


class CommitmentsForm(ServiceErrorsMixin, forms.Form):
    """The policy's commitment items, each its own checkbox, affirmed by the legal representative."""

    service_field_map = {"codes": "codes"}

    codes = forms.MultipleChoiceField(
        label=_("承诺事项"), widget=forms.CheckboxSelectMultiple, required=False
    )
    affirmed_by_name = forms.CharField(
        label=_("法定代表人姓名"),
        max_length=50,
        help_text=_("须与企业登记的法定代表人一致，由其本人确认"),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["codes"].choices = [(item.code, item.text) for item in self.items]

    def clean_codes(self):
        codes = self.cleaned_data.get("codes") or []
        if not codes:
            raise ValidationError(_("请勾选要确认的承诺事项"))
        return codes


class DecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    reasons = forms.CharField(
        label=_("审核意见"),
        help_text=_("退回修改或不予批准时必须写明理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The step the reviewer had in front of them: if another reviewer moved the application on
    # meanwhile, the service refuses rather than deciding on a step nobody showed this reviewer.
    expected_step_key = forms.CharField(widget=forms.HiddenInput)


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BatchForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("批次名称"), max_length=100, required=False)
    applications = forms.TypedMultipleChoiceField(
        label=_("纳入本批次的申请"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.fields["applications"].choices = [(a.pk, a.enterprise.name) for a in self.candidates]
