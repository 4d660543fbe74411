"""Reading resumption applications: what a user sees, what waits for them, what is still missing,
and how two submitted versions differ."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import can
from fugong.core.dates import format_datetime
from fugong.enterprises.models import EnterpriseStatus, ResumptionMode
from fugong.policy.parameters import SECTOR_CHOICES
from fugong.resumption.chain import token_of
from fugong.resumption.models import (
    EXTRA_DOCUMENT_TYPES,
    ApplicationKind,
    ApplicationRevision,
    ApplicationStatus,
    ApprovalBatch,
    Certificate,
    ControlStatus,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
    StepStatus,
)

# The firm statuses each kind of application may start from (SPEC §3 transitions): a first
# resumption from not resumed or key-staff preparation; a backfill from anything but an incident
# closure; key-staff preparation before resumption or after a suspension; reopening only after one.
KIND_FROM_STATUSES = {
    ApplicationKind.FIRST_RESUMPTION: {EnterpriseStatus.NOT_RESUMED, EnterpriseStatus.PREPARING},
    ApplicationKind.BACKFILL: {
        EnterpriseStatus.NOT_RESUMED,
        EnterpriseStatus.PREPARING,
        EnterpriseStatus.RESUMED,
    },
    ApplicationKind.KEY_STAFF_PREPARATION: {EnterpriseStatus.NOT_RESUMED, EnterpriseStatus.SUSPENDED},
    ApplicationKind.REOPENING_AFTER_INCIDENT: {EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED},
}
# The enterprise-file fields behind the sectors a policy may exempt from its earliest resumption date.
SECTOR_TAGS = {
    "essential_public_service": "is_essential_public_service",
    "epidemic_supplies": "is_epidemic_supplies",
    "daily_necessities": "is_daily_necessities",
}
STAFF_BREAKDOWNS = {
    "by_district": gettext_lazy("按所在区县"),
    "by_control_status": gettext_lazy("按居住地管控状态"),
    "by_commute": gettext_lazy("按通勤方式"),
}


# -- what is visible and what waits -----------------------------------------------------------------------


def applications_visible_to(user):
    """Applications in the user's scope, drafts included: the task force must find a draft to grant it
    an early start before the firm can submit it, and the town helps its firms prepare theirs."""
    if not can(user, "resumption.view"):
        return ResumptionApplication.objects.none()
    return ResumptionApplication.objects.visible_to(user).select_related(
        "enterprise__town", "enterprise__department", "batch", "policy_version"
    )


def queue_for(user):
    """Applications whose active step waits for the user, in their scope, highest priority first,
    then first come first served."""
    token = token_of(user)
    if token is None:
        return ResumptionApplication.objects.none()
    waiting = ReviewStep.objects.filter(
        application=OuterRef("pk"),
        revision=OuterRef("revision"),
        status=StepStatus.ACTIVE,
        pending__contains=f" {token} ",
    )
    return (
        applications_visible_to(user)
        .filter(status=ApplicationStatus.IN_REVIEW)
        .filter(Exists(waiting))
        .order_by("-priority_score", "submitted_at", "id")
    )


def active_step(application) -> ReviewStep | None:
    if application.status != ApplicationStatus.IN_REVIEW:
        return None
    return ReviewStep.objects.filter(
        application=application, revision=application.revision, status=StepStatus.ACTIVE
    ).first()


def steps_by_revision(application) -> list[tuple[int, list[ReviewStep]]]:
    """Every revision's steps with their decisions, newest revision first, for the review page."""
    steps = (
        ReviewStep.objects.filter(application=application)
        .prefetch_related(Prefetch("decisions", queryset=ReviewDecision.objects.select_related("actor")))
        .order_by("-revision", "order")
    )
    out: dict[int, list[ReviewStep]] = {}
    for step in steps:
        out.setdefault(step.revision, []).append(step)
    return list(out.items())


def batches_visible_to(user):
    """Batches of the task force of the user's region or of regions inside it."""
    if not can(user, "resumption.batch") or user.region_id is None:
        return ApprovalBatch.objects.none()
    return ApprovalBatch.objects.filter(region__path__startswith=user.region.path).select_related(
        "region", "created_by", "released_by"
    )


def certificates_visible_to(user):
    if not can(user, "resumption.view"):
        return Certificate.objects.none()
    return Certificate.objects.visible_to(user).select_related("enterprise", "application")


# -- what the policy requires and what is still missing --------------------------------------------------


def required_documents(params) -> list[str]:
    return list(params.required_application_documents or ())


def document_types(params) -> dict[str, str]:
    """The document types a firm may upload under the policy, key → Chinese name: the policy's own
    vocabulary, then the few that are no policy's (other material)."""
    out = {t.key: t.name for t in params.document_types or ()}
    for key, name in EXTRA_DOCUMENT_TYPES:
        out.setdefault(key, str(name))
    return out


def plan_sections(params) -> tuple:
    """The policy's plan sections (``PlanSectionSpec``), in its order; empty when it sets none."""
    return tuple(params.plan_sections or ())


def section_names(params) -> dict[str, str]:
    return {s.key: s.name for s in plan_sections(params)}


def required_sections(params) -> list[str]:
    """The plan sections the firm must fill: those of the policy's sections that belong to a document
    the policy requires, in the policy's order."""
    documents = set(required_documents(params))
    return [s.key for s in plan_sections(params) if documents & set(s.documents)]


def firm_sectors(firm) -> set[str]:
    """The exemptible sectors (``SECTOR_CHOICES`` keys) the enterprise file marks the firm as."""
    return {sector for sector, tag in SECTOR_TAGS.items() if getattr(firm, tag)}


def _filled(text) -> bool:
    return isinstance(text, str) and bool(text.strip())


def active_attachments(application):
    return application.attachments.filter(removed_at__isnull=True)


@dataclass
class Completeness:
    sections_required: list[str] = field(default_factory=list)
    sections_missing: list[str] = field(default_factory=list)
    documents_required: list[str] = field(default_factory=list)
    documents_missing: list[str] = field(default_factory=list)
    commitments_required: list = field(default_factory=list)
    commitments_missing: list = field(default_factory=list)

    def _parts(self):
        return [
            (len(self.sections_required), len(self.sections_missing)),
            (len(self.documents_required), len(self.documents_missing)),
            (len(self.commitments_required), len(self.commitments_missing)),
        ]

    @property
    def share(self) -> float:
        """The mean of the filled shares of the parts the policy requires; 1 when it requires none."""
        shares = [(n - missing) / n for n, missing in self._parts() if n]
        return round(sum(shares) / len(shares), 4) if shares else 1.0

    def summary(self) -> str:
        (s, sm), (d, dm), (c, cm) = self._parts()
        return _("方案%(s1)d/%(s)d项，材料%(d1)d/%(d)d份，承诺%(c1)d/%(c)d项") % {
            "s1": s - sm,
            "s": s,
            "d1": d - dm,
            "d": d,
            "c1": c - cm,
            "c": c,
        }


def completeness(application, params) -> Completeness:
    sections = required_sections(params)
    documents = required_documents(params)
    commitments = list(params.commitments or ())
    plan = application.plan_sections or {}
    present_docs = set(active_attachments(application).values_list("doc_type", flat=True))
    affirmed = dict(application.commitments.values_list("code", "text"))
    return Completeness(
        sections_required=sections,
        sections_missing=[s for s in sections if not _filled(plan.get(s))],
        documents_required=documents,
        documents_missing=[d for d in documents if d not in present_docs],
        commitments_required=commitments,
        # An affirmation counts only for the wording in force: a reworded item must be affirmed again.
        commitments_missing=[c for c in commitments if affirmed.get(c.code) != c.text],
    )


def staff_summary_problems(summary: dict) -> list[str]:
    """Inconsistencies in a returning-staff summary, as Chinese sentences."""
    problems = []
    total = summary.get("total")
    if not isinstance(total, int):
        return problems
    for key, label in STAFF_BREAKDOWNS.items():
        part = summary.get(key) or {}
        if part and sum(part.values()) != total:
            problems.append(
                _("%(label)s合计%(sum)d人，与返岗总人数%(total)d人不符")
                % {"label": label, "sum": sum(part.values()), "total": total}
            )
    ptp = (summary.get("by_commute") or {}).get("point_to_point", 0)
    buses = summary.get("buses") or {}
    seats = (buses.get("count") or 0) * (buses.get("seats_per_bus") or 0)
    if ptp and seats < ptp:
        problems.append(_("点对点通勤%(n)d人，班车座位合计%(seats)d个，不足") % {"n": ptp, "seats": seats})
    return problems


def date_gate_message(application, policy) -> str | None:
    """Why the planned start is too early under ``policy`` (a ResolvedPolicy), or None when the firm
    may start then: ``ResolvedPolicy.may_resume_at`` decides, the task force's early-start approval
    lets an application through, and the message cites where the earliest date comes from."""
    params = policy.parameters
    planned = application.planned_start
    if planned is None or application.early_start_granted:
        return None
    if policy.may_resume_at(planned, firm_sectors(application.enterprise)):
        return None
    labels = dict(SECTOR_CHOICES)
    exempt = "、".join(str(labels.get(s, s)) for s in params.essential_sectors_exempt or ())
    message = _("%(source)s：计划复工时间 %(planned)s 早于最早复工时间 %(earliest)s。") % {
        "source": policy.cite("earliest_resumption_at"),
        "planned": format_datetime(planned),
        "earliest": format_datetime(params.earliest_resumption_at),
    }
    if exempt:
        message += _("只有%(exempt)s的企业可以提前复工") % {"exempt": exempt}
        message += _("，或经指挥部批准提前复工。") if params.early_resumption_needs_approval else "。"
    elif params.early_resumption_needs_approval:
        message += _("须经指挥部批准方可提前复工。")
    return message


def kind_status_message(kind, firm) -> str | None:
    allowed = KIND_FROM_STATUSES.get(kind, set())
    if firm.status in allowed:
        return None
    if kind == ApplicationKind.REOPENING_AFTER_INCIDENT and firm.status == EnterpriseStatus.RESUMED:
        # A working firm with a sealed workshop or dorm building reopens that part the same way.
        from fugong.incidents.seals.services import has_active_seal

        if has_active_seal(firm):
            return None
    return _("企业当前状态为「%(status)s」，不能办理「%(kind)s」；可办理该类申请的状态：%(allowed)s") % {
        "status": firm.get_status_display(),
        "kind": ApplicationKind(kind).label,
        "allowed": "、".join(str(EnterpriseStatus(s).label) for s in EnterpriseStatus.values if s in allowed),
    }


def submission_errors(application, policy) -> dict[str, list[str]]:
    """Everything that keeps the application from being submitted under ``policy`` (a
    ResolvedPolicy), by field; each rule the policy sets is cited."""
    params = policy.parameters
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(str(message))

    if application.planned_start is None:
        add("planned_start", _("计划复工时间不能为空"))
    if not _filled(application.reason):
        add("reason", _("复工原因不能为空"))
    if not [line for line in application.scope_lines or [] if _filled(line)]:
        add("scope_lines", _("复工范围（产线）至少填写一条"))
    allowed_modes = params.resumption_modes_allowed
    if not application.resumption_mode:
        add("resumption_mode", _("复工方式不能为空"))
    elif allowed_modes and application.resumption_mode not in allowed_modes:
        from fugong.policy.parameters import RESUMPTION_MODE_CHOICES

        labels = dict(RESUMPTION_MODE_CHOICES)
        add(
            "resumption_mode",
            _("%(source)s：只允许以下复工方式：%(modes)s")
            % {
                "source": policy.cite("resumption_modes_allowed"),
                "modes": "、".join(str(labels[m]) for m in allowed_modes),
            },
        )
    if application.resumption_mode == "point_to_point" and not _filled(application.commuting_arrangements):
        add("commuting_arrangements", _("点对点通勤须说明班车、固定司机、跟车监督员和乘车管理安排"))
    summary = application.staff_summary or {}
    if not isinstance(summary.get("total"), int) or summary["total"] <= 0:
        add("staff_summary", _("返岗人员总数必须填写且大于0"))
    for problem in staff_summary_problems(summary):
        add("staff_summary", problem)

    done = completeness(application, params)
    section_labels = section_names(params)
    for key in done.sections_missing:
        add(
            "plan_sections",
            _("%(source)s：复工方案缺少「%(section)s」部分")
            % {"source": policy.cite("plan_sections"), "section": section_labels.get(key, key)},
        )
    doc_labels = document_types(params)
    for doc in done.documents_missing:
        add(
            "attachments",
            _("%(source)s：缺少申请材料「%(doc)s」")
            % {"source": policy.cite("required_application_documents"), "doc": doc_labels.get(doc, doc)},
        )
    for item in done.commitments_missing:
        add(
            "commitments",
            _("%(source)s：承诺事项「%(code)s %(text)s」尚未由法定代表人确认")
            % {"source": policy.cite("commitments"), "code": item.code, "text": item.text[:40]},
        )

    message = kind_status_message(application.kind, application.enterprise)
    if message:
        add("kind", message)
    message = date_gate_message(application, policy)
    if message:
        add("planned_start", message)
    return errors


# -- versions ----------------------------------------------------------------------------------------------

CONTENT_LABELS = {
    "kind": gettext_lazy("申请类型"),
    "planned_start": gettext_lazy("计划复工时间"),
    "reason": gettext_lazy("复工原因"),
    "scope_lines": gettext_lazy("复工范围（产线）"),
    "resumption_mode": gettext_lazy("复工方式"),
    "commuting_arrangements": gettext_lazy("通勤安排"),
    "early_start_granted": gettext_lazy("已批准提前复工"),
}
STAFF_LABELS = {
    "total": gettext_lazy("返岗总人数"),
    **STAFF_BREAKDOWNS,
    "buses": gettext_lazy("班车需求"),
}


def revision_content(application) -> dict:
    """The application as it stands, in the JSON form kept on each revision."""
    return {
        "kind": application.kind,
        "planned_start": application.planned_start.isoformat() if application.planned_start else None,
        "reason": application.reason,
        "scope_lines": list(application.scope_lines or []),
        "resumption_mode": application.resumption_mode,
        "commuting_arrangements": application.commuting_arrangements,
        "staff_summary": dict(application.staff_summary or {}),
        "plan_sections": dict(application.plan_sections or {}),
        "early_start_granted": application.early_start_granted,
        "attachments": [
            {
                "id": a.pk,
                "doc_type": a.doc_type,
                "doc_type_name": a.doc_type_name,
                "name": a.original_name,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in active_attachments(application).order_by("doc_type", "id")
        ],
        "commitments": [
            {
                "code": c.code,
                "text": c.text,
                "affirmed_by_name": c.affirmed_by_name,
                "affirmed_at": c.affirmed_at.isoformat(),
            }
            for c in application.commitments.order_by("code")
        ],
    }


def _row(key, label, before, after, kind=None):
    """A changed field: the stored values (for the API) and the values as a reader sees them."""
    return {
        "field": key,
        "label": str(label),
        "before": before,
        "after": after,
        "before_text": _shown(kind or key, before),
        "after_text": _shown(kind or key, after),
    }


def _shown(key: str, value):
    """A revision field's stored value as a reader sees it: choices by name, dates in the one format,
    lists joined, yes/no in words — never a code, a list or a dict."""
    if value is None or value == "" or value == []:
        return None
    if key == "kind":
        return str(dict(ApplicationKind.choices).get(value, value))
    if key == "resumption_mode":
        return str(dict(ResumptionMode.choices).get(value, value))
    if key == "planned_start":
        return format_datetime(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return value


BUS_LABELS = {
    "count": gettext_lazy("班车数"),
    "seats_per_bus": gettext_lazy("每车乘坐人数"),
    "routes": gettext_lazy("班车线路"),
}


def _staff_part_names(key: str) -> dict:
    """Names of the entries of one staff breakdown (control statuses, commute modes; districts are
    stored by name)."""
    if key == "by_control_status":
        return dict(ControlStatus.choices)
    if key == "by_commute":
        return dict(ResumptionMode.choices)
    if key == "buses":
        return BUS_LABELS
    return {}


def _staff_rows_changed(before: dict, after: dict) -> list[dict]:
    """One row per changed staff figure: the total, then each entry of each breakdown by name
    ("返岗人员情况·按通勤方式 · 封闭驻厂"), then the buses."""
    rows = []
    group = _("返岗人员情况")
    if before.get("total") != after.get("total"):
        rows.append(
            _row(
                "staff_summary.total",
                f"{group}·{STAFF_LABELS['total']}",
                before.get("total"),
                after.get("total"),
            )
        )
    for key, label in STAFF_LABELS.items():
        if key == "total":
            continue
        b_part, a_part = before.get(key) or {}, after.get(key) or {}
        if not isinstance(b_part, dict) or not isinstance(a_part, dict):
            if b_part != a_part:
                rows.append(_row(f"staff_summary.{key}", f"{group}·{label}", b_part, a_part))
            continue
        names = _staff_part_names(key)
        for sub in ordered_keys(set(b_part) | set(a_part), names):
            if b_part.get(sub) != a_part.get(sub):
                rows.append(
                    _row(
                        f"staff_summary.{key}.{sub}",
                        f"{group}·{label} · {names.get(sub, sub)}",
                        b_part.get(sub),
                        a_part.get(sub),
                    )
                )
    return rows


def ordered_keys(keys, names: dict) -> list[str]:
    """``keys`` in the order of ``names`` (the policy's), then any others in sorted order."""
    known = [k for k in names if k in keys]
    return known + sorted(k for k in keys if k not in names)


def diff_content(before: dict, after: dict, section_labels=None, doc_labels=None) -> list[dict]:
    """What changed between two revision contents, one row per field, section, staff figure,
    document type and commitment, in the order a reader goes through the form, each value as a reader
    sees it (names, not codes). Sections and document types are named by ``section_labels`` /
    ``doc_labels`` (the policies the revisions were filed under), in their order."""
    section_labels = section_labels or {}
    doc_labels = dict(doc_labels or {})
    rows = []
    for key, label in CONTENT_LABELS.items():
        if before.get(key) != after.get(key):
            rows.append(_row(key, label, before.get(key), after.get(key)))
    rows += _staff_rows_changed(before.get("staff_summary") or {}, after.get("staff_summary") or {})
    b_plan, a_plan = before.get("plan_sections") or {}, after.get("plan_sections") or {}
    for key in ordered_keys(set(b_plan) | set(a_plan), section_labels):
        label = section_labels.get(key, key)
        if (b_plan.get(key) or "") != (a_plan.get(key) or ""):
            rows.append(
                _row(f"plan_sections.{key}", f"{_('复工方案')}·{label}", b_plan.get(key), a_plan.get(key))
            )

    def by_type(content):
        out: dict[str, list[str]] = {}
        for a in content.get("attachments") or []:
            out.setdefault(a["doc_type"], []).append(f"{a['name']}（{a['sha256'][:8]}）")
            if a.get("doc_type_name"):
                doc_labels.setdefault(a["doc_type"], a["doc_type_name"])
        return out

    b_docs, a_docs = by_type(before), by_type(after)
    for key in ordered_keys(set(b_docs) | set(a_docs), doc_labels):
        label = doc_labels.get(key, key)
        if b_docs.get(key) != a_docs.get(key):
            rows.append(
                _row(
                    f"attachments.{key}",
                    f"{_('申请材料')}·{label}",
                    b_docs.get(key),
                    a_docs.get(key),
                )
            )
    b_com = {c["code"]: c for c in before.get("commitments") or []}
    a_com = {c["code"]: c for c in after.get("commitments") or []}
    for code in sorted(set(b_com) | set(a_com)):
        b, a = b_com.get(code), a_com.get(code)
        if (b and (b["text"], b["affirmed_by_name"])) != (a and (a["text"], a["affirmed_by_name"])):
            rows.append(
                _row(
                    f"commitments.{code}",
                    f"{_('承诺事项')}·{code}",
                    b and f"{b['affirmed_by_name']}：{b['text']}",
                    a and f"{a['affirmed_by_name']}：{a['text']}",
                )
            )
    return rows


def revision_diff(application, number_a: int, number_b: int) -> list[dict]:
    """Changes from revision ``number_a`` to revision ``number_b`` of the application."""
    revisions = {
        r.number: r
        for r in ApplicationRevision.objects.filter(
            application=application, number__in=[number_a, number_b]
        ).select_related("policy_version")
    }
    missing = [n for n in (number_a, number_b) if n not in revisions]
    if missing:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"revision": [_("该申请没有第%(n)s次提交的版本") % {"n": "、".join(str(n) for n in missing)}]}
        )
    # Names from the later revision's policy first, then the earlier one's.
    section_labels: dict[str, str] = {}
    doc_labels: dict[str, str] = {}
    for number in sorted((number_a, number_b), reverse=True):
        params = revisions[number].policy_version.params
        for key, name in section_names(params).items():
            section_labels.setdefault(key, name)
        for key, name in document_types(params).items():
            doc_labels.setdefault(key, name)
    return diff_content(revisions[number_a].content, revisions[number_b].content, section_labels, doc_labels)
