"""Resumption applications in every state across the demo city, made through the real services so
that review chains, priority scores, notifications, audit entries and certificates are all genuine."""

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.accounts.models import Department, User
from fugong.accounts.roles import Role
from fugong.demo.city import set_demo_password  # noqa: E402
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.policy.selectors import policy_for
from fugong.regions.models import Region
from fugong.resumption import selectors, services
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.models import ResumptionApplication

# A tiny valid PDF standing in for a scanned document.
SCANNED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# How far each demo application goes: (how many, last step passed, final action).
PLAN = [
    ("draft", 2),
    ("at_town_check", 4),
    ("joint_half", 2),  # industry department passed, health bureau still to act
    ("at_task_force", 6),  # waits for approval, ready to be released in a batch
    ("returned", 2),
    ("rejected", 1),
    ("approved", 6),
    ("revoked", 1),
]


def _scan(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCANNED_PDF, content_type="application/pdf")


def _officer(firm: Enterprise, rng: random.Random) -> User:
    """Each firm files through its own epidemic-prevention officer; demo firms get one named after it."""
    existing = User.objects.filter(role=Role.ENTERPRISE, enterprise=firm).order_by("pk").first()
    if existing:
        return existing
    user = User.objects.create(
        username=f"qy{firm.uscc[-10:-1].lower()}",
        role=Role.ENTERPRISE,
        enterprise=firm,
        full_name=firm.prevention_lead,
    )
    set_demo_password(user)
    return user


def _reviewer(role: str, region: Region, department: Department | None = None) -> User:
    """A reviewer for a town or department the printed demo logins do not cover."""
    found = User.objects.filter(role=role, region=region, department=department).order_by("pk").first()
    if found:
        return found
    suffix = department.code if department else region.code
    user = User.objects.create(
        username=f"{role}_{suffix}",
        role=role,
        region=region,
        department=department,
        full_name=f"{region.name}{department.name if department else ''}审核员",
    )
    set_demo_password(user)
    return user


def _fill(officer: User, firm: Enterprise, rng: random.Random, start: dt.datetime) -> ResumptionApplication:
    params = policy_for(firm.town).parameters
    headcount = max(firm.normal_headcount, 10)
    local = int(headcount * float(firm.local_employee_share or 60) / 100)
    watched = rng.randint(0, 5)
    allowed = list(params.resumption_modes_allowed or ()) or [firm.resumption_mode or "closed_in_plant"]
    mode = firm.resumption_mode if firm.resumption_mode in allowed else allowed[0]
    content = {
        "kind": "first_resumption",
        "planned_start": start.strftime("%Y-%m-%d %H:%M"),
        "reason": rng.choice(
            ["外贸订单交付", "保障防疫物资供应", "产业链上下游配套", "保障群众生活必需品供应"]
        ),
        "scope_lines": [f"{n}号车间" for n in range(1, rng.randint(2, 4))],
        "resumption_mode": mode,
        "staff_summary": {
            "total": headcount,
            "by_district": {"诸暨市": local, "省外": headcount - local},
            "by_control_status": {"precaution": watched, "none": headcount - watched},
            "by_commute": {mode: headcount},
        },
        "plan_sections": {
            s: "成立以法定代表人为组长的防疫工作小组，措施落实到车间、班组和岗位，责任到人。"
            for s in selectors.required_sections(params)
        },
    }
    app = services.create_draft(officer, firm, content)
    for doc in selectors.required_documents(params):
        attachments.add_attachment(officer, app, doc, _scan(f"{doc}.pdf"))
    codes = [c.code for c in params.commitments or ()]
    if codes:
        services.affirm_commitments(officer, app, codes, firm.legal_representative)
    app.refresh_from_db()
    return app


def _pass_step(app: ResumptionApplication, reviewers_for) -> None:
    app.refresh_from_db()
    step = selectors.active_step(app)
    for actor in reviewers_for(app, step):
        app.refresh_from_db()
        current = selectors.active_step(app)
        if current is None or current.pk != step.pk:
            return
        approval.decide(actor, app, "pass", "材料齐全，防控措施符合要求", step.key)


def build_applications(city: Region, seed: int = 11) -> int:
    """Idempotent: does nothing once the demo city has applications."""
    if ResumptionApplication.objects.filter(enterprise__town__path__startswith=city.path).exists():
        return 0
    rng = random.Random(seed)
    task_force = User.objects.get(username="zhuanban")
    health = Department.objects.get(code="health")
    candidates = list(
        Enterprise.objects.filter(town__path__startswith=city.path, status=EnterpriseStatus.NOT_RESUMED)
        .select_related("town", "department")
        .order_by("uscc")
    )
    rng.shuffle(candidates)
    start = timezone.localtime() + dt.timedelta(days=3)

    def reviewers_for(app, step):
        people = []
        for participant in step.participants:
            if participant == "town":
                people.append(_reviewer(Role.TOWN, app.enterprise.town))
            elif participant.startswith("dept:"):
                department = Department.objects.get(code=participant.removeprefix("dept:"))
                people.append(_reviewer(Role.DEPARTMENT, city, department))
            elif participant == "task_force":
                people.append(task_force)
        return people

    # One of each state first, so that even a small city shows every state; then the rest.
    order = [state for state, _ in PLAN] + [state for state, count in PLAN for _ in range(count - 1)]
    made = 0
    for state in order:
        if not candidates:
            return made
        firm = candidates.pop()
        officer = _officer(firm, rng)
        app = _fill(officer, firm, rng, start)
        made += 1
        if state == "draft":
            continue
        approval.submit(officer, app, app.version)
        if state == "at_town_check":
            continue
        _pass_step(app, reviewers_for)  # town check
        if state == "returned":
            app.refresh_from_db()
            step = selectors.active_step(app)
            reviewer = reviewers_for(app, step)[-1]
            approval.decide(
                reviewer, app, "return", "防疫方案未明确隔离观察点位置，请补充后重新提交。", step.key
            )
            continue
        if state == "joint_half":
            app.refresh_from_db()
            step = selectors.active_step(app)
            industry = [p for p in reviewers_for(app, step) if p.department_id != health.pk]
            approval.decide(industry[0], app, "pass", "行业主管部门审核通过", step.key)
            continue
        if state == "rejected":
            app.refresh_from_db()
            step = selectors.active_step(app)
            approval.decide(
                reviewers_for(app, step)[0],
                app,
                "reject",
                "企业未落实防疫主体责任，暂不具备复工条件。",
                step.key,
            )
            continue
        _pass_step(app, reviewers_for)  # joint review
        if state == "at_task_force":
            continue
        while (app := ResumptionApplication.objects.get(pk=app.pk)).status == "in_review":
            _pass_step(app, reviewers_for)
        if state == "revoked":
            approval.revoke_certificate(
                task_force, app.certificate, "企业未按承诺落实封闭管理，经督查责令整改。"
            )
    return made
