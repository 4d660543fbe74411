"""The forms of the gathering pages. They only carry the input: the service parses and checks it and
names every bad field; ``add_service_errors`` puts its messages on the fields so that all show at once."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.gatherings.models import GatheringKind

PLAN_EXTENSIONS = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"


def _local_input(value) -> str:
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
    return value or ""


class GatheringForm(forms.Form):
    # A plain field with a select: the service names a bad kind, so the message is not given twice.
    kind = forms.CharField(
        label=_("类型"), required=False, widget=forms.Select(choices=GatheringKind.choices)
    )
    title = forms.CharField(label=_("名称"), required=False, max_length=400)
    place = forms.CharField(label=_("地点"), required=False, max_length=400)
    starts_at = forms.CharField(
        label=_("开始时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.CharField(
        label=_("结束时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    headcount = forms.CharField(
        label=_("人数"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric", "data-headcount": ""}),
    )
    organiser = forms.CharField(label=_("负责人"), required=False, max_length=100)
    plan = forms.FileField(
        label=_("防控方案"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PLAN_EXTENSIONS}),
    )
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "kind": instance.kind,
                "title": instance.title,
                "place": instance.place,
                "starts_at": _local_input(instance.starts_at),
                "ends_at": _local_input(instance.ends_at),
                "headcount": instance.headcount,
                "organiser": instance.organiser,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["data-kind"] = ""

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in ("kind", "title", "place", "starts_at", "ends_at", "headcount", "organiser")
        }


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("审批意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


def add_service_errors(form, exc: ValidationError) -> None:
    """The service's messages on the form's fields (without repeating the field's label, which the error
    summary shows); a message for a field the form does not have goes on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        if name in form.fields and not form.fields[name].widget.is_hidden:
            label = str(form.fields[name].label)
            for message in messages:
                form.add_error(name, message.removeprefix(f"{label}："))
        else:
            for message in messages:
                form.add_error(None, message)
