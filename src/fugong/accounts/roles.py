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
    # Suspending or sealing a firm by order (N0: the town may suspend or seal); workflows call
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
