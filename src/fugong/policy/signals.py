"""Signals other apps listen to when policy facts change.

``risk_areas_changed`` is sent after the transaction that added or ended a risk area or a no-return
area has committed, with ``policy`` (the Policy the area belongs to) and ``region_codes`` (the
normalised division codes whose status changed). Receivers re-decide whatever depends on those
places — the employee return decisions, for one.
"""

from django.dispatch import Signal

risk_areas_changed = Signal()
