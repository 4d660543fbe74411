"""Hooks into other apps' signals; kept in one module that apps.ready imports."""

from django.dispatch import receiver

from fugong.policy.signals import risk_areas_changed


@receiver(risk_areas_changed, dispatch_uid="workforce.reevaluate_on_risk_areas")
def reevaluate_on_risk_areas(sender, policy, region_codes, **kwargs):
    """A risk or no-return area was added or ended: re-decide the people who were there (SPEC §5
    "changing the risk-area list re-evaluates the people it touches"), in the background."""
    from fugong.workforce.tasks import reevaluate_for_codes

    reevaluate_for_codes.delay(policy.pk, [str(c) for c in region_codes])
