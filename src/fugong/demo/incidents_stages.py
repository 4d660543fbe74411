"""The later stages of the demo incidents, made through the services: the contact search of the incident
under way with some contacts confirmed (and so put under observation per the policy) and part of their
notices delivered; a sealed workshop at that firm, still active; a firm-wide suspension after the closed
incident, lifted on an approved reopening application; and a responsibility review the inspector opened
on the closed incident and has not concluded.

Idempotent: each stage looks for its own rows first (contacts of the incident, a seal of that scope, a
review of the incident) and does nothing when they are there.
"""

import datetime as dt

from django.utils import timezone

from fugong.accounts.models import Department, User
from fugong.accounts.roles import Role
from fugong.demo.applications import _officer, _reviewer, _scan
from fugong.enterprises.models import GridLevel, GridUnit
from fugong.incidents import reviews
from fugong.incidents.contacts import services as contacts_services
from fugong.incidents.models import (
    Contact,
    ContactStatus,
    Incident,
    ResponsibilityReview,
    Seal,
    SealKind,
    SealScope,
)
from fugong.incidents.notices import services as notices
from fugong.incidents.seals import services as seals
from fugong.policy.selectors import policy_for
from fugong.resumption import selectors as resumption_selectors
from fugong.resumption import services as resumption
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.models import ApplicationKind, ApplicationStatus, ResumptionApplication

# How many of the search's suggestions the officer confirms, and how many notices were delivered.
CONFIRM = 4
DELIVERED = 2


def town_officer(firm) -> User:
    """The firm's town officer: the printed login where the town has one, else the reviewer account the
    applications demo makes for towns without one."""
    return _reviewer(Role.TOWN, firm.town)


def contacts_found(incident) -> None:
    if incident is None:
        return
    officer = town_officer(incident.enterprise)
    if not Contact.objects.filter(incident=incident).exists():
        contacts_services.run_search(officer, incident)
        chosen = list(
            Contact.objects.filter(incident=incident, degree=1, employee__isnull=False)
            .order_by("-score", "pk")
            .values_list("pk", flat=True)[:CONFIRM]
        )
        if chosen:
            contacts_services.confirm(officer, incident, chosen)
    confirmed = Contact.objects.filter(incident=incident, status=ContactStatus.CONFIRMED).order_by("pk")
    if confirmed.exists() and not confirmed.filter(notified_at__isnull=False).exists():
        # The first ones got the printed notice; the rest are still to be reached.
        notices.record_delivery(officer, list(confirmed[:DELIVERED]), notices.DeliveryMethod.PRINTED)


def workshop_sealed(incident) -> None:
    """The workshop the index person works in is sealed until it is disinfected and reopening is approved."""
    if incident is None:
        return
    firm = incident.enterprise
    if Seal.objects.filter(enterprise=firm, scope_kind=SealScope.GRID_UNIT).exists():
        return
    person = incident.index_people.select_related("employee__grid_unit").order_by("pk").first()
    unit = person.employee.grid_unit if person is not None else None
    while unit is not None and unit.level != GridLevel.WORKSHOP and unit.parent_id:
        unit = unit.parent
    unit = unit or GridUnit.objects.filter(enterprise=firm, level=GridLevel.WORKSHOP).order_by("pk").first()
    if unit is None:
        return
    seals.seal(
        town_officer(firm),
        firm,
        kind=SealKind.SEAL,
        scope_kind=SealScope.GRID_UNIT,
        grid_unit=unit,
        reason="密切接触者所在车间，待终末消毒和卫健部门评估后启封",
        incident=incident,
    )


def _reopening_draft(officer, firm) -> ResumptionApplication:
    """The firm's reopening application, filled as the applications demo fills a first resumption."""
    params = policy_for(firm.town).parameters
    headcount = max(firm.normal_headcount, 10)
    allowed = list(params.resumption_modes_allowed or ()) or [firm.resumption_mode or "closed_in_plant"]
    mode = firm.resumption_mode if firm.resumption_mode in allowed else allowed[0]
    content = {
        "kind": ApplicationKind.REOPENING_AFTER_INCIDENT,
        "planned_start": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "reason": "终末消毒完成，密切接触者已落实管控，申请启封复工",
        "scope_lines": ["1号车间"],
        "resumption_mode": mode,
        "staff_summary": {
            "total": headcount,
            "by_district": {"诸暨市": headcount},
            "by_control_status": {"none": headcount},
            "by_commute": {mode: headcount},
        },
        "plan_sections": {
            s: "终末消毒已由疾控机构评估合格，复工后每日两次消毒，员工每日健康监测，责任到人。"
            for s in resumption_selectors.required_sections(params)
        },
    }
    app = resumption.create_draft(officer, firm, content)
    for doc in resumption_selectors.required_documents(params):
        attachments.add_attachment(officer, app, doc, _scan(f"{doc}.pdf"))
    codes = [c.code for c in params.commitments or ()]
    if codes:
        resumption.affirm_commitments(officer, app, codes, firm.legal_representative)
    app.refresh_from_db()
    return app


def suspension_lifted(incident, city) -> None:
    """After the closed incident the firm was suspended; its reopening application went through the
    whole review chain and the town lifted the suspension on it."""
    if incident is None:
        return
    firm = incident.enterprise
    if Seal.objects.filter(enterprise=firm, scope_kind=SealScope.FIRM).exists():
        return
    if resumption_selectors.kind_status_message(ApplicationKind.REOPENING_AFTER_INCIDENT, firm) is None:
        return  # already stopped for another reason: not this story
    if ResumptionApplication.objects.filter(enterprise=firm, status__in=resumption.OPEN_STATUSES).exists():
        return  # an application under way would keep the reopening one from being filed
    officer_town = town_officer(firm)
    row = seals.seal(
        officer_town,
        firm,
        kind=SealKind.SUSPEND,
        scope_kind=SealScope.FIRM,
        reason="发现疑似病例，全厂停工，落实终末消毒和人员排查",
        incident=incident,
    )
    firm.refresh_from_db()
    officer = _officer(firm, None)
    app = _reopening_draft(officer, firm)
    approval.submit(officer, app, app.version)
    task_force = User.objects.get(username="zhuanban")
    for _ in range(10):
        app = ResumptionApplication.objects.get(pk=app.pk)
        if app.status != ApplicationStatus.IN_REVIEW:
            break
        step = resumption_selectors.active_step(app)
        for participant in step.participants:
            if participant == "town":
                actor = officer_town
            elif participant.startswith("dept:"):
                department = Department.objects.get(code=participant.removeprefix("dept:"))
                actor = _reviewer(Role.DEPARTMENT, city, department)
            else:
                actor = task_force
            app.refresh_from_db()
            current = resumption_selectors.active_step(app)
            if current is None or current.pk != step.pk:
                break
            approval.decide(
                actor, app, "pass", "终末消毒完成，密切接触者均已落实管控，同意启封复工", step.key
            )
    app = ResumptionApplication.objects.get(pk=app.pk)
    if app.status == ApplicationStatus.APPROVED:
        seals.lift(officer_town, row, app)


def review_opened(incident) -> None:
    if incident is None or ResponsibilityReview.objects.filter(incident=incident).exists():
        return
    inspector = User.objects.filter(username="ducha").first()
    if inspector is None:
        return
    reviews.open_review(
        inspector,
        incident,
        subjects=f"{incident.enterprise.name}及其防疫专员、所在镇街驻企联络员",
        grounds="该员工有发热、咳嗽症状仍在岗，系在居家隔离或集中隔离以外发现，依规启动责任倒查",
        found_outside_isolation=True,
    )


def build(city, under_way: Incident | None, closed: Incident | None) -> None:
    contacts_found(under_way)
    workshop_sealed(under_way)
    suspension_lifted(closed, city)
    review_opened(closed)
