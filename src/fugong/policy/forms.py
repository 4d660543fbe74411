"""Forms for the policy pages; the parameter form is generated from PARAMETER_SPECS."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.widgets import SearchableSelect
from fugong.policy.models import ChecklistDefinition, RiskLevel
from fugong.policy.parameters import PARAMETER_SPECS, Kind, PolicyParameters, validate_parameters
from fugong.policy.selectors import preset_choices
from fugong.policy.structured_forms import FAILED, editor_for, participant_choices, posted_terms
from fugong.regions.catalog import NATION
from fugong.regions.widgets import RegionField

BOOL_CHOICES = (("", gettext_lazy("不适用")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否")))
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def map_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names; the rest above the form."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            form.add_error(key if key in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PolicyVersionForm(forms.Form):
    """All parameters of a new version, plus its date, a note and the version it was based on."""

    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    effective_from = forms.DateField(
        label=gettext_lazy("生效日期"),
        widget=DATE_WIDGET,
        help_text=gettext_lazy("不得早于今天；此前各日仍按原版本执行"),
    )
    note = forms.CharField(
        label=gettext_lazy("修改依据"),
        max_length=300,
        help_text=gettext_lazy(
            "写明依据的文件文号或会议，例如“指挥部2月20日会议纪要”；修改过的参数将以此为出处"
        ),
    )

    def __init__(self, *args, params: PolicyParameters | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        params = params or PolicyParameters()
        self.groups: list[dict] = []
        self.editors: dict = {}  # structured parameters: their rows of inputs (structured_forms)
        checklist_choices = [
            (d.key, f"{d.name}（{d.notice.short_title}）")
            for d in ChecklistDefinition.objects.select_related("notice").order_by("notice__code", "key")
        ]
        # Documents are drawn from this version's own document types: those it started with, and
        # those posted beside them (a type just removed is still named, so the parser can say so).
        documents = {t.key: t.name for t in params.document_types or ()}
        if self.is_bound:
            documents.update(
                (k, n) for k, n in posted_terms(self.data, "document_types") if k not in documents
            )
        self._document_choices = tuple(documents.items())
        self._editor_context = {
            "participants": participant_choices(params.review_chain),
            "documents": self._document_choices,
        }
        for spec in PARAMETER_SPECS:
            value = getattr(params, spec.key)
            names = self._add_fields(spec, value, checklist_choices)
            if not self.groups or self.groups[-1]["label"] != spec.group:
                self.groups.append({"label": spec.group, "specs": []})
            self.groups[-1]["specs"].append(
                {"spec": spec, "names": names, "editor": self.editors.get(spec.key)}
            )
        self.parameters_json: dict | None = None

    def _add_fields(self, spec, value, checklist_choices) -> list[str]:
        label = spec.label if not spec.unit else f"{spec.label}（{spec.unit}）"
        common = {"label": label, "required": False, "help_text": spec.help}
        if spec.kind == Kind.INT:
            field = forms.IntegerField(**common)
            initial = value
        elif spec.kind == Kind.DECIMAL:
            field = forms.DecimalField(**common, decimal_places=spec.places)
            initial = value
        elif spec.kind == Kind.BOOL:
            field = forms.ChoiceField(**common, choices=BOOL_CHOICES)
            initial = "" if value is None else ("true" if value else "false")
        elif spec.kind == Kind.DATETIME:
            field = forms.DateTimeField(
                **common,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
            )
            initial = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else None
        elif spec.kind == Kind.CHOICE:
            field = forms.ChoiceField(**common, choices=(("", _("不适用")), *spec.choices))
            initial = value or ""
        elif spec.kind in (Kind.CHOICES, Kind.CHECKLISTS):
            choices = spec.choices if spec.kind == Kind.CHOICES else checklist_choices
            if spec.key == "required_application_documents":
                choices = self._document_choices
            field = forms.MultipleChoiceField(**common, choices=choices, widget=forms.CheckboxSelectMultiple)
            initial = list(value or [])
        else:  # review chain, commitments, rounds, vocabularies …: rows of inputs, one per item
            editor = editor_for(self, spec, value, self._editor_context)
            self.editors[spec.key] = editor
            return editor.field_names
        self.fields[spec.key] = field
        self.initial.setdefault(spec.key, initial)
        return [spec.key]

    def clean(self):
        cleaned = super().clean()
        data: dict = {}
        for spec in PARAMETER_SPECS:
            if spec.key in self.editors:
                value = self.editors[spec.key].collect(cleaned)
                if value is FAILED:
                    continue  # an input's own error is already on the form
                data[spec.key] = value
                continue
            if spec.key not in cleaned:
                continue  # the field's own error is already on the form
            value = cleaned[spec.key]
            if spec.kind == Kind.BOOL:
                value = {"": None, "true": True, "false": False}[value or ""]
            elif spec.kind == Kind.CHOICE:
                value = value or None
            elif spec.kind in (Kind.CHOICES, Kind.CHECKLISTS):
                value = list(value) or None
            data[spec.key] = value
        if self.errors:
            return cleaned
        try:
            self.parameters_json = validate_parameters(data).to_json()
        except ValidationError as exc:
            places = getattr(exc, "places", {})
            for key, messages in exc.message_dict.items():
                # A message about one row of a structured parameter goes beside the input it names.
                located = {place.message: place for place in places.get(key, ())}
                for message in messages:
                    target = key if key in self.fields else None
                    if key in self.editors and message in located:
                        target = self.editors[key].field_for(located[message]) or target
                    self.add_error(target, message)
        return cleaned


class ApplyPresetForm(forms.Form):
    region = forms.ModelChoiceField(
        label=gettext_lazy("适用区域"),
        queryset=None,
        empty_label=gettext_lazy("请选择"),
        widget=SearchableSelect,
    )
    preset = forms.ChoiceField(label=gettext_lazy("预设（通知）"), choices=())
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DATE_WIDGET)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: r.name
        self.fields["preset"].choices = preset_choices()


class PresetUploadForm(forms.Form):
    """A preset file to check, preview and then load (and apply to a region from a date).

    The first post carries the file; the preview page posts the same text back with ``confirm``, so
    what is loaded is exactly what was previewed."""

    file = forms.FileField(
        label=gettext_lazy("预设文件（YAML）"),
        required=False,
        help_text=gettext_lazy("格式见使用说明“防控政策预设文件”；可先导出现行政策作为样例"),
    )
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    region = forms.ModelChoiceField(
        label=gettext_lazy("应用到区域（可空：只载入，不应用）"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("只载入，不应用"),
        widget=SearchableSelect,
    )
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DATE_WIDGET, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else self.fields["region"].queryset
        self.fields["region"].label_from_instance = lambda r: r.name
        self.initial.setdefault("effective_from", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and upload.size > 2 * 1024 * 1024:
            self.add_error("file", _("预设文件不能超过 2 MB。"))
        elif upload is None and not cleaned.get("content"):
            self.add_error("file", _("请选择预设文件。"))
        if cleaned.get("region") is not None and not cleaned.get("effective_from"):
            self.add_error("effective_from", _("应用到区域时须填写「生效日期」。"))
        return cleaned

    def file_text(self) -> bytes | str:
        upload = self.cleaned_data.get("file")
        return upload.read() if upload is not None else self.cleaned_data["content"]

    def ready_to_confirm(self, text: str) -> None:
        """The preview's form: the same text, now to be loaded."""
        data = self.data.copy()
        data["content"], data["confirm"] = text, "on"
        self.data = data


class _AreaForm(forms.Form):
    # Areas lie anywhere in China, not only in the city's own tree: picked from the national divisions.
    region_code = RegionField(
        label=gettext_lazy("地区"),
        source=NATION,
        help_text=gettext_lazy("选到哪一级就覆盖该级以下全部区域，如只选到省即覆盖全省"),
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("不填则用所选地区的名称"),
    )
    valid_from = forms.DateField(label=gettext_lazy("起始日期"), widget=DATE_WIDGET)
    valid_to = forms.DateField(
        label=gettext_lazy("截止日期（含当日，可空）"), widget=DATE_WIDGET, required=False
    )
    source = forms.CharField(
        label=gettext_lazy("依据"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("发布机关与文号或公告日期"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("region_code") and not cleaned.get("name"):
            cleaned["name"] = self.fields["region_code"].describe(cleaned["region_code"])[:200]
        return cleaned


class RiskAreaForm(_AreaForm):
    level = forms.ChoiceField(label=gettext_lazy("风险等级"), choices=RiskLevel.choices)
    field_order = ["region_code", "name", "level", "valid_from", "valid_to", "source"]


class NoReturnAreaForm(_AreaForm):
    pass


class EndAreaForm(forms.Form):
    last_day = forms.DateField(label=gettext_lazy("截止日期（最后生效日）"), widget=DATE_WIDGET)
