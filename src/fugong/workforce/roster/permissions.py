"""Who may load a roster into a firm, read it, and see ID numbers in it (capabilities of
``fugong.accounts.roles``).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, can
from fugong.enterprises.models import Enterprise
from fugong.workforce.guards import may_unmask

EDIT_CAPABILITY = "workforce.edit"
VIEW_CAPABILITY = "workforce.view"
UNMASK_CAPABILITY = "workforce.unmask"


def visible_enterprise(actor, enterprise) -> bool:
    return Enterprise.objects.visible_to(actor).filter(pk=getattr(enterprise, "pk", enterprise)).exists()


def check_import_allowed(actor, enterprise) -> None:
    """PermissionDenied unless ``actor`` may edit the people of ``enterprise`` and can see the firm."""
    if not can(actor, EDIT_CAPABILITY) or not visible_enterprise(actor, enterprise):
        raise PermissionDenied(_("您没有导入该企业员工名册的权限。"))


def check_export_allowed(actor, *, unmasked: bool = False) -> None:
    if not can(actor, VIEW_CAPABILITY) or actor.role == Role.EMPLOYEE:
        raise PermissionDenied(_("您没有导出员工名册的权限。"))
    if unmasked and not may_unmask(actor):
        raise PermissionDenied(_("您的角色不能查看完整身份证号，请导出脱敏名册。"))
