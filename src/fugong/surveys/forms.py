"""The campaign form. Only the place is checked here (by the region picker); everything else is checked
by the service, whose messages name each field, so that the page and the API say the same thing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.regions.catalog import TREE
from fugong.regions.models import RegionLevel
from fugong.regions.widgets import RegionField
from fugong.surveys import fields as catalogue

FIELD_NAMES = ("title", "instructions", "region", "fields", "deadline")


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("标题"), required=False, max_length=400)
    instructions = forms.CharField(
        label=_("填报说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    region = RegionField(
        label=_("发送范围"),
        source=TREE,
        min_level=RegionLevel.CITY,
        max_level=RegionLevel.TOWN,
        required=False,
        help_text=_("选到哪一级，就发给该地区内的全部企业"),
    )
    fields = forms.MultipleChoiceField(
        label=_("填报项目"),
        required=False,
        choices=catalogue.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.CharField(
        label=_("截止时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
