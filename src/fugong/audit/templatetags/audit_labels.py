"""``{% load audit_labels %}``: ``|action_label``, ``|object_type_label`` and ``|actor_label`` for audit entries."""

from django import template
from django.utils.translation import gettext as _

from fugong.audit import labels

register = template.Library()


@register.filter
def action_label(code):
    return labels.action_label(code or "")


@register.filter
def object_type_label(code):
    return labels.object_type_label(code or "")


@register.filter
def actor_label(entry):
    """The actor's name, or 系统 for what the system did on its own."""
    if entry.actor_id and entry.actor is not None:
        return entry.actor.display_name or entry.actor_label
    if not entry.actor_label or entry.actor_label == "system":
        return _("系统")
    return entry.actor_label
