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
    # Phone numbers in full (core.masking), to those who call the person; everyone else reads 138****0000.
    # A person's phone (an employee, a visitor or driver at the gate, someone stopped at a checkpoint):
    # the firm's officer, whose scope is its own people and visitors, and the town, which follows
    # returners and arrivals up and organises isolation. The gate keeper only writes numbers down; grid
    # workers, inspectors, bureaus and the task force work through the firm and the town.
    "phone.view": {Role.ENTERPRISE, Role.TOWN},
    # The phones a firm gives so that officials can reach it (legal representative, prevention lead and
    # team, shuttle driver — SPEC §13's 联系人/联系电话): every officer who oversees, reviews, inspects or
    # helps the firm, and the firm itself; not its gate keeper.
    "phone.contact.view": {
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.TOWN,
        Role.GRID_WORKER,
        Role.INSPECTOR,
        Role.ENTERPRISE,
    },
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
    # Workplace operations (SPEC §6–7): the firm's officer keeps the disinfection log, the supplies
    # ledger, the dorm/canteen/shuttle/grid arrangements and the gatherings; every officer over the firm
    # reads them within scope.
    "disinfection.record": {Role.ENTERPRISE},
    "disinfection.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    "supplies.record": {Role.ENTERPRISE},
    "supplies.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    # A demand the firm cannot source goes to its town, which solves it or escalates it to the task force.
    "supplies.demand": {Role.ENTERPRISE},
    "supplies.demand.handle": {Role.TOWN, Role.TASK_FORCE},
    "arrangements.edit": {Role.ENTERPRISE},
    "arrangements.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    "gatherings.record": {Role.ENTERPRISE},
    "gatherings.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    # The town approves a gathering at or over the policy's threshold (属地管理).
    "gatherings.approve": {Role.TOWN},
    # Checklists answered (SPEC §7): the firm self-assesses with evidence; the inspector and the town
    # confirm or overturn; every officer reads the compliance picture; the risk order is for those who
    # direct inspections.
    "compliance.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.INSPECTOR,
        Role.DEPARTMENT,
        Role.GRID_WORKER,
    },
    "compliance.self_assess": {Role.ENTERPRISE},
    "compliance.verify": {Role.INSPECTOR, Role.TOWN},
    "compliance.risk": {Role.TOWN, Role.TASK_FORCE, Role.INSPECTOR, Role.DEPARTMENT, Role.GRID_WORKER},
    # Surveys (摸排): the task force and the towns send them, firms answer, the officers
    # who help the firms follow who has not.
    "surveys.manage": {Role.TASK_FORCE, Role.TOWN},
    "surveys.answer": {Role.ENTERPRISE},
    "surveys.view": {Role.TASK_FORCE, Role.TOWN, Role.DEPARTMENT, Role.GRID_WORKER, Role.INSPECTOR},
    # Incidents (SPEC §8): the firm isolates and reports, the town and the health bureau handle the rest;
    # the town seals (as enterprise.status); the task force and inspectors review responsibility.
    "incidents.view": {
        Role.ENTERPRISE,
        Role.TOWN,
        Role.TASK_FORCE,
        Role.DEPARTMENT,
        Role.INSPECTOR,
        Role.GRID_WORKER,
    },
    "incidents.open": {Role.ENTERPRISE, Role.TOWN, Role.TASK_FORCE, Role.DEPARTMENT},
    "incidents.handle": {Role.ENTERPRISE, Role.TOWN, Role.TASK_FORCE, Role.DEPARTMENT},
    "incidents.contacts": {Role.TOWN, Role.DEPARTMENT},
    "incidents.seal": {Role.TOWN, Role.TASK_FORCE},
    "incidents.review": {Role.TASK_FORCE, Role.INSPECTOR},
    "incidents.report": {Role.TOWN, Role.TASK_FORCE, Role.DEPARTMENT, Role.INSPECTOR},
}

# What each capability is called on the pages (the profile lists a person's by these names).
CAPABILITY_LABELS: dict[str, str] = {
    "enterprise.view": _("查看企业档案"),
    "enterprise.create": _("新建企业档案"),
    "enterprise.edit": _("修改企业档案"),
    "enterprise.import": _("导入企业名录"),
    "enterprise.export": _("导出企业名录"),
    "enterprise.inside.edit": _("维护厂区、宿舍、食堂等设施"),
    "enterprise.status": _("责令停工或查封企业"),
    "policy.view": _("查看防控政策"),
    "policy.edit": _("制定和修改防控政策"),
    "region.view": _("查看行政区划"),
    "region.grid.create": _("划分网格"),
    "audit.view": _("查看审计日志"),
    "api.docs": _("查看接口文档"),
    "user.manage": _("管理用户账号"),
    "resumption.view": _("查看复工申请"),
    "resumption.pages": _("办理复工申请"),
    "resumption.apply": _("提交复工申请"),
    "resumption.review": _("审核复工申请"),
    "resumption.batch": _("管理审批批次"),
    "resumption.early_start": _("准予提前复工"),
    "resumption.certificate.revoke": _("撤销复工证明"),
    "workforce.returns.view": _("查看返岗报备"),
    "workforce.prereport": _("提前报备返岗人员"),
    "workforce.arrivals": _("接收返岗名单、跟进到达人员"),
    "workforce.checkpoint": _("卡口登记"),
    "workforce.view": _("查看员工档案"),
    "workforce.edit": _("维护员工档案"),
    "workforce.status": _("变更员工返岗状态"),
    "workforce.isolation": _("管理隔离观察"),
    "workforce.unmask": _("查看完整身份证号"),
    "phone.view": _("查看人员完整电话号码"),
    "phone.contact.view": _("查看企业联系人完整电话"),
    "workforce.self": _("查看本人健康档案"),
    "monitoring.checkin.self": _("本人健康打卡"),
    "monitoring.checkin.record": _("代员工登记健康打卡"),
    "monitoring.alerts": _("处理健康预警"),
    "monitoring.device": _("管理测温和检测设备"),
    "monitoring.tests.record": _("录入核酸和抗原结果"),
    "monitoring.tests.view": _("查看核酸和抗原结果"),
    "monitoring.links": _("发放打卡链接和二维码"),
    "gate.record": _("门岗登记"),
    "gate.view": _("查看门岗记录"),
    "gate.oversee": _("督查各企业门岗记录"),
    "reports.view": _("查看每日汇总"),
    "reports.confirm": _("确认本企业每日汇总"),
    "reports.reopen": _("退回每日汇总"),
    "disinfection.record": _("登记环境消杀"),
    "disinfection.view": _("查看消杀记录"),
    "supplies.record": _("登记防疫物资出入库"),
    "supplies.view": _("查看防疫物资"),
    "supplies.demand": _("提出防疫物资需求"),
    "supplies.demand.handle": _("协调防疫物资需求"),
    "arrangements.edit": _("安排住宿、就餐、通勤和网格"),
    "arrangements.view": _("查看住宿、就餐、通勤和网格安排"),
    "gatherings.record": _("登记聚集性活动"),
    "gatherings.view": _("查看聚集性活动"),
    "gatherings.approve": _("审批聚集性活动"),
    "compliance.view": _("查看合规检查"),
    "compliance.self_assess": _("填报检查项自查"),
    "compliance.verify": _("核查企业自查结果"),
    "compliance.risk": _("查看企业风险排序"),
    "surveys.manage": _("发起摸排调查"),
    "surveys.answer": _("填报摸排调查"),
    "surveys.view": _("查看摸排进度"),
    "incidents.view": _("查看疫情处置"),
    "incidents.open": _("登记疫情报告"),
    "incidents.handle": _("办理疫情处置步骤"),
    "incidents.contacts": _("确认密切接触者"),
    "incidents.seal": _("停工封闭与启封"),
    "incidents.review": _("责任倒查"),
    "incidents.report": _("查看处置时效"),
}


def capability_label(capability: str) -> str:
    """The capability's name on the pages; one without a name yet still reads as Chinese."""
    label = CAPABILITY_LABELS.get(capability)
    return str(label) if label is not None else str(_("其他功能"))


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
