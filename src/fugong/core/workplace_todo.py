"""The home page's to-dos of the workplace apps (issue 12) and incidents: incident steps the user handles
(late ones first), overdue disinfection rounds, supplies short of the policy's reserve, gatherings and
supply demands waiting for the town or the task force, surveys to answer. Each count goes through the user's scope and the app's own set-based selector."""

import datetime as dt

from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, can
from fugong.disinfection.selectors import gaps_by_firm
from fugong.enterprises.models import Enterprise
from fugong.gatherings.selectors import pending_queue
from fugong.incidents.selectors import my_open_steps
from fugong.policy.selectors import PolicyResolver
from fugong.supplies.models import DemandRequest, DemandStatus
from fugong.supplies.selectors import shortages_by_firm
from fugong.surveys.models import ResponseStatus
from fugong.surveys.selectors import firm_responses


def workplace_todos(user, now: dt.datetime, item, url, urgent, soon, normal) -> list[dict]:
    """``item``/``url`` and the urgencies are the home page's own (core.selectors), passed in so that
    this module does not import it back."""
    today = now.date()
    items: list[dict] = []
    steps, late = my_open_steps(user, now)
    if steps:
        items.append(
            item(
                "incident_steps",
                _("待我办理的疫情处置步骤"),
                steps,
                url("incidents:board"),
                _("其中 %(n)d 项已超时") % {"n": late} if late else _("按政策时限办理"),
                urgent if late else soon,
            )
        )
    firm_officer = user.role == Role.ENTERPRISE and user.enterprise_id is not None
    resolver = PolicyResolver()  # both selectors below resolve the same towns' policies
    if can(user, "disinfection.view"):
        ids = [user.enterprise_id] if firm_officer else Enterprise.objects.visible_to(user).values("pk")
        gaps = gaps_by_firm(today, ids, now=now, resolver=resolver)
        overdue = {firm: sum(1 for g in firm_gaps if g["overdue"]) for firm, firm_gaps in gaps.items()}
        overdue = {firm: n for firm, n in overdue.items() if n}
        if overdue and firm_officer:
            items.append(
                item(
                    "disinfection_overdue",
                    _("今日消杀逾期（区域×轮次）"),
                    overdue[user.enterprise_id],
                    url("disinfection:index"),
                    _("已过本企业规定的完成时限，请尽快消杀并登记"),
                    urgent,
                )
            )
        elif overdue:
            items.append(
                item(
                    "firms_disinfection_overdue",
                    _("今日消杀逾期的企业"),
                    len(overdue),
                    url("disinfection:index"),
                    _("督促企业按政策要求完成消杀"),
                    soon,
                )
            )
    if firm_officer and can(user, "supplies.record"):
        short = (
            shortages_by_firm(today, [user.enterprise_id], resolver=resolver).get(user.enterprise_id) or []
        )
        if short:
            items.append(
                item(
                    "supplies_short",
                    _("防疫物资储备不足（种）"),
                    len(short),
                    url("supplies:index"),
                    "、".join(s["item_name"] for s in short),
                    soon,
                )
            )
    if can(user, "gatherings.approve"):
        waiting = pending_queue(user).order_by().count()
        if waiting:
            items.append(
                item(
                    "gatherings_pending",
                    _("待审批的聚集性活动"),
                    waiting,
                    url("gatherings:index"),
                    _("达到人数标准的活动须审核防控方案"),
                    soon,
                )
            )
    if can(user, "supplies.demand.handle"):
        holding = DemandStatus.ESCALATED if user.role == Role.TASK_FORCE else DemandStatus.SUBMITTED
        waiting = DemandRequest.objects.visible_to(user).filter(status=holding).order_by().count()
        if waiting:
            items.append(
                item(
                    "supply_demands",
                    _("待协调的防疫物资需求"),
                    waiting,
                    url("supplies:demands"),
                    _("企业无法自行解决的物资需求，按答复期限办理"),
                    soon,
                )
            )
    if can(user, "surveys.answer"):
        pending = firm_responses(user).filter(status=ResponseStatus.PENDING, campaign__deadline__gte=now)
        count = pending.order_by().count()
        if count:
            items.append(
                item(
                    "surveys_to_answer",
                    _("待填报的摸排调查"),
                    count,
                    url("surveys:mine"),
                    _("在截止时间前填报"),
                    normal,
                )
            )
    return items
