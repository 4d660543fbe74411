"""Survey pages: the officers' campaigns and their progress (``index``, ``detail``), the campaign form,
and the firm's own surveys with the answer form (``mine``, ``answer``). Views are thin: every read goes
through ``visible_to`` (a foreign campaign or response is a 404) and every write through one service."""

import datetime as dt
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.surveys import fields as catalogue
from fugong.surveys import selectors, services
from fugong.surveys.excel import export_answers
from fugong.surveys.forms import FIELD_NAMES, CampaignForm
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_FILTERS = {"pending": ResponseStatus.PENDING, "submitted": ResponseStatus.SUBMITTED}

CAMPAIGN_COLUMNS = [
    Column(gettext_lazy("标题"), "title", ("title",)),
    Column(gettext_lazy("发送范围"), "region", ("region__path",)),
    Column(gettext_lazy("状态"), "status", ("status_rank",)),
    Column(gettext_lazy("截止时间"), "deadline", ("deadline",)),
    Column(gettext_lazy("完成情况")),
]
RESPONSE_COLUMNS = [
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("镇乡街道"), "town", ("enterprise__town__name", "enterprise__name")),
    Column(gettext_lazy("状态"), "status", ("status", "late")),
    Column(gettext_lazy("提交时间"), "submitted", ("submitted_at",)),
    Column(gettext_lazy("催报次数"), "reminders", ("reminders_sent",)),
]


def _officer(user) -> None:
    if not (can(user, "surveys.view") or can(user, "surveys.manage")):
        raise PermissionDenied


def _require_manage(user) -> None:
    if not can(user, "surveys.manage"):
        raise PermissionDenied


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


# -- officers -------------------------------------------------------------------------------------------


@login_required
def index(request):
    """摸排调查: the campaigns in scope with how many of the viewer's firms have answered."""
    user = request.user
    if not (can(user, "surveys.view") or can(user, "surveys.manage")):
        if can(user, "surveys.answer"):
            return redirect("surveys:mine")
        raise PermissionDenied
    queryset = selectors.campaigns(user).annotate(
        status_rank=ranked("status", choice_ranks(CampaignStatus.choices))
    )
    status = request.GET.get("status", "")
    if status in CampaignStatus.values:
        queryset = queryset.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(title__icontains=q)
    table = sorted_table(request, queryset, CAMPAIGN_COLUMNS, default="status", tiebreak=("-deadline", "-pk"))
    selectors.with_completion(user, list(table.page.object_list))
    context = {
        "table": table,
        "q": q,
        "status": status,
        "statuses": CampaignStatus.choices,
        "can_manage": can(user, "surveys.manage"),
    }
    return render(request, "surveys/index.html", context)


def _campaign_form(request, campaign=None):
    user = request.user
    _require_manage(user)
    if campaign is not None and not (
        services.can_run(user, campaign) and campaign.status == CampaignStatus.DRAFT
    ):
        raise PermissionDenied
    if campaign is not None:
        initial = {
            "title": campaign.title,
            "instructions": campaign.instructions,
            "region": campaign.region.code,
            "fields": campaign.fields,
            "deadline": timezone.localtime(campaign.deadline).strftime("%Y-%m-%dT%H:%M"),
        }
    else:
        deadline = timezone.localtime() + dt.timedelta(days=3)
        initial = {
            "region": user.region.code if user.region_id else "",
            "fields": list(catalogue.KEYS),
            "deadline": deadline.replace(hour=17, minute=0).strftime("%Y-%m-%dT%H:%M"),
        }
    form = CampaignForm(request.POST or None, initial=initial)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form.is_valid()
        errors = [(name, str(e)) for name, msgs in form.errors.items() for e in msgs]
        if not errors:
            data = {name: form.cleaned_data.get(name) for name in FIELD_NAMES}
            try:
                if campaign is None:
                    campaign = services.create_campaign(user, **data)
                    messages.success(request, _("已保存为草稿，核对后请点击“发送”。"))
                else:
                    campaign = services.update_campaign(
                        user, campaign, expected_version=request.POST.get("version"), **data
                    )
                    messages.success(request, _("已保存修改。"))
            except ValidationError as exc:
                errors = [(name, m) for name, msgs in exc.message_dict.items() for m in msgs]
            except services.SurveyConflict as exc:
                errors = [("", exc.message)]
            else:
                return redirect("surveys:detail", pk=campaign.pk)
    ids = _form_ids(form)
    errors = [(ids.get(name, ""), message) for name, message in errors]
    context = {"form": form, "campaign": campaign, "errors": errors}
    return render(request, "surveys/campaign_form.html", context, status=400 if errors else 200)


def _form_ids(form) -> dict:
    return {name: form[name].id_for_label or form[name].auto_id for name in FIELD_NAMES}


@login_required
def create(request):
    return _campaign_form(request)


@login_required
def edit(request, pk: int):
    _require_manage(request.user)
    campaign = get_visible_or_404(SurveyCampaign.objects.select_related("region"), request.user, pk=pk)
    return _campaign_form(request, campaign)


@login_required
def detail(request, pk: int):
    """One campaign: the firms in scope with their status (who has not answered), what the answers add
    up to, and the actions the viewer may take."""
    user = request.user
    _officer(user)
    campaign = get_visible_or_404(SurveyCampaign.objects.select_related("region", "created_by"), user, pk=pk)
    selectors.with_completion(user, [campaign])
    rows = selectors.responses(user, campaign)
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        rows = rows.filter(status=STATUS_FILTERS[status])
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(enterprise__name__icontains=q)
    table = sorted_table(
        request, rows, RESPONSE_COLUMNS, default="status", tiebreak=("enterprise__name", "pk")
    )
    runs = services.can_run(user, campaign)
    context = {
        "campaign": campaign,
        "table": table,
        "status": status,
        "q": q,
        "summary": selectors.summary(user, campaign) if campaign.answered else [],
        "field_labels": [catalogue.BY_KEY[k].label for k in campaign.fields if k in catalogue.BY_KEY],
        "can_run": runs,
        "can_remind": can(user, "surveys.manage") and campaign.status == CampaignStatus.SENT,
        "is_draft": campaign.status == CampaignStatus.DRAFT,
        "is_sent": campaign.status == CampaignStatus.SENT,
        "remind_hours": services.REMIND_INTERVAL_HOURS,
    }
    return render(request, "surveys/detail.html", context)


def _act(request, pk, action):
    user = request.user
    _require_manage(user)
    campaign = get_visible_or_404(SurveyCampaign.objects.select_related("region"), user, pk=pk)
    try:
        action(user, campaign)
    except ValidationError as exc:
        messages.error(request, "；".join(_messages(exc)))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能对该摸排执行此操作。"))
    return redirect("surveys:detail", pk=campaign.pk)


@login_required
@require_POST
def send(request, pk: int):
    def run(user, campaign):
        added = services.send_campaign(user, campaign)
        messages.success(request, _("已下发至%(n)d家企业。") % {"n": added})

    return _act(request, pk, run)


@login_required
@require_POST
def remind(request, pk: int):
    def run(user, campaign):
        n = services.remind(user, campaign)
        if n:
            messages.success(request, _("已催报%(n)d家未填报企业。") % {"n": n})
        else:
            messages.info(
                request,
                _("没有需要催报的企业：都已填报，或在%(h)d小时内已催报过。")
                % {"h": services.REMIND_INTERVAL_HOURS},
            )

    return _act(request, pk, run)


@login_required
@require_POST
def close(request, pk: int):
    def run(user, campaign):
        services.close_campaign(user, campaign)
        messages.success(request, _("摸排已结束，不再接受填报。"))

    return _act(request, pk, run)


@login_required
def export(request, pk: int):
    user = request.user
    _officer(user)
    campaign = get_visible_or_404(SurveyCampaign, user, pk=pk)
    content, _rows = export_answers(user, campaign, pending_only=request.GET.get("status") == "pending")
    name = f"摸排调查-{campaign.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


# -- the firm ------------------------------------------------------------------------------------------


@login_required
def mine(request):
    """The firm's surveys: those to answer first, each with its deadline."""
    user = request.user
    if not can(user, "surveys.answer"):
        raise PermissionDenied
    rows = list(selectors.firm_responses(user))
    now = timezone.now()
    for row in rows:
        row.open = selectors.is_open_for(row, now)
    return render(request, "surveys/mine.html", {"rows": rows})


def _raw_answers(post, keys) -> dict:
    data = {}
    for key in keys:
        spec = catalogue.BY_KEY[key]
        if spec.kind == catalogue.SUPPLIES:
            data[key] = {item: post.get(f"{key}__{item}", "") for item in catalogue.SUPPLY_KEYS}
        else:
            data[key] = post.get(key, "")
    return data


def _input_id(error_key: str) -> str:
    """The id of the input an error of the service belongs to (``supplies_demand.mask`` → its item)."""
    return "f-" + error_key.replace(".", "__")


def form_fields(campaign, values: dict, errors: dict) -> list[dict]:
    """What the answer form renders for each of the campaign's fields."""
    out = []
    for key in campaign.fields:
        spec = catalogue.BY_KEY.get(key)
        if spec is None:
            continue
        value = values.get(key)
        item = {"spec": spec, "key": key, "id": _input_id(key), "value": value, "error": errors.get(key, "")}
        if spec.kind == catalogue.SUPPLIES:
            value = value if isinstance(value, dict) else {}
            item["items"] = [
                {
                    "name": f"{key}__{k}",
                    "id": _input_id(catalogue.supply_error_key(k)),
                    "label": catalogue.SUPPLY_LABELS[k],
                    "value": "" if value.get(k) in (None, 0, "0") else value.get(k),
                    "error": errors.get(catalogue.supply_error_key(k), ""),
                }
                for k in catalogue.SUPPLY_KEYS
            ]
        elif spec.kind == catalogue.YESNO:
            item["value"] = {True: "yes", False: "no"}.get(value, value or "")
        out.append(item)
    return out


@login_required
def answer(request, pk: int):
    """The answer form, built from the campaign's fields; every error shown at once."""
    user = request.user
    if not can(user, "surveys.answer"):
        raise PermissionDenied
    response = get_visible_or_404(
        SurveyResponse.objects.select_related("campaign", "enterprise"), user, pk=pk
    )
    campaign = response.campaign
    if campaign.status == CampaignStatus.DRAFT:
        raise Http404
    errors: dict[str, str] = {}
    values = dict(response.answers)
    if request.method == "POST":
        values = _raw_answers(request.POST, campaign.fields)
        try:
            services.submit_response(user, response, values, request.POST.get("version"))
        except ValidationError as exc:
            errors = {key: " ".join(msgs) for key, msgs in exc.message_dict.items()}
        except services.SurveyConflict as exc:
            errors = {"version": exc.message}
        else:
            messages.success(request, _("已提交《%(title)s》的填报。") % {"title": campaign.title})
            return redirect(reverse("surveys:mine"))
    summary_errors = [
        (_input_id(k) if k in catalogue.BY_KEY or "." in k else "", m) for k, m in errors.items()
    ]
    context = {
        "response": response,
        "campaign": campaign,
        "fields": form_fields(campaign, values, errors),
        "errors": summary_errors,
        "open": selectors.is_open_for(response),
        "overdue": timezone.now() > campaign.deadline,
    }
    return render(request, "surveys/answer.html", context, status=400 if errors else 200)
