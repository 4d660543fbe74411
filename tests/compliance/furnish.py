"""Rows for the scope walk: a stored compliance day and a self-assessment answer at firm_a, firm_b and
firm_c. Written directly: the walk's policy (N0) may not require the item the answer is for."""

from django.utils import timezone

from fugong.compliance.models import AnswerKind, ChecklistAnswer, ComplianceDay
from fugong.policy.models import ChecklistItem

# Officers and firms read compliance; gate keepers and employees do not.
READ_CAPABILITY = {"compliance-days": "compliance.view", "checklist-answers": "compliance.view"}


def furnish(world) -> None:
    item = ChecklistItem.objects.filter(check_method="self_assessment").order_by("pk").first()
    for key in ("firm_a", "firm_b", "firm_c"):
        firm = getattr(world, key)
        ComplianceDay.objects.get_or_create(
            enterprise=firm, day=timezone.localdate(), defaults={"town": firm.town}
        )
        ChecklistAnswer.objects.create(
            enterprise=firm, item=item, kind=AnswerKind.SELF_ASSESSMENT, met=False, note=f"自查{key}",
            answered_by=world.users["task_force"],
        )  # fmt: skip
