"""Review chains from policy (SPEC §4): building a revision's steps and knowing who may act on them.

A chain is the policy's ``review_chain``: ordered steps, each with participants and a mode. Participant
tokens are role names ("town", "task_force", "inspector", "enterprise") or departments ("dept:health";
"dept:@industry" is the firm's own industry department, 块抓条保). A user fills a token when their
role matches it *and* the firm lies in their scope:

- "town": a town officer whose region contains the firm's town (属地);
- "task_force" / "inspector": an officer of that role whose region contains the firm;
- "dept:<code>": an officer of that department whose region contains the firm — and, for a department
  that is not cross-sector, only for firms of its own sector, exactly as ``scope_q`` lets it see them;
- "enterprise": the firm's own enterprise officer (a chain may end with the firm signing its commitment).

Mode "all" needs every participant to pass, in any order (联合审核); "any" needs one.
"""

from django.db.models import Q

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.policy.parameters import INDUSTRY_DEPARTMENT, participant_label

ROLE_TOKENS = {
    Role.TOWN: "town",
    Role.TASK_FORCE: "task_force",
    Role.INSPECTOR: "inspector",
    Role.ENTERPRISE: "enterprise",
}


def token_of(user) -> str | None:
    """The participant token a user's role fills, whatever the firm; None for roles that never review."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == Role.DEPARTMENT:
        return f"dept:{user.department.code}" if user.department_id else None
    return ROLE_TOKENS.get(user.role)


def resolve_participants(participants, enterprise) -> list[str]:
    """The step's tokens for this firm: "dept:@industry" becomes its department; duplicates collapse
    (a firm whose industry department is also named separately is reviewed by it once)."""
    out: list[str] = []
    for token in participants:
        if token == INDUSTRY_DEPARTMENT:
            token = f"dept:{enterprise.department.code}"
        if token not in out:
            out.append(token)
    return out


def fills(user, token: str, enterprise) -> bool:
    """Whether ``user`` may act as ``token`` for ``enterprise``."""
    if token_of(user) != token:
        return False
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.pk
    region = user.region
    if region is None or not region.contains(enterprise.town):
        return False
    if user.role == Role.DEPARTMENT:
        return user.department.cross_sector or user.department_id == enterprise.department_id
    return True


def acting_tokens(user, step, enterprise) -> list[str]:
    """The step's still-pending participants that ``user`` may act as (normally one or none)."""
    return [t for t in step.pending_participants if fills(user, t, enterprise)]


def label(token: str) -> str:
    return participant_label(token)


def _ancestor_codes(region) -> list[str]:
    return [c for c in region.path.split("/") if c]


def users_for(token: str, enterprise):
    """The active users who fill ``token`` for the firm: whom to tell that it is their turn."""
    users = User.objects.filter(is_active=True)
    if token == "enterprise":
        return users.filter(role=Role.ENTERPRISE, enterprise=enterprise)
    regions = Q(region__code__in=_ancestor_codes(enterprise.town))
    if token.startswith("dept:"):
        code = token[5:]
        return users.filter(
            regions,
            Q(department__cross_sector=True) | Q(department_id=enterprise.department_id),
            role=Role.DEPARTMENT,
            department__code=code,
        )
    role = {v: k for k, v in ROLE_TOKENS.items()}.get(token)
    if role is None:
        return users.none()
    return users.filter(regions, role=role)


def firm_users(enterprise):
    """The firm's enterprise officers, told of every decision on its application."""
    return User.objects.filter(is_active=True, role=Role.ENTERPRISE, enterprise=enterprise)


def pending_field(tokens) -> str:
    return f" {' '.join(tokens)} " if tokens else ""
