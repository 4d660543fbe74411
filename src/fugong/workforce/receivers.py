"""Hooks into other apps' signals; kept in one module that apps.ready imports."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from fugong.policy.signals import risk_areas_changed


@receiver(risk_areas_changed, dispatch_uid="workforce.reevaluate_on_risk_areas")
def reevaluate_on_risk_areas(sender, policy, region_codes, **kwargs):
    """A risk or no-return area was added or ended: re-decide the people who were there (SPEC §5
    "changing the risk-area list re-evaluates the people it touches"), in the background."""
    from fugong.workforce.tasks import reevaluate_for_codes

    reevaluate_for_codes.delay(policy.pk, [str(c) for c in region_codes])


@receiver(post_save, sender="monitoring.TestResult", dispatch_uid="workforce.reevaluate_on_pre_exit_test")
def reevaluate_on_pre_exit_test(sender, instance, created, **kwargs):
    """A test result may be what a person held at the exit of a controlled residence was waiting for
    (the pre-exit rule): re-decide them once the result is stored."""
    from fugong.workforce.models import Employee, EmployeeStatus, ResidenceControl, ReturnDecision
    from fugong.workforce.services import reevaluate

    if not created:
        return
    held = Employee.objects.filter(
        pk=instance.employee_id,
        decision=ReturnDecision.BARRED,
        residence_control__in=(ResidenceControl.CONTROLLED, ResidenceControl.PRECAUTION),
    ).exclude(status=EmployeeStatus.LEFT)
    if held.exists():
        transaction.on_commit(lambda: reevaluate(instance.employee_id, note=_("检测结果登记后重新判定")))
