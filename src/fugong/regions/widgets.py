"""Picking a place by name: cascading selects (省 → 市 → 区县 → 镇乡街道 → 村社区) and a search box.

The submitted value stays a division code — in a hidden input that region_picker.js keeps in step with
the selects and the search — so the services and their validation see exactly what they saw when people
typed codes. The selects are rendered on the server with the current value picked, so the page shows it
before (or without) any script; without JavaScript they are submitted too (``<name>__1``, ``__2`` …)
and the deepest consistent choice wins, so a person can still change the place one level per save.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.widgets import Script
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.policy.divisions import normalize_division_code
from fugong.regions import catalog
from fugong.regions.models import RegionLevel

_DEPTHS = range(1, 7)


def _level_labels() -> dict[int, str]:
    return {int(level): str(level.label) for level in RegionLevel if level <= catalog.MAX_PICK_LEVEL}


def _stored(value) -> str:
    """The stored form of a submitted or initial code; unreadable input is passed on unchanged."""
    raw = str(value or "").strip()
    try:
        return normalize_division_code(raw) if raw else ""
    except ValidationError:
        return raw


class RegionPicker(forms.Widget):
    template_name = "regions/widgets/region_picker.html"

    class Media:
        css = {"all": ["fugong/region_picker.css"]}
        js = [Script("fugong/region_picker.js", defer=True)]

    def __init__(self, source=catalog.NATION, *, min_level=1, max_level=catalog.MAX_PICK_LEVEL, attrs=None):
        super().__init__(attrs)
        self.source = source
        self.min_level = min_level
        self.max_level = max_level
        self.label = ""

    def use_required_attribute(self, initial):
        # The value sits in a hidden input, which browsers never check; the form says what is missing.
        return False

    def id_for_label(self, id_):
        # The visible label names the first select: the one control that is there with or without script.
        return f"{id_}_1" if id_ else id_

    def value_from_datadict(self, data, files, name):
        keys = [f"{name}__{depth}" for depth in _DEPTHS]
        if not any(key in data for key in keys):
            return data.get(name)
        # Without script every select is submitted: walk down while each pick lies inside the one above.
        value = ""
        for key in keys:
            pick = str(data.get(key) or "").strip()
            if not pick or (value and not pick.startswith(value)):
                break
            value = pick
        return value

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__1" not in data

    def format_value(self, value):
        return _stored(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        code = context["widget"]["value"] or ""
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        label = str(self.label or _("地区"))
        levels = _level_labels()
        chain = catalog.chain(self.source, code) if code else []
        extra = {
            k: v for k, v in context["widget"]["attrs"].items() if k.startswith("aria-") and k != "aria-label"
        }
        # A stored code the catalogue cannot place keeps riding in the hidden input: unnamed selects, so that
        # a save without script does not silently clear it.
        unknown = bool(code) and not chain
        steps = []
        for depth, step in enumerate(catalog.cascade(self.source, code, self.max_level), start=1):
            level_name = levels.get(int(step.level), _("下一级"))
            steps.append(
                {
                    "id": f"{base_id}_{depth}",
                    "name": "" if unknown else f"{name}__{depth}",
                    "depth": depth,
                    "aria_label": _("%(label)s：%(level)s") % {"label": label, "level": level_name},
                    "empty_label": _("— %(level)s —") % {"level": level_name},
                    "options": [(p.code, p.name, p.code == step.selected) for p in step.options],
                }
            )
        context["picker"] = {
            "id": base_id,
            "label": label,
            "url": reverse("regions:picker"),
            "source": self.source,
            "min_level": self.min_level,
            "max_level": self.max_level,
            "levels_json": json.dumps(levels, ensure_ascii=False),
            "steps": steps,
            "path": catalog.path_label(chain),
            "unknown": unknown,
            "aria": extra,
            "min_level_name": levels.get(self.min_level, ""),
        }
        return context


class RegionField(forms.CharField):
    """A division code picked with ``RegionPicker``; cleans to the stored form ("" when none).

    ``source``: ``catalog.TREE`` (the region table) or ``catalog.NATION`` (all of China).
    ``min_level``: the least precise level accepted (3: at least a county).
    """

    default_error_messages = {
        "invalid": gettext_lazy("「%(label)s」请从下拉列表中选择，或输入地名搜索后选择"),
        "too_broad": gettext_lazy("「%(label)s」请至少选到%(level)s一级"),
        "required": gettext_lazy("请选择「%(label)s」"),
    }

    def __init__(self, *, source=catalog.NATION, min_level=1, max_level=catalog.MAX_PICK_LEVEL, **kwargs):
        kwargs.setdefault("widget", RegionPicker(source, min_level=min_level, max_level=max_level))
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.source = source
        self.min_level = min_level
        self.widget.label = self.label

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.widget.label = copy.label
        return copy

    def _error(self, key, **params):
        message = self.error_messages[key] % {"label": self.label, **params}
        return ValidationError(message, code=key)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return ""
        try:
            code = normalize_division_code(value, str(self.label))
        except ValidationError:
            raise self._error("invalid") from None
        if catalog.level_of(code) < self.min_level:
            raise self._error("too_broad", level=RegionLevel(self.min_level).label)
        return code

    def validate(self, value):
        if self.required and not value:
            raise self._error("required")

    def describe(self, code: str) -> str:
        """The picked place as words, for a free-text field left empty beside the picker."""
        return catalog.describe(self.source, code) if code else ""
