"""Forms only parse what people type into the shapes the services take; every rule (what the policy
requires, what may be changed when) lives in services, whose messages these forms report back."""

import re
from types import SimpleNamespace

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.dates import format_datetime
from fugong.enterprises.models import ResumptionMode
from fugong.resumption import content, selectors
from fugong.resumption.attachments import services as attachments
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

    # What must be filled in before the application can be submitted (a draft may be saved without).
    submit_required = (
        "planned_start",
        "reason",
        "scope_lines",
        "resumption_mode",
        "staff_total",
    )

    kind = forms.ChoiceField(label=_("申请类型"), choices=ApplicationKind.choices)
    planned_start = forms.DateTimeField(
        label=_("计划复工时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("复工原因"), required=False, max_length=2000, widget=forms.Textarea(attrs=_TEXTAREA)
    )
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
        max_length=2000,
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

    def __init__(
        self,
        *args,
        sections=(),
        required_sections=(),
        application=None,
        firm=None,
        policy=None,
        **kwargs,
    ):
        if application is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        super().__init__(*args, **kwargs)
        self.application = application
        self.firm = firm if firm is not None else getattr(application, "enterprise", None)
        self.policy = policy
        # The early start the policy lets the task force approve: a date before the earliest one is
        # then kept (the firm asks for it), with ``early_start_warning`` saying what it still needs.
        self.early_start_warning = ""
        self._offer_choices()
        for name in self.submit_required:
            self.fields[name].widget.attrs["aria-required"] = "true"
        for value, label in ControlStatus.choices:
            self.fields[f"control_{value}"] = _count_field(label)
        for value, label in ResumptionMode.choices:
            self.fields[f"commute_{value}"] = _count_field(label)
        self.required_sections = list(required_sections)
        self.section_keys = [s.key for s in sections]
        for section in sections:
            attrs = {"rows": 4}
            if section.key in self.required_sections:
                attrs["aria-required"] = "true"
            self.fields[f"section_{section.key}"] = forms.CharField(
                label=section.name, required=False, max_length=5000, widget=forms.Textarea(attrs=attrs)
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

    # -- what the firm's state and the policy in force allow ----------------------------------------------

    def allowed_kinds(self) -> list[str]:
        if self.firm is None:
            return list(ApplicationKind.values)
        return [k for k in ApplicationKind.values if not selectors.kind_status_message(k, self.firm)]

    def allowed_modes(self) -> list[str]:
        allowed = self.policy.parameters.resumption_modes_allowed if self.policy is not None else None
        return [m for m in ResumptionMode.values if not allowed or m in allowed]

    def _offer_choices(self) -> None:
        """The select boxes offer only what may be chosen; the field still accepts any known value so
        that a refused one gets the rule's own message rather than a generic "invalid choice"."""
        pick = [("", _("请选择"))]
        kinds = dict(ApplicationKind.choices)
        offered = [(k, kinds[k]) for k in self.allowed_kinds()]
        self.fields["kind"].widget.choices = (pick if len(offered) != 1 else []) + offered
        modes = dict(ResumptionMode.choices)
        self.fields["resumption_mode"].widget.choices = pick + [(m, modes[m]) for m in self.allowed_modes()]

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        message = selectors.kind_status_message(kind, self.firm) if self.firm is not None else None
        if message:
            raise ValidationError(message)
        return kind

    def clean_resumption_mode(self):
        mode = self.cleaned_data.get("resumption_mode") or ""
        if mode and mode not in self.allowed_modes():
            from fugong.policy.parameters import RESUMPTION_MODE_CHOICES

            labels = dict(RESUMPTION_MODE_CHOICES)
            raise ValidationError(
                _("%(source)s：只允许以下复工方式：%(modes)s")
                % {
                    "source": self.policy.cite("resumption_modes_allowed"),
                    "modes": "、".join(str(labels[m]) for m in self.allowed_modes()),
                }
            )
        return mode

    def clean_planned_start(self):
        planned = self.cleaned_data.get("planned_start")
        if planned is None:
            return planned
        # A backfill records a start that has already happened; every other start is still to come.
        kind = self.data.get(self.add_prefix("kind")) or (self.initial or {}).get("kind")
        if planned < timezone.now() and kind != ApplicationKind.BACKFILL:
            raise ValidationError(
                _("计划复工时间%(planned)s已经过去，请填写今后的时间") % {"planned": format_datetime(planned)}
            )
        if self.policy is None or self.firm is None:
            return planned
        granted = self.application is not None and self.application.early_start_granted
        probe = SimpleNamespace(planned_start=planned, early_start_granted=granted, enterprise=self.firm)
        message = selectors.date_gate_message(probe, self.policy)
        if message and self.policy.parameters.early_resumption_needs_approval:
            self.early_start_warning = message
        elif message:
            raise ValidationError(message)
        return planned

    def clean_scope_lines(self):
        lines = [line.strip() for line in (self.cleaned_data.get("scope_lines") or "").splitlines()]
        lines = [line for line in lines if line]
        problems = []
        if len(lines) > 50:
            problems.append(_("复工范围（产线）最多50条"))
        if any(len(line) > 200 for line in lines):
            problems.append(_("每条产线不能超过200字"))
        if problems:
            raise ValidationError(problems)
        return "\n".join(lines)

    def clean(self):
        """The service's content rules too, so that every problem shows at once rather than in stages."""
        cleaned = super().clean()
        taken = set(self.errors)
        try:
            content.clean_content(self.service_data(partial=True), self._section_names())
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                target = self.service_field_map.get(name, name)
                if target is not None and target not in self.fields:
                    target = None
                if target not in taken:
                    self.add_error(target, messages)
        return cleaned

    def _section_names(self) -> dict[str, str]:
        return {key: str(self.fields[f"section_{key}"].label) for key in self.section_keys}

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

    def service_data(self, partial: bool = False) -> dict:
        """The service's content; ``partial``: only what parsed (to check the rest while some fields
        are still wrong)."""
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
        out = {
            "kind": data.get("kind"),
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
        if partial:
            # Leave out what did not parse: the field's own error says what is wrong with it.
            names = {"staff_summary": "staff_total", "plan_sections": None}
            out = {k: v for k, v in out.items() if names.get(k, k) not in self.errors}
            if out.get("kind") is None:
                out.pop("kind", None)
            if "planned_start" in self.errors or out.get("planned_start") is None:
                out.pop("planned_start", None)
        return out


ACCEPTED_FILES = ",".join(f".{ext}" for ext in attachments.ALLOWED_EXTENSIONS)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (a list), each checked as one FileField would."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": ACCEPTED_FILES, "data-max-bytes": attachments.MAX_ATTACHMENT_BYTES}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


class AttachmentsForm(forms.Form):
    """Files for any of the policy's document types at once, one field per type (``file_<type>``):
    ``types`` are the document types of the policy in force (``selectors.document_types``). Every file
    is checked as the service checks it, and every problem is listed before anything is stored."""

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = dict(types or {})
        for code, name in self.types.items():
            self.fields[f"file_{code}"] = MultipleFileField(label=name)

    def clean(self):
        cleaned = super().clean()
        chosen = 0
        for code in self.types:
            name = f"file_{code}"
            for upload in cleaned.get(name) or []:
                chosen += 1
                try:
                    attachments.validate_upload(code, upload, self.types)
                except ValidationError as exc:
                    for messages in exc.message_dict.values():
                        self.add_error(name, messages)
        if not chosen and not self.errors:
            raise ValidationError(_("请选择要上传的文件"))
        return cleaned

    def uploads(self) -> list[tuple[str, object]]:
        """(document type, file) in the policy's order of types."""
        return [(code, f) for code in self.types for f in self.cleaned_data.get(f"file_{code}") or []]

    def add_service_errors(self, code: str, exc: ValidationError) -> None:
        """The service's refusal of the file of type ``code``: its file rules on that field, the rest
        (the application can no longer be changed, …) above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            self.add_error(f"file_{code}" if key in ("file", "doc_type") else None, messages)


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
    # A decision is final: the page first states its consequence and asks again (``confirm`` = 1).
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") in (Decision.RETURN, Decision.REJECT)
            and not (cleaned.get("reasons") or "").strip()
        ):
            self.add_error("reasons", _("退回修改或不予批准时必须写明理由"))
        return cleaned


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
