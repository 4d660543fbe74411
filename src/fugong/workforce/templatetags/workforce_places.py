"""``{% load workforce_places %}``: ``{{ stop.place|place }}`` shows a place as people say it.

A roster writes places back with their division code so that they resolve again on the next import
("信州区（361102）"); a page shows the name alone.
"""

from django import template

from fugong.workforce.rules import place_name

register = template.Library()


@register.filter
def place(value) -> str:
    return place_name(str(value or ""))
