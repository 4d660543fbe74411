"""Forms for the parts pages: they turn text into values; every rule lives in parts.services.

Plain forms rather than ModelForms, so that binding a form never touches a model instance and the
service sees the row exactly as stored when it takes its "before" picture for the audit log.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    GatePoint,
    GridLevel,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    Zone,
)
from fugong.enterprises.parts.services import PART_KINDS


class PartForm(forms.Form):
    kind_slug = ""

    def __init__(self, *args, enterprise, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = model_to_dict(instance, fields=list(self.base_fields))
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.instance = instance

    @property
    def kind(self):
        return PART_KINDS[self.kind_slug]

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's errors next to their fields; the rest above the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}

    @property
    def general_errors(self):
        return self.errors.get(NON_FIELD_ERRORS, [])


def _fields(model, names, **widgets):
    """The model's own labels, choices and lengths, so that forms and API say the same thing."""
    return forms.fields_for_model(model, fields=names, widgets=widgets)


def _form(model, names, base=PartForm, **widgets):
    return type(f"{model.__name__}FormBase", (base,), dict(_fields(model, names, **widgets)))


_TEL = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
_NUMBER = forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"})


class PreventionTeamMemberForm(
    _form(PreventionTeamMember, ["name", "team_role", "position", "phone", "duties"], phone=_TEL)
):
    kind_slug = "prevention-team"


class ZoneForm(_form(Zone, ["kind", "name", "description"])):
    kind_slug = "zones"


class GridParentField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_level_display()} · {obj}"


class GridUnitForm(_form(GridUnit, ["level", "parent", "name", "leader", "zone"])):
    kind_slug = "grid-units"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = GridUnit.objects.filter(
            enterprise=self.enterprise, level__in=[GridLevel.WORKSHOP, GridLevel.TEAM]
        ).select_related("parent")
        if self.instance is not None:
            # A unit can hang neither under itself nor under one of its own teams.
            parents = parents.exclude(pk=self.instance.pk).exclude(parent=self.instance)
        self.fields["parent"] = GridParentField(
            queryset=parents.order_by("parent__name", "name"),
            required=False,
            label=self.fields["parent"].label,
            empty_label=_("（无，车间不填）"),
            help_text=_("班组选所属车间，岗位选所属班组。"),
        )
        self.fields["zone"].queryset = Zone.objects.filter(enterprise=self.enterprise)
        self.fields["zone"].empty_label = _("（未指定）")


class DormRoomForm(_form(DormRoom, ["building", "number", "capacity", "area_m2"], capacity=_NUMBER)):
    kind_slug = "dorm-rooms"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_m2"].widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0.01"})


class CanteenSittingForm(
    _form(
        CanteenSitting,
        ["canteen", "name", "starts_at", "ends_at", "seats"],
        starts_at=_TIME,
        ends_at=_TIME,
        seats=_NUMBER,
    )
):
    kind_slug = "canteen-sittings"


class ShuttleRouteForm(
    _form(
        ShuttleRoute,
        ["name", "vehicle_plate", "driver_name", "driver_phone", "supervisor_name", "seats", "route"],
        driver_phone=_TEL,
        seats=_NUMBER,
    )
):
    kind_slug = "shuttle-routes"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle_plate"].widget.attrs.update(
            {"placeholder": "浙D12345", "autocapitalize": "characters"}
        )


class IsolationRoomForm(_form(IsolationRoom, ["kind", "name", "location", "capacity"], capacity=_NUMBER)):
    kind_slug = "isolation-rooms"


class GatePointForm(_form(GatePoint, ["name", "location"])):
    kind_slug = "gates"


FORMS: dict[str, type[PartForm]] = {
    form.kind_slug: form
    for form in (
        PreventionTeamMemberForm,
        ZoneForm,
        GridUnitForm,
        DormRoomForm,
        CanteenSittingForm,
        ShuttleRouteForm,
        IsolationRoomForm,
        GatePointForm,
    )
}
