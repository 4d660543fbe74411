"""Policy pages: read for officers of the region and below, edits for the task force that governs it."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.policy import services
from fugong.policy.forms import (
    ApplyPresetForm,
    EndAreaForm,
    NoReturnAreaForm,
    PolicyVersionForm,
    RiskAreaForm,
    map_errors,
)
from fugong.policy.models import NoReturnArea, Policy, RiskArea
from fugong.policy.parameters import parameter_rows as build_rows
from fugong.policy.parameters import parse_parameters
from fugong.policy.presets import PRESETS, UnknownPreset, get_preset
from fugong.policy.selectors import (
    PolicyResolver,
    can_create_policy_for,
    can_edit_policy,
    version_timeline,
    visible_policies,
    visible_regions_q,
)
from fugong.regions.models import Region, RegionLevel


def _visible_policy(user, pk) -> Policy:
    return get_object_or_404(visible_policies(user), pk=pk)


def _parse_date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _index_url(policy: Policy) -> str:
    return f"{reverse('policy:index')}?region={policy.region.code}"


@login_required
def index(request):
    """The rules in force for a region on a date, where they come from, and what else applies."""
    require(request.user, "policy.view")
    user = request.user
    if user.region_id is None:
        raise PermissionDenied
    region = user.region
    if request.GET.get("region"):
        region = Region.objects.filter(visible_regions_q(user), code=request.GET["region"]).first()
        if region is None:
            raise Http404
    today = timezone.localdate()
    on_date = _parse_date(request.GET.get("date"))
    if request.GET.get("date") and on_date is None:
        messages.error(request, _("日期格式应为 年-月-日，例如 2020-02-10；已显示今天的政策。"))
    on_date = on_date or today

    resolved = PolicyResolver().find(region, on_date)
    chain_regions = region.ancestors()
    chain_policies = {p.region_id: p for p in Policy.objects.filter(region__in=chain_regions)}
    chain = [{"region": r, "policy": chain_policies.get(r.pk)} for r in reversed(chain_regions)]
    source_policy = chain_policies.get(resolved.source_region_id) if resolved else None
    overrides = (
        visible_policies(user).filter(region__path__startswith=region.path).exclude(region=region)
        if region.path.startswith(user.region.path)
        else Policy.objects.none()
    )
    context = {
        "region": region,
        "on_date": on_date,
        "today": today,
        "resolved": resolved,
        "rows": build_rows(resolved.parameters) if resolved else [],
        "chain": chain,
        "source_policy": source_policy,
        "versions": source_policy.versions.select_related("created_by").order_by("-number")
        if source_policy
        else [],
        "risk_areas": resolved.risk_areas(on_date) if resolved else [],
        "no_return_areas": resolved.no_return_areas(on_date) if resolved else [],
        "checklists": resolved.checklists() if resolved else [],
        "overrides": overrides,
        "region_options": Region.objects.filter(
            visible_regions_q(user), level__lte=RegionLevel.TOWN
        ).order_by("path"),
        "can_edit": source_policy is not None and can_edit_policy(user, source_policy),
        "own_policy": chain_policies.get(region.pk),
        "can_create_here": chain_policies.get(region.pk) is None and can_create_policy_for(user, region),
    }
    return render(request, "policy/index.html", context)


@login_required
def history(request, pk):
    require(request.user, "policy.view")
    policy = _visible_policy(request.user, pk)
    return render(
        request,
        "policy/history.html",
        {
            "policy": policy,
            "timeline": version_timeline(policy),
            "can_edit": can_edit_policy(request.user, policy),
            "today": timezone.localdate(),
        },
    )


@login_required
def edit(request, pk):
    """A new version: the form starts from the newest version (or a preset's values) and remembers
    which version it started from, so that a colleague's publication in between is not overwritten."""
    require(request.user, "policy.edit")
    policy = _visible_policy(request.user, pk)
    if not can_edit_policy(request.user, policy):
        raise PermissionDenied
    latest = policy.latest_version()
    today = timezone.localdate()
    start_params = latest.params if latest else None
    preset = None
    if request.GET.get("preset"):
        try:
            preset = get_preset(request.GET["preset"])
            start_params = parse_parameters(preset["parameters"])
        except UnknownPreset:
            messages.error(request, _("预设「%(key)s」不存在。") % {"key": request.GET["preset"]})
    initial = {
        "based_on_version": policy.latest_number,
        "effective_from": max(today, latest.effective_from) if latest else today,
    }
    if request.method == "POST":
        form = PolicyVersionForm(request.POST, params=start_params, initial=initial)
        if form.is_valid():
            try:
                version = services.create_version(
                    policy,
                    form.parameters_json,
                    effective_from=form.cleaned_data["effective_from"],
                    based_on=form.cleaned_data["based_on_version"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    preset_key=preset["key"] if preset else "",
                )
            except services.PolicyConflict as exc:
                form.add_error(None, exc.messages)
                form.conflict = True
            except ValidationError as exc:
                map_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已发布第%(n)d版，自 %(d)s 起生效。")
                    % {"n": version.number, "d": version.effective_from},
                )
                return redirect(reverse("policy:history", args=[policy.pk]))
    else:
        form = PolicyVersionForm(params=start_params, initial=initial)
    return render(
        request,
        "policy/edit.html",
        {
            "policy": policy,
            "form": form,
            "latest": latest,
            "preset": preset,
            "presets": PRESETS.values(),
        },
    )


@login_required
def apply(request):
    """Start a policy for a region that has none of its own, from a notice preset."""
    require(request.user, "policy.edit")
    user = request.user
    if user.region_id is None:
        raise PermissionDenied
    regions = (
        Region.objects.within(user.region)
        .filter(level__lte=RegionLevel.TOWN, policy__isnull=True)
        .order_by("path")
    )
    initial = {"effective_from": timezone.localdate()}
    code = request.GET.get("region")
    if code:
        initial["region"] = regions.filter(code=code).first()
    form = ApplyPresetForm(request.POST or None, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.apply_preset(
                form.cleaned_data["region"],
                form.cleaned_data["preset"],
                actor=user,
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as exc:
            map_errors(form, exc)
        else:
            messages.success(
                request, _("已为「%(region)s」应用预设，生成第1版。") % {"region": policy.region.name}
            )
            return redirect(_index_url(policy))
    return render(request, "policy/apply.html", {"form": form})


def _area_rows(queryset, today):
    rows = []
    for area in queryset.select_related("created_by", "ended_by"):
        if area.valid_from > today:
            state = "future"
        elif area.valid_to is not None and area.valid_to < today:
            state = "ended"
        else:
            state = "active"
        rows.append({"area": area, "state": state})
    return rows


@login_required
def areas(request, pk):
    """Risk areas and no-return areas registered on one policy; the task force adds and lifts them."""
    require(request.user, "policy.view")
    policy = _visible_policy(request.user, pk)
    editable = can_edit_policy(request.user, policy)
    today = timezone.localdate()
    risk_form = RiskAreaForm(prefix="risk", initial={"valid_from": today})
    no_return_form = NoReturnAreaForm(prefix="noreturn", initial={"valid_from": today})
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        kind = request.POST.get("kind")
        if kind == "risk":
            risk_form = RiskAreaForm(request.POST, prefix="risk")
            form, add = risk_form, services.add_risk_area
        elif kind == "no_return":
            no_return_form = NoReturnAreaForm(request.POST, prefix="noreturn")
            form, add = no_return_form, services.add_no_return_area
        else:
            raise Http404
        if form.is_valid():
            try:
                area = add(policy, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                map_errors(form, exc)
            else:
                messages.success(request, _("已登记：%(area)s") % {"area": area})
                return redirect(reverse("policy:areas", args=[policy.pk]))
    return render(
        request,
        "policy/areas.html",
        {
            "policy": policy,
            "can_edit": editable,
            "today": today,
            "risk_rows": _area_rows(policy.risk_areas.all(), today),
            "no_return_rows": _area_rows(policy.no_return_areas.all(), today),
            "risk_form": risk_form,
            "no_return_form": no_return_form,
        },
    )


def _end(request, model, pk, service):
    require(request.user, "policy.edit")
    area = get_object_or_404(model.objects.filter(policy__in=visible_policies(request.user)), pk=pk)
    if not can_edit_policy(request.user, area.policy):
        raise PermissionDenied
    form = EndAreaForm(request.POST)
    if form.is_valid():
        try:
            service(area, last_day=form.cleaned_data["last_day"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, _("「%(name)s」截止于 %(d)s。") % {"name": area.name, "d": area.valid_to}
            )
    else:
        messages.error(request, _("请填写有效的截止日期（年-月-日）。"))
    return redirect(reverse("policy:areas", args=[area.policy_id]))


@login_required
@require_POST
def risk_area_end(request, pk):
    return _end(request, RiskArea, pk, services.end_risk_area)


@login_required
@require_POST
def no_return_area_end(request, pk):
    return _end(request, NoReturnArea, pk, services.end_no_return_area)
