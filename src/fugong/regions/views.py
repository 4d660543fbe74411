from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fugong.accounts.roles import can
from fugong.accounts.views import capability_required
from fugong.core.errors import api_error
from fugong.regions import catalog, selectors, services
from fugong.regions.forms import GridForm


def _rows(user, regions, within):
    counts = selectors.enterprise_counts(user, regions, within)
    return [
        {"region": r, "count": counts[r.pk] if selectors.shows_enterprise_count(r) else None} for r in regions
    ]


@require_GET
@capability_required("region.view")
def tree(request):
    root = selectors.home_region(request.user)
    context = {"root": root}
    if root is not None:
        children = list(selectors.children_of(root))
        context["root_row"] = _rows(request.user, [root], root)[0]
        context["rows"] = _rows(request.user, children, root)
    return render(request, "regions/tree.html", context)


@require_GET
@capability_required("region.view")
def children(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    rows = _rows(request.user, list(selectors.children_of(region)), region)
    return render(request, "regions/_children.html", {"rows": rows, "parent": region})


def _detail_context(request, region, form=None):
    root = selectors.home_region(request.user)
    may_create_grid = (
        region.can_hold_grids
        and can(request.user, "region.grid.create")
        and request.user.region.contains(region)
    )
    return {
        "region": region,
        "row": _rows(request.user, [region], region)[0],
        "rows": _rows(request.user, list(selectors.children_of(region)), region),
        "breadcrumbs": [(r, root.contains(r)) for r in region.ancestors()[:-1]],
        "grid_form": (form or GridForm()) if may_create_grid else None,
    }


@require_GET
@capability_required("region.view")
def detail(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    return render(request, "regions/detail.html", _detail_context(request, region))


@require_POST
@capability_required("region.grid.create")
def grid_create(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    form = GridForm(request.POST)
    if form.is_valid():
        try:
            grid = services.create_grid(request.user, region, form.cleaned_data["name"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("name" if field == "name" else None, errors)
        else:
            messages.success(
                request, _("已创建网格“%(name)s”（编码 %(code)s）。") % {"name": grid.name, "code": grid.code}
            )
            return redirect("regions:detail", pk=region.pk)
    return render(request, "regions/detail.html", _detail_context(request, region, form), status=400)


# A county's towns or a town's villages are a few dozen; the cap only guards against a malformed tree.
PICKER_CHILDREN_LIMIT = 1000
PICKER_SEARCH_LIMIT = 20


def _level_param(request, key: str, default: int) -> int:
    raw = request.GET.get(key, "")
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= catalog.MAX_PICK_LEVEL:
        raise ValueError(
            _("参数 %(key)s 须为 1 到 %(max)d 之间的层级。") % {"key": key, "max": catalog.MAX_PICK_LEVEL}
        )
    return int(raw)


def _item(place) -> dict:
    return {"code": place.code, "name": place.name, "level": place.level, "has_children": place.has_children}


@require_GET
def picker(request):
    """What the region picker asks: ``?parent=<code>`` the places under a code (the top level when empty),
    ``?q=<words>`` up to 20 places by name with their full path (浙江省 / 衢州市 / 江山市 / 双塔街道), or
    ``?code=<code>`` the selects that show a code. ``source`` is ``tree`` (the region table) or ``nation``
    (all of China); ``min``/``max`` bound the levels offered.

    Divisions are public reference data, so any signed-in user may read them; nobody else may, so that
    the site is not an open gazetteer."""
    if not request.user.is_authenticated:
        return api_error(403, "not_authenticated", _("请先登录。"))
    source = request.GET.get("source", catalog.NATION)
    try:
        if source not in catalog.SOURCES:
            raise ValueError(_("参数 source 须为 tree 或 nation。"))
        min_level = _level_param(request, "min", 1)
        max_level = _level_param(request, "max", catalog.MAX_PICK_LEVEL)
        if min_level > max_level:
            raise ValueError(_("参数 min 不能大于 max。"))
        for key in ("parent", "code"):
            value = request.GET.get(key, "").strip()
            if value and not (value.isascii() and value.isdigit() and len(value) <= 15):
                raise ValueError(_("参数 %(key)s 须为区划代码。") % {"key": key})
    except ValueError as exc:
        return api_error(400, "invalid", str(exc))

    if "q" in request.GET:
        query = request.GET["q"].strip()[:50]
        found, more = catalog.search(
            source, query, min_level=min_level, max_level=max_level, limit=PICKER_SEARCH_LIMIT
        )
        payload = {
            "items": [
                {**_item(chain[-1]), "path": catalog.path_label(chain), "chain": [p.code for p in chain]}
                for chain in found
            ],
            "more": more,
        }
    elif "code" in request.GET:
        code = request.GET["code"].strip()
        steps = catalog.cascade(source, code, max_level)
        payload = {
            "path": catalog.path_label(catalog.chain(source, code)),
            "levels": [
                {"level": step.level, "selected": step.selected, "options": [_item(p) for p in step.options]}
                for step in steps
            ],
        }
    else:
        parent = request.GET.get("parent", "").strip()
        places = catalog.children(source, parent, max_level)
        payload = {"items": [_item(p) for p in places[:PICKER_CHILDREN_LIMIT]]}
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    # Reference data that changes only when divisions are reloaded; private, as it sits behind a login.
    patch_cache_control(response, private=True, max_age=300)
    return response
