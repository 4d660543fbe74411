"""Policy pages: read for officers of the region and below, edits for the task force that governs it."""

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.audit.services import record
from fugong.core.dates import format_date
from fugong.policy import services
from fugong.policy.forms import (
    ApplyPresetForm,
    EndAreaForm,
    NoReturnAreaForm,
    PolicyVersionForm,
    PresetUploadForm,
    RiskAreaForm,
    map_errors,
)
from fugong.policy.impact import preview as preview_impact
from fugong.policy.loading import (
    apply_preset,
    export_version,
    load_preset,
    preset_provenance,
    preview_against,
)
from fugong.policy.models import NoReturnArea, Notice, Policy, Preset, RiskArea
from fugong.policy.parameters import parameter_rows as build_rows
from fugong.policy.parameters import parse_parameters
from fugong.policy.preset_files import PresetFile, read_preset
from fugong.policy.selectors import (
    PolicyResolver,
    UnknownPreset,
    can_create_policy_for,
    can_edit_policy,
    citation,
    get_preset,
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
        "rows": _cited_rows(resolved) if resolved else [],
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


def _cited_rows(resolved) -> list[dict]:
    rows = build_rows(resolved.parameters)
    for row in rows:
        if row["value"] is not None:
            row["source"] = resolved.cite(row["key"])
            row["quote"] = resolved.quote(row["key"])
            row["note"] = (resolved.source_of(row["key"]) or {}).get("note", "")
    return rows


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
    impact = None
    if request.GET.get("preset"):
        try:
            preset = get_preset(request.GET["preset"])
            start_params = parse_parameters(PresetFile(preset.data, preset.content).parameter_values())
        except UnknownPreset:
            messages.error(request, _("预设「%(key)s」不存在。") % {"key": request.GET["preset"]})
    initial = {
        "based_on_version": policy.latest_number,
        "effective_from": max(today, latest.effective_from) if latest else today,
    }
    if request.method == "POST":
        form = PolicyVersionForm(request.POST, params=start_params, initial=initial)
        if form.is_valid() and request.POST.get("preview"):
            impact = preview_impact(policy, form.parameters_json, form.cleaned_data["effective_from"])
        elif form.is_valid():
            try:
                version = services.create_version(
                    policy,
                    form.parameters_json,
                    effective_from=form.cleaned_data["effective_from"],
                    based_on=form.cleaned_data["based_on_version"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    preset_key=preset.key if preset else "",
                    provenance=_preset_sources(preset, form.parameters_json),
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
                    % {"n": version.number, "d": format_date(version.effective_from)},
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
            "presets": Preset.objects.select_related("notice"),
            "impact": impact,
        },
    )


def _preset_sources(preset, submitted: dict) -> dict | None:
    """The preset's sources for the values the officer kept as the preset has them; values changed in
    the form are local changes, whose basis is the version's note."""
    if preset is None:
        return None
    values = parse_parameters(PresetFile(preset.data, preset.content).parameter_values()).to_json()
    sources = preset_provenance(preset)
    return {k: sources[k] for k, v in submitted.items() if k in sources and values.get(k) == v}


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
    for area in queryset.select_related("created_by", "ended_by", "notice"):
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
                request,
                _("「%(name)s」截止于 %(d)s。") % {"name": area.name, "d": format_date(area.valid_to)},
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


# -- preset files and notices --------------------------------------------------------------------------


@login_required
def presets(request):
    """The loaded presets and their notices; the task force uploads a preset file, sees what it says
    and what it would change, and then loads it and applies it to a region from a date."""
    require(request.user, "policy.view")
    user = request.user
    can_load = can(user, "policy.edit") and user.region_id is not None
    context = {
        "presets": Preset.objects.select_related("notice", "loaded_by"),
        "notices": Notice.objects.all(),
        "can_load": can_load,
        "form": PresetUploadForm() if can_load else None,
    }
    if request.method == "POST":
        if not can_load:
            raise PermissionDenied
        regions = _appliable_regions(user)
        form = PresetUploadForm(request.POST, request.FILES, regions=regions)
        context["form"] = form
        if form.is_valid():
            try:
                preset_file = read_preset(form.file_text())
            except ValidationError as exc:
                context["file_errors"] = [m for messages_ in exc.message_dict.values() for m in messages_]
            else:
                region = form.cleaned_data.get("region")
                if form.cleaned_data.get("confirm"):
                    try:
                        with transaction.atomic():  # loaded and applied, or neither
                            preset, _outcome = load_preset(preset_file, actor=user)
                            if region is not None:
                                apply_preset(
                                    region,
                                    preset,
                                    actor=user,
                                    effective_from=form.cleaned_data["effective_from"],
                                )
                    except ValidationError as exc:
                        context["file_errors"] = [m for ms in exc.message_dict.values() for m in ms]
                    except PermissionDenied as exc:
                        context["file_errors"] = [str(exc)]
                    else:
                        if region is not None:
                            messages.success(
                                request,
                                _("已载入「%(name)s」并应用到「%(region)s」。")
                                % {"name": preset.name, "region": region.name},
                            )
                            return redirect(f"{reverse('policy:index')}?region={region.code}")
                        messages.success(request, _("已载入预设「%(name)s」。") % {"name": preset.name})
                        return redirect(reverse("policy:presets"))
                else:
                    # Compared with the rules the region lives under now, its own or inherited.
                    resolved = PolicyResolver().find(region) if region else None
                    policy = Policy.objects.filter(pk=resolved.policy_id).first() if resolved else None
                    context["preview"] = {
                        "file": preset_file,
                        "rows": _preview_rows(preset_file),
                        "changes": preview_against(preset_file, policy),
                        "region": region,
                        "policy": policy,
                    }
                    form.ready_to_confirm(preset_file.content)
    elif can_load:
        context["form"] = PresetUploadForm(regions=_appliable_regions(user))
    return render(request, "policy/presets.html", context)


def _appliable_regions(user):
    return Region.objects.within(user.region).filter(level__lte=RegionLevel.TOWN).order_by("path")


def _preview_rows(preset_file) -> list[dict]:
    params = parse_parameters(preset_file.parameter_values())
    sources = preset_file.provenance()
    rows = build_rows(params)
    for row in rows:
        source = sources.get(row["key"])
        if source:
            row["source"] = citation(source)
            row["quote"] = source.get("quote", "")
            row["note"] = source.get("note", "")
    return [row for row in rows if row["value"] is not None]


@login_required
def notice(request, code):
    require(request.user, "policy.view")
    item = get_object_or_404(Notice, code=code)
    return render(
        request,
        "policy/notice.html",
        {"notice": item, "presets": item.presets.all(), "checklists": item.checklists.all()},
    )


@login_required
def export(request, pk):
    """A version of the policy as a preset file, to keep, send to another city or load again."""
    require(request.user, "policy.view")
    policy = _visible_policy(request.user, pk)
    versions = policy.versions.order_by("-number")
    number = request.GET.get("version")
    version = versions.filter(number=number).first() if (number or "").isdigit() else versions.first()
    if version is None:
        raise Http404
    text = export_version(version)
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    name = f"{policy.name}-第{version.number}版.yaml"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    record(request.user, "policy.export", version, note=_("导出为预设文件"))
    return response
