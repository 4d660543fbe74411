"""The eight roles of SPEC §1 and what each may do.

Capabilities are named actions; pages, API views and the navigation all ask ``can(user, capability)``
so that who-may-do-what lives in this one table.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TASK_FORCE = "task_force", _("专班/指挥部")
    DEPARTMENT = "department", _("行业主管部门")
    TOWN = "town", _("镇乡街道")
    GRID_WORKER = "grid_worker", _("网格员/驻企服务员")
    INSPECTOR = "inspector", _("督查组")
    ENTERPRISE = "enterprise", _("企业防疫专员")
    GATE_KEEPER = "gate_keeper", _("门岗")
    EMPLOYEE = "employee", _("员工")


# Roles whose scope is a region subtree.
REGION_ROLES = {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR}
# Roles whose scope is one enterprise.
ENTERPRISE_ROLES = {Role.ENTERPRISE, Role.GATE_KEEPER, Role.EMPLOYEE}

CAPABILITIES: dict[str, set[str]] = {
    "enterprise.view": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
        Role.GATE_KEEPER,
    },
    "enterprise.create": {Role.TASK_FORCE, Role.TOWN},
    "enterprise.edit": {Role.TASK_FORCE, Role.TOWN, Role.ENTERPRISE},
    "enterprise.import": {Role.TASK_FORCE, Role.TOWN},
    "enterprise.export": {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR},
    "enterprise.inside.edit": {Role.TASK_FORCE, Role.TOWN, Role.ENTERPRISE},
    # Suspending or sealing a firm by order (the town may suspend or seal); workflows call
    # change_status on their own authority.
    "enterprise.status": {Role.TASK_FORCE, Role.TOWN},
    "policy.view": {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR, Role.GRID_WORKER},
    "policy.edit": {Role.TASK_FORCE},
    "region.view": {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR, Role.GRID_WORKER},
    "region.grid.create": {Role.TASK_FORCE, Role.TOWN},
    "audit.view": {Role.TASK_FORCE},
    "api.docs": {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR, Role.ENTERPRISE},
    "user.manage": {Role.TASK_FORCE},
    # Resumption applications (SPEC §4). Who may act on a review step is decided by the step's
    # participants (chain.py), not by these: a town officer reviews only where the chain names "town".
    "resumption.view": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
        Role.GATE_KEEPER,
    },
    # The application pages: the firm that files and the officers who review or help it. A gate keeper
    # checks a certificate on the public verify page and needs no application's content.
    "resumption.pages": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
    },
    "resumption.apply": {Role.ENTERPRISE},
    "resumption.review": {Role.TASK_FORCE, Role.DEPARTMENT, Role.TOWN, Role.INSPECTOR},
    "resumption.batch": {Role.TASK_FORCE},
    "resumption.early_start": {Role.TASK_FORCE},
    "resumption.certificate.revoke": {Role.TASK_FORCE},
    # Pre-reports and checkpoint arrivals (提前告知, 有序对接). Reading is scoped like every firm's
    # data: the firm and its gate see their own returners, the town its own town, the county all of it.
    "workforce.returns.view": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
        Role.GATE_KEEPER,
    },
    # The firm reports its expected returners to its town at least the policy's lead time ahead.
    "workforce.prereport": {Role.ENTERPRISE},
    # The town receives the lists, follows up unmatched arrivals from the checkpoints;
    # the task force oversees every town of its region.
    "workforce.arrivals": {Role.TASK_FORCE, Role.TOWN},
    # Recording at a checkpoint: the towns staff the hand-over from the checkpoint stations to the
    # town, helped by their grid workers, with the task force running the
    # city's entry stations. Police and transport staff have no role here; they work through these.
    "workforce.checkpoint": {Role.TASK_FORCE, Role.TOWN, Role.GRID_WORKER},
    # Employee files (SPEC §5). Everyone may read within their scope — an employee's scope is their
    # own file only — and ID numbers are shown masked unless the role also has workforce.unmask.
    "workforce.view": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
        Role.GATE_KEEPER,
        Role.EMPLOYEE,
    },
    # The firm keeps its own roster (一人一档 is the firm's material, checked by the town).
    "workforce.edit": {Role.ENTERPRISE},
    # Moving a person through the return (arrival, barring, work): the firm, and the town that receives
    # returners and follows them up (有序对接).
    "workforce.status": {Role.ENTERPRISE, Role.TOWN},
    # Opening and releasing in-plant isolation / buffer episodes: the firm runs them (分类管理,
    # 缓冲区), the town organises medical observation (疫情处置), the health bureau may release before
    # the planned day — services refuse department officers of any other bureau.
    "workforce.isolation": {Role.ENTERPRISE, Role.TOWN, Role.DEPARTMENT},
    # The full ID number: the firm (it reports its people to the town by number), the town (it matches
    # checkpoint arrivals and follows people up) and the health bureau (medical observation, tracing);
    # services refuse other bureaus. Every unmasked view is written to the audit log.
    "workforce.unmask": {Role.ENTERPRISE, Role.TOWN, Role.DEPARTMENT},
    # The employee's own page on a phone.
    "workforce.self": {Role.EMPLOYEE},
    # Daily monitoring (SPEC §6): the employee checks in on a phone; the firm and its gate record for
    # others; alerts go to the firm, its town, the task force and the health bureau.
    "monitoring.checkin.self": {Role.EMPLOYEE},
    "monitoring.checkin.record": {Role.ENTERPRISE, Role.GATE_KEEPER},
    "monitoring.alerts": {Role.ENTERPRISE, Role.TOWN, Role.TASK_FORCE, Role.DEPARTMENT},
    # Device tokens for temperature gates and lab systems posting batches.
    "monitoring.device": {Role.ENTERPRISE},
    # Nucleic and antigen results (核酸、抗原检测): the firm records them (single, lab Excel, lab system);
    # the employee may record only their own antigen self-test (monitoring.checkin.self). The officers
    # over the firm read the due and overdue lists.
    "monitoring.tests.record": {Role.ENTERPRISE},
    "monitoring.tests.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    # Personal check-in links and the firm's QR poster: the firm's officer hands them out.
    "monitoring.links": {Role.ENTERPRISE},
    # The gate (双控): the gate keeper records entries, visitors and vehicles; the firm's officer may
    # stand in. Every officer reads (read-only) the records of the firms in their scope, like every
    # firm's data; an employee does not.
    "gate.record": {Role.GATE_KEEPER, Role.ENTERPRISE},
    "gate.view": {
        Role.GATE_KEEPER,
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    # The officers' read-only records page (the firm reads its own on the gate page).
    "gate.oversee": {Role.TOWN, Role.TASK_FORCE, Role.INSPECTOR, Role.DEPARTMENT, Role.GRID_WORKER},
    # The firm's day (健康状况报告): the firm's officer confirms its own daily summary; every officer
    # reads the summaries of their scope; the town sends a confirmed summary back for correction.
    "reports.view": {Role.ENTERPRISE, Role.TOWN, Role.TASK_FORCE, Role.DEPARTMENT, Role.INSPECTOR},
    "reports.confirm": {Role.ENTERPRISE},
    "reports.reopen": {Role.TOWN},
}


def can(user, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return user.role in CAPABILITIES[capability]


def require(user, capability: str) -> None:
    """Raise PermissionDenied (403) unless the user's role has the capability."""
    if not can(user, capability):
        raise PermissionDenied
